//! What one benchmark run measured, written as JSON so `bench report` can combine runs.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Run {
    /// "demo" or the dataset size, e.g. "1M".
    pub label: String,
    pub interactions: i64,
    pub parameters: i64,
    pub invocations: usize,
    /// A new PostgreSQL connection with the URL as given, and with TLS, median of 5.
    pub connect_ms: f64,
    pub connect_tls_ms: f64,
    pub functions: Vec<FunctionFigures>,
    pub load: Vec<LoadFigures>,
    pub pgbench: Option<PgbenchFigures>,
}

/// One function binary under the Runtime API emulator, beside the same SQL through a bare client.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FunctionFigures {
    pub function: String,
    /// exec → first `GET /next`, median over the cold starts.
    pub init_ms: f64,
    /// First invocation after a cold start (includes connecting to the database), median.
    pub first_invocation_ms: f64,
    pub warm_p50_us: f64,
    pub warm_p99_us: f64,
    pub floor_p50_us: f64,
    pub floor_p99_us: f64,
    /// Resident memory after all warm invocations.
    pub rss_mb: f64,
    pub binary_bytes: u64,
}

/// `wrk` against `serve`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoadFigures {
    pub route: String,
    pub requests_per_s: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub non_2xx: u64,
    /// CPU time per request spent in `serve`, and in PostgreSQL's processes.
    pub serve_cpu_us_per_request: f64,
    pub postgres_cpu_us_per_request: f64,
    /// All the machine's busy CPU per request: wrk, `serve` and PostgreSQL together.
    pub machine_cpu_us_per_request: f64,
}

/// `pgbench -M prepared` running the full-interaction SQL at the load test's concurrency.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PgbenchFigures {
    pub clients: usize,
    pub transactions_per_s: f64,
    /// All the machine's busy CPU per transaction: pgbench and PostgreSQL together.
    pub machine_cpu_us_per_transaction: f64,
}
