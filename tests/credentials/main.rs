//! Database credentials in AWS mode, against real services: moto in server mode for Secrets
//! Manager (`AWS_ENDPOINT_URL`) and a PostgreSQL of the test's own that, unlike the machine's,
//! checks passwords (scram-sha-256) and serves TLS with a certificate for `localhost` signed
//! by a throwaway CA. `tests/aws.sh` starts both and runs this file; it sets
//! `CREDENTIALS_PG_PORT`, `CREDENTIALS_PG_CA` (the CA's PEM file) and
//! `CREDENTIALS_PG_SOCKET_DIR` (where the superuser connects without a password).
//!
//! Each test logs in as a role of its own, whose search_path is a schema of its own, migrated
//! and seeded through the managed-credentials pool itself.

#[path = "../contract/support.rs"]
#[allow(dead_code)]
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_rds::config::{Credentials as AwsCredentials, SharedCredentialsProvider};
use aws_smithy_async::time::TimeSource;
use serde_json::json;
use shared::AppState;
use shared::aws::AwsConfig;
use shared::credentials::ManagedCredentials;
use shared::db::Database;
use shared::http::routes::{self, Route};
use shared::settings::PoolSettings;
use shared::settings::{CaBundle, DatabaseAuth, ManagedSettings, RDS_CA_BUNDLE};
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use support::{Event, Reply, invoke_with};

/// Where the test's PostgreSQL is; `None` skips, except under `CI=true`.
struct Server {
    port: u16,
    ca_pem: Vec<u8>,
    socket_dir: String,
}

fn server() -> Option<Server> {
    let get = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
    match (
        get("CREDENTIALS_PG_PORT"),
        get("CREDENTIALS_PG_CA"),
        get("CREDENTIALS_PG_SOCKET_DIR"),
        get("AWS_ENDPOINT_URL"),
    ) {
        (Some(port), Some(ca), Some(socket_dir), Some(_)) => Some(Server {
            port: port.parse().expect("CREDENTIALS_PG_PORT is a port"),
            ca_pem: std::fs::read(ca).expect("CREDENTIALS_PG_CA is readable"),
            socket_dir,
        }),
        _ if std::env::var("CI").is_ok_and(|ci| ci == "true") => {
            panic!("CI=true but the credential tests' services are not set up: run them with `bash tests/aws.sh`")
        }
        _ => {
            eprintln!("SKIP: run with `bash tests/aws.sh` (moto and a password-checking PostgreSQL)");
            None
        }
    }
}

static NEXT: AtomicU32 = AtomicU32::new(0);

/// A login role with its own schema, created through the superuser's socket connection.
struct Role {
    name: String,
}

impl Server {
    async fn admin(&self) -> PgConnection {
        let options = PgConnectOptions::new_without_pgpass()
            .socket(&self.socket_dir)
            .port(self.port)
            .username("postgres")
            .database("postgres");
        PgConnection::connect_with(&options).await.expect("superuser connection over the socket")
    }

    async fn admin_sql(&self, sql: &str) {
        let mut admin = self.admin().await;
        sqlx::raw_sql(sql).execute(&mut admin).await.unwrap_or_else(|error| panic!("{sql}: {error}"));
        admin.close().await.ok();
    }

    async fn role(&self, password: &str) -> Role {
        let name = format!("cred_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        self.admin_sql(&format!(
            "CREATE ROLE {name} LOGIN PASSWORD '{password}';
             CREATE SCHEMA {name} AUTHORIZATION {name};
             ALTER ROLE {name} SET search_path = {name};"
        ))
        .await;
        Role { name }
    }

    async fn set_password(&self, role: &Role, password: &str) {
        self.admin_sql(&format!("ALTER ROLE {} PASSWORD '{}'", role.name, password.replace('\'', "''"))).await;
    }

    /// Ends the role's sessions, as a proxy's idle timeout or a failover would: the pool's
    /// next query has to open a new connection.
    async fn disconnect(&self, role: &Role) {
        self.admin_sql(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{}'",
            role.name
        ))
        .await;
    }

    /// Whether every session of the role is the API's and uses TLS (and there is at least one).
    async fn sessions_use_tls(&self, role: &Role) -> bool {
        let mut admin = self.admin().await;
        let rows: Vec<bool> = sqlx::query_scalar(
            "SELECT s.ssl AND a.application_name = 'v3-api'
             FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.usename = $1",
        )
        .bind(&role.name)
        .fetch_all(&mut admin)
        .await
        .unwrap();
        !rows.is_empty() && rows.iter().all(|&ssl| ssl)
    }

    /// A role with `password`, its RDS-style secret, and a function's state reading that
    /// secret, migrated and seeded through it (so over TLS, with the secret's password).
    async fn secret_mode(&self, password: &str) -> (Role, String, AppState) {
        let role = self.role(password).await;
        let arn = create_secret(&rds_secret(&role.name, password, self.port)).await;
        let state = secret_mode_state(self, &arn).await;
        shared::demo::seed(state.db()).await.expect("migrate and seed through the secret's credentials");
        (role, arn, state)
    }

    fn settings(&self, auth: DatabaseAuth) -> ManagedSettings {
        ManagedSettings {
            auth,
            host: Some("localhost".into()),
            port: Some(self.port),
            database: None,
            ca_bundle: CaBundle(self.ca_pem.clone()),
        }
    }
}

fn pool() -> PoolSettings {
    PoolSettings { max_connections: 1, acquire_timeout: Duration::from_secs(5), ..PoolSettings::default() }
}

/// The Secrets Manager client the tests set secrets up with (moto, via AWS_ENDPOINT_URL).
async fn secrets() -> aws_sdk_secretsmanager::Client {
    aws_sdk_secretsmanager::Client::new(&aws_config::defaults(BehaviorVersion::latest()).load().await)
}

async fn create_secret(value: &str) -> String {
    let name = format!("v3/db/{}/{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    let created = secrets().await.create_secret().name(&name).secret_string(value).send().await.expect("moto");
    created.arn.expect("an ARN")
}

async fn put_secret(arn: &str, value: &str) {
    secrets().await.put_secret_value().secret_id(arn).secret_string(value).send().await.expect("moto");
}

/// The RDS-managed secret's shape. `host` names the instance behind the proxy, which this
/// machine cannot resolve: `DB_HOST` (localhost) must win over it.
fn rds_secret(user: &str, password: &str, port: u16) -> String {
    json!({
        "engine": "postgres", "username": user, "password": password,
        "host": "v3-db.cluster-abc.us-east-1.rds.amazonaws.invalid", "port": port, "dbname": "postgres",
        "dbInstanceIdentifier": "v3-db"
    })
    .to_string()
}

async fn secret_mode_state(server: &Server, arn: &str) -> AppState {
    state_with(server.settings(DatabaseAuth::SecretsManager { secret_id: arn.to_owned() }))
}

/// A new secret holding `role`'s name and `password`, and settings that read it.
async fn secret_settings(server: &Server, role: &Role, password: &str) -> ManagedSettings {
    let arn = create_secret(&rds_secret(&role.name, password, server.port)).await;
    server.settings(DatabaseAuth::SecretsManager { secret_id: arn })
}

/// A function process's state over managed credentials.
fn state_with(settings: ManagedSettings) -> AppState {
    AppState::new(Database::managed_lazy(settings, &pool()))
}

async fn get_agent(state: &AppState) -> Reply {
    invoke_with(state, &routes::GET_AGENT, &Event::load("get-agent")).await
}

/// Bounds a request that must fail fast: it must answer, never hang.
async fn answered(request: impl std::future::Future<Output = Reply>) -> Reply {
    tokio::time::timeout(Duration::from_secs(20), request).await.expect("answered within 20 s, no hang")
}

fn assert_unavailable_without_detail(reply: &Reply, secrets: &[&str]) {
    let detail = reply.problem(503);
    assert_eq!(detail, "the database is unavailable; retry later");
    assert_eq!(reply.header("retry-after"), Some("1"));
    for secret in secrets {
        assert!(!reply.body.contains(secret), "{secret} leaked: {}", reply.body);
    }
}

#[tokio::test]
async fn secret_mode_migrates_seeds_and_serves_over_verified_tls() {
    let Some(server) = server() else { return };
    let (role, _arn, state) = server.secret_mode("first-password").await;

    let reply = get_agent(&state).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["idAgente"], 8);
    let put = invoke_with(&state, &routes::PUT_OUTGOING_PARAMETERS, &Event::load("put-outgoing-parameters")).await;
    assert!(matches!(put.status, 200 | 201), "{}", put.body);
    assert!(server.sessions_use_tls(&role).await, "the session must be TLS");
}

#[tokio::test]
async fn the_secret_is_read_once_per_container() {
    let Some(server) = server() else { return };
    let (role, arn, state) = server.secret_mode("kept-password").await;

    // The secret changes in Secrets Manager but not in the database: a container that read
    // it again would now fail to log in. New connections keep using the cached value.
    put_secret(&arn, &rds_secret(&role.name, "not-the-password", server.port)).await;
    for _ in 0..3 {
        server.disconnect(&role).await;
        let reply = get_agent(&state).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
}

#[tokio::test]
async fn a_rotated_password_is_read_again_when_the_login_is_refused() {
    let Some(server) = server() else { return };
    let (role, arn, state) = server.secret_mode("before-rotation").await;
    assert_eq!(get_agent(&state).await.status, 200);

    // Rotation: a new password in the database and in the secret; the open session ends.
    server.set_password(&role, "after-rotation").await;
    put_secret(&arn, &rds_secret(&role.name, "after-rotation", server.port)).await;
    server.disconnect(&role).await;
    // A refused login re-reads the secret at most every few seconds.
    tokio::time::sleep(Duration::from_secs(3)).await;

    let reply = get_agent(&state).await;
    assert_eq!(reply.status, 200, "the rotated password must be picked up in the same request: {}", reply.body);
    // The open connection was made with the new password: it survives another request.
    assert_eq!(get_agent(&state).await.status, 200);
}

#[tokio::test]
async fn a_wrong_password_answers_503_without_leaking_it() {
    let Some(server) = server() else { return };
    let role = server.role("right-password").await;
    let arn = create_secret(&rds_secret(&role.name, "wrong-password", server.port)).await;
    let state = secret_mode_state(&server, &arn).await;
    let reply = answered(get_agent(&state)).await;
    assert_unavailable_without_detail(&reply, &["wrong-password", &role.name, "localhost", "28P01"]);
}

#[tokio::test]
async fn a_malformed_secret_answers_503_without_leaking_it() {
    let Some(server) = server() else { return };
    for text in ["password=hunter2", r#"{"username":"app"}"#, r#"{"username":"app","password":"hunter2","port":"x"}"#] {
        let arn = create_secret(text).await;
        let reply = answered(get_agent(&secret_mode_state(&server, &arn).await)).await;
        assert_unavailable_without_detail(&reply, &["hunter2", "app", "malformed"]);
    }
}

#[tokio::test]
async fn a_missing_secret_answers_503() {
    let Some(server) = server() else { return };
    let state = secret_mode_state(&server, "arn:aws:secretsmanager:us-east-1:123456789012:secret:absent-AbCdEf").await;
    let reply = answered(get_agent(&state)).await;
    assert_unavailable_without_detail(&reply, &["absent", "arn:"]);
}

#[tokio::test]
async fn secrets_manager_unreachable_answers_503_without_hanging() {
    let Some(server) = server() else { return };
    // Nothing listens on port 9: every attempt is refused; the SDK's bounded retries end it.
    let aws = AwsConfig::lambda(Some("http://127.0.0.1:9".into()));
    let settings = server.settings(DatabaseAuth::SecretsManager { secret_id: "any".into() });
    let state = AppState::new(Database::managed(ManagedCredentials::with_aws(settings, aws), &pool()));
    let reply = answered(get_agent(&state)).await;
    assert_unavailable_without_detail(&reply, &["127.0.0.1:9"]);
}

#[tokio::test]
async fn the_server_certificate_must_chain_to_the_ca_bundle() {
    let Some(server) = server() else { return };
    let role = server.role("tls-password").await;
    // The shipped RDS bundle (the default) does not trust the test's throwaway CA.
    let mut settings = secret_settings(&server, &role, "tls-password").await;
    settings.ca_bundle = CaBundle(RDS_CA_BUNDLE.to_vec());
    let reply = answered(get_agent(&state_with(settings))).await;
    assert_unavailable_without_detail(&reply, &["tls-password"]);
    assert!(!server.sessions_use_tls(&role).await, "no session may have been opened");

    // The same bundle with the test's CA appended is accepted: so the shipped bundle parses
    // (a malformed certificate in it would fail every connection), and it was the missing
    // CA, not the bundle, that refused the server above.
    let mut settings = secret_settings(&server, &role, "tls-password").await;
    settings.ca_bundle = CaBundle([RDS_CA_BUNDLE, b"\n", &server.ca_pem].concat());
    let state = state_with(settings);
    shared::demo::seed(state.db()).await.expect("the bundle plus the test CA verifies the server");
    assert_eq!(get_agent(&state).await.status, 200);
}

#[tokio::test]
async fn the_server_host_name_must_match_its_certificate() {
    let Some(server) = server() else { return };
    let role = server.role("host-password").await;
    // The certificate names localhost only; 127.0.0.1 is the same server under another name.
    let mut settings = secret_settings(&server, &role, "host-password").await;
    settings.host = Some("127.0.0.1".into());
    let reply = answered(get_agent(&state_with(settings))).await;
    assert_unavailable_without_detail(&reply, &["host-password"]);
}

/// A clock the test moves by hand: IAM tokens are signed for the current second, so two
/// tokens from two instants differ, and the test can compute the token a connection uses.
#[derive(Debug, Clone)]
struct TestClock(Arc<AtomicU64>);

impl TestClock {
    fn at(seconds: u64) -> Self {
        TestClock(Arc::new(AtomicU64::new(seconds)))
    }

    fn advance(&self, seconds: u64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }
}

impl TimeSource for TestClock {
    fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.0.load(Ordering::SeqCst))
    }
}

fn sdk_config(clock: &TestClock) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(SharedCredentialsProvider::new(AwsCredentials::new(
            "AKIDTESTING",
            "test-secret-key",
            None,
            None,
            "test",
        )))
        .time_source(clock.clone())
        .build()
}

#[tokio::test]
async fn iam_mode_logs_in_with_a_fresh_token_for_each_new_connection() {
    let Some(server) = server() else { return };
    let role = server.role("unused-until-the-token").await;
    let clock = TestClock::at(1_790_000_000);
    let settings = server.settings(DatabaseAuth::Iam { user: role.name.clone() });
    let credentials = ManagedCredentials::with_aws(settings.clone(), AwsConfig::preloaded(sdk_config(&clock)));
    // What the function will send, computed the same way from the same clock. PostgreSQL
    // cannot check an IAM signature, so the role's password is set to the expected token.
    let expected = || async {
        ManagedCredentials::with_aws(settings.clone(), AwsConfig::preloaded(sdk_config(&clock)))
            .iam_token("localhost", server.port, &role.name)
            .await
            .unwrap()
    };
    let first = expected().await;
    assert!(
        first.starts_with(&format!(
            "localhost:{}/?Action=connect&DBUser={}&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDTESTING%2F",
            server.port, role.name
        )),
        "{first}"
    );
    assert!(first.contains("%2Fus-east-1%2Frds-db%2Faws4_request") && first.contains("X-Amz-Expires=900"), "{first}");

    server.set_password(&role, &first).await;
    let state = AppState::new(Database::managed(credentials, &pool()));
    shared::demo::seed(state.db()).await.expect("migrate and seed with the IAM token");
    assert_eq!(get_agent(&state).await.status, 200);
    assert!(server.sessions_use_tls(&role).await);

    // A minute later the connection is gone; the next one must carry a new token.
    clock.advance(60);
    let second = expected().await;
    assert_ne!(first, second);
    server.set_password(&role, &second).await;
    server.disconnect(&role).await;
    let reply = get_agent(&state).await;
    assert_eq!(reply.status, 200, "a new connection must log in with a new token: {}", reply.body);

    // And the token is what logs in: a connection opened after the clock moved again, with
    // the role's password left at the previous token, is refused.
    clock.advance(60);
    server.disconnect(&role).await;
    let reply = answered(get_agent(&state)).await;
    assert_unavailable_without_detail(&reply, &["X-Amz", &role.name]);
}
