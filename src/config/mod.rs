//! Themes and keymaps: defaults shipped as real files under `themes/` and
//! `keymaps/`, embedded at build time; a user's file overrides only what it
//! sets. A bad file is reported as `file:line: reason` and the defaults stay.

pub mod keymap;
pub mod theme;

use std::path::PathBuf;

/// `$XDG_CONFIG_HOME/kockpit`, else `~/.config/kockpit`.
pub fn config_dir() -> Option<PathBuf> {
    xdg_dir("XDG_CONFIG_HOME", ".config")
}

/// `$XDG_STATE_HOME/kockpit`, else `~/.local/state/kockpit`.
pub fn state_dir() -> Option<PathBuf> {
    xdg_dir("XDG_STATE_HOME", ".local/state")
}

fn xdg_dir(var: &str, fallback: &str) -> Option<PathBuf> {
    let base = std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(fallback)))?;
    Some(base.join("kockpit"))
}

/// A problem in a config file, located for the operator. Shown on one
/// status line, so it is printed as one clean line whatever the file held.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", one_line(&format!("{}:{}: {}", .file, .line, .reason)))]
pub struct ConfigError {
    pub file: String,
    pub line: usize,
    pub reason: String,
}

impl ConfigError {
    pub(crate) fn from_toml(file: &str, text: &str, err: &toml::de::Error) -> Self {
        let line = err.span().map_or(1, |s| line_of(text, s.start));
        // toml's messages can span lines ("invalid table header\nexpected
        // `.`, `]]`"); the operator gets them on one status line.
        let mut reason = err
            .message()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(": ");
        if reason.is_empty() {
            // toml says nothing about a control character in a comment.
            let at = err.span().and_then(|s| text.get(s.start..));
            reason = match at.and_then(|t| t.chars().next()) {
                Some(c) if c.is_control() => {
                    format!(
                        "control character U+{:04X} is not allowed here",
                        u32::from(c)
                    )
                }
                Some(c) => format!("unexpected {c:?}"),
                None => "not valid TOML".into(),
            };
        }
        ConfigError {
            file: file.into(),
            line,
            reason,
        }
    }
}

/// Reads a user's config file: `Ok(None)` when there is none. A file that
/// exists but cannot be used (not UTF-8, unreadable) is a mistake like any
/// other, located for the operator, never silently skipped.
pub fn read_user_file(path: &std::path::Path) -> Result<Option<String>, ConfigError> {
    let shown = path.display().to_string();
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(ConfigError {
                file: shown,
                line: 1,
                reason: format!("cannot read: {e}"),
            })
        }
    };
    String::from_utf8(bytes).map(Some).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = line_of(&String::from_utf8_lossy(&e.as_bytes()[..at]), at);
        ConfigError {
            file: shown,
            line,
            reason: format!("not UTF-8 at byte {at}"),
        }
    })
}

/// Every problem of the user's files on one status line.
pub fn problems_line(problems: &[ConfigError]) -> Option<String> {
    if problems.is_empty() {
        return None;
    }
    let all: Vec<String> = problems.iter().map(ToString::to_string).collect();
    Some(format!("{} (using the defaults)", all.join("; ")))
}

fn one_line(text: &str) -> String {
    crate::model::sanitize::clean(&text.replace(['\n', '\r'], " ")).into_owned()
}

/// 1-based line number of a byte offset.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()
        .iter()
        .take(offset)
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_that_is_not_utf8_is_a_located_mistake() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keymap.toml");
        std::fs::write(&path, b"[[bind]]\nkeys = [\"q\"]\n# caf\xe9\n").unwrap();
        let e = read_user_file(&path).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("{}:3: not UTF-8 at byte 27", path.display())
        );
        assert_eq!(read_user_file(&dir.path().join("none.toml")), Ok(None));
        std::fs::write(&path, "ok = 1\n").unwrap();
        assert_eq!(read_user_file(&path), Ok(Some("ok = 1\n".into())));
    }

    #[test]
    fn every_problem_is_on_the_status_line() {
        let p = |line| ConfigError {
            file: "k.toml".into(),
            line,
            reason: "bad".into(),
        };
        assert_eq!(problems_line(&[]), None);
        assert_eq!(
            problems_line(&[p(2), p(5)]).as_deref(),
            Some("k.toml:2: bad; k.toml:5: bad (using the defaults)")
        );
    }

    #[test]
    fn toml_errors_are_one_line() {
        let text = "[[bind]\nkeys = []\n";
        let err = toml::from_str::<toml::Table>(text).unwrap_err();
        let e = ConfigError::from_toml("k.toml", text, &err);
        assert_eq!(e.line, 1);
        assert!(!e.to_string().contains('\n'), "{e}");
        assert!(e.reason.starts_with("invalid table header: "), "{e}");
    }

    #[test]
    fn a_control_character_in_a_comment_is_named() {
        // Found by fuzzing: toml's message for this is empty.
        let text = "[colors]\n# a\u{2}b\n";
        let err = toml::from_str::<toml::Table>(text).unwrap_err();
        let e = ConfigError::from_toml("t.toml", text, &err);
        assert_eq!(
            e.to_string(),
            "t.toml:2: control character U+0002 is not allowed here"
        );
    }

    #[test]
    fn reasons_quoting_the_file_stay_one_clean_line() {
        let e = ConfigError {
            file: "k.toml".into(),
            line: 3,
            reason: "unknown action \"a\nb\u{1b}[2J\"".into(),
        };
        assert_eq!(e.to_string(), "k.toml:3: unknown action \"a b\u{FFFD}\"");
    }
}
