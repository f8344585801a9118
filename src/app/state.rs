//! Application state. Only `update` changes it, one `Action` or input
//! message at a time; the UI reads it.

use chrono::{DateTime, Utc};

use super::data::{Data, Item, Visit};
pub use crate::cluster::kinds::Kind;
use crate::cluster::kinds::Resource;
use crate::model::filter::Filter;
use crate::model::selector::Selector;
use crate::model::table::TableRow;

/// An object a detail screen is about.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjKey {
    pub namespace: String,
    pub name: String,
}

impl ObjKey {
    pub fn new(namespace: &str, name: &str) -> Self {
        ObjKey {
            namespace: namespace.to_string(),
            name: name.to_string(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Screen {
    Overview,
    /// The table of one kind (`Kind::LISTED`).
    List(Kind),
    /// One object of a kind: a deployment's rollout, a pod's page, an
    /// autoscaler's chart, or the kind's own `Resource::detail`.
    Detail(Kind, ObjKey),
    Logs,
}

impl Screen {
    pub fn title(&self) -> &'static str {
        match self {
            Screen::Overview => "overview",
            Screen::List(k) => k.listing().map_or(k.label(), |l| l.title),
            Screen::Detail(k, _) => k.listing().map_or(k.label(), |l| l.detail_title),
            Screen::Logs => "logs",
        }
    }

    pub fn is_table(&self) -> bool {
        matches!(self, Screen::List(_))
    }

    /// The sort a table opens with: events warnings-first, others by name.
    pub fn default_sort(&self) -> Sort {
        let column = match self {
            Screen::List(k) => k.listing().map_or(1, |l| l.default_sort),
            Screen::Overview | Screen::Detail(..) | Screen::Logs => 1,
        };
        Sort {
            column,
            reverse: false,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Normal,
    Filter,
    Command,
}

/// Pods narrowed to one owner (a deployment drilled into).
#[derive(Clone, Debug)]
pub struct Owner {
    pub label: String,
    pub namespace: String,
    pub selector: Selector,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sort {
    pub column: usize,
    pub reverse: bool,
}

#[derive(Clone, Debug)]
pub struct View {
    pub screen: Screen,
    pub owner: Option<Owner>,
    pub filter_text: String,
    pub filter: Filter,
    pub sort: Sort,
    /// Index into `visible` of the highlighted row.
    pub selected: usize,
    /// Namespace/name of the highlighted row, so the highlight follows the
    /// object when rows above it come and go.
    pub selected_key: Option<(String, String)>,
    /// Indices into the data rows, filtered and sorted.
    pub visible: Vec<usize>,
    /// First row shown; moves only when the highlight would leave the screen.
    pub offset: usize,
    /// Detail screens: lines scrolled past, and the highlighted item.
    pub scroll: usize,
    pub cursor: usize,
}

impl View {
    pub fn new(screen: Screen) -> Self {
        View {
            sort: screen.default_sort(),
            screen,
            owner: None,
            filter_text: String::new(),
            filter: Filter::All,
            selected: 0,
            selected_key: None,
            visible: Vec::new(),
            offset: 0,
            scroll: 0,
            cursor: 0,
        }
    }

    /// Scrolls just enough to keep the highlight among `rows` shown rows.
    pub fn scroll_into_view(&mut self, rows: usize) {
        let rows = rows.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + rows {
            self.offset = self.selected + 1 - rows;
        }
        let max_offset = self.visible.len().saturating_sub(rows);
        self.offset = self.offset.min(max_offset);
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Flash {
    pub text: String,
    pub error: bool,
}

/// Who we are talking to, for the header.
#[derive(Clone, Debug, Default)]
pub struct ClusterInfo {
    pub context: String,
    pub contexts: Vec<String>,
    pub server_version: String,
    pub readonly: bool,
}

pub struct App {
    pub views: Vec<View>,
    pub mode: Mode,
    pub input: String,
    /// Prompt edits not yet filtered on (`update::settle`).
    pub input_unsettled: bool,
    pub help: bool,
    pub quit: bool,
    pub flash: Option<Flash>,
    pub cluster: ClusterInfo,
    /// `--as`: who requests are made as, shown next to the context.
    pub impersonating: Option<String>,
    /// The namespace watched, or `None` for all namespaces.
    pub namespace: Option<String>,
    /// The namespace `0` toggles back to.
    pub home_namespace: String,
    /// Secrets the operator asked about: their keys, or why they could not
    /// be read. Values are never kept, except the one key being revealed.
    pub secret_keys: std::collections::HashMap<ObjKey, Result<Vec<String>, String>>,
    /// The one secret value on screen, scoped to its pod page, its key and
    /// its Secret's version, for a while (`app::reveal`).
    pub revealed: Option<super::reveal::Revealed>,
    /// The reveal asked for, until its value arrives.
    pub reveal_asked: Option<super::reveal::Asked>,
    /// Tests pin the clock reveals count down by.
    pub clock: Option<DateTime<Utc>>,
    /// The log view's settings (filter, pause, wrap...); the stream itself
    /// lives in the run loop.
    pub log_state: crate::model::logs::LogViewState,
    /// Table rows that fit on screen; page keys move by this much.
    pub page_rows: usize,
    /// Terminal width, for fitting table columns.
    pub term_width: u16,
    /// Panels of the write side, the change under way, the guard.
    pub write: super::write::WriteState,
}

impl App {
    pub fn new(cluster: ClusterInfo, namespace: Option<String>, home_namespace: String) -> Self {
        App {
            views: vec![View::new(Screen::Overview)],
            mode: Mode::Normal,
            input: String::new(),
            input_unsettled: false,
            help: false,
            quit: false,
            flash: None,
            secret_keys: Default::default(),
            revealed: None,
            reveal_asked: None,
            clock: None,
            log_state: Default::default(),
            cluster,
            impersonating: None,
            namespace,
            home_namespace,
            page_rows: 20,
            term_width: 120,
            write: Default::default(),
        }
    }

    /// The clock of timed state (a revealed value's countdown).
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.unwrap_or_else(now)
    }

    pub fn view(&self) -> &View {
        // `views` is never empty: `back` keeps the last one.
        &self.views[self.views.len() - 1]
    }

    pub fn view_mut(&mut self) -> &mut View {
        let last = self.views.len() - 1;
        &mut self.views[last]
    }

    pub fn all_namespaces(&self) -> bool {
        self.namespace.is_none()
    }

    /// Re-filters and re-sorts every view's rows after data or settings
    /// changed, keeping each highlight on the same object; open panels
    /// follow the new data too.
    pub fn refresh_visible(&mut self, data: &Data) {
        super::write::refresh_panels(self, data);
        for view in &mut self.views {
            if let Screen::List(kind) = view.screen {
                data.visit(kind, RefreshView(view));
            }
        }
    }

    /// The highlighted row's namespace and name, if any.
    pub fn selected_key(&self) -> Option<&(String, String)> {
        self.view().selected_key.as_ref()
    }
}

struct RefreshView<'a>(&'a mut View);

impl Visit for RefreshView<'_> {
    type Out = ();
    fn visit<R: Resource>(self, items: &[Item<R::Row, R::Api>]) {
        refresh_view(self.0, items);
    }
}

fn refresh_view<R: TableRow, K: kube::Resource>(view: &mut View, items: &[Item<R, K>]) {
    let owner = view.owner.as_ref();
    let mut visible: Vec<usize> = items
        .iter()
        .enumerate()
        .filter(|(_, it)| {
            owner.is_none_or(|o| {
                it.row.namespace() == o.namespace
                    && o.selector.matches(it.obj.meta().labels.as_ref())
            })
        })
        .filter(|(_, it)| {
            view.filter.matches(
                &it.search,
                it.search_from_name(),
                it.obj.meta().labels.as_ref(),
            )
        })
        .map(|(i, _)| i)
        .collect();
    let col = view.sort.column;
    visible.sort_by(|a, b| {
        let (ra, rb) = (&items[*a].row, &items[*b].row);
        ra.sort_key(col)
            .cmp(&rb.sort_key(col))
            .then_with(|| (ra.namespace(), ra.name()).cmp(&(rb.namespace(), rb.name())))
    });
    if view.sort.reverse {
        visible.reverse();
    }
    let key_of = |i: usize| {
        (
            items[i].row.namespace().to_string(),
            items[i].row.name().to_string(),
        )
    };
    if let Some(key) = &view.selected_key {
        if let Some(pos) = visible.iter().position(|i| {
            let r = &items[*i].row;
            r.namespace() == key.0 && r.name() == key.1
        }) {
            view.selected = pos;
        }
    }
    view.selected = view.selected.min(visible.len().saturating_sub(1));
    view.selected_key = visible.get(view.selected).map(|i| key_of(*i));
    view.visible = visible;
}

/// The clock the UI uses; tests pin it.
pub fn now() -> DateTime<Utc> {
    Utc::now()
}
