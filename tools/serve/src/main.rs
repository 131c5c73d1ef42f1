//! `serve`: every `/v3` route from one HTTP/1.1 server process, through the same
//! `shared::dispatch` → `shared::handle` the Lambda functions call (no second copy of any
//! route). For on-premises or container deployments next to the contact-center database,
//! and for load tests.
//!
//! `PORT` (default 8080), `HOST` (default 0.0.0.0), `DATABASE_URL` (required), and the pool
//! settings of the functions, except that `DB_MAX_CONNECTIONS` defaults to twice the CPUs
//! (at least 4): one process serves many requests at once. SIGTERM or Ctrl-C stops
//! accepting, lets requests in flight finish (up to 10 s), closes the pool and exits 0.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use lambda_http::{Body, RequestExt};
use shared::AppState;
use shared::http::MAX_BODY_BYTES;
use tokio::net::TcpListener;

const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);
/// How much of an oversized body is read (and dropped) before answering 413.
const DRAIN_LIMIT: usize = 16 * 1024 * 1024;
/// Request line and headers above this are refused by hyper with 431 (API Gateway's own
/// limit is 10 KiB of headers).
const MAX_HEAD_BYTES: usize = 16 * 1024;

#[tokio::main]
async fn main() -> ExitCode {
    shared::telemetry::init();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("serve: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let port: u16 = env_or("PORT", "8080").parse().map_err(|_| "PORT must be a port number (1-65535)".to_owned())?;
    let host = env_or("HOST", "0.0.0.0");
    let address: SocketAddr =
        format!("{host}:{port}").parse().map_err(|_| format!("HOST must be an IP address (got '{host}')"))?;
    let default_connections =
        std::thread::available_parallelism().map_or(4, |cpus| (cpus.get() * 2).max(4)).to_string();
    let state = AppState::from_lookup(|name| match name {
        "DB_MAX_CONNECTIONS" => Some(std::env::var(name).unwrap_or_else(|_| default_connections.clone())),
        _ => std::env::var(name).ok(),
    })
    .map_err(|error| error.to_string())?;

    let listener = TcpListener::bind(address).await.map_err(|error| format!("cannot listen on {address}: {error}"))?;
    tracing::info!(%address, engine = state.db.engine(), "serving /v3");

    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown_signal());
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _peer)) => stream,
                    Err(error) => {
                        // Out of file descriptors and the like: back off instead of spinning.
                        tracing::warn!(%error, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let state = state.clone();
                let connection = http1::Builder::new()
                    .max_buf_size(MAX_HEAD_BYTES)
                    .serve_connection(TokioIo::new(stream), service_fn(move |request| respond(state.clone(), request)));
                let connection = graceful.watch(connection);
                tokio::spawn(async move {
                    if let Err(error) = connection.await {
                        tracing::debug!(%error, "connection ended with an error");
                    }
                });
            }
            () = &mut shutdown => break,
        }
    }

    drop(listener);
    tracing::info!("shutting down: draining requests in flight");
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(DRAIN_TIMEOUT) => tracing::warn!("requests still in flight after {DRAIN_TIMEOUT:?}; exiting"),
    }
    state.db.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Adapts a hyper request to the `lambda_http` request the handlers take, and back.
async fn respond(
    state: AppState,
    request: hyper::Request<Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    let body = read_body(body).await;
    let request = lambda_http::Request::from_parts(parts, body).with_raw_http_path(path);
    let response = shared::dispatch(&state, request).await?;
    let (parts, body) = response.into_parts();
    let bytes = match body {
        Body::Text(text) => Bytes::from(text),
        Body::Binary(bytes) => Bytes::from(bytes),
        _ => Bytes::new(),
    };
    Ok(hyper::Response::from_parts(parts, Full::new(bytes)))
}

/// Keeps at most one byte past the body limit: enough for the handler to answer 413. The
/// rest of an oversized upload (up to `DRAIN_LIMIT`) is read and dropped, so a client that
/// sends its whole body before reading gets the 413 instead of a reset connection.
async fn read_body(mut body: Incoming) -> Body {
    let mut buffer = Vec::new();
    let mut received = 0usize;
    while received <= DRAIN_LIMIT {
        match body.frame().await {
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    received += data.len();
                    let room = (MAX_BODY_BYTES + 1).saturating_sub(buffer.len());
                    buffer.extend_from_slice(&data[..data.len().min(room)]);
                }
            }
            // A broken upload is answered as whatever arrived; the handler validates it.
            Some(Err(_)) | None => break,
        }
    }
    if buffer.is_empty() { Body::Empty } else { Body::Binary(buffer) }
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).ok().filter(|value| !value.is_empty()).unwrap_or_else(|| default.to_owned())
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
