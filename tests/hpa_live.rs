#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The HPA chart is fed live: against the demo's traffic-spike scenario
//! (an HPA'd deployment whose load jumps), the history the detail screen
//! charts gains points through the watch as the real-algorithm controller
//! scales up — nothing polled, nothing faked in the cockpit.

use std::time::{Duration, Instant};

use kockpit::app::data::Data;
use kockpit::cluster::watch::{Kind, Scope, Watchers};
use kockpit::demo::{DemoCluster, DemoOptions};
use kockpit::model::history::HpaHistory;

mod support;
use support::client::demo_client;

#[tokio::test]
async fn the_hpa_chart_gains_points_as_the_hpa_scales() {
    let cluster = DemoCluster::start(DemoOptions {
        scenario: "traffic-spike".into(),
        speed: 20.0,
        ..Default::default()
    })
    .await
    .unwrap();
    let client = demo_client(&cluster).await;
    let watchers = Watchers::start(client, Scope::Namespace("storefront".into()));
    let mut data = Data::default();
    let key = HpaHistory::key("storefront", "web");

    let deadline = Instant::now() + Duration::from_secs(60);
    let replicas_seen = loop {
        data.refresh(Kind::Hpas, &watchers.stores);
        let seen: Vec<i32> = data
            .hpa_history
            .samples(&key)
            .map(|s| s.iter().map(|x| x.current_replicas).collect())
            .unwrap_or_default();
        let mut distinct = seen.clone();
        distinct.dedup();
        if distinct.len() >= 3 {
            break seen;
        }
        assert!(
            Instant::now() < deadline,
            "the chart of {key} did not follow the scale-up: replicas per point {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    // Points arrive in time order and the replica count only rises during
    // the spike's scale-up.
    assert!(
        replicas_seen.windows(2).all(|w| w[0] <= w[1]),
        "{replicas_seen:?}"
    );
    let samples = data.hpa_history.samples(&key).unwrap();
    assert!(samples
        .iter()
        .zip(samples.iter().skip(1))
        .all(|(a, b)| a.at <= b.at));
    assert!(
        samples.iter().any(|s| !s.metrics.is_empty()),
        "the CPU metric is charted against its target"
    );
    drop(watchers);
    cluster.shutdown().await;
}
