//! The read side at scale: 10,000 pods in 1,000 deployments cached.
//! - rows: rebuilding every pod row after a change (what a watch event costs);
//! - pods screen: building the frame model and rendering it at 200×50;
//! - filter keystroke: one character typed into `/` to the re-rendered screen;
//! - paste: 100,000 characters into `/`, as one bracketed paste and as raw
//!   keys drained in batches (`app::input`), to the re-rendered screen.

use std::hint::black_box;

use chrono::{DateTime, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use k8s_openapi::api::apps::v1::Deployment;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use kockpit::app::data::Data;
use kockpit::app::state::{App, ClusterInfo};
use kockpit::app::update::{key_to_msg, settle, update, update_deferred, Msg};
use kockpit::config::keymap::Keymap;
use kockpit::config::theme::Theme;
use kockpit::model::cached::Pod;
use kockpit::ui::frame::{self, table_rows_for_height, Liveness};

const DEPLOYMENTS: usize = 1_000;
const PODS_EACH: usize = 10;

fn fixtures() -> (Vec<Deployment>, Vec<Pod>) {
    let mut deployments = Vec::new();
    let mut pods = Vec::new();
    for d in 0..DEPLOYMENTS {
        let name = format!("svc-{d:04}");
        let dep = serde_json::json!({
            "metadata": {"name": name, "namespace": "scale", "generation": 1, "creationTimestamp": "2026-01-01T00:00:00Z",
                         "annotations": {"deployment.kubernetes.io/revision": "1"}},
            "spec": {"replicas": PODS_EACH, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "app", "image": format!("ghcr.io/kockpit-demo/{name}:1.0.0")}]}}},
            "status": {"observedGeneration": 1, "replicas": PODS_EACH, "readyReplicas": PODS_EACH,
                       "updatedReplicas": PODS_EACH, "availableReplicas": PODS_EACH}
        });
        deployments.push(serde_json::from_value(dep).unwrap_or_default());
        for p in 0..PODS_EACH {
            let crash = (d * PODS_EACH + p).is_multiple_of(97);
            let state = if crash {
                serde_json::json!({"waiting": {"reason": "CrashLoopBackOff"}})
            } else {
                serde_json::json!({"running": {"startedAt": "2026-01-01T00:00:10Z"}})
            };
            let pod = serde_json::json!({
                "metadata": {"name": format!("{name}-7d9f8b6c5d-{p:05}"), "namespace": "scale",
                             "creationTimestamp": "2026-01-01T00:00:05Z", "labels": {"app": name},
                             "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": format!("{name}-7d9f8b6c5d"),
                                                  "uid": format!("rs-{d}"), "controller": true}]},
                "spec": {"nodeName": format!("node-{:03}", p % 50), "containers": [{"name": "app"}]},
                "status": {"phase": "Running", "podIP": format!("10.{}.{}.{}", d / 250, d % 250, p),
                           "containerStatuses": [{"name": "app", "ready": !crash, "restartCount": if crash { 9 } else { 0 },
                                                  "image": "x", "imageID": "", "state": state}]}
            });
            pods.push(serde_json::from_value(pod).unwrap_or_default());
        }
    }
    (deployments, pods)
}

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_767_225_600 + 3_600, 0).unwrap_or_default()
}

fn app(data: &Data) -> App {
    let info = ClusterInfo {
        context: "bench".into(),
        contexts: vec!["bench".into()],
        server_version: "v1.34.0".into(),
        readonly: false,
    };
    let mut app = App::new(info, Some("scale".into()), "scale".into());
    app.page_rows = table_rows_for_height(50);
    app.term_width = 200;
    press(&mut app, data, '3');
    app
}

fn press(app: &mut App, data: &Data, c: char) {
    let km = Keymap::builtin();
    if let Some(msg) = key_to_msg(
        app,
        &km,
        &KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE),
    ) {
        update(app, data, msg);
    }
}

fn render(
    app: &App,
    data: &Data,
    term: &mut Terminal<TestBackend>,
    keymap: &Keymap,
    theme: &Theme,
) {
    let model = frame::build(app, data, keymap, Liveness::Live, now(), None);
    let _ = term.draw(|f| kockpit::ui::draw(f, &model, theme));
}

fn benches(c: &mut Criterion) {
    let (deployments, pods) = fixtures();
    let keymap = Keymap::builtin();
    let theme = Theme::builtin();

    let pod_arcs: Vec<std::sync::Arc<Pod>> =
        pods.iter().cloned().map(std::sync::Arc::new).collect();
    c.bench_function("pod rows: all 10k rebuilt (first list)", |b| {
        b.iter(|| {
            let mut d = Data::default();
            d.set_pods(black_box(pod_arcs.clone()));
            black_box(d)
        })
    });
    let mut warm = Data::default();
    warm.set_pods(pod_arcs.clone());
    let mut changed = pod_arcs.clone();
    c.bench_function("pod rows: 100 of 10k changed (a watch burst)", |b| {
        b.iter(|| {
            for p in changed.iter_mut().step_by(100) {
                let mut pod = (**p).clone();
                let rv = pod.metadata.resource_version.take().unwrap_or_default();
                pod.metadata.resource_version = Some(format!("{rv}1"));
                *p = std::sync::Arc::new(pod);
            }
            warm.set_pods(black_box(changed.clone()));
        })
    });

    let data = Data::from_objects(deployments, pods);
    let mut term = match Terminal::new(TestBackend::new(200, 50)) {
        Ok(t) => t,
        Err(_) => return,
    };
    let mut app = app(&data);
    c.bench_function("pods screen: build + render 200x50 (10k pods)", |b| {
        b.iter(|| render(&app, &data, &mut term, &keymap, &theme))
    });

    c.bench_function("filter keystroke to re-rendered screen (10k pods)", |b| {
        press(&mut app, &data, '/');
        let mut i = 0u32;
        b.iter(|| {
            // Alternate typing and erasing so every iteration refilters.
            let key = if i.is_multiple_of(2) {
                KeyEvent::new(KeyCode::Char('7'), KeyModifiers::NONE)
            } else {
                KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE)
            };
            i += 1;
            if let Some(msg) = key_to_msg(&app, &keymap, &key) {
                update(&mut app, &data, msg);
            }
            render(&app, &data, &mut term, &keymap, &theme);
        })
    });

    // A paste storm: the whole path from the terminal's event to the
    // re-rendered screen; leaving the prompt again is not timed.
    let storm: String = "abcdefghijklmnopqrstuvwxyz0123456789"
        .chars()
        .cycle()
        .take(100_000)
        .collect();
    let esc = KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE);
    // Out of the prompt the keystroke bench left open.
    if let Some(msg) = key_to_msg(&app, &keymap, &esc) {
        update(&mut app, &data, msg);
    }
    c.bench_function(
        "paste 100k chars into / to re-rendered screen (10k pods)",
        |b| {
            b.iter_custom(|iters| {
                let mut total = std::time::Duration::ZERO;
                for _ in 0..iters {
                    press(&mut app, &data, '/');
                    let text = storm.clone();
                    let start = std::time::Instant::now();
                    update(&mut app, &data, Msg::Paste(text));
                    render(&app, &data, &mut term, &keymap, &theme);
                    total += start.elapsed();
                    if let Some(msg) = key_to_msg(&app, &keymap, &esc) {
                        update(&mut app, &data, msg);
                    }
                }
                total
            })
        },
    );
    c.bench_function(
        "100k raw keys into /, 1024 a batch, each rendered (10k pods)",
        |b| {
            let keys: Vec<KeyEvent> = storm
                .chars()
                .map(|c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
                .collect();
            b.iter_custom(|iters| {
                let mut total = std::time::Duration::ZERO;
                for _ in 0..iters {
                    press(&mut app, &data, '/');
                    let start = std::time::Instant::now();
                    for batch in keys.chunks(1024) {
                        for key in batch {
                            if let Some(msg) = key_to_msg(&app, &keymap, key) {
                                update_deferred(&mut app, &data, msg);
                            }
                        }
                        settle(&mut app, &data);
                        render(&app, &data, &mut term, &keymap, &theme);
                    }
                    total += start.elapsed();
                    if let Some(msg) = key_to_msg(&app, &keymap, &esc) {
                        update(&mut app, &data, msg);
                    }
                }
                total
            })
        },
    );

    c.bench_function("refresh_visible: re-sort 10k pod rows", |b| {
        b.iter(|| app.refresh_visible(black_box(&data)))
    });
}

criterion_group! {
    name = screens;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(4));
    targets = benches
}
criterion_main!(screens);
