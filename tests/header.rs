#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The header's live/STALE indicator is never pushed off the screen: a long
//! context name (and the other header parts) give way first.

use ratatui::backend::TestBackend;
use ratatui::Terminal;

use kockpit::app::data::Data;
use kockpit::app::state::{App, ClusterInfo};
use kockpit::config::keymap::Keymap;
use kockpit::config::theme::Theme;
use kockpit::ui::frame::{self, Liveness};

fn header(context: &str, liveness: Liveness, width: u16) -> String {
    let info = ClusterInfo {
        context: context.into(),
        contexts: vec![context.into()],
        server_version: "v1.34.0".into(),
        readonly: false,
    };
    let app = App::new(info, Some("shop".into()), "shop".into());
    let data = Data::default();
    let now = "2026-01-01T12:00:00Z".parse().unwrap();
    let model = frame::build(&app, &data, &Keymap::builtin(), liveness, now, None);
    let mut term = Terminal::new(TestBackend::new(width, 12)).unwrap();
    term.draw(|f| kockpit::ui::draw(f, &model, &Theme::builtin()))
        .unwrap();
    let buf = term.backend().buffer();
    (0..width).map(|x| buf[(x, 0)].symbol()).collect()
}

fn stale() -> Liveness {
    Liveness::Stale {
        reason: "pods: 503 Service Unavailable".into(),
        last_update_secs: Some(42),
    }
}

#[test]
fn stale_survives_a_long_context_name_on_narrow_terminals() {
    let long = "c".repeat(200);
    for width in [120u16, 80, 60, 40] {
        let h = header(&long, stale(), width);
        assert!(h.contains("⚠ STALE"), "{width} columns: {h:?}");
        assert!(h.contains("42s ago"), "{width} columns: {h:?}");
        // The context is cut, not dropped, while there is room for some of it.
        assert!(h.contains("ctx:ccc"), "{width} columns: {h:?}");
        assert!(h.contains('…'), "{width} columns: {h:?}");
    }
    let h = header(&long, stale(), 20);
    assert!(h.contains("⚠ STALE"), "20 columns: {h:?}");
    // The wide terminal keeps the whole message, reason included.
    let h = header("kind-kind", stale(), 140);
    assert!(
        h.contains("⚠ STALE: reconnecting, last update 42s ago (pods: 503 Service Unavailable)"),
        "{h:?}"
    );
}

#[test]
fn live_and_syncing_survive_too() {
    let long = "c".repeat(200);
    for width in [80u16, 40, 20] {
        assert!(
            header(&long, Liveness::Live, width).contains("● live"),
            "{width}"
        );
        assert!(
            header(&long, Liveness::Syncing, width).contains("◌ syncing…"),
            "{width}"
        );
    }
}

#[test]
fn a_header_that_fits_is_unchanged() {
    let h = header("kind-kind", Liveness::Live, 80);
    assert_eq!(
        h.trim_end(),
        " kockpit  ctx:kind-kind  ns:shop  k8s:v1.34.0  ● live"
    );
}
