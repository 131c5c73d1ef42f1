//! The authorizer and `api-keys` against a real local AWS API: moto in server mode, reached
//! through `AWS_ENDPOINT_URL` (tests/aws.sh starts it and sets the environment). No
//! fake of the SDK: every secret is created, read and written over HTTP by the real client.
//!
//! Without `AWS_ENDPOINT_URL` these tests are skipped, except under `CI=true`, where that is
//! a failure.

use std::{
    cell::RefCell,
    io,
    process::{Command, Output},
    sync::{
        Arc, Mutex, Once,
        atomic::{AtomicU32, Ordering},
    },
    time::{Duration, Instant},
};

use authorizer::{
    AuthContext, Authorizer, KeySource, Request, Response, Settings,
    keys::{KeyEntry, KeyFile, hash_key_hex},
};
use aws_config::BehaviorVersion;
use aws_sdk_secretsmanager::{Client, primitives::Blob};

// --- set-up ---------------------------------------------------------------------------

/// The moto endpoint, or `None` (skip) when it is not configured outside CI.
fn moto() -> Option<String> {
    init_logging();
    match std::env::var("AWS_ENDPOINT_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").as_deref() == Ok("true") => panic!(
            "CI=true but AWS_ENDPOINT_URL is not set: run these tests with tests/aws.sh, \
             which starts moto_server"
        ),
        _ => {
            eprintln!("skipped: AWS_ENDPOINT_URL is not set (run tests/aws.sh)");
            None
        }
    }
}

macro_rules! require_moto {
    () => {
        if moto().is_none() {
            return;
        }
    };
}

/// A client for setting secrets up, configured like the authorizer (from the environment).
async fn admin() -> Client {
    Client::new(&aws_config::defaults(BehaviorVersion::latest()).load().await)
}

/// A secret name no other test (or earlier run against the same moto) uses.
fn unique(test: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    format!("v3/api-keys/{test}-{}-{nanos}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

fn entry(client: &str, key: &str) -> KeyEntry {
    KeyEntry {
        client: client.into(),
        sha256: hash_key_hex(key.as_bytes()),
        created: Some("2026-11-05T10:00:00Z".into()),
        scopes: None,
        expires: None,
        extra: Default::default(),
    }
}

fn key_file(entries: &[(&str, &str)]) -> String {
    KeyFile { keys: entries.iter().map(|(c, k)| entry(c, k)).collect(), extra: Default::default() }.to_json()
}

/// Creates a secret holding `value` and returns its name.
async fn secret_with(test: &str, value: &str) -> String {
    let name = unique(test);
    admin().await.create_secret().name(&name).secret_string(value).send().await.expect("create_secret on moto");
    name
}

async fn put(name: &str, value: &str) {
    admin()
        .await
        .put_secret_value()
        .secret_id(name)
        .secret_string(value)
        .send()
        .await
        .expect("put_secret_value on moto");
}

async fn get(name: &str) -> String {
    admin()
        .await
        .get_secret_value()
        .secret_id(name)
        .send()
        .await
        .expect("get_secret_value on moto")
        .secret_string()
        .unwrap()
        .to_owned()
}

fn authorizer(secret: &str, ttl: Duration) -> Authorizer {
    Authorizer::new(Settings { source: KeySource::Secret(secret.into()), cache_ttl: ttl, endpoint_url: None })
}

/// events/authorizer.json (what API Gateway sends) with these headers instead of its own.
fn request(headers: &[(&str, &str)]) -> Request {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../events/authorizer.json");
    let mut event: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    event["headers"] = headers
        .iter()
        .map(|(k, v)| (k.to_string(), serde_json::Value::from(*v)))
        .collect::<serde_json::Map<_, _>>()
        .into();
    event["identitySource"] = serde_json::json!(headers.iter().map(|(_, v)| v).collect::<Vec<_>>());
    serde_json::from_value(event).unwrap()
}

fn with_key(key: &str) -> Request {
    request(&[("x-api-key", key)])
}

fn allowed(response: &Response) -> Option<&str> {
    if response.is_authorized { response.context.client.as_deref() } else { None }
}

fn assert_denied(response: &Response) {
    assert!(!response.is_authorized, "{response:?}");
    assert_eq!(response.context, AuthContext::default(), "a deny names no client");
}

/// Log capture. One global subscriber (TRACE, so everything is formatted) writes each event
/// to the buffer of the test running on the emitting thread, if that test is capturing at
/// that level. One global subscriber rather than one scoped subscriber per test: tracing
/// caches each call site's interest across dispatchers, and concurrent tests registering and
/// dropping scoped ones could leave a call site cached as "never" and its lines lost.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

thread_local! {
    static CAPTURE: RefCell<Option<(Logs, tracing::Level)>> = const { RefCell::new(None) };
}

/// Stops this thread's capture when dropped.
struct Capturing;

impl Drop for Capturing {
    fn drop(&mut self) {
        CAPTURE.with(|c| c.borrow_mut().take());
    }
}

/// Where one event goes: the capturing test's buffer, or nowhere.
struct Sink(Option<Logs>);

impl io::Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Some(logs) = &self.0 {
            logs.0.lock().unwrap().extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

struct ThreadWriter;

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for ThreadWriter {
    type Writer = Sink;
    fn make_writer(&'a self) -> Sink {
        Sink(None)
    }
    fn make_writer_for(&'a self, meta: &tracing::Metadata<'_>) -> Sink {
        Sink(CAPTURE.with(|c| match &*c.borrow() {
            Some((logs, level)) if meta.level() <= level => Some(logs.clone()),
            _ => None,
        }))
    }
}

/// Installs the global subscriber; every moto test calls it (through `moto()`) first.
fn init_logging() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        tracing_subscriber::fmt().with_max_level(tracing::Level::TRACE).with_writer(ThreadWriter).init();
    });
}

impl Logs {
    /// Everything this thread logs at `level` and above until the guard is dropped.
    fn capture(level: tracing::Level) -> (Logs, Capturing) {
        init_logging();
        let logs = Logs::default();
        CAPTURE.with(|c| *c.borrow_mut() = Some((logs.clone(), level)));
        (logs, Capturing)
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

// --- the authorizer -------------------------------------------------------------------

const KEY_A: &str = "v3k_1f0c6a35e3a54c7b9d2e8f4a6b1c3d5e7f9a0b2c4d6e8f1a3b5c7d9e0f2a4b6c";
const KEY_B: &str = "v3k_9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d";

#[tokio::test]
async fn a_valid_key_in_x_api_key_is_allowed_and_names_its_client() {
    require_moto!();
    let secret = secret_with("valid", &key_file(&[("dialer-a", KEY_A), ("bot-b", KEY_B)])).await;
    let auth = authorizer(&secret, Duration::from_secs(60));
    let response = auth.authorize(&with_key(KEY_A)).await;
    assert_eq!(allowed(&response), Some("dialer-a"));
    assert_eq!(
        serde_json::to_value(&response).unwrap(),
        serde_json::json!({"isAuthorized": true, "context": {"client": "dialer-a"}})
    );
    assert_eq!(allowed(&auth.authorize(&with_key(KEY_B)).await), Some("bot-b"));
    // The whole handler too, from the event JSON Lambda delivers.
    let event = lambda_runtime::LambdaEvent::new(with_key(KEY_B), Default::default());
    let response = auth.handle(event).await.unwrap();
    assert_eq!(allowed(&response), Some("bot-b"));
}

#[tokio::test]
async fn a_valid_key_as_a_bearer_token_is_allowed() {
    require_moto!();
    let secret = secret_with("bearer", &key_file(&[("dialer-a", KEY_A)])).await;
    let auth = authorizer(&secret, Duration::from_secs(60));
    for value in [format!("Bearer {KEY_A}"), format!("bearer  {KEY_A} ")] {
        let response = auth.authorize(&request(&[("authorization", value.as_str())])).await;
        assert_eq!(allowed(&response), Some("dialer-a"), "{value}");
    }
    // Another scheme is not a key.
    let basic = request(&[("authorization", "Basic ZGlhbGVyLWE6eA==")]);
    assert_denied(&auth.authorize(&basic).await);
}

#[tokio::test]
async fn a_revoked_key_is_denied_and_the_others_still_work() {
    require_moto!();
    let secret = secret_with("revoked", &key_file(&[("dialer-a", KEY_A), ("bot-b", KEY_B)])).await;
    let auth = authorizer(&secret, Duration::ZERO);
    assert_eq!(allowed(&auth.authorize(&with_key(KEY_A)).await), Some("dialer-a"));

    let mut file = KeyFile::parse(&get(&secret).await).unwrap();
    assert_eq!(file.revoke("dialer-a", None), 1);
    put(&secret, &file.to_json()).await;

    assert_denied(&auth.authorize(&with_key(KEY_A)).await);
    assert_eq!(allowed(&auth.authorize(&with_key(KEY_B)).await), Some("bot-b"));
}

#[tokio::test]
async fn a_wrong_key_is_denied() {
    require_moto!();
    let secret = secret_with("wrong", &key_file(&[("dialer-a", KEY_A)])).await;
    let auth = authorizer(&secret, Duration::from_secs(60));
    let mut one_off = KEY_A.to_owned();
    one_off.pop();
    one_off.push('d');
    let stored_hash = hash_key_hex(KEY_A.as_bytes());
    for wrong in [
        one_off.as_str(),
        &KEY_A[..KEY_A.len() - 1],
        &format!("{KEY_A}0"),
        &KEY_A.to_uppercase(),
        stored_hash.as_str(), // the hash itself is not a key
        "dialer-a",
    ] {
        assert_denied(&auth.authorize(&with_key(wrong)).await);
        let bearer = format!("Bearer {wrong}");
        assert_denied(&auth.authorize(&request(&[("authorization", &bearer)])).await);
    }
}

#[tokio::test]
async fn a_request_without_a_key_is_denied() {
    require_moto!();
    let secret = secret_with("missing", &key_file(&[("dialer-a", KEY_A)])).await;
    let auth = authorizer(&secret, Duration::from_secs(60));
    let (logs, _guard) = Logs::capture(tracing::Level::INFO);
    for headers in [&[][..], &[("x-api-key", "")][..], &[("authorization", "Bearer ")][..], &[("x-other", KEY_A)][..]] {
        assert_denied(&auth.authorize(&request(headers)).await);
    }
    assert!(logs.text().contains("no API key"), "{}", logs.text());
}

#[tokio::test]
async fn the_key_never_reaches_a_log_line() {
    require_moto!();
    // Everything, down to TRACE (the SDK's own request/response logging included).
    let (logs, guard) = Logs::capture(tracing::Level::TRACE);
    let secret = secret_with("logs", &key_file(&[("dialer-a", KEY_A)])).await;
    let auth = authorizer(&secret, Duration::ZERO);
    let bearer = format!("Bearer {KEY_A}");
    assert!(allowed(&auth.authorize(&with_key(KEY_A)).await).is_some());
    assert!(allowed(&auth.authorize(&request(&[("authorization", &bearer)])).await).is_some());
    assert_denied(&auth.authorize(&with_key(KEY_B)).await);
    put(&secret, "{ not json").await;
    assert_denied(&auth.authorize(&with_key(KEY_A)).await);
    let unreachable = Authorizer::new(Settings {
        source: KeySource::Secret(secret.clone()),
        cache_ttl: Duration::ZERO,
        endpoint_url: Some(closed_port()),
    });
    assert_denied(&unreachable.authorize(&with_key(KEY_A)).await);
    drop(guard);

    let text = logs.text();
    assert!(text.contains("allowed") && text.contains("dialer-a"), "{text}");
    assert!(text.contains("unknown API key"), "{text}");
    assert!(text.contains("key store malformed"), "{text}");
    assert!(text.contains("key store unavailable"), "{text}");
    for (i, line) in text.lines().enumerate() {
        for key in [KEY_A, KEY_B] {
            assert!(!line.contains(key), "log line {i} holds a key: {line}");
            // Nor any long piece of one (the random part is 64 hex digits).
            assert!(
                !line.contains(&key[4..36]) && !line.contains(&key[36..]),
                "log line {i} holds part of a key: {line}"
            );
        }
    }
}

#[tokio::test]
async fn at_the_default_level_no_hash_is_logged_either() {
    require_moto!();
    let (logs, guard) = Logs::capture(tracing::Level::INFO);
    let secret = secret_with("hashlogs", &key_file(&[("dialer-a", KEY_A)])).await;
    let auth = authorizer(&secret, Duration::ZERO);
    assert!(allowed(&auth.authorize(&with_key(KEY_A)).await).is_some());
    assert_denied(&auth.authorize(&with_key(KEY_B)).await);
    drop(guard);
    let text = logs.text();
    assert!(text.contains("dialer-a"), "{text}");
    for key in [KEY_A, KEY_B] {
        assert!(!text.contains(key), "{text}");
        assert!(!text.contains(&hash_key_hex(key.as_bytes())), "{text}");
    }
}

#[tokio::test]
async fn a_malformed_secret_is_denied_and_a_fixed_one_is_read_again() {
    require_moto!();
    let secret = secret_with("malformed", "{ not json").await;
    let auth = authorizer(&secret, Duration::from_secs(60));
    let (logs, _guard) = Logs::capture(tracing::Level::INFO);
    let bad_hash = r#"{"keys":[{"client":"dialer-a","sha256":"not-hex"}]}"#;
    let a_client_with_no_hash = r#"{"keys":[{"client":"dialer-a"}]}"#;
    let keys_not_a_list = r#"{"keys":{"dialer-a":"x"}}"#;
    for value in ["{ not json", "{}", "[]", "null", bad_hash, a_client_with_no_hash, keys_not_a_list] {
        put(&secret, value).await;
        assert_denied(&auth.authorize(&with_key(KEY_A)).await);
        let text = logs.text();
        assert!(text.contains("key store malformed") && text.contains("not a valid key list"), "{text}");
    }
    // A failed read is not cached: once the secret is right, the next request is allowed,
    // though the cache TTL is 60 s.
    put(&secret, &key_file(&[("dialer-a", KEY_A)])).await;
    assert_eq!(allowed(&auth.authorize(&with_key(KEY_A)).await), Some("dialer-a"));

    // A binary secret is not a key list either.
    let name = unique("binary");
    admin()
        .await
        .create_secret()
        .name(&name)
        .secret_binary(Blob::new(key_file(&[("dialer-a", KEY_A)]).into_bytes()))
        .send()
        .await
        .unwrap();
    assert_denied(&authorizer(&name, Duration::ZERO).authorize(&with_key(KEY_A)).await);
}

/// An endpoint where nothing listens.
fn closed_port() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

#[tokio::test]
async fn an_unreachable_secrets_manager_denies_within_a_bounded_time() {
    require_moto!();
    let (logs, _guard) = Logs::capture(tracing::Level::INFO);
    let auth = Authorizer::new(Settings {
        source: KeySource::Secret("arn:aws:secretsmanager:us-east-1:123456789012:secret:v3/api-keys-AbCdEf".into()),
        cache_ttl: Duration::from_secs(60),
        endpoint_url: Some(closed_port()),
    });
    for _ in 0..2 {
        let started = Instant::now();
        let response = auth.authorize(&with_key(KEY_A)).await;
        let took = started.elapsed();
        assert_denied(&response);
        // Connect 1 s, two attempts, 3 s in all: well inside the function's 5 s timeout.
        assert!(took < Duration::from_secs(4), "took {took:?}");
    }
    assert!(logs.text().contains("key store unavailable"), "{}", logs.text());
}

#[tokio::test]
async fn a_missing_secret_is_denied() {
    require_moto!();
    let auth = authorizer(&unique("never-created"), Duration::from_secs(60));
    assert_denied(&auth.authorize(&with_key(KEY_A)).await);
    // A secret that exists but has no value yet.
    let name = unique("no-value");
    admin().await.create_secret().name(&name).send().await.unwrap();
    assert_denied(&authorizer(&name, Duration::from_secs(60)).authorize(&with_key(KEY_A)).await);
}

#[tokio::test]
async fn a_revocation_is_seen_once_the_cache_ttl_has_passed() {
    require_moto!();
    let ttl = Duration::from_secs(2);
    let secret = secret_with("ttl", &key_file(&[("dialer-a", KEY_A)])).await;
    let auth = authorizer(&secret, ttl);
    let loaded = Instant::now();
    assert_eq!(allowed(&auth.authorize(&with_key(KEY_A)).await), Some("dialer-a"));

    put(&secret, &key_file(&[])).await;
    // Within the TTL the cached list still answers (the secret is not read per request).
    assert_eq!(allowed(&auth.authorize(&with_key(KEY_A)).await), Some("dialer-a"));
    assert!(loaded.elapsed() < ttl, "the test machine is too slow for this check");

    tokio::time::sleep(ttl.saturating_sub(loaded.elapsed()) + Duration::from_millis(200)).await;
    assert_denied(&auth.authorize(&with_key(KEY_A)).await);
}

// --- api-keys ---------------------------------------------------------------------------

fn api_keys(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_api-keys"))
        .args(args)
        .env_remove("API_KEYS_SECRET_ARN")
        .output()
        .expect("run api-keys")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

#[tokio::test]
async fn api_keys_issue_list_and_revoke_end_to_end() {
    require_moto!();
    // A secret created with no value: `issue` creates the structure.
    let secret = unique("cli");
    admin().await.create_secret().name(&secret).send().await.unwrap();
    let auth = authorizer(&secret, Duration::ZERO);

    let issued = api_keys(&["--secret", &secret, "issue", "--name", "dialer-a", "--scopes", "all"]);
    assert!(issued.status.success(), "{}", stderr(&issued));
    let out = stdout(&issued);
    let key = out.trim_end();
    assert_eq!(out.lines().count(), 1, "stdout is the key alone: {out:?}");
    assert!(key.starts_with("v3k_") && key.len() == 68, "{key}");
    assert!(!stderr(&issued).contains(key));

    // Only the hash is stored.
    let stored = get(&secret).await;
    assert!(!stored.contains(key));
    let file = KeyFile::parse(&stored).unwrap();
    assert_eq!(file.keys.len(), 1);
    assert_eq!(file.keys[0].client, "dialer-a");
    assert_eq!(file.keys[0].sha256, hash_key_hex(key.as_bytes()));
    let created = file.keys[0].created.clone().unwrap();
    assert!(created.len() == 20 && created.ends_with('Z'), "{created}");

    assert_eq!(allowed(&auth.authorize(&with_key(key)).await), Some("dialer-a"));

    // A second client, through API_KEYS_SECRET_ARN instead of --secret.
    let second = Command::new(env!("CARGO_BIN_EXE_api-keys"))
        .args(["issue", "bot-b", "--scopes", "agents:read"])
        .env("API_KEYS_SECRET_ARN", &secret)
        .output()
        .unwrap();
    assert!(second.status.success(), "{}", stderr(&second));
    let key_b = stdout(&second).trim_end().to_owned();
    assert_ne!(key_b, key);
    assert_eq!(allowed(&auth.authorize(&with_key(&key_b)).await), Some("bot-b"));

    // list: names and dates, no hashes, no keys.
    let listed = api_keys(&["--secret", &secret, "list"]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    let text = stdout(&listed);
    let all = "parameters:read,parameters:write,interactions:read,campaigns:read,agents:read";
    assert!(text.contains(&format!("dialer-a\t{created}\t{all}\tnever\n")), "{text}");
    assert!(text.contains("bot-b\t") && text.contains("\tagents:read\tnever\n"), "{text}");
    for secret_text in [key, key_b.as_str()] {
        assert!(!text.contains(secret_text));
        assert!(!text.contains(&hash_key_hex(secret_text.as_bytes())));
    }

    // revoke: that client's keys go, the other's stay.
    let revoked = api_keys(&["--secret", &secret, "revoke", "dialer-a"]);
    assert!(revoked.status.success(), "{}", stderr(&revoked));
    assert_denied(&auth.authorize(&with_key(key)).await);
    assert_eq!(allowed(&auth.authorize(&with_key(&key_b)).await), Some("bot-b"));
    let text = stdout(&api_keys(&["--secret", &secret, "list"]));
    assert!(!text.contains("dialer-a") && text.contains("bot-b"), "{text}");

    // Revoking what is not there changes nothing and says so.
    let again = api_keys(&["--secret", &secret, "revoke", "dialer-a"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("no key"), "{}", stderr(&again));
}

#[tokio::test]
async fn api_keys_revoke_created_removes_one_key_of_a_client() {
    require_moto!();
    let secret = secret_with("rotate", r#"{"keys":[]}"#).await;
    let auth = authorizer(&secret, Duration::ZERO);
    let old = stdout(&api_keys(&["--secret", &secret, "issue", "dialer-a", "--scopes", "all"])).trim_end().to_owned();
    // A rotation: a second key for the same client, then the old one revoked by its date.
    let mut file = KeyFile::parse(&get(&secret).await).unwrap();
    file.keys[0].created = Some("2020-01-01T00:00:00Z".into());
    put(&secret, &file.to_json()).await;
    let new = stdout(&api_keys(&["--secret", &secret, "issue", "dialer-a", "--scopes", "all"])).trim_end().to_owned();
    let revoked = api_keys(&["--secret", &secret, "revoke", "dialer-a", "--created", "2020-01-01T00:00:00Z"]);
    assert!(revoked.status.success(), "{}", stderr(&revoked));
    assert_denied(&auth.authorize(&with_key(&old)).await);
    assert_eq!(allowed(&auth.authorize(&with_key(&new)).await), Some("dialer-a"));
}

#[tokio::test]
async fn api_keys_refuses_to_overwrite_a_secret_it_does_not_understand() {
    require_moto!();
    let secret = secret_with("cli-malformed", "{\"something\": \"else\"}").await;
    for args in [&["issue", "dialer-a", "--scopes", "all"][..], &["revoke", "dialer-a"][..], &["list"][..]] {
        let mut all = vec!["--secret", secret.as_str()];
        all.extend_from_slice(args);
        let output = api_keys(&all);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert!(stdout(&output).is_empty(), "{args:?}: nothing on stdout, no key");
        assert!(stderr(&output).contains("not a valid key list"), "{}", stderr(&output));
    }
    assert_eq!(get(&secret).await, "{\"something\": \"else\"}");

    // A secret that does not exist: issue fails and prints no key.
    let output = api_keys(&["--secret", &unique("absent"), "issue", "dialer-a", "--scopes", "all"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).is_empty());
    assert!(stderr(&output).contains("does not exist"), "{}", stderr(&output));
}

#[test]
fn api_keys_usage_errors_exit_2() {
    // No AWS call is made for these, so they need no moto.
    for args in [
        &["issue", "dialer-a", "--scopes", "all"][..], // no secret
        &["--secret", "s", "issue"][..],
        &["--secret", "s", "issue", "--scopes", "all"][..], // no name
        &["--secret", "s", "issue", "dialer-a"][..],        // no scopes
        &["--secret", "s", "issue", "--name", "dialer-a", "--scopes", "agents:write"][..],
        &["--secret", "s", "issue", "--name", "dialer-a", "--scopes", "all", "--expires", "tomorrow"][..],
        &["--secret", "s", "issue", "--name", "dialer-a", "--scopes", "all", "--expires", "0d"][..],
        &["--secret", "s", "--file", "f", "list"][..],
        &["--secret", "s", "issue", "bad name", "--scopes", "all"][..],
        &["--secret", "s", "frobnicate"][..],
        &["--secret", "s", "list", "--created", "x"][..],
        &["--secret"][..],
    ] {
        let output = api_keys(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        // clap's usage errors: what is wrong, then the usage or where to find it.
        let text = stderr(&output);
        assert!(text.starts_with("error: "), "{args:?}: {text}");
        assert!(text.contains("Usage: api-keys") || text.contains("'--help'"), "{args:?}: {text}");
        assert!(stdout(&output).is_empty());
    }
    let help = api_keys(&["--help"]);
    assert!(help.status.success());
    assert!(stdout(&help).contains("Usage: api-keys"));
}

// --- scopes and expiry ------------------------------------------------------------------

/// A request the gateway matched to `route_key`, carrying `key`.
fn on_route(key: &str, route_key: &str) -> Request {
    let mut request = with_key(key);
    request.route_key = Some(route_key.into());
    request
}

fn route_key(route: &shared::http::Route) -> String {
    format!("{} {}", route.method, route.path)
}

/// A key list of one entry for `client`/`key` with these scopes (`None`: issued before
/// scopes existed) and expiry.
fn scoped_file(client: &str, key: &str, scopes: Option<&[&str]>, expires: Option<&str>) -> KeyEntry {
    let mut entry = entry(client, key);
    entry.scopes = scopes.map(|names| names.iter().map(|n| n.to_string()).collect());
    entry.expires = expires.map(str::to_owned);
    entry
}

fn key_list(entries: Vec<KeyEntry>) -> String {
    KeyFile { keys: entries, extra: Default::default() }.to_json()
}

#[tokio::test]
async fn each_route_takes_exactly_the_keys_whose_scopes_cover_it() {
    require_moto!();
    let secret = secret_with("scopes", &key_list(vec![])).await;
    let auth = authorizer(&secret, Duration::ZERO);
    for route in shared::http::ALL {
        let others: Vec<&str> =
            shared::scope::Scope::ALL.iter().filter(|s| **s != route.scope).map(|s| s.as_str()).collect();
        put(
            &secret,
            &key_list(vec![
                scoped_file("covered", KEY_A, Some(&[route.scope.as_str()]), None),
                scoped_file("uncovered", KEY_B, Some(&others), None),
            ]),
        )
        .await;
        let key = route_key(route);
        assert_eq!(allowed(&auth.authorize(&on_route(KEY_A, &key)).await), Some("covered"), "{key}");
        assert_denied(&auth.authorize(&on_route(KEY_B, &key)).await);
    }
}

#[tokio::test]
async fn a_scoped_key_gets_the_catch_all_and_nothing_outside_its_scopes() {
    require_moto!();
    let (logs, _guard) = Logs::capture(tracing::Level::INFO);
    let secret =
        secret_with("writer", &key_list(vec![scoped_file("bot", KEY_A, Some(&["parameters:write"]), None)])).await;
    let auth = authorizer(&secret, Duration::from_secs(60));
    assert_eq!(allowed(&auth.authorize(&on_route(KEY_A, "POST /v3/parameters/outgoing")).await), Some("bot"));
    // $default answers only 404/405: any valid key may get that.
    assert_eq!(allowed(&auth.authorize(&on_route(KEY_A, "$default")).await), Some("bot"));
    for key in [
        "GET /v3/agents/{agent_id}",
        "GET /v3/interactions/full/{interaction_id}",
        "GET /v3/parameters/outgoing/{task_id}",
    ] {
        assert_denied(&auth.authorize(&on_route(KEY_A, key)).await);
    }
    // An unknown key is no better off on the catch-all.
    assert_denied(&auth.authorize(&on_route(KEY_B, "$default")).await);
    let text = logs.text();
    assert!(text.contains("scopes do not cover the route") && text.contains("agents:read"), "{text}");
}

#[tokio::test]
async fn a_key_issued_before_scopes_existed_keeps_every_route() {
    require_moto!();
    let secret = secret_with("legacy", &key_list(vec![scoped_file("old-dialer", KEY_A, None, None)])).await;
    let auth = authorizer(&secret, Duration::from_secs(60));
    for route in shared::http::ALL {
        assert_eq!(allowed(&auth.authorize(&on_route(KEY_A, &route_key(route))).await), Some("old-dialer"));
    }
}

#[tokio::test]
async fn an_expired_key_is_denied_and_an_unexpired_one_allowed() {
    require_moto!();
    let secret = secret_with(
        "expiry",
        &key_list(vec![
            scoped_file("past", KEY_A, Some(&["agents:read"]), Some("2020-01-01T00:00:00Z")),
            scoped_file("future", KEY_B, Some(&["agents:read"]), Some("2999-01-01T00:00:00Z")),
        ]),
    )
    .await;
    let auth = authorizer(&secret, Duration::from_secs(60));
    assert_denied(&auth.authorize(&on_route(KEY_A, "GET /v3/agents/{agent_id}")).await);
    assert_eq!(allowed(&auth.authorize(&on_route(KEY_B, "GET /v3/agents/{agent_id}")).await), Some("future"));
}

#[tokio::test]
async fn a_route_key_the_table_does_not_have_is_denied() {
    require_moto!();
    let secret = secret_with("odd-route", &key_list(vec![scoped_file("old-dialer", KEY_A, None, None)])).await;
    let auth = authorizer(&secret, Duration::from_secs(60));
    for key in ["GET /v3/agents", "DELETE /v3/agents/{agent_id}", "", "ANY /{proxy+}"] {
        assert_denied(&auth.authorize(&on_route(KEY_A, key)).await);
    }
}

#[tokio::test]
async fn api_keys_issues_scoped_expiring_keys_and_list_marks_unscoped_ones() {
    require_moto!();
    let secret = secret_with("cli-scopes", &key_list(vec![scoped_file("old-dialer", KEY_A, None, None)])).await;
    let auth = authorizer(&secret, Duration::ZERO);
    let issued = api_keys(&[
        "--secret",
        &secret,
        "issue",
        "--name",
        "bot",
        "--scopes",
        "agents:read,parameters:write",
        "--expires",
        "30d",
    ]);
    assert!(issued.status.success(), "{}", stderr(&issued));
    let key = stdout(&issued).trim_end().to_owned();
    let stored = KeyFile::parse(&get(&secret).await).unwrap();
    let entry = stored.keys.iter().find(|e| e.client == "bot").unwrap();
    // Stored in contract order, whatever order they were given in.
    assert_eq!(entry.scopes.as_deref(), Some(&["parameters:write".to_owned(), "agents:read".to_owned()][..]));
    let expires = entry.expiry().expect("an RFC 3339 expiry");
    let days = (expires - chrono::Utc::now()).num_hours() as f64 / 24.0;
    assert!((29.9..=30.1).contains(&days), "{days}");
    assert_eq!(allowed(&auth.authorize(&on_route(&key, "GET /v3/agents/{agent_id}")).await), Some("bot"));
    assert_denied(&auth.authorize(&on_route(&key, "GET /v3/campaigns/{campaign_id}")).await);

    let listed = stdout(&api_keys(&["--secret", &secret, "list"]));
    let old = listed.lines().find(|l| l.starts_with("old-dialer\t")).unwrap();
    assert!(old.contains("ALL ROUTES (issued before scopes"), "{listed}");
    let bot = listed.lines().find(|l| l.starts_with("bot\t")).unwrap();
    assert!(bot.contains("\tparameters:write,agents:read\t20"), "{listed}");
}

#[tokio::test]
async fn api_keys_keeps_a_file_that_serve_and_the_authorizer_read() {
    // No AWS at all: the key list is a file (what `serve` reads with API_KEYS_FILE).
    let dir = std::env::temp_dir().join(unique("file").replace('/', "-"));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("keys.json");
    let path_text = path.to_str().unwrap();
    let issued = api_keys(&["--file", path_text, "issue", "--name", "local", "--scopes", "campaigns:read"]);
    assert!(issued.status.success(), "{}", stderr(&issued));
    let key = stdout(&issued).trim_end().to_owned();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    assert!(!std::fs::read_to_string(&path).unwrap().contains(&key));

    let auth = Authorizer::new(Settings {
        source: KeySource::File(path.clone()),
        cache_ttl: Duration::ZERO,
        endpoint_url: None,
    });
    assert_eq!(allowed(&auth.authorize(&on_route(&key, "GET /v3/campaigns/{campaign_id}")).await), Some("local"));
    assert_denied(&auth.authorize(&on_route(&key, "GET /v3/agents/{agent_id}")).await);
    assert!(api_keys(&["--file", path_text, "revoke", "local"]).status.success());
    assert_denied(&auth.authorize(&on_route(&key, "GET /v3/campaigns/{campaign_id}")).await);
    std::fs::remove_dir_all(&dir).unwrap();
}
