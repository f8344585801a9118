//! Keys become messages (a pure function of state and key), messages change
//! state. Nothing here touches the terminal or the network: effects that need
//! I/O are returned for the run loop to carry out.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::action::Action;
use super::data::Data;
use super::state::{App, Flash, Mode, Owner, Screen, Sort, View};
use crate::config::keymap::Keymap;
use crate::model::filter::Filter;
use crate::model::rows::{DeploymentRow, PodRow};
use crate::model::selector::Selector;
use crate::model::table::TableRow;

#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
    Action(Action),
    Char(char),
    Backspace,
    Submit,
    Cancel,
    Complete,
}

/// What the run loop must do after an update.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    None,
    /// Watch another namespace (`None` = all).
    Rescope(Option<String>),
}

/// Commands `:` understands, for completion and help.
pub const COMMANDS: [&str; 7] = ["deploy", "pods", "ns", "ctx", "help", "quit", "q"];

pub fn key_to_msg(app: &App, keymap: &Keymap, ev: &KeyEvent) -> Option<Msg> {
    if ev.kind == KeyEventKind::Release {
        return None;
    }
    if ev.code == KeyCode::Char('c') && ev.modifiers.contains(KeyModifiers::CONTROL) {
        return Some(Msg::Action(Action::Quit));
    }
    match app.mode {
        Mode::Filter | Mode::Command => match ev.code {
            KeyCode::Esc => Some(Msg::Cancel),
            KeyCode::Enter => Some(Msg::Submit),
            KeyCode::Backspace => Some(Msg::Backspace),
            KeyCode::Tab => Some(Msg::Complete),
            KeyCode::Char(c)
                if !ev
                    .modifiers
                    .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
            {
                Some(Msg::Char(c))
            }
            _ => None,
        },
        Mode::Normal => keymap.action_for(ev).map(Msg::Action),
    }
}

pub fn update(app: &mut App, data: &Data, msg: Msg) -> Effect {
    // Any keypress retires the previous one-line message.
    app.flash = None;
    let effect = match msg {
        Msg::Action(a) => act(app, data, a),
        Msg::Char(c) => {
            app.input.push(c);
            live_filter(app);
            Effect::None
        }
        Msg::Backspace => {
            app.input.pop();
            live_filter(app);
            Effect::None
        }
        Msg::Cancel => {
            if app.mode == Mode::Filter {
                set_filter(app, "");
            }
            app.mode = Mode::Normal;
            app.input.clear();
            Effect::None
        }
        Msg::Complete => {
            if app.mode == Mode::Command {
                complete(app);
            }
            Effect::None
        }
        Msg::Submit => {
            let input = std::mem::take(&mut app.input);
            let mode = std::mem::replace(&mut app.mode, Mode::Normal);
            match mode {
                Mode::Filter => {
                    set_filter(app, &input);
                    Effect::None
                }
                Mode::Command => command(app, data, &input),
                Mode::Normal => Effect::None,
            }
        }
    };
    app.refresh_visible(data);
    effect
}

fn act(app: &mut App, data: &Data, action: Action) -> Effect {
    if app.help && !matches!(action, Action::Quit) {
        // While help is open, keys only close it.
        if matches!(action, Action::Help | Action::Back | Action::Enter) {
            app.help = false;
        }
        return Effect::None;
    }
    let page = app.page_rows.max(1);
    match action {
        Action::Quit => app.quit = true,
        Action::Help => app.help = true,
        Action::Back => back(app),
        Action::Enter => enter(app, data),
        Action::Up => move_by(app, -1),
        Action::Down => move_by(app, 1),
        Action::PageUp => move_by(app, -(page as isize)),
        Action::PageDown => move_by(app, page as isize),
        Action::Top => move_by(app, isize::MIN / 2),
        Action::Bottom => move_by(app, isize::MAX / 2),
        Action::Filter => {
            app.mode = Mode::Filter;
            app.input.clear();
        }
        Action::Command => {
            app.mode = Mode::Command;
            app.input.clear();
        }
        Action::ViewDeployments => switch(app, Screen::Deployments),
        Action::ViewPods => switch(app, Screen::Pods),
        Action::ToggleAllNamespaces => {
            let target = if app.all_namespaces() {
                Some(app.home_namespace.clone())
            } else {
                None
            };
            return rescope(app, target);
        }
        Action::SortNext => {
            let count = match app.view().screen {
                Screen::Deployments => DeploymentRow::COLUMNS.len(),
                Screen::Pods => PodRow::COLUMNS.len(),
            };
            let first = if app.all_namespaces() { 0 } else { 1 };
            let sort = &mut app.view_mut().sort;
            sort.column = if sort.column + 1 >= count {
                first
            } else {
                sort.column + 1
            };
        }
        Action::SortReverse => app.view_mut().sort.reverse ^= true,
    }
    Effect::None
}

fn move_by(app: &mut App, delta: isize) {
    let view = app.view_mut();
    let last = view.visible.len().saturating_sub(1) as isize;
    let next = (view.selected as isize)
        .saturating_add(delta)
        .clamp(0, last.max(0));
    view.selected = next as usize;
    // Forget the key so refresh_visible keeps the new index.
    view.selected_key = None;
}

fn back(app: &mut App) {
    if app.view().filter.is_active() {
        set_filter(app, "");
    } else if app.views.len() > 1 {
        app.views.pop();
    }
}

fn enter(app: &mut App, data: &Data) {
    let view = app.view();
    let Some(idx) = view.visible.get(view.selected).copied() else {
        return;
    };
    if view.screen != Screen::Deployments {
        return;
    }
    let Some(item) = data.deployments.get(idx) else {
        return;
    };
    let selector = item
        .obj
        .spec
        .as_ref()
        .map(|s| Selector::from_label_selector(&s.selector))
        .unwrap_or_default();
    let mut pods = View::new(Screen::Pods);
    pods.owner = Some(Owner {
        label: format!("deploy/{}", item.row.name),
        namespace: item.row.namespace.clone(),
        selector,
    });
    app.views.push(pods);
}

fn switch(app: &mut App, screen: Screen) {
    if app.view().screen == screen && app.views.len() == 1 {
        return;
    }
    app.views = vec![View::new(screen)];
    if app.all_namespaces() {
        app.view_mut().sort = Sort {
            column: 0,
            reverse: false,
        };
    }
}

fn live_filter(app: &mut App) {
    if app.mode == Mode::Filter {
        let text = app.input.clone();
        set_filter(app, &text);
    }
}

fn set_filter(app: &mut App, text: &str) {
    match Filter::parse(text) {
        Ok(f) => {
            let view = app.view_mut();
            view.filter = f;
            view.filter_text = text.trim().to_string();
        }
        // A half-typed regex keeps the last good filter; the error shows
        // in the status line until the text parses again.
        Err(e) => {
            app.flash = Some(Flash {
                text: e,
                error: true,
            })
        }
    }
}

fn complete(app: &mut App) {
    let typed = app.input.trim_start().to_string();
    if typed.contains(' ') {
        return;
    }
    let matches: Vec<&str> = COMMANDS
        .iter()
        .copied()
        .filter(|c| c.starts_with(&typed))
        .collect();
    if let [only] = matches.as_slice() {
        app.input = format!("{only} ");
    } else if !matches.is_empty() {
        app.flash = Some(Flash {
            text: matches.join("  "),
            error: false,
        });
    }
}

fn command(app: &mut App, data: &Data, input: &str) -> Effect {
    let mut words = input.split_whitespace();
    let Some(cmd) = words.next() else {
        return Effect::None;
    };
    let arg = words.next();
    match cmd {
        "q" | "q!" | "quit" | "exit" => app.quit = true,
        "help" | "?" => app.help = true,
        "deploy" | "deployments" | "deployment" | "dp" => switch(app, Screen::Deployments),
        "pods" | "pod" | "po" => switch(app, Screen::Pods),
        "ns" | "namespace" => {
            return match arg {
                None => {
                    let current = app.namespace.clone().unwrap_or_else(|| "all".into());
                    app.flash = Some(Flash {
                        text: format!("namespace: {current} (:ns NAME, :ns all)"),
                        error: false,
                    });
                    Effect::None
                }
                Some("all" | "-A" | "*") => rescope(app, None),
                Some(ns) if valid_dns_label(ns) => rescope(app, Some(ns.to_string())),
                Some(ns) => {
                    app.flash = Some(Flash {
                        text: format!("not a namespace name: {ns:?}"),
                        error: true,
                    });
                    Effect::None
                }
            };
        }
        "ctx" | "context" => {
            app.flash = Some(Flash {
                text: format!(
                    "context: {} (switch with --context on start)",
                    app.cluster.context
                ),
                error: false,
            })
        }
        other => {
            app.flash = Some(Flash {
                text: format!("unknown command \"{other}\" (try: {})", COMMANDS.join(", ")),
                error: true,
            })
        }
    }
    let _ = data;
    Effect::None
}

fn rescope(app: &mut App, ns: Option<String>) -> Effect {
    if ns == app.namespace {
        return Effect::None;
    }
    app.namespace = ns.clone();
    let screen = app.view().screen;
    app.views = vec![View::new(screen)];
    if ns.is_none() {
        app.view_mut().sort = Sort {
            column: 0,
            reverse: false,
        };
    }
    Effect::Rescope(ns)
}

fn valid_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}
