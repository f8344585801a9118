#![allow(clippy::unwrap_used, clippy::expect_used)]
//! StatefulSets, the kind added through `cluster/kinds/` alone: `:sts`
//! lists them, Enter opens the detail with the pods it runs, `l` streams
//! their logs, Esc goes back. Drawn from fixture objects with a pinned clock.

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use serde_json::json;

use kockpit::app::data::Data;
use kockpit::app::state::{App, ClusterInfo, Kind, ObjKey, Screen};
use kockpit::app::update::{key_to_msg, update, Effect};
use kockpit::cluster::kinds::statefulset::StatefulSets;
use kockpit::config::keymap::Keymap;
use kockpit::config::theme::Theme;
use kockpit::model::cached::Pod;
use kockpit::ui::frame::{self, table_rows_for_height, Liveness};

const W: u16 = 120;
const H: u16 = 20;

fn now() -> DateTime<Utc> {
    "2026-01-01T12:00:00Z".parse().unwrap()
}

fn redis_pod(name: &str) -> serde_json::Value {
    json!({
        "metadata": {"name": name, "namespace": "shop", "creationTimestamp": "2026-01-01T11:00:00Z",
            "labels": {"app": "redis", "statefulset.kubernetes.io/pod-name": name},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "redis",
                "uid": "uid-redis", "controller": true}]},
        "spec": {"nodeName": "demo-node-1", "containers": [{"name": "redis", "image": "redis:7.2"}]},
        "status": {"phase": "Running", "podIP": "10.244.1.30", "containerStatuses": [{"name": "redis",
            "ready": true, "restartCount": 0, "image": "redis:7.2", "imageID": "",
            "state": {"running": {"startedAt": "2026-01-01T11:00:05Z"}}}]}
    })
}

fn fixtures() -> Data {
    let v: serde_json::Value = serde_json::from_str(include_str!("fixtures/shop.json")).unwrap();
    let deployments: Vec<Deployment> = serde_json::from_value(v["deployments"].clone()).unwrap();
    let mut pods: Vec<Pod> = serde_json::from_value(v["pods"].clone()).unwrap();
    pods.push(serde_json::from_value(redis_pod("redis-0")).unwrap());
    let sts: Vec<StatefulSet> = serde_json::from_value(json!([
        {"metadata": {"name": "redis", "namespace": "shop", "uid": "uid-redis", "generation": 1,
            "creationTimestamp": "2026-01-01T11:00:00Z", "labels": {"app": "redis"}},
         "spec": {"replicas": 1, "serviceName": "redis", "selector": {"matchLabels": {"app": "redis"}},
            "template": {"metadata": {"labels": {"app": "redis"}},
                "spec": {"containers": [{"name": "redis", "image": "redis:7.2"}]}}},
         "status": {"replicas": 1, "readyReplicas": 1, "updatedReplicas": 1, "currentReplicas": 1,
            "observedGeneration": 1}},
        {"metadata": {"name": "zookeeper", "namespace": "shop", "uid": "uid-zk", "generation": 2,
            "creationTimestamp": "2026-01-01T11:30:00Z"},
         "spec": {"replicas": 3, "serviceName": "zk-headless", "selector": {"matchLabels": {"app": "zk"}},
            "template": {"metadata": {"labels": {"app": "zk"}},
                "spec": {"containers": [{"name": "zk", "image": "zookeeper:3.9"}]}}},
         "status": {"replicas": 1, "readyReplicas": 0, "updatedReplicas": 1, "observedGeneration": 2}}
    ]))
    .unwrap();
    let events = serde_json::from_value(json!([
        {"metadata": {"name": "redis.1", "namespace": "shop"},
         "involvedObject": {"kind": "StatefulSet", "name": "redis", "namespace": "shop"},
         "reason": "SuccessfulCreate", "type": "Normal",
         "message": "create Pod redis-0 in StatefulSet redis successful",
         "lastTimestamp": "2026-01-01T11:00:01Z"}
    ]))
    .unwrap();
    Data::from_objects(deployments, pods)
        .with_events(events)
        .with::<StatefulSets>(sts)
}

fn app(data: &Data) -> App {
    let info = ClusterInfo {
        context: "kockpit-demo".into(),
        contexts: vec!["kockpit-demo".into()],
        server_version: "v1.34.0".into(),
        readonly: false,
    };
    let mut app = App::new(info, Some("shop".into()), "shop".into());
    app.page_rows = table_rows_for_height(H);
    app.term_width = W;
    app.refresh_visible(data);
    app
}

fn screen(app: &mut App, data: &Data) -> String {
    let rows = app.page_rows;
    app.view_mut().scroll_into_view(rows);
    let model = frame::build(app, data, &Keymap::builtin(), Liveness::Live, now(), None);
    let mut term = Terminal::new(TestBackend::new(W, H)).unwrap();
    term.draw(|f| kockpit::ui::draw(f, &model, &Theme::builtin()))
        .unwrap();
    format!("{}", term.backend())
}

fn press(app: &mut App, data: &Data, keys: &str) -> Vec<Effect> {
    let km = Keymap::builtin();
    let mut effects = Vec::new();
    for c in keys.chars() {
        let code = match c {
            '\n' => KeyCode::Enter,
            '\u{1b}' => KeyCode::Esc,
            c => KeyCode::Char(c),
        };
        if let Some(msg) = key_to_msg(app, &km, &KeyEvent::new(code, KeyModifiers::NONE)) {
            effects.push(update(app, data, msg));
        }
    }
    effects
}

#[test]
fn sts_lists_statefulsets_like_kubectl() {
    let data = fixtures();
    let mut app = app(&data);
    press(&mut app, &data, ":sts\n");
    assert_eq!(app.view().screen, Screen::List(Kind::StatefulSets));
    let text = screen(&mut app, &data);
    assert!(text.contains("statefulsets(shop)[2]"), "{text}");
    for column in ["NAME", "READY", "AGE"] {
        assert!(text.contains(column), "{text}");
    }
    assert!(text.contains("redis") && text.contains("1/1"), "{text}");
    assert!(text.contains("zookeeper") && text.contains("0/3"), "{text}");
    insta::assert_snapshot!(text);
    // The other names of the kind, and `/` over its rows.
    press(&mut app, &data, ":statefulsets\n/zoo\n");
    assert_eq!(app.view().screen, Screen::List(Kind::StatefulSets));
    assert_eq!(app.view().visible.len(), 1);
}

#[test]
fn enter_opens_the_detail_with_its_pods_and_l_streams_them() {
    let data = fixtures();
    let mut app = app(&data);
    press(&mut app, &data, ":sts\n\n");
    assert_eq!(
        app.view().screen,
        Screen::Detail(Kind::StatefulSets, ObjKey::new("shop", "redis"))
    );
    let text = screen(&mut app, &data);
    assert!(text.contains("statefulset shop/redis"), "{text}");
    assert!(text.contains("Pods (1)"), "{text}");
    assert!(text.contains("redis-0"), "{text}");
    assert!(
        !text.contains("api-7d9f"),
        "pods of other owners stay out: {text}"
    );
    assert!(text.contains("SuccessfulCreate"), "{text}");
    insta::assert_snapshot!(text);
    let effects = press(&mut app, &data, "l");
    match effects.last() {
        Some(Effect::OpenLogs(r)) => {
            assert_eq!(r.label, "sts/redis");
            assert_eq!(r.selector.as_deref(), Some("app=redis"));
        }
        other => panic!("expected logs, got {other:?}"),
    }
    press(&mut app, &data, "\u{1b}\u{1b}");
    assert_eq!(app.view().screen, Screen::List(Kind::StatefulSets));
}

#[test]
fn an_event_about_a_statefulset_opens_its_detail() {
    let data = fixtures();
    let mut app = app(&data);
    press(&mut app, &data, ":events\n/SuccessfulCreate\n\n");
    assert_eq!(
        app.view().screen,
        Screen::Detail(Kind::StatefulSets, ObjKey::new("shop", "redis"))
    );
}

#[test]
fn a_deleted_statefulset_says_so() {
    let data = fixtures();
    let mut app = app(&data);
    press(&mut app, &data, ":sts\n\n");
    let gone = Data::default();
    app.refresh_visible(&gone);
    let text = screen(&mut app, &gone);
    assert!(text.contains("this statefulset no longer exists"), "{text}");
}
