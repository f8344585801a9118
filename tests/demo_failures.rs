#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The image-tag failure convention of the demo kubelet, seen through
//! kube-rs like any client: `crash` and `oom` crash-loop with growing
//! restarts, `missing` never gets its image, `slow` is ready late.

use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ContainerStatus, Pod};
use kockpit::demo::{DemoCluster, DemoOptions};
use kube::api::{Api, ListParams, PostParams};
use kube::Client;

async fn client(cluster: &DemoCluster) -> Client {
    let kc =
        kube::config::Kubeconfig::read_from(cluster.kubeconfig_path()).expect("kubeconfig parses");
    let config = kube::Config::from_custom_kubeconfig(kc, &Default::default())
        .await
        .expect("kubeconfig is usable");
    Client::try_from(config).expect("client")
}

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
    let client = client(&cluster).await;
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
