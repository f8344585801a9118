//! Carries out [`WriteEffect`]s: each one a task on the runtime, its result
//! sent back as a `Done` message, so the UI never waits on the cluster. The
//! runner owns the gate (and through it the journal) and the running guard.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::watch;

use super::effects::Done;
use super::write::{WriteDone, WriteEffect};
use crate::cluster::ops::journal::read_journal;
use crate::cluster::ops::plan::Target;
use crate::cluster::ops::{
    bluegreen, guard, plan, Gate, GuardHandle, GuardTarget, GuardView, Journal,
};

/// Entries the journal panel reads (newest first).
const JOURNAL_LIMIT: usize = 1000;

/// How long a switch's EndpointSlices may take to follow the selector.
const VERIFY_WITHIN: Duration = Duration::from_secs(30);

pub struct WriteRunner {
    gate: Arc<Gate>,
    journal: Option<Arc<Journal>>,
    journal_path: Option<PathBuf>,
    slot_keys: Vec<String>,
    guard: Option<(GuardHandle, GuardTarget)>,
    guard_rx: Option<watch::Receiver<GuardView>>,
}

impl WriteRunner {
    /// `journal` is the one `gate` writes to, kept here to sync it.
    pub fn new(gate: Arc<Gate>, journal: Option<Arc<Journal>>, slot_keys: Vec<String>) -> Self {
        let journal_path = journal
            .as_ref()
            .map(|j| j.path().to_path_buf())
            .or_else(Journal::default_path);
        WriteRunner {
            gate,
            journal,
            journal_path,
            slot_keys,
            guard: None,
            guard_rx: None,
        }
    }

    /// The gate of `client`, journaling to the default journal. Returns a
    /// problem to show when the journal cannot be opened (changes still go
    /// through, and each result says they were not recorded).
    pub fn connect(
        client: kube::Client,
        identity: crate::cluster::ops::Identity,
        readonly: bool,
        journal: Option<Arc<Journal>>,
        slot_keys: Vec<String>,
    ) -> Self {
        let gate = Arc::new(Gate::new(client, identity, readonly, journal.clone()));
        WriteRunner::new(gate, journal, slot_keys)
    }

    pub fn gate(&self) -> &Arc<Gate> {
        &self.gate
    }

    pub fn journal_path(&self) -> String {
        self.journal_path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "(no journal: no state directory)".into())
    }

    pub fn execute(&mut self, effect: WriteEffect, tx: &UnboundedSender<Done>) {
        let send = |tx: &UnboundedSender<Done>, d: WriteDone| {
            let _ = tx.send(Done::Write(d));
        };
        match effect {
            WriteEffect::Plan { seq, request } => {
                let (gate, keys, tx) = (self.gate.clone(), self.slot_keys.clone(), tx.clone());
                tokio::spawn(async move {
                    let result = plan(&gate, &request, &keys).await;
                    send(&tx, WriteDone::Planned(seq, result));
                });
            }
            WriteEffect::Apply { seq, prepared } => {
                let (gate, tx) = (self.gate.clone(), tx.clone());
                tokio::spawn(async move {
                    let result = gate.apply(&prepared).await;
                    send(&tx, WriteDone::Applied(seq, result));
                });
            }
            WriteEffect::Cancelled(prepared) => {
                let gate = self.gate.clone();
                // A journal line is a small write, but it is still a disk
                // write: not on the UI's thread.
                tokio::task::spawn_blocking(move || gate.record_cancelled(&prepared));
            }
            WriteEffect::CheckPermissions(queries) => {
                let (gate, tx) = (self.gate.clone(), tx.clone());
                tokio::spawn(async move {
                    for q in queries {
                        let p = gate.can(q.verb, q.group, q.resource, &q.namespace).await;
                        send(&tx, WriteDone::Permission(q, p));
                    }
                });
            }
            WriteEffect::AfterApply { guard, verify } => {
                if let Some((target, budget)) = guard {
                    self.stop_guard("a new guard took over; nothing was undone");
                    let handle = guard::start(self.gate.clone(), target.clone(), budget);
                    let rx = handle.subscribe();
                    send(tx, WriteDone::Guard(handle.view()));
                    self.guard_rx = Some(rx);
                    self.guard = Some((handle, target));
                }
                if let Some(target) = verify {
                    let (gate, tx) = (self.gate.clone(), tx.clone());
                    tokio::spawn(async move {
                        let result =
                            bluegreen::verify_after_switch(&gate, &target, VERIFY_WITHIN).await;
                        let result = result.map(|(check, sentence)| (check.only_slot(), sentence));
                        send(&tx, WriteDone::Verified(result));
                    });
                }
            }
            WriteEffect::CancelGuard => {
                if let Some((g, _)) = &self.guard {
                    g.cancel();
                }
            }
            WriteEffect::ReadJournal => {
                let tx = tx.clone();
                let path = self.journal_path.clone();
                tokio::task::spawn_blocking(move || {
                    let result = match path {
                        Some(p) => read_journal(&p, JOURNAL_LIMIT),
                        None => Err("no state directory (set XDG_STATE_HOME or HOME)".into()),
                    };
                    send(&tx, WriteDone::Journal(result));
                });
            }
        }
    }

    /// The guard's next view; pending forever while no guard runs.
    pub async fn guard_changed(&mut self) -> GuardView {
        let Some(rx) = self.guard_rx.as_mut() else {
            return std::future::pending().await;
        };
        match rx.changed().await {
            Ok(()) => rx.borrow_and_update().clone(),
            Err(_) => {
                // The guard ended: its last view, then no more waking.
                let last = rx.borrow().clone();
                self.guard_rx = None;
                last
            }
        }
    }

    /// Stops a guard that is still watching, journaling that it stopped.
    fn stop_guard(&mut self, why: &str) {
        if let Some((handle, target)) = self.guard.take() {
            if !handle.view().state.finished() {
                self.gate
                    .record_note("guard", &guard_object(&target), "stopped", why);
            }
        }
        self.guard_rx = None;
    }

    /// On quit, SIGTERM, SIGHUP and context switches: a guard still
    /// watching is stopped and journaled, and the journal reaches the disk.
    pub fn shutdown(&mut self, why: &str) {
        self.stop_guard(why);
        self.sync_journal();
    }

    pub fn sync_journal(&self) {
        if let Some(j) = &self.journal {
            j.sync();
        }
    }
}

fn guard_object(t: &GuardTarget) -> Target {
    match t {
        GuardTarget::Rollout {
            namespace,
            deployment,
            ..
        } => Target::deployment(namespace, deployment),
        GuardTarget::Switch {
            namespace, service, ..
        } => Target::service(namespace, service),
    }
}

impl Drop for WriteRunner {
    fn drop(&mut self) {
        self.sync_journal();
    }
}
