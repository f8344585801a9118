#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The image-tag failure convention of the demo kubelet, seen through
//! kube-rs like any client: `crash` and `oom` crash-loop with growing
//! restarts, `missing` never gets its image, `slow` is ready late.

use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ContainerStatus, Pod};
use kockpit::demo::{DemoCluster, DemoOptions};
use kube::api::{Api, ListParams, PostParams};

mod support;
use support::client::demo_client;

fn deployment(name: &str, image: &str) -> Deployment {
    serde_json::from_value(serde_json::json!({
        "metadata": {"name": name, "namespace": "shop"},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "main", "image": image}]},
            },
        },
    }))
    .unwrap()
}

/// Polls the single pod of `app` until `done` holds for its container status.
async fn wait_for(
    pods: &Api<Pod>,
    app: &str,
    within: Duration,
    done: impl Fn(&Pod, &ContainerStatus) -> bool,
) -> Pod {
    let deadline = Instant::now() + within;
    let mut last = None;
    while Instant::now() < deadline {
        let list = pods
            .list(&ListParams::default().labels(&format!("app={app}")))
            .await
            .unwrap();
        if let Some(p) = list.items.into_iter().next() {
            let cs = p
                .status
                .as_ref()
                .and_then(|s| s.container_statuses.as_ref())
                .and_then(|c| c.first().cloned());
            if let Some(cs) = cs {
                if done(&p, &cs) {
                    return p;
                }
            }
            last = Some(p);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{app}: condition not reached; last pod: {last:#?}");
}

fn waiting_reason(cs: &ContainerStatus) -> Option<&str> {
    cs.state.as_ref()?.waiting.as_ref()?.reason.as_deref()
}

fn phase(p: &Pod) -> &str {
    p.status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("")
}

#[tokio::test]
async fn image_tags_choose_how_containers_fail() {
    // At speed 20 a crash takes 0.25 s and the back-offs are 0.5 s, 1 s, 2 s.
    let cluster = DemoCluster::start(DemoOptions {
        speed: 20.0,
        ..Default::default()
    })
    .await
    .expect("demo cluster starts");
    let client = demo_client(&cluster).await;
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), "shop");
    for (name, image) in [
        ("t-crash", "ghcr.io/kockpit-demo/api:1.13.0-crash"),
        ("t-oom", "ghcr.io/kockpit-demo/api:oom"),
        ("t-missing", "nginx:1.27-missing"),
        ("t-slow", "nginx:slow"),
        ("t-fine", "nginx:1.27"),
    ] {
        deployments
            .create(&PostParams::default(), &deployment(name, image))
            .await
            .unwrap();
    }
    let pods: Api<Pod> = Api::namespaced(client, "shop");
    let wait = Duration::from_secs(20);

    // A healthy pod is ready about 0.2 s after creation at this speed;
    // `slow` only after 1.5 s more.
    wait_for(&pods, "t-fine", wait, |_, cs| cs.ready).await;
    let slow = wait_for(&pods, "t-slow", wait, |p, _| phase(p) == "Running").await;
    let cs = &slow
        .status
        .as_ref()
        .unwrap()
        .container_statuses
        .as_ref()
        .unwrap()[0];
    assert!(!cs.ready, "slow is not ready yet");
    let started = Instant::now();
    wait_for(&pods, "t-slow", wait, |_, cs| cs.ready).await;
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "slow became ready {:?} after a healthy pod",
        started.elapsed()
    );

    let crash = wait_for(&pods, "t-crash", wait, |_, cs| {
        cs.restart_count >= 2 && waiting_reason(cs) == Some("CrashLoopBackOff")
    })
    .await;
    let cs = &crash
        .status
        .as_ref()
        .unwrap()
        .container_statuses
        .as_ref()
        .unwrap()[0];
    let last = cs.last_state.as_ref().unwrap().terminated.as_ref().unwrap();
    assert_eq!((last.exit_code, last.reason.as_deref()), (1, Some("Error")));
    assert!(!cs.ready);
    assert_eq!(phase(&crash), "Running");
    let message = cs
        .state
        .as_ref()
        .unwrap()
        .waiting
        .as_ref()
        .unwrap()
        .message
        .clone();
    let pod_name = crash.metadata.name.clone().unwrap();
    assert!(
        message
            .as_deref()
            .is_some_and(|m| m.starts_with("back-off ")
                && m.contains(&format!(
                    "restarting failed container=main pod={pod_name}_shop("
                ))),
        "{message:?}"
    );

    let oom = wait_for(&pods, "t-oom", wait, |_, cs| cs.restart_count >= 1).await;
    let cs = &oom
        .status
        .as_ref()
        .unwrap()
        .container_statuses
        .as_ref()
        .unwrap()[0];
    let last = cs.last_state.as_ref().unwrap().terminated.as_ref().unwrap();
    assert_eq!(
        (last.exit_code, last.reason.as_deref()),
        (137, Some("OOMKilled"))
    );

    let missing = wait_for(&pods, "t-missing", wait, |_, cs| {
        waiting_reason(cs) == Some("ImagePullBackOff")
    })
    .await;
    assert_eq!(phase(&missing), "Pending");
    let cs = &missing
        .status
        .as_ref()
        .unwrap()
        .container_statuses
        .as_ref()
        .unwrap()[0];
    assert_eq!(cs.restart_count, 0);
    assert!(cs.state.as_ref().unwrap().running.is_none());

    cluster.shutdown().await;
}

/// A rollout that names a ConfigMap nobody created: the container waits in
/// CreateContainerConfigError (the pod Pending, no restarts) with the
/// kubelet's message and Failed events, until the ConfigMap appears.
#[tokio::test]
async fn a_missing_config_map_blocks_the_container_until_it_is_created() {
    // At speed 20 the kubelet retries a config error every 0.5 s.
    let cluster = DemoCluster::start(DemoOptions {
        speed: 20.0,
        ..Default::default()
    })
    .await
    .expect("demo cluster starts");
    let client = demo_client(&cluster).await;
    let mut d = deployment("t-config", "nginx:1.27");
    let container = &mut d
        .spec
        .as_mut()
        .unwrap()
        .template
        .spec
        .as_mut()
        .unwrap()
        .containers[0];
    container.env = Some(vec![serde_json::from_value(serde_json::json!(
        {"name": "DB_URL", "valueFrom": {"configMapKeyRef": {"name": "t-config", "key": "db-url"}}}
    ))
    .unwrap()]);
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), "shop");
    deployments
        .create(&PostParams::default(), &d)
        .await
        .unwrap();
    let pods: Api<Pod> = Api::namespaced(client.clone(), "shop");
    let wait = Duration::from_secs(20);

    let blocked = wait_for(&pods, "t-config", wait, |_, cs| {
        waiting_reason(cs) == Some("CreateContainerConfigError")
    })
    .await;
    assert_eq!(phase(&blocked), "Pending");
    let cs = &blocked
        .status
        .as_ref()
        .unwrap()
        .container_statuses
        .as_ref()
        .unwrap()[0];
    let waiting = cs.state.as_ref().unwrap().waiting.as_ref().unwrap();
    assert_eq!(
        waiting.message.as_deref(),
        Some("configmap \"t-config\" not found")
    );
    assert_eq!(cs.restart_count, 0);

    // The kubelet says so on the pod, as a Warning, again on each retry.
    let pod_name = blocked.metadata.name.clone().unwrap();
    let events: Api<k8s_openapi::api::core::v1::Event> = Api::namespaced(client.clone(), "shop");
    let deadline = Instant::now() + wait;
    let failed = loop {
        let list = events
            .list(&ListParams::default().fields(&format!("involvedObject.name={pod_name}")))
            .await
            .unwrap();
        let failed = list.items.into_iter().find(|e| {
            e.reason.as_deref() == Some("Failed")
                && e.message.as_deref() == Some("Error: configmap \"t-config\" not found")
                && e.count.unwrap_or(1) >= 2
        });
        if let Some(e) = failed {
            break e;
        }
        assert!(
            Instant::now() < deadline,
            "no repeated Failed event for {pod_name}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(failed.type_.as_deref(), Some("Warning"));

    // The right ConfigMap, but without the key: the message names the key.
    let config_maps: Api<k8s_openapi::api::core::v1::ConfigMap> =
        Api::namespaced(client.clone(), "shop");
    let mut cm: k8s_openapi::api::core::v1::ConfigMap = serde_json::from_value(
        serde_json::json!({"metadata": {"name": "t-config"}, "data": {"other": "x"}}),
    )
    .unwrap();
    config_maps
        .create(&PostParams::default(), &cm)
        .await
        .unwrap();
    wait_for(&pods, "t-config", wait, |_, cs| {
        cs.state
            .as_ref()
            .and_then(|s| s.waiting.as_ref())
            .and_then(|w| w.message.as_deref())
            == Some("couldn't find key db-url in ConfigMap shop/t-config")
    })
    .await;

    cm.data = Some([("db-url".to_string(), "postgres://db".to_string())].into());
    cm.metadata.resource_version = None;
    config_maps
        .replace("t-config", &PostParams::default(), &cm)
        .await
        .unwrap();
    let ready = wait_for(&pods, "t-config", wait, |_, cs| cs.ready).await;
    assert_eq!(phase(&ready), "Running");
    let cs = &ready
        .status
        .as_ref()
        .unwrap()
        .container_statuses
        .as_ref()
        .unwrap()[0];
    assert_eq!(cs.restart_count, 0, "a config error is not a restart");

    cluster.shutdown().await;
}
