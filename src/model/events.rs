//! Events as operators read them: warnings first, newest first, with the
//! object they are about.

use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::Event;

use super::age::{age, to_chrono};
use super::rows::Health;
use super::table::{SortKey, TableRow};

#[derive(Clone, Debug, PartialEq)]
pub struct EventRow {
    pub namespace: String,
    pub name: String,
    pub warning: bool,
    pub reason: String,
    /// `Kind/name` of the involved object.
    pub object: String,
    pub object_kind: String,
    pub object_name: String,
    pub message: String,
    pub count: i32,
    pub last_seen: Option<DateTime<Utc>>,
}

pub fn event_row(e: &Event) -> EventRow {
    let io = &e.involved_object;
    let kind = io.kind.clone().unwrap_or_default();
    let name = io.name.clone().unwrap_or_default();
    // Newer clients fill eventTime/series instead of lastTimestamp.
    let last_seen = e
        .last_timestamp
        .as_ref()
        .map(to_chrono)
        .or_else(|| {
            e.series
                .as_ref()
                .and_then(|s| s.last_observed_time.as_ref())
                .map(|t| micro(&t.0))
        })
        .or_else(|| e.event_time.as_ref().map(|t| micro(&t.0)))
        .or_else(|| e.first_timestamp.as_ref().map(to_chrono))
        .or_else(|| e.metadata.creation_timestamp.as_ref().map(to_chrono));
    EventRow {
        namespace: e.metadata.namespace.clone().unwrap_or_default(),
        name: e.metadata.name.clone().unwrap_or_default(),
        warning: e.type_.as_deref() == Some("Warning"),
        reason: e.reason.clone().unwrap_or_default(),
        object: format!("{}/{}", kind.to_lowercase(), name),
        object_kind: kind,
        object_name: name,
        message: e.message.clone().unwrap_or_default().replace('\n', " "),
        count: e
            .count
            .or_else(|| e.series.as_ref().and_then(|s| s.count))
            .unwrap_or(1),
        last_seen,
    }
}

fn micro(t: &k8s_openapi::jiff::Timestamp) -> DateTime<Utc> {
    DateTime::from_timestamp(t.as_second(), t.subsec_nanosecond().max(0) as u32).unwrap_or_default()
}

impl EventRow {
    /// Is this event about `kind/name` (kind as the API spells it, e.g. `Pod`)?
    pub fn is_about(&self, kind: &str, namespace: &str, name: &str) -> bool {
        self.object_kind == kind && self.namespace == namespace && self.object_name == name
    }
}

impl TableRow for EventRow {
    const COLUMNS: &'static [&'static str] = &[
        "NAMESPACE",
        "LAST SEEN",
        "TYPE",
        "REASON",
        "OBJECT",
        "COUNT",
        "MESSAGE",
    ];
    const MAX_WIDTHS: &'static [u16] = &[20, 9, 7, 24, 40, 5, 0];
    const DROP_ORDER: &'static [usize] = &[5, 0, 3];

    fn namespace(&self) -> &str {
        &self.namespace
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn health(&self) -> Health {
        if self.warning {
            Health::Warning
        } else {
            Health::Ok
        }
    }
    fn cells(&self, now: DateTime<Utc>) -> Vec<String> {
        vec![
            age(self.last_seen, now),
            if self.warning { "Warning" } else { "Normal" }.into(),
            self.reason.clone(),
            self.object.clone(),
            self.count.to_string(),
            self.message.clone(),
        ]
    }
    fn sort_key(&self, col: usize) -> SortKey<'_> {
        let newest_first = -self.last_seen.map_or(0, |t| t.timestamp());
        match col {
            0 => SortKey::Text(&self.namespace),
            1 => SortKey::Num(newest_first),
            // Warnings first, then newest first: what an on-call engineer
            // wants at the top.
            2 => SortKey::Num(i64::from(!self.warning) * (1 << 40) + newest_first),
            3 => SortKey::Text(&self.reason),
            4 => SortKey::Text(&self.object),
            5 => SortKey::Num(-i64::from(self.count)),
            _ => SortKey::Text(&self.message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rows_and_warning_first_order() {
        let ev = |name: &str, ty: &str, ts: &str| -> Event {
            serde_json::from_value(json!({
                "metadata": {"name": name, "namespace": "shop"},
                "involvedObject": {"kind": "Pod", "name": "api-1", "namespace": "shop"},
                "type": ty, "reason": "BackOff", "message": "Back-off\\nrestarting", "count": 3,
                "lastTimestamp": ts
            }))
            .unwrap()
        };
        let old_warn = event_row(&ev("a", "Warning", "2026-01-01T10:00:00Z"));
        let new_normal = event_row(&ev("b", "Normal", "2026-01-01T11:00:00Z"));
        let new_warn = event_row(&ev("c", "Warning", "2026-01-01T11:00:00Z"));
        assert_eq!(old_warn.object, "pod/api-1");
        assert!(old_warn.is_about("Pod", "shop", "api-1"));
        let mut rows = [&new_normal, &old_warn, &new_warn];
        rows.sort_by(|a, b| a.sort_key(2).cmp(&b.sort_key(2)));
        assert_eq!(rows.map(|r| r.name.as_str()), ["c", "a", "b"]);
    }

    #[test]
    fn event_time_when_no_last_timestamp() {
        let e: Event = serde_json::from_value(json!({
            "metadata": {"name": "x"}, "involvedObject": {},
            "eventTime": "2026-01-01T10:00:00.123456Z"
        }))
        .unwrap();
        assert_eq!(event_row(&e).last_seen.unwrap().timestamp(), 1_767_261_600);
    }
}
