//! The one gate every change passes: read-only mode → permission
//! (SelfSubjectAccessReview, cached briefly) → preview → (the operator
//! confirms) → `dryRun=All` of every step → apply with a resourceVersion
//! precondition → result. Every attempt, refused ones included, is
//! journaled. A plan of several objects is dry-run whole before any of it
//! is applied, and a later step's failure undoes the earlier ones.
//!
//! This file is the transaction; `permission` caches the access checks,
//! `record` writes the journal entries and `rebase` holds the pure JSON
//! work (what moved since the preview, a re-based re-send, the undo).

mod permission;
mod rebase;
mod record;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kube::Client;
use serde_json::Value;

use super::errors::OpError;
use super::fetch::Fetch;
use super::identity::Identity;
use super::journal::{Journal, Outcome};
use super::plan::{Change, Plan, Prepared, Target};
use super::send;
use permission::PermKey;
use rebase::rebased;

pub use permission::{Permission, PERMISSION_TTL};
pub use rebase::{changed_paths, revert_change, Revert};

/// Sends of one change, counting re-sends after bookkeeping-only 409s.
const CONFLICT_ATTEMPTS: usize = 4;

/// Where the request is built, with the field manager it names.
pub use super::send::FIELD_MANAGER;

/// What a successful apply returns.
#[derive(Clone, Debug, PartialEq)]
pub struct Applied {
    /// Each object as the server returned it after its patch.
    pub objects: Vec<Value>,
    /// One line for the footer.
    pub message: String,
    /// Problems that did not stop the change (the journal could not be written).
    pub warnings: Vec<String>,
}

pub struct Gate {
    fetch: Fetch,
    readonly: bool,
    identity: Identity,
    journal: Option<Arc<Journal>>,
    journal_problem: Mutex<Option<String>>,
    permissions: Mutex<HashMap<PermKey, (Instant, Permission)>>,
    ttl: Duration,
}

impl Gate {
    /// `journal` None means journaling is impossible here (no state dir):
    /// changes still go through and every result says so.
    pub fn new(
        client: Client,
        identity: Identity,
        readonly: bool,
        journal: Option<Arc<Journal>>,
    ) -> Self {
        let problem = journal
            .is_none()
            .then(|| "the journal is not available: changes are not recorded".to_string());
        Gate {
            fetch: Fetch::new(client),
            readonly,
            identity,
            journal,
            journal_problem: Mutex::new(problem),
            permissions: Mutex::new(HashMap::new()),
            ttl: PERMISSION_TTL,
        }
    }

    /// Per-request deadline (default 15 s).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.fetch.timeout = timeout;
        self
    }

    pub fn with_permission_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    pub fn client(&self) -> &Client {
        &self.fetch.client
    }

    pub fn fetch(&self) -> &Fetch {
        &self.fetch
    }

    pub fn readonly(&self) -> bool {
        self.readonly
    }

    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// Why the journal could not be written, if it could not.
    pub fn journal_problem(&self) -> Option<String> {
        self.journal_problem.lock().ok().and_then(|p| p.clone())
    }

    /// Read-only and permission checks, then the preview. Refusals are
    /// journaled here; the operator's confirmation comes next.
    pub async fn prepare(&self, plan: Plan) -> Result<Prepared, OpError> {
        if plan.changes.is_empty() {
            return Err(OpError::refused("nothing to change"));
        }
        if self.readonly {
            for c in &plan.changes {
                self.record(
                    c,
                    Outcome::Refused,
                    &OpError::ReadOnly.to_string(),
                    plan.note.as_deref(),
                );
            }
            return Err(OpError::ReadOnly);
        }
        for c in &plan.changes {
            let t = &c.target;
            let (verb, sub) = c.patch.permission();
            let p = self
                .can_sub(verb, &t.group, &t.plural, sub, &t.namespace)
                .await;
            if let Permission::Denied(why) = p {
                let err = OpError::Forbidden(why);
                self.record(c, Outcome::Refused, &err.to_string(), plan.note.as_deref());
                return Err(err);
            }
        }
        Ok(Prepared::new(plan))
    }

    /// Dry-runs every step, then applies them in order with resourceVersion
    /// preconditions. Call only after the operator confirmed `prepared`.
    pub async fn apply(&self, prepared: &Prepared) -> Result<Applied, OpError> {
        let plan = &prepared.plan;
        let note = plan.note.as_deref();
        if self.readonly {
            for c in &plan.changes {
                self.record(c, Outcome::Refused, &OpError::ReadOnly.to_string(), note);
            }
            return Err(OpError::ReadOnly);
        }
        for c in &plan.changes {
            if let Err(e) = self.send(c, true).await {
                self.record(c, Outcome::DryRun, &e.to_string(), note);
                return Err(e);
            }
        }
        let mut done: Vec<(&Change, Value)> = Vec::new();
        for c in &plan.changes {
            match self.send(c, false).await {
                Ok(obj) => {
                    self.record(c, Outcome::Applied, "ok", note);
                    done.push((c, obj));
                }
                Err(e) => {
                    self.record(c, Outcome::Applied, &e.to_string(), note);
                    if done.is_empty() {
                        return Err(e);
                    }
                    let undone = self.undo(&done, &e).await;
                    return Err(with_suffix(e, &undone));
                }
            }
        }
        let mut warnings = Vec::new();
        if let Some(p) = self.journal_problem() {
            warnings.push(p);
        }
        let targets: Vec<String> = plan.changes.iter().map(|c| c.target.describe()).collect();
        Ok(Applied {
            objects: done.into_iter().map(|(_, v)| v).collect(),
            message: format!("{}: applied to {}", plan.title, targets.join(", ")),
            warnings,
        })
    }

    /// Puts back, newest first, the objects changed before a later step
    /// failed; says how that went.
    async fn undo(&self, done: &[(&Change, Value)], cause: &OpError) -> String {
        let mut failed = Vec::new();
        for (c, applied) in done.iter().rev() {
            let revert = match revert_change(c, applied) {
                Revert::Nothing => continue,
                Revert::Impossible(why) => {
                    failed.push(why);
                    continue;
                }
                Revert::Change(r) => r,
            };
            let note = format!("undoing an earlier step after: {cause}");
            match self.send(&revert, false).await {
                Ok(_) => self.record(&revert, Outcome::Applied, "ok", Some(&note)),
                Err(e) => {
                    self.record(&revert, Outcome::Applied, &e.to_string(), Some(&note));
                    failed.push(format!("{}: {e}", c.target.describe()));
                }
            }
        }
        if failed.is_empty() {
            "the earlier steps were undone; nothing is half-applied".into()
        } else {
            format!(
                "undoing the earlier steps failed — check {}",
                failed.join("; ")
            )
        }
    }

    /// One request (dry run or real) with the resourceVersion precondition.
    /// A 409 caused only by the server's own bookkeeping (a controller
    /// writing status, or its revision annotations) is not a conflict with
    /// what the operator reviewed: the object is re-read, and if its labels,
    /// annotations and spec are still what the preview showed, the same
    /// patch is sent again on the new resourceVersion. Anything else that
    /// changed is a real conflict, reported with the paths that moved.
    async fn send(&self, c: &Change, dry_run: bool) -> Result<Value, OpError> {
        let mut change = c.clone();
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.send_once(&change, dry_run).await {
                Err(OpError::Conflict(msg))
                    if attempt < CONFLICT_ATTEMPTS && c.patch.preconditioned() =>
                {
                    let current = self.read_json(&c.target).await?;
                    let moved = changed_paths(&c.before, &current);
                    if !moved.is_empty() {
                        return Err(OpError::Conflict(format!(
                            "{msg}; changed since the preview: {}",
                            moved.join(", ")
                        )));
                    }
                    change = rebased(&change, &current);
                }
                other => return other,
            }
        }
    }

    async fn read_json(&self, t: &Target) -> Result<Value, OpError> {
        send::read(&self.fetch, t).await
    }

    async fn send_once(&self, c: &Change, dry_run: bool) -> Result<Value, OpError> {
        send::once(&self.fetch, c, dry_run).await
    }
}

fn with_suffix(e: OpError, suffix: &str) -> OpError {
    let add = |s: String| format!("{s}; {suffix}");
    match e {
        OpError::Forbidden(s) => OpError::Forbidden(add(s)),
        OpError::NotFound(s) => OpError::NotFound(add(s)),
        OpError::Conflict(s) => OpError::Conflict(add(s)),
        OpError::Invalid(s) => OpError::Invalid(add(s)),
        OpError::Timeout(s) => OpError::Timeout(add(s)),
        OpError::Refused(s) => OpError::Refused(add(s)),
        OpError::Server(s) => OpError::Server(add(s)),
        OpError::ReadOnly => OpError::ReadOnly,
    }
}
