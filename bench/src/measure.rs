//! Each real function binary started exactly as Lambda starts it (`AWS_LAMBDA_RUNTIME_API`
//! pointing at the emulator), and the physical floor beside it: the same SQL for the same
//! row through a bare sqlx connection with a prepared statement.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use std::sync::LazyLock;

use shared::layout::Layout;
use shared::store::Statements;
use sqlx::{Connection, PgConnection};

use crate::emulator::Emulator;
use crate::stats::{micros, millis, percentile};

const INTERACTION: &str = "210614222408193_ACD_00001";

/// The functions' statements (the default layout), for the floor and pgbench.
pub static SQL: LazyLock<Statements> = LazyLock::new(|| Statements::for_layout(&Layout::MitAcd));

/// A function under test: its binary, the event it is invoked with, its SQL floor.
pub struct Subject {
    pub function: &'static str,
    pub event_file: &'static str,
    pub floor: Option<Floor>,
}

#[derive(Clone, Copy)]
pub enum Floor {
    ById(&'static str, i32),
    ByText(&'static str, &'static str),
    Upsert,
}

pub fn subjects() -> Vec<Subject> {
    vec![
        Subject { function: "get-agent", event_file: "get-agent", floor: Some(Floor::ById(SQL.find_agent(), 8)) },
        Subject {
            function: "get-campaign",
            event_file: "get-campaign",
            floor: Some(Floor::ById(SQL.find_campaign(), 2)),
        },
        Subject {
            function: "get-interaction",
            event_file: "get-interaction",
            floor: Some(Floor::ByText(SQL.find_interaction(), INTERACTION)),
        },
        Subject {
            function: "get-full-interaction",
            event_file: "get-full-interaction",
            floor: Some(Floor::ByText(SQL.find_full_interaction(), INTERACTION)),
        },
        Subject {
            function: "get-outgoing-parameters",
            event_file: "get-outgoing-parameters",
            floor: Some(Floor::ById(SQL.list_outgoing(), 812)),
        },
        Subject {
            function: "get-incoming-parameters",
            event_file: "get-incoming-parameters",
            floor: Some(Floor::ById(SQL.list_incoming(), 812)),
        },
        Subject {
            function: "put-outgoing-parameters",
            event_file: "put-outgoing-parameters",
            floor: Some(Floor::Upsert),
        },
        Subject { function: "unknown-route", event_file: "unknown-route", floor: None },
    ]
}

pub struct FunctionRun {
    pub init: Vec<Duration>,
    pub first_invocation: Vec<Duration>,
    pub warm: Vec<Duration>,
    pub rss_kb: u64,
}

/// `cold_starts` fresh processes: each is timed to its first `next` and through its first
/// invocation; the last one then serves `warm` more invocations.
pub async fn run_function(
    binary: &Path,
    event: &str,
    database_url: &str,
    cold_starts: usize,
    warm: usize,
) -> Result<FunctionRun, String> {
    let mut run = FunctionRun { init: Vec::new(), first_invocation: Vec::new(), warm: Vec::new(), rss_kb: 0 };
    for start in 0..cold_starts {
        let mut emulator = Emulator::start().await.map_err(|error| error.to_string())?;
        let spawned = Instant::now();
        // BENCH_WRAPPER (e.g. "valgrind --tool=callgrind") runs the function under a profiler.
        let wrapper: Vec<String> = shared::settings::env_var("BENCH_WRAPPER")
            .map(|w| w.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default();
        let mut command = match wrapper.split_first() {
            Some((program, args)) => {
                let mut command = tokio::process::Command::new(program);
                command.args(args).arg(binary);
                command
            }
            None => tokio::process::Command::new(binary),
        };
        let mut child = command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AWS_LAMBDA_RUNTIME_API", emulator.address.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", "bench")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
            .env("DATABASE_URL", database_url)
            // BENCH_FUNCTION_ENV="K=V K2=V2": extra settings for the functions (e.g. a log level).
            .envs(
                shared::settings::env_var("BENCH_FUNCTION_ENV")
                    .unwrap_or_default()
                    .split_whitespace()
                    .filter_map(|pair| pair.split_once('=')),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|error| format!("{}: {error}", binary.display()))?;
        let first_next = tokio::time::timeout(Duration::from_secs(60), emulator.next_call())
            .await
            .map_err(|_| format!("{}: no `next` within 10 s", binary.display()))?
            .ok_or("emulator closed")?;
        run.init.push(first_next - spawned);

        run.first_invocation.push(invoke(&mut emulator, format!("cold-{start}"), event).await?);
        if start + 1 == cold_starts {
            for n in 0..warm {
                run.warm.push(invoke(&mut emulator, format!("warm-{n}"), event).await?);
            }
            run.rss_kb = child.id().map_or(0, resident_kb);
        }
        stop(&mut child).await;
    }
    Ok(run)
}

/// SIGTERM first (so a profiler around the function can write its report), then SIGKILL.
async fn stop(child: &mut tokio::process::Child) {
    if let Some(pid) = child.id() {
        let _ = tokio::process::Command::new("kill").arg("-TERM").arg(pid.to_string()).status().await;
        if tokio::time::timeout(Duration::from_secs(10), child.wait()).await.is_ok() {
            return;
        }
    }
    let _ = child.kill().await;
}

/// One invocation: from handing out the event to receiving the function's answer.
async fn invoke(emulator: &mut Emulator, id: String, event: &str) -> Result<Duration, String> {
    let (sent, outcome) = tokio::time::timeout(Duration::from_secs(60), emulator.invoke(id, event.to_owned()))
        .await
        .map_err(|_| "no response within 10 s".to_owned())?
        .ok_or("emulator closed")?;
    let status =
        serde_json::from_slice::<serde_json::Value>(&outcome.body).ok().and_then(|body| body["statusCode"].as_u64());
    if !outcome.ok || !matches!(status, Some(200..=201 | 404)) {
        return Err(format!("unexpected answer: {}", String::from_utf8_lossy(&outcome.body)));
    }
    Ok(outcome.at - sent)
}

/// VmRSS of a process, in kB (Linux).
fn resident_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmRSS:"))
                .and_then(|line| line.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// The same statement, prepared once, `count` times on one connection.
pub async fn run_floor(database_url: &str, floor: Floor, count: usize) -> Result<Vec<Duration>, String> {
    let mut connection = PgConnection::connect(database_url).await.map_err(|error| error.to_string())?;
    let mut samples = Vec::with_capacity(count);
    for _ in 0..count + 10 {
        let started = Instant::now();
        let result = match floor {
            Floor::ById(sql, id) => sqlx::query(sql).bind(id).fetch_all(&mut connection).await.map(drop),
            Floor::ByText(sql, id) => sqlx::query(sql).bind(id).fetch_all(&mut connection).await.map(drop),
            Floor::Upsert => sqlx::query(SQL.upsert_outgoing())
                .bind(vec![812_i32])
                .bind(vec!["alexitos4"])
                .bind(vec!["42sdfe"])
                .fetch_all(&mut connection)
                .await
                .map(drop),
        };
        result.map_err(|error| error.to_string())?;
        samples.push(started.elapsed());
    }
    // The first few executions prepare the statement: the floor is the steady state.
    Ok(samples.split_off(10))
}

pub fn summarize(run: &FunctionRun, floor: &[Duration]) -> (f64, f64, f64, f64, f64, f64) {
    (
        millis(percentile(&run.init, 50.0)),
        millis(percentile(&run.first_invocation, 50.0)),
        micros(percentile(&run.warm, 50.0)),
        micros(percentile(&run.warm, 99.0)),
        micros(percentile(floor, 50.0)),
        micros(percentile(floor, 99.0)),
    )
}

/// Median time to open a connection with `database_url` as given, and with TLS required
/// (NaN when the server offers no TLS): what a cold start pays before its first query.
pub async fn connect_times(database_url: &str) -> (f64, f64) {
    let tls_url = if database_url.contains("sslmode=") {
        database_url.replace("sslmode=disable", "sslmode=require").replace("sslmode=prefer", "sslmode=require")
    } else {
        format!("{database_url}{}sslmode=require", if database_url.contains('?') { '&' } else { '?' })
    };
    let mut medians = [f64::NAN, f64::NAN];
    for (slot, url) in [database_url, tls_url.as_str()].into_iter().enumerate() {
        let mut samples = Vec::new();
        for _ in 0..5 {
            let started = Instant::now();
            if let Ok(connection) = PgConnection::connect(url).await {
                samples.push(started.elapsed());
                let _ = connection.close().await;
            }
        }
        if !samples.is_empty() {
            medians[slot] = millis(percentile(&samples, 50.0));
        }
    }
    (medians[0], medians[1])
}
