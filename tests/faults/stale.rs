//! "While data is stale the screen says so, with its age": the header the
//! run loop draws, built from the same liveness function, while watches
//! fail and after they recover.

use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::Deployment;
use kube::api::PostParams;
use kube::Api;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use kockpit::app::data::Data;
use kockpit::app::run::liveness;
use kockpit::app::state::{App, ClusterInfo};
use kockpit::cluster::watch::Scope;
use kockpit::cluster::Watchers;
use kockpit::config::keymap::Keymap;
use kockpit::config::theme::Theme;
use kockpit::demo::faults::FaultSpec;
use kockpit::ui::frame::{self, Liveness};

use super::support::*;

/// The header line exactly as drawn.
fn header(w: &Watchers, ns: &str) -> String {
    let info = ClusterInfo {
        context: "under-test".into(),
        contexts: vec!["under-test".into()],
        server_version: "v1.34.0".into(),
        readonly: false,
    };
    let mut app = App::new(info, Some(ns.to_string()), ns.to_string());
    app.term_width = 160;
    let data = Data::default();
    let model = frame::build(
        &app,
        &data,
        &Keymap::builtin(),
        liveness(w),
        chrono::Utc::now(),
        None,
    );
    let mut term = Terminal::new(TestBackend::new(160, 8)).unwrap();
    term.draw(|f| kockpit::ui::draw(f, &model, &Theme::builtin()))
        .unwrap();
    let buf = term.backend().buffer();
    (0..buf.area.width)
        .map(|x| buf[(x, 0)].symbol().to_string())
        .collect::<String>()
}

async fn wait_header(w: &Watchers, ns: &str, what: &str, ok: impl Fn(&str) -> bool) -> String {
    let start = Instant::now();
    loop {
        let h = header(w, ns);
        if ok(&h) {
            return h;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "timed out waiting for the header to show {what}; it shows {h:?}; failing {:?}",
            failing(w)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// "last update 3s ago" → 3.
fn age_shown(h: &str) -> Option<u64> {
    let rest = h.split("last update ").nth(1)?;
    rest.split("s ago").next()?.trim().parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_data_is_stale_the_header_says_so_with_its_age() {
    let cluster = Cluster::start().await;
    if cluster.faults().is_none() && restart_command().is_none() {
        eprintln!("skipping: making a real server's watches fail needs KOCKPIT_TEST_RESTART");
        return;
    }
    let client = cluster.client().await;
    let ns = namespace(&client, "stale").await;
    let api: Api<Deployment> = Api::namespaced(client.clone(), &ns);
    api.create(&PostParams::default(), &deployment(&ns, "web", 1))
        .await
        .unwrap();
    let watchers = Watchers::start(client.clone(), Scope::Namespace(ns.clone()));
    wait_for(&watchers, "live", |w| liveness(w) == Liveness::Live).await;
    let live = header(&watchers, &ns);
    assert!(
        live.contains("● live") && !live.contains("STALE"),
        "{live:?}"
    );

    // Demo: reads fail until we say so. Real: the API server restarts.
    let restart = match cluster.faults() {
        Some(f) => {
            blind(f);
            None
        }
        None => Some(cluster.restart_in_background(Duration::from_secs(0))),
    };
    let stale = wait_header(&watchers, &ns, "STALE with an age", |h| {
        h.contains("STALE") && age_shown(h).is_some()
    })
    .await;
    assert!(stale.contains("reconnecting"), "{stale:?}");
    if let Some(f) = cluster.faults() {
        // The age counts up while the outage lasts.
        let first = age_shown(&stale).unwrap();
        wait_header(&watchers, &ns, "an older age", |h| {
            age_shown(h).is_some_and(|a| a >= first + 2)
        })
        .await;
        f.apply(&FaultSpec::reset()).unwrap();
    }
    if let Some(r) = restart {
        r.await.unwrap();
    }
    // Recovery clears the marker for every kind, also the ones that had
    // nothing new to say (their watches reconnect silently).
    let back = wait_header(&watchers, &ns, "live again", |h| h.contains("● live")).await;
    assert!(!back.contains("STALE"), "{back:?}");
    cluster.stop().await;
}
