//! `serve`'s API reference: `GET /docs`, openapi.yaml in Swagger UI, one self-contained page
//! (docs/api/reference.html, made from the pinned swagger-ui-dist by docs/api/build.mjs;
//! openapi.yaml goes in here), and `GET /openapi.yaml`, the file itself. Both are compiled in.
//!
//! Both are public: they run before the key check, because they hold nothing but the contract
//! that every caller is given, and the page makes no request of its own ("Try it out" sends
//! the key its user types, as any caller would). Nothing else changes: every other path,
//! `/v3` or not, goes to the app exactly as before. Only GET and HEAD: another method on
//! these two paths is 405 with `Allow: GET, HEAD`. The page carries a Content-Security-Policy
//! (also as a header here) that lets it load nothing from anywhere.

use std::convert::Infallible;
use std::sync::LazyLock;

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use shared::ApiError;
use shared::http::App;
use tower::ServiceExt;
use tower::util::BoxCloneSyncService;

/// The page without its spec (generated; `make docs` rebuilds it from the pinned renderer).
const TEMPLATE: &str = include_str!("../../../docs/api/reference.html");
/// The contract's OpenAPI document, as the repository has it.
pub const OPENAPI_YAML: &str = include_str!("../../../openapi.yaml");
/// Where the template takes openapi.yaml (as a JSON string), once.
const SPEC_MARKER: &str = "__OPENAPI_YAML__";

pub const DOCS_PATH: &str = "/docs";
pub const SPEC_PATH: &str = "/openapi.yaml";

/// One document as `serve` answers it.
struct Document {
    body: Bytes,
    content_type: &'static str,
    etag: HeaderValue,
    policy: Option<HeaderValue>,
}

static PAGE: LazyLock<Document> = LazyLock::new(|| {
    let html = page();
    let policy = format!("{}; frame-ancestors 'none'", page_policy(&html).expect("the page names its policy"));
    Document::new(html.into_bytes(), "text/html; charset=utf-8", Some(policy))
});

static SPEC: LazyLock<Document> =
    LazyLock::new(|| Document::new(OPENAPI_YAML.as_bytes().to_vec(), "application/yaml; charset=utf-8", None));

/// The reference page with openapi.yaml in it: what `/docs` answers and `serve docs` writes.
pub fn page() -> String {
    // A JSON string, with the characters that HTML could read inside a <script> element
    // escaped (`</script`, `<!--`), so any text of openapi.yaml stays data.
    let json = serde_json::to_string(OPENAPI_YAML)
        .expect("a string serializes")
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    TEMPLATE.replacen(SPEC_MARKER, &json, 1)
}

/// The Content-Security-Policy the page declares in its `<meta>`.
fn page_policy(html: &str) -> Option<&str> {
    let start = html.find(r#"<meta http-equiv="Content-Security-Policy" content=""#)?;
    let rest = &html[start..];
    let rest = &rest[rest.find("content=\"")? + "content=\"".len()..];
    Some(&rest[..rest.find('"')?])
}

impl Document {
    fn new(body: Vec<u8>, content_type: &'static str, policy: Option<String>) -> Self {
        let etag = HeaderValue::from_str(&format!("\"{:016x}\"", fnv1a(&body))).expect("hex is a header value");
        let policy = policy.map(|policy| HeaderValue::from_str(&policy).expect("the policy is a header value"));
        Document { body: Bytes::from(body), content_type, etag, policy }
    }

    fn answer(&self, request: &HeaderMap) -> Response {
        let fresh = request.get(IF_NONE_MATCH).and_then(|value| value.to_str().ok()).is_some_and(|tags| {
            tags.split(',').map(str::trim).any(|tag| tag == "*" || tag.trim_start_matches("W/") == self.etag)
        });
        let mut response = if fresh {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            Body::from(self.body.clone()).into_response()
        };
        let headers = response.headers_mut();
        if !fresh {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(self.content_type));
        }
        headers.insert(ETAG, self.etag.clone());
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        headers.insert(HeaderName::from_static("x-content-type-options"), HeaderValue::from_static("nosniff"));
        headers.insert(HeaderName::from_static("referrer-policy"), HeaderValue::from_static("no-referrer"));
        if let Some(policy) = &self.policy {
            headers.insert(CONTENT_SECURITY_POLICY, policy.clone());
        }
        response
    }
}

/// FNV-1a, 64 bits: the documents' ETag (they change only with a new build).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3))
}

/// The answer for `/docs` and `/openapi.yaml`; `None` for every other path.
fn answer(request: &Request) -> Option<Response> {
    let document = match request.uri().path() {
        DOCS_PATH => &*PAGE,
        SPEC_PATH => &*SPEC,
        _ => return None,
    };
    Some(match *request.method() {
        Method::GET | Method::HEAD => document.answer(request.headers()),
        _ => ApiError::MethodNotAllowed { method: request.method().to_string(), allow: "GET, HEAD" }.into_response(),
    })
}

/// `app` with `/docs` and `/openapi.yaml` in front of it (and of its key check).
pub fn with_docs(app: App) -> App {
    BoxCloneSyncService::new(tower::service_fn(move |request: Request| {
        let app = app.clone();
        async move {
            match answer(&request) {
                Some(response) => Ok::<_, Infallible>(response),
                None => app.oneshot(request).await,
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::header::ALLOW;

    fn request(method: Method, path: &str) -> Request {
        Request::builder().method(method).uri(path).body(Body::empty()).unwrap()
    }

    /// Stands for the app behind: answers 418 so that passing through shows.
    fn teapot() -> App {
        BoxCloneSyncService::new(tower::service_fn(|_request: Request| async {
            Ok::<_, Infallible>(StatusCode::IM_A_TEAPOT.into_response())
        }))
    }

    async fn body(response: Response) -> Bytes {
        axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap()
    }

    #[test]
    fn the_template_takes_the_spec_once_and_the_page_holds_it_as_data() {
        assert_eq!(TEMPLATE.matches(SPEC_MARKER).count(), 1);
        let html = page();
        assert!(!html.contains(SPEC_MARKER));
        let start = html.find(r#"<script id="openapi-yaml" type="application/json">"#).unwrap();
        let data = &html[start..];
        let data = &data[data.find('>').unwrap() + 1..data.find("</script>").unwrap()];
        assert!(!data.contains('<'));
        let yaml: String = serde_json::from_str(data).unwrap();
        assert_eq!(yaml, OPENAPI_YAML);
    }

    #[test]
    fn the_page_loads_nothing_from_elsewhere() {
        let policy = page_policy(TEMPLATE).unwrap();
        assert!(policy.starts_with("default-src 'none'; script-src 'sha256-"), "{policy}");
        assert!(!policy.contains("unsafe"), "{policy}");
        assert!(!policy.contains("https:"), "{policy}");
        for remote in ["<script src", "<link rel=\"stylesheet\"", "@import", "sourceMappingURL="] {
            assert!(!TEMPLATE.contains(remote), "{remote}");
        }
    }

    #[tokio::test]
    async fn docs_and_the_spec_are_answered_and_everything_else_passes_through() {
        let app = with_docs(teapot());
        let response = app.clone().oneshot(request(Method::GET, "/docs")).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[CONTENT_TYPE], "text/html; charset=utf-8");
        assert!(response.headers()[CONTENT_SECURITY_POLICY].to_str().unwrap().ends_with("; frame-ancestors 'none'"));
        assert_eq!(body(response).await, page().as_bytes());

        let response = app.clone().oneshot(request(Method::GET, "/openapi.yaml")).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[CONTENT_TYPE], "application/yaml; charset=utf-8");
        assert_eq!(body(response).await, OPENAPI_YAML.as_bytes());

        for path in ["/docs/", "/Docs", "/v3/docs", "/openapi.json", "/v3/agents/8", "/"] {
            let response = app.clone().oneshot(request(Method::GET, path)).await.unwrap();
            assert_eq!(response.status(), StatusCode::IM_A_TEAPOT, "{path}");
        }
    }

    #[tokio::test]
    async fn other_methods_are_405_and_a_known_etag_304() {
        let app = with_docs(teapot());
        let response = app.clone().oneshot(request(Method::POST, "/docs")).await.unwrap();
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(response.headers()[ALLOW], "GET, HEAD");

        let response = app.clone().oneshot(request(Method::GET, "/openapi.yaml")).await.unwrap();
        let etag = response.headers()[ETAG].clone();
        let mut conditional = request(Method::GET, "/openapi.yaml");
        conditional.headers_mut().insert(IF_NONE_MATCH, etag.clone());
        let response = app.oneshot(conditional).await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(response.headers()[ETAG], etag);
        assert!(body(response).await.is_empty());
    }
}
