//! A minimal Lambda Runtime API (2018-06-01): enough for `lambda_runtime` to fetch events
//! and post results, with the timestamps the benchmark needs. One emulator per function
//! process, so a killed process can never leave a long-poll holding the next one's event.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{Mutex, mpsc};

pub struct Invocation {
    pub id: String,
    pub event: String,
}

/// What the function posted back for one invocation.
pub struct Outcome {
    pub at: Instant,
    pub ok: bool,
    pub body: Bytes,
}

struct Inner {
    events: Mutex<mpsc::Receiver<Invocation>>,
    outcomes: mpsc::UnboundedSender<Outcome>,
    next_calls: mpsc::UnboundedSender<Instant>,
}

pub struct Emulator {
    pub address: SocketAddr,
    events: mpsc::Sender<Invocation>,
    outcomes: mpsc::UnboundedReceiver<Outcome>,
    next_calls: mpsc::UnboundedReceiver<Instant>,
    server: tokio::task::JoinHandle<()>,
}

impl Emulator {
    pub async fn start() -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let (events_tx, events_rx) = mpsc::channel(1);
        let (outcomes_tx, outcomes_rx) = mpsc::unbounded_channel();
        let (next_tx, next_rx) = mpsc::unbounded_channel();
        let inner = Arc::new(Inner { events: Mutex::new(events_rx), outcomes: outcomes_tx, next_calls: next_tx });
        let server = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let _ = stream.set_nodelay(true);
                let inner = inner.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request| answer(inner.clone(), request));
                    let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                });
            }
        });
        Ok(Self { address, events: events_tx, outcomes: outcomes_rx, next_calls: next_rx, server })
    }

    /// When the function next asks for work (`GET …/invocation/next`).
    pub async fn next_call(&mut self) -> Option<Instant> {
        self.next_calls.recv().await
    }

    /// Hands out one event and waits for its result; returns when it was handed out and
    /// what came back.
    pub async fn invoke(&mut self, id: String, event: String) -> Option<(Instant, Outcome)> {
        let sent = Instant::now();
        self.events.send(Invocation { id, event }).await.ok()?;
        let outcome = self.outcomes.recv().await?;
        Some((sent, outcome))
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn answer(inner: Arc<Inner>, request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = request.uri().path().to_owned();
    let method = request.method().clone();
    if method == Method::GET && path == "/2018-06-01/runtime/invocation/next" {
        let _ = inner.next_calls.send(Instant::now());
        let Some(invocation) = inner.events.lock().await.recv().await else {
            return Ok(status(StatusCode::GONE));
        };
        let response = Response::builder()
            .header("lambda-runtime-aws-request-id", invocation.id)
            .header("lambda-runtime-deadline-ms", "4102444800000")
            .header("lambda-runtime-invoked-function-arn", "arn:aws:lambda:us-east-1:123456789012:function:bench")
            .header("lambda-runtime-trace-id", "Root=1-00000000-000000000000000000000000;Sampled=0")
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(invocation.event)))
            .expect("static headers");
        return Ok(response);
    }
    if method == Method::POST && path.starts_with("/2018-06-01/runtime/") {
        let body = request.into_body().collect().await.map(|collected| collected.to_bytes()).unwrap_or_default();
        let at = Instant::now();
        let ok = path.ends_with("/response");
        let _ = inner.outcomes.send(Outcome { at, ok, body });
        return Ok(status(StatusCode::ACCEPTED));
    }
    Ok(status(StatusCode::NOT_FOUND))
}

fn status(code: StatusCode) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = code;
    response
}
