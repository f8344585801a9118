//! `/apis/events.k8s.io/v1/...`: the events.k8s.io view of the core event
//! store. Requests are rewritten to the core `/api/v1/...` path (field
//! selector labels and bodies converted, see `demo::event_view`), served by
//! the ordinary resource handler, and the answers converted back, watches
//! line by line. Patches are applied to the events.k8s.io shape, then
//! stored with an optimistic-concurrency update, as the API server does.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use futures::StreamExt;
use serde_json::{json, Value};

use super::{routes, ServerState};
use crate::demo::api::status;
use crate::demo::error::ApiError;
use crate::demo::event_view;
use crate::demo::meta;
use crate::demo::patch::{self, PatchType};
use crate::demo::registry::fields::{self, FieldValidation, Warnings};
use crate::demo::resources::EVENTS_V1;

const PREFIX: &str = "/apis/events.k8s.io/v1/";
const MAX_BODY: usize = 3 * 1024 * 1024;
/// Optimistic-concurrency retries of a patch, like `GuaranteedUpdate`.
const PATCH_ATTEMPTS: usize = 5;

/// `[watch/]events`, `[watch/]namespaces/{ns}/events[/{name}]`.
fn is_resource_path(rest: &str) -> bool {
    let segs: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let segs = match segs.as_slice() {
        ["watch", tail @ ..] => tail,
        all => all,
    };
    matches!(
        segs,
        ["events"] | ["namespaces", _, "events"] | ["namespaces", _, "events", _]
    )
}

fn core_uri(uri: &Uri) -> Result<Uri, ApiError> {
    let rest = uri.path().strip_prefix(PREFIX).unwrap_or("");
    let mut pairs: Vec<(String, String)> = match uri.query() {
        Some(q) => axum::extract::Query::<Vec<(String, String)>>::try_from_uri(uri)
            .map(|q| q.0)
            .map_err(|e| ApiError::bad_request(format!("invalid query string {q:?}: {e}")))?,
        None => Vec::new(),
    };
    for (k, v) in &mut pairs {
        if k == "fieldSelector" {
            *v = event_view::field_selector(v)?;
        }
    }
    let query = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let text = if query.is_empty() {
        format!("/api/v1/{rest}")
    } else {
        format!("/api/v1/{rest}?{query}")
    };
    text.parse()
        .map_err(|e| ApiError::bad_request(format!("invalid request path: {e}")))
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn error(e: ApiError) -> Response {
    status::error(&event_view::rename_error(e))
}

pub async fn handle(State(state): State<Arc<ServerState>>, req: Request) -> Response {
    let rest = req.uri().path().strip_prefix(PREFIX).unwrap_or("");
    if !is_resource_path(rest) {
        return routes::handle(State(state), req).await;
    }
    match serve(state, req).await {
        Ok(resp) => resp,
        Err(e) => error(e),
    }
}

async fn serve(state: Arc<ServerState>, req: Request) -> Result<Response, ApiError> {
    let (mut parts, body) = req.into_parts();
    let is_watch = parts.uri.path().starts_with(&format!("{PREFIX}watch/"))
        || parts
            .uri
            .query()
            .is_some_and(|q| q.split('&').any(|kv| kv == "watch=true" || kv == "watch=1"));
    parts.uri = core_uri(&parts.uri)?;
    let body = axum::body::to_bytes(body, MAX_BODY)
        .await
        .map_err(|_| ApiError::too_large("the request body is too large"))?;
    let warnings = Warnings::default();
    let body = match parts.method {
        Method::POST | Method::PUT => {
            let mut view: Value = serde_json::from_slice(&body).map_err(|e| {
                ApiError::bad_request(format!("couldn't get version/kind; json parse error: {e}"))
            })?;
            // Unknown fields are judged in this group's shape: the
            // conversion below keeps only the fields it knows.
            fields::check(
                &EVENTS_V1,
                &mut view,
                validation(&parts.uri)?,
                &warnings,
                false,
            )?;
            if parts.method == Method::POST {
                event_view::validate_create(&view)?;
            }
            Bytes::from(serde_json::to_vec(&event_view::from_v1(&view)?).unwrap_or_default())
        }
        Method::PATCH => return patch(state, parts, body).await,
        _ => body,
    };
    if parts.method == Method::POST || parts.method == Method::PUT {
        parts.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        parts.headers.remove(header::CONTENT_LENGTH);
    }
    let resp = routes::handle(State(state), Request::from_parts(parts, Body::from(body))).await;
    let resp = convert_response(resp, is_watch).await;
    Ok(status::with_warnings(resp, &warnings))
}

fn validation(uri: &Uri) -> Result<FieldValidation, ApiError> {
    let value = uri.query().and_then(|q| {
        q.split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == "fieldValidation")
            .map(|(_, v)| v)
    });
    FieldValidation::parse(value)
}

/// Runs one request against the core handler and reads its JSON answer.
async fn call(
    state: &Arc<ServerState>,
    template: &axum::http::request::Parts,
    method: Method,
    uri: Uri,
    body: Option<Value>,
) -> Result<Value, ApiError> {
    let mut req = Request::new(match &body {
        Some(v) => Body::from(serde_json::to_vec(v).unwrap_or_default()),
        None => Body::empty(),
    });
    *req.method_mut() = method;
    *req.uri_mut() = uri;
    *req.extensions_mut() = template.extensions.clone();
    req.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    req.headers_mut()
        .insert(header::ACCEPT, HeaderValue::from_static("application/json"));
    let resp = routes::handle(State(state.clone()), req).await;
    let code = resp.status().as_u16();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .map_err(|e| ApiError::internal(format!("reading an internal response: {e}")))?;
    let value: Value = serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::internal(format!("decoding an internal response: {e}")))?;
    if code >= 400 {
        return Err(status_to_error(code, &value));
    }
    Ok(value)
}

fn status_to_error(code: u16, status: &Value) -> ApiError {
    let reason = match meta::str_at(status, &["reason"]).unwrap_or("") {
        "NotFound" => "NotFound",
        "Conflict" => "Conflict",
        "Invalid" => "Invalid",
        "Forbidden" => "Forbidden",
        "AlreadyExists" => "AlreadyExists",
        "UnsupportedMediaType" => "UnsupportedMediaType",
        "Expired" => "Expired",
        _ if code >= 500 => "InternalError",
        _ => "BadRequest",
    };
    ApiError {
        code,
        reason,
        message: meta::str_at(status, &["message"]).unwrap_or("").to_string(),
        details: status.get("details").cloned(),
    }
}

async fn patch(
    state: Arc<ServerState>,
    parts: axum::http::request::Parts,
    body: Bytes,
) -> Result<Response, ApiError> {
    let ct = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let patch_type =
        PatchType::from_content_type(ct).ok_or_else(|| ApiError::unsupported_media_type(ct))?;
    let doc = patch::parse_body(&body)?;
    let object_uri: Uri = parts
        .uri
        .path()
        .parse()
        .map_err(|e| ApiError::bad_request(format!("invalid request path: {e}")))?;
    let mut last = None;
    for _ in 0..PATCH_ATTEMPTS {
        let current = call(&state, &parts, Method::GET, object_uri.clone(), None).await?;
        let view = event_view::to_v1(&current);
        let mut patched = patch::apply(patch_type, &view, &doc)?;
        let warnings = Warnings::default();
        fields::check(
            &EVENTS_V1,
            &mut patched,
            validation(&parts.uri)?,
            &warnings,
            true,
        )?;
        let rv = meta::resource_version(&current).to_string();
        // A patch that names no resourceVersion must not lose a concurrent
        // update: pin the one it was applied to.
        if meta::resource_version(&patched).is_empty() {
            meta::set(&mut patched, &["metadata", "resourceVersion"], json!(rv));
        }
        let core = event_view::from_v1(&patched)?;
        match call(&state, &parts, Method::PUT, parts.uri.clone(), Some(core)).await {
            Ok(stored) => {
                let resp = status::json(200, &event_view::to_v1(&stored));
                return Ok(status::with_warnings(resp, &warnings));
            }
            // Retry only when our own pin lost the race.
            Err(e) if e.code == 409 && !names_version(&doc) => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| ApiError::internal("patch did not converge")))
}

/// Whether the patch carries its own `metadata.resourceVersion` precondition.
fn names_version(doc: &Value) -> bool {
    meta::str_at(doc, &["metadata", "resourceVersion"]).is_some_and(|rv| !rv.is_empty())
}

fn convert_value(v: &mut Value) {
    match meta::str_at(v, &["kind"]).unwrap_or("") {
        "Event" if meta::str_at(v, &["apiVersion"]) == Some("v1") => *v = event_view::to_v1(v),
        "EventList" => {
            v["apiVersion"] = json!("events.k8s.io/v1");
            if let Some(items) = v.get_mut("items").and_then(Value::as_array_mut) {
                for item in items {
                    let mut converted = event_view::to_v1(item);
                    if let Some(m) = converted.as_object_mut() {
                        m.remove("kind");
                        m.remove("apiVersion");
                    }
                    *item = converted;
                }
            }
        }
        "Table" => {
            if let Some(rows) = v.get_mut("rows").and_then(Value::as_array_mut) {
                for row in rows {
                    if let Some(obj) = row.get_mut("object") {
                        if meta::str_at(obj, &["kind"]) == Some("Event") {
                            *obj = event_view::to_v1(obj);
                        }
                    }
                }
            }
        }
        "Status" => {
            let e = event_view::rename_error(ApiError {
                code: 0,
                reason: "",
                message: meta::str_at(v, &["message"]).unwrap_or("").to_string(),
                details: v.get("details").cloned(),
            });
            if v.get("message").is_some() {
                v["message"] = json!(e.message);
            }
            if let Some(d) = e.details {
                v["details"] = d;
            }
        }
        _ => {}
    }
}

/// One watch line (`{"type":..,"object":..}`) in the events.k8s.io shape.
fn convert_watch_line(line: &[u8]) -> Vec<u8> {
    let Ok(mut ev) = serde_json::from_slice::<Value>(line) else {
        return line.to_vec();
    };
    if let Some(obj) = ev.get_mut("object") {
        if ev_is_bookmark(obj) {
            obj["apiVersion"] = json!("events.k8s.io/v1");
        } else {
            convert_value(obj);
        }
    }
    let mut out = serde_json::to_vec(&ev).unwrap_or_default();
    out.push(b'\n');
    out
}

fn ev_is_bookmark(obj: &Value) -> bool {
    meta::str_at(obj, &["kind"]) == Some("Event") && obj.get("involvedObject").is_none()
}

async fn convert_response(resp: Response, is_watch: bool) -> Response {
    let (mut parts, body) = resp.into_parts();
    let streaming = is_watch && parts.status == StatusCode::OK;
    parts.headers.remove(header::CONTENT_LENGTH);
    if streaming {
        // Watch events arrive one complete line per chunk, but split on
        // newlines anyway so a coalesced chunk cannot corrupt the stream.
        let mut pending: Vec<u8> = Vec::new();
        let stream = body.into_data_stream().map(move |chunk| {
            let chunk = chunk?;
            pending.extend_from_slice(&chunk);
            let mut out = Vec::new();
            while let Some(i) = pending.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = pending.drain(..=i).collect();
                out.extend(convert_watch_line(&line[..line.len() - 1]));
            }
            Ok::<_, axum::Error>(Bytes::from(out))
        });
        return Response::from_parts(parts, Body::from_stream(stream));
    }
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return error(ApiError::internal("reading an internal response failed"));
    };
    let Ok(mut v) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    convert_value(&mut v);
    Response::from_parts(
        parts,
        Body::from(serde_json::to_vec(&v).unwrap_or_default()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_event_resource_paths_are_rewritten() {
        assert!(is_resource_path("events"));
        assert!(is_resource_path("watch/namespaces/shop/events"));
        assert!(is_resource_path("namespaces/shop/events/e1"));
        assert!(!is_resource_path(""));
        assert!(!is_resource_path("namespaces/shop/pods"));
        let uri: Uri = "/apis/events.k8s.io/v1/namespaces/shop/events?fieldSelector=regarding.name%3Dweb&limit=5"
            .parse()
            .unwrap();
        let core = core_uri(&uri).unwrap();
        assert_eq!(core.path(), "/api/v1/namespaces/shop/events");
        assert_eq!(
            core.query(),
            Some("fieldSelector=involvedObject.name%3Dweb&limit=5")
        );
        let bad: Uri = "/apis/events.k8s.io/v1/events?fieldSelector=involvedObject.name%3Dweb"
            .parse()
            .unwrap();
        assert_eq!(core_uri(&bad).unwrap_err().code, 400);
    }

    #[test]
    fn watch_lines_and_lists_convert() {
        let line = br#"{"type":"ADDED","object":{"kind":"Event","apiVersion":"v1","metadata":{"name":"e"},"involvedObject":{"name":"p"},"message":"m","count":2}}"#;
        let out: Value = serde_json::from_slice(&convert_watch_line(line)).unwrap();
        assert_eq!(out["object"]["regarding"]["name"], "p");
        assert_eq!(out["object"]["note"], "m");
        let bookmark = br#"{"type":"BOOKMARK","object":{"kind":"Event","apiVersion":"v1","metadata":{"resourceVersion":"5"}}}"#;
        let out: Value = serde_json::from_slice(&convert_watch_line(bookmark)).unwrap();
        assert_eq!(out["object"]["apiVersion"], "events.k8s.io/v1");
        assert!(out["object"].get("eventTime").is_none());
        let mut list = json!({"kind": "EventList", "apiVersion": "v1", "items": [{"metadata": {"name": "e"}, "message": "m"}]});
        convert_value(&mut list);
        assert_eq!(list["apiVersion"], "events.k8s.io/v1");
        assert_eq!(list["items"][0]["note"], "m");
        assert!(list["items"][0].get("kind").is_none());
    }
}
