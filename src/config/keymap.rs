//! Keymaps: layered files of bindings, each with a description so the help
//! screen is generated from the keymap in force, never written by hand.

use std::collections::HashMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

use super::{line_of, ConfigError};
use crate::action::{Action, VerbName};
use crate::model::verbs::Verb;

pub const DEFAULT: &str = include_str!("../../keymaps/default.toml");
pub const VIM: &str = include_str!("../../keymaps/vim.toml");

/// Names of the shipped keymaps, for `--keymap` and the tests.
pub const SHIPPED: [(&str, &str); 2] = [("default", DEFAULT), ("vim", VIM)];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KeyCombo {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl KeyCombo {
    /// Normalises a terminal key event so `G` matches whether or not the
    /// terminal reports SHIFT with it.
    pub fn from_event(ev: &KeyEvent) -> Self {
        let mut mods =
            ev.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        if let KeyCode::Char(_) = ev.code {
            mods.remove(KeyModifiers::SHIFT);
        }
        KeyCombo {
            code: ev.code,
            mods,
        }
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let mut mods = KeyModifiers::NONE;
        let mut rest = text;
        loop {
            let lower = rest.to_ascii_lowercase();
            let (m, len) = if lower.starts_with("ctrl-") {
                (KeyModifiers::CONTROL, 5)
            } else if lower.starts_with("alt-") {
                (KeyModifiers::ALT, 4)
            } else if lower.starts_with("shift-") && rest.len() > 6 {
                (KeyModifiers::SHIFT, 6)
            } else {
                break;
            };
            mods |= m;
            rest = &rest[len..];
        }
        let code = match rest.to_ascii_lowercase().as_str() {
            "enter" => KeyCode::Enter,
            "esc" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "backspace" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pgup" | "pageup" => KeyCode::PageUp,
            "pgdown" | "pagedown" => KeyCode::PageDown,
            "space" => KeyCode::Char(' '),
            f if f.len() > 1
                && f.starts_with('f')
                && f[1..].parse::<u8>().is_ok_and(|n| (1..=12).contains(&n)) =>
            {
                KeyCode::F(f[1..].parse().unwrap_or(1))
            }
            _ => {
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => {
                        // shift-a means A: store the character as typed.
                        if mods.contains(KeyModifiers::SHIFT) {
                            mods.remove(KeyModifiers::SHIFT);
                            KeyCode::Char(c.to_ascii_uppercase())
                        } else {
                            KeyCode::Char(c)
                        }
                    }
                    _ => return Err(format!("unknown key \"{text}\"")),
                }
            }
        };
        Ok(KeyCombo { code, mods })
    }

    /// How the help screen shows the key.
    pub fn label(&self) -> String {
        let mut s = String::new();
        if self.mods.contains(KeyModifiers::CONTROL) {
            s.push_str("ctrl-");
        }
        if self.mods.contains(KeyModifiers::ALT) {
            s.push_str("alt-");
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            s.push_str("shift-");
        }
        let key = match self.code {
            KeyCode::Char(' ') => "space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "enter".into(),
            KeyCode::Esc => "esc".into(),
            KeyCode::Tab => "tab".into(),
            KeyCode::BackTab => "backtab".into(),
            KeyCode::Backspace => "backspace".into(),
            KeyCode::Delete => "delete".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::Home => "home".into(),
            KeyCode::End => "end".into(),
            KeyCode::PageUp => "pgup".into(),
            KeyCode::PageDown => "pgdown".into(),
            KeyCode::F(n) => format!("f{n}"),
            other => format!("{other:?}"),
        };
        s.push_str(&key);
        s
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    base: Option<String>,
    #[serde(default)]
    bind: Vec<RawBinding>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBinding {
    keys: Vec<toml::Spanned<String>>,
    action: toml::Spanned<String>,
    desc: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Binding {
    pub keys: Vec<KeyCombo>,
    pub action: Action,
    pub desc: String,
}

/// The keymap in force: an ordered list for help, a map for lookup.
#[derive(Clone, Debug)]
pub struct Keymap {
    bindings: Vec<Binding>,
    lookup: HashMap<KeyCombo, Action>,
}

impl Keymap {
    pub fn action_for(&self, ev: &KeyEvent) -> Option<Action> {
        self.lookup.get(&KeyCombo::from_event(ev)).copied()
    }

    pub fn bindings(&self) -> &[Binding] {
        &self.bindings
    }

    /// The shipped default keymap.
    pub fn builtin() -> Self {
        // The shipped file is parsed by a test; if it were broken the test
        // fails, and here we degrade to an empty map rather than panic.
        Self::from_layers(&[("keymaps/default.toml", DEFAULT)])
            .unwrap_or_else(|_| Keymap {
                bindings: Vec::new(),
                lookup: HashMap::new(),
            })
            .with_verb_keys()
    }

    /// Loads `name` (a shipped keymap) and then the user's file, if any.
    /// Errors in the user's file are returned alongside the defaults (the
    /// first; [`Keymap::load_all`] has every one).
    pub fn load(name: &str, user_file: Option<(&str, &str)>) -> (Self, Option<ConfigError>) {
        let (keymap, problems) = Self::load_all(name, user_file);
        (keymap, problems.into_iter().next())
    }

    /// Like [`Keymap::load`], with every problem found: a file with three
    /// mistakes is fixed in one go, not in three restarts. A user file with
    /// any mistake is not applied at all (the defaults apply).
    pub fn load_all(name: &str, user_file: Option<(&str, &str)>) -> (Self, Vec<ConfigError>) {
        let mut layers: Vec<(&str, &str)> = vec![("keymaps/default.toml", DEFAULT)];
        let mut problems = Vec::new();
        let mut base = name.to_string();
        let mut user_parses = false;
        if let Some((file, text)) = user_file {
            match toml::from_str::<File>(text) {
                Ok(f) => {
                    user_parses = true;
                    if let Some(b) = f.base {
                        base = b;
                    }
                }
                Err(e) => problems.push(ConfigError::from_toml(file, text, &e)),
            }
        }
        match SHIPPED.iter().find(|(n, _)| *n == base) {
            Some(("default", _)) => {}
            Some((n, text)) => {
                layers.push((if *n == "vim" { "keymaps/vim.toml" } else { n }, text))
            }
            None => problems.push(ConfigError {
                file: user_file.map_or("--keymap", |(f, _)| f).to_string(),
                line: 1,
                reason: format!("unknown keymap \"{base}\" (shipped: default, vim)"),
            }),
        }
        let (shipped, mut errors) = Self::from_layers_all(&layers);
        if !errors.is_empty() {
            problems.append(&mut errors);
            return (Self::builtin(), problems);
        }
        if let (Some(user), true) = (user_file, user_parses) {
            layers.push(user);
            let (keymap, mut errors) = Self::from_layers_all(&layers);
            if errors.is_empty() && problems.is_empty() {
                return (keymap.with_verb_keys(), problems);
            }
            problems.append(&mut errors);
        }
        (shipped.with_verb_keys(), problems)
    }

    /// Adds each verb's own key where the files left it free (see
    /// [`add_verb_defaults`]): the last layer of the shipped defaults.
    fn with_verb_keys(mut self) -> Self {
        add_verb_defaults(&mut self.bindings);
        self.lookup = self
            .bindings
            .iter()
            .flat_map(|b| b.keys.iter().map(move |k| (*k, b.action)))
            .collect();
        self
    }

    /// Later layers override earlier ones key by key.
    pub fn from_layers(layers: &[(&str, &str)]) -> Result<Self, ConfigError> {
        let (keymap, problems) = Self::from_layers_all(layers);
        match problems.into_iter().next() {
            Some(e) => Err(e),
            None => Ok(keymap),
        }
    }

    /// [`Keymap::from_layers`] with every binding that cannot be resolved
    /// reported (and left out).
    fn from_layers_all(layers: &[(&str, &str)]) -> (Self, Vec<ConfigError>) {
        let mut bindings: Vec<Binding> = Vec::new();
        let mut problems = Vec::new();
        for (file, text) in layers {
            let parsed: File = match toml::from_str(text) {
                Ok(p) => p,
                Err(e) => {
                    problems.push(ConfigError::from_toml(file, text, &e));
                    continue;
                }
            };
            for raw in parsed.bind {
                let binding = match resolve(file, text, raw) {
                    Ok(b) => b,
                    Err(e) => {
                        problems.push(e);
                        continue;
                    }
                };
                for b in &mut bindings {
                    b.keys.retain(|k| !binding.keys.contains(k));
                }
                bindings.retain(|b| !b.keys.is_empty());
                match bindings
                    .iter_mut()
                    .find(|b| b.action == binding.action && b.desc == binding.desc)
                {
                    Some(existing) => existing.keys.extend(binding.keys),
                    None => bindings.push(binding),
                }
            }
        }
        let lookup = bindings
            .iter()
            .flat_map(|b| b.keys.iter().map(move |k| (*k, b.action)))
            .collect();
        (Keymap { bindings, lookup }, problems)
    }
}

/// Each verb's own key (`VerbSpec::key`), unless a layer bound the verb
/// already or gave that key to something else: a verb brings its binding,
/// so adding one needs no keymap edit, and a keymap still has the last word.
fn add_verb_defaults(bindings: &mut Vec<Binding>) {
    for &verb in Verb::ALL {
        let spec = verb.spec();
        let Ok(key) = KeyCombo::parse(spec.key) else {
            continue;
        };
        let bound = bindings
            .iter()
            .any(|b| b.action == Action::Verb(VerbName(spec.name)) || b.keys.contains(&key));
        if !bound {
            bindings.push(Binding {
                keys: vec![key],
                action: Action::Verb(VerbName(spec.name)),
                desc: spec.desc.to_string(),
            });
        }
    }
}

/// What help shows for a binding without its own `desc`.
fn description(action: Action) -> &'static str {
    match action {
        Action::Verb(VerbName(name)) => Verb::by_name(name).map_or("", |v| v.spec().desc),
        other => other.default_description(),
    }
}

fn resolve(file: &str, text: &str, raw: RawBinding) -> Result<Binding, ConfigError> {
    let err = |offset: usize, reason: String| ConfigError {
        file: file.into(),
        line: line_of(text, offset),
        reason,
    };
    let action_name = raw.action.get_ref();
    let verb = Verb::by_name(action_name).map(|v| Action::Verb(VerbName(v.spec().name)));
    let action: Action = match verb {
        Some(a) => Ok(a),
        None => serde_json::from_value(serde_json::Value::String(action_name.clone())),
    }
    .map_err(|_| {
        err(
            raw.action.span().start,
            format!("unknown action \"{action_name}\""),
        )
    })?;
    if raw.keys.is_empty() {
        return Err(err(
            raw.action.span().start,
            "a binding needs at least one key".into(),
        ));
    }
    let keys = raw
        .keys
        .iter()
        .map(|k| KeyCombo::parse(k.get_ref()).map_err(|reason| err(k.span().start, reason)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Binding {
        keys,
        action,
        desc: raw.desc.unwrap_or_else(|| description(action).to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    #[test]
    fn shipped_keymaps_parse() {
        for (name, _) in SHIPPED {
            let (k, problem) = Keymap::load(name, None);
            assert!(problem.is_none(), "{name}: {problem:?}");
            assert_eq!(k.action_for(&key('q')), Some(Action::Quit), "{name}");
        }
        let (vim, _) = Keymap::load("vim", None);
        assert_eq!(
            vim.action_for(&KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL)),
            Some(Action::PageDown)
        );
    }

    #[test]
    fn user_file_overrides_only_its_keys() {
        let user = "[[bind]]\nkeys = [\"x\"]\naction = \"quit\"\n\n[[bind]]\nkeys = [\"q\"]\naction = \"help\"\n";
        let (k, problem) = Keymap::load("default", Some(("keymap.toml", user)));
        assert!(problem.is_none());
        assert_eq!(k.action_for(&key('x')), Some(Action::Quit));
        assert_eq!(k.action_for(&key('q')), Some(Action::Help));
        assert_eq!(
            k.action_for(&KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Action::Quit)
        );
        assert_eq!(k.action_for(&key('j')), Some(Action::Down));
    }

    #[test]
    fn bad_file_reports_line_and_keeps_defaults() {
        let user = "[[bind]]\nkeys = [\"x\"]\naction = \"explode\"\n";
        let (k, problem) = Keymap::load("default", Some(("keymap.toml", user)));
        let problem = problem.unwrap();
        assert_eq!((problem.file.as_str(), problem.line), ("keymap.toml", 3));
        assert!(problem.reason.contains("explode"), "{problem}");
        assert_eq!(k.action_for(&key('q')), Some(Action::Quit));

        let (_, problem) = Keymap::load(
            "default",
            Some(("k.toml", "[[bind]]\nkeys = [\"ctrl-\"]\naction=\"quit\"")),
        );
        assert_eq!(problem.unwrap().line, 2);
        let (_, problem) = Keymap::load("default", Some(("k.toml", "bind = 3\nwhat")));
        assert!(problem.is_some());
    }

    #[test]
    fn every_mistake_in_a_file_is_reported_at_once() {
        let user = "[[bind]]\nkeys = [\"x\"]\naction = \"explode\"\n\n[[bind]]\nkeys = [\"y\"]\naction = \"quit\"\n\n[[bind]]\nkeys = [\"ctrl-\"]\naction = \"quit\"\n";
        let (k, problems) = Keymap::load_all("default", Some(("keymap.toml", user)));
        let lines: Vec<usize> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [3, 10], "{problems:?}");
        // Nothing of a file with mistakes applies: `y` keeps its default.
        assert_eq!(
            k.action_for(&key('y')),
            Keymap::builtin().action_for(&key('y'))
        );
        let (_, problems) = Keymap::load_all(
            "nope",
            Some(("k.toml", "[[bind]]\nkeys = [\"x\"]\naction = \"boom\"\n")),
        );
        assert_eq!(problems.len(), 2, "{problems:?}");
    }

    #[test]
    fn change_keys_are_bound_in_every_shipped_keymap_and_shown_in_help() {
        let want = [
            ("u", Action::RolloutPanel),
            ("h", Action::History),
            ("b", Action::BlueGreen),
            ("r", Action::Restart),
            ("s", Action::Scale),
            ("z", Action::PauseResume),
            ("ctrl-g", Action::Guard),
            ("J", Action::Journal),
        ];
        for (name, _) in SHIPPED {
            let (k, _) = Keymap::load(name, None);
            for (combo, action) in want {
                let c = KeyCombo::parse(combo).unwrap();
                let ev = KeyEvent::new(c.code, c.mods);
                assert_eq!(k.action_for(&ev), Some(action), "{name}: {combo}");
                let b = k.bindings().iter().find(|b| b.action == action).unwrap();
                assert!(!b.desc.trim().is_empty(), "{name}: {b:?}");
            }
        }
        // No key of the default file is bound twice (a later binding would
        // silently take it from an earlier one).
        let k = Keymap::from_layers(&[("keymaps/default.toml", DEFAULT)]).unwrap();
        let bound: usize = k.bindings().iter().map(|b| b.keys.len()).sum();
        let listed = DEFAULT.matches("\nkeys = ").count();
        assert_eq!(k.bindings().len(), listed, "a binding lost all its keys");
        assert_eq!(bound, k.lookup.len());
    }

    #[test]
    fn a_verb_brings_its_key_unless_a_keymap_took_it() {
        for &verb in Verb::ALL {
            let spec = verb.spec();
            let combo = KeyCombo::parse(spec.key).unwrap();
            let ev = KeyEvent::new(combo.code, combo.mods);
            for (name, text) in SHIPPED {
                let (k, _) = Keymap::load(name, None);
                // vim pages with ctrl-d: a file that binds the key wins.
                let files = Keymap::from_layers(&[("keymaps/default.toml", DEFAULT), (name, text)])
                    .unwrap();
                let want = files
                    .action_for(&ev)
                    .unwrap_or(Action::Verb(VerbName(spec.name)));
                assert_eq!(k.action_for(&ev), Some(want), "{name}: {}", spec.key);
            }
            let b = Keymap::builtin();
            let b = b
                .bindings()
                .iter()
                .find(|b| b.action == Action::Verb(VerbName(spec.name)));
            assert_eq!(b.map(|b| b.desc.as_str()), Some(spec.desc));
            // Bound by name on another key, the verb leaves its own free.
            let user = format!("[[bind]]\nkeys = [\"f12\"]\naction = \"{}\"\n", spec.name);
            let (k, problems) = Keymap::load("default", Some(("k.toml", &user)));
            assert!(problems.is_none(), "{problems:?}");
            let f12 = KeyEvent::new(KeyCode::F(12), KeyModifiers::NONE);
            assert_eq!(k.action_for(&f12), Some(Action::Verb(VerbName(spec.name))));
            assert_ne!(k.action_for(&ev), Some(Action::Verb(VerbName(spec.name))));
        }
    }

    #[test]
    fn parses_modifiers_and_names() {
        assert_eq!(
            KeyCombo::parse("ctrl-c").unwrap(),
            KeyCombo {
                code: KeyCode::Char('c'),
                mods: KeyModifiers::CONTROL
            }
        );
        assert_eq!(
            KeyCombo::parse("shift-s").unwrap(),
            KeyCombo {
                code: KeyCode::Char('S'),
                mods: KeyModifiers::NONE
            }
        );
        assert_eq!(KeyCombo::parse("f5").unwrap().code, KeyCode::F(5));
        assert!(KeyCombo::parse("nope").is_err());
        let shifted = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(
            KeyCombo::from_event(&shifted),
            KeyCombo::parse("G").unwrap()
        );
    }
}
