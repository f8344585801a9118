//! A user's keymap file, whatever it holds: loading never panics; a problem
//! names the file and a line inside it, and the defaults stay in force.
#![no_main]

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use libfuzzer_sys::fuzz_target;

use kockpit::config::keymap::{KeyCombo, Keymap};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = KeyCombo::parse(text);
    let (keymap, problem) = Keymap::load("default", Some(("keymap.toml", text)));
    if let Some(p) = problem {
        assert_eq!(p.file, "keymap.toml");
        let lines = text.split('\n').count();
        assert!(
            p.line >= 1 && p.line <= lines,
            "line {} of {lines}: {p}",
            p.line
        );
        assert!(
            !p.reason.is_empty() && !p.to_string().chars().any(char::is_control),
            "{p:?}"
        );
        let quit = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(
            keymap.action_for(&quit),
            Keymap::builtin().action_for(&quit),
            "defaults not kept after {p}"
        );
    }
    for b in keymap.bindings() {
        for k in &b.keys {
            assert!(!k.label().is_empty());
        }
    }
});
