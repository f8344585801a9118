//! JSON responses, including `Status` objects for errors.

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use serde::Serialize;
use serde_json::{json, Value};

use crate::demo::error::ApiError;
use crate::demo::resources::ResourceDef;

pub fn json<T: Serialize + ?Sized>(code: u16, body: &T) -> Response {
    let bytes = match serde_json::to_vec(body) {
        Ok(b) => b,
        Err(e) => {
            return error(&ApiError::internal(format!("cannot encode response: {e}")));
        }
    };
    let mut resp = Response::new(Body::from(bytes));
    *resp.status_mut() = StatusCode::from_u16(code).unwrap_or(StatusCode::OK);
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

pub fn error(e: &ApiError) -> Response {
    let status = e.to_status();
    let bytes = serde_json::to_vec(&status).unwrap_or_default();
    let mut resp = Response::new(Body::from(bytes));
    *resp.status_mut() = StatusCode::from_u16(e.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// The `Status` a successful delete of a kind that does not return the
/// deleted object answers with.
pub fn deleted(res: &ResourceDef, name: &str, uid: &str) -> Value {
    json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": {"name": name, "group": res.group, "kind": res.plural, "uid": uid},
    })
}

/// Adds `Warning: 299 - "..."` headers (RFC 7234), which kubectl prints as
/// `Warning: ...` lines.
pub fn with_warnings(
    mut resp: Response,
    warnings: &crate::demo::registry::fields::Warnings,
) -> Response {
    for w in warnings.take() {
        let text = format!("299 - {}", serde_json::Value::String(w));
        if let Ok(v) = HeaderValue::from_str(&text) {
            resp.headers_mut().append(header::WARNING, v);
        }
    }
    resp
}
