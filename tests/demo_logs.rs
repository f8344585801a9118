#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Pod logs from the demo cluster through kube-rs: generated service logs,
//! lines injected by annotation (arbitrary bytes included), the kubelet's
//! options and errors, following, and the previous instance of a crashed
//! container.

use std::time::{Duration, Instant};

use futures::{AsyncBufReadExt, AsyncReadExt, StreamExt};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Pod;
use kockpit::demo::{DemoCluster, DemoOptions};
use kube::api::{Api, ListParams, LogParams, PostParams};

mod support;
use support::client::demo_client;

fn deployment(name: &str, image: &str, log_lines: Option<&str>) -> Deployment {
    let mut annotations = serde_json::Map::new();
    if let Some(l) = log_lines {
        annotations.insert("demo.kockpit.dev/log-lines".into(), l.into());
    }
    serde_json::from_value(serde_json::json!({
        "metadata": {"name": name, "namespace": "shop"},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}, "annotations": annotations},
                "spec": {"containers": [{"name": "api", "image": image}]},
            },
        },
    }))
    .unwrap()
}

async fn pod_of(pods: &Api<Pod>, app: &str, ok: impl Fn(&Pod) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        let list = pods
            .list(&ListParams::default().labels(&format!("app={app}")))
            .await
            .unwrap();
        if let Some(p) = list.items.iter().find(|p| ok(p)) {
            return p.metadata.name.clone().unwrap();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no pod of {app} got there");
}

fn running(p: &Pod) -> bool {
    p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running")
}

fn restarted(p: &Pod) -> bool {
    p.status
        .as_ref()
        .and_then(|s| s.container_statuses.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.restart_count >= 1))
}

async fn bytes(pods: &Api<Pod>, name: &str, lp: &LogParams) -> Vec<u8> {
    let mut out = Vec::new();
    let mut stream = pods.log_stream(name, lp).await.unwrap();
    stream.read_to_end(&mut out).await.unwrap();
    out
}

fn bad_request(err: kube::Error) -> String {
    match err {
        kube::Error::Api(s) => {
            assert_eq!(s.code, 400, "{s:?}");
            s.message
        }
        other => panic!("expected a Status, got {other:?}"),
    }
}

#[tokio::test]
async fn logs_behave_like_the_kubelets() {
    let cluster = DemoCluster::start(DemoOptions {
        speed: 20.0,
        ..Default::default()
    })
    .await
    .expect("demo cluster starts");
    let client = demo_client(&cluster).await;
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), "shop");
    let injected = r#"["first line", "raw \\xff\\x00 bytes \\x1b[31mred", "last"]"#;
    for d in [
        deployment("t-inject", "nginx:1.27", Some(injected)),
        deployment("t-crash", "ghcr.io/kockpit-demo/api:crash", None),
    ] {
        deployments
            .create(&PostParams::default(), &d)
            .await
            .unwrap();
    }
    let pods: Api<Pod> = Api::namespaced(client, "shop");

    // Injected lines come out exactly, bytes and all.
    let inject = pod_of(&pods, "t-inject", running).await;
    assert_eq!(
        bytes(&pods, &inject, &LogParams::default()).await,
        b"first line\nraw \xff\x00 bytes \x1b[31mred\nlast\n".to_vec()
    );
    let tail = LogParams {
        tail_lines: Some(1),
        timestamps: true,
        ..LogParams::default()
    };
    let last = String::from_utf8(bytes(&pods, &inject, &tail).await).unwrap();
    let (ts, text) = last.split_once(' ').unwrap();
    assert_eq!(text, "last\n");
    assert_eq!(ts.len(), "2026-01-01T00:00:00.000000000Z".len(), "{ts}");
    assert!(chrono::DateTime::parse_from_rfc3339(ts).is_ok(), "{ts}");
    let limited = LogParams {
        limit_bytes: Some(5),
        ..LogParams::default()
    };
    assert_eq!(bytes(&pods, &inject, &limited).await, b"first".to_vec());

    // Seeded pods have a long history; tail and since cut it.
    let api = pod_of(&pods, "api", running).await;
    let all = pods.logs(&api, &LogParams::default()).await.unwrap();
    assert!(all.lines().count() > 100, "{}", all.lines().count());
    assert!(all.lines().all(|l| l.starts_with('{')));
    let three = LogParams {
        tail_lines: Some(3),
        ..LogParams::default()
    };
    let tail = pods.logs(&api, &three).await.unwrap();
    assert_eq!(tail.lines().count(), 3);
    assert!(all.ends_with(&tail) || tail.lines().last() > all.lines().last());
    let recent = LogParams {
        since_seconds: Some(1),
        ..LogParams::default()
    };
    let recent = pods.logs(&api, &recent).await.unwrap().lines().count();
    assert!((1..=30).contains(&recent), "{recent}");

    // Following delivers new lines as they are written.
    let follow = LogParams {
        follow: true,
        tail_lines: Some(0),
        ..LogParams::default()
    };
    let mut lines = pods.log_stream(&api, &follow).await.unwrap().lines();
    for _ in 0..3 {
        let line = tokio::time::timeout(Duration::from_secs(5), lines.next())
            .await
            .expect("a new line while following")
            .unwrap()
            .unwrap();
        assert!(line.starts_with("{\"ts\":"), "{line}");
    }
    drop(lines);

    // Errors are the kubelet's.
    let bad = LogParams {
        container: Some("nope".into()),
        ..LogParams::default()
    };
    assert_eq!(
        bad_request(pods.logs(&api, &bad).await.unwrap_err()),
        format!("container nope is not valid for pod {api}")
    );
    let previous = LogParams {
        previous: true,
        ..LogParams::default()
    };
    assert_eq!(
        bad_request(pods.logs(&api, &previous).await.unwrap_err()),
        format!("previous terminated container \"api\" in pod \"{api}\" not found")
    );

    // A crashed container's previous instance ends with its panic.
    let crash = pod_of(&pods, "t-crash", restarted).await;
    let before = pods.logs(&crash, &previous).await.unwrap();
    assert!(
        before.contains("\npanic: runtime error: invalid memory address"),
        "{before}"
    );
    assert!(before.trim_end().ends_with("main.go:42 +0x65"), "{before}");
    cluster.shutdown().await;
}
