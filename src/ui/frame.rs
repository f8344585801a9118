//! A plain, comparable description of what the screen shows. Building it is
//! cheap (only the rows that fit are formatted); when it equals the last one
//! drawn, nothing is drawn.

use chrono::{DateTime, Utc};

use crate::app::data::{Data, Item, Visit};
use crate::app::data::{DetailView, Resource};
use crate::app::state::ObjKey;
use crate::app::state::{App, Kind, Mode, Screen, View};
use crate::config::keymap::Keymap;
use crate::model::hpa::conditions as hpa_conditions;
use crate::model::logs::LogView;
use crate::model::rollout::{rollout_view, RolloutView};
use crate::model::rows::Health;
use crate::model::table::{fit_columns, TableRow};
use crate::ui::doc::{Doc, Role};
use crate::ui::docs::overview::overview_doc;
use crate::ui::docs::pod::pod_doc;
use crate::ui::widgets::hpa_chart::{hpa_detail, HpaDetail};

/// Is the data on screen live?
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Liveness {
    Syncing,
    Live,
    /// Watches are failing: why, and seconds since the last good update.
    Stale {
        reason: String,
        last_update_secs: Option<u64>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct TableModel {
    pub title: String,
    pub columns: Vec<&'static str>,
    pub widths: Vec<u16>,
    pub rows: Vec<(Vec<String>, Health)>,
    /// Index into `rows` of the highlighted row.
    pub selected: Option<usize>,
    pub empty_text: String,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Footer {
    Hints(String),
    Prompt {
        prefix: char,
        input: String,
        note: Option<Note>,
    },
    Message {
        text: String,
        error: bool,
    },
}

/// Said after the prompt: how to filter, or that the prompt is full.
#[derive(Clone, Debug, PartialEq)]
pub struct Note {
    pub text: String,
    pub warning: bool,
}

/// The filter's syntax, shown while the `/` prompt of a table is empty.
pub const FILTER_HINT: &str = "regex · ^ anchors at the name · ns/name · !inverts · -l app=x";

/// The main area of the screen.
#[derive(Clone, Debug, PartialEq)]
pub enum Body {
    Table(TableModel),
    Doc(Doc),
    Hpa(Box<HpaDetail>),
    /// A deployment's rollout tree, with its events below.
    Rollout(Box<RolloutView>, Doc),
    Logs(LogView),
}

#[derive(Clone, Debug, PartialEq)]
pub struct FrameModel {
    pub context: String,
    pub namespace: String,
    pub version: String,
    pub readonly: bool,
    pub liveness: Liveness,
    pub body: Body,
    pub footer: Footer,
    /// Key, description pairs when help is open.
    pub help: Option<Vec<(String, String)>>,
    /// The write-side panel open over the body.
    pub overlay: Option<crate::ui::overlay::Overlay>,
    /// The guard's element in the header, kept while navigating.
    pub guard: Option<crate::app::dialogs::guard::GuardStatus>,
}

/// Rows of table body that fit in a terminal `height` rows tall (header,
/// borders, column titles and footer take the rest).
pub fn table_rows_for_height(height: u16) -> usize {
    usize::from(height.saturating_sub(5)).max(1)
}

pub fn build(
    app: &App,
    data: &Data,
    keymap: &Keymap,
    liveness: Liveness,
    now: DateTime<Utc>,
    logs: Option<LogView>,
) -> FrameModel {
    let view = app.view();
    let ns_label = app.namespace.clone().unwrap_or_else(|| "all".into());
    let body = match &view.screen {
        Screen::List(kind) => {
            let table = data.visit(
                *kind,
                TableOf {
                    app,
                    view,
                    now,
                    ns: &ns_label,
                },
            );
            match table {
                Some(mut t) => {
                    if *kind == Kind::Events && !data.events_complete {
                        t.title.push_str(" warnings; loading all…");
                    }
                    Body::Table(t)
                }
                None => Body::Doc(Doc::new(view.screen.title())),
            }
        }
        Screen::Detail(kind, key) => match kind.listing().map(|l| l.detail) {
            Some(DetailView::Rollout) => deployment_body(data, key, now),
            Some(DetailView::PodPage) => Body::Doc(pod_doc(app, data, key, now)),
            Some(DetailView::HpaChart) => hpa_body(data, key, now),
            Some(DetailView::Doc) => Body::Doc(
                data.visit(*kind, DetailOf { data, key, now })
                    .unwrap_or_default(),
            ),
            Some(DetailView::None) | None => Body::Doc(Doc::new(view.screen.title())),
        },
        Screen::Overview => Body::Doc(overview_doc(app, data, now)),
        Screen::Logs => match logs {
            Some(view) => Body::Logs(view),
            None => {
                let mut doc = Doc::new("logs");
                doc.line(&[("no log stream open (l on a pod or deployment)", Role::Dim)]);
                Body::Doc(doc)
            }
        },
    };
    let body = match body {
        Body::Doc(mut doc) => {
            doc.place(view.cursor, app.page_rows + 1);
            Body::Doc(doc)
        }
        table => table,
    };
    let footer = match (&app.mode, &app.flash) {
        (Mode::Filter, _) => Footer::Prompt {
            prefix: '/',
            input: app.input.clone(),
            note: prompt_note(app),
        },
        (Mode::Command, _) => Footer::Prompt {
            prefix: ':',
            input: app.input.clone(),
            note: prompt_note(app),
        },
        (Mode::Normal, Some(f)) => Footer::Message {
            text: f.text.clone(),
            error: f.error,
        },
        (Mode::Normal, None) => Footer::Hints(hints(app, view)),
    };
    let help = app.help.then(|| {
        keymap
            .bindings()
            .iter()
            .map(|b| {
                (
                    b.keys
                        .iter()
                        .map(|k| k.label())
                        .collect::<Vec<_>>()
                        .join(" "),
                    b.desc.clone(),
                )
            })
            .collect()
    });
    FrameModel {
        // Impersonation changes what every screen shows and every change
        // does: it stays next to the context.
        context: match &app.impersonating {
            Some(who) => format!("{} as {who}", app.cluster.context),
            None => app.cluster.context.clone(),
        },
        namespace: ns_label,
        version: app.cluster.server_version.clone(),
        readonly: app.cluster.readonly,
        liveness,
        body,
        footer,
        help,
        overlay: crate::ui::overlay::overlay(app),
        guard: crate::ui::overlay::guard_status(app),
    }
}

fn prompt_note(app: &App) -> Option<Note> {
    if let Some(text) = crate::app::input::note(&app.input) {
        return Some(Note {
            text,
            warning: true,
        });
    }
    let hint = app.mode == Mode::Filter && app.input.is_empty() && app.view().screen.is_table();
    hint.then(|| Note {
        text: FILTER_HINT.into(),
        warning: false,
    })
}

fn hints(app: &App, view: &View) -> String {
    let mut parts: Vec<&str> = vec!["?:help", ":cmd"];
    match &view.screen {
        Screen::List(k) => parts.extend(k.listing().map_or(&[][..], |l| l.list_hints)),
        Screen::Detail(k, _) => parts.extend(k.listing().map_or(&[][..], |l| l.detail_hints)),
        Screen::Overview | Screen::Logs => {}
    }
    if app.views.len() > 1 || view.filter.is_active() {
        parts.push("esc:back");
    }
    parts.extend(["1-5:views", "0:all-ns", "q:quit"]);
    parts.join("  ")
}

/// A list screen's table, whatever the kind.
struct TableOf<'a> {
    app: &'a App,
    view: &'a View,
    now: DateTime<Utc>,
    ns: &'a str,
}

impl Visit for TableOf<'_> {
    type Out = TableModel;
    fn visit<R: Resource>(self, items: &[Item<R::Row, R::Api>]) -> TableModel {
        table(self.app, self.view, items, self.now, self.ns)
    }
}

/// A detail screen built by the kind itself (`Resource::detail`).
struct DetailOf<'a> {
    data: &'a Data,
    key: &'a ObjKey,
    now: DateTime<Utc>,
}

impl Visit for DetailOf<'_> {
    type Out = Doc;
    fn visit<R: Resource>(self, items: &[Item<R::Row, R::Api>]) -> Doc {
        let found = items
            .iter()
            .find(|it| it.row.namespace() == self.key.namespace && it.row.name() == self.key.name);
        match found {
            Some(item) => R::detail(&item.obj, &self.data.related(), self.now),
            None => {
                let mut doc = Doc::new(format!(
                    "{} {}/{}",
                    R::DETAIL_TITLE,
                    self.key.namespace,
                    self.key.name
                ));
                doc.line(&[(
                    &format!("this {} no longer exists (esc to go back)", R::DETAIL_TITLE),
                    Role::Gone,
                )]);
                doc
            }
        }
    }
}

fn table<R: TableRow, K>(
    app: &App,
    view: &View,
    items: &[Item<R, K>],
    now: DateTime<Utc>,
    ns: &str,
) -> TableModel {
    let skip_ns = !app.all_namespaces();
    let height = app.page_rows.max(1);
    let window = view.visible.iter().skip(view.offset).take(height);
    // NAMESPACE is column 0 of every table; within one namespace it is
    // left out entirely rather than fitted and then hidden.
    let from = usize::from(skip_ns);
    let full_rows: Vec<(Vec<String>, Health)> = window
        .filter_map(|i| items.get(*i))
        .map(|it| {
            let mut cells = it.row.cells(now);
            if !skip_ns {
                cells.insert(0, it.row.namespace().to_string());
            }
            (cells, it.row.health())
        })
        .collect();
    let cells: Vec<Vec<String>> = full_rows.iter().map(|(c, _)| c.clone()).collect();
    let drop_order: Vec<usize> = R::DROP_ORDER
        .iter()
        .filter(|c| **c >= from)
        .map(|c| c - from)
        .collect();
    // Borders take two cells.
    let width = app.term_width.saturating_sub(2);
    let (keep, widths) = fit_columns(
        &R::COLUMNS[from..],
        &cells,
        &R::MAX_WIDTHS[from..],
        &drop_order,
        width,
    );
    let rows = full_rows
        .into_iter()
        .map(|(cells, health)| (keep.iter().map(|c| cells[*c].clone()).collect(), health))
        .collect();
    let mut title = format!("{}({})[{}]", view.screen.title(), ns, view.visible.len());
    if let Some(owner) = &view.owner {
        title = format!(
            "{}({})[{}]",
            view.screen.title(),
            owner.label,
            view.visible.len()
        );
    }
    if view.filter.is_active() {
        title.push_str(&format!(" </{}>", view.filter_text));
    }
    let sort_col = R::COLUMNS.get(view.sort.column).copied().unwrap_or("NAME");
    title.push_str(&format!(
        " ↕{}{}",
        sort_col,
        if view.sort.reverse { "↓" } else { "↑" }
    ));
    TableModel {
        title,
        columns: keep.iter().map(|c| R::COLUMNS[*c + from]).collect(),
        widths,
        rows,
        selected: (!view.visible.is_empty()).then(|| view.selected.saturating_sub(view.offset)),
        empty_text: if items.is_empty() {
            format!("no {} in {}", view.screen.title(), ns)
        } else {
            "nothing matches the filter".into()
        },
    }
}

fn deployment_body(data: &Data, key: &ObjKey, now: DateTime<Utc>) -> Body {
    let found = data
        .deployments
        .iter()
        .find(|it| it.row.namespace == key.namespace && it.row.name == key.name);
    let Some(item) = found else {
        let mut doc = Doc::new(format!("deployment {}/{}", key.namespace, key.name));
        doc.line(&[(
            "this deployment no longer exists (esc to go back)",
            Role::Gone,
        )]);
        return Body::Doc(doc);
    };
    let pods: Vec<std::sync::Arc<crate::model::cached::Pod>> = data
        .pods
        .iter()
        .filter(|p| p.row.namespace == key.namespace)
        .map(|p| std::sync::Arc::clone(&p.obj))
        .collect();
    let view = rollout_view(&item.obj, &data.replicasets, &pods, now, None);
    let mut events = Doc::new("events");
    let mut rows: Vec<_> = data
        .events
        .iter()
        .filter(|e| {
            e.row.namespace == key.namespace
                && (e.row.is_about("Deployment", &key.namespace, &key.name)
                    || (e.row.object_kind == "ReplicaSet"
                        && e.row.object_name.starts_with(&format!("{}-", key.name))))
        })
        .collect();
    rows.sort_by_key(|e| std::cmp::Reverse(e.row.last_seen));
    if rows.is_empty() {
        events.line(&[(no_events(data), Role::Dim)]);
    }
    for e in rows.iter().take(30) {
        let role = if e.row.warning {
            Role::Warning
        } else {
            Role::Text
        };
        events.push(vec![
            (
                format!("{:>6}  ", crate::model::age::age(e.row.last_seen, now)),
                Role::Dim,
            ),
            (format!("{:<20} ", e.row.reason), role),
            (e.row.message.clone(), Role::Text),
        ]);
    }
    Body::Rollout(Box::new(view), events)
}

/// What an empty events section says: only Warnings are cached in the
/// background, so until all events are in, "none" would be a lie.
pub fn no_events(data: &Data) -> &'static str {
    data.related().no_events()
}

fn hpa_body(data: &Data, key: &ObjKey, now: DateTime<Utc>) -> Body {
    let found = data
        .hpas
        .iter()
        .find(|it| it.row.namespace == key.namespace && it.row.name == key.name);
    let Some(item) = found else {
        let mut doc = Doc::new(format!("hpa {}/{}", key.namespace, key.name));
        doc.line(&[(
            "this autoscaler no longer exists (esc to go back)",
            Role::Gone,
        )]);
        return Body::Doc(doc);
    };
    let conditions = hpa_conditions(&item.obj);
    let mut events: Vec<_> = data
        .events
        .iter()
        .filter(|e| {
            e.row
                .is_about("HorizontalPodAutoscaler", &key.namespace, &key.name)
        })
        .collect();
    events.sort_by_key(|e| std::cmp::Reverse(e.row.last_seen));
    let lines: Vec<String> = events
        .iter()
        .take(20)
        .map(|e| {
            format!(
                "{:>6}  {:<20} {}",
                crate::model::age::age(e.row.last_seen, now),
                e.row.reason,
                e.row.message
            )
        })
        .collect();
    let lines = if lines.is_empty() && !data.events_complete {
        vec![no_events(data).to_string()]
    } else {
        lines
    };
    Body::Hpa(Box::new(hpa_detail(
        &item.row,
        &data.hpa_history,
        &conditions,
        &lines,
        now,
    )))
}
