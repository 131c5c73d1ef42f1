//! `make bench`: measures the real release binaries and prints/writes the figures.
//!
//! - `bench measure --label L --database-url URL [options]` runs every function under the
//!   Runtime API emulator (cold starts, first invocation, warm p50/p99, RSS), the same SQL
//!   through a bare client (the floor), and wrk against `serve` with pgbench beside it;
//!   writes `bench-results/L.json`.
//! - `bench report RUN.json... --out BENCHMARKS.md` prints the tables and writes the report.
//!
//! Figures are printed, never asserted: the machines are shared and noisy.

mod emulator;
mod load;
mod measure;
mod report;
mod results;
mod stats;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser};
use sqlx::{Connection, PgConnection};

use crate::results::{FunctionFigures, Run};

/// The command line (clap).
#[derive(Parser)]
#[command(name = "bench", about = "Measures the real release binaries; prints and writes the figures")]
enum Cli {
    /// Every function under the Runtime API emulator, the floor, and load on `serve`;
    /// writes bench-results/LABEL.json.
    Measure(MeasureArgs),
    /// Prints the tables of RUN.json files and writes the report.
    Report(report::ReportArgs),
}

#[derive(Args)]
struct MeasureArgs {
    #[arg(long)]
    label: String,
    /// PostgreSQL.
    #[arg(long)]
    database_url: String,
    #[arg(long, default_value = "target/release")]
    bin_dir: PathBuf,
    #[arg(long, default_value = "events")]
    events: PathBuf,
    #[arg(long, default_value_t = 1000)]
    invocations: usize,
    #[arg(long, default_value_t = 5)]
    cold_starts: usize,
    #[arg(long, default_value_t = 16)]
    connections: usize,
    #[arg(long, default_value_t = 5)]
    load_seconds: u64,
    /// Default: bench-results/LABEL.json.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Measure just these functions (and skip the load run), for profiling.
    #[arg(long, value_delimiter = ',')]
    only: Option<Vec<String>>,
}

// Multi-threaded: a worker that is already awake takes each event and answer, which measured
// lower and steadier than one thread sleeping in epoll between them.
#[tokio::main]
async fn main() -> ExitCode {
    let result = match Cli::parse() {
        Cli::Measure(args) => measure_command(args).await,
        Cli::Report(args) => report::report_command(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("bench: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn measure_command(args: MeasureArgs) -> Result<(), String> {
    let MeasureArgs {
        label,
        database_url,
        bin_dir,
        events,
        invocations,
        cold_starts,
        connections,
        load_seconds,
        out,
        only,
    } = args;
    let plan = load::LoadPlan { connections, seconds: load_seconds };
    let out = out.unwrap_or_else(|| PathBuf::from(format!("bench-results/{label}.json")));
    let work = std::env::temp_dir().join(format!("v3-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work).map_err(|error| error.to_string())?;

    let (interactions, parameters) = table_sizes(&database_url).await?;
    let (connect_ms, connect_tls_ms) = measure::connect_times(&database_url).await;
    println!(
        "[{label}] connecting: {connect_ms:.2} ms as configured, {connect_tls_ms:.2} ms with TLS (sslmode=require)"
    );
    println!(
        "[{label}] {interactions} interactions, {parameters} parameters; {invocations} warm invocations per function"
    );
    let mut functions = Vec::new();
    for subject in measure::subjects()
        .into_iter()
        .filter(|s| only.as_ref().is_none_or(|names| names.iter().any(|n| n == s.function)))
    {
        let binary = bin_dir.join(subject.function);
        let event_path = events.join(format!("{}.json", subject.event_file));
        let event =
            std::fs::read_to_string(&event_path).map_err(|error| format!("{}: {error}", event_path.display()))?;
        let run = measure::run_function(&binary, &event, &database_url, cold_starts, invocations)
            .await
            .map_err(|error| format!("{}: {error}", subject.function))?;
        let floor = match subject.floor {
            Some(floor) => measure::run_floor(&database_url, floor, invocations).await?,
            None => Vec::new(),
        };
        let (init_ms, first_invocation_ms, warm_p50_us, warm_p99_us, floor_p50_us, floor_p99_us) =
            measure::summarize(&run, &floor);
        let figures = FunctionFigures {
            function: subject.function.to_owned(),
            init_ms,
            first_invocation_ms,
            warm_p50_us,
            warm_p99_us,
            floor_p50_us,
            floor_p99_us,
            rss_mb: run.rss_kb as f64 / 1024.0,
            binary_bytes: std::fs::metadata(&binary).map(|meta| meta.len()).unwrap_or(0),
        };
        println!(
            "  {:<24} init {:>6.2} ms  first {:>6.2} ms  warm p50 {:>7.1} µs p99 {:>7.1} µs  floor p50 {:>7.1} µs  rss {:>5.1} MB",
            figures.function, init_ms, first_invocation_ms, warm_p50_us, warm_p99_us, floor_p50_us, figures.rss_mb
        );
        functions.push(figures);
    }
    if only.is_some() {
        return Ok(());
    }
    let serve = bin_dir.join("serve");
    let load = load::load_serve(&serve, &database_url, &plan, &work).await?;
    for figures in &load {
        println!(
            "  serve {:<24} {:>9.0} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms  non-2xx {}",
            figures.route, figures.requests_per_s, figures.p50_ms, figures.p99_ms, figures.non_2xx
        );
    }
    let pgbench = load::pgbench(&database_url, &plan, &work).await?;
    println!("  pgbench -M prepared -c{} full interaction: {:.0} tps", pgbench.clients, pgbench.transactions_per_s);

    let run = Run {
        label,
        interactions,
        parameters,
        invocations,
        connect_ms,
        connect_tls_ms,
        functions,
        load,
        pgbench: Some(pgbench),
    };
    if let Some(folder) = out.parent() {
        std::fs::create_dir_all(folder).map_err(|error| error.to_string())?;
    }
    std::fs::write(&out, serde_json::to_string_pretty(&run).expect("figures serialize"))
        .map_err(|error| error.to_string())?;
    let _ = std::fs::remove_dir_all(&work);
    println!("[{}] written to {}", run.label, out.display());
    Ok(())
}

async fn table_sizes(database_url: &str) -> Result<(i64, i64), String> {
    let mut connection = PgConnection::connect(database_url).await.map_err(|error| format!("PostgreSQL: {error}"))?;
    let count = |table: &'static str| format!(r#"SELECT COUNT(*) FROM "{table}""#);
    let interactions: i64 =
        sqlx::query_scalar(&count("Interacciones")).fetch_one(&mut connection).await.map_err(|e| e.to_string())?;
    let incoming: i64 = sqlx::query_scalar(&count("ParametrosTareaEntrada"))
        .fetch_one(&mut connection)
        .await
        .map_err(|e| e.to_string())?;
    let outgoing: i64 = sqlx::query_scalar(&count("ParametrosTareaSalida"))
        .fetch_one(&mut connection)
        .await
        .map_err(|e| e.to_string())?;
    Ok((interactions, incoming + outgoing))
}
