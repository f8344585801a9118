//! The in-memory object store: one map per resource, one global
//! resourceVersion, a bounded history of changes for resuming watches, and a
//! broadcast of live changes. It knows nothing about kinds; the registry layer
//! above it applies per-kind rules.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value;
use tokio::sync::broadcast;

use super::error::ApiError;
use super::meta;
use super::resources::ResourceDef;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Added,
    Modified,
    Deleted,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

#[derive(Debug)]
pub struct Change {
    pub rv: u64,
    pub kind: EventType,
    pub resource: &'static ResourceDef,
    pub object: Arc<Value>,
    /// The object before a modification: a filtered watch needs it to tell
    /// "left the selection" (sent as DELETED) from "changed within it".
    pub previous: Option<Arc<Value>>,
}

/// What an update closure decided.
pub enum Write {
    Replace(Value),
    Unchanged,
    Remove,
}

/// Where a watch starts.
pub enum WatchStart {
    /// Synthetic ADDED events for everything that exists now.
    Now,
    /// Every change after this resourceVersion.
    After(u64),
}

/// The start of a watch: what to send first, then the live changes, and the
/// resourceVersion the backlog is complete up to.
pub struct WatchFeed {
    pub backlog: Vec<Arc<Change>>,
    pub changes: broadcast::Receiver<Arc<Change>>,
    pub rv: u64,
}

type Key = (String, String);
type TableKey = (&'static str, &'static str);

struct Inner {
    rv: u64,
    tables: HashMap<TableKey, BTreeMap<Key, Arc<Value>>>,
    history: VecDeque<Arc<Change>>,
    /// Changes at or before this version have left the history.
    compacted: u64,
}

pub struct Store {
    inner: Mutex<Inner>,
    changes: broadcast::Sender<Arc<Change>>,
    history_limit: usize,
}

fn table_key(res: &ResourceDef) -> TableKey {
    (res.group, res.plural)
}

impl Store {
    pub fn new(history_limit: usize) -> Self {
        let (changes, _) = broadcast::channel(8192);
        Store {
            inner: Mutex::new(Inner {
                rv: 1,
                tables: HashMap::new(),
                history: VecDeque::new(),
                compacted: 1,
            }),
            changes,
            history_limit,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves consistent data behind (every
        // write is a single insert), so poisoning is not fatal.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn resource_version(&self) -> u64 {
        self.lock().rv
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Change>> {
        self.changes.subscribe()
    }

    pub fn get(&self, res: &ResourceDef, ns: &str, name: &str) -> Option<Arc<Value>> {
        let inner = self.lock();
        inner
            .tables
            .get(&table_key(res))?
            .get(&(ns.to_string(), name.to_string()))
            .cloned()
    }

    /// All objects of a resource (in one namespace when `ns` is given), in
    /// namespace/name order, with the resourceVersion they are consistent at.
    pub fn list(&self, res: &ResourceDef, ns: Option<&str>) -> (Vec<Arc<Value>>, u64) {
        let inner = self.lock();
        let items = match inner.tables.get(&table_key(res)) {
            None => Vec::new(),
            Some(table) => match ns {
                None => table.values().cloned().collect(),
                Some(ns) => table
                    .range((ns.to_string(), String::new())..)
                    .take_while(|((n, _), _)| n == ns)
                    .map(|(_, v)| v.clone())
                    .collect(),
            },
        };
        (items, inner.rv)
    }

    fn record(&self, inner: &mut Inner, change: Change) {
        let change = Arc::new(change);
        inner.history.push_back(change.clone());
        while inner.history.len() > self.history_limit {
            if let Some(old) = inner.history.pop_front() {
                inner.compacted = old.rv;
            }
        }
        // Nobody listening is fine.
        let _ = self.changes.send(change);
    }

    fn stamp(rv: u64, mut obj: Value) -> Value {
        meta::set(
            &mut obj,
            &["metadata", "resourceVersion"],
            Value::String(rv.to_string()),
        );
        obj
    }

    /// Stores a new object (metadata already filled in by the registry).
    pub fn create(
        &self,
        res: &'static ResourceDef,
        obj: Value,
        dry_run: bool,
    ) -> Result<Arc<Value>, ApiError> {
        let key = (
            meta::namespace(&obj).to_string(),
            meta::name(&obj).to_string(),
        );
        let mut inner = self.lock();
        let table = inner.tables.entry(table_key(res)).or_default();
        if table.contains_key(&key) {
            return Err(ApiError::already_exists(res, &key.1));
        }
        if dry_run {
            return Ok(Arc::new(obj));
        }
        let rv = inner.rv + 1;
        let obj = Arc::new(Self::stamp(rv, obj));
        inner.rv = rv;
        inner
            .tables
            .entry(table_key(res))
            .or_default()
            .insert(key, obj.clone());
        self.record(
            &mut inner,
            Change {
                rv,
                kind: EventType::Added,
                resource: res,
                object: obj.clone(),
                previous: None,
            },
        );
        Ok(obj)
    }

    /// Atomic read-modify-write of one object: `f` sees the current object
    /// under the lock, so concurrent writers never lose updates.
    pub fn update<F>(
        &self,
        res: &'static ResourceDef,
        ns: &str,
        name: &str,
        dry_run: bool,
        f: F,
    ) -> Result<Arc<Value>, ApiError>
    where
        F: FnOnce(&Arc<Value>) -> Result<Write, ApiError>,
    {
        let key = (ns.to_string(), name.to_string());
        let mut inner = self.lock();
        let current = inner
            .tables
            .get(&table_key(res))
            .and_then(|t| t.get(&key))
            .cloned()
            .ok_or_else(|| ApiError::not_found(res, name))?;
        let decision = f(&current)?;
        if dry_run {
            return Ok(match decision {
                Write::Replace(v) => Arc::new(v),
                Write::Unchanged | Write::Remove => current,
            });
        }
        let rv = inner.rv + 1;
        match decision {
            Write::Unchanged => Ok(current),
            Write::Replace(v) => {
                let obj = Arc::new(Self::stamp(rv, v));
                inner.rv = rv;
                inner
                    .tables
                    .entry(table_key(res))
                    .or_default()
                    .insert(key, obj.clone());
                self.record(
                    &mut inner,
                    Change {
                        rv,
                        kind: EventType::Modified,
                        resource: res,
                        object: obj.clone(),
                        previous: Some(current),
                    },
                );
                Ok(obj)
            }
            Write::Remove => {
                inner.rv = rv;
                if let Some(t) = inner.tables.get_mut(&table_key(res)) {
                    t.remove(&key);
                }
                // A deleted object carries the resourceVersion of its deletion.
                let obj = Arc::new(Self::stamp(rv, (*current).clone()));
                self.record(
                    &mut inner,
                    Change {
                        rv,
                        kind: EventType::Deleted,
                        resource: res,
                        object: obj.clone(),
                        previous: Some(current),
                    },
                );
                Ok(obj)
            }
        }
    }

    /// Snapshot or history for a new watch plus a receiver for what follows,
    /// taken under one lock so no change falls between the two.
    pub fn watch(
        &self,
        res: &'static ResourceDef,
        start: WatchStart,
    ) -> Result<WatchFeed, ApiError> {
        let inner = self.lock();
        let backlog = match start {
            WatchStart::Now => inner
                .tables
                .get(&table_key(res))
                .map(|t| {
                    t.values()
                        .map(|obj| {
                            Arc::new(Change {
                                rv: inner.rv,
                                kind: EventType::Added,
                                resource: res,
                                object: obj.clone(),
                                previous: None,
                            })
                        })
                        .collect()
                })
                .unwrap_or_default(),
            WatchStart::After(rv) => {
                if rv < inner.compacted {
                    return Err(ApiError::expired(format!(
                        "too old resource version: {rv} ({})",
                        inner.compacted
                    )));
                }
                inner
                    .history
                    .iter()
                    .filter(|c| c.rv > rv && c.resource == res)
                    .cloned()
                    .collect()
            }
        };
        Ok(WatchFeed {
            backlog,
            changes: self.changes.subscribe(),
            rv: inner.rv,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::resources::{NAMESPACES, PODS};
    use serde_json::json;

    fn pod(name: &str) -> Value {
        json!({"metadata": {"name": name, "namespace": "default"}})
    }

    #[test]
    fn versions_increase_and_conflicts_are_detected() {
        let s = Store::new(100);
        let a = s.create(&PODS, pod("a"), false).unwrap();
        let b = s.create(&PODS, pod("b"), false).unwrap();
        assert!(
            meta::resource_version(&b).parse::<u64>().unwrap()
                > meta::resource_version(&a).parse().unwrap()
        );
        assert_eq!(s.create(&PODS, pod("a"), false).unwrap_err().code, 409);
        let (items, _) = s.list(&PODS, Some("default"));
        assert_eq!(items.len(), 2);
        assert!(s.list(&PODS, Some("other")).0.is_empty());
        assert!(s.list(&NAMESPACES, None).0.is_empty());
    }

    #[test]
    fn watch_resumes_and_expires() {
        let s = Store::new(3);
        let first = s.create(&PODS, pod("a"), false).unwrap();
        let rv0: u64 = meta::resource_version(&first).parse().unwrap();
        for n in ["b", "c"] {
            s.create(&PODS, pod(n), false).unwrap();
        }
        let feed = s.watch(&PODS, WatchStart::After(rv0)).unwrap();
        assert_eq!(feed.backlog.len(), 2);
        for n in ["d", "e", "f"] {
            s.create(&PODS, pod(n), false).unwrap();
        }
        let err = s.watch(&PODS, WatchStart::After(rv0)).err().unwrap();
        assert_eq!((err.code, err.reason), (410, "Expired"));
        let now = s.watch(&PODS, WatchStart::Now).unwrap();
        assert_eq!(now.backlog.len(), 6);
    }

    #[test]
    fn remove_emits_deleted_with_new_version() {
        let s = Store::new(10);
        s.create(&PODS, pod("a"), false).unwrap();
        let mut rx = s.subscribe();
        let gone = s
            .update(&PODS, "default", "a", false, |_| Ok(Write::Remove))
            .unwrap();
        let change = rx.try_recv().unwrap();
        assert_eq!(change.kind, EventType::Deleted);
        assert_eq!(meta::resource_version(&gone), change.rv.to_string());
        assert!(s.get(&PODS, "default", "a").is_none());
    }
}
