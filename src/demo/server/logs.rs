//! `GET /api/v1/namespaces/{ns}/pods/{name}/log`: plain text, streamed in
//! chunks while following, with the kubelet's options and error messages.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue};
use axum::response::Response;
use chrono::{DateTime, SecondsFormat, Utc};
use futures::StreamExt;
use serde_json::Value;
use tokio::sync::mpsc;

use super::ServerState;
use crate::demo::api::request::flag;
use crate::demo::clock::parse_time;
use crate::demo::error::ApiError;
use crate::demo::logs::{inject, Instance, LogLine, Source};
use crate::demo::meta;
use crate::demo::resources::PODS;

/// How often a follower re-reads its pod to notice an exit or deletion.
const RECHECK: Duration = Duration::from_millis(500);

#[derive(Debug, Default, Clone)]
struct Options {
    container: Option<String>,
    follow: bool,
    previous: bool,
    since: Option<DateTime<Utc>>,
    tail: Option<usize>,
    timestamps: bool,
    limit_bytes: Option<usize>,
}

fn number(q: &HashMap<String, String>, key: &str) -> Result<Option<i64>, ApiError> {
    q.get(key)
        .map(|v| {
            v.parse::<i64>()
                .map_err(|_| ApiError::bad_request(format!("{key}: invalid value {v:?}")))
        })
        .transpose()
}

fn options(q: &HashMap<String, String>, now: DateTime<Utc>) -> Result<Options, ApiError> {
    let since_seconds = number(q, "sinceSeconds")?;
    let since_time = q.get("sinceTime");
    if since_seconds.is_some() && since_time.is_some() {
        return Err(ApiError::bad_request(
            "at most one of `sinceTime` or `sinceSeconds` may be specified",
        ));
    }
    let since = match (since_seconds, since_time) {
        (Some(s), _) if s < 1 => {
            return Err(ApiError::bad_request(
                "sinceSeconds: Invalid value: must be greater than 0",
            ))
        }
        (Some(s), _) => Some(now - chrono::Duration::seconds(s)),
        (None, Some(t)) => Some(parse_time(t).ok_or_else(|| {
            ApiError::bad_request(format!("sinceTime: invalid RFC3339 time {t:?}"))
        })?),
        (None, None) => None,
    };
    let tail = match number(q, "tailLines")? {
        Some(n) if n < 0 => {
            return Err(ApiError::bad_request(
                "tailLines: Invalid value: must be greater than or equal to 0",
            ))
        }
        n => n.map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
    };
    let limit_bytes = match number(q, "limitBytes")? {
        Some(n) if n < 1 => {
            return Err(ApiError::bad_request(
                "limitBytes: Invalid value: must be greater than 0",
            ))
        }
        n => n.map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
    };
    Ok(Options {
        container: q.get("container").filter(|c| !c.is_empty()).cloned(),
        follow: flag(q, "follow"),
        previous: flag(q, "previous"),
        since,
        tail,
        timestamps: flag(q, "timestamps"),
        limit_bytes,
    })
}

/// The container the request names (or the only one).
fn container_name(pod: &Value, wanted: Option<&str>) -> Result<String, ApiError> {
    let name = meta::name(pod);
    let spec = meta::at(pod, &["spec"]);
    let names: Vec<&str> = meta::containers(spec)
        .iter()
        .chain(
            spec.and_then(|s| s.get("initContainers"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten(),
        )
        .filter_map(|c| c.get("name").and_then(Value::as_str))
        .collect();
    match wanted {
        Some(c) if names.contains(&c) => Ok(c.to_string()),
        Some(c) => Err(ApiError::bad_request(format!(
            "container {c} is not valid for pod {name}"
        ))),
        None if meta::containers(spec).len() == 1 => Ok(names[0].to_string()),
        None => Err(ApiError::bad_request(format!(
            "a container name must be specified for pod {name}, choose one of: [{}]",
            names.join(" ")
        ))),
    }
}

fn container_status<'a>(pod: &'a Value, container: &str) -> Option<&'a Value> {
    ["containerStatuses", "initContainerStatuses"]
        .iter()
        .filter_map(|k| meta::at(pod, &["status", k]).and_then(Value::as_array))
        .flatten()
        .find(|c| c.get("name").and_then(Value::as_str) == Some(container))
}

/// The instance whose log is read: the running (or last exited) one, or
/// with `previous` the one before.
fn instance(pod: &Value, container: &str, previous: bool) -> Result<Instance, ApiError> {
    let name = meta::name(pod);
    let status = container_status(pod, container);
    let last = status.and_then(|s| Instance::from_state(s.get("lastState")));
    if previous {
        return last.ok_or_else(|| {
            ApiError::bad_request(format!(
                "previous terminated container \"{container}\" in pod \"{name}\" not found"
            ))
        });
    }
    let current = status.and_then(|s| {
        Instance::from_state(s.get("state")).map(|mut i| {
            if i.finished.is_none() {
                i.container_id = meta::str_at(s, &["containerID"]).unwrap_or("").to_string();
            }
            i
        })
    });
    if let Some(i) = current.or(last) {
        return Ok(i);
    }
    let reason = status
        .and_then(|s| meta::str_at(s, &["state", "waiting", "reason"]))
        .map(|r| match r {
            "ErrImagePull" | "ImagePullBackOff" => "trying and failing to pull image",
            other => other,
        })
        .unwrap_or("ContainerCreating");
    Err(ApiError::bad_request(format!(
        "container \"{container}\" in pod \"{name}\" is waiting to start: {reason}"
    )))
}

/// Formats lines, spending the byte budget; `None` budget = unlimited.
fn render(lines: &[LogLine], timestamps: bool, budget: &mut Option<usize>) -> Vec<u8> {
    let mut out = Vec::new();
    for l in lines {
        if timestamps {
            out.extend_from_slice(l.at.to_rfc3339_opts(SecondsFormat::Nanos, true).as_bytes());
            out.push(b' ');
        }
        out.extend_from_slice(&l.text);
        out.push(b'\n');
    }
    if let Some(left) = budget {
        out.truncate(*left);
        *left -= out.len();
    }
    out
}

fn text_response(body: Body) -> Response {
    let mut resp = Response::new(body);
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    resp
}

pub fn serve(
    state: &Arc<ServerState>,
    ns: &str,
    name: &str,
    q: &HashMap<String, String>,
) -> Result<Response, ApiError> {
    let now = state.clock.now();
    let opts = options(q, now)?;
    let pod = state.registry.get(&PODS, ns, name)?;
    let container = container_name(&pod, opts.container.as_deref())?;
    let inst = instance(&pod, &container, opts.previous)?;
    let source = Source {
        pod: name,
        container: &container,
        injected: inject::lines(&pod),
        speed: state.clock.speed(),
    };
    let mut lines = source.lines(&inst, now);
    if let Some(since) = opts.since {
        lines.retain(|l| l.at >= since);
    }
    if let Some(n) = opts.tail {
        lines.drain(..lines.len().saturating_sub(n));
    }
    let mut budget = opts.limit_bytes;
    let first = render(&lines, opts.timestamps, &mut budget);
    let done = !opts.follow || opts.previous || inst.finished.is_some() || budget == Some(0);
    if done {
        return Ok(text_response(Body::from(first)));
    }
    let (tx, rx) = mpsc::channel::<Bytes>(64);
    let follower = Follower {
        state: state.clone(),
        ns: ns.to_string(),
        pod: name.to_string(),
        container,
        inst,
        timestamps: opts.timestamps,
        budget,
        sent_until: now,
    };
    tokio::spawn(follower.run(Bytes::from(first), tx));
    let stream = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|b| (Ok::<_, Infallible>(b), rx))
    });
    Ok(text_response(Body::from_stream(
        state.faults.abortable(stream.boxed()),
    )))
}

/// Streams the lines of one running instance as they are written, until it
/// exits, the pod goes away, the byte limit is spent or the client leaves.
struct Follower {
    state: Arc<ServerState>,
    ns: String,
    pod: String,
    container: String,
    inst: Instance,
    timestamps: bool,
    budget: Option<usize>,
    sent_until: DateTime<Utc>,
}

impl Follower {
    async fn run(mut self, first: Bytes, tx: mpsc::Sender<Bytes>) {
        if !first.is_empty() && tx.send(first).await.is_err() {
            return;
        }
        let mut shutdown = self.state.shutdown.clone();
        loop {
            let pod = self.state.registry.store.get(&PODS, &self.ns, &self.pod);
            let Some(pod) = pod.filter(|p| !p.is_null()) else {
                return;
            };
            let ended = self.ended(&pod);
            if let Some(finished) = &ended {
                self.inst.finished = Some(finished.clone());
            }
            let source = Source {
                pod: &self.pod,
                container: &self.container,
                injected: inject::lines(&pod),
                speed: self.state.clock.speed(),
            };
            let now = self.state.clock.now();
            let mut fresh = source.written(&self.inst, now);
            fresh.retain(|l| l.at > self.sent_until);
            // finishedAt has whole seconds, so the dying words may predate
            // lines already sent: they come last whatever their time.
            fresh.extend(source.epitaph(&self.inst));
            self.sent_until = now;
            if !fresh.is_empty() {
                let bytes = render(&fresh, self.timestamps, &mut self.budget);
                if tx.send(Bytes::from(bytes)).await.is_err() {
                    return;
                }
            }
            if ended.is_some() || self.budget == Some(0) {
                return;
            }
            let wait = source
                .next_after(&self.inst, now)
                .and_then(|at| (at - now).to_std().ok())
                .map_or(RECHECK, |d| d.min(RECHECK));
            tokio::select! {
                _ = tokio::time::sleep(wait + Duration::from_millis(1)) => {}
                _ = tx.closed() => return,
                _ = shutdown.changed() => return,
            }
        }
    }

    /// How the followed instance ended, once it has: its container is no
    /// longer the running one with the same ID.
    fn ended(&self, pod: &Value) -> Option<(DateTime<Utc>, String)> {
        let now = self.state.clock.now();
        let Some(status) = container_status(pod, &self.container) else {
            return Some((now, "Completed".into()));
        };
        let running_id =
            meta::at(status, &["state", "running"]).and(meta::str_at(status, &["containerID"]));
        if running_id == Some(self.inst.container_id.as_str()) {
            return None;
        }
        [status.get("state"), status.get("lastState")]
            .into_iter()
            .filter_map(Instance::from_state)
            .find(|i| i.container_id == self.inst.container_id)
            .and_then(|i| i.finished)
            .or(Some((now, "Completed".into())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn q(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn options_are_checked_like_the_api_server() {
        let now = Utc::now();
        assert!(options(&q(&[("sinceSeconds", "5"), ("sinceTime", "x")]), now).is_err());
        assert!(options(&q(&[("sinceSeconds", "0")]), now).is_err());
        assert!(options(&q(&[("tailLines", "-1")]), now).is_err());
        assert!(options(&q(&[("limitBytes", "0")]), now).is_err());
        let o = options(&q(&[("tailLines", "3"), ("follow", "true")]), now).unwrap();
        assert_eq!((o.tail, o.follow), (Some(3), true));
    }

    #[test]
    fn containers_and_instances_are_chosen_like_the_kubelet() {
        let pod = json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "a"}, {"name": "b"}]},
            "status": {"containerStatuses": [
                {"name": "a", "state": {"waiting": {"reason": "ContainerCreating"}}, "lastState": {}},
                {"name": "b", "containerID": "containerd://2", "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                 "lastState": {"terminated": {"containerID": "containerd://1", "exitCode": 1, "reason": "Error",
                    "startedAt": "2026-01-01T00:00:00Z", "finishedAt": "2026-01-01T00:00:05Z"}}}]}});
        assert_eq!(
            container_name(&pod, None).unwrap_err().message,
            "a container name must be specified for pod p, choose one of: [a b]"
        );
        assert_eq!(
            container_name(&pod, Some("c")).unwrap_err().message,
            "container c is not valid for pod p"
        );
        assert_eq!(
            instance(&pod, "a", true).unwrap_err().message,
            "previous terminated container \"a\" in pod \"p\" not found"
        );
        assert_eq!(
            instance(&pod, "a", false).unwrap_err().message,
            "container \"a\" in pod \"p\" is waiting to start: ContainerCreating"
        );
        let b = instance(&pod, "b", false).unwrap();
        assert_eq!(b.container_id, "containerd://1");
        assert_eq!(b, instance(&pod, "b", true).unwrap());
    }

    #[test]
    fn rendering_prefixes_timestamps_and_spends_the_byte_limit() {
        let at = parse_time("2026-01-01T00:00:01Z").unwrap();
        let lines = vec![
            LogLine {
                at,
                text: b"one".to_vec(),
            },
            LogLine {
                at,
                text: b"two".to_vec(),
            },
        ];
        assert_eq!(
            render(&lines, true, &mut None),
            b"2026-01-01T00:00:01.000000000Z one\n2026-01-01T00:00:01.000000000Z two\n"
        );
        let mut budget = Some(6);
        assert_eq!(render(&lines, false, &mut budget), b"one\ntw");
        assert_eq!(budget, Some(0));
    }
}
