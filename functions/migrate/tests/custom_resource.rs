//! The migrate function against real databases and a real HTTP endpoint standing in for
//! CloudFormation's presigned ResponseURL.

use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};

use axum::body::Bytes;
use axum::http::{Method, Uri};
use migrate::{AWS_RESPONSE_URLS, CustomResourceResponse, PHYSICAL_RESOURCE_ID, ResponseUrlRule, handle};
use serde_json::{Value, json};
use shared::db::Database;
use shared::layout::{Layout, SchemaName};
use shared::settings::PoolSettings;
use shared::store::Store;
use sqlx::Connection;
use tokio::net::TcpListener;

static NEXT: AtomicU32 = AtomicU32::new(0);

/// The tests' stand-in for CloudFormation listens on loopback, over plain HTTP.
const LOCAL: ResponseUrlRule = ResponseUrlRule { schemes: &["http"], hosts: &["127.0.0.1"] };

fn fresh_sqlite() -> (std::path::PathBuf, impl FnOnce() -> Result<Store, String>) {
    let path = std::env::temp_dir().join(format!(
        "v3-migrate-{}-{}.db",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(&path).create_if_missing(true);
    (path, move || Ok(Store::new(Database::sqlite(options, &PoolSettings::default()), Layout::MitAcd)))
}

/// An HTTP endpoint standing in for the presigned URL (axum): returns its URL and a task
/// yielding the first request it received, as "METHOD path?query" and the JSON body.
async fn response_url() -> (String, tokio::task::JoinHandle<(String, Value)>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/cloudformation-response?X-Amz-Signature=abc", listener.local_addr().unwrap());
    let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
    let app = axum::Router::new().fallback(move |method: Method, uri: Uri, body: Bytes| {
        let _ = sender.send((format!("{method} {uri}"), serde_json::from_slice(&body).unwrap()));
        async { "" }
    });
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let received = tokio::spawn(async move {
        let mut receiver = receiver;
        receiver.recv().await.expect("a request")
    });
    (url, received)
}

/// events/migrate-custom-resource-create.json (what CloudFormation sends) as a `request_type`
/// request whose answer goes to `url`.
fn cloudformation_event(request_type: &str, url: &str) -> Value {
    let mut event = event_file("migrate-custom-resource-create.json");
    event["RequestType"] = json!(request_type);
    event["ResponseURL"] = json!(url);
    event
}

fn event_file(name: &str) -> Value {
    let path = format!("{}/../../events/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))).unwrap()
}

#[tokio::test]
async fn invoked_by_hand_it_migrates_and_says_to_which_version() {
    let (path, open) = fresh_sqlite();
    let output = handle(event_file("migrate-by-hand.json"), open, LOCAL).await.unwrap();
    assert_eq!(output["engine"], "sqlite");
    assert!(output["schema_version"].as_i64().unwrap() > 0, "{output}");
    let _ = std::fs::remove_file(path);
}

#[tokio::test]
async fn create_migrates_and_puts_success_to_the_response_url() {
    let (path, open) = fresh_sqlite();
    let (url, received) = response_url().await;
    handle(cloudformation_event("Create", &url), open, LOCAL).await.unwrap();
    let (head, body) = received.await.unwrap();
    assert_eq!(head, "PUT /cloudformation-response?X-Amz-Signature=abc");
    let response: CustomResourceResponse = serde_json::from_value(body).unwrap();
    assert_eq!(response.status, "SUCCESS", "{}", response.reason);
    assert_eq!(response.physical_resource_id, PHYSICAL_RESOURCE_ID);
    assert_eq!(response.request_id, "unique-request-id");
    assert_eq!(response.logical_resource_id, "DatabaseMigrations");
    assert!(response.data["SchemaVersion"].as_str().unwrap().parse::<i64>().unwrap() > 0);
    // The schema is really there: the demo tables exist.
    let mut connection = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await.unwrap();
    let tables: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = 'Interacciones'")
        .fetch_one(&mut connection)
        .await
        .unwrap();
    assert_eq!(tables, 1);
    let _ = std::fs::remove_file(path);
}

#[tokio::test]
async fn update_again_is_a_success_with_nothing_new() {
    let (path, _) = fresh_sqlite();
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(&path).create_if_missing(true);
    for _ in 0..2 {
        let (url, received) = response_url().await;
        let options = options.clone();
        handle(
            cloudformation_event("Update", &url),
            move || Ok(Store::new(Database::sqlite(options, &PoolSettings::default()), Layout::MitAcd)),
            LOCAL,
        )
        .await
        .unwrap();
        assert_eq!(received.await.unwrap().1["Status"], "SUCCESS");
    }
    let _ = std::fs::remove_file(path);
}

#[tokio::test]
async fn delete_succeeds_without_touching_the_database() {
    let (url, received) = response_url().await;
    handle(cloudformation_event("Delete", &url), || panic!("a Delete must not open the database"), LOCAL)
        .await
        .unwrap();
    let body = received.await.unwrap().1;
    assert_eq!(body["Status"], "SUCCESS");
    assert_eq!(body["PhysicalResourceId"], PHYSICAL_RESOURCE_ID);
}

#[tokio::test]
async fn in_the_babelfish_layout_it_migrates_nothing_and_says_so() {
    // The pool points at nothing: had it tried to migrate, the run would fail.
    let unreachable = || {
        let layout = Layout::Babelfish { schema: SchemaName::parse("mitacd_dbo").unwrap() };
        let options = sqlx::postgres::PgConnectOptions::new().host("127.0.0.1").port(1);
        Ok(Store::new(Database::postgres(options, &PoolSettings::default()), layout))
    };
    let output = handle(json!({}), unreachable, LOCAL).await.unwrap();
    assert_eq!(output["migrated"], false, "{output}");
    assert_eq!(output["layout"], "babelfish");
    let (url, received) = response_url().await;
    handle(cloudformation_event("Create", &url), unreachable, LOCAL).await.unwrap();
    let body = received.await.unwrap().1;
    assert_eq!(body["Status"], "SUCCESS", "{body}");
    assert!(body["Reason"].as_str().unwrap().starts_with("DB_LAYOUT=babelfish: the schema is MitACD's own"), "{body}");
}

#[tokio::test]
async fn a_failure_is_reported_to_cloudformation_as_failed_with_its_reason() {
    let (url, received) = response_url().await;
    handle(cloudformation_event("Create", &url), || Err("DATABASE_URL is not set".to_owned()), LOCAL).await.unwrap();
    let body = received.await.unwrap().1;
    assert_eq!(body["Status"], "FAILED");
    assert_eq!(body["Reason"], "DATABASE_URL is not set");
}

#[tokio::test]
async fn by_hand_a_failure_fails_the_invocation() {
    assert!(handle(json!({"anything": 1}), || Err("no database".to_owned()), LOCAL).await.is_err());
}

/// PostgreSQL: concurrent runs take turns under the advisory lock and all succeed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_runs_on_postgres_take_turns_and_all_succeed() {
    let Ok(admin_url) = std::env::var("TEST_DATABASE_URL") else {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true but TEST_DATABASE_URL is not set");
        eprintln!("TEST_DATABASE_URL is not set: skipping the PostgreSQL test");
        return;
    };
    let name = format!("v3_migrate_{}", std::process::id());
    let mut admin = sqlx::PgConnection::connect(&admin_url).await.unwrap();
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.unwrap();
    let options = sqlx::postgres::PgConnectOptions::from_str(&admin_url).unwrap().database(&name);
    let runs: Vec<_> = (0..4)
        .map(|_| {
            let options = options.clone();
            tokio::spawn(handle(
                json!({}),
                move || Ok(Store::new(Database::postgres(options, &PoolSettings::default()), Layout::MitAcd)),
                LOCAL,
            ))
        })
        .collect();
    let mut versions = Vec::new();
    for run in runs {
        versions
            .push(run.await.unwrap().map_err(|error| error.to_string()).unwrap()["schema_version"].as_i64().unwrap());
    }
    assert!(versions.iter().all(|v| *v == versions[0] && *v > 0), "{versions:?}");
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin).await.unwrap();
}

#[test]
fn only_an_https_response_url_on_an_aws_host_is_answered() {
    for good in [
        "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/arn%3Aaws?X-Amz-Signature=abc",
        "https://cloudformation-custom-resource-response-cnnorth1.s3.cn-north-1.amazonaws.com.cn/x",
        "https://bucket.s3.eu-west-1.amazonaws.com:443/x",
    ] {
        assert_eq!(AWS_RESPONSE_URLS.check(good), Ok(()), "{good}");
    }
    for bad in [
        "http://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x",
        "https://169.254.169.254/latest/meta-data/",
        "https://evil.example.com/x",
        "https://amazonaws.com.evil.example/x",
        "https://s3.amazonaws.com.evil.example/x",
        "https://user:pass@bucket.s3.amazonaws.com/x",
        "https://bucket.s3.amazonaws.com:8443/x",
        "file:///etc/passwd",
        "not a url",
    ] {
        assert!(AWS_RESPONSE_URLS.check(bad).is_err(), "{bad}");
    }
}

#[tokio::test]
async fn a_response_url_the_rule_refuses_gets_nothing_and_fails_the_invocation() {
    let (url, received) = response_url().await;
    let outcome =
        handle(cloudformation_event("Create", &url), || panic!("nothing may be opened"), AWS_RESPONSE_URLS).await;
    assert!(outcome.unwrap_err().to_string().contains("ResponseURL refused"));
    received.abort();
    assert!(received.await.unwrap_err().is_cancelled(), "the local endpoint received nothing");
}
