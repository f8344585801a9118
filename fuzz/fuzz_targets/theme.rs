//! A user's theme file, whatever it holds: loading never panics; a problem
//! names the file and a line inside it, and the theme is then the shipped
//! one it was based on.
#![no_main]

use libfuzzer_sys::fuzz_target;

use kockpit::config::theme::{parse_color, ColorDepth, Theme};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = parse_color(text);
    for depth in [ColorDepth::TrueColor, ColorDepth::Ansi16] {
        let (theme, problem) = Theme::load("dark", Some(("theme.toml", text)), depth);
        if let Some(p) = problem {
            assert_eq!(p.file, "theme.toml");
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
            let (shipped, _) = Theme::load(&theme.name, None, depth);
            assert_eq!(theme, shipped, "defaults not kept after {p}");
        }
        let _ = (theme.failed(), theme.selected(), theme.bar());
    }
});
