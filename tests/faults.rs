#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The fault suite (security.md, "Faults a live view must survive"): the
//! cockpit's watchers, log streams and stale marker against a server that
//! misbehaves. Every test runs against the demo cluster with its fault
//! injector, through the same kubeconfig → client → watchers path as the
//! UI; with KOCKPIT_TEST_KUBECONFIG set it runs against that real control
//! plane instead, producing the fault there when it can (an API server
//! restart needs KOCKPIT_TEST_RESTART) and saying why when it cannot.
//!
//! Nothing here asserts on timing: every wait polls with a generous
//! deadline, so a busy 2-core CI machine only makes the tests slower.

#[path = "faults/logs.rs"]
mod logs;
#[path = "faults/restricted.rs"]
mod restricted;
#[path = "faults/stale.rs"]
mod stale;
// The suite-wide test support, beside this suite's own `support`.
#[path = "support/mod.rs"]
mod shared;
#[path = "faults/support.rs"]
mod support;

use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use kube::api::{DeleteParams, PostParams};
use kube::Api;

use kockpit::cluster::watch::Scope;
use kockpit::cluster::{Kind, Watchers};
use kockpit::demo::faults::FaultSpec;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watch_cut_mid_stream_resumes_and_the_cache_is_exact() {
    let cluster = Cluster::start().await;
    let Some(fault) = cluster.cut_or_restart() else {
        return;
    };
    let client = cluster.client().await;
    let ns = namespace(&client, "cut").await;
    let api: Api<Deployment> = Api::namespaced(client.clone(), &ns);
    api.create(&PostParams::default(), &deployment(&ns, "web", 2))
        .await
        .unwrap();
    let watchers = Watchers::start(client.clone(), Scope::Namespace(ns.clone()));
    wait_for(&watchers, "2 running pods", |w| running_pods(w) == 2).await;

    fault.produce(&cluster).await;
    if let Some(faults) = cluster.faults() {
        assert!(faults.snapshot().streams_killed >= 1);
    }
    // Made after the cut: it can only arrive through resumed watches.
    scale(&cluster.client().await, &ns, "web", 3).await;
    // The spec change proves the watch resumed; pods running would also
    // test kwok, which may itself still be recovering from a restart.
    wait_for(&watchers, "replicas 3 in the cache", |w| {
        desired_replicas(w, "web") == Some(3)
    })
    .await;
    wait_exact(&watchers, &cluster.client().await, &ns).await;
    wait_healthy(&watchers).await;
    cluster.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forced_410_relists_and_the_cache_is_exact() {
    let cluster = Cluster::start().await;
    let Some(faults) = cluster.demo_faults("a 410 on demand needs the demo's fault injector")
    else {
        return;
    };
    let client = cluster.client().await;
    let ns = namespace(&client, "gone").await;
    let api: Api<Deployment> = Api::namespaced(client.clone(), &ns);
    api.create(&PostParams::default(), &deployment(&ns, "web", 1))
        .await
        .unwrap();
    let watchers = Watchers::start(client.clone(), Scope::Namespace(ns.clone()));
    wait_for(&watchers, "1 running pod", |w| running_pods(w) == 1).await;

    // Every watcher's next watch is answered 410 Expired (an ERROR event,
    // as the API server's watch cache does), so each must relist.
    let watched = Kind::RESOURCES.len() as u32;
    faults
        .apply(&FaultSpec {
            gone_next: Some(watched),
            close_streams: true,
            ..FaultSpec::default()
        })
        .unwrap();
    api.create(&PostParams::default(), &deployment(&ns, "api", 1))
        .await
        .unwrap();
    wait_until("every 410 to be served", || {
        faults.snapshot().gone_next == 0
    })
    .await;
    wait_for(&watchers, "2 running pods", |w| running_pods(w) == 2).await;
    wait_exact(&watchers, &client, &ns).await;
    wait_healthy(&watchers).await;
    cluster.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_server_restart_is_ridden_out() {
    let cluster = Cluster::start().await;
    if cluster.faults().is_none() && restart_command().is_none() {
        eprintln!("skipping: a real API server restart needs KOCKPIT_TEST_RESTART");
        return;
    }
    let client = cluster.client().await;
    let ns = namespace(&client, "restart").await;
    let api: Api<Deployment> = Api::namespaced(client.clone(), &ns);
    api.create(&PostParams::default(), &deployment(&ns, "web", 1))
        .await
        .unwrap();
    let watchers = Watchers::start(client.clone(), Scope::Namespace(ns.clone()));
    wait_for(&watchers, "1 running pod", |w| running_pods(w) == 1).await;
    wait_exact(&watchers, &client, &ns).await;
    let before = namespace_version(&client, &ns).await;

    let restart = cluster.restart_in_background(Duration::from_secs(2));
    // While the server is away the watchers say so.
    wait_until("a watcher to report the outage", || {
        !failing(&watchers).is_empty()
    })
    .await;
    restart.await.unwrap();
    let client = cluster.client().await;
    if cluster.faults().is_some() {
        // Same store behind the server: the data and resourceVersions are
        // exactly those from before the restart.
        assert_eq!(namespace_version(&client, &ns).await, before);
    }
    scale(&client, &ns, "web", 2).await;
    wait_for(&watchers, "replicas 2 in the cache", |w| {
        desired_replicas(w, "web") == Some(2)
    })
    .await;
    wait_exact(&watchers, &client, &ns).await;
    wait_healthy(&watchers).await;
    cluster.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_and_recreate_under_the_same_name_shows_the_new_uid() {
    let cluster = Cluster::start().await;
    let client = cluster.client().await;
    let ns = namespace(&client, "recreate").await;
    let api: Api<Deployment> = Api::namespaced(client.clone(), &ns);
    let first = api
        .create(&PostParams::default(), &deployment(&ns, "web", 1))
        .await
        .unwrap();
    let watchers = Watchers::start(client.clone(), Scope::Namespace(ns.clone()));
    let old_uid = first.metadata.uid.clone().unwrap();
    wait_for(&watchers, "the first web", |w| {
        deployment_uid(w, "web").as_deref() == Some(&old_uid)
    })
    .await;

    // Live: the watch sees the delete and the new object.
    api.delete("web", &DeleteParams::default()).await.unwrap();
    wait_gone(&api, "web").await;
    let second = api
        .create(&PostParams::default(), &deployment(&ns, "web", 1))
        .await
        .unwrap();
    let new_uid = second.metadata.uid.clone().unwrap();
    assert_ne!(new_uid, old_uid);
    wait_for(&watchers, "the second web", |w| {
        deployment_uid(w, "web").as_deref() == Some(&new_uid)
    })
    .await;

    // While the watchers cannot read, the same again: after they relist the
    // cache holds the third object, not the second with a new spec.
    if let Some(faults) =
        cluster.demo_faults("(the half while disconnected) reads cannot be failed on a real server")
    {
        blind(faults);
        wait_until("the watchers to notice", || !failing(&watchers).is_empty()).await;
        api.delete("web", &DeleteParams::default()).await.unwrap();
        let third = loop {
            match api
                .create(&PostParams::default(), &deployment(&ns, "web", 1))
                .await
            {
                Ok(d) => break d,
                // Still being deleted (the demo finalizes in the background).
                Err(kube::Error::Api(s)) if s.code == 409 => {
                    tokio::time::sleep(Duration::from_millis(100)).await
                }
                Err(e) => panic!("recreate failed: {e}"),
            }
        };
        let third_uid = third.metadata.uid.clone().unwrap();
        assert_eq!(deployment_uid(&watchers, "web").as_deref(), Some(&*new_uid));
        faults.apply(&FaultSpec::reset()).unwrap();
        wait_for(&watchers, "the third web", |w| {
            deployment_uid(w, "web").as_deref() == Some(&third_uid)
        })
        .await;
        wait_exact(&watchers, &client, &ns).await;
    }
    cluster.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delete_missed_while_disconnected_is_gone_after_relist() {
    let cluster = Cluster::start().await;
    let Some(faults) = cluster.demo_faults(
        "holding a real server's watches off while writes go through is not possible from a client",
    ) else {
        return;
    };
    let client = cluster.client().await;
    let ns = namespace(&client, "missed").await;
    let api: Api<Deployment> = Api::namespaced(client.clone(), &ns);
    for name in ["keep", "doomed"] {
        api.create(&PostParams::default(), &deployment(&ns, name, 1))
            .await
            .unwrap();
    }
    let watchers = Watchers::start(client.clone(), Scope::Namespace(ns.clone()));
    wait_for(&watchers, "2 running pods", |w| running_pods(w) == 2).await;

    blind(faults);
    wait_until("the watchers to notice", || !failing(&watchers).is_empty()).await;
    api.delete("doomed", &DeleteParams::default())
        .await
        .unwrap();
    assert!(deployment_uid(&watchers, "doomed").is_some());
    faults.apply(&FaultSpec::reset()).unwrap();
    wait_for(&watchers, "doomed to disappear", |w| {
        deployment_uid(w, "doomed").is_none() && running_pods(w) == 1
    })
    .await;
    wait_exact(&watchers, &client, &ns).await;
    wait_healthy(&watchers).await;
    cluster.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watchers_need_no_bookmarks() {
    let cluster = Cluster::start().await;
    let Some(faults) =
        cluster.demo_faults("a real API server cannot be told to stop sending bookmarks")
    else {
        return;
    };
    // Through the admin endpoint, as a demo operator would.
    let client = cluster.client().await;
    let req = axum::http::Request::post("/_demo/faults")
        .header("content-type", "application/json")
        .body(br#"{"bookmarks": false}"#.to_vec())
        .unwrap();
    let answer = client.request_text(req).await.unwrap();
    assert!(answer.contains(r#""noBookmarks":true"#), "{answer}");
    assert!(faults.bookmarks_off());
    let ns = namespace(&client, "nobookmarks").await;
    let api: Api<Deployment> = Api::namespaced(client.clone(), &ns);
    api.create(&PostParams::default(), &deployment(&ns, "web", 1))
        .await
        .unwrap();
    let watchers = Watchers::start(client.clone(), Scope::Namespace(ns.clone()));
    wait_for(&watchers, "1 running pod", |w| running_pods(w) == 1).await;
    // Resuming after a cut needs the resourceVersion of the last event, not
    // of a bookmark.
    faults.close_streams();
    scale(&client, &ns, "web", 2).await;
    wait_for(&watchers, "2 running pods", |w| running_pods(w) == 2).await;
    wait_exact(&watchers, &client, &ns).await;
    wait_healthy(&watchers).await;
    cluster.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_responses_and_server_errors_are_reported_then_recovered() {
    let cluster = Cluster::start().await;
    let Some(faults) = cluster.demo_faults("delays and 5xx answers need the demo's fault injector")
    else {
        return;
    };
    let client = cluster.client().await;
    let ns = namespace(&client, "flaky").await;
    let api: Api<Deployment> = Api::namespaced(client.clone(), &ns);
    api.create(&PostParams::default(), &deployment(&ns, "web", 1))
        .await
        .unwrap();
    let watchers = Watchers::start(client.clone(), Scope::Namespace(ns.clone()));
    wait_for(&watchers, "1 running pod", |w| running_pods(w) == 1).await;

    // A seed whose first eight requests fail, so the watchers' re-watches
    // after the cut (the first requests to come) are answered 503.
    let rate = 0.3;
    let seed = (0..10_000_000u64)
        .find(|s| (1..=8).all(|n| kockpit::demo::faults::draw(*s, n) < rate))
        .unwrap();
    faults
        .apply(&FaultSpec {
            delay_ms: Some(150),
            error_rate: Some(rate),
            error_code: Some(503),
            seed: Some(seed),
            close_streams: true,
            ..FaultSpec::default()
        })
        .unwrap();
    wait_until("a watcher to report the 503", || {
        failing(&watchers)
            .iter()
            .any(|(_, e)| e.contains("503") || e.contains("unable to handle"))
    })
    .await;
    // Changes still arrive, slowly, through the flaky server.
    scale_retrying(&client, &ns, "web", 2).await;
    wait_for(&watchers, "2 running pods", |w| running_pods(w) == 2).await;
    assert!(faults.snapshot().injected_errors >= 8);
    faults.apply(&FaultSpec::reset()).unwrap();
    wait_exact(&watchers, &client, &ns).await;
    wait_healthy(&watchers).await;
    cluster.stop().await;
}
