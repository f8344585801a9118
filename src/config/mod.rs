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

/// A problem in a config file, located for the operator.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}:{line}: {reason}")]
pub struct ConfigError {
    pub file: String,
    pub line: usize,
    pub reason: String,
}

impl ConfigError {
    pub(crate) fn from_toml(file: &str, text: &str, err: &toml::de::Error) -> Self {
        let line = err.span().map_or(1, |s| line_of(text, s.start));
        ConfigError {
            file: file.into(),
            line,
            reason: err.message().trim().to_string(),
        }
    }
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
