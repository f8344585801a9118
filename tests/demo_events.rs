#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Events from the demo's controllers and kubelets, read through kube-rs:
//! the upstream reasons and messages, aggregation of repeats into `count`.

use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Event;
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

/// (reason, message, count, kind/name of the object) of the shop's events.
async fn events(api: &Api<Event>) -> Vec<(String, String, i32, String)> {
    api.list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|e| {
            let o = &e.involved_object;
            (
                e.reason.unwrap_or_default(),
                e.message.unwrap_or_default(),
                // events.k8s.io-style events (the scheduler's) carry no
                // count: one occurrence, or series.count for repeats.
                e.count
                    .or_else(|| e.series.as_ref().and_then(|s| s.count))
                    .unwrap_or(if e.event_time.is_some() { 1 } else { 0 }),
                format!(
                    "{}/{}",
                    o.kind.clone().unwrap_or_default(),
                    o.name.clone().unwrap_or_default()
                ),
            )
        })
        .collect()
}

#[tokio::test]
async fn controllers_and_kubelets_report_what_they_do() {
    let cluster = DemoCluster::start(DemoOptions {
        speed: 20.0,
        ..Default::default()
    })
    .await
    .expect("demo cluster starts");
    let client = demo_client(&cluster).await;
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), "shop");
    for (name, image) in [("t-crash", "x:crash"), ("t-missing", "x:missing")] {
        deployments
            .create(&PostParams::default(), &deployment(name, image))
            .await
            .unwrap();
    }
    let api: Api<Event> = Api::namespaced(client, "shop");
    let deadline = Instant::now() + Duration::from_secs(20);
    let has = |evs: &[(String, String, i32, String)], reason: &str, part: &str, min: i32| {
        evs.iter()
            .any(|(r, m, c, _)| r == reason && m.contains(part) && *c >= min)
    };
    loop {
        let evs = events(&api).await;
        let done = has(
            &evs,
            "BackOff",
            "Back-off restarting failed container main in pod t-crash-",
            2,
        ) && has(&evs, "Failed", "Error: ImagePullBackOff", 1);
        if done {
            break;
        }
        assert!(Instant::now() < deadline, "events so far: {evs:#?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let evs = events(&api).await;
    for (reason, part) in [
        ("ScalingReplicaSet", "Scaled up replica set t-crash-"),
        ("SuccessfulCreate", "Created pod: t-crash-"),
        ("Scheduled", "Successfully assigned shop/t-crash-"),
        ("Pulling", "Pulling image \"x:crash\""),
        ("Pulled", "Successfully pulled image \"x:crash\" in "),
        (
            "Pulled",
            "Container image \"x:crash\" already present on machine",
        ),
        ("Created", "Created container: main"),
        ("Started", "Started container main"),
        ("Unhealthy", "Readiness probe failed: "),
        ("Failed", "Failed to pull image \"x:missing\": "),
        ("Failed", "Error: ErrImagePull"),
        ("BackOff", "Back-off pulling image \"x:missing\""),
    ] {
        assert!(has(&evs, reason, part, 1), "{reason} {part:?} in {evs:#?}");
    }
    // The scheduler writes through the events.k8s.io recorder, as a real
    // v1.34 scheduler does.
    let scheduled = api
        .list(&ListParams::default().fields("reason=Scheduled"))
        .await
        .unwrap()
        .items;
    assert!(!scheduled.is_empty());
    for e in &scheduled {
        assert_eq!(e.action.as_deref(), Some("Binding"), "{e:#?}");
        assert!(
            e.event_time.is_some() && e.count.is_none() && e.first_timestamp.is_none(),
            "{e:#?}"
        );
        assert_eq!(e.reporting_component.as_deref(), Some("default-scheduler"));
    }
    let scaled = evs
        .iter()
        .find(|(r, m, _, _)| r == "ScalingReplicaSet" && m.contains("t-crash-"))
        .unwrap();
    assert!(scaled.1.ends_with(" from 0 to 1"), "{scaled:?}");
    assert_eq!(scaled.3, "Deployment/t-crash");
    // kubectl describe finds an object's events with field selectors.
    let fields = "involvedObject.kind=Deployment,involvedObject.name=t-crash,type=Normal";
    let mine = api
        .list(&ListParams::default().fields(fields))
        .await
        .unwrap()
        .items;
    assert_eq!(mine.len(), 1, "{mine:#?}");
    assert_eq!(mine[0].reason.as_deref(), Some("ScalingReplicaSet"));
    // Seeded objects look days old: their events have expired, as the API
    // server's one-hour TTL would have it.
    let seeded = "Scaled up replica set api-";
    assert!(!has(&evs, "ScalingReplicaSet", seeded, 1));
    cluster.shutdown().await;
}
