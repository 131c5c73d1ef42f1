//! What TLS with certificate verification adds to opening a PostgreSQL connection, as a
//! function in AWS mode opens it (`verify-full`), in a fresh process: the first connection
//! pays whatever TLS sets up once per process, the next ones only the handshake.
//!
//! `tls-connect <host> <port> <user> <password> <ca.pem> <rounds>` runs, in this process:
//! `rounds` connections trusting only the server's CA file, then `rounds` with the shipped
//! Amazon RDS bundle in front of it (what a deployed function parses on each new connection),
//! and prints one JSON object of millisecond timings. `bench/tls-connect.sh` starts a TLS
//! PostgreSQL and runs this in several fresh processes.

use std::time::Instant;

use shared::credentials::RDS_CA_BUNDLE;
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgSslMode};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [host, port, user, password, ca_file, rounds] = args.as_slice() else {
        return Err("usage: tls-connect <host> <port> <user> <password> <ca.pem> <rounds>".into());
    };
    let ca = std::fs::read(ca_file)?;
    let rounds: usize = rounds.parse()?;
    let options = |roots: Vec<u8>| {
        PgConnectOptions::new_without_pgpass()
            .host(host)
            .port(port.parse().unwrap_or(5432))
            .username(user)
            .password(password)
            .database("postgres")
            .ssl_mode(PgSslMode::VerifyFull)
            .ssl_root_cert_from_pem(roots)
    };
    let mut timings = serde_json::Map::new();
    for (label, roots) in [("server_ca_only", ca.clone()), ("with_rds_bundle", [RDS_CA_BUNDLE, b"\n", &ca].concat())] {
        let mut samples = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            let started = Instant::now();
            let connection = PgConnection::connect_with(&options(roots.clone())).await?;
            samples.push(started.elapsed().as_secs_f64() * 1e3);
            connection.close().await?;
        }
        timings.insert(label.to_owned(), serde_json::json!(samples));
    }
    println!("{}", serde_json::Value::Object(timings));
    Ok(())
}
