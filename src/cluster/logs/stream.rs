//! One log request, read to its end: bytes are cut into lines, parsed and
//! sanitized (once, here), de-duplicated against what was already seen, and
//! handed to the hub a chunk at a time.
//!
//! kube's client sets no read timeout on streams, so a half-open connection
//! would hang forever: a stream silent for the idle timeout is ended here
//! and the caller resumes it by time (a quiet container costs one cheap
//! request per timeout; nothing is duplicated or lost).

use std::time::Duration;

use futures::AsyncReadExt;
use k8s_openapi::api::core::v1::Pod;
use kube::api::LogParams;
use kube::Api;
use tokio::sync::watch;
use tokio::time::{sleep_until, Instant};

use super::state::ContainerState;
use super::Hub;
use crate::cluster::client::one_line;
use crate::model::logs::split::{to_line, LineSplitter};
use crate::model::logs::Cursor;
use crate::model::sanitize::clean;

/// After the instance being read stops running (or its pod goes), the
/// kubelet normally closes the stream at once; this bounds the wait.
const DRAIN: Duration = Duration::from_secs(3);

const CHUNK: usize = 64 * 1024;

#[derive(Debug, PartialEq)]
pub enum End {
    /// The server closed the stream.
    Eof,
    /// Nothing arrived for the idle timeout.
    Idle,
    /// The instance stopped running (or the pod went) and the stream did not
    /// close within the drain time.
    Drained,
    Failed {
        error: String,
        permanent: bool,
    },
}

pub struct Request<'a> {
    pub api: &'a Api<Pod>,
    pub pod: &'a str,
    pub params: LogParams,
    pub instance: &'a str,
    pub idle: Option<Duration>,
}

/// Reads one request; returns how it ended and how many new lines it gave.
pub async fn read(
    req: Request<'_>,
    cursor: &mut Cursor,
    hub: &Hub,
    source: u16,
    state: &mut watch::Receiver<ContainerState>,
) -> (End, usize) {
    let connect = req.api.log_stream(req.pod, &req.params);
    let connected = match req.idle {
        Some(idle) => match tokio::time::timeout(idle, connect).await {
            Ok(r) => r,
            Err(_) => return (End::Idle, 0),
        },
        None => connect.await,
    };
    let reader = match connected {
        Ok(r) => r,
        Err(e) => return (failed(&e), 0),
    };
    let mut reader = std::pin::pin!(reader);
    let mut splitter = LineSplitter::default();
    let mut chunk = vec![0u8; CHUNK];
    let mut new_lines = 0usize;
    let mut drain_until: Option<Instant> = None;
    // Far enough to mean "never" without overflowing Instant arithmetic.
    let never = Duration::from_secs(60 * 60 * 24 * 365);
    let mut idle_until = Instant::now() + req.idle.unwrap_or(never);
    // Only a following read can outlive its instance; any other read is
    // ended by the server, however long the log.
    let mut watching = req.params.follow;
    loop {
        let wake = drain_until.map_or(idle_until, |d| d.min(idle_until));
        tokio::select! {
            r = reader.read(&mut chunk) => match r {
                Ok(0) => {
                    // A following stream that ends mid-line was cut off, and
                    // the next request (by time) brings that line whole;
                    // keeping the fragment would duplicate part of it. A
                    // complete read may end without a newline.
                    if !req.params.follow {
                        let mut lines = Vec::new();
                        splitter.finish(|raw, cut| keep(&mut lines, cursor, to_line(raw, cut, source)));
                        new_lines += lines.len();
                        hub.push(lines);
                    }
                    return (End::Eof, new_lines);
                }
                Ok(n) => {
                    let mut lines = Vec::new();
                    splitter.feed(&chunk[..n], |raw, cut| {
                        keep(&mut lines, cursor, to_line(raw, cut, source));
                    });
                    new_lines += lines.len();
                    hub.push(lines);
                    if let Some(idle) = req.idle {
                        idle_until = Instant::now() + idle;
                    }
                }
                Err(e) => return (failed(&e), new_lines),
            },
            _ = sleep_until(wake) => {
                let end = if drain_until.is_some_and(|d| d <= Instant::now()) {
                    End::Drained
                } else {
                    End::Idle
                };
                return (end, new_lines);
            }
            changed = state.changed(), if watching => {
                let over = changed.is_err() || {
                    let s = state.borrow();
                    !s.present || !s.is_running(req.instance)
                };
                if over {
                    watching = false;
                    drain_until = Some(Instant::now() + DRAIN);
                }
            }
        }
    }
}

fn keep(
    lines: &mut Vec<crate::model::logs::LogLine>,
    cursor: &mut Cursor,
    line: crate::model::logs::LogLine,
) {
    if cursor.accept(line.at, &line.text) {
        lines.push(line);
    }
}

fn failed(e: &(dyn std::error::Error + 'static)) -> End {
    let (error, permanent) = match e.downcast_ref::<kube::Error>() {
        Some(kube::Error::Api(s)) => (
            format!("{} ({})", s.message, s.code),
            // Not allowed stays not allowed; anything else (a container
            // still starting, a 5xx, a 429) may pass on retry.
            matches!(s.code, 401 | 403),
        ),
        _ => (one_line(e), false),
    };
    // Server messages are cluster text like any other.
    End::Failed {
        error: clean(&error).into_owned(),
        permanent,
    }
}
