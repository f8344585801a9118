//! Events: warnings first; Enter opens the object an event is about. Only
//! Warnings are cached unless a screen asks for all (`cluster::event_scope`).

use k8s_openapi::api::core::v1::Event;

use super::{DetailView, Enter, Resource};
use crate::model::events::{event_row, EventRow};

pub struct Events;

impl Resource for Events {
    type Api = Event;
    type Row = EventRow;
    const PLURAL: &'static str = "events";
    const API_KIND: &'static str = "Event";
    const TITLE: &'static str = "events";
    const DETAIL_TITLE: &'static str = "event";
    const ALIASES: &'static [&'static str] = &["events", "event", "ev"];
    const SHORT: &'static str = "ev";
    const ENTER: Enter = Enter::InvolvedObject;
    const DETAIL: DetailView = DetailView::None;
    /// Warnings first.
    const DEFAULT_SORT: usize = 2;
    const LIST_HINTS: &'static [&'static str] = &["/:filter", "enter:object"];

    fn row(obj: &Event) -> EventRow {
        event_row(obj)
    }

    fn search(r: &EventRow) -> String {
        let ty = if r.warning { "Warning" } else { "Normal" };
        // An event is found by the object it is about, as `ns/name` like rows.
        format!(
            "{}/{} {} {} {} {}",
            r.namespace, r.object_name, ty, r.reason, r.object, r.message
        )
    }
}
