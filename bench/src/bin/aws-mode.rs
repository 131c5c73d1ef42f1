//! What the AWS mode of the database credentials costs when a function opens its connection,
//! each figure in fresh processes (what a cold start pays). `bench/aws-mode.sh` starts a TLS
//! PostgreSQL and moto and runs these; `make bench-aws-mode` runs that.
//!
//! - `aws-mode tls <host> <port> <user> <password> <ca.pem> <rounds>`: `rounds` verify-full
//!   connections trusting only the server's CA, then `rounds` with the shipped Amazon RDS
//!   bundle in front of it (what a deployed function parses for each new connection).
//! - `aws-mode first-request`: the state a function builds from its environment
//!   (`DB_AUTH_MODE=secrets-manager` …), then its first request's database work: the SDK
//!   configuration, reading the secret, the verify-full connection and one agent lookup.
//! - `aws-mode iam-token <rounds>`: making IAM auth tokens (`DB_HOST`, `DB_PORT`, `DB_USER`
//!   and the AWS credentials in the environment): what each new connection pays in IAM mode.
//!
//! Each prints one JSON object of timings in milliseconds.

use std::time::Instant;

use serde_json::json;
use shared::AppState;
use shared::credentials::ManagedCredentials;
use shared::settings::{DatabaseAuth, DatabaseSettings, DatabaseSource, RDS_CA_BUNDLE};
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgSslMode};

type Error = Box<dyn std::error::Error>;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let timings = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["tls", host, port, user, password, ca_file, rounds] => {
            tls(host, port.parse()?, user, password, &std::fs::read(ca_file)?, rounds.parse()?).await?
        }
        ["first-request"] => first_request().await?,
        ["iam-token", rounds] => iam_tokens(rounds.parse()?).await?,
        _ => {
            return Err("usage: aws-mode tls <host> <port> <user> <password> <ca.pem> <rounds> \
                         | first-request | iam-token <rounds>"
                .into());
        }
    };
    println!("{timings}");
    Ok(())
}

fn millis(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1e3
}

async fn tls(
    host: &str,
    port: u16,
    user: &str,
    password: &str,
    ca: &[u8],
    rounds: usize,
) -> Result<serde_json::Value, Error> {
    let options = |roots: Vec<u8>| {
        PgConnectOptions::new_without_pgpass()
            .host(host)
            .port(port)
            .username(user)
            .password(password)
            .database("postgres")
            .ssl_mode(PgSslMode::VerifyFull)
            .ssl_root_cert_from_pem(roots)
    };
    let mut timings = serde_json::Map::new();
    for (label, roots) in [("server_ca_only", ca.to_vec()), ("with_rds_bundle", [RDS_CA_BUNDLE, b"\n", ca].concat())] {
        let mut samples = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            let started = Instant::now();
            let connection = PgConnection::connect_with(&options(roots.clone())).await?;
            samples.push(millis(started));
            connection.close().await?;
        }
        timings.insert(label.to_owned(), json!(samples));
    }
    Ok(serde_json::Value::Object(timings))
}

async fn first_request() -> Result<serde_json::Value, Error> {
    let started = Instant::now();
    let state = AppState::from_env()?;
    let state_ms = millis(started);
    let ready = Instant::now();
    state.db().ready().await?; // SDK configuration, the secret, the connect options
    let ready_ms = millis(ready);
    let query = Instant::now();
    let agent = shared::store::agents::find(&state.store, shared::ids::AgentId::parse("8")?).await?; // connects (TLS), then the lookup
    let query_ms = millis(query);
    if agent.is_none() {
        return Err("agent 8 is missing: seed the database first".into());
    }
    Ok(
        json!({ "state_ms": state_ms, "ready_ms": ready_ms, "connect_and_query_ms": query_ms, "total_ms": millis(started) }),
    )
}

async fn iam_tokens(rounds: usize) -> Result<serde_json::Value, Error> {
    let DatabaseSource::Managed(settings) = DatabaseSettings::from_env()?.source else {
        return Err("set DB_AUTH_MODE=iam, DB_HOST and DB_USER".into());
    };
    let (host, port) = (settings.host.clone().unwrap_or_default(), settings.port.unwrap_or(5432));
    let user = match &settings.auth {
        DatabaseAuth::Iam { user } => user.clone(),
        _ => return Err("set DB_AUTH_MODE=iam".into()),
    };
    let credentials = ManagedCredentials::new(settings);
    let mut samples = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let started = Instant::now();
        credentials.iam_token(&host, port, &user).await?;
        samples.push(millis(started));
    }
    Ok(json!({ "iam_token_ms": samples }))
}
