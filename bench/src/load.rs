//! Throughput: `wrk` against `serve`, route by route, and `pgbench -M prepared` running the
//! full-interaction SQL at the same concurrency, so the two can be compared in one run.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use crate::results::{LoadFigures, PgbenchFigures};

pub struct LoadPlan {
    pub connections: usize,
    pub seconds: u64,
}

/// (route label, path, POST body)
const ROUTES: [(&str, &str, Option<&str>); 7] = [
    ("get-agent", "/v3/agents/8", None),
    ("get-campaign", "/v3/campaigns/2", None),
    ("get-interaction", "/v3/interactions/210614222408193_ACD_00001", None),
    ("get-full-interaction", "/v3/interactions/full/210614222408193_ACD_00001", None),
    ("get-outgoing-parameters", "/v3/parameters/outgoing/812", None),
    ("get-incoming-parameters", "/v3/parameters/incoming/812", None),
    (
        "put-outgoing-parameters",
        "/v3/parameters/outgoing",
        Some(r#"{"task_id":812,"key":"alexitos4","value":"42sdfe"}"#),
    ),
];

/// Starts `serve` on `database_url`, loads each route with wrk, stops it.
pub async fn load_serve(
    serve: &Path,
    database_url: &str,
    plan: &LoadPlan,
    work: &Path,
) -> Result<Vec<LoadFigures>, String> {
    let port = free_port()?;
    let mut server = tokio::process::Command::new(serve)
        .env("HOST", "127.0.0.1")
        // Measured as before keys existed (the figures compare with earlier runs); a key check
        // is one SHA-256 and a constant-time scan of the key list per request.
        .env("SERVE_OPEN", "1")
        .env("PORT", port.to_string())
        .env("DATABASE_URL", database_url)
        .env("DB_MAX_CONNECTIONS", plan.connections.to_string())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|error| format!("{}: {error}", serve.display()))?;
    let base = format!("http://127.0.0.1:{port}");
    let mut ready = false;
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if !ready {
        return Err("serve did not start listening".into());
    }
    let mut figures = Vec::new();
    for (route, path, body) in ROUTES {
        let mut args = vec![
            "-t2".to_owned(),
            format!("-c{}", plan.connections),
            format!("-d{}s", plan.seconds),
            "--latency".to_owned(),
            "-H".to_owned(),
            "Connection: keep-alive".to_owned(),
        ];
        if let Some(body) = body {
            let script = work.join("post.lua");
            let lua = format!(
                "wrk.method = \"POST\"\nwrk.body = '{body}'\nwrk.headers[\"Content-Type\"] = \"application/json\"\n"
            );
            std::fs::write(&script, lua).map_err(|error| error.to_string())?;
            args.push("-s".into());
            args.push(script.display().to_string());
        }
        args.push(format!("{base}{path}"));
        let serve_before = server.id().map_or(0, process_ticks);
        let postgres_before = postgres_ticks();
        let machine_before = machine_ticks();
        let output =
            tokio::process::Command::new("wrk").args(&args).output().await.map_err(|error| format!("wrk: {error}"))?;
        let serve_ticks = server.id().map_or(0, process_ticks).saturating_sub(serve_before);
        let postgres_ticks = ticks_since(&postgres_before);
        let machine_ticks = machine_ticks().saturating_sub(machine_before);
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        let mut load = parse_wrk(route, &text).ok_or_else(|| format!("could not read wrk's output:\n{text}"))?;
        let requests = load.requests_per_s * plan.seconds as f64;
        load.serve_cpu_us_per_request = ticks_to_us(serve_ticks) / requests.max(1.0);
        load.postgres_cpu_us_per_request = ticks_to_us(postgres_ticks) / requests.max(1.0);
        load.machine_cpu_us_per_request = ticks_to_us(machine_ticks) / requests.max(1.0);
        figures.push(load);
    }
    let _ = server.kill().await;
    Ok(figures)
}

fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

pub fn parse_wrk(route: &str, text: &str) -> Option<LoadFigures> {
    let requests_per_s =
        text.lines().find_map(|line| line.trim().strip_prefix("Requests/sec:"))?.trim().parse().ok()?;
    let latency = |label: &str| {
        text.lines().find_map(|line| {
            let mut words = line.split_whitespace();
            (words.next()? == label).then(|| words.next().and_then(duration_ms)).flatten()
        })
    };
    let non_2xx = text
        .lines()
        .find_map(|line| line.trim().strip_prefix("Non-2xx or 3xx responses:"))
        .and_then(|count| count.trim().parse().ok())
        .unwrap_or(0);
    Some(LoadFigures {
        route: route.to_owned(),
        requests_per_s,
        p50_ms: latency("50%")?,
        p99_ms: latency("99%")?,
        non_2xx,
        serve_cpu_us_per_request: 0.0,
        postgres_cpu_us_per_request: 0.0,
        machine_cpu_us_per_request: 0.0,
    })
}

/// CPU time (user + system) a process has used, in clock ticks (Linux /proc).
fn process_ticks(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            // Fields after the command name, which is in parentheses and may contain spaces.
            let rest = &stat[stat.rfind(')')? + 2..];
            let fields: Vec<&str> = rest.split_whitespace().collect();
            Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
        })
        .unwrap_or(0)
}

/// CPU ticks used so far by each PostgreSQL server process on this machine.
fn postgres_ticks() -> std::collections::HashMap<u32, u64> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Default::default() };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|comm| comm.starts_with("postgres"))
        })
        .map(|pid| (pid, process_ticks(pid)))
        .collect()
}

/// PostgreSQL CPU ticks since `before`, over the processes still running (the pool's
/// backends live through a load run).
fn ticks_since(before: &std::collections::HashMap<u32, u64>) -> u64 {
    postgres_ticks().into_iter().map(|(pid, ticks)| ticks.saturating_sub(before.get(&pid).copied().unwrap_or(0))).sum()
}

/// Busy CPU ticks of the whole machine so far (/proc/stat: all but idle and iowait).
fn machine_ticks() -> u64 {
    std::fs::read_to_string("/proc/stat")
        .ok()
        .and_then(|stat| {
            let fields: Vec<u64> =
                stat.lines().next()?.split_whitespace().skip(1).filter_map(|f| f.parse().ok()).collect();
            let idle = fields.get(3)? + fields.get(4)?;
            Some(fields.iter().take(8).sum::<u64>() - idle)
        })
        .unwrap_or(0)
}

/// Linux reports CPU time in ticks of 1/100 s (USER_HZ).
fn ticks_to_us(ticks: u64) -> f64 {
    ticks as f64 * 10_000.0
}

/// wrk prints `635.00us`, `2.08ms`, `1.01s`.
fn duration_ms(text: &str) -> Option<f64> {
    let (number, factor) = if let Some(n) = text.strip_suffix("us") {
        (n, 1e-3)
    } else if let Some(n) = text.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1e3)
    } else {
        return None;
    };
    number.parse::<f64>().ok().map(|value| value * factor)
}

/// pgbench running the full-interaction query, prepared, at the load test's concurrency.
pub async fn pgbench(database_url: &str, plan: &LoadPlan, work: &Path) -> Result<PgbenchFigures, String> {
    let script = work.join("full-interaction.sql");
    let sql = crate::measure::SQL.find_full_interaction().replace("$1", "'210614222408193_ACD_00001'");
    std::fs::write(&script, format!("{};\n", sql.split_whitespace().collect::<Vec<_>>().join(" ")))
        .map_err(|error| error.to_string())?;
    let machine_before = machine_ticks();
    let output = tokio::process::Command::new("pgbench")
        .args(["-n", "-M", "prepared", "-j", "2"])
        .arg(format!("-c{}", plan.connections))
        .arg(format!("-T{}", plan.seconds))
        .arg("-f")
        .arg(&script)
        .arg(database_url)
        .output()
        .await
        .map_err(|error| format!("pgbench: {error}"))?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let transactions_per_s: f64 = text
        .lines()
        .find_map(|line| line.strip_prefix("tps = "))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .ok_or_else(|| {
            format!("could not read pgbench's output:\n{text}{}", String::from_utf8_lossy(&output.stderr))
        })?;
    let transactions = transactions_per_s * plan.seconds as f64;
    let machine_cpu_us_per_transaction =
        ticks_to_us(machine_ticks().saturating_sub(machine_before)) / transactions.max(1.0);
    Ok(PgbenchFigures { clients: plan.connections, transactions_per_s, machine_cpu_us_per_transaction })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_wrk_output() {
        let text = "Running 5s test @ http://127.0.0.1:1/v3/agents/8\n  Latency Distribution\n     50%  635.00us\n     75%    1.00ms\n     90%    1.50ms\n     99%    2.08ms\n  1000 requests in 5.00s, 1.00MB read\nRequests/sec:  25012.34\nTransfer/sec:      1.00MB\n";
        let figures = parse_wrk("r", text).unwrap();
        assert_eq!(figures.requests_per_s, 25012.34);
        assert!((figures.p50_ms - 0.635).abs() < 1e-9);
        assert!((figures.p99_ms - 2.08).abs() < 1e-9);
        assert_eq!(figures.non_2xx, 0);
    }
}
