//! The pieces a resource's detail `Doc` is built from: key fields, the pods
//! it runs, its owner and the events about it. Pure, over cached objects.

use chrono::{DateTime, Utc};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

use super::{Related, Resource};
use crate::model::age::{age, to_chrono};
use crate::model::doc::{Doc, Role};
use crate::model::selector::Selector;

/// Most events a detail lists, newest first.
const EVENTS_SHOWN: usize = 30;

/// What any kind's detail shows: its key fields, pods and events.
pub fn basic<R: Resource + ?Sized>(obj: &R::Api, related: &Related<'_>, now: DateTime<Utc>) -> Doc {
    let meta = kube::Resource::meta(obj);
    let mut doc = title::<R>(meta);
    fields(&mut doc, meta, now);
    if let Some(sel) = R::pod_selector(obj) {
        pods(&mut doc, related, meta, sel, now);
    }
    events(&mut doc, related, R::API_KIND, meta, now);
    doc
}

/// `statefulset shop/redis`.
pub fn title<R: Resource + ?Sized>(meta: &ObjectMeta) -> Doc {
    Doc::new(format!(
        "{} {}/{}",
        R::DETAIL_TITLE,
        meta.namespace.as_deref().unwrap_or_default(),
        meta.name.as_deref().unwrap_or_default()
    ))
}

/// A `key: value` line, keys aligned.
pub fn field(doc: &mut Doc, key: &str, value: impl Into<String>, role: Role) {
    doc.push(vec![
        (format!("{key:<12} "), Role::Dim),
        (value.into(), role),
    ]);
}

/// Age, labels and the controlling owner.
pub fn fields(doc: &mut Doc, meta: &ObjectMeta, now: DateTime<Utc>) {
    let created = meta.creation_timestamp.as_ref().map(to_chrono);
    field(doc, "Age", age(created, now), Role::Text);
    let labels = meta
        .labels
        .iter()
        .flatten()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",");
    field(
        doc,
        "Labels",
        if labels.is_empty() {
            "<none>".into()
        } else {
            labels
        },
        Role::Text,
    );
    if let Some(o) = meta
        .owner_references
        .iter()
        .flatten()
        .find(|o| o.controller == Some(true))
    {
        field(
            doc,
            "Controlled by",
            format!("{}/{}", o.kind, o.name),
            Role::Text,
        );
    }
}

/// The pods in the object's namespace its selector matches, by name.
pub fn pods(
    doc: &mut Doc,
    related: &Related<'_>,
    meta: &ObjectMeta,
    selector: &LabelSelector,
    now: DateTime<Utc>,
) {
    let ns = meta.namespace.as_deref().unwrap_or_default();
    let sel = Selector::from_label_selector(selector);
    let mut pods: Vec<_> = related
        .pods
        .iter()
        .filter(|p| p.row.namespace == ns && sel.matches(p.obj.metadata.labels.as_ref()))
        .collect();
    pods.sort_by(|a, b| a.row.name.cmp(&b.row.name));
    doc.section(&format!("Pods ({})", pods.len()));
    if pods.is_empty() {
        doc.line(&[("no pods match its selector", Role::Dim)]);
    }
    let width = pods.iter().map(|p| p.row.name.len()).max().unwrap_or(0);
    for p in pods {
        let r = &p.row;
        doc.push(vec![
            (format!("{:<width$}  ", r.name), Role::Text),
            (format!("{:>5}  ", r.ready), Role::Text),
            (format!("{:<18} ", r.status), r.health.into()),
            (format!("{:<14} ", r.restarts_text(now)), Role::Dim),
            (age(r.created, now), Role::Dim),
        ]);
    }
}

/// Events about the object, newest first.
pub fn events(
    doc: &mut Doc,
    related: &Related<'_>,
    api_kind: &str,
    meta: &ObjectMeta,
    now: DateTime<Utc>,
) {
    let (ns, name) = (
        meta.namespace.as_deref().unwrap_or_default(),
        meta.name.as_deref().unwrap_or_default(),
    );
    let mut rows: Vec<_> = related
        .events
        .iter()
        .filter(|e| e.row.is_about(api_kind, ns, name))
        .collect();
    rows.sort_by_key(|e| std::cmp::Reverse(e.row.last_seen));
    doc.section("Events");
    if rows.is_empty() {
        doc.line(&[(no_events(related.events_complete), Role::Dim)]);
    }
    for e in rows.iter().take(EVENTS_SHOWN) {
        let role = if e.row.warning {
            Role::Warning
        } else {
            Role::Text
        };
        doc.push(vec![
            (format!("{:>6}  ", age(e.row.last_seen, now)), Role::Dim),
            (format!("{:<20} ", e.row.reason), role),
            (e.row.message.clone(), Role::Text),
        ]);
    }
}

/// What an empty events section says: only Warnings are cached in the
/// background, so until all events are in, "none" would be a lie.
pub fn no_events(complete: bool) -> &'static str {
    if complete {
        "no events"
    } else {
        "loading events…"
    }
}
