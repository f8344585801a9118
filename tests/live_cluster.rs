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
