//! Preview and confirm: the exact diff of every object a change touches,
//! the warnings, and y/n — or, for a forced action, the word the operator
//! must type. After "yes" the panel shows the progress (dry run, apply) and
//! then the result; a conflict or timeout offers reload and retry.
//!
//! Keys: y/Enter confirm (or Enter after typing the word), n/Esc cancel,
//! ↑/↓ PgUp/PgDn scroll; after a result: r retry (409/timeout), Enter/Esc close.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

use super::field::field_line;
use crate::app::dialogs::confirm::{ConfirmView, Phase};
use crate::config::theme::Theme;
use crate::model::change::DiffTag;

pub fn draw_confirm(f: &mut Frame, area: Rect, v: &ConfirmView, theme: &Theme) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.accent())
        .title(Span::styled(format!(" {} ", v.title), theme.accent()));
    let inner_h = usize::from(block.inner(area).height);
    let mut head: Vec<Line> = Vec::new();
    for w in &v.warnings {
        head.push(Line::from(Span::styled(format!(" ⚠ {w}"), theme.warning())));
    }
    if v.guarded {
        head.push(Line::from(Span::styled(
            " ⛨ guarded: kockpit watches the new pods and undoes this if they fail",
            theme.accent(),
        )));
    }
    let mut tail: Vec<Line> = Vec::new();
    match &v.phase {
        Phase::Asking => {
            if let (Some(word), Some(field)) = (&v.confirm_word, &v.typed) {
                tail.push(Line::from(Span::styled(
                    format!(" this is forced: type \"{word}\" and press Enter to go ahead"),
                    theme.warning(),
                )));
                tail.push(field_line(field, 15, theme));
            } else {
                tail.push(Line::from(Span::styled(
                    " y/enter: dry run, then apply   n/esc: cancel   ↑/↓ scroll",
                    theme.header(),
                )));
            }
            if let Some(e) = &v.error {
                tail.push(Line::from(Span::styled(format!(" {e}"), theme.failed())));
            }
        }
        Phase::Working => tail.push(Line::from(Span::styled(
            " dry run, then applying…",
            theme.progressing(),
        ))),
        Phase::Done {
            ok,
            message,
            retryable,
        } => {
            let (mark, style) = if *ok {
                ("✔", theme.ok())
            } else {
                ("✖", theme.failed())
            };
            tail.push(Line::from(Span::styled(
                format!(" {mark} {message}"),
                style,
            )));
            tail.push(Line::from(Span::styled(
                if *retryable {
                    " r: reload and retry   enter/esc: close"
                } else {
                    " enter/esc: close"
                },
                theme.dim(),
            )));
        }
    }
    let mut body: Vec<Line> = Vec::new();
    for s in &v.sections {
        body.push(Line::from(Span::styled(
            format!(" {}", s.title),
            theme.header(),
        )));
        if s.lines.is_empty() {
            body.push(Line::from(Span::styled(
                "   (no visible difference)",
                theme.dim(),
            )));
        }
        for l in &s.lines {
            let style = match l.tag {
                DiffTag::Hunk => theme.accent(),
                DiffTag::Context => theme.dim(),
                DiffTag::Added => theme.ok(),
                DiffTag::Removed => theme.failed(),
            };
            body.push(Line::from(Span::styled(
                format!(" {}{}", l.marker(), l.text),
                style,
            )));
        }
    }
    let room = inner_h.saturating_sub(head.len() + tail.len());
    let start = v.scroll.min(body.len().saturating_sub(room.max(1)));
    let mut lines = head;
    lines.extend(body.into_iter().skip(start).take(room));
    lines.extend(tail);
    f.render_widget(Clear, area);
    f.render_widget(Paragraph::new(lines).block(block), area);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::dialogs::confirm::tests::{asking_view, conflict_view};
    use crate::ui::panels::test_render::*;

    #[test]
    fn renders_the_coloured_preview() {
        let v = asking_view();
        let theme = Theme::builtin();
        let buf = render(90, 20, |f| draw_confirm(f, f.area(), &v, &theme));
        let screen = text(&buf);
        for want in [
            "switch service frontend from blue to green",
            "⚠ slot green is not fully available",
            "⛨ guarded",
            "Service shop/frontend · switch",
            "-    slot: blue",
            "+    slot: green",
            "type \"green\"",
        ] {
            assert!(screen.contains(want), "missing {want:?}\n{screen}");
        }
        let (x, y) = find(&buf, "+    slot: green").unwrap();
        assert_eq!(buf[(x, y)].fg, theme.ok().fg.unwrap());
        let v = conflict_view();
        let screen = text(&render(90, 20, |f| draw_confirm(f, f.area(), &v, &theme)));
        assert!(
            screen.contains("✖ conflict: x — reload and retry"),
            "{screen}"
        );
        assert!(screen.contains("r: reload and retry"));
    }
}
