//! `api-keys`: issue, revoke and list the API keys the authorizer accepts.
//!
//! ```text
//! api-keys [--secret ARN|NAME | --file PATH] issue --name CLIENT --scopes S,S [--expires TIME|Nd]
//!                                                  new key, printed once on stdout; only its hash is stored
//! api-keys [--secret ARN|NAME | --file PATH] revoke <client> [--created TIME]
//!                                                  remove the client's keys (or the one issued at TIME)
//! api-keys [--secret ARN|NAME | --file PATH] list  client names, creation times, scopes and expiries; never hashes
//! ```
//!
//! The key list is the Secrets Manager secret `--secret` (else `API_KEYS_SECRET_ARN`), or the
//! file `--file` (else `API_KEYS_FILE`: what `serve` reads). AWS credentials, region and
//! endpoint come from the usual places (environment, profile). Each command reads the list
//! and, for issue and revoke, writes it back (a new secret version, or the file replaced
//! whole): run one at a time.

use std::{
    path::{Path, PathBuf},
    process::ExitCode,
    time::{Duration, SystemTime},
};

use authorizer::keys::{self, KeyEntry, KeyFile};
use aws_sdk_secretsmanager::primitives::{DateTime, DateTimeFormat};
use clap::{ArgGroup, Parser, Subcommand};
use shared::aws::{AwsConfig, SecretStore, StoreError};
use shared::scope::{Grant, Scope};

/// The command line, parsed by clap: usage errors (a missing secret included) exit 2.
#[derive(Parser)]
#[command(
    name = "api-keys",
    about = "Issue, revoke and list the API keys the authorizer (and serve) accept",
    after_help = "The key list is --secret (else API_KEYS_SECRET_ARN) or --file (else API_KEYS_FILE). \
                  Client names: 1-64 of A-Z a-z 0-9 . _ -. Scopes: parameters:read, parameters:write, \
                  interactions:read, campaigns:read, agents:read (or all)",
    group(ArgGroup::new("list").required(true).args(["secret", "file"]))
)]
struct Cli {
    /// The Secrets Manager secret (ARN or name) that holds the key hashes.
    #[arg(long, env = "API_KEYS_SECRET_ARN", value_name = "ARN|NAME", value_parser = not_blank)]
    secret: Option<String>,
    /// A file holding the same JSON as the secret, for `serve` (API_KEYS_FILE); made if missing.
    #[arg(long, env = "API_KEYS_FILE", value_name = "PATH", value_parser = not_blank, conflicts_with = "secret")]
    file: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Make a new key for CLIENT, store only its SHA-256 hash in the secret, and print the key
    /// once, on stdout (nothing else goes to stdout).
    Issue {
        /// The client the key is for (also accepted as the first argument).
        #[arg(long = "name", value_name = "CLIENT", value_parser = client_name, required_unless_present = "client")]
        name: Option<String>,
        #[arg(value_parser = client_name, conflicts_with = "name", hide = true)]
        client: Option<String>,
        /// What the key may call, comma-separated (or `all`): parameters:read,
        /// parameters:write, interactions:read, campaigns:read, agents:read.
        #[arg(long, value_name = "SCOPE,…", value_delimiter = ',', required = true, value_parser = scope_name)]
        scopes: Vec<String>,
        /// When the key stops working: an RFC 3339 time (2027-06-01T00:00:00Z) or a number of
        /// days from now (90d). Default: never.
        #[arg(long, value_name = "TIME|Nd", value_parser = expiry)]
        expires: Option<String>,
    },
    /// Remove CLIENT's keys from the secret (with --created, only the key issued at TIME, as
    /// `list` shows it).
    Revoke {
        #[arg(value_parser = client_name)]
        client: String,
        #[arg(long, value_name = "TIME")]
        created: Option<String>,
    },
    /// Print each key's client name, creation time, scopes and expiry (never the hashes).
    /// Keys issued before scopes existed are marked: they can call every route.
    List,
}

fn scope_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    if name == "all" || Scope::parse(name).is_some() {
        Ok(name.to_owned())
    } else {
        let known: Vec<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
        Err(format!("not a scope; one of {} (or all)", known.join(", ")))
    }
}

/// `--expires`: RFC 3339, or whole days from now (`90d`), as RFC 3339 UTC to the second.
fn expiry(text: &str) -> Result<String, String> {
    if let Some(days) = text.strip_suffix('d') {
        let days: u64 = days.parse().ok().filter(|d| (1..=3650).contains(d)).ok_or("days must be 1-3650, as in 90d")?;
        return Ok(rfc3339(SystemTime::now() + Duration::from_secs(days * 86_400)));
    }
    match keys::parse_instant(text) {
        Some(_) => Ok(text.to_owned()),
        None => Err("an RFC 3339 time such as 2027-06-01T00:00:00Z, or days from now such as 90d".into()),
    }
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

/// Where the key list is kept.
enum Store {
    Secret(SecretStore),
    File(PathBuf),
}

impl Store {
    fn name(&self) -> String {
        match self {
            Store::Secret(secret) => format!("the secret {}", secret.secret_id()),
            Store::File(path) => format!("the file {}", path.display()),
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let store = match (cli.secret, cli.file) {
        (_, Some(path)) => Store::File(PathBuf::from(path)),
        (Some(secret), None) => Store::Secret(SecretStore::new(secret, AwsConfig::default_chain())),
        (None, None) => unreachable!("clap requires --secret or --file"),
    };
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
async fn load(store: &Store) -> Result<KeyFile, String> {
    let text = match store {
        Store::Secret(secret) => match secret.read().await {
            Ok(text) => text,
            Err(StoreError::NotFound(_)) => String::new(),
            Err(e) => return Err(e.to_string()),
        },
        Store::File(path) => match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        },
    };
    if text.trim().is_empty() {
        return Ok(KeyFile::default());
    }
    KeyFile::parse(&text).map_err(|e| {
        format!("{} is not a valid key list ({e}); fix or empty it by hand, nothing was changed", store.name())
    })
}

async fn save(store: &Store, file: &KeyFile) -> Result<(), String> {
    match store {
        Store::Secret(secret) => secret.write(file.to_json()).await.map_err(|e| match e {
            StoreError::NotFound(id) => format!(
                "the secret {id} does not exist; create it first \
                 (aws secretsmanager create-secret --name <name> --secret-string '{{\"keys\":[]}}')"
            ),
            e => e.to_string(),
        }),
        Store::File(path) => {
            write_file(path, &file.to_json()).map_err(|e| format!("cannot write {}: {e}", path.display()))
        }
    }
}

/// Replaces the file whole (a temporary file beside it, renamed over it), readable by its
/// owner only: a reader never sees half a list.
fn write_file(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    let mut out = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&temporary)?;
    out.write_all(text.as_bytes())?;
    out.sync_all()?;
    std::fs::rename(&temporary, path)
}

async fn run(store: &Store, command: Command) -> Result<(), String> {
    match command {
        Command::Issue { name, client, scopes, expires } => {
            let client = name.or(client).expect("clap requires --name or CLIENT");
            let mut file = load(store).await?;
            let key = keys::generate_key().map_err(|e| format!("the system's random number generator failed: {e}"))?;
            let created = rfc3339(SystemTime::now());
            // Stored by name in contract order, `all` spelled out: the list says what the key can do.
            let granted: Vec<String> = if scopes.iter().any(|s| s == "all") {
                Scope::ALL.iter().map(|s| s.as_str().to_owned()).collect()
            } else {
                Scope::ALL
                    .iter()
                    .filter(|s| scopes.iter().any(|n| n == s.as_str()))
                    .map(|s| s.as_str().to_owned())
                    .collect()
            };
            let shown = granted.join(",");
            file.keys.push(KeyEntry {
                client: client.clone(),
                sha256: keys::hash_key_hex(key.as_bytes()),
                created: Some(created.clone()),
                scopes: Some(granted),
                expires: expires.clone(),
                extra: Default::default(),
            });
            let count = file.keys.iter().filter(|e| e.client == client).count();
            save(store, &file).await?;
            // The key goes to stdout once, and only now that its hash is stored.
            println!("{key}");
            let until = expires.map_or_else(|| "no expiry".to_owned(), |at| format!("expires {at}"));
            eprintln!(
                "issued a key for {client} at {created} with scopes {shown}, {until} ({count} for this \
                 client). It is shown only this once: hand it over now. Authorizers accept it once \
                 their cached copy of the key list expires (API_KEYS_CACHE_SECONDS)."
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
            let now = chrono::DateTime::<chrono::Utc>::from(SystemTime::now());
            println!("CLIENT\tCREATED\tSCOPES\tEXPIRES");
            for entry in &file.keys {
                let scopes = match (entry.grant(), &entry.scopes) {
                    (Grant::Everything, _) => "ALL ROUTES (issued before scopes; reissue with --scopes)".to_owned(),
                    (Grant::Only(_), Some(names)) if names.is_empty() => "none".to_owned(),
                    (Grant::Only(_), names) => names.as_deref().unwrap_or_default().join(","),
                };
                let expires = match (entry.expires.as_deref(), entry.expiry()) {
                    (None, _) => "never".to_owned(),
                    (Some(at), Some(instant)) if instant <= now => format!("{at} (expired)"),
                    (Some(at), _) => at.to_owned(),
                };
                println!("{}\t{}\t{scopes}\t{expires}", entry.client, entry.created.as_deref().unwrap_or("-"));
            }
            eprintln!("{} key(s) in {}", file.keys.len(), store.name());
            Ok(())
        }
    }
}

/// A time, to the second, as `2026-11-05T10:00:00Z`.
fn rfc3339(at: SystemTime) -> String {
    let at = DateTime::from(at);
    DateTime::from_secs(at.secs()).fmt(DateTimeFormat::DateTime).expect("a time formats")
}
