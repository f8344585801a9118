//! The server's watch with the fault injector plugged into its hooks,
//! driven in-process with a fast bookmark clock. Here, above both, because
//! neither the server nor the injector knows the other.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use futures::StreamExt;
use serde_json::{json, Value};

use crate::demo::api::request::Output;
use crate::demo::api::stream_faults::StreamFaults;
use crate::demo::clock::Clock;
use crate::demo::faults::{FaultSpec, Faults};
use crate::demo::resources::NAMESPACES;
use crate::demo::selectors::{FieldSelector, LabelSelector};
use crate::demo::server::table::IncludeObject;
use crate::demo::server::watch::{serve, WatchContext, WatchRequest};
use crate::demo::store::{Store, WatchStart};

struct Rig {
    store: Arc<Store>,
    faults: Arc<Faults>,
    _stop: tokio::sync::watch::Sender<bool>,
    shutdown: tokio::sync::watch::Receiver<bool>,
}

impl Rig {
    fn new() -> Rig {
        let store = Arc::new(Store::new(100));
        store
            .create(&NAMESPACES, json!({"metadata": {"name": "shop"}}), false)
            .unwrap();
        let (stop, shutdown) = tokio::sync::watch::channel(false);
        Rig {
            store,
            faults: Arc::new(Faults::default()),
            _stop: stop,
            shutdown,
        }
    }

    fn watch(
        &self,
        start: WatchStart,
    ) -> futures::stream::BoxStream<'static, Result<Value, String>> {
        let ctx = WatchContext {
            store: self.store.clone(),
            clock: Arc::new(Clock::new(1.0)),
            shutdown: self.shutdown.clone(),
            bookmark_interval: Duration::from_millis(20),
            faults: self.faults.clone() as Arc<dyn StreamFaults>,
        };
        let req = WatchRequest {
            resource: &NAMESPACES,
            namespace: None,
            labels: LabelSelector::parse("").unwrap(),
            fields: FieldSelector::default(),
            output: Output::Object,
            include: IncludeObject::Metadata,
            bookmarks: true,
            initial_events_end: false,
            timeout: Duration::from_secs(30),
        };
        let body: Body = serve(ctx, req, start).into_body();
        body.into_data_stream()
            .flat_map(|chunk| {
                let lines: Vec<Result<Value, String>> = match chunk {
                    Ok(bytes) => bytes
                        .split(|b| *b == b'\n')
                        .filter(|l| !l.is_empty())
                        .map(|l| serde_json::from_slice(l).map_err(|e| e.to_string()))
                        .collect(),
                    Err(e) => vec![Err(e.to_string())],
                };
                futures::stream::iter(lines)
            })
            .boxed()
    }
}

async fn next(
    s: &mut futures::stream::BoxStream<'static, Result<Value, String>>,
) -> Option<Result<Value, String>> {
    tokio::time::timeout(Duration::from_secs(5), s.next())
        .await
        .ok()
        .flatten()
}

#[tokio::test]
async fn bookmarks_stop_and_come_back() {
    let rig = Rig::new();
    rig.faults
        .apply(&FaultSpec {
            bookmarks: Some(false),
            ..FaultSpec::default()
        })
        .unwrap();
    let mut w = rig.watch(WatchStart::Now);
    assert_eq!(next(&mut w).await.unwrap().unwrap()["type"], "ADDED");
    // Many bookmark periods pass without one.
    let quiet = tokio::time::timeout(Duration::from_millis(300), w.next()).await;
    assert!(quiet.is_err(), "got {quiet:?} with bookmarks off");
    rig.faults
        .apply(&FaultSpec {
            bookmarks: Some(true),
            ..FaultSpec::default()
        })
        .unwrap();
    assert_eq!(next(&mut w).await.unwrap().unwrap()["type"], "BOOKMARK");
}

#[tokio::test]
async fn the_next_watches_are_gone() {
    let rig = Rig::new();
    let rv = rig.store.resource_version();
    rig.faults
        .apply(&FaultSpec {
            gone_next: Some(1),
            ..FaultSpec::default()
        })
        .unwrap();
    let mut w = rig.watch(WatchStart::After(rv));
    let ev = next(&mut w).await.unwrap().unwrap();
    assert_eq!(ev["type"], "ERROR");
    assert_eq!(ev["object"]["code"], 410);
    assert_eq!(ev["object"]["reason"], "Expired");
    assert_eq!(
        ev["object"]["message"],
        format!("too old resource version: {rv} ({rv})")
    );
    assert!(
        next(&mut w).await.is_none(),
        "the watch ends after its error"
    );
    // Only one was asked for: the next watch works.
    let mut w = rig.watch(WatchStart::After(rv));
    rig.store
        .create(&NAMESPACES, json!({"metadata": {"name": "new"}}), false)
        .unwrap();
    assert_eq!(next(&mut w).await.unwrap().unwrap()["type"], "ADDED");
}

#[tokio::test]
async fn a_cut_breaks_the_body() {
    let rig = Rig::new();
    let mut w = rig.watch(WatchStart::Now);
    assert_eq!(next(&mut w).await.unwrap().unwrap()["type"], "ADDED");
    rig.faults.close_streams();
    // Bookmarks may still be in flight; then the body fails.
    loop {
        match next(&mut w).await {
            Some(Ok(ev)) => assert_eq!(ev["type"], "BOOKMARK"),
            Some(Err(e)) => {
                assert!(e.contains("demo fault"), "{e}");
                break;
            }
            None => panic!("the body ended cleanly instead of breaking"),
        }
    }
}
