//! The run loop: one `select!` over terminal input, cluster changes, a clock
//! tick and signals. After each wake it builds the frame model and draws only
//! if that differs from what is on screen.

use std::time::{Duration, Instant};

use crossterm::event::{Event, EventStream};
use futures::StreamExt;

use super::data::Data;
use super::effects::{self, Done};
use super::input::InputQueue;
use super::logs::OpenLogs;
pub use super::signals::Ended;
use super::signals::EndingSignals;
use super::state::Screen;
use super::state::{now, App, ClusterInfo, Flash};
use super::update::{key_to_msg, settle, update, update_deferred, Effect, Msg};
use super::write_runner::WriteRunner;
use crate::cluster::logs::LogOptions;
use crate::cluster::watch::{KindHealth, Scope};
use crate::cluster::{Connection, Kind, Watchers};
use crate::config::keymap::Keymap;
use crate::config::theme::Theme;
use crate::ui::frame::{self, table_rows_for_height, FrameModel, Liveness};
use crate::ui::tui::Tui;

pub struct Options {
    pub all_namespaces: bool,
    pub readonly: bool,
    /// Capture the mouse (`app::mouse`).
    pub mouse: bool,
    pub keymap: Keymap,
    pub theme: Theme,
    /// Shown once at start (e.g. a bad user config file).
    pub startup_message: Option<String>,
    /// How we connected, so `:ctx` can connect to another context.
    pub connect: crate::cluster::ConnectOptions,
    /// Service selector keys that name a blue-green slot.
    pub slot_keys: Vec<String>,
}

/// Cluster bursts (a rollout touching many pods) are folded into one rebuild
/// per this interval; well under the 150 ms change-to-screen budget.
const MIN_REBUILD_INTERVAL: Duration = Duration::from_millis(30);

/// Runs the cockpit until it is quit or a signal ends it, and says which.
pub async fn run(mut conn: Connection, opts: Options) -> anyhow::Result<Ended> {
    let namespace = (!opts.all_namespaces).then(|| conn.namespace.clone());
    let scope_of = |ns: &Option<String>| ns.clone().map_or(Scope::All, Scope::Namespace);
    let mut watchers = Watchers::start(conn.client.clone(), scope_of(&namespace));
    let info = ClusterInfo {
        context: conn.context.clone(),
        contexts: conn.contexts.clone(),
        server_version: conn.server_version.clone(),
        readonly: opts.readonly,
    };
    let mut app = App::new(info, namespace, conn.namespace.clone());
    app.impersonating = conn.impersonating.clone();
    if let Some(text) = opts.startup_message.clone() {
        app.flash = Some(Flash { text, error: true });
    }
    let mut data = Data::default();
    let journal = match crate::cluster::ops::Journal::open_default() {
        Ok(j) => Some(std::sync::Arc::new(j)),
        Err(e) => {
            app.flash = Some(Flash {
                text: format!("{e}: changes will not be recorded"),
                error: true,
            });
            None
        }
    };
    let mut writer = connect_writer(&conn, &opts, journal.clone());
    app.write.slot_keys = opts.slot_keys.clone();
    app.write.journal_path = writer.journal_path();

    // Caught before the terminal is taken over, so that from then on no
    // signal can end kockpit without restoring it.
    let mut signals = EndingSignals::catch()?;
    let mut tui = Tui::enter(opts.mouse)?;
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut last_drawn: Option<FrameModel> = None;
    let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel();
    let (connect_tx, mut connect_rx) = tokio::sync::mpsc::unbounded_channel::<effects::Connected>();
    let mut logs: Option<OpenLogs> = None;
    let mut last_rebuild = Instant::now() - MIN_REBUILD_INTERVAL;
    let mut ended = Ended::Quit;
    let mut input = InputQueue::default();

    loop {
        let size = tui.terminal.size()?;
        app.page_rows = table_rows_for_height(size.height);
        app.term_width = size.width;
        let rows = app.page_rows;
        app.view_mut().scroll_into_view(rows);
        let log_view = match (&logs, app.view().screen == Screen::Logs) {
            (Some(l), true) => Some(l.view(&app, size.height.saturating_sub(2), size.width)),
            _ => None,
        };
        let model = frame::build(
            &app,
            &data,
            &opts.keymap,
            liveness(&watchers),
            now(),
            log_view,
        );
        if last_drawn.as_ref() != Some(&model) {
            tui.terminal
                .draw(|f| crate::ui::draw(f, &model, &opts.theme))?;
            last_drawn = Some(model);
            // Test seam (debug builds only): proves a panic restores the terminal.
            if cfg!(debug_assertions) && std::env::var_os("KOCKPIT_TEST_PANIC").is_some() {
                panic!("KOCKPIT_TEST_PANIC was set");
            }
        }
        if app.quit {
            break;
        }
        watchers
            .stores
            .event_scope
            .want_all(shows_all_events(&app.view().screen));
        // Leaving the log view closes its streams.
        if logs.is_some() && !app.views.iter().any(|v| v.screen == Screen::Logs) {
            logs = None;
        }
        tokio::select! {
            // Input is read into a queue and handled after the select, a
            // bounded batch per turn; while some is queued the stream is
            // not polled and the loop comes straight back (`app::input`).
            ev = events.next(), if input.is_empty() => {
                if input.fill(ev).map_err(|e| anyhow::anyhow!("reading the terminal: {e}"))? {
                    app.quit = true;
                }
            }
            _ = std::future::ready(()), if !input.is_empty() => {
                if input.read_ahead().map_err(|e| anyhow::anyhow!("reading the terminal: {e}"))? {
                    app.quit = true;
                }
            }
            _ = watchers.changes.wait() => {
                let since = last_rebuild.elapsed();
                if since < MIN_REBUILD_INTERVAL {
                    tokio::time::sleep(MIN_REBUILD_INTERVAL - since).await;
                }
                let kinds = watchers.changes.take();
                for kind in &kinds {
                    data.refresh(*kind, &watchers.stores);
                }
                app.refresh_visible(&data);
                last_rebuild = Instant::now();
            }
            Some(connected) = connect_rx.recv() => {
                // The run loop swaps the resources; `update` resets the state.
                let switched = connected.map(|new| {
                    conn = new;
                    writer.shutdown("switched to another context; nothing was undone");
                    writer = connect_writer(&conn, &opts, journal.clone());
                    effects::Switched::of(&conn)
                });
                let ok = switched.is_ok();
                if let Effect::Write(w) = update(&mut app, &data, Msg::Done(Done::Switched(switched))) {
                    writer.execute(w, &done_tx);
                }
                if ok {
                    logs = None;
                    watchers = Watchers::start(conn.client.clone(), scope_of(&app.namespace));
                    data = Data::default();
                    app.refresh_visible(&data);
                }
            }
            Some(done) = done_rx.recv() => {
                if let Effect::Write(w) = update(&mut app, &data, Msg::Done(done)) {
                    writer.execute(w, &done_tx);
                }
            }
            view = writer.guard_changed() => {
                let done = Done::Write(crate::app::write::WriteDone::Guard(view));
                if let Effect::Write(w) = update(&mut app, &data, Msg::Done(done)) {
                    writer.execute(w, &done_tx);
                }
            }
            _ = wait_logs(&logs) => {}
            _ = tick.tick() => {
                data.tick_history(now());
                // A revealed Secret value counts down and ends on time.
                super::reveal::expire(&mut app);
            }
            n = signals.recv() => {
                ended = Ended::Signal(n);
                break;
            }
        }
        // One batch of input: prompt and panel edits settle once, resizes
        // apply once, then the frame is drawn.
        let mut resized = false;
        for ev in input.batch() {
            if app.quit {
                break;
            }
            let msg = match ev {
                Event::Key(key) => key_to_msg(&app, &opts.keymap, &key),
                Event::Paste(text) => Some(Msg::Paste(text)),
                Event::Mouse(m) => {
                    // The mouse only moves and opens (Up, Down, Enter): on the
                    // log view that scrolls its buffer, elsewhere it changes
                    // only the screen.
                    for msg in super::mouse::to_msgs(&app, &m) {
                        if let Effect::Log(cmd) = update(&mut app, &data, msg) {
                            if let Some(l) = logs.as_mut() {
                                if let Some(replacement) = l.apply(&mut app, &conn.client, cmd) {
                                    logs = Some(replacement);
                                }
                            }
                        }
                    }
                    None
                }
                Event::Resize(..) => {
                    resized = true;
                    None
                }
                _ => None,
            };
            let Some(msg) = msg else { continue };
            match update_deferred(&mut app, &data, msg) {
                Effect::None => {}
                Effect::Rescope(ns) => {
                    watchers = Watchers::start(conn.client.clone(), scope_of(&ns));
                    data = Data::default();
                    app.refresh_visible(&data);
                }
                Effect::FetchSecretKeys(key) => {
                    effects::fetch_secret_keys(conn.client.clone(), key, done_tx.clone())
                }
                Effect::RevealSecret(key, item) => {
                    effects::reveal_secret(conn.client.clone(), key, item, done_tx.clone())
                }
                Effect::OpenLogs(request) => {
                    match OpenLogs::start(&conn.client, request, LogOptions::default()) {
                        Ok(l) => {
                            app.log_state = Default::default();
                            logs = Some(l);
                        }
                        Err(e) => {
                            app.flash = Some(Flash {
                                text: e,
                                error: true,
                            })
                        }
                    }
                }
                Effect::SwitchContext(name) => {
                    let c = crate::cluster::ConnectOptions {
                        context: Some(name),
                        namespace: None,
                        ..opts.connect.clone()
                    };
                    effects::connect_context(c, connect_tx.clone());
                }
                Effect::Write(w) => writer.execute(w, &done_tx),
                Effect::Log(cmd) => {
                    if let Some(l) = logs.as_mut() {
                        if let Some(replacement) = l.apply(&mut app, &conn.client, cmd) {
                            logs = Some(replacement);
                        }
                    }
                }
            }
        }
        settle(&mut app, &data);
        if input.is_empty() {
            super::input::rearm_stalled_input();
        }
        if resized {
            tui.terminal.autoresize()?;
            last_drawn = None;
        }
        // The terminal closed: what it sent is handled, then kockpit ends
        // as on a quit.
        if input.closed && input.is_empty() {
            break;
        }
    }
    // Quit and every ending signal end here: a guard still watching is
    // journaled as stopped and the journal reaches the disk before exit.
    writer.shutdown("kockpit exited while guarding; nothing was undone");
    drop(tui);
    Ok(ended)
}

fn connect_writer(
    conn: &Connection,
    opts: &Options,
    journal: Option<std::sync::Arc<crate::cluster::ops::Journal>>,
) -> WriteRunner {
    let identity = crate::cluster::ops::Identity::new(
        conn.user.as_deref(),
        &conn.context,
        conn.impersonating.clone(),
    );
    WriteRunner::connect(
        conn.client.clone(),
        identity,
        opts.readonly,
        journal,
        opts.slot_keys.clone(),
    )
}

async fn wait_logs(logs: &Option<OpenLogs>) {
    match logs {
        Some(l) => l.changed().await,
        None => std::future::pending().await,
    }
}

/// What the header says about the data: live, syncing, or stale with why
/// and since when (public for the fault tests).
pub fn liveness(w: &Watchers) -> Liveness {
    let failing = stalest(Kind::RESOURCES.iter().map(|k| w.health.get(*k)));
    if let Some(h) = failing {
        let reason = h.error.map(|(e, _)| e).unwrap_or_default();
        return Liveness::Stale {
            reason: shorten(&reason, 60),
            last_update_secs: h.last_event.map(|t| t.elapsed().as_secs()),
        };
    }
    if w.all_synced() {
        Liveness::Live
    } else {
        Liveness::Syncing
    }
}

/// Screens that read every event (the events list and every detail); the
/// rest (the overview) need only Warnings, which are always cached.
fn shows_all_events(screen: &Screen) -> bool {
    matches!(screen, Screen::List(Kind::Events) | Screen::Detail(..))
}

/// Of the failing kinds, the one heard from longest ago (never, first): the
/// header's "last update" must not look fresher than the oldest data shown.
fn stalest(healths: impl Iterator<Item = KindHealth>) -> Option<KindHealth> {
    healths
        .filter(|h| h.error.is_some())
        .min_by_key(|h| h.last_event.map(|t| std::cmp::Reverse(t.elapsed())))
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failing(reason: &str, heard_secs_ago: Option<u64>) -> KindHealth {
        KindHealth {
            error: Some((reason.to_string(), Instant::now())),
            last_event: heard_secs_ago.map(|s| Instant::now() - Duration::from_secs(s)),
            ..KindHealth::default()
        }
    }

    #[test]
    fn the_header_reports_the_kind_heard_from_longest_ago() {
        let live = KindHealth {
            last_event: Some(Instant::now() - Duration::from_secs(500)),
            ..KindHealth::default()
        };
        let pick = stalest(
            [
                failing("pods: 503", Some(5)),
                live.clone(),
                failing("events: timeout", Some(90)),
                failing("hpas: 500", Some(30)),
            ]
            .into_iter(),
        );
        assert_eq!(
            pick.and_then(|h| h.error).map(|e| e.0).as_deref(),
            Some("events: timeout")
        );
        let never = stalest([failing("pods: 503", Some(5)), failing("rs: 403", None)].into_iter());
        assert_eq!(
            never.and_then(|h| h.error).map(|e| e.0).as_deref(),
            Some("rs: 403")
        );
        assert!(stalest([live].into_iter()).is_none());
    }
}
