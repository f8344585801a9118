//! The `:journal` view: every change kockpit attempted, newest first, with
//! who, where, what, before → after and how it ended. Colours follow the
//! outcome: applied and ok, refused or failed, cancelled.
//!
//! Keys: ↑/↓ (k/j) select, Enter details of the selected entry, r reload,
//! Esc close.

use chrono::SecondsFormat;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

use super::{is_press, plain, PanelOutcome};
use crate::cluster::ops::journal::JournalRead;
use crate::cluster::ops::{Entry, Outcome};
use crate::config::theme::Theme;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournalView {
    pub path: String,
    pub entries: Vec<Entry>,
    pub unreadable_lines: usize,
    pub selected: usize,
    pub details: bool,
    pub error: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournalPanel {
    view: JournalView,
}

impl JournalPanel {
    /// `read` from `cluster::ops::journal::read_journal`.
    pub fn new(path: &str, read: Result<JournalRead, String>) -> Self {
        let mut p = JournalPanel {
            view: JournalView {
                path: path.to_string(),
                entries: Vec::new(),
                unreadable_lines: 0,
                selected: 0,
                details: false,
                error: None,
            },
        };
        p.load(read);
        p
    }

    /// A fresh read (after `PanelOutcome::Reload`).
    pub fn load(&mut self, read: Result<JournalRead, String>) {
        match read {
            Ok(r) => {
                self.view.entries = r.entries;
                self.view.unreadable_lines = r.unreadable_lines;
                self.view.error = None;
            }
            Err(e) => self.view.error = Some(e),
        }
        self.view.selected = self
            .view
            .selected
            .min(self.view.entries.len().saturating_sub(1));
    }

    pub fn handle_key(&mut self, key: KeyEvent) -> PanelOutcome {
        if !is_press(&key) {
            return PanelOutcome::Ignored;
        }
        let n = self.view.entries.len();
        match (key.code, plain(&key)) {
            (KeyCode::Esc, _) if self.view.details => {
                self.view.details = false;
                PanelOutcome::Consumed
            }
            (KeyCode::Esc, _) | (_, Some('q')) => PanelOutcome::Close,
            (KeyCode::Up, _) | (_, Some('k')) => {
                self.view.selected = self.view.selected.saturating_sub(1);
                PanelOutcome::Consumed
            }
            (KeyCode::Down, _) | (_, Some('j')) => {
                self.view.selected = (self.view.selected + 1).min(n.saturating_sub(1));
                PanelOutcome::Consumed
            }
            (KeyCode::Home, _) | (_, Some('g')) => {
                self.view.selected = 0;
                PanelOutcome::Consumed
            }
            (KeyCode::Enter, _) => {
                self.view.details = !self.view.details;
                PanelOutcome::Consumed
            }
            (_, Some('r')) => PanelOutcome::Reload,
            _ => PanelOutcome::Ignored,
        }
    }

    pub fn view(&self) -> &JournalView {
        &self.view
    }
}

fn outcome_style(e: &Entry, theme: &Theme) -> Style {
    match e.outcome {
        Outcome::Applied if e.ok() => theme.ok(),
        Outcome::Applied | Outcome::DryRun => theme.failed(),
        Outcome::Refused => theme.warning(),
        Outcome::Cancelled | Outcome::Skipped => theme.dim(),
    }
}

pub fn draw_journal(f: &mut Frame, area: Rect, v: &JournalView, theme: &Theme) {
    f.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border())
        .title(Span::styled(
            format!(" journal · {} ", v.path),
            theme.accent(),
        ));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let details_h = if v.details { 8 } else { 0 };
    let [table_area, details_area, foot] = Layout::vertical([
        Constraint::Min(2),
        Constraint::Length(details_h),
        Constraint::Length(1),
    ])
    .areas(inner);
    if v.entries.is_empty() {
        let text = v
            .error
            .clone()
            .unwrap_or_else(|| "no changes recorded yet".into());
        f.render_widget(
            Paragraph::new(Span::styled(format!(" {text}"), theme.dim())),
            table_area,
        );
    } else {
        let header = Row::new(
            [
                "TIME", "WHO", "OBJECT", "ACTION", "CHANGE", "OUTCOME", "RESULT",
            ]
            .map(Cell::from),
        )
        .style(theme.header());
        let rows_h = usize::from(table_area.height.saturating_sub(1)).max(1);
        let offset = v.selected.saturating_sub(rows_h - 1);
        let rows = v
            .entries
            .iter()
            .enumerate()
            .skip(offset)
            .take(rows_h)
            .map(|(i, e)| {
                let style = if i == v.selected {
                    theme.selected()
                } else {
                    outcome_style(e, theme)
                };
                let change = if e.before.is_empty() && e.after.is_empty() {
                    String::new()
                } else {
                    format!("{} → {}", e.before, e.after)
                };
                Row::new(
                    [
                        e.time.format("%Y-%m-%d %H:%M:%S").to_string(),
                        format!("{}@{}", e.user, e.context),
                        format!("{}/{}", e.namespace, e.object),
                        e.action.clone(),
                        change,
                        e.outcome.as_str().to_string(),
                        e.result.clone(),
                    ]
                    .map(Cell::from),
                )
                .style(style)
            });
        let table = Table::new(
            rows,
            [
                Constraint::Length(19),
                Constraint::Length(18),
                Constraint::Length(24),
                Constraint::Length(22),
                Constraint::Fill(3),
                Constraint::Length(9),
                Constraint::Fill(2),
            ],
        )
        .header(header);
        f.render_widget(table, table_area);
    }
    if let (true, Some(e)) = (v.details, v.entries.get(v.selected)) {
        let mut lines = vec![
            Line::from(format!(
                " time     {}",
                e.time.to_rfc3339_opts(SecondsFormat::Secs, true)
            )),
            Line::from(format!(" who      {} (context {})", e.user, e.context)),
            Line::from(format!(
                " object   {}/{} · {}",
                e.namespace, e.object, e.action
            )),
            Line::from(format!(" before   {}", e.before)),
            Line::from(format!(" after    {}", e.after)),
            Line::from(Span::styled(
                format!(" outcome  {} · {}", e.outcome.as_str(), e.result),
                outcome_style(e, theme),
            )),
        ];
        if let Some(n) = &e.note {
            lines.push(Line::from(format!(" note     {n}")));
        }
        f.render_widget(
            Paragraph::new(lines)
                .style(theme.text())
                .wrap(Wrap { trim: false }),
            details_area,
        );
    }
    let mut foot_text = " ↑/↓ select · enter details · r reload · esc close".to_string();
    if v.unreadable_lines > 0 {
        foot_text.push_str(&format!(
            " · {} unreadable lines skipped",
            v.unreadable_lines
        ));
    }
    f.render_widget(Paragraph::new(Span::styled(foot_text, theme.dim())), foot);
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;
    use crate::ui::panels::test_keys::*;

    fn entry(action: &str, outcome: Outcome, result: &str) -> Entry {
        Entry {
            time: DateTime::from_timestamp(1_767_225_600, 0).unwrap(),
            user: "alice".into(),
            context: "prod".into(),
            namespace: "shop".into(),
            object: "Deployment/api".into(),
            action: action.into(),
            before: "replicas 2".into(),
            after: "replicas 5".into(),
            outcome,
            result: result.into(),
            note: Some("guard: pod crash-looping".into()),
        }
    }

    fn panel() -> JournalPanel {
        JournalPanel::new(
            "/state/journal.jsonl",
            Ok(JournalRead {
                entries: vec![
                    entry("scale", Outcome::Applied, "ok"),
                    entry("rollback to revision 1", Outcome::Refused, "forbidden: no"),
                ],
                unreadable_lines: 1,
            }),
        )
    }

    #[test]
    fn keys() {
        let mut p = panel();
        assert_eq!(p.handle_key(ch('j')), PanelOutcome::Consumed);
        assert_eq!(p.view().selected, 1);
        assert_eq!(p.handle_key(ch('j')), PanelOutcome::Consumed);
        assert_eq!(p.view().selected, 1);
        assert_eq!(p.handle_key(ch('r')), PanelOutcome::Reload);
        p.handle_key(key(KeyCode::Enter));
        assert!(p.view().details);
        assert_eq!(p.handle_key(key(KeyCode::Esc)), PanelOutcome::Consumed);
        assert_eq!(p.handle_key(key(KeyCode::Esc)), PanelOutcome::Close);
        p.load(Err("cannot read".into()));
        assert_eq!(p.view().error.as_deref(), Some("cannot read"));
    }

    #[test]
    fn renders_rows_coloured_by_outcome_and_details() {
        let mut p = panel();
        p.handle_key(key(KeyCode::Enter));
        let theme = Theme::builtin();
        let v = p.view().clone();
        let buf = render(160, 16, |f| draw_journal(f, f.area(), &v, &theme));
        let screen = text(&buf);
        for want in [
            "journal · /state/journal.jsonl",
            "2026-01-01 00:00:00",
            "alice@prod",
            "shop/Deployment/api",
            "replicas 2 → replicas 5",
            "forbidden: no",
            "note     guard: pod crash-looping",
            "1 unreadable lines skipped",
        ] {
            assert!(screen.contains(want), "missing {want:?}\n{screen}");
        }
        let (x, y) = find(&buf, "refused").unwrap();
        assert_eq!(buf[(x, y)].fg, theme.warning().fg.unwrap());
    }
}
