//! Watches: newline-delimited JSON `WatchEvent`s over a chunked response,
//! resumable from a resourceVersion, with bookmarks, selector transitions
//! (an object leaving the selection is a DELETED event) and Table rows.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue};
use axum::response::Response;
use futures::StreamExt;
use serde_json::{json, Value};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{mpsc, watch};

use super::table::{self, IncludeObject, TableOptions};
use crate::demo::api::request::Output;
use crate::demo::api::stream_faults::StreamFaults;
use crate::demo::clock::Clock;
use crate::demo::error::ApiError;
use crate::demo::meta;
use crate::demo::resources::ResourceDef;
use crate::demo::selectors::{FieldSelector, LabelSelector};
use crate::demo::store::{Change, EventType, Store, WatchStart};

pub struct WatchRequest {
    pub resource: &'static ResourceDef,
    pub namespace: Option<String>,
    pub labels: LabelSelector,
    pub fields: FieldSelector,
    pub output: Output,
    pub include: IncludeObject,
    pub bookmarks: bool,
    /// `sendInitialEvents=true`: mark the end of the initial ADDED events.
    pub initial_events_end: bool,
    pub timeout: Duration,
}

pub struct WatchContext {
    pub store: Arc<Store>,
    pub clock: Arc<Clock>,
    pub shutdown: watch::Receiver<bool>,
    pub bookmark_interval: Duration,
    pub faults: Arc<dyn StreamFaults>,
}

struct Encoder {
    resource: &'static ResourceDef,
    output: Output,
    include: IncludeObject,
    clock: Arc<Clock>,
    headers_sent: bool,
}

impl Encoder {
    fn object(&mut self, obj: &Value) -> Value {
        match self.output {
            Output::Object => obj.clone(),
            Output::Metadata(v) => table::partial_metadata(obj, v),
            Output::Table(version) => {
                let opts = TableOptions {
                    version,
                    include: self.include,
                    headers: !self.headers_sent,
                    now: self.clock.now(),
                };
                self.headers_sent = true;
                let rv = meta::resource_version(obj);
                table::table(self.resource, &[obj], json!({"resourceVersion": rv}), &opts)
            }
        }
    }

    fn event(&mut self, kind: &str, obj: &Value) -> Bytes {
        let object = self.object(obj);
        line(&json!({"type": kind, "object": object}))
    }

    fn bookmark(&self, rv: u64, initial_end: bool) -> Bytes {
        let mut metadata = json!({"resourceVersion": rv.to_string()});
        if initial_end {
            metadata["annotations"] = json!({"k8s.io/initial-events-end": "true"});
        }
        let object = match self.output {
            Output::Table(v) => {
                json!({"kind": "Table", "apiVersion": format!("meta.k8s.io/{v}"), "metadata": metadata, "columnDefinitions": null, "rows": []})
            }
            Output::Metadata(v) => {
                json!({"kind": "PartialObjectMetadata", "apiVersion": format!("meta.k8s.io/{v}"), "metadata": metadata})
            }
            Output::Object => {
                json!({"kind": self.resource.kind, "apiVersion": self.resource.api_version(), "metadata": metadata})
            }
        };
        line(&json!({"type": "BOOKMARK", "object": object}))
    }
}

fn line(v: &Value) -> Bytes {
    let mut bytes = serde_json::to_vec(v).unwrap_or_default();
    bytes.push(b'\n');
    Bytes::from(bytes)
}

fn visible(req: &WatchRequest, obj: &Value) -> bool {
    req.namespace
        .as_deref()
        .is_none_or(|ns| meta::namespace(obj) == ns)
        && req.labels.matches_object(obj)
        && req.fields.matches(req.resource, obj)
}

/// The event a watcher with these filters sees for a change, if any.
fn translate<'a>(req: &WatchRequest, change: &'a Change) -> Option<(&'static str, &'a Value)> {
    if change.resource != req.resource {
        return None;
    }
    let now = visible(req, &change.object);
    let before = change.previous.as_deref().is_some_and(|p| visible(req, p));
    match change.kind {
        EventType::Added => now.then_some(("ADDED", &*change.object)),
        EventType::Deleted => (now || before).then_some(("DELETED", &*change.object)),
        EventType::Modified => match (before, now) {
            (true, true) => Some(("MODIFIED", &*change.object)),
            (false, true) => Some(("ADDED", &*change.object)),
            (true, false) => Some(("DELETED", &*change.object)),
            (false, false) => None,
        },
    }
}

pub fn serve(ctx: WatchContext, req: WatchRequest, start: WatchStart) -> Response {
    let (tx, rx) = mpsc::channel::<Bytes>(512);
    let faults = ctx.faults.clone();
    tokio::spawn(run(ctx, req, start, tx));
    let stream = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|b| (Ok::<_, Infallible>(b), rx))
    });
    let mut resp = Response::new(Body::from_stream(faults.abortable(stream.boxed())));
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

async fn run(mut ctx: WatchContext, req: WatchRequest, start: WatchStart, tx: mpsc::Sender<Bytes>) {
    let mut enc = Encoder {
        resource: req.resource,
        output: req.output,
        include: req.include,
        clock: ctx.clock.clone(),
        headers_sent: false,
    };
    let feed = if ctx.faults.take_gone() {
        Err(ApiError::expired(format!(
            "too old resource version: {} ({})",
            match start {
                WatchStart::After(rv) => rv,
                WatchStart::Now => 0,
            },
            ctx.store.resource_version()
        )))
    } else {
        ctx.store.watch(req.resource, start)
    };
    let (backlog, mut changes, mut last_rv) = match feed {
        Ok(feed) => (feed.backlog, feed.changes, feed.rv),
        Err(e) => {
            // Like the API server: the watch starts, then reports the error.
            let _ = tx
                .send(line(&json!({"type": "ERROR", "object": e.to_status()})))
                .await;
            return;
        }
    };
    for change in &backlog {
        if let Some((kind, obj)) = translate(&req, change) {
            if tx.send(enc.event(kind, obj)).await.is_err() {
                return;
            }
        }
    }
    if req.initial_events_end && tx.send(enc.bookmark(last_rv, true)).await.is_err() {
        return;
    }
    let deadline = tokio::time::Instant::now() + req.timeout;
    let mut bookmark = tokio::time::interval(ctx.bookmark_interval);
    bookmark.tick().await;
    loop {
        tokio::select! {
            _ = tx.closed() => return,
            _ = ctx.shutdown.changed() => return,
            _ = tokio::time::sleep_until(deadline) => return,
            _ = bookmark.tick(), if req.bookmarks => {
                let off = ctx.faults.bookmarks_off();
                if !off && tx.send(enc.bookmark(last_rv, false)).await.is_err() {
                    return;
                }
            }
            r = changes.recv() => match r {
                Ok(change) => {
                    last_rv = last_rv.max(change.rv);
                    if let Some((kind, obj)) = translate(&req, &change) {
                        if tx.send(enc.event(kind, obj)).await.is_err() {
                            return;
                        }
                    }
                }
                // A watcher too slow to keep up is closed; it resumes from
                // its last resourceVersion like after any disconnect.
                Err(RecvError::Lagged(_)) | Err(RecvError::Closed) => return,
            },
        }
        if *ctx.shutdown.borrow() {
            return;
        }
    }
}

/// `resourceVersion` of a watch request to where it starts.
pub fn start_from(rv: Option<&str>, send_initial: bool) -> Result<WatchStart, ApiError> {
    match rv {
        _ if send_initial => Ok(WatchStart::Now),
        None | Some("") | Some("0") => Ok(WatchStart::Now),
        Some(s) => s
            .parse::<u64>()
            .map(WatchStart::After)
            .map_err(|_| ApiError::bad_request(format!("invalid resource version: {s}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::resources::PODS;

    fn req(labels: &str) -> WatchRequest {
        WatchRequest {
            resource: &PODS,
            namespace: Some("shop".into()),
            labels: LabelSelector::parse(labels).unwrap(),
            fields: FieldSelector::default(),
            output: Output::Object,
            include: IncludeObject::Metadata,
            bookmarks: false,
            initial_events_end: false,
            timeout: Duration::from_secs(1),
        }
    }

    fn change(kind: EventType, now: Value, prev: Option<Value>) -> Change {
        Change {
            rv: 1,
            kind,
            resource: &PODS,
            object: Arc::new(now),
            previous: prev.map(Arc::new),
        }
    }

    #[test]
    fn leaving_the_selection_is_a_delete() {
        let web = json!({"metadata": {"namespace": "shop", "labels": {"app": "web"}}});
        let api = json!({"metadata": {"namespace": "shop", "labels": {"app": "api"}}});
        let r = req("app=web");
        let kind = |c: &Change| translate(&r, c).map(|(k, _)| k);
        assert_eq!(
            kind(&change(EventType::Modified, api.clone(), Some(web.clone()))),
            Some("DELETED")
        );
        assert_eq!(
            kind(&change(EventType::Modified, web.clone(), Some(api.clone()))),
            Some("ADDED")
        );
        assert_eq!(
            kind(&change(EventType::Modified, web.clone(), Some(web.clone()))),
            Some("MODIFIED")
        );
        assert_eq!(kind(&change(EventType::Added, api.clone(), None)), None);
        let other_ns = json!({"metadata": {"namespace": "default", "labels": {"app": "web"}}});
        assert_eq!(kind(&change(EventType::Added, other_ns, None)), None);
    }

    #[test]
    fn start_points() {
        assert!(matches!(start_from(None, false).unwrap(), WatchStart::Now));
        assert!(matches!(
            start_from(Some("0"), false).unwrap(),
            WatchStart::Now
        ));
        assert!(matches!(
            start_from(Some("42"), false).unwrap(),
            WatchStart::After(42)
        ));
        assert!(matches!(
            start_from(Some("42"), true).unwrap(),
            WatchStart::Now
        ));
        assert_eq!(
            start_from(Some("x"), false).err().map(|e| e.code),
            Some(400)
        );
    }
}
