#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The cockpit's cluster layer against a live API server: the demo cluster
//! by default, or the real control plane when KOCKPIT_TEST_KUBECONFIG names
//! its kubeconfig (tests/controlplane/cp.sh up). Same code path as the UI:
//! kubeconfig → connect → watchers → rows.

use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::Deployment;
use kube::api::{Patch, PatchParams, PostParams};
use kube::Api;

use kockpit::app::data::Data;
use kockpit::cluster::watch::Scope;
use kockpit::cluster::{connect, ConnectOptions, Kind, Watchers};
use kockpit::demo::{DemoCluster, DemoOptions};

/// A cluster for one test: the demo (owned, stopped on drop) or the real one.
struct Cluster {
    demo: Option<DemoCluster>,
    kubeconfig: std::path::PathBuf,
}

impl Cluster {
    async fn start() -> Cluster {
        if let Some(path) = std::env::var_os("KOCKPIT_TEST_KUBECONFIG") {
            return Cluster {
                demo: None,
                kubeconfig: path.into(),
            };
        }
        let demo = DemoCluster::start(DemoOptions::default()).await.unwrap();
        let kubeconfig = demo.kubeconfig_path().to_path_buf();
        Cluster {
            demo: Some(demo),
            kubeconfig,
        }
    }

    async fn stop(self) {
        if let Some(d) = self.demo {
            d.shutdown().await;
        }
    }
}

/// A namespace of the test's own, so runs against a shared real cluster
/// never collide.
async fn namespace(client: &kube::Client, name: &str) -> String {
    use k8s_openapi::api::core::v1::Namespace;
    let ns = format!("{name}-{}", std::process::id());
    let api: Api<Namespace> = Api::all(client.clone());
    let obj: Namespace =
        serde_json::from_value(serde_json::json!({"metadata": {"name": ns}})).unwrap();
    api.create(&PostParams::default(), &obj).await.unwrap();
    ns
}

fn deployment(ns: &str, name: &str, replicas: i32) -> Deployment {
    serde_json::from_value(serde_json::json!({
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": "ghcr.io/kockpit-demo/api:1.0.0"}]}
            }
        }
    }))
    .unwrap()
}

/// Waits (driving the watchers' change notifications) until `done` holds.
async fn wait_until(
    w: &Watchers,
    data: &mut Data,
    timeout: Duration,
    mut done: impl FnMut(&Data) -> bool,
) {
    let start = Instant::now();
    loop {
        for k in w.changes.take() {
            data.refresh(k, &w.stores);
        }
        if done(data) {
            return;
        }
        assert!(
            start.elapsed() < timeout,
            "timed out; pods: {:?}",
            data.pods
                .iter()
                .map(|p| (&p.row.name, &p.row.status))
                .collect::<Vec<_>>()
        );
        let _ = tokio::time::timeout(Duration::from_millis(200), w.changes.wait()).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scaling_from_2_to_5_arrives_through_the_watch() {
    let cluster = Cluster::start().await;
    let conn = connect(&ConnectOptions {
        kubeconfig: Some(cluster.kubeconfig.clone()),
        ..Default::default()
    })
    .await
    .unwrap();
    let ns = namespace(&conn.client, "scale").await;
    let api: Api<Deployment> = Api::namespaced(conn.client.clone(), &ns);
    api.create(&PostParams::default(), &deployment(&ns, "web", 2))
        .await
        .unwrap();

    let watchers = Watchers::start(conn.client.clone(), Scope::Namespace(ns.clone()));
    let mut data = Data::default();
    let running = |d: &Data| {
        d.pods
            .iter()
            .filter(|p| p.row.status == "Running" && p.row.ready == "1/1")
            .count()
    };
    wait_until(&watchers, &mut data, Duration::from_secs(30), |d| {
        running(d) == 2
    })
    .await;
    assert!(watchers.health.get(Kind::Pods).synced);

    api.patch_scale(
        "web",
        &PatchParams::default(),
        &Patch::Merge(serde_json::json!({"spec": {"replicas": 5}})),
    )
    .await
    .unwrap();
    wait_until(&watchers, &mut data, Duration::from_secs(30), |d| {
        running(d) == 5
    })
    .await;
    wait_until(&watchers, &mut data, Duration::from_secs(30), |d| {
        d.deployments
            .iter()
            .any(|it| it.row.name == "web" && it.row.ready == "5/5" && it.row.status == "Complete")
    })
    .await;
    // Every pod row came through intake: no managed fields cached.
    let pods = watchers.stores.pods.state();
    assert!(pods.iter().all(|p| p.metadata.managed_fields.is_none()));
    drop(watchers);
    cluster.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rollout_tree_follows_an_image_change() {
    use kockpit::model::rollout::{rollout_view, Phase};
    let cluster = Cluster::start().await;
    let conn = connect(&ConnectOptions {
        kubeconfig: Some(cluster.kubeconfig.clone()),
        ..Default::default()
    })
    .await
    .unwrap();
    let ns = namespace(&conn.client, "rollout").await;
    let api: Api<Deployment> = Api::namespaced(conn.client.clone(), &ns);
    api.create(&PostParams::default(), &deployment(&ns, "web", 3))
        .await
        .unwrap();
    let watchers = Watchers::start(conn.client.clone(), Scope::Namespace(ns.clone()));
    let mut data = Data::default();
    let complete = |d: &Data, rev: &str| {
        d.deployments.iter().any(|it| {
            it.row.name == "web"
                && it.row.status == "Complete"
                && it.row.revision.map(|r| r.to_string()).as_deref() == Some(rev)
                && it.row.ready == "3/3"
        })
    };
    wait_until(&watchers, &mut data, Duration::from_secs(30), |d| {
        complete(d, "1")
    })
    .await;

    let patch = serde_json::json!({"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "ghcr.io/kockpit-demo/api:2.0.0"}]}}}});
    api.patch("web", &PatchParams::default(), &Patch::Strategic(patch))
        .await
        .unwrap();
    // Seen through the same caches and pure view the detail screen draws.
    let view_of = |d: &Data| {
        let dep = d
            .deployments
            .iter()
            .find(|it| it.row.name == "web")
            .map(|it| it.obj.clone());
        let pods: Vec<_> = d.pods.iter().map(|p| p.obj.clone()).collect();
        dep.map(|dep| rollout_view(&dep, &d.replicasets, &pods, chrono::Utc::now(), None))
    };
    wait_until(&watchers, &mut data, Duration::from_secs(60), |d| {
        complete(d, "2")
            && view_of(d).is_some_and(|v| {
                v.tree.revisions.len() == 2
                    && v.progress.updated == 3
                    && v.progress.old_pending_termination == 0
            })
    })
    .await;
    let view = view_of(&data).unwrap();
    assert_eq!(view.tree.status.phase, Phase::Complete);
    drop(watchers);
    cluster.stop().await;
}

/// Needs a cluster we may restart: set KOCKPIT_TEST_RESTART to a command
/// that restarts the API server in place (CI: `tests/controlplane/cp.sh restart`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watchers_survive_an_api_server_restart() {
    let Some(restart) = std::env::var_os("KOCKPIT_TEST_RESTART") else {
        eprintln!("skipping: KOCKPIT_TEST_RESTART names no restart command");
        return;
    };
    let cluster = Cluster::start().await;
    let conn = connect(&ConnectOptions {
        kubeconfig: Some(cluster.kubeconfig.clone()),
        ..Default::default()
    })
    .await
    .unwrap();
    let ns = namespace(&conn.client, "restart").await;
    let api: Api<Deployment> = Api::namespaced(conn.client.clone(), &ns);
    api.create(&PostParams::default(), &deployment(&ns, "web", 1))
        .await
        .unwrap();
    let watchers = Watchers::start(conn.client.clone(), Scope::Namespace(ns.clone()));
    let mut data = Data::default();
    wait_until(&watchers, &mut data, Duration::from_secs(30), |d| {
        d.pods.iter().any(|p| p.row.status == "Running")
    })
    .await;

    let cmd = restart.clone();
    let status = tokio::task::spawn_blocking(move || {
        std::process::Command::new("sh")
            .arg("-c")
            .arg(&cmd)
            .status()
    })
    .await
    .unwrap()
    .unwrap();
    assert!(status.success(), "restart command failed");
    // After the restart, a change made through a fresh client arrives
    // through the old watchers: they resumed (or relisted) by themselves.
    let fresh = connect(&ConnectOptions {
        kubeconfig: Some(cluster.kubeconfig.clone()),
        ..Default::default()
    })
    .await
    .unwrap();
    let api: Api<Deployment> = Api::namespaced(fresh.client.clone(), &ns);
    api.patch_scale(
        "web",
        &PatchParams::default(),
        &Patch::Merge(serde_json::json!({"spec": {"replicas": 3}})),
    )
    .await
    .unwrap();
    wait_until(&watchers, &mut data, Duration::from_secs(90), |d| {
        d.pods.iter().filter(|p| p.row.status == "Running").count() == 3
    })
    .await;
    // A 410 after the restart makes the watchers relist; once that is done
    // nothing is reported as failing any more.
    let start = Instant::now();
    loop {
        let failing: Vec<_> = [Kind::Pods, Kind::Deployments, Kind::ReplicaSets]
            .into_iter()
            .filter_map(|k| watchers.health.get(k).error.map(|e| (k, e.0)))
            .collect();
        if failing.is_empty() {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "still failing: {failing:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    drop(watchers);
    cluster.stop().await;
}

/// In the background only Warnings are cached; a screen that shows every
/// event gets the Normal ones too, from the same watch, without losing the
/// Warnings meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn normal_events_are_cached_only_while_a_screen_wants_them() {
    use k8s_openapi::api::core::v1::Event;
    use kube::api::ListParams;
    let cluster = Cluster::start().await;
    let conn = connect(&ConnectOptions {
        kubeconfig: Some(cluster.kubeconfig.clone()),
        ..Default::default()
    })
    .await
    .unwrap();
    let ns = namespace(&conn.client, "evscope").await;
    let deployments: Api<Deployment> = Api::namespaced(conn.client.clone(), &ns);
    deployments
        .create(&PostParams::default(), &deployment(&ns, "web", 1))
        .await
        .unwrap();
    // The deployment controller's Normal ScalingReplicaSet, before watching.
    let events: Api<Event> = Api::namespaced(conn.client.clone(), &ns);
    let start = Instant::now();
    loop {
        let list = events.list(&ListParams::default()).await.unwrap();
        if list
            .items
            .iter()
            .any(|e| e.reason.as_deref() == Some("ScalingReplicaSet"))
        {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no ScalingReplicaSet event"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let warning: Event = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "web.probe-warning", "namespace": ns},
        "involvedObject": {"kind": "Deployment", "namespace": ns, "name": "web", "apiVersion": "apps/v1"},
        "type": "Warning", "reason": "ProbeWarning", "message": "written by the test",
        "source": {"component": "kockpit-test"},
        "firstTimestamp": "2026-01-01T00:00:00Z", "lastTimestamp": "2026-01-01T00:00:00Z", "count": 1
    }))
    .unwrap();
    events
        .create(&PostParams::default(), &warning)
        .await
        .unwrap();

    let watchers = Watchers::start(conn.client.clone(), Scope::Namespace(ns.clone()));
    let mut data = Data::default();
    let has = |d: &Data, reason: &str| d.events.iter().any(|e| e.row.reason == reason);
    wait_until(&watchers, &mut data, Duration::from_secs(30), |d| {
        has(d, "ProbeWarning")
    })
    .await;
    assert!(watchers.health.get(Kind::Events).synced);
    assert!(!data.events_complete);
    assert!(
        data.events.iter().all(|e| e.row.warning),
        "only Warnings in the background: {:?}",
        data.events
            .iter()
            .map(|e| &e.row.reason)
            .collect::<Vec<_>>()
    );

    watchers.stores.event_scope.want_all(true);
    wait_until(&watchers, &mut data, Duration::from_secs(30), |d| {
        d.events_complete && has(d, "ScalingReplicaSet")
    })
    .await;
    assert!(has(&data, "ProbeWarning"), "the Warnings stay");
    drop(watchers);
    cluster.stop().await;
}
