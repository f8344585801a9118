#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The demo API server under the `scale:1000x10` scenario (10,000 running
//! pods): a full pod list over HTTP as JSON and as a kubectl Table, and the
//! same lists while 100 watchers of all pods (started from the list's
//! resourceVersion, as informers do) stay connected.
//!
//! Target: each list under 300 ms. Idle CPU of `kockpit demo serve` is
//! measured by `tests/demo_idle_cpu.rs` (ignored test, see PERFORMANCE.md).
//! Run: `cargo bench --bench demo_server`.

use std::time::Duration;

use axum::http::{header, Request};
use criterion::{criterion_group, criterion_main, Criterion};
use futures::AsyncBufReadExt;
use kockpit::demo::{DemoCluster, DemoOptions};
use kube::Client;
use tokio::runtime::Runtime;

const TABLE: &str = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

async fn client(cluster: &DemoCluster) -> Client {
    let kc = kube::config::Kubeconfig::read_from(cluster.kubeconfig_path()).unwrap();
    let config = kube::Config::from_custom_kubeconfig(kc, &Default::default())
        .await
        .unwrap();
    Client::try_from(config).unwrap()
}

async fn get(client: &Client, path: &str, accept: &str) -> usize {
    let req = Request::get(path)
        .header(header::ACCEPT, accept)
        .body(Vec::new())
        .unwrap();
    client.request_text(req).await.unwrap().len()
}

fn bench(c: &mut Criterion) {
    let rt = Runtime::new().unwrap();
    let cluster = rt.block_on(async {
        DemoCluster::start(DemoOptions {
            scenario: "scale:1000x10".into(),
            ..Default::default()
        })
        .await
        .unwrap()
    });
    let client = rt.block_on(client(&cluster));
    let bytes = rt.block_on(get(&client, "/api/v1/pods", "application/json"));
    assert!(
        bytes > 10_000 * 1_000,
        "a list of 10,000 pods, got {bytes} bytes"
    );

    let mut group = c.benchmark_group("demo_server_10k_pods");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(15));
    group.bench_function("list_pods_json", |b| {
        b.iter(|| rt.block_on(get(&client, "/api/v1/pods", "application/json")))
    });
    group.bench_function("list_pods_table", |b| {
        b.iter(|| rt.block_on(get(&client, "/api/v1/pods", TABLE)))
    });

    // 100 watchers of every pod, started like informers from the list's
    // resourceVersion, each reading its stream to the end.
    let rv = rt.block_on(async {
        let req = Request::get("/api/v1/pods?limit=1")
            .body(Vec::new())
            .unwrap();
        let list: serde_json::Value = client.request(req).await.unwrap();
        list["metadata"]["resourceVersion"]
            .as_str()
            .unwrap()
            .to_string()
    });
    let mut watchers = Vec::new();
    for _ in 0..100 {
        let client = client.clone();
        let path = format!("/api/v1/pods?watch=1&allowWatchBookmarks=true&resourceVersion={rv}");
        watchers.push(rt.spawn(async move {
            let req = Request::get(path).body(Vec::new()).unwrap();
            let stream = client.request_stream(req).await.unwrap();
            let mut lines = stream.lines();
            let mut n = 0u64;
            while let Some(Ok(_)) = futures::StreamExt::next(&mut lines).await {
                n += 1;
            }
            n
        }));
    }
    // Let every watcher connect.
    rt.block_on(async { tokio::time::sleep(Duration::from_secs(5)).await });
    group.bench_function("list_pods_json_with_100_watchers", |b| {
        b.iter(|| rt.block_on(get(&client, "/api/v1/pods", "application/json")))
    });
    group.bench_function("list_pods_table_with_100_watchers", |b| {
        b.iter(|| rt.block_on(get(&client, "/api/v1/pods", TABLE)))
    });
    group.finish();
    for w in watchers {
        w.abort();
    }
    rt.block_on(cluster.shutdown());
}

criterion_group!(benches, bench);
criterion_main!(benches);
