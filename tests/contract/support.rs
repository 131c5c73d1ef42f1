//! The test bench: a real database per test (a SQLite file, or a PostgreSQL schema of its
//! own), migrated and loaded with the demo rows, and the `events/` files fed through
//! `lambda_http`'s own request parsing into the same axum app each function runs.

use std::path::PathBuf;

use http_body_util::BodyExt;
use lambda_http::Request;
use scratch_db::ScratchDatabase;
use serde_json::Value;
use shared::AppState;
use shared::http::routes::{self, Route};
use tower::ServiceExt;

/// One database of the test's own and the state a function process would hold over it.
pub struct TestApi {
    pub state: AppState,
    scratch: ScratchDatabase,
}

impl TestApi {
    pub async fn sqlite() -> Self {
        let api = Self::sqlite_unseeded();
        shared::demo::seed(api.state.db()).await.expect("seed SQLite");
        api
    }

    /// A new, empty SQLite file: not even migrated.
    pub fn sqlite_unseeded() -> Self {
        Self::over(ScratchDatabase::sqlite("v3test"))
    }

    /// `None` (the test is skipped) when `TEST_DATABASE_URL` is unset, except under
    /// `CI=true`, where a missing PostgreSQL fails the test: CI must never skip it.
    pub async fn postgres() -> Option<Self> {
        let api = Self::postgres_unseeded().await?;
        shared::demo::seed(api.state.db()).await.expect("seed PostgreSQL");
        Some(api)
    }

    /// A new, empty PostgreSQL schema of its own (see [`TestApi::postgres`] for when it is
    /// `None`): not even migrated.
    pub async fn postgres_unseeded() -> Option<Self> {
        Some(Self::over(ScratchDatabase::postgres("v3test").await?))
    }

    fn over(scratch: ScratchDatabase) -> Self {
        Self { state: AppState::new(scratch.db.clone()), scratch }
    }

    /// The state of another function process over the same database (its own pool).
    pub fn another_process(&self) -> AppState {
        AppState::new(self.scratch.another_pool())
    }

    /// A URL that names the test's database (its PostgreSQL schema, or its SQLite file).
    pub fn url(&self) -> String {
        self.scratch.url()
    }

    pub fn engine(&self) -> &'static str {
        self.state.db().engine()
    }

    /// Runs raw SQL (one statement or several) on the test database (to set up edge cases
    /// the demo rows lack).
    pub async fn execute(&self, sql: &str) {
        self.state.db().execute_script(sql).await.unwrap_or_else(|error| panic!("{sql}: {error}"));
    }

    pub async fn count(&self, sql: &str) -> i64 {
        self.state.db().fetch_scalar::<i64>(sql).await.unwrap_or_else(|error| panic!("{sql}: {error}"))
    }

    /// Sends `event` to the function that serves `route`: its own app, as its `main` runs it.
    pub async fn invoke(&self, route: &Route, event: &Event) -> Reply {
        invoke_with(&self.state, route, event).await
    }
}

pub async fn invoke_with(state: &AppState, route: &Route, event: &Event) -> Reply {
    let endpoint = shared::http::endpoints()
        .into_iter()
        .find(|endpoint| endpoint.route == route)
        .expect("every route has an endpoint");
    send(shared::http::function_app(endpoint, state.clone()), event.request()).await
}

/// Sends `event` to the catch-all function (`$default` route).
pub async fn invoke_unmatched(event: &Event) -> Reply {
    send(shared::http::fallback_app(), event.request()).await
}

/// Sends a request to an app and reads its whole answer.
pub async fn send(app: shared::http::App, request: Request) -> Reply {
    let response = app.oneshot(request.map(axum::body::Body::new)).await.expect("the app is infallible");
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.expect("the body is in memory").to_bytes();
    let body = String::from_utf8(bytes.to_vec()).expect("the API answers text");
    Reply { status: parts.status.as_u16(), headers: parts.headers, body }
}

/// The body of every stored-row response the demo data can give: each interaction (both
/// views), campaign and agent by its id, and each task's parameters in both directions.
pub async fn every_demo_response(state: &AppState) -> Vec<String> {
    use shared::schema::{AGENTES, CAMPANIAS, INTERACCIONES, PARAMETROS_TAREA_ENTRADA, PARAMETROS_TAREA_SALIDA};
    let data = shared::demo::DemoData::load();
    let ids = |table, key: &str| -> Vec<String> {
        data.objects(table)
            .iter()
            .map(|row| match &row[key] {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            })
            .collect()
    };
    let mut requests: Vec<(&Route, &str, &str, String)> = Vec::new();
    for id in ids(&INTERACCIONES, "idInteraccion") {
        requests.push((&routes::GET_INTERACTION, "get-interaction", "interaction_id", id.clone()));
        requests.push((&routes::GET_FULL_INTERACTION, "get-full-interaction", "interaction_id", id));
    }
    for id in ids(&CAMPANIAS, "idCampania") {
        requests.push((&routes::GET_CAMPAIGN, "get-campaign", "campaign_id", id));
    }
    for id in ids(&AGENTES, "idAgente") {
        requests.push((&routes::GET_AGENT, "get-agent", "agent_id", id));
    }
    for id in ids(&PARAMETROS_TAREA_ENTRADA, "idTarea") {
        requests.push((&routes::GET_INCOMING_PARAMETERS, "get-incoming-parameters", "task_id", id));
    }
    for id in ids(&PARAMETROS_TAREA_SALIDA, "idTarea") {
        requests.push((&routes::GET_OUTGOING_PARAMETERS, "get-outgoing-parameters", "task_id", id));
    }
    let mut bodies = Vec::new();
    for (route, file, parameter, id) in requests {
        let reply = invoke_with(state, route, &Event::load(file).with_path_parameter(parameter, &id)).await;
        assert_eq!(reply.status, 200, "{file} {id}: {}", reply.body);
        bodies.push(reply.body);
    }
    bodies
}

/// An API Gateway HTTP API (payload 2.0) event from `events/`, optionally edited.
#[derive(Clone)]
pub struct Event(pub Value);

impl Event {
    pub fn load(name: &str) -> Self {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../events").join(format!("{name}.json"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        Self(serde_json::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display())))
    }

    /// The same event for another value of the route's path parameter (`rawPath` follows).
    pub fn with_path_parameter(mut self, name: &str, value: &str) -> Self {
        let old = self.0["pathParameters"][name].as_str().expect("event has that path parameter").to_owned();
        let raw_path = self.0["rawPath"].as_str().unwrap();
        let new_path =
            format!("{}{value}", raw_path.strip_suffix(old.as_str()).expect("rawPath ends with the parameter"));
        self.0["pathParameters"][name] = Value::from(value);
        self.set_path(&new_path)
    }

    pub fn without_path_parameters(mut self) -> Self {
        self.0.as_object_mut().unwrap().remove("pathParameters");
        self
    }

    pub fn with_path(self, path: &str) -> Self {
        self.set_path(path)
    }

    fn set_path(mut self, path: &str) -> Self {
        self.0["rawPath"] = Value::from(path);
        self.0["requestContext"]["http"]["path"] = Value::from(path);
        self
    }

    pub fn with_method(mut self, method: &str) -> Self {
        self.0["requestContext"]["http"]["method"] = Value::from(method);
        self
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.0["headers"][name] = Value::from(value);
        self
    }

    pub fn without_header(mut self, name: &str) -> Self {
        self.0["headers"].as_object_mut().unwrap().remove(name);
        self
    }

    pub fn with_body(mut self, body: &str) -> Self {
        self.0["body"] = Value::from(body);
        self.0["isBase64Encoded"] = Value::from(false);
        self
    }

    pub fn with_base64_body(mut self, encoded: &str) -> Self {
        self.0["body"] = Value::from(encoded);
        self.0["isBase64Encoded"] = Value::from(true);
        self
    }

    pub fn with_request_id(mut self, id: &str) -> Self {
        self.0["requestContext"]["requestId"] = Value::from(id);
        self
    }

    /// Parsed by `lambda_http` exactly as the runtime parses an incoming event.
    pub fn request(&self) -> Request {
        lambda_http::request::from_str(&self.0.to_string()).expect("lambda_http parses the event")
    }
}

/// A function's answer, for assertions.
pub struct Reply {
    pub status: u16,
    pub headers: lambda_http::http::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|value| value.to_str().expect("ASCII header"))
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|error| panic!("body is not JSON ({error}): {}", self.body))
    }

    /// Asserts a problem+json error with `status`; returns its detail.
    pub fn problem(&self, status: u16) -> String {
        assert_eq!(self.status, status, "body: {}", self.body);
        assert_eq!(self.header("content-type"), Some("application/problem+json"));
        let problem = self.json();
        let detail = problem["detail"].as_str().expect("a detail string").to_owned();
        // The title is the status's reason phrase (README, "Errors"), never the reply's own
        // choice; the text is compared whole, so key order counts: type, title, status, detail.
        let title = match status {
            400 => "Bad Request",
            401 => "Unauthorized",
            403 => "Forbidden",
            404 => "Not Found",
            405 => "Method Not Allowed",
            413 => "Payload Too Large",
            415 => "Unsupported Media Type",
            500 => "Internal Server Error",
            503 => "Service Unavailable",
            other => panic!("CONTRACT section 6 has no status {other}"),
        };
        let expected = format!(
            r#"{{"type":"about:blank","title":"{title}","status":{status},"detail":{}}}"#,
            Value::from(detail.as_str())
        );
        assert_eq!(self.body, expected);
        detail
    }
}

/// Declares each listed `async fn(&TestApi)` twice: `sqlite::name` and `postgres::name`.
macro_rules! on_both_engines {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    let api = $crate::support::TestApi::sqlite().await;
                    super::$test(&api).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    if let Some(api) = $crate::support::TestApi::postgres().await {
                        super::$test(&api).await;
                    }
                }
            )*
        }
    };
}
pub(crate) use on_both_engines;

/// Lines written by the logs or the metrics (EMF), kept for the test to read back as JSON: a
/// writer for `shared::telemetry::init_metrics_into` and a `MakeWriter` for a log subscriber.
#[allow(dead_code)] // read by the metrics and traces test binaries, which include this module
#[derive(Clone, Default)]
pub struct Lines(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Lines {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> lambda_http::tracing::subscriber::fmt::MakeWriter<'a> for Lines {
    type Writer = Lines;
    fn make_writer(&'a self) -> Lines {
        self.clone()
    }
}

#[allow(dead_code)]
impl Lines {
    /// Everything written since the last take, one JSON value per line.
    pub fn take(&self) -> Vec<Value> {
        let bytes = std::mem::take(&mut *self.0.lock().unwrap());
        let text = String::from_utf8(bytes).unwrap();
        text.lines().map(|line| serde_json::from_str(line).unwrap_or_else(|error| panic!("{error}: {line}"))).collect()
    }
}
