//! `api-keys`: issue, revoke and list the API keys the authorizer accepts.
//!
//! ```text
//! api-keys [--secret ARN|NAME] issue <client>      new key, printed once on stdout; only its hash is stored
//! api-keys [--secret ARN|NAME] revoke <client> [--created TIME]
//!                                                  remove the client's keys (or the one issued at TIME)
//! api-keys [--secret ARN|NAME] list                client names and creation times, never hashes
//! ```
//!
//! The secret is `--secret`, else `API_KEYS_SECRET_ARN` (clap reads both). AWS credentials, region and endpoint
//! come from the usual places (environment, profile). Each command reads the secret and, for
//! issue and revoke, writes it back as a new version: run one at a time.

use std::{process::ExitCode, time::SystemTime};

use authorizer::keys::{self, KeyEntry, KeyFile};
use aws_sdk_secretsmanager::primitives::{DateTime, DateTimeFormat};
use clap::{Parser, Subcommand};
use shared::aws::{AwsConfig, SecretStore, StoreError};

/// The command line, parsed by clap: usage errors (a missing secret included) exit 2.
#[derive(Parser)]
#[command(
    name = "api-keys",
    about = "Issue, revoke and list the API keys the authorizer accepts",
    after_help = "The secret is --secret, else API_KEYS_SECRET_ARN. Client names: 1-64 of A-Z a-z 0-9 . _ -"
)]
struct Cli {
    /// The Secrets Manager secret (ARN or name) that holds the key hashes.
    #[arg(long, env = "API_KEYS_SECRET_ARN", value_name = "ARN|NAME", value_parser = not_blank)]
    secret: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Make a new key for CLIENT, store only its SHA-256 hash in the secret, and print the key
    /// once, on stdout (nothing else goes to stdout).
    Issue {
        #[arg(value_parser = client_name)]
        client: String,
    },
    /// Remove CLIENT's keys from the secret (with --created, only the key issued at TIME, as
    /// `list` shows it).
    Revoke {
        #[arg(value_parser = client_name)]
        client: String,
        #[arg(long, value_name = "TIME")]
        created: Option<String>,
    },
    /// Print each key's client name and creation time (never the hashes).
    List,
}

fn not_blank(value: &str) -> Result<String, String> {
    if value.trim().is_empty() { Err("must not be blank".into()) } else { Ok(value.to_owned()) }
}

fn client_name(name: &str) -> Result<String, String> {
    if keys::valid_client_name(name) {
        Ok(name.to_owned())
    } else {
        Err(format!("1-{} of A-Z a-z 0-9 . _ -", keys::MAX_CLIENT_LEN))
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let store = SecretStore::new(cli.secret, AwsConfig::default_chain());
    match run(&store, cli.command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("api-keys: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The secret's key list. A secret with no value yet (or an empty one) is an empty list; a
/// value that is not a key list is an error, so nothing overwrites what it does not understand.
async fn load(store: &SecretStore) -> Result<KeyFile, String> {
    let text = match store.read().await {
        Ok(text) => text,
        Err(StoreError::NotFound(_)) => String::new(),
        Err(e) => return Err(e.to_string()),
    };
    if text.trim().is_empty() {
        return Ok(KeyFile::default());
    }
    KeyFile::parse(&text).map_err(|e| {
        format!(
            "the secret {} is not a valid key list ({e}); fix or empty it by hand, nothing was changed",
            store.secret_id()
        )
    })
}

async fn save(store: &SecretStore, file: &KeyFile) -> Result<(), String> {
    store.write(file.to_json()).await.map_err(|e| match e {
        StoreError::NotFound(id) => format!(
            "the secret {id} does not exist; create it first \
             (aws secretsmanager create-secret --name <name> --secret-string '{{\"keys\":[]}}')"
        ),
        e => e.to_string(),
    })
}

async fn run(store: &SecretStore, command: Command) -> Result<(), String> {
    match command {
        Command::Issue { client } => {
            let mut file = load(store).await?;
            let key = keys::generate_key().map_err(|e| format!("the system's random number generator failed: {e}"))?;
            let created = now_rfc3339();
            file.keys.push(KeyEntry {
                client: client.clone(),
                sha256: keys::hash_key_hex(key.as_bytes()),
                created: Some(created.clone()),
                extra: Default::default(),
            });
            let count = file.keys.iter().filter(|e| e.client == client).count();
            save(store, &file).await?;
            // The key goes to stdout once, and only now that its hash is stored.
            println!("{key}");
            eprintln!(
                "issued a key for {client} at {created} ({count} active for this client). It is shown \
                 only this once: hand it over now. Authorizers accept it once their cached copy of \
                 the secret expires (API_KEYS_CACHE_SECONDS)."
            );
            Ok(())
        }
        Command::Revoke { client, created } => {
            let mut file = load(store).await?;
            let removed = file.revoke(&client, created.as_deref());
            if removed == 0 {
                return Err(match created {
                    Some(at) => format!("{client} has no key created at {at}; nothing was changed"),
                    None => format!("{client} has no key; nothing was changed"),
                });
            }
            save(store, &file).await?;
            eprintln!(
                "revoked {removed} key(s) of {client}. Requests with it are refused once each \
                 authorizer's cached copy of the secret expires (API_KEYS_CACHE_SECONDS) and API \
                 Gateway's cached answer for that key expires (AuthorizerCacheTtlSeconds)."
            );
            Ok(())
        }
        Command::List => {
            let file = load(store).await?;
            for entry in &file.keys {
                println!("{}\t{}", entry.client, entry.created.as_deref().unwrap_or("-"));
            }
            eprintln!("{} key(s) in {}", file.keys.len(), store.secret_id());
            Ok(())
        }
    }
}

/// Now, to the second, as `2026-11-05T10:00:00Z`.
fn now_rfc3339() -> String {
    let now = DateTime::from(SystemTime::now());
    DateTime::from_secs(now.secs()).fmt(DateTimeFormat::DateTime).expect("the current time formats")
}
