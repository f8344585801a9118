#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Hostile bytes from the cluster (names, labels, annotations, images,
//! event messages, container states) must never reach the terminal as
//! control sequences. Objects go through the same intake as the watchers,
//! then every screen is drawn with the real crossterm backend into a byte
//! buffer, and the bytes are checked.

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Event, Pod};
use ratatui::backend::{CrosstermBackend, TestBackend};
use ratatui::Terminal;
use serde_json::json;
use unicode_width::UnicodeWidthStr;

use kockpit::app::data::Data;
use kockpit::app::state::{App, ClusterInfo};
use kockpit::app::update::{key_to_msg, update};
use kockpit::cluster::intake::Intake;
use kockpit::config::keymap::Keymap;
use kockpit::config::theme::Theme;
use kockpit::ui::frame::{self, table_rows_for_height, Liveness};

/// The corpus of the security reference.
const CORPUS: &[&str] = &[
    "\u{1b}[2J",
    "\u{1b}[31m",
    "\u{1b}]0;title\u{7}",
    "\u{1b}]8;;http://x\u{1b}\\link\u{1b}]8;;\u{1b}\\",
    "\u{1b}]52;c;aGk=\u{7}",
    "\u{1b}Pq#0;2;0;0;0\u{1b}\\",
    "\u{9b}31m",
    "over\rwrite",
    "back\u{8}space",
    "bell\u{7}",
    "rtl\u{202e}txt",
];

fn evil(i: usize) -> String {
    format!("x{}y", CORPUS[i % CORPUS.len()])
}

fn objects() -> (Vec<Deployment>, Vec<Pod>, Vec<Event>) {
    let mut deps = Vec::new();
    let mut pods = Vec::new();
    let mut events = Vec::new();
    for i in 0..CORPUS.len() {
        let name = format!("app{i}-{}", evil(i));
        let mut d: Deployment = serde_json::from_value(json!({
            "metadata": {"name": name, "namespace": "shop", "labels": {"app": evil(i + 1)},
                         "annotations": {"kubernetes.io/change-cause": evil(i + 2)},
                         "creationTimestamp": "2026-01-01T00:00:00Z"},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "a"}},
                     "template": {"spec": {"containers": [{"name": evil(i), "image": format!("img:{}", evil(i + 3))}]}}},
            "status": {"conditions": [{"type": "Progressing", "status": "False", "reason": evil(i), "message": evil(i + 4)}]}
        }))
        .unwrap();
        d.intake();
        deps.push(d);
        let mut p: Pod = serde_json::from_value(json!({
            "metadata": {"name": format!("pod{i}-{}", evil(i)), "namespace": "shop",
                         "creationTimestamp": "2026-01-01T00:00:00Z", "labels": {"app": evil(i)}},
            "spec": {"nodeName": evil(i + 5), "containers": [{"name": evil(i), "image": evil(i + 1),
                     "env": [{"name": "S", "valueFrom": {"secretKeyRef": {"name": evil(i), "key": evil(i + 1)}}}]}]},
            "status": {"phase": "Running", "podIP": evil(i + 6), "reason": evil(i + 7), "message": evil(i),
                       "containerStatuses": [{"name": evil(i), "ready": false, "restartCount": 1, "image": evil(i), "imageID": "",
                         "state": {"waiting": {"reason": evil(i + 8), "message": evil(i + 9)}},
                         "lastState": {"terminated": {"exitCode": 1, "reason": evil(i + 10), "message": evil(i)}}}]}
        }))
        .unwrap();
        p.intake();
        pods.push(p);
        let mut e: Event = serde_json::from_value(json!({
            "metadata": {"name": format!("ev{i}"), "namespace": "shop"},
            "involvedObject": {"kind": "Pod", "name": format!("pod{i}-{}", evil(i)), "namespace": "shop"},
            "type": "Warning", "reason": evil(i + 2), "message": evil(i + 3), "lastTimestamp": "2026-01-01T00:00:00Z"
        }))
        .unwrap();
        e.intake();
        events.push(e);
    }
    (deps, pods, events)
}

fn now() -> DateTime<Utc> {
    "2026-01-01T12:00:00Z".parse().unwrap()
}

/// Screens to draw, as the keys that reach them from the overview.
const SCREENS: &[&str] = &["", "2", "2d", "3", "3\n", "5", "?"];

fn app_at(data: &Data, keys: &str, w: u16, h: u16) -> App {
    let info = ClusterInfo {
        context: "ctx".into(),
        contexts: vec!["ctx".into()],
        server_version: "v1.34.0".into(),
        readonly: false,
    };
    let mut app = App::new(info, Some("shop".into()), "shop".into());
    app.page_rows = table_rows_for_height(h);
    app.term_width = w;
    app.refresh_visible(data);
    let km = Keymap::builtin();
    for c in keys.chars() {
        let code = if c == '\n' {
            KeyCode::Enter
        } else {
            KeyCode::Char(c)
        };
        if let Some(msg) = key_to_msg(&app, &km, &KeyEvent::new(code, KeyModifiers::NONE)) {
            update(&mut app, data, msg);
        }
    }
    app
}

/// Checks escape sequences in `bytes`: only CSI cursor moves (H), colours
/// (m) and cursor show/hide (?25h/l) may appear — what the backend itself
/// writes — and no other control byte at all.
fn assert_only_our_sequences(bytes: &[u8], screen: &str) {
    let text = String::from_utf8(bytes.to_vec()).expect("terminal output is UTF-8");
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            assert_eq!(
                chars.next(),
                Some('['),
                "{screen}: non-CSI escape in output"
            );
            let mut params = String::new();
            let fin = loop {
                match chars.next() {
                    Some(ch) if ('\u{40}'..='\u{7e}').contains(&ch) => break ch,
                    Some(ch) => params.push(ch),
                    None => panic!("{screen}: unterminated CSI"),
                }
            };
            let ok = matches!(fin, 'H' | 'm') || (params == "?25" && matches!(fin, 'h' | 'l'));
            assert!(ok, "{screen}: unexpected CSI {params:?}{fin}");
        } else {
            assert!(!c.is_control(), "{screen}: control character {c:?} written");
            assert!(
                !('\u{202a}'..='\u{202e}').contains(&c),
                "{screen}: bidi override written"
            );
        }
    }
}

#[test]
fn no_control_sequence_from_the_cluster_reaches_the_terminal() {
    let (deps, pods, events) = objects();
    let data = Data::from_objects(deps, pods).with_events(events);
    let (w, h) = (160u16, 40u16);
    for keys in SCREENS {
        let app = app_at(&data, keys, w, h);
        let model = frame::build(&app, &data, &Keymap::builtin(), Liveness::Live, now(), None);
        let mut out: Vec<u8> = Vec::new();
        {
            let backend = CrosstermBackend::new(&mut out);
            let mut term = Terminal::with_options(
                backend,
                ratatui::TerminalOptions {
                    viewport: ratatui::Viewport::Fixed(ratatui::layout::Rect::new(0, 0, w, h)),
                },
            )
            .unwrap();
            term.draw(|f| kockpit::ui::draw(f, &model, &Theme::builtin()))
                .unwrap();
        }
        assert!(!out.is_empty());
        assert_only_our_sequences(&out, &format!("screen {keys:?}"));

        // And the screen does not drift: every row is exactly as wide as
        // the terminal, and the visible text kept the harmless parts.
        let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
        term.draw(|f| kockpit::ui::draw(f, &model, &Theme::builtin()))
            .unwrap();
        let buf = term.backend().buffer().clone();
        for y in 0..h {
            let line: String = (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect();
            assert_eq!(
                line.width(),
                usize::from(w),
                "screen {keys:?} row {y} drifted: {line:?}"
            );
        }
    }
}

#[test]
fn hostile_names_still_read_as_their_harmless_text() {
    let (deps, pods, events) = objects();
    let data = Data::from_objects(deps, pods).with_events(events);
    let app = app_at(&data, "3", 160, 40);
    let model = frame::build(&app, &data, &Keymap::builtin(), Liveness::Live, now(), None);
    let mut term = Terminal::new(TestBackend::new(160, 40)).unwrap();
    term.draw(|f| kockpit::ui::draw(f, &model, &Theme::builtin()))
        .unwrap();
    let text = format!("{}", term.backend());
    assert!(text.contains("pod0-xy"), "{text}");
    assert!(text.contains("pod7-xoverwritey"), "{text}");
    assert!(text.contains("pod10-xrtltxty"), "{text}");
}
