//! The streaming machinery against a small fake API server that behaves
//! like a kubelet behind an API server for pods and their logs (list,
//! watch, `follow`, `sinceTime` in whole seconds, `tailLines`, `previous`),
//! and can break streams at chosen lines.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use futures::StreamExt;
use serde_json::{json, Value};
use tokio::sync::{broadcast, watch};

use super::*;
use crate::model::logs::LineKind;

#[derive(Clone, Default)]
struct Script {
    lines: Vec<(DateTime<Utc>, String)>,
    /// A following request ends (EOF) after serving the line with this
    /// index; one cut per request, in order.
    cuts: VecDeque<usize>,
    /// Following requests see only this many lines (the rest is written
    /// "later": only `previous` or a non-following read shows them).
    visible: Option<usize>,
}

struct Fake {
    pods: Mutex<BTreeMap<String, Value>>,
    scripts: Mutex<HashMap<String, Script>>,
    requests: Mutex<Vec<HashMap<String, String>>>,
    events: broadcast::Sender<String>,
    version: watch::Sender<u64>,
    rv: AtomicU64,
}

type Q = Query<HashMap<String, String>>;

impl Fake {
    fn new() -> Arc<Self> {
        Arc::new(Fake {
            pods: Mutex::new(BTreeMap::new()),
            scripts: Mutex::new(HashMap::new()),
            requests: Mutex::new(Vec::new()),
            events: broadcast::channel(64).0,
            version: watch::channel(0).0,
            rv: AtomicU64::new(1),
        })
    }

    async fn serve(self: &Arc<Self>) -> kube::Client {
        let app = Router::new()
            .route("/api/v1/namespaces/{ns}/pods", get(pods))
            .route("/api/v1/namespaces/{ns}/pods/{name}/log", get(log))
            .with_state(Arc::clone(self));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        let config = kube::Config::new(format!("http://{addr}").parse().unwrap());
        kube::Client::try_from(config).unwrap()
    }

    fn set_pod(&self, mut pod: Value, kind: &str) {
        let rv = self.rv.fetch_add(1, Ordering::SeqCst) + 1;
        pod["metadata"]["resourceVersion"] = json!(rv.to_string());
        let name = pod["metadata"]["name"].as_str().unwrap().to_string();
        let event = json!({"type": kind, "object": pod}).to_string();
        if kind == "DELETED" {
            self.pods.lock().unwrap().remove(&name);
        } else {
            self.pods.lock().unwrap().insert(name, pod);
        }
        let _ = self.events.send(event + "\n");
        self.version.send_modify(|v| *v += 1);
    }

    fn script(&self, instance: &str, s: Script) {
        self.scripts.lock().unwrap().insert(instance.into(), s);
    }

    /// (current, previous) container IDs of a pod's container.
    fn instances(&self, pod: &str, container: &str) -> (Option<String>, Option<String>) {
        let pods = self.pods.lock().unwrap();
        let Some(p) = pods.get(pod) else {
            return (None, None);
        };
        let cs = p["status"]["containerStatuses"]
            .as_array()
            .and_then(|a| a.iter().find(|c| c["name"] == container).cloned())
            .unwrap_or_default();
        let s = |v: &Value| v.as_str().map(String::from);
        (
            s(&cs["containerID"]),
            s(&cs["lastState"]["terminated"]["containerID"]),
        )
    }

    fn log_requests(&self) -> Vec<HashMap<String, String>> {
        self.requests.lock().unwrap().clone()
    }
}

async fn pods(State(f): State<Arc<Fake>>, Path(_ns): Path<String>, Query(q): Q) -> Response {
    if q.get("watch").is_some_and(|w| w == "true") {
        let rx = f.events.subscribe();
        let events = futures::stream::unfold(rx, |mut rx| async move {
            loop {
                match rx.recv().await {
                    Ok(e) => return Some((Ok::<_, Infallible>(e), rx)),
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        });
        return Body::from_stream(events).into_response();
    }
    let only = q
        .get("fieldSelector")
        .and_then(|s| s.strip_prefix("metadata.name="))
        .map(String::from);
    let items: Vec<Value> = f
        .pods
        .lock()
        .unwrap()
        .values()
        .filter(|p| only.as_deref().is_none_or(|n| p["metadata"]["name"] == n))
        .cloned()
        .collect();
    let rv = f.rv.load(Ordering::SeqCst).to_string();
    axum::Json(json!({
        "apiVersion": "v1", "kind": "PodList",
        "metadata": {"resourceVersion": rv},
        "items": items
    }))
    .into_response()
}

async fn log(
    State(f): State<Arc<Fake>>,
    Path((_ns, pod)): Path<(String, String)>,
    Query(q): Q,
) -> Response {
    f.requests.lock().unwrap().push(q.clone());
    let container = q.get("container").cloned().unwrap_or_default();
    let flag = |k: &str| q.get(k).is_some_and(|v| v == "true");
    let (previous, follow) = (flag("previous"), flag("follow"));
    let (current, last) = f.instances(&pod, &container);
    let Some(id) = (if previous { last } else { current }) else {
        return (axum::http::StatusCode::BAD_REQUEST, "no such instance").into_response();
    };
    let since = q
        .get("sinceTime")
        .map(|s| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc));
    let (lines, cut) = {
        let mut scripts = f.scripts.lock().unwrap();
        let script = scripts.entry(id.clone()).or_default();
        let live = follow && !previous;
        let cut = if live { script.cuts.pop_front() } else { None };
        let visible = if live { script.visible } else { None };
        let mut picked: Vec<(usize, (DateTime<Utc>, String))> = script
            .lines
            .iter()
            .cloned()
            .enumerate()
            .take(visible.unwrap_or(usize::MAX))
            .filter(|(i, (t, _))| since.is_none_or(|s| *t >= s) && cut.is_none_or(|c| *i <= c))
            .collect();
        if let Some(n) = q.get("tailLines").and_then(|n| n.parse::<usize>().ok()) {
            picked.drain(..picked.len().saturating_sub(n));
        }
        (picked, cut)
    };
    let mut text = String::new();
    for (_, (t, l)) in lines {
        let stamp = t.to_rfc3339_opts(SecondsFormat::Nanos, true);
        text.push_str(&format!("{stamp} {l}\n"));
    }
    // Small uneven chunks: lines straddle reads, as over a real network.
    let chunks: Vec<Result<Vec<u8>, Infallible>> = text
        .into_bytes()
        .chunks(7)
        .map(|c| Ok(c.to_vec()))
        .collect();
    let body = futures::stream::iter(chunks);
    if !follow || cut.is_some() {
        return Body::from_stream(body).into_response();
    }
    // A following stream stays open until its instance stops being the
    // current one (a restart, a deletion), like the kubelet's.
    let mut version = f.version.subscribe();
    let f2 = Arc::clone(&f);
    let until_replaced = futures::stream::once(async move {
        loop {
            if f2.instances(&pod, &container).0.as_deref() != Some(id.as_str()) {
                return;
            }
            if version.changed().await.is_err() {
                return;
            }
        }
    })
    .filter_map(|_| async { None::<Result<Vec<u8>, Infallible>> });
    Body::from_stream(body.chain(until_replaced)).into_response()
}

fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 1, 10, 0, 0).unwrap()
}

fn pod(name: &str, restarts: i32, current: &str, last: Option<(&str, i32, &str)>) -> Value {
    let mut cs = json!({
        "name": "app", "ready": true, "restartCount": restarts, "image": "x", "imageID": "",
        "containerID": current,
        "state": {"running": {"startedAt": "2024-05-01T10:00:00Z"}}
    });
    if let Some((id, code, reason)) = last {
        cs["lastState"] =
            json!({"terminated": {"exitCode": code, "reason": reason, "containerID": id}});
    }
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "ns", "uid": format!("uid-{name}"), "labels": {"app": "web"}},
        "spec": {"containers": [{"name": "app"}]},
        "status": {"phase": "Running", "containerStatuses": [cs]}
    })
}

fn opts() -> LogOptions {
    LogOptions {
        tail_lines: None,
        merge_window: Duration::from_millis(30),
        idle_timeout: None,
        ..LogOptions::default()
    }
}

/// The texts in the buffer, markers included.
fn texts(s: &LogSession) -> Vec<String> {
    s.with_buffer(|b| b.lines().iter().map(|l| l.text.clone()).collect())
}

async fn wait_until(what: &str, mut ok: impl FnMut() -> bool) {
    for _ in 0..500 {
        if ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test]
async fn broken_streams_resume_without_duplicates_or_loss() {
    let fake = Fake::new();
    // Pairs of lines share a stamp; lines 30 and 31 are identical twins.
    let lines: Vec<(DateTime<Utc>, String)> = (0..60)
        .map(|i: i64| {
            let t = base()
                + chrono::Duration::seconds(i / 10)
                + chrono::Duration::milliseconds((i % 10) / 2 * 100);
            let text = if i == 30 || i == 31 {
                "dup".to_string()
            } else {
                format!("line {i}")
            };
            (t, text)
        })
        .collect();
    let want: Vec<String> = lines.iter().map(|(_, l)| l.clone()).collect();
    fake.script(
        "cri://a0",
        Script {
            lines,
            // Mid-pair, right after the twins, and at the end of a second.
            cuts: [14, 31, 49].into(),
            visible: None,
        },
    );
    fake.set_pod(pod("web-1", 0, "cri://a0", None), "ADDED");
    let client = fake.serve().await;
    let session = LogSession::start(
        client,
        LogTarget::container("ns", "web-1", Some("app")),
        LogOptions {
            idle_timeout: Some(Duration::from_millis(400)),
            ..opts()
        },
    );
    let normal = |s: &LogSession| {
        s.with_buffer(|b| {
            b.lines()
                .iter()
                .filter(|l| l.kind == LineKind::Normal)
                .map(|l| l.text.clone())
                .collect::<Vec<_>>()
        })
    };
    wait_until("all 60 lines", || normal(&session).len() >= 60).await;
    // Idle reconnects happen while nothing is written; none may duplicate.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(normal(&session), want);
    assert_eq!(texts(&session)[0], "+ web-1/app");

    let reqs = fake.log_requests();
    assert!(
        reqs.len() >= 5,
        "three cuts and an idle reconnect: {reqs:?}"
    );
    assert!(reqs
        .iter()
        .all(|q| q.get("timestamps").is_some_and(|v| v == "true")));
    assert!(!reqs[0].contains_key("sinceTime"));
    assert_eq!(
        reqs[1].get("sinceTime").map(String::as_str),
        Some("2024-05-01T10:00:01Z")
    );
    assert_eq!(
        reqs[2].get("sinceTime").map(String::as_str),
        Some("2024-05-01T10:00:03Z")
    );
    session.with_buffer(|b| {
        assert_eq!(b.dropped(), 0);
        assert_eq!(b.status.attached, 1);
        assert_eq!(b.status.target, "pod/web-1/app");
    });
}

#[tokio::test]
async fn a_restarted_container_keeps_its_last_lines_and_is_reattached() {
    let fake = Fake::new();
    let at = |s: i64| base() + chrono::Duration::seconds(s);
    fake.script(
        "cri://a0",
        Script {
            lines: (0..6).map(|i| (at(i), format!("A{i}"))).collect(),
            cuts: VecDeque::new(),
            // A5 was written as the container died, after the follow
            // stream last delivered: only `previous` has it.
            visible: Some(5),
        },
    );
    fake.script(
        "cri://a1",
        Script {
            lines: (0..3).map(|i| (at(10 + i), format!("B{i}"))).collect(),
            ..Script::default()
        },
    );
    fake.set_pod(pod("web-1", 0, "cri://a0", None), "ADDED");
    let client = fake.serve().await;
    let session = LogSession::start(
        client,
        LogTarget::selector("ns", "app=web", Some("^app$")).unwrap(),
        opts(),
    );
    wait_until("A4", || texts(&session).contains(&"A4".to_string())).await;
    wait_until("a watcher", || fake.events.receiver_count() > 0).await;
    fake.set_pod(
        pod("web-1", 1, "cri://a1", Some(("cri://a0", 137, "OOMKilled"))),
        "MODIFIED",
    );
    wait_until("B2", || texts(&session).contains(&"B2".to_string())).await;
    assert_eq!(
        texts(&session),
        [
            "+ web-1/app",
            "A0",
            "A1",
            "A2",
            "A3",
            "A4",
            "A5",
            "- web-1/app terminated (exit 137 OOMKilled)",
            "+ web-1/app restarted (restart 1)",
            "B0",
            "B1",
            "B2"
        ]
    );
    let prev = fake
        .log_requests()
        .into_iter()
        .find(|q| q.contains_key("previous"))
        .unwrap();
    assert_eq!(
        prev.get("sinceTime").map(String::as_str),
        Some("2024-05-01T10:00:04Z")
    );
}

#[tokio::test]
async fn streams_are_capped_and_new_pods_attach_when_a_slot_frees() {
    let fake = Fake::new();
    let at = |s: i64| base() + chrono::Duration::seconds(s);
    for (name, id) in [
        ("web-1", "cri://w1"),
        ("web-2", "cri://w2"),
        ("web-3", "cri://w3"),
    ] {
        fake.script(
            id,
            Script {
                lines: (0..3)
                    .map(|i| (at(i), format!("{name} says {i}")))
                    .collect(),
                ..Script::default()
            },
        );
    }
    fake.set_pod(pod("web-1", 0, "cri://w1", None), "ADDED");
    fake.set_pod(pod("web-2", 0, "cri://w2", None), "ADDED");
    let client = fake.serve().await;
    let session = LogSession::start(
        client,
        LogTarget::selector("ns", "app=web", None).unwrap(),
        LogOptions {
            max_streams: 2,
            tail_lines: Some(1),
            ..opts()
        },
    );
    let has = |s: &LogSession, t: &str| texts(s).iter().any(|l| l == t);
    wait_until("both tails", || {
        has(&session, "web-1 says 2") && has(&session, "web-2 says 2")
    })
    .await;
    // Pods running at start honour the tail.
    assert!(!has(&session, "web-1 says 1"));
    wait_until("a watcher", || fake.events.receiver_count() > 0).await;
    fake.set_pod(pod("web-3", 0, "cri://w3", None), "ADDED");
    wait_until("web-3 queued", || {
        session.with_buffer(|b| b.status.waiting == 1)
    })
    .await;
    let status = session.view(&LogViewState::default(), 10, 200).status;
    let status: String = status.iter().map(|s| s.text.as_str()).collect();
    assert!(status.contains("capped at 2, 1 waiting"), "{status}");

    fake.set_pod(pod("web-1", 0, "cri://w1", None), "DELETED");
    wait_until("web-3 attached", || has(&session, "web-3 says 2")).await;
    // A pod that appeared after the start is read from its first line.
    assert!(has(&session, "web-3 says 0"));
    assert!(has(&session, "- web-1/app"));
    session.with_buffer(|b| assert_eq!((b.status.attached, b.status.waiting), (2, 0)));
}

#[tokio::test]
async fn completed_pods_are_read_and_free_their_slot() {
    let fake = Fake::new();
    for name in ["job-1", "job-2"] {
        let id = format!("cri://{name}");
        fake.script(
            &id,
            Script {
                lines: vec![(base(), format!("{name} done"))],
                ..Script::default()
            },
        );
        let mut p = pod(name, 0, &id, None);
        p["status"]["phase"] = json!("Succeeded");
        p["status"]["containerStatuses"][0]["state"] =
            json!({"terminated": {"exitCode": 0, "reason": "Completed", "containerID": id}});
        fake.set_pod(p, "ADDED");
    }
    let client = fake.serve().await;
    let session = LogSession::start(
        client,
        LogTarget::selector("ns", "app=web", None).unwrap(),
        LogOptions {
            max_streams: 1,
            ..opts()
        },
    );
    let has = |s: &LogSession, t: &str| texts(s).iter().any(|l| l == t);
    wait_until("both jobs", || {
        has(&session, "- job-1/app") && has(&session, "- job-2/app")
    })
    .await;
    assert!(has(&session, "job-2 done"));
    assert!(has(&session, "- job-1/app terminated (exit 0 Completed)"));
    session.with_buffer(|b| assert_eq!((b.status.attached, b.status.waiting), (0, 0)));
}

#[tokio::test]
async fn a_missing_pod_is_said_and_drop_stops_everything() {
    let fake = Fake::new();
    let client = fake.serve().await;
    let session = LogSession::start(client, LogTarget::container("ns", "nope", None), opts());
    wait_until("the status", || {
        session.with_buffer(|b| b.status.error.as_deref() == Some("pod nope not found"))
    })
    .await;
    // `changed` was signalled for that status change and does not queue up.
    tokio::time::timeout(Duration::from_secs(1), session.changed())
        .await
        .unwrap();
    drop(session);
    tokio::time::sleep(Duration::from_millis(100)).await;
    // The watch connection closes with the session.
    assert_eq!(fake.events.receiver_count(), 0);
}

#[test]
fn selectors_and_targets() {
    let d: k8s_openapi::api::apps::v1::Deployment = serde_json::from_value(json!({
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {
            "selector": {
                "matchLabels": {"app": "web"},
                "matchExpressions": [
                    {"key": "tier", "operator": "In", "values": ["a", "b"]},
                    {"key": "canary", "operator": "DoesNotExist"}
                ]
            },
            "template": {}
        }
    }))
    .unwrap();
    let t = LogTarget::deployment(&d, Some("app|side")).unwrap();
    let LogTarget::Selector { selector, .. } = &t else {
        panic!()
    };
    assert_eq!(selector, "app=web,tier in (a,b),!canary");
    assert_eq!(
        (t.label(), t.namespace()),
        ("deploy/web".to_string(), "shop")
    );
    assert!(t.wants_container("sidecar") && !t.wants_container("init"));
    let err = LogTarget::selector("ns", "a=b", Some("(")).unwrap_err();
    assert!(
        err.starts_with("bad container regex:") && !err.contains('\n'),
        "{err}"
    );
    let c = LogTarget::container("ns", "p", Some("c"));
    assert!(c.wants_container("c") && !c.wants_container("d"));
}
