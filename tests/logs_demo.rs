#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The log pipeline against the demo cluster, reached through its kubeconfig
//! like any cluster: a deployment's pods followed as one merged stream, and
//! a replacement pod attached on its own when one is deleted.

use std::collections::HashSet;
use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Pod;
use kockpit::cluster::logs::{LogOptions, LogSession, LogTarget};
use kockpit::demo::{DemoCluster, DemoOptions};
use kockpit::model::logs::{LineKind, LogBuffer, LogLine};
use kube::api::{Api, DeleteParams};

mod support;
use support::client::demo_client;

/// Pods with at least one normal line in the buffer.
fn pods_heard(session: &LogSession) -> HashSet<String> {
    session.with_buffer(|b| {
        b.lines()
            .iter()
            .filter(|l| l.kind == LineKind::Normal)
            .filter_map(|l| b.sources.get(l.source).map(|s| s.pod.clone()))
            .collect()
    })
}

/// What the session holds, for failure messages.
fn dump(session: &LogSession) -> String {
    session.with_buffer(|b| {
        let lines: Vec<&str> = b
            .lines()
            .iter()
            .rev()
            .take(20)
            .map(|l| l.text.as_str())
            .collect();
        format!(
            "status {:?}, last lines (newest first) {lines:#?}",
            b.status
        )
    })
}

async fn wait_until(session: &LogSession, what: &str, mut ok: impl FnMut() -> bool) {
    for _ in 0..600 {
        if ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}: {}", dump(session));
}

#[tokio::test]
async fn a_deployments_pods_are_followed_and_replacements_attached() {
    let cluster = DemoCluster::start(DemoOptions {
        speed: 4.0,
        ..Default::default()
    })
    .await
    .unwrap();
    let client = demo_client(&cluster).await;
    let deploy = Api::<Deployment>::namespaced(client.clone(), "shop")
        .get("api")
        .await
        .unwrap();
    let target = LogTarget::deployment(&deploy, None).unwrap();
    let session = LogSession::start(client.clone(), target, LogOptions::default());

    let pods = Api::<Pod>::namespaced(client.clone(), "shop");
    let names: Vec<String> = pods
        .list(&kube::api::ListParams::default().labels("app=api"))
        .await
        .unwrap()
        .items
        .into_iter()
        .filter_map(|p| p.metadata.name)
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    wait_until(&session, "lines from every api pod", || {
        let heard = pods_heard(&session);
        names.iter().all(|n| heard.contains(n))
    })
    .await;
    session.with_buffer(|b| {
        assert_eq!(b.status.target, "deploy/api");
        assert_eq!(b.status.attached, 3);
        assert_eq!(b.status.error, None);
        // Everything that reached the buffer is clean.
        assert!(b
            .lines()
            .iter()
            .all(|l| !l.text.chars().any(char::is_control)));
    });

    // A deleted pod is detached; its replacement is attached by itself.
    pods.delete(&names[0], &DeleteParams::default())
        .await
        .unwrap();
    let detached = format!("- {}/", names[0]);
    wait_until(&session, "the deleted pod's end marker", || {
        session.with_buffer(|b| b.lines().iter().any(|l| l.text.starts_with(&detached)))
    })
    .await;
    wait_until(&session, "lines from a replacement pod", || {
        pods_heard(&session).iter().any(|p| !names.contains(p))
    })
    .await;
    session.with_buffer(|b| assert_eq!(b.dropped(), 0));
    drop(session);
    cluster.shutdown().await;
}

#[tokio::test]
async fn a_crash_looping_container_is_reattached_after_each_restart() {
    let cluster = DemoCluster::start(DemoOptions {
        speed: 4.0,
        ..Default::default()
    })
    .await
    .unwrap();
    let client = demo_client(&cluster).await;
    // The shop scenario's canary crash-loops (its image tag says `crash`).
    let deploy = Api::<Deployment>::namespaced(client.clone(), "shop")
        .get("canary")
        .await
        .unwrap();
    let target = LogTarget::deployment(&deploy, None).unwrap();
    let session = LogSession::start(client.clone(), target, LogOptions::default());
    /// Where the first restart marker is, and whether the new instance's
    /// lines and the old one's end marker surround it.
    fn reattached(b: &LogBuffer) -> Option<(bool, bool)> {
        let lines: Vec<&LogLine> = b.lines().iter().collect();
        let i = lines
            .iter()
            .position(|l| l.kind == LineKind::Marker && l.text.contains(" restarted (restart "))?;
        let ended_before = lines[..i]
            .iter()
            .any(|l| l.kind == LineKind::Marker && l.text.contains(" terminated"));
        let lines_after = lines[i + 1..].iter().any(|l| l.kind == LineKind::Normal);
        Some((ended_before, lines_after))
    }
    wait_until(
        &session,
        "a restart marker followed by the new instance's lines",
        || session.with_buffer(|b| reattached(b).is_some_and(|(_, after)| after)),
    )
    .await;
    let (ended_before, _) = session.with_buffer(|b| reattached(b).unwrap());
    // The instance that died was followed to its end first.
    assert!(ended_before, "{}", dump(&session));
    assert_eq!(session.with_buffer(|b| b.status.error.clone()), None);
    drop(session);
    cluster.shutdown().await;
}
