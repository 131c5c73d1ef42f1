//! `serve`: every `/v3` route from one HTTP/1.1 server process, the same axum app the
//! functions run (`shared::http::app`), served by `axum::serve`. For on-premises or
//! container deployments next to the contact-center database, and for load tests.
//! `serve routes` prints the route table as JSON (what the template and OpenAPI checks
//! compare against); `serve settings` what the functions read in AWS (for the template check);
//! `serve metrics` the CloudWatch metrics they write (for the template's dashboard check);
//! `serve --check` what the database lacks of the tables and columns the API needs.
//! `GET /docs` is the API reference (openapi.yaml in Swagger UI, one page that loads nothing
//! from the network) and `GET /openapi.yaml` the file; both public (`docs`). `serve docs`
//! writes that page (`make docs`).
//!
//! `PORT` (default 8080), `HOST` (default 127.0.0.1; 0.0.0.0 to serve the network),
//! `DATABASE_URL` (required), `DB_LAYOUT` and `DB_SCHEMA` (where MitACD's tables are, see
//! `shared::layout`), and the pool settings of the functions, except that `DB_MAX_CONNECTIONS`
//! defaults to twice the CPUs (at least 4): one process serves many requests at once.
//!
//! Keys: every request is checked as the gateway's authorizer checks it, against the key list
//! in `API_KEYS_FILE` (the secret's JSON; `api-keys --file` keeps it) or the secret
//! `API_KEYS_SECRET_ARN`. Without either, `serve` refuses to start, unless `SERVE_OPEN=1` says
//! to serve without keys (it then says so in its log). Network limits (`network`):
//! `SERVE_MAX_CONNECTIONS`, `SERVE_HEADER_TIMEOUT_MS`, `SERVE_BODY_TIMEOUT_MS`. SIGTERM or
//! Ctrl-C stops accepting, lets requests in flight finish (up to 10 s), closes the pool and
//! exits 0.

mod docs;
mod keys;
mod network;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use authorizer::Authorizer;
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
    /// Print the metrics the functions write (EMF) as JSON: {"namespace_variable",
    /// "default_namespace", "dimension", "histograms", "counters", "functions"}.
    Metrics,
    /// Print the API reference page that `GET /docs` answers (openapi.yaml in Swagger UI, one
    /// self-contained HTML file), or with --out write it as DIR/index.html beside DIR/openapi.yaml.
    Docs {
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
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
        Some(Command::Metrics) => {
            use shared::telemetry;
            let metrics = serde_json::json!({
                "namespace_variable": telemetry::NAMESPACE_VARIABLE,
                "default_namespace": telemetry::DEFAULT_NAMESPACE,
                "dimension": telemetry::DIMENSION,
                "histograms": telemetry::HISTOGRAMS,
                "counters": telemetry::COUNTERS,
                // The dimension's values: each route's function (the catch-all's is its binary
                // name too, unknown-route).
                "functions": shared::http::ALL.iter().map(|route| route.function).collect::<Vec<_>>(),
            });
            println!("{metrics:#}");
            return ExitCode::SUCCESS;
        }
        Some(Command::Docs { out }) => return write_docs(out),
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
    let guard = key_guard().await?;
    let address = SocketAddr::new(settings.host, settings.port);
    let state = AppState::from_settings(&settings.database).map_err(|error| error.to_string())?;
    let listener = TcpListener::bind(address).await.map_err(|error| format!("cannot listen on {address}: {error}"))?;
    let app = match guard {
        Some(guard) => shared::http::guarded_app(state.clone(), guard),
        None => {
            tracing::warn!(
                "SERVE_OPEN=1: serving WITHOUT API keys; any caller that reaches {address} may call every route"
            );
            shared::http::app(state.clone())
        }
    };
    // Public, before the key check: see `docs`.
    let app = docs::with_docs(app);
    tracing::info!(
        %address,
        engine = state.db().engine(),
        layout = state.store.layout().name(),
        max_connections = settings.max_connections,
        header_timeout_ms = settings.header_timeout.as_millis() as u64,
        body_timeout_ms = settings.body_timeout.as_millis() as u64,
        "serving /v3"
    );
    tracing::info!("API reference at http://{address}{} and {} (no key needed)", docs::DOCS_PATH, docs::SPEC_PATH);
    let limits = network::Limits {
        max_connections: settings.max_connections,
        header_timeout: settings.header_timeout,
        body_timeout: settings.body_timeout,
        drain_timeout: DRAIN_TIMEOUT,
    };
    network::serve(listener, app, limits, shutdown_signal()).await;
    state.db().close().await;
    tracing::info!("stopped");
    Ok(())
}

/// The key check, from `API_KEYS_FILE` or `API_KEYS_SECRET_ARN`, read once now so that a
/// missing or malformed key list stops `serve` at start. `None` only with `SERVE_OPEN=1`.
async fn key_guard() -> Result<Option<keys::KeyGuard>, String> {
    let open = shared::settings::env_var("SERVE_OPEN");
    let open = match open.as_deref() {
        None | Some("0") => false,
        Some("1") => true,
        Some(other) => return Err(format!("SERVE_OPEN must be 1 (serve without API keys) or 0, not {other:?}")),
    };
    let settings = authorizer::Settings::lookup_optional(shared::settings::env_var)?;
    match (settings, open) {
        (None, false) => Err("no API keys: set API_KEYS_FILE to a key list (make one with \
             `api-keys --file PATH issue --name NAME --scopes all`) or API_KEYS_SECRET_ARN to the \
             keys secret; or SERVE_OPEN=1 to serve without keys on a machine you trust"
            .to_owned()),
        (Some(_), true) => Err("SERVE_OPEN=1 and API keys are both set: unset one of them".to_owned()),
        (None, true) => Ok(None),
        (Some(settings), false) => {
            let authorizer = Authorizer::new(settings);
            let count = authorizer
                .load()
                .await
                .map_err(|error| format!("cannot use the API keys in {}: {error}", authorizer.source()))?;
            tracing::info!(keys = count, source = authorizer.source(), "API keys loaded: every request needs one");
            Ok(Some(keys::KeyGuard(Arc::new(authorizer))))
        }
    }
}

/// `serve docs [--out DIR]`.
fn write_docs(out: Option<PathBuf>) -> ExitCode {
    let page = docs::page();
    let Some(dir) = out else {
        print!("{page}");
        return ExitCode::SUCCESS;
    };
    let written = std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(dir.join("index.html"), &page))
        .and_then(|()| std::fs::write(dir.join("openapi.yaml"), docs::OPENAPI_YAML));
    match written {
        Ok(()) => {
            println!("serve docs: wrote {} ({} bytes) and openapi.yaml", dir.join("index.html").display(), page.len());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("serve docs: cannot write {}: {error}", dir.display());
            ExitCode::FAILURE
        }
    }
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
