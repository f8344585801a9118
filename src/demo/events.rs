//! core/v1 Events written by the simulated controllers and kubelets, the way
//! client-go's recorder does it: a repeat of the same (object, reason,
//! message, source) bumps `count` and `lastTimestamp` of the existing event
//! instead of adding one, and only the newest `MAX_EVENTS` are kept (the API
//! server expires events after an hour; the demo bounds them by number, and
//! records nothing while a scenario is seeded).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use serde_json::{json, Value};

use crate::demo::ids;
use crate::demo::meta;
use crate::demo::registry::{DeleteOptions, Part, Registry};
use crate::demo::resources::EVENTS;

const MAX_EVENTS: usize = 2000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Normal,
    Warning,
}

/// Who reports an event: `source.component` and `source.host`.
#[derive(Debug, Clone)]
pub struct Reporter<'a> {
    pub component: &'a str,
    pub host: Option<&'a str>,
    /// Set for components that use the events.k8s.io recorder (the
    /// scheduler since 1.19): their events carry eventTime, action and
    /// reportingInstance, no count or first/lastTimestamp, and repeats go
    /// into `series`, which is what a real v1.34 cluster shows.
    pub action: Option<&'a str>,
}

pub const SCHEDULER: Reporter<'static> = Reporter {
    component: "default-scheduler",
    host: None,
    action: Some("Binding"),
};

/// The scheduler's instance name as its leader-election identity shows it.
const SCHEDULER_INSTANCE: &str = "default-scheduler-kockpit-control-plane";
pub const DEPLOYMENT_CONTROLLER: Reporter<'static> = Reporter {
    component: "deployment-controller",
    host: None,
    action: None,
};
pub const REPLICASET_CONTROLLER: Reporter<'static> = Reporter {
    component: "replicaset-controller",
    host: None,
    action: None,
};

pub fn kubelet(node: &str) -> Reporter<'_> {
    Reporter {
        component: "kubelet",
        host: Some(node),
        action: None,
    }
}

/// What happened.
#[derive(Debug, Clone, Copy)]
pub struct Note<'a> {
    /// The container (`spec.containers{web}`) when the event is about one.
    pub field_path: Option<&'a str>,
    pub kind: Kind,
    pub reason: &'a str,
    pub message: &'a str,
}

impl<'a> Note<'a> {
    pub fn normal(reason: &'a str, message: &'a str) -> Self {
        Note {
            field_path: None,
            kind: Kind::Normal,
            reason,
            message,
        }
    }

    pub fn warning(reason: &'a str, message: &'a str) -> Self {
        Note {
            kind: Kind::Warning,
            ..Note::normal(reason, message)
        }
    }

    pub fn on(self, field_path: &'a str) -> Self {
        Note {
            field_path: Some(field_path),
            ..self
        }
    }
}

/// An event as the events.k8s.io recorder writes it, seen through core/v1.
fn new_style(mut event: Value, action: &str, micro: &str) -> Value {
    if let Some(map) = event.as_object_mut() {
        map.insert("source".into(), json!({}));
        map.insert("firstTimestamp".into(), Value::Null);
        map.insert("lastTimestamp".into(), Value::Null);
        map.remove("count");
        map.insert("eventTime".into(), json!(micro));
        map.insert("action".into(), json!(action));
        map.insert("reportingInstance".into(), json!(SCHEDULER_INSTANCE));
    }
    event
}

/// (namespace, name) of a stored event, per aggregation key, plus the order
/// in which they were created.
#[derive(Default)]
pub struct Recorder {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    by_key: HashMap<String, String>,
    order: VecDeque<(String, String, String)>,
}

impl Recorder {
    /// Records an event about `object`.
    pub fn record(&self, reg: &Registry, object: &Value, note: &Note, by: &Reporter) {
        let Note {
            field_path,
            kind,
            reason,
            message,
        } = *note;
        // Seeding plays back days of history, and the API server keeps
        // events for an hour: a real cluster would show none of it.
        if reg.clock.is_instant() {
            return;
        }
        let ns = meta::namespace(object).to_string();
        let key = format!(
            "{}|{}|{}|{reason}|{message}|{}|{}",
            meta::uid(object),
            field_path.unwrap_or(""),
            kind_str(kind),
            by.component,
            by.host.unwrap_or("")
        );
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let now = reg.clock.now_string();
        if let Some(name) = state.by_key.get(&key) {
            let new_style = by.action.is_some();
            let micro = reg.clock.now_micro_string();
            let bumped = reg.mutate(&EVENTS, &ns, name, Part::Main, |ev| {
                if new_style {
                    let count = meta::i64_at(ev, &["series", "count"]).unwrap_or(1);
                    meta::set(
                        ev,
                        &["series"],
                        json!({"count": count + 1, "lastObservedTime": micro}),
                    );
                } else {
                    let count = meta::i64_at(ev, &["count"]).unwrap_or(1);
                    meta::set(ev, &["count"], json!(count + 1));
                    meta::set(ev, &["lastTimestamp"], json!(now));
                }
            });
            if bumped.is_ok() {
                return;
            }
            // Deleted by a client: start over.
            state.by_key.remove(&key);
        }
        let name = format!("{}.{}", meta::name(object), ids::hex(16));
        let mut involved = json!({
            "apiVersion": object.get("apiVersion"),
            "kind": object.get("kind"),
            "name": meta::name(object),
            "namespace": ns,
            "uid": meta::uid(object),
            "resourceVersion": meta::resource_version(object),
        });
        if let Some(f) = field_path {
            meta::set(&mut involved, &["fieldPath"], json!(f));
        }
        let mut source = json!({"component": by.component});
        if let Some(h) = by.host {
            meta::set(&mut source, &["host"], json!(h));
        }
        let event = json!({
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": name, "namespace": ns},
            "involvedObject": involved,
            "reason": reason,
            "message": message,
            "source": source,
            "firstTimestamp": now,
            "lastTimestamp": now,
            "count": 1,
            "type": kind_str(kind),
            "eventTime": null,
            "reportingComponent": by.component,
            "reportingInstance": by.host.unwrap_or(""),
        });
        let event = match by.action {
            Some(action) => new_style(event, action, &reg.clock.now_micro_string()),
            None => event,
        };
        if reg.create_internal(&EVENTS, event).is_err() {
            return;
        }
        state.by_key.insert(key.clone(), name.clone());
        state.order.push_back((ns, name, key));
        while state.order.len() > MAX_EVENTS {
            let Some((ns, name, key)) = state.order.pop_front() else {
                break;
            };
            state.by_key.remove(&key);
            let now = DeleteOptions {
                grace_period: Some(0),
                ..Default::default()
            };
            let _ = reg.delete(&EVENTS, &ns, &name, &now);
        }
    }
}

fn kind_str(kind: Kind) -> &'static str {
    match kind {
        Kind::Normal => "Normal",
        Kind::Warning => "Warning",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    use crate::demo::clock::Clock;
    use crate::demo::store::Store;

    #[test]
    fn repeats_aggregate_and_old_events_are_dropped() {
        let clock = Arc::new(Clock::new(1.0));
        let reg = Registry::new(Arc::new(Store::new(100)), clock);
        let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}});
        reg.create_internal(&crate::demo::resources::NAMESPACES, ns)
            .unwrap();
        let pod = json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "namespace": "default", "uid": "u1", "resourceVersion": "7"}});
        let by = kubelet("node-1");
        let recorder = Recorder::default();
        for _ in 0..3 {
            let note = Note::warning(
                "BackOff",
                "Back-off restarting failed container c in pod p_default(u1)",
            );
            recorder.record(&reg, &pod, &note.on("spec.containers{c}"), &by);
        }
        let (events, _) = reg.store.list(&EVENTS, None);
        assert_eq!(events.len(), 1);
        let ev = &events[0];
        assert_eq!(ev["count"], 3);
        assert_eq!(ev["involvedObject"]["fieldPath"], "spec.containers{c}");
        assert_eq!(
            ev["source"],
            json!({"component": "kubelet", "host": "node-1"})
        );
        assert_eq!(ev["type"], "Warning");
        for i in 0..MAX_EVENTS + 5 {
            let message = format!("m{i}");
            recorder.record(&reg, &pod, &Note::normal("Pulled", &message), &by);
        }
        let (events, _) = reg.store.list(&EVENTS, None);
        assert_eq!(events.len(), MAX_EVENTS);
        assert!(events.iter().all(|e| e["reason"] == "Pulled"));
    }
}
