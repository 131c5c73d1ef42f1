//! The migrate function's logic: tell a CloudFormation custom-resource event from a manual
//! invocation, migrate, and (for CloudFormation) PUT the outcome to the event's ResponseURL.

use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use shared::layout::Layout;
use shared::store::Store;

/// The custom resource's id: one resource, whatever the stack, so updates never replace it.
pub const PHYSICAL_RESOURCE_ID: &str = "v3-database-migrations";
/// CloudFormation shows the reason to the operator; the response must stay under 4 KB.
const MAX_REASON_CHARS: usize = 1000;

/// The fields of a CloudFormation custom-resource request that the answer needs.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CustomResourceRequest {
    pub request_type: String,
    #[serde(rename = "ResponseURL")]
    pub response_url: String,
    pub stack_id: String,
    pub request_id: String,
    pub logical_resource_id: String,
}

/// The answer CloudFormation expects at the ResponseURL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CustomResourceResponse {
    pub status: String,
    pub reason: String,
    pub physical_resource_id: String,
    pub stack_id: String,
    pub request_id: String,
    pub logical_resource_id: String,
    pub no_echo: bool,
    pub data: Value,
}

/// What a migration run did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Migrated {
    /// Our layout: the migrations ran, and the schema is at this version.
    Applied { engine: &'static str, schema_version: i64 },
    /// A layout whose schema is MitACD's own (Babelfish): nothing was touched.
    NotOurs { layout: &'static str, migrated: bool, reason: &'static str },
}

/// Why nothing is migrated in a layout that is not ours.
pub const NOT_OURS: &str = "the schema is MitACD's own, kept by the contact center: nothing is migrated or created";

impl std::fmt::Display for Migrated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Applied { engine, schema_version } => write!(f, "{engine} schema at version {schema_version}"),
            Self::NotOurs { layout, reason, .. } => write!(f, "DB_LAYOUT={layout}: {reason}"),
        }
    }
}

/// Migrates the database `open` returns (opening it only when there is work to do), unless
/// its layout is not ours to migrate.
pub async fn migrate(open: impl FnOnce() -> Result<Store, String>) -> Result<Migrated, String> {
    let store = open()?;
    let db = store.db();
    if *store.layout() != Layout::MitAcd {
        db.close().await;
        return Ok(Migrated::NotOurs { layout: store.layout().name(), migrated: false, reason: NOT_OURS });
    }
    let outcome = async {
        db.migrate().await.map_err(|error| format!("migration failed: {error}"))?;
        let schema_version =
            db.schema_version().await.map_err(|error| format!("reading the schema version: {error}"))?;
        Ok(Migrated::Applied { engine: db.engine(), schema_version })
    }
    .await;
    db.close().await;
    outcome
}

/// Where an answer to CloudFormation may go. CloudFormation's ResponseURL is a presigned S3
/// URL: https, on an AWS host. Anything else an event names is refused and never fetched,
/// so whoever may invoke the function cannot make it send a request where they choose.
#[derive(Debug, Clone, Copy)]
pub struct ResponseUrlRule {
    pub schemes: &'static [&'static str],
    /// The host must be one of these or end with one (`.amazonaws.com`).
    pub hosts: &'static [&'static str],
}

/// The rule the deployed function applies: https to `*.amazonaws.com` (`*.amazonaws.com.cn`
/// in the China regions), the default port.
pub const AWS_RESPONSE_URLS: ResponseUrlRule =
    ResponseUrlRule { schemes: &["https"], hosts: &[".amazonaws.com", ".amazonaws.com.cn"] };

impl ResponseUrlRule {
    pub fn check(&self, url: &str) -> Result<(), String> {
        let refused = |why: &str| Err(format!("ResponseURL refused ({why}): nothing was sent"));
        let Ok(uri) = url.parse::<hyper::Uri>() else { return refused("not a URL") };
        if !uri.scheme_str().is_some_and(|scheme| self.schemes.contains(&scheme)) {
            return refused(&format!("the scheme must be {}", self.schemes.join(" or ")));
        }
        let Some(authority) = uri.authority() else { return refused("no host") };
        let https_elsewhere = uri.scheme_str() == Some("https") && authority.port_u16().is_some_and(|port| port != 443);
        if authority.as_str().contains('@') || https_elsewhere {
            return refused("credentials or a port in the URL");
        }
        let host = authority.host().to_ascii_lowercase();
        if !self.hosts.iter().any(|allowed| host == allowed.trim_start_matches('.') || host.ends_with(allowed)) {
            return refused(&format!("the host must be {}", self.hosts.join(" or ")));
        }
        Ok(())
    }
}

/// Handles one invocation. A CloudFormation event is answered at its ResponseURL (SUCCESS or
/// FAILED) when `response_urls` allows it, and fails the invocation unanswered otherwise; a
/// Delete migrates nothing. Any other event migrates and returns what it did, or fails the
/// invocation.
pub async fn handle(
    event: Value,
    open: impl FnOnce() -> Result<Store, String>,
    response_urls: ResponseUrlRule,
) -> Result<Value, lambda_runtime::Error> {
    if event.get("RequestType").is_none() {
        let migrated = migrate(open).await?;
        tracing::info!(outcome = %migrated, "migrate (invoked by hand)");
        return Ok(json!(migrated));
    }
    let request: CustomResourceRequest = serde_json::from_value(event)?;
    if let Err(refused) = response_urls.check(&request.response_url) {
        tracing::error!(request_type = %request.request_type, "{refused}");
        return Err(refused.into());
    }
    let outcome = match request.request_type.as_str() {
        "Delete" => Ok(None),
        _ => migrate(open).await.map(Some),
    };
    let response = answer(&request, outcome);
    tracing::info!(request_type = %request.request_type, status = %response.status, reason = %response.reason, "custom resource");
    put_response(&request.response_url, &response).await?;
    Ok(json!({ "Status": response.status }))
}

/// The response document for `request` given what happened.
pub fn answer(request: &CustomResourceRequest, outcome: Result<Option<Migrated>, String>) -> CustomResourceResponse {
    let (status, reason, data) = match outcome {
        Ok(Some(migrated @ Migrated::Applied { schema_version, .. })) => {
            ("SUCCESS", migrated.to_string(), json!({ "SchemaVersion": schema_version.to_string() }))
        }
        // A stack over MitACD's own schema still deploys: there is nothing for it to do.
        Ok(Some(migrated @ Migrated::NotOurs { .. })) => ("SUCCESS", migrated.to_string(), json!({})),
        Ok(None) => ("SUCCESS", "nothing to do on delete: the schema is kept".to_owned(), json!({})),
        Err(error) => ("FAILED", error.chars().take(MAX_REASON_CHARS).collect(), json!({})),
    };
    CustomResourceResponse {
        status: status.to_owned(),
        reason,
        physical_resource_id: PHYSICAL_RESOURCE_ID.to_owned(),
        stack_id: request.stack_id.clone(),
        request_id: request.request_id.clone(),
        logical_resource_id: request.logical_resource_id.clone(),
        no_echo: false,
        data,
    }
}

/// PUTs the response to the presigned URL (checked by [`ResponseUrlRule`] first).
/// The URL is signed without a content type, so none is sent.
pub async fn put_response(url: &str, response: &CustomResourceResponse) -> Result<(), lambda_runtime::Error> {
    let connector =
        hyper_rustls::HttpsConnectorBuilder::new().with_native_roots()?.https_or_http().enable_http1().build();
    let client: Client<_, Full<bytes::Bytes>> = Client::builder(TokioExecutor::new()).build(connector);
    let body = serde_json::to_vec(response)?;
    let request = hyper::Request::put(url)
        .header(hyper::header::CONTENT_TYPE, "")
        .header(hyper::header::CONTENT_LENGTH, body.len())
        .body(Full::new(bytes::Bytes::from(body)))?;
    let reply = client.request(request).await?;
    let status = reply.status();
    let _ = reply.into_body().collect().await;
    if !status.is_success() {
        return Err(format!("CloudFormation's ResponseURL answered {status}").into());
    }
    Ok(())
}
