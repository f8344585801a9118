#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Full-screen snapshots of every screen, drawn from fixture objects with a
//! pinned clock (so ages are stable), plus key-handling walks through the
//! pure update function.

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Pod;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use kockpit::app::data::Data;
use kockpit::app::effects::{self, Done};
use kockpit::app::state::{App, ClusterInfo, Mode, ObjKey, Screen};
use kockpit::app::update::{key_to_msg, update, Effect};
use kockpit::config::keymap::Keymap;
use kockpit::config::theme::Theme;
use kockpit::ui::frame::{self, table_rows_for_height, Liveness};

const W: u16 = 120;
const H: u16 = 16;

fn fixtures() -> Data {
    let v: serde_json::Value = serde_json::from_str(include_str!("fixtures/shop.json")).unwrap();
    let deployments: Vec<Deployment> = serde_json::from_value(v["deployments"].clone()).unwrap();
    let pods: Vec<Pod> = serde_json::from_value(v["pods"].clone()).unwrap();
    let events = serde_json::from_value(v["events"].clone()).unwrap();
    let rss = serde_json::from_value(v["replicasets"].clone()).unwrap();
    let hpas = serde_json::from_value(v["hpas"].clone()).unwrap();
    Data::from_objects(deployments, pods)
        .with_events(events)
        .with_replicasets(rss)
        .with_hpas(hpas, now())
}

fn now() -> DateTime<Utc> {
    "2026-01-01T12:00:00Z".parse().unwrap()
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
    // Tests start on the deployments table; the overview has its own test.
    press(&mut app, data, "2");
    app
}

fn screen(app: &mut App, data: &Data) -> String {
    screen_sized(app, data, W, H)
}

fn screen_sized(app: &mut App, data: &Data, w: u16, h: u16) -> String {
    app.page_rows = table_rows_for_height(h);
    app.term_width = w;
    let rows = app.page_rows;
    app.view_mut().scroll_into_view(rows);
    let model = frame::build(app, data, &Keymap::builtin(), Liveness::Live, now(), None);
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
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
            '\u{8}' => KeyCode::Backspace,
            '\t' => KeyCode::Tab,
            c => KeyCode::Char(c),
        };
        if let Some(msg) = key_to_msg(app, &km, &KeyEvent::new(code, KeyModifiers::NONE)) {
            effects.push(update(app, data, msg));
        }
    }
    effects
}

#[test]
fn deployments_screen() {
    let data = fixtures();
    let mut app = app(&data);
    insta::assert_snapshot!(screen(&mut app, &data));
}

#[test]
fn pods_screen() {
    let data = fixtures();
    let mut app = app(&data);
    press(&mut app, &data, "3");
    assert_eq!(app.view().screen, Screen::Pods);
    insta::assert_snapshot!(screen(&mut app, &data));
}

#[test]
fn help_screen_lists_the_keymap() {
    let data = fixtures();
    let mut app = app(&data);
    press(&mut app, &data, "?");
    let text = screen(&mut app, &data);
    assert!(text.contains("quit"), "{text}");
    insta::assert_snapshot!(text);
    press(&mut app, &data, "\u{1b}");
    assert!(!app.help);
}

#[test]
fn enter_on_a_deployment_shows_its_pods_and_esc_goes_back() {
    let data = fixtures();
    let mut app = app(&data);
    // Rows sort by name: api, frontend-blue, worker.
    press(&mut app, &data, "jj\n");
    assert_eq!(app.view().screen, Screen::Pods);
    assert_eq!(app.view().visible.len(), 3, "worker has three pods");
    let text = screen(&mut app, &data);
    assert!(text.contains("pods(deploy/worker)[3]"), "{text}");
    assert!(!text.contains("api-7d9f"), "{text}");
    press(&mut app, &data, "\u{1b}");
    assert_eq!(app.view().screen, Screen::Deployments);
    assert_eq!(app.view().selected, 2, "selection kept on worker");
}

#[test]
fn filter_regex_inverse_and_labels() {
    let data = fixtures();
    let mut app = app(&data);
    press(&mut app, &data, "3/crash\n");
    assert_eq!(app.mode, Mode::Normal);
    assert_eq!(app.view().visible.len(), 1);
    press(&mut app, &data, "/!api\n");
    assert_eq!(app.view().visible.len(), 5);
    press(&mut app, &data, "/-l slot=blue\n");
    assert_eq!(app.view().visible.len(), 2);
    let text = screen(&mut app, &data);
    assert!(text.contains("</-l slot=blue>"), "{text}");
    press(&mut app, &data, "\u{1b}");
    assert_eq!(app.view().visible.len(), 8, "esc clears the filter");
}

#[test]
fn bad_regex_keeps_the_last_good_filter_and_says_why() {
    let data = fixtures();
    let mut app = app(&data);
    press(&mut app, &data, "3/work");
    assert_eq!(app.view().visible.len(), 3);
    press(&mut app, &data, "(");
    assert_eq!(app.view().visible.len(), 3);
    let text = screen(&mut app, &data);
    assert!(text.contains("/work("), "{text}");
    assert!(app
        .flash
        .as_ref()
        .is_some_and(|f| f.error && f.text.contains("bad filter regex")));
}

#[test]
fn command_mode_switches_views_completes_and_rescopes() {
    let data = fixtures();
    let mut app = app(&data);
    press(&mut app, &data, ":po\n");
    assert_eq!(app.view().screen, Screen::Pods);
    press(&mut app, &data, ":dep\t");
    assert_eq!(app.input, "deploy ");
    press(&mut app, &data, "\n");
    assert_eq!(app.view().screen, Screen::Deployments);
    let effects = press(&mut app, &data, ":ns kube-system\n");
    assert_eq!(
        effects.last(),
        Some(&Effect::Rescope(Some("kube-system".into())))
    );
    let effects = press(&mut app, &data, "0");
    assert_eq!(effects.last(), Some(&Effect::Rescope(None)));
    press(&mut app, &data, ":ns Bad_Name\n");
    assert!(app.flash.as_ref().is_some_and(|f| f.error));
    press(&mut app, &data, ":nonsense\n");
    assert!(app
        .flash
        .as_ref()
        .is_some_and(|f| f.text.contains("unknown command")));
    press(&mut app, &data, ":q\n");
    assert!(app.quit);
}

#[test]
fn sorting_by_restarts_puts_the_crashlooping_pod_last_then_first() {
    let data = fixtures();
    let mut app = app(&data);
    press(&mut app, &data, "3ooo");
    assert_eq!(app.view().sort.column, 4, "RESTARTS");
    let last = *app.view().visible.last().unwrap();
    assert_eq!(data.pods[last].row.name, "worker-6c8d7e9f1-zzzzz");
    press(&mut app, &data, "O");
    let first = app.view().visible[0];
    assert_eq!(data.pods[first].row.name, "worker-6c8d7e9f1-zzzzz");
}

#[test]
fn moving_past_the_ends_is_clamped_and_pages_scroll() {
    let data = fixtures();
    let mut app = app(&data);
    press(&mut app, &data, "kkk");
    assert_eq!(app.view().selected, 0);
    press(&mut app, &data, "G");
    assert_eq!(app.view().selected, 2);
    press(&mut app, &data, "3G");
    assert_eq!(app.view().selected, 7);
    app.page_rows = 3;
    app.view_mut().scroll_into_view(3);
    assert_eq!(app.view().offset, 5);
    press(&mut app, &data, "g");
    app.view_mut().scroll_into_view(3);
    assert_eq!(app.view().offset, 0);
}

#[test]
fn stale_data_is_announced_in_the_header() {
    let data = fixtures();
    let app = app(&data);
    let stale = Liveness::Stale {
        reason: "connection refused".into(),
        last_update_secs: Some(12),
    };
    let model = frame::build(&app, &data, &Keymap::builtin(), stale, now(), None);
    let mut term = Terminal::new(TestBackend::new(W, H)).unwrap();
    term.draw(|f| kockpit::ui::draw(f, &model, &Theme::builtin()))
        .unwrap();
    let text = format!("{}", term.backend());
    assert!(
        text.contains("STALE: reconnecting, last update 12s ago"),
        "{text}"
    );
}

#[test]
fn crashlooping_rows_use_the_failed_colour() {
    let data = fixtures();
    let mut app = app(&data);
    press(&mut app, &data, "3");
    let model = frame::build(&app, &data, &Keymap::builtin(), Liveness::Live, now(), None);
    let mut term = Terminal::new(TestBackend::new(W, H)).unwrap();
    let theme = Theme::builtin();
    term.draw(|f| kockpit::ui::draw(f, &model, &theme)).unwrap();
    let buf = term.backend().buffer();
    let row = (0..H)
        .find(|y| {
            (0..W)
                .map(|x| buf[(x, *y)].symbol())
                .collect::<String>()
                .contains("CrashLoopBackOff")
        })
        .unwrap();
    let x = (0..W).find(|x| buf[(*x, row)].symbol() == "w").unwrap();
    assert_eq!(buf[(x, row)].fg, theme.failed().fg.unwrap());
}

#[test]
fn overview_screen() {
    let data = fixtures();
    let mut app = app(&data);
    press(&mut app, &data, "1");
    assert_eq!(app.view().screen, Screen::Overview);
    let text = screen_sized(&mut app, &data, W, 30);
    assert!(text.contains("CrashLoopBackOff 1"), "{text}");
    assert!(text.contains("FailedScheduling"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn events_screen_lists_warnings_first() {
    let data = fixtures();
    let mut app = app(&data);
    press(&mut app, &data, "5");
    let text = screen(&mut app, &data);
    let first = text.lines().nth(3).unwrap();
    assert!(first.contains("FailedScheduling"), "{text}");
    insta::assert_snapshot!(text);
    // Enter jumps to the pod the event is about.
    press(&mut app, &data, "\n");
    assert_eq!(
        app.view().screen,
        Screen::Pod(ObjKey::new("shop", "worker-6c8d7e9f1-new01"))
    );
}

#[test]
fn pod_detail_masks_secrets_and_reveals_one_key_at_a_time() {
    let data = fixtures();
    let mut app = app(&data);
    press(&mut app, &data, "3\n");
    assert_eq!(
        app.view().screen,
        Screen::Pod(ObjKey::new("shop", "api-7d9f8b6c5d-abcde"))
    );
    let text = screen_sized(&mut app, &data, W, 30);
    assert!(text.contains("db [password] = ••••••••"), "{text}");
    assert!(text.contains("api-config"), "{text}");
    insta::assert_snapshot!(text);

    let effects = press(&mut app, &data, "x");
    assert_eq!(
        effects,
        vec![Effect::RevealSecret(
            ObjKey::new("shop", "db"),
            "password".into()
        )]
    );
    effects::apply(
        &mut app,
        Done::SecretValue(
            ObjKey::new("shop", "db"),
            "password".into(),
            Ok("hunter2".into()),
        ),
    );
    let text = screen_sized(&mut app, &data, W, 30);
    assert!(text.contains("db [password] = hunter2"), "{text}");
    assert!(text.contains("db [username] = ••••••••"), "{text}");

    // Moving to the next key and revealing it hides the first.
    let effects = press(&mut app, &data, "jx");
    assert_eq!(
        effects.last(),
        Some(&Effect::RevealSecret(
            ObjKey::new("shop", "db"),
            "username".into()
        ))
    );
    assert!(app.revealed.is_none());
    let text = screen_sized(&mut app, &data, W, 30);
    assert!(!text.contains("hunter2"), "{text}");
}

#[test]
fn deployment_detail_shows_the_rollout_tree_and_its_events() {
    let data = fixtures();
    let mut app = app(&data);
    press(&mut app, &data, "d");
    assert_eq!(
        app.view().screen,
        Screen::Deployment(ObjKey::new("shop", "api"))
    );
    let text = screen_sized(&mut app, &data, W, 32);
    assert!(text.contains("api-7d9f8b6c5d"), "{text}");
    assert!(text.contains("api-7d9f8b6c5d-abcde"), "{text}");
    assert!(
        text.contains("Scaled up replica set api-7d9f8b6c5d from 2 to 3"),
        "{text}"
    );
    insta::assert_snapshot!(text);
}

#[test]
fn logs_keys_become_log_commands_and_esc_leaves() {
    use kockpit::app::update::LogCmd;
    let data = fixtures();
    let mut app = app(&data);
    let effects = press(&mut app, &data, "l");
    match effects.last() {
        Some(Effect::OpenLogs(r)) => {
            assert_eq!(r.label, "deploy/api");
            assert_eq!(r.selector.as_deref(), Some("app=api"));
        }
        other => panic!("expected OpenLogs, got {other:?}"),
    }
    assert_eq!(app.view().screen, Screen::Logs);
    assert_eq!(
        press(&mut app, &data, "f"),
        vec![Effect::Log(LogCmd::TogglePause)]
    );
    assert_eq!(
        press(&mut app, &data, "k"),
        vec![Effect::Log(LogCmd::ScrollUp(1))]
    );
    assert_eq!(
        press(&mut app, &data, "/error\n").last(),
        Some(&Effect::Log(LogCmd::Filter("error".into())))
    );
    assert_eq!(
        press(&mut app, &data, ":since 5m\n").last(),
        Some(&Effect::Log(LogCmd::Since(300)))
    );
    press(&mut app, &data, ":since soon\n");
    assert!(app.flash.as_ref().is_some_and(|f| f.error));
    press(&mut app, &data, "\u{1b}");
    assert_eq!(app.view().screen, Screen::Deployments);
}

#[test]
fn hpa_table_shows_every_metric_and_the_chart_opens() {
    let data = fixtures();
    let mut app = app(&data);
    press(&mut app, &data, "4");
    let text = screen(&mut app, &data);
    assert!(text.contains("Deployment/api"), "{text}");
    assert!(text.contains("cpu: 85%/60%"), "{text}");
    assert!(text.contains("requests_per_second: 140/100"), "{text}");
    assert!(!text.contains("<unknown>"), "{text}");
    insta::assert_snapshot!(text);
    press(&mut app, &data, "\n");
    assert_eq!(app.view().screen, Screen::Hpa(ObjKey::new("shop", "api")));
    let text = screen_sized(&mut app, &data, W, 32);
    assert!(text.contains("TooManyReplicas"), "{text}");
}

#[test]
fn ctx_lists_and_switches_contexts_without_restart() {
    let data = fixtures();
    let mut app = app(&data);
    press(&mut app, &data, ":ctx\n");
    assert!(app
        .flash
        .as_ref()
        .is_some_and(|f| f.text.contains("[kockpit-demo]")));
    press(&mut app, &data, ":ctx nope\n");
    assert!(app.flash.as_ref().is_some_and(|f| f.error));
    let effects = press(&mut app, &data, ":ctx kockpit-demo\n");
    assert_eq!(
        effects.last(),
        Some(&Effect::SwitchContext("kockpit-demo".into()))
    );
}
