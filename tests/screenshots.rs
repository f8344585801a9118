#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The SVG screenshots in screenshots/ are rendered from the same fixture
//! objects as the snapshot tests (a shop like the demo's, pinned clock), so
//! they are deterministic. This test fails when a screen changed and the
//! pictures were not regenerated:
//!
//!     KOCKPIT_UPDATE_SCREENSHOTS=1 cargo test --test screenshots

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use kockpit::app::data::Data;
use kockpit::app::state::{App, ClusterInfo};
use kockpit::app::update::{key_to_msg, update};
use kockpit::config::keymap::Keymap;
use kockpit::config::theme::Theme;
use kockpit::ui::frame::{self, table_rows_for_height, Liveness};
use kockpit::ui::svg::buffer_to_svg;

const W: u16 = 120;
const H: u16 = 32;

fn now() -> DateTime<Utc> {
    "2026-01-01T12:00:00Z".parse().unwrap()
}

fn fixtures() -> Data {
    let v: serde_json::Value = serde_json::from_str(include_str!("fixtures/shop.json")).unwrap();
    let get = |k: &str| v[k].clone();
    Data::from_objects(
        serde_json::from_value(get("deployments")).unwrap(),
        serde_json::from_value(get("pods")).unwrap(),
    )
    .with_events(serde_json::from_value(get("events")).unwrap())
    .with_replicasets(serde_json::from_value(get("replicasets")).unwrap())
    .with_hpas(serde_json::from_value(get("hpas")).unwrap(), now())
}

fn render(keys: &str, theme: &Theme) -> String {
    let data = fixtures();
    let info = ClusterInfo {
        context: "kockpit-demo".into(),
        contexts: vec!["kockpit-demo".into()],
        server_version: "v1.34.0".into(),
        readonly: false,
    };
    let mut app = App::new(info, Some("shop".into()), "shop".into());
    app.page_rows = table_rows_for_height(H);
    app.term_width = W;
    // Panels opened by a key take their clock from here, not the wall clock.
    app.write.clock = Some(now());
    app.refresh_visible(&data);
    let km = Keymap::builtin();
    for c in keys.chars() {
        let code = if c == '\n' {
            KeyCode::Enter
        } else {
            KeyCode::Char(c)
        };
        if let Some(msg) = key_to_msg(&app, &km, &KeyEvent::new(code, KeyModifiers::NONE)) {
            update(&mut app, &data, msg);
        }
    }
    let rows = app.page_rows;
    app.view_mut().scroll_into_view(rows);
    let model = frame::build(&app, &data, &km, Liveness::Live, now(), None);
    let mut term = Terminal::new(TestBackend::new(W, H)).unwrap();
    term.draw(|f| kockpit::ui::draw(f, &model, theme)).unwrap();
    buffer_to_svg(term.backend().buffer())
}

#[test]
fn screenshots_are_current() {
    let theme = Theme::builtin();
    let shots = [
        ("overview", "1"),
        ("deployments", "2"),
        ("deployment-rollout", "2d"),
        ("pods", "3j"),
        ("pod-detail", "3\n"),
        ("hpa", "4"),
        ("hpa-chart", "4\n"),
        ("events", "5"),
        ("help", "?"),
        ("rolling-update", "2u"),
        ("history", "2h"),
    ];
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("screenshots");
    let update = std::env::var_os("KOCKPIT_UPDATE_SCREENSHOTS").is_some();
    let mut stale = Vec::new();
    for (name, keys) in shots {
        let svg = render(keys, &theme);
        let path = dir.join(format!("{name}.svg"));
        if update {
            std::fs::write(&path, &svg).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(svg.as_str()) {
            stale.push(name);
        }
    }
    assert!(stale.is_empty(), "screenshots out of date: {stale:?}; run KOCKPIT_UPDATE_SCREENSHOTS=1 cargo test --test screenshots");
}
