//! Keys become messages (a pure function of state and key), messages change
//! state. Nothing here touches the terminal or the network: effects that need
//! I/O are returned for the run loop to carry out.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::commands::{Command, VIEW_ACTIONS};
use crate::action::Action;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::data::{Data, Item, Visit};
use super::state::{App, Flash, Kind, Mode, ObjKey, Owner, Screen, Sort, View};
use super::write;
use crate::cluster::kinds::{DetailView, Enter, Resource};
pub use crate::cluster::logs::selector_string;
use crate::config::keymap::Keymap;
use crate::model::filter::Filter;
use crate::model::selector::Selector;
use crate::model::table::TableRow;
use crate::model::verbs::Verb;

#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
    Action(Action),
    Char(char),
    Backspace,
    Submit,
    Cancel,
    Complete,
    /// A key for the panel open over the screen.
    Panel(KeyEvent),
    /// Text pasted in one go (bracketed paste): into the prompt or the
    /// panel's focused field as one edit, never taken as keys.
    Paste(String),
    /// A background result (a read, a write step, a context switch).
    Done(super::done::Done),
}

/// What the run loop must do after an update. One per key press, moved
/// once: the write side's variant being large costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    None,
    /// Watch another namespace (`None` = all).
    Rescope(Option<String>),
    /// Read a Secret's key names (never kept: its values).
    FetchSecretKeys(ObjKey),
    /// Read one key of a Secret to show it.
    RevealSecret(ObjKey, String),
    /// Start streaming logs.
    OpenLogs(LogRequest),
    /// Something for the open log stream.
    Log(LogCmd),
    /// Connect to another kubeconfig context (in the background).
    SwitchContext(String),
    /// Plan, apply, guard... (`app::write_runner`).
    Write(super::write::WriteEffect),
}

/// Log view commands that need the stream's buffer or restart the stream.
#[derive(Clone, Debug, PartialEq)]
pub enum LogCmd {
    ScrollUp(usize),
    ScrollDown(usize),
    TogglePause,
    Follow,
    Wrap,
    Timestamps,
    Previous,
    Save,
    /// `/text` includes, `/!text` excludes.
    Filter(String),
    Highlight(String),
    /// `:since 5m`, `:tail 200`: restart the stream with these.
    Since(i64),
    Tail(i64),
}

/// Whose logs to stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogRequest {
    pub namespace: String,
    /// One pod, or every pod the selector matches.
    pub pod: Option<String>,
    pub selector: Option<String>,
    pub container: Option<String>,
    /// `deploy/api`, `pod/api-1`: for the title.
    pub label: String,
}

/// Commands `:` understands, for completion and help (`app::commands`).
pub fn commands() -> Vec<&'static str> {
    super::commands::listed()
}

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
        // Open panels take every key (they hold text fields); help, when
        // open over them, only closes.
        Mode::Normal if !app.help && !app.write.panels.is_empty() => Some(Msg::Panel(*ev)),
        Mode::Normal => keymap.action_for(ev).map(Msg::Action),
    }
}

fn write_effect(e: Option<super::write::WriteEffect>) -> Effect {
    e.map_or(Effect::None, Effect::Write)
}

/// For input in bursts (the run loop drains the terminal in batches):
/// like `update`, except that an edit of the `/` or `:` prompt only
/// changes its text, and a key for a panel only reaches the panel. The
/// re-filter and refresh they call for wait for [`settle`], so a thousand
/// characters typed in one batch re-filter once, not a thousand times; any
/// other message settles first, so it sees the rows as `update` would have
/// left them.
pub fn update_deferred(app: &mut App, data: &Data, msg: Msg) -> Effect {
    let in_prompt = matches!(app.mode, Mode::Filter | Mode::Command);
    let effect = match msg {
        Msg::Char(_) | Msg::Backspace | Msg::Paste(_) if in_prompt => {
            app.flash = None;
            edit_prompt(app, msg);
            Effect::None
        }
        Msg::Panel(key) => {
            app.flash = None;
            panel_key(app, key)
        }
        msg => return update(app, data, msg),
    };
    app.input_unsettled = true;
    effect
}

/// Carries out what deferred edits called for: the live filter and one
/// refresh, as `update` ends.
pub fn settle(app: &mut App, data: &Data) {
    if std::mem::take(&mut app.input_unsettled) {
        live_filter(app);
        finish(app, data);
    }
}

/// How every message ends: the rows and open panels follow the state.
fn finish(app: &mut App, data: &Data) {
    // A revealed value ends where its page does.
    super::reveal::expire(app);
    app.refresh_visible(data);
}

fn panel_key(app: &mut App, key: KeyEvent) -> Effect {
    let effect = write_effect(write::panel_key(app, key));
    if app.flash.is_none() && write::focused_field_full(app) {
        write::say_field_full(app);
    }
    effect
}

fn edit_prompt(app: &mut App, msg: Msg) {
    match msg {
        Msg::Char(c) => super::input::push(&mut app.input, c),
        Msg::Backspace => {
            app.input.pop();
        }
        Msg::Paste(text) => super::input::paste(&mut app.input, &text),
        _ => {}
    }
}

pub fn update(app: &mut App, data: &Data, msg: Msg) -> Effect {
    // A result is not a key press: the prompt and the one-line message stay.
    let msg = match msg {
        Msg::Done(done) => {
            return super::done::apply(app, done).map_or(Effect::None, Effect::Write)
        }
        msg => msg,
    };
    settle(app, data);
    // Any keypress retires the previous one-line message.
    app.flash = None;
    let effect = match msg {
        // Taken above, before the key-press bookkeeping.
        Msg::Done(_) => Effect::None,
        Msg::Action(a) => act(app, data, a),
        Msg::Panel(key) => panel_key(app, key),
        Msg::Paste(text) if !matches!(app.mode, Mode::Filter | Mode::Command) => {
            pasted_outside_a_prompt(app, &text);
            Effect::None
        }
        msg @ (Msg::Char(_) | Msg::Backspace | Msg::Paste(_)) => {
            edit_prompt(app, msg);
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
                Mode::Filter if app.view().screen == Screen::Logs => {
                    Effect::Log(LogCmd::Filter(input))
                }
                Mode::Filter => {
                    set_filter(app, &input);
                    Effect::None
                }
                Mode::Command => command(app, data, &input),
                Mode::Normal => Effect::None,
            }
        }
    };
    finish(app, data);
    effect
}

/// A paste with no prompt open goes to the panel's text field, if a panel
/// is open; elsewhere it is dropped, never replayed as keys (a pasted `q`
/// must not quit, nor a pasted line run anything).
fn pasted_outside_a_prompt(app: &mut App, text: &str) {
    if !app.help && !app.write.panels.is_empty() {
        write::panel_paste(app, text);
    } else {
        app.flash = Some(Flash {
            text: "paste ignored: / to filter, : for a command".into(),
            error: false,
        });
    }
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
    if app.view().screen == Screen::Logs {
        let cmd = match action {
            Action::Up => Some(LogCmd::ScrollUp(1)),
            Action::Down => Some(LogCmd::ScrollDown(1)),
            Action::PageUp => Some(LogCmd::ScrollUp(page)),
            Action::PageDown => Some(LogCmd::ScrollDown(page)),
            Action::Top => Some(LogCmd::ScrollUp(usize::MAX / 2)),
            Action::Bottom => Some(LogCmd::Follow),
            Action::LogFollow => Some(LogCmd::TogglePause),
            Action::LogWrap => Some(LogCmd::Wrap),
            Action::LogTimestamps => Some(LogCmd::Timestamps),
            Action::LogPrevious => Some(LogCmd::Previous),
            Action::LogSave => Some(LogCmd::Save),
            Action::Filter => {
                app.mode = Mode::Filter;
                app.input.clear();
                return Effect::None;
            }
            _ => None,
        };
        if let Some(cmd) = cmd {
            return Effect::Log(cmd);
        }
    }
    match action {
        Action::Quit => app.quit = true,
        Action::Help => app.help = true,
        Action::Back => back(app),
        Action::Enter => return enter(app, data),
        Action::Describe => return describe(app, data),
        Action::Logs => return logs(app, data),
        Action::Up => move_by(app, -1),
        Action::Down => move_by(app, 1),
        Action::PageUp => move_by(app, -(page as isize)),
        Action::PageDown => move_by(app, page as isize),
        Action::Top => move_by(app, isize::MIN / 2),
        Action::Bottom => move_by(app, isize::MAX / 2),
        Action::Filter => {
            if app.view().screen.is_table() {
                app.mode = Mode::Filter;
                app.input.clear();
            }
        }
        Action::Command => {
            app.mode = Mode::Command;
            app.input.clear();
        }
        Action::ViewOverview => switch(app, Screen::Overview),
        Action::ViewDeployments | Action::ViewPods | Action::ViewHpa | Action::ViewEvents => {
            if let Some((_, kind)) = VIEW_ACTIONS.iter().find(|(v, _)| *v == action) {
                switch(app, Screen::List(*kind));
            }
        }
        Action::ToggleAllNamespaces => {
            let target = if app.all_namespaces() {
                Some(app.home_namespace.clone())
            } else {
                None
            };
            return rescope(app, target);
        }
        Action::SortNext => {
            let Screen::List(kind) = app.view().screen else {
                return Effect::None;
            };
            let Some(count) = kind.listing().map(|l| l.columns.len()) else {
                return Effect::None;
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
        Action::Reveal => return reveal(app, data),
        Action::RolloutPanel => return write_effect(write::open_rollout(app, data, false)),
        Action::Scale => return write_effect(write::open_rollout(app, data, true)),
        Action::History => return write_effect(write::open_history(app, data)),
        Action::BlueGreen => return write_effect(write::open_bluegreen(app, data)),
        Action::Restart => return write_effect(write::quick_action(app, data, true)),
        Action::PauseResume => return write_effect(write::quick_action(app, data, false)),
        Action::Guard => return write_effect(write::open_guard(app)),
        Action::Journal => return write_effect(write::open_journal(app)),
        Action::Verb(crate::action::VerbName(name)) => {
            if let Some(v) = Verb::by_name(name) {
                return write_effect(write::verb(app, v));
            }
        }
        // Log actions are handled by the log view itself.
        Action::LogFollow
        | Action::LogWrap
        | Action::LogTimestamps
        | Action::LogPrevious
        | Action::LogSave => {}
    }
    Effect::None
}

fn move_by(app: &mut App, delta: isize) {
    let view = app.view_mut();
    if !view.screen.is_table() {
        // Detail screens: the cursor walks the selectable lines; drawing
        // clamps it and scrolls to keep it in sight.
        view.cursor = (view.cursor as isize)
            .saturating_add(delta)
            .clamp(0, 10_000) as usize;
        return;
    }
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

/// The object under the highlight of a table screen.
fn selected<'a, R, K>(app: &App, items: &'a [Item<R, K>]) -> Option<&'a Item<R, K>> {
    let view = app.view();
    view.visible.get(view.selected).and_then(|i| items.get(*i))
}

/// Which object of a kind's rows a command is about.
enum Pick<'a> {
    /// The highlighted row of this table view.
    Selected(&'a View),
    /// The object with this namespace and name.
    Key(&'a ObjKey),
}

/// What commands need to know of the picked object, whatever its kind.
struct Picked {
    key: ObjKey,
    /// The pods it runs.
    selector: Option<LabelSelector>,
    /// `deploy/api`.
    label: String,
}

impl Visit for Pick<'_> {
    type Out = Option<Picked>;
    fn visit<R: Resource>(self, items: &[Item<R::Row, R::Api>]) -> Option<Picked> {
        let item = match self {
            Pick::Selected(view) => view.visible.get(view.selected).and_then(|i| items.get(*i)),
            Pick::Key(key) => items
                .iter()
                .find(|it| it.row.namespace() == key.namespace && it.row.name() == key.name),
        }?;
        Some(Picked {
            key: ObjKey::new(item.row.namespace(), item.row.name()),
            selector: R::pod_selector(&item.obj).cloned(),
            label: format!("{}/{}", R::SHORT, item.row.name()),
        })
    }
}

fn picked(app: &App, data: &Data) -> Option<Picked> {
    match &app.view().screen {
        Screen::List(kind) => data.visit(*kind, Pick::Selected(app.view())).flatten(),
        Screen::Detail(kind, key) => data.visit(*kind, Pick::Key(key)).flatten(),
        Screen::Overview | Screen::Logs => None,
    }
}

fn push(app: &mut App, screen: Screen) {
    app.views.push(View::new(screen));
}

fn enter(app: &mut App, data: &Data) -> Effect {
    let Screen::List(kind) = app.view().screen else {
        return describe(app, data);
    };
    let Some(listing) = kind.listing() else {
        return Effect::None;
    };
    match listing.enter {
        Enter::Detail => return describe(app, data),
        Enter::OwnedPods => {
            let Some(picked) = picked(app, data) else {
                return Effect::None;
            };
            let mut pods = View::new(Screen::List(Kind::Pods));
            pods.owner = Some(Owner {
                label: picked.label,
                namespace: picked.key.namespace,
                selector: picked
                    .selector
                    .as_ref()
                    .map(Selector::from_label_selector)
                    .unwrap_or_default(),
            });
            app.views.push(pods);
        }
        Enter::InvolvedObject => {
            let Some(item) = selected(app, &data.events) else {
                return Effect::None;
            };
            let key = ObjKey::new(&item.row.namespace, &item.row.object_name);
            match Kind::from_api_kind(&item.row.object_kind) {
                Some(kind) => push(app, Screen::Detail(kind, key)),
                None => {
                    app.flash = Some(Flash {
                        text: format!("no detail view for {}", item.row.object_kind),
                        error: false,
                    });
                }
            }
        }
    }
    Effect::None
}

fn describe(app: &mut App, data: &Data) -> Effect {
    let Screen::List(kind) = app.view().screen else {
        return Effect::None;
    };
    if kind.listing().is_none_or(|l| l.detail == DetailView::None) {
        return Effect::None;
    }
    if let Some(picked) = picked(app, data) {
        push(app, Screen::Detail(kind, picked.key));
    }
    Effect::None
}

fn pod_logs(ns: &str, name: &str, container: Option<String>) -> LogRequest {
    LogRequest {
        namespace: ns.to_string(),
        pod: Some(name.to_string()),
        selector: None,
        container,
        label: format!("pod/{name}"),
    }
}

/// Logs of a pod, or of every pod an object runs.
fn logs_of(kind: Kind, picked: Picked, container: Option<String>) -> Option<LogRequest> {
    if kind == Kind::Pods {
        return Some(pod_logs(&picked.key.namespace, &picked.key.name, container));
    }
    Some(LogRequest {
        selector: Some(selector_string(picked.selector.as_ref()?)),
        namespace: picked.key.namespace,
        pod: None,
        container,
        label: picked.label,
    })
}

fn logs(app: &mut App, data: &Data) -> Effect {
    let request = match &app.view().screen {
        // A pod's page streams that pod, even after the pod is gone.
        Screen::Detail(Kind::Pods, key) => Some(pod_logs(&key.namespace, &key.name, None)),
        Screen::List(kind) | Screen::Detail(kind, _) => {
            let kind = *kind;
            picked(app, data).and_then(|p| logs_of(kind, p, None))
        }
        Screen::Overview | Screen::Logs => None,
    };
    match request {
        Some(r) => {
            push(app, Screen::Logs);
            Effect::OpenLogs(r)
        }
        None => Effect::None,
    }
}

fn reveal(app: &mut App, data: &Data) -> Effect {
    let Screen::Detail(Kind::Pods, pod_key) = app.view().screen.clone() else {
        return Effect::None;
    };
    let Some(item) = data
        .pods
        .iter()
        .find(|it| it.row.namespace == pod_key.namespace && it.row.name == pod_key.name)
    else {
        return Effect::None;
    };
    let detail = crate::model::pod_detail::pod_detail(&item.obj, super::state::now());
    let lines = super::reveal::secret_lines(app, &detail);
    let Some((secret, key)) = lines
        .get(app.view().cursor.min(lines.len().saturating_sub(1)))
        .cloned()
    else {
        app.flash = Some(Flash {
            text: "this pod reads no Secret".into(),
            error: false,
        });
        return Effect::None;
    };
    match key {
        None => Effect::FetchSecretKeys(secret),
        Some(k) => {
            let now = app.now();
            let screen = app.view().screen.clone();
            if app
                .revealed
                .as_ref()
                .is_some_and(|r| r.shown(&screen, &secret, &k, now).is_some())
            {
                app.revealed = None;
                Effect::None
            } else {
                super::reveal::ask(app, secret.clone(), k.clone());
                Effect::RevealSecret(secret, k)
            }
        }
    }
}

fn switch(app: &mut App, screen: Screen) {
    if app.view().screen == screen && app.views.len() == 1 {
        return;
    }
    let all = app.all_namespaces();
    app.views = vec![View::new(screen)];
    if all && app.view().sort.column == 1 {
        app.view_mut().sort = Sort {
            column: 0,
            reverse: false,
        };
    }
}

fn live_filter(app: &mut App) {
    if app.mode == Mode::Filter && app.view().screen.is_table() {
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
    let matches: Vec<&str> = commands()
        .into_iter()
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
    let Some(resolved) = super::commands::resolve(cmd) else {
        app.flash = Some(Flash {
            text: format!("unknown command \"{cmd}\" (try: {})", commands().join(", ")),
            error: true,
        });
        return Effect::None;
    };
    match resolved {
        Command::Act(action) => return act(app, data, action),
        Command::List(kind) => switch(app, Screen::List(kind)),
        Command::Logs => return log_command(app, data, arg, words.collect()),
        Command::Highlight => {
            return Effect::Log(LogCmd::Highlight(arg.unwrap_or_default().to_string()))
        }
        Command::Since => {
            return match arg.and_then(crate::model::logs::since::since_secs) {
                Some(secs) => Effect::Log(LogCmd::Since(secs)),
                None => {
                    app.flash = Some(Flash {
                        text: "usage: :since 30s | 5m | 2h".into(),
                        error: true,
                    });
                    Effect::None
                }
            };
        }
        Command::Tail => {
            return match arg.and_then(|a| a.parse::<i64>().ok()).filter(|n| *n >= 0) {
                Some(n) => Effect::Log(LogCmd::Tail(n)),
                None => {
                    app.flash = Some(Flash {
                        text: "usage: :tail LINES".into(),
                        error: true,
                    });
                    Effect::None
                }
            };
        }
        Command::Namespace => {
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
        Command::Context => {
            return match arg {
                None => {
                    let list = app
                        .cluster
                        .contexts
                        .iter()
                        .map(|c| {
                            if *c == app.cluster.context {
                                format!("[{c}]")
                            } else {
                                c.clone()
                            }
                        })
                        .collect::<Vec<_>>()
                        .join("  ");
                    app.flash = Some(Flash {
                        text: format!("contexts: {list}  (:ctx NAME switches)"),
                        error: false,
                    });
                    Effect::None
                }
                Some(name) if app.cluster.contexts.iter().any(|c| c == name) => {
                    app.flash = Some(Flash {
                        text: format!("connecting to context {name}…"),
                        error: false,
                    });
                    Effect::SwitchContext(name.to_string())
                }
                Some(name) => {
                    app.flash = Some(Flash {
                        text: format!("no context \"{name}\" in the kubeconfig"),
                        error: true,
                    });
                    Effect::None
                }
            };
        }
    }
    Effect::None
}

/// `:logs` (the selection), `:logs deploy/NAME`, `:logs pod/NAME [-c C]`,
/// `:logs -l SELECTOR`.
fn log_command(app: &mut App, data: &Data, arg: Option<&str>, rest: Vec<&str>) -> Effect {
    let ns = app
        .namespace
        .clone()
        .unwrap_or_else(|| app.home_namespace.clone());
    let container = rest
        .windows(2)
        .find(|w| w[0] == "-c")
        .map(|w| w[1].to_string());
    let request = match arg {
        None => return logs(app, data),
        Some("-l") => rest.first().map(|sel| LogRequest {
            namespace: ns.clone(),
            pod: None,
            selector: Some(sel.to_string()),
            container: container.clone(),
            label: format!("-l {sel}"),
        }),
        Some(target) => {
            let (word, name) = target.split_once('/').unwrap_or(("pod", target));
            let key = ObjKey::new(&ns, name);
            match Kind::from_word(word) {
                Some(Kind::Pods) => Some(pod_logs(&ns, name, container.clone())),
                Some(kind) => data
                    .visit(kind, Pick::Key(&key))
                    .flatten()
                    .and_then(|p| logs_of(kind, p, container.clone())),
                None => None,
            }
        }
    };
    match request {
        Some(r) => {
            push(app, Screen::Logs);
            Effect::OpenLogs(r)
        }
        None => {
            app.flash = Some(Flash {
                text: "usage: :logs [deploy/NAME | pod/NAME [-c CONTAINER] | -l SELECTOR]".into(),
                error: true,
            });
            Effect::None
        }
    }
}

fn rescope(app: &mut App, ns: Option<String>) -> Effect {
    if ns == app.namespace {
        return Effect::None;
    }
    app.namespace = ns.clone();
    let screen = match app.view().screen.clone() {
        s if s.is_table() || s == Screen::Overview => s,
        _ => Screen::Overview,
    };
    app.views = vec![View::new(screen)];
    if ns.is_none() && app.view().sort.column == 1 {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::done::Done;
    use crate::app::state::ClusterInfo;

    #[test]
    fn a_result_is_applied_through_update_and_is_not_a_key_press() {
        let info = ClusterInfo {
            context: "old".into(),
            contexts: vec!["old".into()],
            server_version: "v1.30".into(),
            readonly: false,
        };
        let mut app = App::new(info, Some("shop".into()), "shop".into());
        app.flash = Some(Flash {
            text: "keep me".into(),
            error: false,
        });
        let key = ObjKey::new("shop", "db");
        let done = Done::SecretKeys(key.clone(), Ok(vec!["password".into()]));
        assert_eq!(
            update(&mut app, &Data::default(), Msg::Done(done)),
            Effect::None
        );
        assert_eq!(
            app.secret_keys.get(&key),
            Some(&Ok(vec!["password".into()]))
        );
        assert_eq!(app.flash.as_ref().map(|f| f.text.as_str()), Some("keep me"));
    }
}
