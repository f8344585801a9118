//! One kube-rs watcher per kind, each feeding a reflector store.
//!
//! Background tasks never touch UI state: they update their store, record
//! their health, and flip a "this kind changed" bit. The UI wakes on that
//! bit, drains every change at once, and redraws a single time.

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use kube::runtime::reflector::{self, Store};
use kube::runtime::watcher::{self, watcher, Event};
use kube::runtime::WatchStreamExt;
use kube::{Api, Client, Resource};
use serde::de::DeserializeOwned;
use tokio::task::JoinHandle;

use super::changes::Changes;
use super::client::one_line;
use super::event_scope::{EventScope, Selector};
use super::intake::Intake;
use super::kinds::kinds_list;
pub use super::kinds::Kind;
use super::logs::backoff::Backoff;

// The watchers' vocabulary lives in files of its own so the metrics poller
// can share it without depending on the watchers; callers meet it here.
pub use super::scope::Scope;

#[derive(Clone, Debug, Default)]
pub struct KindHealth {
    /// The first full list has arrived.
    pub synced: bool,
    /// When we last heard from the server about this kind.
    pub last_event: Option<Instant>,
    /// The current error and when the trouble started; `None` while live.
    pub error: Option<(String, Instant)>,
    /// The server does not serve this kind (404) or we may not list it
    /// (403): not an outage, so the data is not called stale for it.
    pub unavailable: Option<String>,
}

/// Per-kind liveness, read by the UI to say when data is stale.
#[derive(Clone, Default)]
pub struct WatchHealth(Arc<Mutex<HashMap<Kind, KindHealth>>>);

impl WatchHealth {
    pub fn get(&self, kind: Kind) -> KindHealth {
        self.0
            .lock()
            .map(|m| m.get(&kind).cloned().unwrap_or_default())
            .unwrap_or_default()
    }

    /// A lasting condition (not served, forbidden); returns whether it is new.
    fn record_unavailable(&self, kind: Kind, why: String) -> bool {
        let Ok(mut map) = self.0.lock() else {
            return false;
        };
        let h = map.entry(kind).or_default();
        let changed = h.unavailable.as_deref() != Some(why.as_str());
        h.unavailable = Some(why);
        h.error = None;
        changed
    }

    /// Returns whether the healthy/unhealthy state flipped.
    fn record(&self, kind: Kind, synced: bool, error: Option<String>) -> bool {
        let Ok(mut map) = self.0.lock() else {
            return false;
        };
        let h = map.entry(kind).or_default();
        if error.is_none() {
            h.unavailable = None;
        }
        let was_failing = h.error.is_some();
        match error {
            Some(e) => {
                let since = h.error.as_ref().map_or_else(Instant::now, |(_, t)| *t);
                h.error = Some((e, since));
            }
            None => {
                h.error = None;
                h.last_event = Some(Instant::now());
                h.synced |= synced;
            }
        }
        was_failing != h.error.is_some() || synced
    }
}

macro_rules! define_stores {
    (
        listed { $($lk:ident $lf:ident $m:ident::$r:ident,)* }
        cached { $($ck:ident $cf:ident $ct:ty,)* }
    ) => {
        /// The caches the UI reads from, one per watched kind. Events are
        /// Warnings only, unless a screen asked for all (see `event_scope`).
        #[derive(Clone)]
        pub struct Stores {
            $(pub $lf: Store<<super::kinds::$m::$r as super::kinds::Resource>::Api>,)*
            $(pub $cf: Store<$ct>,)*
            pub event_scope: EventScope,
            /// Pod CPU/memory, polled (metrics.k8s.io has no watch).
            pub usage: super::metrics::Usage,
        }

        impl Stores {
            fn spawn(ctx: &mut Spawner<'_>, event_scope: EventScope, usage: super::metrics::Usage) -> Self {
                Stores {
                    $($lf: ctx.spawn(Kind::$lk),)*
                    $($cf: ctx.spawn(Kind::$ck),)*
                    event_scope,
                    usage,
                }
            }
        }
    };
}

kinds_list!(define_stores);

/// The running watchers; dropping this stops them.
pub struct Watchers {
    pub stores: Stores,
    pub health: WatchHealth,
    pub changes: Arc<Changes>,
    pub scope: Scope,
    tasks: Vec<JoinHandle<()>>,
}

impl Watchers {
    pub fn start(client: Client, scope: Scope) -> Self {
        let changes = Arc::new(Changes::default());
        let health = WatchHealth::default();
        let mut tasks = Vec::new();
        let (event_scope, selector) = EventScope::new();
        let (usage, task) =
            super::metrics::start(client.clone(), scope.clone(), Arc::clone(&changes));
        tasks.push(task);
        let mut ctx = Spawner {
            client: &client,
            scope: &scope,
            changes: &changes,
            health: &health,
            tasks: &mut tasks,
            selectors: HashMap::from([(Kind::Events, selector)]),
        };
        let stores = Stores::spawn(&mut ctx, event_scope, usage);
        tasks.push(super::memory::spawn_trimmer());
        Watchers {
            stores,
            health,
            changes,
            scope,
            tasks,
        }
    }

    /// Every kind has listed once, or is known to be unavailable.
    pub fn all_synced(&self) -> bool {
        Kind::RESOURCES.iter().all(|k| {
            let h = self.health.get(*k);
            h.synced || h.unavailable.is_some()
        })
    }
}

impl Drop for Watchers {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

struct Spawner<'a> {
    client: &'a Client,
    scope: &'a Scope,
    changes: &'a Arc<Changes>,
    health: &'a WatchHealth,
    tasks: &'a mut Vec<JoinHandle<()>>,
    /// Kinds listed with a config that can change while running.
    selectors: HashMap<Kind, Selector>,
}

impl Spawner<'_> {
    /// A kind with a selector (`selectors`) is rebuilt at once, with no
    /// back-off, when its config changes.
    fn spawn<K>(&mut self, kind: Kind) -> Store<K>
    where
        K: Resource<DynamicType = (), Scope = k8s_openapi::NamespaceResourceScope>
            + Clone
            + DeserializeOwned
            + Debug
            + Send
            + Sync
            + Intake
            + 'static,
    {
        let mut selector = self.selectors.remove(&kind);
        let api: Api<K> = match self.scope {
            Scope::All => Api::all(self.client.clone()),
            Scope::Namespace(ns) => Api::namespaced(self.client.clone(), ns),
        };
        let (reader, mut writer) = reflector::store();
        let changes = Arc::clone(self.changes);
        let health = self.health.clone();
        // After any error the watcher is rebuilt, so it lists afresh (as
        // client-go's reflector does): a resumed watch reports nothing when
        // it reconnects, so an idle kind would otherwise be called stale
        // until its next change; InitDone says exactly when the cache is
        // whole and live again. The loop only ends when the task is aborted.
        self.tasks.push(tokio::spawn(async move {
            let mut backoff = Backoff::new(RETRY_MIN, RETRY_MAX, u32::MAX);
            let mut live_since: Option<Instant> = None;
            loop {
                let config = selector
                    .as_mut()
                    .map_or_else(watcher::Config::default, Selector::config);
                let stream = watcher(api.clone(), config).modify(Intake::intake);
                let mut stream = std::pin::pin!(stream);
                let mut reconfigured = false;
                loop {
                    let item = tokio::select! {
                        item = stream.next() => item,
                        () = reconfigure(&mut selector) => {
                            reconfigured = true;
                            break;
                        }
                    };
                    let Some(item) = item else { break };
                    match item {
                        Ok(event) => {
                            if matches!(event, Event::InitDone) {
                                if let Some(s) = &selector {
                                    s.synced();
                                }
                            }
                            writer.apply_watcher_event(&event);
                            super::memory::note_change();
                            // Init and InitApply only fill the writer's
                            // buffer: nothing visible changed yet.
                            if !matches!(
                                event,
                                Event::Apply(_) | Event::Delete(_) | Event::InitDone
                            ) {
                                continue;
                            }
                            let synced = matches!(event, Event::InitDone);
                            if synced {
                                live_since = Some(Instant::now());
                            }
                            if health.record(kind, synced, None) {
                                changes.mark(Kind::Health);
                            }
                            changes.mark(kind);
                        }
                        Err(e) => {
                            tracing::warn!(kind = kind.label(), error = %e, "watch error");
                            let flipped = match lasting(&e) {
                                Some(why) => health.record_unavailable(kind, why),
                                None => health.record(kind, false, Some(one_line(&e))),
                            };
                            if flipped {
                                changes.mark(Kind::Health);
                            }
                            break;
                        }
                    }
                }
                if reconfigured {
                    continue;
                }
                // A watch that was live for a while starts its retries
                // afresh; one that keeps failing backs off up to the cap.
                if live_since
                    .take()
                    .is_some_and(|t| t.elapsed() >= RETRY_RESET_AFTER)
                {
                    backoff.reset();
                }
                tokio::time::sleep(backoff.next_delay().unwrap_or(RETRY_MAX)).await;
            }
        }));
        reader
    }
}

async fn reconfigure(selector: &mut Option<Selector>) {
    match selector {
        Some(s) => s.changed().await,
        None => std::future::pending().await,
    }
}

/// Retry delays after a watch error, as kube's `default_backoff`: 0.8 s
/// doubling to 30 s, with jitter.
const RETRY_MIN: Duration = Duration::from_millis(800);
const RETRY_MAX: Duration = Duration::from_secs(30);
/// Live this long, a watch's next failure is retried quickly again.
const RETRY_RESET_AFTER: Duration = Duration::from_secs(30);

/// 404 and 403 on list are answers, not outages: the kind is not served,
/// or this user may not list it here.
fn lasting(e: &watcher::Error) -> Option<String> {
    let status = match e {
        watcher::Error::InitialListFailed(kube::Error::Api(s))
        | watcher::Error::WatchStartFailed(kube::Error::Api(s)) => s,
        _ => return None,
    };
    match status.code {
        404 => Some("not served by this cluster".into()),
        403 => Some(format!(
            "forbidden: {}",
            crate::model::sanitize::clean(&status.message)
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_coalesce_and_drain() {
        let c = Changes::default();
        c.mark(Kind::Pods);
        c.mark(Kind::Pods);
        c.mark(Kind::Deployments);
        assert_eq!(c.take(), vec![Kind::Deployments, Kind::Pods]);
        assert!(c.take().is_empty());
    }

    #[test]
    fn health_tracks_error_since_first_failure() {
        let h = WatchHealth::default();
        assert!(h.record(Kind::Pods, true, None));
        assert!(h.record(Kind::Pods, false, Some("boom".into())));
        let first = h.get(Kind::Pods).error.unwrap().1;
        assert!(!h.record(Kind::Pods, false, Some("again".into())));
        let again = h.get(Kind::Pods).error.unwrap();
        assert_eq!((again.0.as_str(), again.1), ("again", first));
        assert!(h.record(Kind::Pods, false, None));
        assert!(h.get(Kind::Pods).synced);
    }
}
