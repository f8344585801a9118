#![allow(clippy::unwrap_used, clippy::expect_used)]
//! HorizontalPodAutoscalers and metrics.k8s.io in the demo cluster, through
//! the real kubectl and kube-rs: `kubectl get hpa` and `kubectl top` print
//! like against a real cluster, and the HPA controller scales a deployment
//! under load, with the upstream events and conditions.

use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::Event;
use kockpit::demo::{DemoCluster, DemoOptions};
use kube::api::{Api, ListParams, Patch, PatchParams};

mod support;
use support::client::demo_client;
use support::kubectl::{columns, kubectl_missing, DemoServer};
use support::poll::eventually;

fn percent(cell: &str) -> i64 {
    cell.trim_end_matches('%').parse().unwrap_or(-1)
}

#[test]
fn get_hpa_and_top_print_like_a_real_cluster() {
    if kubectl_missing() {
        return;
    }
    let demo = DemoServer::start_scenario("shop", "1");
    let out = eventually("TARGETS with a value", Duration::from_secs(20), || {
        let out = demo.ok(&["-n", "shop", "get", "hpa"]);
        if out.contains("<unknown>") {
            Err(out)
        } else {
            Ok(out)
        }
    });
    let mut lines = out.lines();
    assert_eq!(
        columns(lines.next().unwrap()),
        [
            "NAME",
            "REFERENCE",
            "TARGETS",
            "MINPODS",
            "MAXPODS",
            "REPLICAS",
            "AGE"
        ],
        "{out}"
    );
    let row = columns(lines.next().unwrap());
    assert_eq!(row[..2], ["api", "Deployment/api"], "{out}");
    assert_eq!(row[3..6], ["2", "10", "3"], "{out}");
    // The quiet start of the day curve: 440m over 3 pods of 250m, +-5 %.
    let (current, target) = row[2]
        .strip_prefix("cpu: ")
        .and_then(|t| t.split_once('/'))
        .unwrap_or_else(|| panic!("TARGETS {:?}", row[2]));
    assert_eq!(target, "60%");
    assert!((54..=66).contains(&percent(current)), "{out}");

    let describe = demo.ok(&["-n", "shop", "describe", "hpa", "api"]);
    for part in [
        "AbleToScale     True    ReadyForNewScale",
        "ScalingActive   True    ValidMetricFound",
        "ScalingLimited  False   DesiredWithinRange",
    ] {
        assert!(describe.contains(part), "{part:?} in {describe}");
    }

    let top = demo.ok(&["-n", "shop", "top", "pods"]);
    let mut lines = top.lines();
    assert_eq!(
        columns(lines.next().unwrap()),
        ["NAME", "CPU(cores)", "MEMORY(bytes)"],
        "{top}"
    );
    // The crash-looping canary has metrics only while its container runs.
    let rows: Vec<Vec<&str>> = lines
        .map(columns)
        .filter(|r| !r[0].starts_with("canary-"))
        .collect();
    // Nine Deployment pods and the redis StatefulSet's redis-0.
    assert_eq!(rows.len(), 10, "{top}");
    let api_cpu: Vec<i64> = rows
        .iter()
        .filter(|r| r[0].starts_with("api-"))
        .map(|r| r[1].trim_end_matches('m').parse().unwrap())
        .collect();
    assert_eq!(api_cpu.len(), 3, "{top}");
    // Each api pod carries a third of 440m, with noise.
    assert!(api_cpu.iter().all(|c| (130..=160).contains(c)), "{top}");
    // The HPA's figure is the same model: average over the pods.
    let average = api_cpu.iter().sum::<i64>() * 100 / (3 * 250);
    assert!((average - percent(current)).abs() <= 5, "{top} vs {out}");
    assert!(rows.iter().all(|r| r[2].ends_with("Mi")), "{top}");

    let nodes = demo.ok(&["top", "nodes"]);
    let header = columns(nodes.lines().next().unwrap());
    assert_eq!(
        header,
        ["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"],
        "{nodes}"
    );
    assert_eq!(nodes.lines().count(), 5, "{nodes}");
}

#[test]
fn a_traffic_spike_scales_to_the_maximum_then_down_after_stabilization() {
    if kubectl_missing() {
        return;
    }
    // At speed 20 the spike starts 6 s in and lasts 15 s.
    let demo = DemoServer::start_scenario("traffic-spike", "20");
    let replicas = || {
        let out = demo.ok(&["-n", "storefront", "get", "hpa", "web", "--no-headers"]);
        let row: Vec<String> = columns(&out).into_iter().map(String::from).collect();
        (row[5].parse::<i64>().unwrap_or(-1), out)
    };
    eventually("scale-up to the maximum", Duration::from_secs(40), || {
        let (n, out) = replicas();
        if n == 8 {
            Ok(())
        } else {
            Err(out)
        }
    });
    let describe = demo.ok(&["-n", "storefront", "describe", "hpa", "web"]);
    assert!(
        describe.contains("ScalingLimited  True    TooManyReplicas"),
        "{describe}"
    );
    // After the spike: held by the 2-minute window, then down to the minimum.
    eventually("a stabilized scale-down", Duration::from_secs(40), || {
        let out = demo.ok(&["-n", "storefront", "describe", "hpa", "web"]);
        if out.contains("ScaleDownStabilized") {
            Ok(())
        } else {
            Err(out)
        }
    });
    eventually("back at the minimum", Duration::from_secs(60), || {
        let (n, out) = replicas();
        if n == 2 {
            Ok(())
        } else {
            Err(out)
        }
    });
    let events = demo.ok(&[
        "-n",
        "storefront",
        "get",
        "events",
        "--field-selector",
        "reason=SuccessfulRescale",
        "-o",
        "jsonpath={range .items[*]}{.message}{\"\\n\"}{end}",
    ]);
    assert!(
        events.lines().any(|l| {
            l
            == "New size: 8; reason: cpu resource utilization (percentage of request) above target"
        }),
        "{events}"
    );
    assert!(
        events
            .lines()
            .any(|l| l.ends_with("; reason: All metrics below target")),
        "{events}"
    );
}

#[tokio::test]
async fn the_api_scales_up_when_its_load_spikes() {
    let cluster = DemoCluster::start(DemoOptions {
        speed: 20.0,
        ..Default::default()
    })
    .await
    .unwrap();
    let client = demo_client(&cluster).await;
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), "shop");
    let hpas: Api<HorizontalPodAutoscaler> = Api::namespaced(client.clone(), "shop");
    let hpa = hpas.get("api").await.unwrap();
    let spec = hpa.spec.as_ref().unwrap();
    assert_eq!((spec.min_replicas, spec.max_replicas), (Some(2), 10));
    // A spike: 3 cores of demand on 3 pods of 250m is 400 % of the request.
    let spike = serde_json::json!({"metadata": {"annotations": {"demo.kockpit.dev/load": "constant(3000m)"}}});
    deployments
        .patch("api", &PatchParams::default(), &Patch::Merge(&spike))
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let hpa = hpas.get("api").await.unwrap();
        let status = hpa.status.clone().unwrap_or_default();
        let replicas = deployments
            .get("api")
            .await
            .unwrap()
            .spec
            .and_then(|s| s.replicas);
        if replicas == Some(10) && status.current_replicas == Some(10) {
            let conditions = status.conditions.unwrap_or_default();
            let limited = conditions
                .iter()
                .find(|c| c.type_ == "ScalingLimited")
                .unwrap();
            assert_eq!(
                (limited.status.as_str(), limited.reason.as_deref()),
                ("True", Some("TooManyReplicas"))
            );
            assert!(status.last_scale_time.is_some());
            let metric = &status.current_metrics.unwrap()[0];
            let util = metric
                .resource
                .as_ref()
                .unwrap()
                .current
                .average_utilization
                .unwrap();
            assert!(util > 66, "{util}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "api did not reach 10 replicas: {replicas:?} {status:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let events: Api<Event> = Api::namespaced(client, "shop");
    let rescales: Vec<String> = events
        .list(&ListParams::default().fields("reason=SuccessfulRescale"))
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|e| e.involved_object.name.as_deref() == Some("api"))
        .filter_map(|e| e.message)
        .collect();
    // Default rules: at most double (or 4) per sync: 3 -> 6 -> 10.
    let reason = "; reason: cpu resource utilization (percentage of request) above target";
    for size in [6, 10] {
        assert!(
            rescales.contains(&format!("New size: {size}{reason}")),
            "{rescales:#?}"
        );
    }
    cluster.shutdown().await;
}
