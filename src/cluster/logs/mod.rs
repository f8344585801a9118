//! Container logs, stern-style: one container, or every container of the
//! pods a label selector picks (a deployment's pods), merged into one
//! bounded, time-ordered buffer.
//!
//! ```text
//! pod watch ─► supervise ─► follow (one per pod/container, ≤ max_streams)
//!                                 └─ stream: request → lines → sanitize → dedupe
//!                                                              │
//!                     hub: merge window (by time) ─► LogBuffer (cap, counts drops)
//!                                                              │
//!                     LogSession::changed() wakes the UI ◄─────┘
//! ```
//!
//! The UI owns a [`LogViewState`] and, on each wake-up, builds a
//! [`LogView`] with [`LogSession::view`]; dropping the session stops every
//! task it started:
//!
//! ```text
//! let session = LogSession::start(client, LogTarget::deployment(&d, None)?, LogOptions::default());
//! let mut state = LogViewState::default();
//! loop {
//!     tokio::select! {
//!         _ = session.changed() => {}                       // lines or status changed
//!         key = keys.next() => match key {                  // operator input
//!             pause  => session.with_buffer(|b| state.toggle_pause(b)),
//!             pgup   => session.with_buffer(|b| state.scroll_up(page, b)),
//!             pgdn   => state.scroll_down(page),
//!             end    => state.follow(),
//!             filter => state.set_filter(LogFilter::new(inc, exc, hl)?),  // Err: one line
//!             save   => session.save(path, &state)?,       // lines written
//!         },
//!     }
//!     let view = session.view(&state, area.height, area.width);
//!     if Some(&view) != last.as_ref() { draw_logs(f, area, &view, theme); last = Some(view); }
//! }
//! ```

pub(super) mod backoff;
mod follow;
mod hub;
pub mod state;
mod stream;
mod supervise;

#[cfg(test)]
mod tests;

use std::io;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use kube::Client;
use regex::{Regex, RegexBuilder};
use tokio::task::JoinHandle;

use crate::model::logs::{log_view, save, LogBuffer, LogView, LogViewState};
use hub::Hub;

/// What to read logs from.
#[derive(Clone, Debug)]
pub enum LogTarget {
    /// One pod; one named container, or all of them.
    Container {
        namespace: String,
        pod: String,
        container: Option<String>,
    },
    /// Every pod a label selector matches, as they come and go; containers
    /// whose name the regex finds (all when `None`).
    Selector {
        namespace: String,
        selector: String,
        container: Option<Regex>,
        /// Shown on the status line: `deploy/web`, `-l app=web`.
        label: String,
    },
}

impl LogTarget {
    pub fn container(namespace: &str, pod: &str, container: Option<&str>) -> Self {
        LogTarget::Container {
            namespace: namespace.into(),
            pod: pod.into(),
            container: container.map(Into::into),
        }
    }

    /// `container_regex` is unanchored and case-sensitive, as stern's `-c`.
    pub fn selector(
        namespace: &str,
        selector: &str,
        container_regex: Option<&str>,
    ) -> Result<Self, String> {
        Ok(LogTarget::Selector {
            namespace: namespace.into(),
            selector: selector.into(),
            container: container_regex.map(compile_container).transpose()?,
            label: format!("-l {selector}"),
        })
    }

    /// The pods of a deployment: its `spec.selector`.
    pub fn deployment(d: &Deployment, container_regex: Option<&str>) -> Result<Self, String> {
        let name = d.metadata.name.clone().unwrap_or_default();
        let namespace = d
            .metadata
            .namespace
            .clone()
            .unwrap_or_else(|| "default".into());
        let selector = d
            .spec
            .as_ref()
            .map(|s| selector_string(&s.selector))
            .filter(|s| !s.is_empty())
            // An empty selector would follow every pod in the namespace.
            .ok_or_else(|| format!("deployment {name} has no pod selector"))?;
        let mut t = LogTarget::selector(&namespace, &selector, container_regex)?;
        if let LogTarget::Selector { label, .. } = &mut t {
            *label = format!("deploy/{name}");
        }
        Ok(t)
    }

    pub fn namespace(&self) -> &str {
        match self {
            LogTarget::Container { namespace, .. } | LogTarget::Selector { namespace, .. } => {
                namespace
            }
        }
    }

    pub fn label(&self) -> String {
        match self {
            LogTarget::Container {
                pod,
                container: Some(c),
                ..
            } => format!("pod/{pod}/{c}"),
            LogTarget::Container { pod, .. } => format!("pod/{pod}"),
            LogTarget::Selector { label, .. } => label.clone(),
        }
    }

    pub fn wants_container(&self, name: &str) -> bool {
        match self {
            LogTarget::Container { container, .. } => {
                container.as_deref().is_none_or(|c| c == name)
            }
            LogTarget::Selector { container, .. } => {
                container.as_ref().is_none_or(|r| r.is_match(name))
            }
        }
    }
}

fn compile_container(pattern: &str) -> Result<Regex, String> {
    RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| {
            let msg = e.to_string();
            let last = msg
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or(&msg);
            format!("bad container regex: {}", last.trim())
        })
}

/// A `LabelSelector` in the API's query syntax (`a=b,c in (d,e),!f`).
pub fn selector_string(sel: &LabelSelector) -> String {
    let mut parts: Vec<String> = sel
        .match_labels
        .iter()
        .flatten()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    for e in sel.match_expressions.iter().flatten() {
        let values = e.values.clone().unwrap_or_default().join(",");
        parts.push(match e.operator.as_str() {
            "In" => format!("{} in ({values})", e.key),
            "NotIn" => format!("{} notin ({values})", e.key),
            "Exists" => e.key.clone(),
            "DoesNotExist" => format!("!{}", e.key),
            // Unknown operators must not widen the match: ask for nothing.
            _ => format!("{} in ()", e.key),
        });
    }
    parts.join(",")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Since {
    Seconds(i64),
    Time(DateTime<Utc>),
}

#[derive(Clone, Debug)]
pub struct LogOptions {
    /// Keep streams open for new lines (off: read what is there and stop).
    pub follow: bool,
    /// Lines from the end of each container already running at start.
    pub tail_lines: Option<i64>,
    /// Only lines newer than this, for containers already running at start.
    pub since: Option<Since>,
    /// Read the previous (terminated) instance of each container, once.
    pub previous: bool,
    /// Lines kept; older ones are dropped and counted.
    pub buffer_cap: usize,
    /// Streams open at once; further containers wait their turn.
    pub max_streams: usize,
    /// How long lines wait to be ordered by time across streams.
    pub merge_window: Duration,
    /// A stream silent this long is reopened from where it was (kube sets no
    /// read timeout, so a dead connection would otherwise hang forever).
    pub idle_timeout: Option<Duration>,
    /// Failures in a row before a stream gives up (and says so).
    pub max_attempts: u32,
}

impl Default for LogOptions {
    fn default() -> Self {
        LogOptions {
            follow: true,
            tail_lines: Some(100),
            since: None,
            previous: false,
            buffer_cap: crate::model::logs::buffer::DEFAULT_CAP,
            max_streams: 50,
            merge_window: crate::model::logs::merge::DEFAULT_WINDOW,
            idle_timeout: Some(Duration::from_secs(60)),
            max_attempts: 8,
        }
    }
}

/// A running log session. Dropping it stops every task it started.
pub struct LogSession {
    hub: Arc<Hub>,
    tasks: Vec<JoinHandle<()>>,
}

impl LogSession {
    /// Starts watching and streaming; must be called inside a tokio runtime.
    pub fn start(client: Client, target: LogTarget, opts: LogOptions) -> Self {
        let hub = Hub::new(opts.buffer_cap, opts.merge_window);
        let label = target.label();
        let max_streams = opts.max_streams.max(1);
        hub.status(|s| {
            s.target = label;
            s.max_streams = max_streams;
        });
        let opts = Arc::new(LogOptions {
            max_streams,
            ..opts
        });
        let tasks = vec![
            tokio::spawn(Arc::clone(&hub).pump()),
            tokio::spawn(supervise::supervise(client, target, opts, Arc::clone(&hub))),
        ];
        LogSession { hub, tasks }
    }

    /// Resolves when the buffer or the status changed since the last call.
    /// Wake-ups coalesce: a burst of lines is one wake-up.
    pub async fn changed(&self) {
        self.hub.changed.notified().await;
    }

    /// Reads the buffer under its lock; keep `f` short.
    pub fn with_buffer<R>(&self, f: impl FnOnce(&LogBuffer) -> R) -> R {
        f(&self.hub.lock().buffer)
    }

    /// The rows that fit in `height` × `width`, and the status line.
    pub fn view(&self, state: &LogViewState, height: u16, width: u16) -> LogView {
        self.with_buffer(|b| log_view(b, state, height, width))
    }

    /// Saves what the filters let through (see `model::logs::save`).
    pub fn save(&self, path: &Path, state: &LogViewState) -> io::Result<usize> {
        // Copy out first: the file write must not hold up the streams.
        let buffer = self.with_buffer(Clone::clone);
        save::save(path, &buffer, &state.filter, state.timestamps)
    }

    pub fn stop(&mut self) {
        for t in self.tasks.drain(..) {
            t.abort();
        }
    }
}

impl Drop for LogSession {
    fn drop(&mut self) {
        self.stop();
    }
}
