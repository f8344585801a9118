//! The resource handler: one entry point for every `/api` and `/apis` path,
//! dispatching on the parsed target and the HTTP verb like the API server's
//! request-info resolver. Every failure becomes a `Status`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method};
use axum::response::Response;
use serde::Serialize;
use serde_json::{json, Value};

use super::table::{self, IncludeObject, TableOptions};
use super::watch::{self, WatchContext, WatchRequest};
use super::{discovery, logs, metrics, protobuf, ServerState};
use crate::demo::api::access::Attributes;
use crate::demo::api::request::{self, flag, Output, Route, Target};
use crate::demo::api::review;
use crate::demo::api::status;
use crate::demo::api::user::User;
use crate::demo::error::ApiError;
use crate::demo::meta;
use crate::demo::patch::PatchType;
use crate::demo::registry::fields::FieldValidation;
use crate::demo::registry::{DeleteOptions, Deleted, Part, Propagation, WriteOptions};
use crate::demo::resources::ResourceDef;
use crate::demo::selectors::{FieldSelector, LabelSelector};

/// Bodies above this are refused, like the API server's 3 MiB limit.
const MAX_BODY: usize = 3 * 1024 * 1024;
/// Default watch duration when the client gives no `timeoutSeconds`.
const DEFAULT_WATCH_TIMEOUT: Duration = Duration::from_secs(1800);

type Query = HashMap<String, String>;

pub async fn handle(State(state): State<Arc<ServerState>>, req: Request) -> Response {
    match dispatch(&state, req).await {
        Ok(resp) => resp,
        Err(e) => status::error(&e),
    }
}

async fn dispatch(state: &Arc<ServerState>, req: Request) -> Result<Response, ApiError> {
    let (parts, body) = req.into_parts();
    let q = request::query(&parts.uri)?;
    let route = request::parse_path(parts.uri.path())?;
    let target = match route {
        Route::ResourceList { group, version } => {
            only_get(&parts.method)?;
            return Ok(status::json(
                200,
                &discovery::resource_list(&group, &version)?,
            ));
        }
        Route::Group(group) => {
            only_get(&parts.method)?;
            return Ok(status::json(200, &discovery::api_group(&group)?));
        }
        Route::Resource(t) => t,
    };
    if target.resource.group == "metrics.k8s.io" {
        return metrics::serve(state, &target, &parts.method, &parts.headers, &q);
    }
    let user = parts
        .extensions
        .get::<User>()
        .cloned()
        .ok_or_else(|| ApiError::internal("request reached a handler unauthenticated"))?;
    let watching = target.watch_path || flag(&q, "watch");
    state.authorizer.authorize(
        &user,
        &Attributes::of_request(&parts.method, &target, watching),
    )?;
    if let (Some("log"), Some(name)) = (target.subresource.as_deref(), target.name.as_deref()) {
        if parts.method != Method::GET {
            return Err(ApiError::method_not_allowed(
                parts.method.as_str(),
                &describe(&target),
            ));
        }
        let ns = target.namespace.as_deref().unwrap_or("");
        return logs::serve(state, ns, name, &q);
    }
    let body = axum::body::to_bytes(body, MAX_BODY)
        .await
        .map_err(|_| ApiError::too_large("the request body is too large"))?;
    let method = parts.method;
    let headers = parts.headers;
    let output = if method == Method::GET {
        request::negotiate(&headers)?
    } else {
        Output::Object
    };
    let res = target.resource;
    if review::serves(res) {
        return review::serve(
            &*state.authorizer,
            &user,
            &method,
            target.name.is_some(),
            || parse_object(&headers, &body),
        );
    }
    let ns = target.namespace.clone().unwrap_or_default();
    let reg = &state.registry;
    let opts = write_options(&q)?;

    let is_watch = target.watch_path || flag(&q, "watch");
    match (
        &method,
        target.name.as_deref(),
        target.subresource.as_deref(),
    ) {
        (&Method::GET, _, None) if is_watch => watch(state, &target, &q, output),
        (&Method::GET, None, None) => list(state, &target, &q, output),
        (&Method::POST, None, None) => {
            if res.namespaced && target.namespace.is_none() {
                return Err(ApiError::method_not_allowed("POST", res.plural));
            }
            let obj = parse_object(&headers, &body)?;
            let created = reg.create(res, &ns, obj, &opts)?;
            Ok(status::with_warnings(
                status::json(201, &*created),
                &opts.warnings,
            ))
        }
        (&Method::DELETE, None, None) => delete_collection(state, &target, &q, &body),
        (&Method::GET, Some(name), None | Some("status")) => {
            let obj = reg.get(res, &ns, name)?;
            Ok(render_one(state, res, &obj, output, &q))
        }
        (&Method::PUT, Some(name), None | Some("status")) => {
            let obj = parse_object(&headers, &body)?;
            let part = part_of(target.subresource.as_deref());
            let updated = reg.update(res, &ns, name, obj, part, &opts)?;
            Ok(status::with_warnings(
                status::json(200, &*updated),
                &opts.warnings,
            ))
        }
        (&Method::PATCH, Some(name), None | Some("status")) => {
            let patch_type = patch_type(&headers)?;
            let part = part_of(target.subresource.as_deref());
            let patched = reg.patch(res, &ns, name, (patch_type, &body), part, &opts)?;
            Ok(status::with_warnings(
                status::json(200, &*patched),
                &opts.warnings,
            ))
        }
        (&Method::DELETE, Some(name), None) => delete_one(state, res, &ns, name, &q, &body),
        (&Method::GET, Some(name), Some("scale")) => {
            Ok(status::json(200, &reg.get_scale(res, &ns, name)?))
        }
        (&Method::PUT, Some(name), Some("scale")) => {
            let obj = parse_object(&headers, &body)?;
            Ok(status::json(
                200,
                &reg.put_scale(res, &ns, name, obj, &opts)?,
            ))
        }
        (&Method::PATCH, Some(name), Some("scale")) => {
            let patch_type = patch_type(&headers)?;
            Ok(status::json(
                200,
                &reg.patch_scale(res, &ns, name, patch_type, &body, &opts)?,
            ))
        }
        _ => Err(ApiError::method_not_allowed(
            method.as_str(),
            &describe(&target),
        )),
    }
}

fn describe(t: &Target) -> String {
    let mut s = t.resource.group_resource();
    if let Some(sub) = &t.subresource {
        s = format!("{s}/{sub}");
    }
    s
}

fn only_get(method: &Method) -> Result<(), ApiError> {
    if method == Method::GET {
        Ok(())
    } else {
        Err(ApiError::method_not_allowed(method.as_str(), "discovery"))
    }
}

fn part_of(sub: Option<&str>) -> Part {
    if sub == Some("status") {
        Part::Status
    } else {
        Part::Main
    }
}

fn write_options(q: &Query) -> Result<WriteOptions, ApiError> {
    let dry_run = match q.get("dryRun").map(String::as_str) {
        None | Some("") => false,
        Some("All") => true,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "Invalid dry run value {other:?}: supported values: \"All\""
            )))
        }
    };
    let validation = FieldValidation::parse(q.get("fieldValidation").map(String::as_str))?;
    Ok(WriteOptions {
        dry_run,
        validation,
        ..Default::default()
    })
}

fn content_type(headers: &HeaderMap) -> &str {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

fn parse_object(headers: &HeaderMap, body: &[u8]) -> Result<Value, ApiError> {
    let ct = content_type(headers);
    let essence = ct.split(';').next().unwrap_or("").trim();
    if essence == protobuf::MEDIA_TYPE {
        return protobuf::decode(body);
    }
    if !matches!(essence, "" | "application/json" | "*/*") {
        return Err(ApiError::unsupported_media_type(ct));
    }
    let v: Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(format!("couldn't get version/kind; json parse error: {e}"))
    })?;
    if !v.is_object() {
        return Err(ApiError::bad_request(
            "couldn't get version/kind; json parse error: the body is not a JSON object",
        ));
    }
    Ok(v)
}

fn patch_type(headers: &HeaderMap) -> Result<PatchType, ApiError> {
    let ct = content_type(headers);
    PatchType::from_content_type(ct).ok_or_else(|| ApiError::unsupported_media_type(ct))
}

fn selectors(res: &ResourceDef, q: &Query) -> Result<(LabelSelector, FieldSelector), ApiError> {
    let labels = LabelSelector::parse(q.get("labelSelector").map(String::as_str).unwrap_or(""))?;
    let fields = FieldSelector::parse(
        res,
        q.get("fieldSelector").map(String::as_str).unwrap_or(""),
    )?;
    Ok((labels, fields))
}

fn render_one(
    state: &ServerState,
    res: &ResourceDef,
    obj: &Value,
    output: Output,
    q: &Query,
) -> Response {
    match output {
        Output::Object => status::json(200, obj),
        Output::Metadata(v) => status::json(200, &table::partial_metadata(obj, v)),
        Output::Table(version) => {
            let opts = TableOptions {
                version,
                include: IncludeObject::parse(q.get("includeObject").map(String::as_str)),
                headers: true,
                now: state.clock.now(),
            };
            let metadata = json!({"resourceVersion": meta::resource_version(obj)});
            status::json(200, &table::table(res, &[obj], metadata, &opts))
        }
    }
}

#[derive(Serialize)]
struct ListOut<'a> {
    kind: String,
    #[serde(rename = "apiVersion")]
    api_version: String,
    metadata: Value,
    items: Vec<Item<'a>>,
}

/// A list item as the API server writes it: without `kind`/`apiVersion`
/// (the list says them once), serialized without copying the object.
struct Item<'a>(&'a Value);

impl Serialize for Item<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let Value::Object(map) = self.0 else {
            return self.0.serialize(serializer);
        };
        let fields = map
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "kind" | "apiVersion"));
        let mut out = serializer.serialize_map(None)?;
        for (k, v) in fields {
            out.serialize_entry(k, v)?;
        }
        out.end()
    }
}

fn continue_token(rv: u64, obj: &Value) -> String {
    let raw = format!("{rv}/{}/{}", meta::namespace(obj), meta::name(obj));
    raw.bytes().map(|b| format!("{b:02x}")).collect()
}

fn decode_continue(token: &str) -> Result<(String, String), ApiError> {
    let invalid = || ApiError::bad_request(format!("continue key is not valid: {token:?}"));
    if !token.len().is_multiple_of(2) {
        return Err(invalid());
    }
    let bytes = (0..token.len())
        .step_by(2)
        .map(|i| {
            token
                .get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(invalid)?;
    let raw = String::from_utf8(bytes).map_err(|_| invalid())?;
    let mut parts = raw.splitn(3, '/');
    let (_rv, ns, name) = (parts.next(), parts.next(), parts.next());
    match (ns, name) {
        (Some(ns), Some(name)) => Ok((ns.to_string(), name.to_string())),
        _ => Err(invalid()),
    }
}

fn list(state: &ServerState, t: &Target, q: &Query, output: Output) -> Result<Response, ApiError> {
    let res = t.resource;
    let (labels, fields) = selectors(res, q)?;
    let (items, rv) = state.registry.store.list(res, t.namespace.as_deref());
    if q.get("resourceVersionMatch").map(String::as_str) == Some("Exact") {
        let want = q.get("resourceVersion").map(String::as_str).unwrap_or("");
        if want != rv.to_string() {
            return Err(ApiError::expired(format!(
                "too old resource version: {want} ({rv})"
            )));
        }
    }
    let mut matching: Vec<&Value> = items
        .iter()
        .map(|o| &**o)
        .filter(|o| labels.matches_object(o) && fields.matches(res, o))
        .collect();
    if let Some(token) = q.get("continue").filter(|c| !c.is_empty()) {
        let after = decode_continue(token)?;
        matching
            .retain(|o| (meta::namespace(o), meta::name(o)) > (after.0.as_str(), after.1.as_str()));
    }
    let limit = match q.get("limit").map(String::as_str) {
        None | Some("") => 0,
        Some(l) => l
            .parse::<usize>()
            .map_err(|_| ApiError::bad_request(format!("invalid limit: {l:?}")))?,
    };
    let mut metadata = json!({"resourceVersion": rv.to_string()});
    if limit > 0 && matching.len() > limit {
        let remaining = matching.len() - limit;
        matching.truncate(limit);
        if let Some(last) = matching.last() {
            metadata["continue"] = json!(continue_token(rv, last));
        }
        metadata["remainingItemCount"] = json!(remaining);
    }
    Ok(match output {
        Output::Object => status::json(
            200,
            &ListOut {
                kind: res.list_kind(),
                api_version: res.api_version(),
                metadata,
                items: matching.into_iter().map(Item).collect(),
            },
        ),
        Output::Metadata(v) => status::json(
            200,
            &json!({
                "kind": "PartialObjectMetadataList",
                "apiVersion": format!("meta.k8s.io/{v}"),
                "metadata": metadata,
                "items": matching.iter().map(|o| table::partial_metadata(o, v)).collect::<Vec<_>>(),
            }),
        ),
        Output::Table(version) => {
            let opts = TableOptions {
                version,
                include: IncludeObject::parse(q.get("includeObject").map(String::as_str)),
                headers: true,
                now: state.clock.now(),
            };
            status::json(200, &table::table(res, &matching, metadata, &opts))
        }
    })
}

fn watch(state: &ServerState, t: &Target, q: &Query, output: Output) -> Result<Response, ApiError> {
    let res = t.resource;
    let (labels, mut fields) = selectors(res, q)?;
    if let Some(name) = &t.name {
        // Watching one object is a watch of the collection by name.
        let by_name = format!("metadata.name={name}");
        let combined = match q.get("fieldSelector").filter(|f| !f.is_empty()) {
            Some(f) => format!("{f},{by_name}"),
            None => by_name,
        };
        fields = FieldSelector::parse(res, &combined)?;
    }
    let send_initial = flag(q, "sendInitialEvents");
    let start = watch::start_from(q.get("resourceVersion").map(String::as_str), send_initial)?;
    let timeout = match q.get("timeoutSeconds").map(String::as_str) {
        None | Some("") => DEFAULT_WATCH_TIMEOUT,
        Some(s) => Duration::from_secs(
            s.parse::<u64>()
                .map_err(|_| ApiError::bad_request(format!("invalid timeoutSeconds: {s:?}")))?,
        ),
    };
    let req = WatchRequest {
        resource: res,
        namespace: t.namespace.clone(),
        labels,
        fields,
        output,
        include: IncludeObject::parse(q.get("includeObject").map(String::as_str)),
        bookmarks: flag(q, "allowWatchBookmarks"),
        initial_events_end: send_initial,
        timeout,
    };
    let ctx = WatchContext {
        store: state.registry.store.clone(),
        clock: state.clock.clone(),
        shutdown: state.shutdown.clone(),
        bookmark_interval: state.bookmark_interval,
        faults: state.faults.clone(),
    };
    Ok(watch::serve(ctx, req, start))
}

fn delete_options(q: &Query, body: &[u8]) -> Result<DeleteOptions, ApiError> {
    let mut opts = DeleteOptions::default();
    let parsed: Value = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        serde_json::from_slice(body)
            .map_err(|e| ApiError::bad_request(format!("invalid DeleteOptions: {e}")))?
    };
    let grace = q
        .get("gracePeriodSeconds")
        .map(|g| {
            g.parse::<i64>()
                .map_err(|_| ApiError::bad_request(format!("invalid gracePeriodSeconds: {g:?}")))
        })
        .transpose()?
        .or_else(|| parsed.get("gracePeriodSeconds").and_then(Value::as_i64));
    opts.grace_period = grace;
    let propagation = q.get("propagationPolicy").cloned().or_else(|| {
        parsed
            .get("propagationPolicy")
            .and_then(Value::as_str)
            .map(String::from)
    });
    opts.propagation = match propagation.as_deref() {
        None | Some("") | Some("Background") => Propagation::Background,
        Some("Foreground") => Propagation::Foreground,
        Some("Orphan") => Propagation::Orphan,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "propagationPolicy: Unsupported value: {other:?}: supported values: \"Foreground\", \"Background\", \"Orphan\""
            )))
        }
    };
    if parsed.get("orphanDependents").and_then(Value::as_bool) == Some(true)
        || flag(q, "orphanDependents")
    {
        opts.propagation = Propagation::Orphan;
    }
    opts.uid = meta::str_at(&parsed, &["preconditions", "uid"]).map(String::from);
    opts.resource_version =
        meta::str_at(&parsed, &["preconditions", "resourceVersion"]).map(String::from);
    let dry_body = parsed
        .get("dryRun")
        .and_then(Value::as_array)
        .is_some_and(|a| a.iter().any(|v| v == "All"));
    opts.dry_run = write_options(q)?.dry_run || dry_body;
    Ok(opts)
}

fn delete_one(
    state: &ServerState,
    res: &'static ResourceDef,
    ns: &str,
    name: &str,
    q: &Query,
    body: &[u8],
) -> Result<Response, ApiError> {
    let opts = delete_options(q, body)?;
    Ok(match state.registry.delete(res, ns, name, &opts)? {
        Deleted::Pending(obj) => status::json(200, &*obj),
        Deleted::Gone(obj) if res.plural == "pods" => status::json(200, &*obj),
        Deleted::Gone(obj) => status::json(200, &status::deleted(res, name, meta::uid(&obj))),
    })
}

fn delete_collection(
    state: &ServerState,
    t: &Target,
    q: &Query,
    body: &[u8],
) -> Result<Response, ApiError> {
    let res = t.resource;
    if !res.verbs.contains(&"deletecollection") {
        return Err(ApiError::method_not_allowed("DELETE", res.plural));
    }
    let opts = delete_options(q, body)?;
    let (labels, fields) = selectors(res, q)?;
    let (items, rv) = state.registry.store.list(res, t.namespace.as_deref());
    let mut deleted = Vec::new();
    for obj in items
        .iter()
        .filter(|o| labels.matches_object(o) && fields.matches(res, o))
    {
        match state
            .registry
            .delete(res, meta::namespace(obj), meta::name(obj), &opts)
        {
            Ok(Deleted::Gone(o) | Deleted::Pending(o)) => deleted.push(o),
            Err(e) if e.code == 404 => {}
            Err(e) => return Err(e),
        }
    }
    let list = ListOut {
        kind: res.list_kind(),
        api_version: res.api_version(),
        metadata: json!({"resourceVersion": rv.to_string()}),
        items: deleted.iter().map(|o| Item(o)).collect(),
    };
    Ok(status::json(200, &list))
}

/// Answers for paths outside `/api` and `/apis` that clients probe.
pub async fn fallback(req: Request<Body>) -> Response {
    let path = req.uri().path();
    if matches!(path, "/healthz" | "/livez" | "/readyz") {
        let mut resp = Response::new(Body::from("ok"));
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        return resp;
    }
    status::error(&ApiError::no_route())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continue_tokens_round_trip() {
        let obj = json!({"metadata": {"namespace": "shop", "name": "web-1"}});
        let token = continue_token(42, &obj);
        assert_eq!(
            decode_continue(&token).unwrap(),
            ("shop".to_string(), "web-1".to_string())
        );
        for bad in ["zz", "abc", "00ff"] {
            assert_eq!(decode_continue(bad).unwrap_err().code, 400);
        }
    }

    #[test]
    fn delete_options_from_query_and_body() {
        let mut q = Query::new();
        q.insert("gracePeriodSeconds".into(), "0".into());
        let o = delete_options(
            &q,
            br#"{"propagationPolicy":"Orphan","preconditions":{"uid":"u"}}"#,
        )
        .unwrap();
        assert_eq!(o.grace_period, Some(0));
        assert_eq!(o.propagation, Propagation::Orphan);
        assert_eq!(o.uid.as_deref(), Some("u"));
        assert_eq!(
            delete_options(&Query::new(), b"{bad").unwrap_err().code,
            400
        );
        q.insert("propagationPolicy".into(), "Sideways".into());
        assert_eq!(delete_options(&q, b"").unwrap_err().code, 400);
    }
}
