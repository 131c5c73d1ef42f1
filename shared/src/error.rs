//! The one error type of the API. Each variant maps to a status of CONTRACT section 6 and
//! renders as problem+json (RFC 9457). What a caller sees is [`ApiError::detail`]; the
//! underlying cause (SQL, driver text, I/O) is only ever logged, never returned.

use axum::http::StatusCode;
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Malformed id or body; the detail names the field and the rule.
    #[error("{0}")]
    BadRequest(String),
    /// Well-formed id with no row, or a path no route serves.
    #[error("{0}")]
    NotFound(String),
    #[error("method {method} is not allowed; use {allow}")]
    MethodNotAllowed { method: String, allow: &'static str },
    #[error("the request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// Request line and headers past the limit (`serve` only: API Gateway's own is lower).
    #[error("the request's headers are larger than {limit} bytes")]
    HeadersTooLarge { limit: usize },
    #[error("content type '{0}' is not supported; send application/json")]
    UnsupportedMediaType(String),
    /// No database connection could be had: unreachable, pool exhausted, authentication
    /// refused, or (SQLite) locked for longer than the busy timeout. The reason is logged.
    #[error("database unavailable ({reason})")]
    Unavailable {
        reason: &'static str,
        #[source]
        source: sqlx::Error,
    },
    /// The body did not arrive in time (`serve`'s body deadline, [`BodyDeadline`]).
    #[error("the request body did not arrive within {seconds} s")]
    RequestTimeout { seconds: u64 },
    /// No API key (`serve`; in AWS the gateway answers this itself).
    #[error("an API key is required: send it in the x-api-key header (or Authorization: Bearer)")]
    Unauthorized,
    /// A key that is unknown, revoked, expired, or whose scopes do not cover the route: one
    /// answer for all four, so a caller learns nothing about which (`serve`; the gateway's 403).
    #[error("the API key is not valid for this route")]
    Forbidden,
    /// The key list could not be read (`serve`): nothing is allowed until it can be.
    #[error("the API keys cannot be read; retry later")]
    KeysUnavailable,
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// The error a request body yields when `serve`'s deadline for it passes; the body reader
/// answers it with 408 ([`ApiError::RequestTimeout`]).
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("the request body did not arrive within {} s", .0.as_secs())]
pub struct BodyDeadline(pub std::time::Duration);

impl BodyDeadline {
    /// The deadline behind a body error, if that is what it is.
    pub fn find(error: &(dyn std::error::Error + 'static)) -> Option<BodyDeadline> {
        let mut cause = Some(error);
        while let Some(error) = cause {
            if let Some(deadline) = error.downcast_ref::<BodyDeadline>() {
                return Some(*deadline);
            }
            cause = error.source();
        }
        None
    }
}

/// Seconds a caller should wait before retrying a 503.
pub const RETRY_AFTER_SECONDS: &str = "1";

/// The problem+json body. Field order is the wire order.
#[derive(Debug, Serialize)]
pub struct Problem<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: &'static str,
    pub status: u16,
    pub detail: &'a str,
}

impl ApiError {
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::BadRequest(detail.into())
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::NotFound(detail.into())
    }

    pub fn internal(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Internal(error.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::HeadersTooLarge { .. } => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            Self::Unavailable { .. } | Self::KeysUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::RequestTimeout { .. } => StatusCode::REQUEST_TIMEOUT,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The text a caller may see: never a cause's own message.
    pub fn detail(&self) -> String {
        match self {
            Self::Unavailable { .. } => "the database is unavailable; retry later".to_owned(),
            Self::Internal(_) => {
                "an internal error occurred; it has been logged with this request's x-request-id".to_owned()
            }
            other => other.to_string(),
        }
    }

    /// The problem+json body for this error.
    pub fn to_problem_json(&self) -> Vec<u8> {
        let status = self.status();
        let detail = self.detail();
        let problem = Problem {
            kind: "about:blank",
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail: &detail,
        };
        serde_json::to_vec(&problem).expect("a problem of strings and integers always serializes")
    }

    /// Logs the error with its cause, at a level that matches who is at fault. Called once
    /// per failed request, inside the request's span (so the line carries its request id).
    pub fn log(&self) {
        match self {
            Self::Unavailable { reason, source } => {
                tracing::warn!(reason = *reason, cause = %source, "database unavailable: answered 503")
            }
            Self::Internal(cause) => {
                tracing::error!(cause = %cause, cause_debug = ?cause, "internal error: answered 500")
            }
            client_error => tracing::info!(detail = %client_error, "request refused"),
        }
    }
}

/// The POST's upsert names one stored row twice: two keys the validation told apart (it
/// compares exactly) that the database's collation takes for one. MitACD in Babelfish compares
/// `NombreParametro` ignoring case, as SQL Server does, so `Caso` and `caso` are one slot.
const ONE_ROW_TWICE: &str = "the batch names one stored parameter twice: keys that differ only in case are one key \
                             in this database (it compares them ignoring case); send each key once";

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        // cardinality_violation: only the upsert can raise it ("ON CONFLICT DO UPDATE command
        // cannot affect row a second time"), and only for what the request holds.
        if let sqlx::Error::Database(db) = &error
            && db.code().as_deref() == Some("21000")
        {
            tracing::info!(cause = %error, "batch refused by the database's key comparison");
            return Self::BadRequest(ONE_ROW_TWICE.to_owned());
        }
        match crate::db::unavailable_reason(&error) {
            Some(reason) => Self::Unavailable { reason, source: error },
            None => Self::Internal(Box::new(error)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(error: &ApiError) -> serde_json::Value {
        serde_json::from_slice(&error.to_problem_json()).unwrap()
    }

    #[test]
    fn problem_json_keys_come_in_rfc_order() {
        let text = String::from_utf8(ApiError::not_found("no agent with id 9").to_problem_json()).unwrap();
        assert_eq!(text, r#"{"type":"about:blank","title":"Not Found","status":404,"detail":"no agent with id 9"}"#);
    }

    #[test]
    fn each_error_maps_to_its_contract_status() {
        let cases = [
            (ApiError::bad_request("x"), 400),
            (ApiError::not_found("x"), 404),
            (ApiError::MethodNotAllowed { method: "PUT".into(), allow: "GET" }, 405),
            (ApiError::PayloadTooLarge { limit: 1 }, 413),
            (ApiError::UnsupportedMediaType("text/plain".into()), 415),
            (ApiError::from(sqlx::Error::PoolTimedOut), 503),
            (ApiError::RequestTimeout { seconds: 10 }, 408),
            (ApiError::Unauthorized, 401),
            (ApiError::Forbidden, 403),
            (ApiError::KeysUnavailable, 503),
            (ApiError::from(sqlx::Error::RowNotFound), 500),
        ];
        for (error, status) in cases {
            assert_eq!(error.status().as_u16(), status, "{error:?}");
            assert_eq!(problem(&error)["status"], status);
        }
    }

    #[test]
    fn io_failure_is_unavailable() {
        let error = ApiError::from(sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionReset)));
        assert_eq!(error.status(), StatusCode::SERVICE_UNAVAILABLE);
    }

    #[test]
    fn internal_error_detail_carries_no_cause_text() {
        let error = ApiError::from(sqlx::Error::Protocol("SELECT secret FROM \"Agentes\" password=hunter2".into()));
        let body = String::from_utf8(error.to_problem_json()).unwrap();
        assert_eq!(error.status(), StatusCode::INTERNAL_SERVER_ERROR);
        for leak in ["SELECT", "Agentes", "hunter2", "Protocol"] {
            assert!(!body.contains(leak), "{body}");
        }
    }

    #[test]
    fn unavailable_detail_carries_no_cause_text() {
        let error = ApiError::from(sqlx::Error::Io(std::io::Error::other("connect to 10.0.0.1:5432 user=admin")));
        let body = String::from_utf8(error.to_problem_json()).unwrap();
        assert!(!body.contains("10.0.0.1") && !body.contains("admin"), "{body}");
    }

    #[test]
    fn missing_database_credentials_are_unavailable_and_not_described() {
        let cause = crate::credentials::CredentialError::SecretUnreadable(crate::aws::StoreError::Read(
            "GetSecretValue: AccessDeniedException arn:aws:secretsmanager:us-east-1:123:secret:db".into(),
        ));
        let error = ApiError::from(sqlx::Error::Configuration(Box::new(cause)));
        assert_eq!(error.status(), StatusCode::SERVICE_UNAVAILABLE);
        let body = String::from_utf8(error.to_problem_json()).unwrap();
        assert!(!body.contains("secret") && !body.contains("arn:"), "{body}");
        // Any other configuration error is a defect of ours, not an outage.
        let other = ApiError::from(sqlx::Error::Configuration("bad option".into()));
        assert_eq!(other.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
