#![allow(clippy::unwrap_used, clippy::expect_used)]
//! kube-rs against the demo cluster, reached through its kubeconfig like any
//! cluster: typed reads of every kind, writes with real error semantics, and
//! watchers that see scaling happen.

use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{Namespace, Node, Pod};
use kockpit::demo::{DemoCluster, DemoOptions};
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams};
use kube::core::PartialObjectMeta;
use kube::runtime::{reflector, watcher, WatchStreamExt};

mod support;
use support::client::demo_client;

async fn start() -> DemoCluster {
    DemoCluster::start(DemoOptions {
        speed: 4.0,
        ..Default::default()
    })
    .await
    .expect("demo cluster starts")
}

fn running_and_ready(p: &Pod) -> bool {
    let status = p.status.as_ref();
    status.and_then(|s| s.phase.as_deref()) == Some("Running")
        && p.metadata.deletion_timestamp.is_none()
        && status
            .and_then(|s| s.conditions.as_ref())
            .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

#[tokio::test]
async fn typed_clients_read_every_kind() {
    let cluster = start().await;
    let client = demo_client(&cluster).await;
    let namespaces = Api::<Namespace>::all(client.clone())
        .list(&ListParams::default())
        .await
        .unwrap();
    let names: Vec<_> = namespaces
        .items
        .iter()
        .filter_map(|n| n.metadata.name.clone())
        .collect();
    assert!(
        names.contains(&"default".to_string()) && names.contains(&"shop".to_string()),
        "{names:?}"
    );
    let nodes = Api::<Node>::all(client.clone())
        .list(&ListParams::default())
        .await
        .unwrap();
    assert!(nodes.items.len() >= 2);
    let deployments = Api::<Deployment>::namespaced(client.clone(), "shop");
    let list = deployments.list(&ListParams::default()).await.unwrap();
    assert_eq!(
        list.items.len(),
        5,
        "shop: api, canary, frontend-blue, frontend-green, worker"
    );
    let api = deployments.get("api").await.unwrap();
    let status = api.status.expect("status");
    assert_eq!(
        (
            status.replicas,
            status.ready_replicas,
            status.available_replicas
        ),
        (Some(3), Some(3), Some(3))
    );
    assert_eq!(
        deployments
            .get_scale("api")
            .await
            .unwrap()
            .spec
            .and_then(|s| s.replicas),
        Some(3)
    );
    let rs = Api::<ReplicaSet>::namespaced(client.clone(), "shop")
        .list(&ListParams::default().labels("app=api"))
        .await
        .unwrap();
    assert_eq!(rs.items.len(), 1);
    let pods = Api::<Pod>::all(client.clone())
        .list(
            &ListParams::default()
                .labels("app=api")
                .fields("status.phase=Running"),
        )
        .await
        .unwrap();
    assert_eq!(pods.items.len(), 3);
    assert!(pods.items.iter().all(running_and_ready));
    // Pagination: three pages of at most 4.
    let page = Api::<Pod>::all(client.clone())
        .list(&ListParams::default().limit(4))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 4);
    let token = page.metadata.continue_.expect("continue token");
    let next = Api::<Pod>::all(client)
        .list(&ListParams::default().limit(4).continue_token(&token))
        .await
        .unwrap();
    assert_eq!(next.items.len(), 4);
    assert!(next.items[0].metadata.name > page.items[3].metadata.name);
    cluster.shutdown().await;
}

#[tokio::test]
async fn writes_have_real_error_semantics() {
    let cluster = start().await;
    let client = demo_client(&cluster).await;
    let deployments = Api::<Deployment>::namespaced(client, "shop");
    let mut worker = deployments.get("worker").await.unwrap();
    let stale = worker.clone();
    worker
        .metadata
        .labels
        .get_or_insert_with(Default::default)
        .insert("tier".into(), "batch".into());
    deployments
        .replace("worker", &PostParams::default(), &worker)
        .await
        .unwrap();
    match deployments
        .replace("worker", &PostParams::default(), &stale)
        .await
    {
        Err(kube::Error::Api(e)) => assert_eq!((e.code, e.reason.as_str()), (409, "Conflict")),
        other => panic!("stale update must conflict, got {other:?}"),
    }
    match deployments.get("nope").await {
        Err(kube::Error::Api(e)) => assert_eq!(
            (e.code, e.reason.as_str(), e.message.as_str()),
            (404, "NotFound", "deployments.apps \"nope\" not found")
        ),
        other => panic!("{other:?}"),
    }
    let test_fails: json_patch::Patch = serde_json::from_value(serde_json::json!([
        {"op": "test", "path": "/spec/replicas", "value": 42},
        {"op": "replace", "path": "/spec/replicas", "value": 1}
    ]))
    .unwrap();
    match deployments
        .patch(
            "worker",
            &PatchParams::default(),
            &Patch::Json::<()>(test_fails),
        )
        .await
    {
        Err(kube::Error::Api(e)) => assert_eq!(e.code, 422),
        other => panic!("{other:?}"),
    }
    let dry = PatchParams {
        dry_run: true,
        ..Default::default()
    };
    let preview = deployments
        .patch(
            "worker",
            &dry,
            &Patch::Merge(serde_json::json!({"spec": {"replicas": 7}})),
        )
        .await
        .unwrap();
    assert_eq!(preview.spec.and_then(|s| s.replicas), Some(7));
    assert_eq!(
        deployments
            .get("worker")
            .await
            .unwrap()
            .spec
            .and_then(|s| s.replicas),
        Some(2),
        "dry run stores nothing"
    );
    cluster.shutdown().await;
}

/// Polls `probe` until it holds, for at most `secs` seconds.
async fn until(secs: u64, mut probe: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    while tokio::time::Instant::now() < deadline {
        if probe() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    probe()
}

#[tokio::test]
async fn watchers_see_a_scale_from_two_to_five() {
    let cluster = start().await;
    let client = demo_client(&cluster).await;
    let pods = Api::<Pod>::namespaced(client.clone(), "shop");
    let (store, writer) = reflector::store();
    let config = watcher::Config::default().labels("app=frontend,slot=blue");
    let stream = reflector(writer, watcher(pods, config).default_backoff()).applied_objects();
    let drain = tokio::spawn(stream.for_each(|ev| async move {
        ev.expect("watch event");
    }));
    let meta_api = Api::<PartialObjectMeta<Pod>>::namespaced(client.clone(), "shop");
    let mut metadata = Box::pin(watcher(meta_api, watcher::Config::default()).applied_objects());
    let first = metadata
        .next()
        .await
        .expect("metadata watch event")
        .expect("metadata object");
    assert!(first.metadata.name.is_some(), "metadata-only watches work");

    assert!(
        until(10, || store.state().len() == 2).await,
        "initial list of 2 pods"
    );
    assert_eq!(
        store
            .state()
            .iter()
            .filter(|p| running_and_ready(p))
            .count(),
        2
    );
    Api::<Deployment>::namespaced(client, "shop")
        .patch_scale(
            "frontend-blue",
            &PatchParams::default(),
            &Patch::Merge(serde_json::json!({"spec": {"replicas": 5}})),
        )
        .await
        .unwrap();
    let five = until(30, || {
        store
            .state()
            .iter()
            .filter(|p| running_and_ready(p))
            .count()
            == 5
    })
    .await;
    assert!(
        five,
        "5 running pods never arrived: {:?}",
        store
            .state()
            .iter()
            .map(|p| p.metadata.name.clone())
            .collect::<Vec<_>>()
    );
    drain.abort();
    cluster.shutdown().await;
}

#[tokio::test]
async fn refuses_non_loopback_and_unknown_scenarios() {
    let err = DemoCluster::start(DemoOptions {
        addr: "0.0.0.0:0".parse().unwrap(),
        ..Default::default()
    })
    .await
    .err()
    .expect("must refuse");
    assert!(err.to_string().contains("only loopback"), "{err}");
    let err = DemoCluster::start(DemoOptions {
        scenario: "nope".into(),
        ..Default::default()
    })
    .await
    .err()
    .expect("must refuse");
    assert!(
        err.to_string().contains("unknown demo scenario \"nope\""),
        "{err}"
    );
}

#[tokio::test]
async fn temporary_kubeconfig_is_removed_on_shutdown() {
    let cluster = start().await;
    let path = cluster.kubeconfig_path().to_path_buf();
    assert!(path.exists());
    cluster.shutdown().await;
    assert!(!path.exists());
}
