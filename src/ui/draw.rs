//! Renders a `FrameModel` with a theme. No decisions about data are made
//! here: what to show was settled when the model was built.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row, Table};
use ratatui::Frame;

use super::frame::{Body, Footer, FrameModel, Liveness, TableModel};
use crate::config::theme::Theme;
use crate::model::rows::Health;

pub fn draw(f: &mut Frame, model: &FrameModel, theme: &Theme) {
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(f.area());
    super::header::draw_header(f, header, model, theme);
    match &model.body {
        Body::Table(t) => draw_table(f, body, t, &model.liveness, theme),
        Body::Doc(d) => crate::ui::doc::draw_doc(f, body, d, theme),
        Body::Rollout(view, events) => {
            let events_h = (events.lines.len() as u16 + 2).clamp(3, body.height / 3);
            let [top, bottom] =
                Layout::vertical([Constraint::Min(8), Constraint::Length(events_h)]).areas(body);
            crate::ui::widgets::rollout::draw_rollout(f, top, view, theme);
            crate::ui::doc::draw_doc(f, bottom, events, theme);
        }
        Body::Hpa(detail) => crate::ui::widgets::hpa_chart::draw_hpa_detail(f, body, detail, theme),
        Body::Logs(view) => crate::ui::widgets::logs::draw_logs(f, body, view, theme),
    }
    match (&model.overlay, &model.footer) {
        // The screen's own hints would not work while a panel has the
        // keys; the panel shows its keys itself.
        (Some(_), Footer::Hints(_)) => draw_footer(
            f,
            footer,
            &Footer::Hints("esc: close the panel   ctrl-c: quit".into()),
            theme,
        ),
        _ => draw_footer(f, footer, &model.footer, theme),
    }
    if let Some(o) = &model.overlay {
        crate::ui::overlay::draw_overlay(f, body, o, theme);
    }
    if let Some(help) = &model.help {
        draw_help(f, body, help, theme);
    }
    scrub(f.buffer_mut());
}

/// Last line of defence: cluster text is sanitized where it enters, but a
/// field missed there must still never reach the terminal as a control
/// sequence. A frame is ~10k cells; checking them costs microseconds.
fn scrub(buf: &mut ratatui::buffer::Buffer) {
    for cell in buf.content.iter_mut() {
        if cell.symbol().chars().any(|c| {
            c.is_control()
                || ('\u{202a}'..='\u{202e}').contains(&c)
                || ('\u{2066}'..='\u{2069}').contains(&c)
        }) {
            cell.set_symbol("�");
        }
    }
}

fn health_style(theme: &Theme, h: Health) -> Style {
    match h {
        Health::Ok => theme.text(),
        Health::Progressing => theme.progressing(),
        Health::Warning => theme.warning(),
        Health::Failed => theme.failed(),
        Health::Gone => theme.gone(),
    }
}

fn draw_table(f: &mut Frame, area: Rect, t: &TableModel, liveness: &Liveness, theme: &Theme) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border())
        .title(Span::styled(format!(" {} ", t.title), theme.accent()));
    if t.rows.is_empty() {
        let text = if *liveness == Liveness::Syncing {
            "waiting for the first list…".to_string()
        } else {
            t.empty_text.clone()
        };
        f.render_widget(
            Paragraph::new(Span::styled(text, theme.dim())).block(block),
            area,
        );
        return;
    }
    let widths: Vec<Constraint> = t.widths.iter().map(|w| Constraint::Length(*w)).collect();
    let header = Row::new(t.columns.iter().map(|c| Cell::from(*c))).style(theme.header());
    let rows = t.rows.iter().enumerate().map(|(i, (cells, health))| {
        let style = if Some(i) == t.selected {
            theme.selected()
        } else {
            health_style(theme, *health)
        };
        Row::new(cells.iter().map(|c| Cell::from(c.as_str()))).style(style)
    });
    let table = Table::new(rows, widths)
        .header(header)
        .block(block)
        .column_spacing(crate::model::table::COLUMN_SPACING);
    f.render_widget(table, area);
}

fn draw_footer(f: &mut Frame, area: Rect, footer: &Footer, theme: &Theme) {
    let line = match footer {
        Footer::Hints(h) => Line::from(Span::styled(format!(" {h}"), theme.dim())),
        Footer::Prompt {
            prefix,
            input,
            note,
        } => {
            let mut spans = vec![Span::styled(format!(" {prefix}"), theme.accent())];
            let note = note.as_ref().map(|n| {
                let style = if n.warning {
                    theme.warning()
                } else {
                    theme.dim()
                };
                Span::styled(format!("  {}", n.text), style)
            });
            // The end of the text, where the cursor is, and the note stay
            // in sight; a long prompt loses its start.
            let room = usize::from(area.width)
                .saturating_sub(3)
                .saturating_sub(note.as_ref().map_or(0, Span::width));
            spans.push(Span::styled(tail(input, room), theme.text()));
            spans.push(Span::styled("▏", theme.accent()));
            spans.extend(note);
            Line::from(spans)
        }
        Footer::Message { text, error } => Line::from(Span::styled(
            format!(" {text}"),
            if *error { theme.failed() } else { theme.text() },
        )),
    };
    f.render_widget(Paragraph::new(line).style(theme.bar()), area);
}

/// The end of `s` in at most `max` columns, `…` first when cut.
fn tail(s: &str, max: usize) -> String {
    use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};
    if s.width() <= max {
        return s.to_string();
    }
    let mut used = 1;
    let mut start = s.len();
    for (i, c) in s.char_indices().rev() {
        used += c.width().unwrap_or(0);
        if used > max {
            break;
        }
        start = i;
    }
    if max == 0 {
        return String::new();
    }
    format!("…{}", &s[start..])
}

fn draw_help(f: &mut Frame, body: Rect, help: &[(String, String)], theme: &Theme) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.accent())
        .title(Span::styled(" help — esc or ? to close ", theme.accent()));
    let inner = block.inner(body);
    f.render_widget(Clear, body);
    f.render_widget(block, body);
    // As many columns as it takes to show every binding without scrolling.
    let per_column = usize::from(inner.height).max(1);
    let widths = help.chunks(per_column).map(|chunk| {
        let w = chunk
            .iter()
            .map(|(k, d)| k.chars().count() + d.chars().count() + 4)
            .max()
            .unwrap_or(10);
        Constraint::Length(w as u16)
    });
    let areas = Layout::horizontal(widths).split(inner);
    for (chunk, area) in help.chunks(per_column).zip(areas.iter()) {
        let key_w = chunk
            .iter()
            .map(|(k, _)| k.chars().count())
            .max()
            .unwrap_or(4);
        let lines: Vec<Line> = chunk
            .iter()
            .map(|(k, d)| {
                Line::from(vec![
                    Span::styled(format!(" {k:>key_w$}  "), theme.header()),
                    Span::styled(d.clone(), theme.text()),
                ])
            })
            .collect();
        f.render_widget(Paragraph::new(lines), *area);
    }
}
