//! One container of one pod, followed across its restarts until the pod
//! goes: each instance is read to its end (resuming by time when the stream
//! breaks), its exit is marked, and the next instance is read from its start.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::jiff::Timestamp;
use kube::api::LogParams;
use kube::Api;
use tokio::sync::watch;

use super::backoff::Backoff;
use super::state::{ContainerState, Instance};
use super::stream::{self, End, Request};
use super::{Hub, LogOptions, Since};
use crate::model::logs::Cursor;

/// How long an ended stream waits for the pod watch to say whether its
/// container stopped (the stream usually ends first).
const SETTLE: Duration = Duration::from_secs(2);

pub struct Follower {
    pub api: Api<Pod>,
    pub pod: String,
    pub container: String,
    pub source: u16,
    pub hub: Arc<Hub>,
    pub state: watch::Receiver<ContainerState>,
    pub opts: Arc<LogOptions>,
    /// Running when the session started: the operator's tail/since apply.
    /// Containers that start later are read from their first line.
    pub existing: bool,
}

impl Follower {
    fn label(&self) -> String {
        format!("{}/{}", self.pod, self.container)
    }

    fn marker(&self, text: String) {
        self.hub.marker(self.source, text);
    }

    pub async fn run(mut self) {
        self.marker(format!("+ {}", self.label()));
        if self.opts.previous {
            self.read_previous_only().await;
        } else {
            self.follow_instances().await;
        }
        self.marker(format!("- {}", self.label()));
    }

    async fn follow_instances(&mut self) {
        let mut done: Option<String> = None;
        let mut first = true;
        loop {
            let st = self.state.borrow_and_update().clone();
            if !st.present {
                return;
            }
            let next = st.current.clone().filter(|i| done.as_ref() != Some(&i.id));
            match next {
                Some(inst) => {
                    if !first {
                        self.marker(format!(
                            "+ {} restarted (restart {})",
                            self.label(),
                            st.restarts
                        ));
                    }
                    let initial = first && self.existing;
                    first = false;
                    self.read_instance(&inst, initial).await;
                    done = Some(inst.id.clone());
                    self.mark_exit(&inst.id);
                }
                None => {
                    // Crash-looping when we arrive: the instance that just
                    // died is what the operator came for.
                    if let (true, Some(last)) = (first, st.last.clone()) {
                        self.read_instance(&last, self.existing).await;
                        done = Some(last.id.clone());
                        self.mark_exit(&last.id);
                    }
                    first = false;
                    // A finished pod runs nothing more: free the slot.
                    if !self.opts.follow || st.pod_done {
                        return;
                    }
                    if self.state.changed().await.is_err() {
                        return;
                    }
                    continue;
                }
            }
            if !self.opts.follow {
                return;
            }
        }
    }

    fn mark_exit(&self, id: &str) {
        let st = self.state.borrow().clone();
        if st.is_running(id) || !st.present {
            return;
        }
        let how = match st.exit_of(id) {
            Some(e) => format!(
                " (exit {}{})",
                e.code,
                e.reason
                    .as_ref()
                    .map(|r| format!(" {r}"))
                    .unwrap_or_default()
            ),
            None => String::new(),
        };
        self.marker(format!("- {} terminated{how}", self.label()));
    }

    async fn read_previous_only(&mut self) {
        let last = self.state.borrow().last.clone();
        match last {
            Some(inst) => {
                let mut cursor = Cursor::default();
                let mut params = self.params(false, true);
                self.initial(&mut params);
                let req = Request {
                    api: &self.api,
                    pod: &self.pod,
                    params,
                    instance: &inst.id,
                    idle: self.opts.idle_timeout,
                };
                if let (End::Failed { error, .. }, _) =
                    stream::read(req, &mut cursor, &self.hub, self.source, &mut self.state).await
                {
                    self.marker(format!("! {}: {error}", self.label()));
                }
            }
            None => self.marker(format!("! {}: no previous instance", self.label())),
        }
    }

    fn params(&self, follow: bool, previous: bool) -> LogParams {
        LogParams {
            container: Some(self.container.clone()),
            follow,
            previous,
            // Always: resuming, de-duplicating and merging all need them.
            timestamps: true,
            ..LogParams::default()
        }
    }

    fn initial(&self, params: &mut LogParams) {
        params.tail_lines = self.opts.tail_lines;
        match self.opts.since {
            Some(Since::Seconds(s)) => params.since_seconds = Some(s),
            Some(Since::Time(t)) => params.since_time = Some(whole_second(t)),
            None => {}
        }
    }

    /// Reads instance `inst` to its end, resuming after breaks.
    async fn read_instance(&mut self, inst: &Instance, initial: bool) {
        let mut cursor = Cursor::default();
        let mut backoff = Backoff::new(
            Duration::from_millis(500),
            Duration::from_secs(30),
            self.opts.max_attempts,
        );
        let mut first_request = true;
        loop {
            let st = self.state.borrow().clone();
            if !st.present {
                return;
            }
            // A restarted container's earlier instance is only reachable as
            // "previous"; one restarted twice over is out of reach.
            let (current, last) = (st.is_current(&inst.id), st.is_last(&inst.id));
            if !current && !last {
                // Lines may have been lost here: say so rather than nothing.
                self.marker(format!(
                    "! {}: restarted again before the end of an earlier instance could be read",
                    self.label()
                ));
                return;
            }
            let follow = self.opts.follow && st.is_running(&inst.id);
            let mut params = self.params(follow, !current);
            match cursor.resume_from() {
                Some(t) => params.since_time = Some(whole_second(t)),
                None if first_request && initial => self.initial(&mut params),
                None => {}
            }
            first_request = false;
            let req = Request {
                api: &self.api,
                pod: &self.pod,
                params,
                instance: &inst.id,
                idle: self.opts.idle_timeout,
            };
            let (end, got) =
                stream::read(req, &mut cursor, &self.hub, self.source, &mut self.state).await;
            if got > 0 {
                backoff.reset();
                self.clear_error();
            }
            match end {
                // A complete read of a stopped instance: done.
                End::Eof if !follow => return,
                End::Eof => {
                    self.settle(&inst.id).await;
                    // Still running: the stream broke, not the container.
                    // A stream that keeps ending with nothing new backs off.
                    if self.state.borrow().is_running(&inst.id)
                        && got == 0
                        && !self.wait(&mut backoff, "stream keeps closing").await
                    {
                        return;
                    }
                }
                End::Idle | End::Drained => {}
                End::Failed { error, permanent } => {
                    if permanent {
                        self.give_up(&error).await;
                        return;
                    }
                    if !self.wait(&mut backoff, &error).await {
                        return;
                    }
                }
            }
        }
    }

    /// Gives the pod watch a moment to report a stopped container.
    async fn settle(&mut self, id: &str) {
        if !self.state.borrow().is_running(id) {
            return;
        }
        let _ = tokio::time::timeout(SETTLE, self.state.changed()).await;
    }

    /// Waits out the next backoff delay, counted as reconnecting on the
    /// status line. `false` once the attempts are spent (the operator is
    /// told, and the stream waits for the container to change).
    async fn wait(&mut self, backoff: &mut Backoff, error: &str) -> bool {
        let Some(delay) = backoff.next_delay() else {
            let attempts = backoff.attempts();
            self.give_up(&format!("gave up after {attempts} attempts: {error}"))
                .await;
            return false;
        };
        let text = format!("{}: {error}; retrying", self.label());
        self.hub.status(|s| {
            s.reconnecting += 1;
            s.error = Some(text);
        });
        // A change in the pod (a restart, a deletion) is worth acting on now.
        let _ = tokio::time::timeout(delay, self.state.changed()).await;
        self.hub
            .status(|s| s.reconnecting = s.reconnecting.saturating_sub(1));
        true
    }

    /// Clears the status line's error if this stream put it there.
    fn clear_error(&self) {
        let mine = format!("{}: ", self.label());
        self.hub.status(|s| {
            if s.error.as_deref().is_some_and(|e| e.starts_with(&mine)) {
                s.error = None;
            }
        });
    }

    async fn give_up(&mut self, error: &str) {
        let text = format!("{}: {error}", self.label());
        self.marker(format!("! {text}"));
        self.hub.status(|s| s.error = Some(text));
        // Nothing more to do until the container changes (it may restart,
        // or permissions may be granted and the pod recreated).
        let _ = self.state.changed().await;
    }
}

/// The API server rounds `sinceTime` to the nearest second (so 10:00:00.7
/// would become 10:00:01 and lose lines); cutting it first makes the
/// rounding a no-op.
fn whole_second(t: DateTime<Utc>) -> Timestamp {
    Timestamp::new(t.timestamp(), 0).unwrap_or(Timestamp::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn since_time_is_cut_to_the_second() {
        let t = Utc.with_ymd_and_hms(2024, 5, 1, 10, 0, 0).unwrap()
            + chrono::Duration::milliseconds(700);
        assert_eq!(whole_second(t).to_string(), "2024-05-01T10:00:00Z");
    }
}
