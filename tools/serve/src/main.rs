//! `serve`: every `/v3` route from one HTTP/1.1 server process, the same axum app the
//! functions run (`shared::http::app`), served by `axum::serve`. For on-premises or
//! container deployments next to the contact-center database, and for load tests.
//! `serve routes` prints the route table as JSON (what the template and OpenAPI checks
//! compare against); `serve settings` what the functions read in AWS (for the template check);
//! `serve --check` what the database lacks of the tables and columns the API needs.
//!
//! `PORT` (default 8080), `HOST` (default 0.0.0.0), `DATABASE_URL` (required), `DB_LAYOUT` and
//! `DB_SCHEMA` (where MitACD's tables are, see `shared::layout`), and the pool
//! settings of the functions, except that `DB_MAX_CONNECTIONS` defaults to twice the CPUs
//! (at least 4): one process serves many requests at once. SIGTERM or Ctrl-C stops
//! accepting, lets requests in flight finish (up to 10 s), closes the pool and exits 0.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use axum::ServiceExt;
use axum::serve::ListenerExt;
use clap::{Parser, Subcommand};
use shared::AppState;
use tokio::net::TcpListener;

const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Parser)]
#[command(about = "Every /v3 route from one process (PORT, HOST, DATABASE_URL from the environment)")]
struct Cli {
    /// Check that the database has every table and column the API needs, print what it
    /// lacks, and exit (0 when nothing is missing, 1 otherwise).
    #[arg(long)]
    check: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Print the route table as JSON: [{"function", "method", "path"}, …].
    Routes,
    /// Print what the functions read in AWS as JSON: {"auth_modes", "managed_variables"}.
    Settings,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Routes) => {
            println!("{}", serde_json::to_string_pretty(&shared::http::ALL).expect("the route table serializes"));
            return ExitCode::SUCCESS;
        }
        Some(Command::Settings) => {
            let settings = serde_json::json!({
                "auth_modes": shared::settings::AUTH_MODES,
                "managed_variables": shared::settings::MANAGED_VARIABLES,
                "layouts": shared::layout::LAYOUTS,
                "layout_variables": shared::settings::LAYOUT_VARIABLES,
            });
            println!("{settings:#}");
            return ExitCode::SUCCESS;
        }
        None => {}
    }
    shared::telemetry::init();
    if cli.check {
        return check().await;
    }
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("serve: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let settings = shared::settings::ServeSettings::from_env().map_err(|error| error.to_string())?;
    let address = SocketAddr::new(settings.host, settings.port);
    let state = AppState::from_settings(&settings.database).map_err(|error| error.to_string())?;
    let listener = TcpListener::bind(address)
        .await
        .map_err(|error| format!("cannot listen on {address}: {error}"))?
        .tap_io(|stream| {
            let _ = stream.set_nodelay(true);
        });
    tracing::info!(%address, engine = state.db().engine(), layout = state.store.layout().name(), "serving /v3");

    let (drained_tx, drained_rx) = tokio::sync::oneshot::channel::<()>();
    let app = shared::http::app(state.clone()).into_make_service();
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        shutdown_signal().await;
        tracing::info!("shutting down: draining requests in flight");
        let _ = drained_tx.send(());
    });
    let drain_deadline = async {
        let _ = drained_rx.await;
        tokio::time::sleep(DRAIN_TIMEOUT).await;
    };
    tokio::select! {
        served = server => served.map_err(|error| error.to_string())?,
        () = drain_deadline => tracing::warn!("requests still in flight after {DRAIN_TIMEOUT:?}; exiting"),
    }
    state.db().close().await;
    tracing::info!("stopped");
    Ok(())
}

/// `serve --check`: what the database lacks, as the settings lay it out.
async fn check() -> ExitCode {
    let state = match shared::settings::ServeSettings::from_env().and_then(|s| AppState::from_settings(&s.database)) {
        Ok(state) => state,
        Err(error) => {
            eprintln!("serve --check: {error}");
            return ExitCode::FAILURE;
        }
    };
    let layout = state.store.layout().name();
    let outcome = shared::store::check::missing(&state.store).await;
    state.db().close().await;
    match outcome {
        Ok(missing) if missing.is_empty() => {
            println!("serve --check: DB_LAYOUT={layout}: the database has every table and column the API needs");
            ExitCode::SUCCESS
        }
        Ok(missing) => {
            println!("serve --check: DB_LAYOUT={layout}: the database lacks what the API needs:");
            for item in &missing {
                println!("  {item}");
            }
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("serve --check: cannot read the database's tables: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
