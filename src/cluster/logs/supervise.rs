//! Watches the target's pods and keeps one follower per (pod, container):
//! new pods are attached as they appear, up to `max_streams` at once (the
//! rest wait their turn, counted on the status line), and each follower is
//! told when its container restarts, stops, or its pod goes.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

use futures::StreamExt;
use k8s_openapi::api::core::v1::Pod as ApiPod;
use kube::runtime::watcher::{self, watcher, Event};
use kube::runtime::WatchStreamExt;
use kube::{Api, Client};
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::follow::Follower;
use super::state::{containers, ContainerState};
use super::{Hub, LogOptions, LogTarget};
use crate::cluster::client::one_line;
use crate::cluster::intake::Intake;
use crate::model::cached::Pod;

/// (pod UID, container name): a pod deleted and recreated under the same
/// name is a new stream.
type Key = (String, String);

enum Entry {
    Following(watch::Sender<ContainerState>),
    /// Has a log but no free stream slot yet.
    Queued {
        pod: String,
        state: ContainerState,
        existing: bool,
    },
    /// Not started yet (no instance to read).
    NotReady {
        pod: String,
        existing: bool,
    },
    /// Its follower ended (a one-shot read, or it was given up).
    Finished,
}

struct Supervisor {
    /// For reading logs: kube serves the log subresource on k8s-openapi's
    /// pod only.
    api: Api<ApiPod>,
    target: LogTarget,
    opts: Arc<LogOptions>,
    hub: Arc<Hub>,
    entries: HashMap<Key, Entry>,
    queue: VecDeque<Key>,
    tasks: JoinSet<Key>,
    /// The first list is complete; pods seen after it are new.
    synced: bool,
    /// UIDs seen since the latest (re)list began.
    relisted: HashSet<String>,
}

pub async fn supervise(client: Client, target: LogTarget, opts: Arc<LogOptions>, hub: Arc<Hub>) {
    let api: Api<ApiPod> = Api::namespaced(client.clone(), target.namespace());
    let pods: Api<Pod> = Api::namespaced(client, target.namespace());
    let config = match &target {
        LogTarget::Container { pod, .. } => {
            watcher::Config::default().fields(&format!("metadata.name={pod}"))
        }
        LogTarget::Selector { selector, .. } => watcher::Config::default().labels(selector),
    };
    let events = watcher(pods, config)
        .default_backoff()
        .modify(Intake::intake);
    let mut events = std::pin::pin!(events);
    let mut sup = Supervisor {
        api,
        target,
        opts,
        hub,
        entries: HashMap::new(),
        queue: VecDeque::new(),
        tasks: JoinSet::new(),
        synced: false,
        relisted: HashSet::new(),
    };
    loop {
        tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(ev)) => sup.on_event(ev),
                Some(Err(e)) => {
                    let text = format!("pod watch failing: {}", one_line(&e));
                    sup.hub.status(|s| s.error = Some(text));
                }
                None => return,
            },
            Some(done) = sup.tasks.join_next(), if !sup.tasks.is_empty() => {
                if let Ok(key) = done {
                    if let Some(e) = sup.entries.get_mut(&key) {
                        *e = Entry::Finished;
                    }
                }
            }
        }
        sup.fill_slots();
        sup.report();
    }
}

impl Supervisor {
    fn on_event(&mut self, ev: Event<Pod>) {
        match ev {
            Event::Init => self.relisted.clear(),
            Event::InitApply(p) => {
                self.relisted.insert(uid(&p));
                self.apply(&p);
            }
            Event::InitDone => {
                // Pods missed while disconnected are gone now.
                let gone: HashSet<String> = self
                    .entries
                    .keys()
                    .map(|(u, _)| u.clone())
                    .filter(|u| !self.relisted.contains(u))
                    .collect();
                for u in gone {
                    self.remove_pod(&u);
                }
                self.synced = true;
                self.clear_watch_error();
            }
            Event::Apply(p) => {
                self.apply(&p);
                self.clear_watch_error();
            }
            Event::Delete(p) => self.remove_pod(&uid(&p)),
        }
    }

    fn clear_watch_error(&self) {
        self.hub.status(|s| {
            if s.error
                .as_deref()
                .is_some_and(|e| e.starts_with("pod watch failing"))
            {
                s.error = None;
            }
        });
    }

    fn apply(&mut self, pod: &Pod) {
        let Some(name) = pod.metadata.name.clone() else {
            return;
        };
        let u = uid(pod);
        let existing = !self.synced;
        let wanted = |c: &str| self.target.wants_container(c);
        for (container, state) in containers(pod, wanted) {
            let key = (u.clone(), container);
            match self.entries.get_mut(&key) {
                Some(Entry::Following(tx)) => {
                    tx.send_if_modified(|old| {
                        let changed = *old != state;
                        *old = state;
                        changed
                    });
                }
                Some(Entry::Queued { state: s, .. }) => *s = state,
                Some(Entry::NotReady { pod, existing }) => {
                    if state.attachable() {
                        let (pod, existing) = (pod.clone(), *existing);
                        self.entries.insert(
                            key.clone(),
                            Entry::Queued {
                                pod,
                                state,
                                existing,
                            },
                        );
                        self.queue.push_back(key);
                    }
                }
                Some(Entry::Finished) => {}
                None => {
                    let pod = name.clone();
                    if state.attachable() {
                        self.entries.insert(
                            key.clone(),
                            Entry::Queued {
                                pod,
                                state,
                                existing,
                            },
                        );
                        self.queue.push_back(key);
                    } else {
                        self.entries.insert(key, Entry::NotReady { pod, existing });
                    }
                }
            }
        }
    }

    fn remove_pod(&mut self, uid: &str) {
        self.entries.retain(|(u, _), e| {
            if u != uid {
                return true;
            }
            if let Entry::Following(tx) = e {
                // The follower drains what the kubelet still sends, marks
                // the end and exits; dropping the sender tells it too.
                tx.send_modify(|s| s.present = false);
            }
            false
        });
        self.queue.retain(|(u, _)| u != uid);
    }

    fn fill_slots(&mut self) {
        while self.tasks.len() < self.opts.max_streams {
            let Some(key) = self.queue.pop_front() else {
                return;
            };
            let Some(Entry::Queued {
                pod,
                state,
                existing,
            }) = self.entries.remove(&key)
            else {
                continue;
            };
            let (tx, rx) = watch::channel(state);
            let follower = Follower {
                api: self.api.clone(),
                source: self.hub.source(&pod, &key.1),
                pod,
                container: key.1.clone(),
                hub: Arc::clone(&self.hub),
                state: rx,
                opts: Arc::clone(&self.opts),
                existing,
            };
            self.entries.insert(key.clone(), Entry::Following(tx));
            self.tasks.spawn(async move {
                follower.run().await;
                key
            });
        }
    }

    fn report(&self) {
        let attached = self.tasks.len();
        let waiting = self.queue.len();
        let none = self.synced && self.entries.is_empty();
        let what = match &self.target {
            LogTarget::Container { pod, .. } => format!("pod {pod} not found"),
            LogTarget::Selector { selector, .. } => format!("no pods match {selector}"),
        };
        self.hub.status(|s| {
            s.attached = attached;
            s.waiting = waiting;
            if none && s.error.is_none() {
                s.error = Some(what.clone());
            } else if !none && s.error.as_deref() == Some(what.as_str()) {
                s.error = None;
            }
        });
    }
}

fn uid(p: &Pod) -> String {
    p.metadata
        .uid
        .clone()
        .or_else(|| p.metadata.name.clone())
        .unwrap_or_default()
}
