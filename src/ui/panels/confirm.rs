//! Preview and confirm: the exact diff of every object a change touches,
//! the warnings, and y/n — or, for a forced action, the word the operator
//! must type. After "yes" the panel shows the progress (dry run, apply) and
//! then the result; a conflict or timeout offers reload and retry.
//!
//! Keys: y/Enter confirm (or Enter after typing the word), n/Esc cancel,
//! ↑/↓ PgUp/PgDn scroll; after a result: r retry (409/timeout), Enter/Esc close.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

use super::field::{field_line, FieldView, InputField};
use super::{is_press, plain, PanelOutcome};
use crate::cluster::ops::{OpError, Prepared, PreviewSection};
use crate::config::theme::Theme;
use crate::model::change::DiffTag;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Phase {
    Asking,
    /// Sent: dry run and apply under way.
    Working,
    Done {
        ok: bool,
        message: String,
        /// A 409 or a timeout: offer reload and retry.
        retryable: bool,
    },
}

#[derive(Clone, Debug)]
pub struct ConfirmPanel {
    title: String,
    warnings: Vec<String>,
    sections: Vec<PreviewSection>,
    confirm_word: Option<String>,
    typed: InputField,
    scroll: usize,
    phase: Phase,
    guarded: bool,
    error: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfirmView {
    pub title: String,
    pub warnings: Vec<String>,
    pub sections: Vec<PreviewSection>,
    pub confirm_word: Option<String>,
    pub typed: Option<FieldView>,
    pub scroll: usize,
    pub phase: Phase,
    pub guarded: bool,
    pub error: Option<String>,
}

impl ConfirmPanel {
    /// `guarded`: the change will be watched by a guard once applied.
    pub fn new(prepared: &Prepared, guarded: bool) -> Self {
        ConfirmPanel {
            title: prepared.plan.title.clone(),
            warnings: prepared.plan.warnings.clone(),
            sections: prepared.preview.clone(),
            confirm_word: prepared.plan.confirm_word.clone(),
            typed: InputField::new("type to confirm", ""),
            scroll: 0,
            phase: Phase::Asking,
            guarded,
            error: None,
        }
    }

    /// The app sets this when it sends the change.
    pub fn set_working(&mut self) {
        self.phase = Phase::Working;
    }

    /// The gate's answer.
    pub fn set_result(&mut self, result: &Result<String, OpError>) {
        self.phase = match result {
            Ok(message) => Phase::Done {
                ok: true,
                message: message.clone(),
                retryable: false,
            },
            Err(e) => Phase::Done {
                ok: false,
                message: e.to_string(),
                retryable: e.retryable(),
            },
        };
    }

    pub fn phase(&self) -> &Phase {
        &self.phase
    }

    fn lines_total(&self) -> usize {
        self.sections.iter().map(|s| s.lines.len() + 1).sum()
    }

    pub fn handle_key(&mut self, key: KeyEvent) -> PanelOutcome {
        if !is_press(&key) {
            return PanelOutcome::Ignored;
        }
        match &self.phase {
            Phase::Working => return PanelOutcome::Consumed,
            Phase::Done { retryable, .. } => {
                return match (key.code, plain(&key)) {
                    (_, Some('r')) if *retryable => PanelOutcome::Retry,
                    (KeyCode::Enter | KeyCode::Esc, _) | (_, Some('q')) => PanelOutcome::Close,
                    _ => PanelOutcome::Consumed,
                };
            }
            Phase::Asking => {}
        }
        match key.code {
            KeyCode::Up => {
                self.scroll = self.scroll.saturating_sub(1);
                return PanelOutcome::Consumed;
            }
            KeyCode::Down => {
                self.scroll = (self.scroll + 1).min(self.lines_total().saturating_sub(1));
                return PanelOutcome::Consumed;
            }
            KeyCode::PageUp => {
                self.scroll = self.scroll.saturating_sub(10);
                return PanelOutcome::Consumed;
            }
            KeyCode::PageDown => {
                self.scroll = (self.scroll + 10).min(self.lines_total().saturating_sub(1));
                return PanelOutcome::Consumed;
            }
            KeyCode::Esc => return PanelOutcome::Cancelled,
            _ => {}
        }
        match &self.confirm_word {
            None => match (key.code, plain(&key)) {
                (KeyCode::Enter, _) | (_, Some('y' | 'Y')) => PanelOutcome::Confirmed,
                (_, Some('n' | 'N')) => PanelOutcome::Cancelled,
                _ => PanelOutcome::Consumed,
            },
            Some(word) => {
                if key.code == KeyCode::Enter {
                    if self.typed.text().trim() == word {
                        self.error = None;
                        return PanelOutcome::Confirmed;
                    }
                    self.error = Some(format!(
                        "type \"{word}\" exactly to confirm, or Esc to cancel"
                    ));
                    return PanelOutcome::Consumed;
                }
                self.typed.input(key);
                self.error = None;
                PanelOutcome::Consumed
            }
        }
    }

    /// The typed confirmation holds all it can.
    pub fn typed_full(&self) -> bool {
        self.confirm_word.is_some() && self.typed.full()
    }

    pub fn view(&self) -> ConfirmView {
        ConfirmView {
            title: self.title.clone(),
            warnings: self.warnings.clone(),
            sections: self.sections.clone(),
            confirm_word: self.confirm_word.clone(),
            typed: self.confirm_word.as_ref().map(|_| self.typed.view(true)),
            scroll: self.scroll,
            phase: self.phase.clone(),
            guarded: self.guarded,
            error: self.error.clone(),
        }
    }
}

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
    use serde_json::json;

    use super::*;
    use crate::cluster::ops::plan::{Change, PatchBody, Plan, Target};
    use crate::ui::panels::test_keys::*;

    fn prepared(word: Option<&str>) -> Prepared {
        let before =
            json!({"metadata": {"resourceVersion": "1"}, "spec": {"selector": {"slot": "blue"}}});
        let after =
            json!({"metadata": {"resourceVersion": "1"}, "spec": {"selector": {"slot": "green"}}});
        let mut plan = Plan::single(
            "switch service frontend from blue to green",
            Change {
                action: "switch".into(),
                target: Target::service("shop", "frontend"),
                patch: PatchBody::Merge(json!({})),
                before,
                after,
                summary_before: "slot=blue".into(),
                summary_after: "slot=green".into(),
            },
        );
        plan.confirm_word = word.map(str::to_string);
        if word.is_some() {
            plan.warnings
                .push("slot green is not fully available".into());
        }
        Prepared::new(plan)
    }

    #[test]
    fn y_confirms_and_n_cancels() {
        let mut p = ConfirmPanel::new(&prepared(None), false);
        assert_eq!(p.handle_key(ch('x')), PanelOutcome::Consumed);
        assert_eq!(p.handle_key(ch('y')), PanelOutcome::Confirmed);
        assert_eq!(p.handle_key(ch('n')), PanelOutcome::Cancelled);
        assert_eq!(p.handle_key(key(KeyCode::Esc)), PanelOutcome::Cancelled);
    }

    #[test]
    fn forced_needs_the_word_typed() {
        let mut p = ConfirmPanel::new(&prepared(Some("green")), false);
        // y is just a letter here.
        assert_eq!(p.handle_key(ch('y')), PanelOutcome::Consumed);
        assert_eq!(p.handle_key(key(KeyCode::Enter)), PanelOutcome::Consumed);
        assert!(p.view().error.unwrap().contains("type \"green\""));
        p.handle_key(key(KeyCode::Backspace));
        for k in typed("green") {
            p.handle_key(k);
        }
        assert_eq!(p.handle_key(key(KeyCode::Enter)), PanelOutcome::Confirmed);
    }

    #[test]
    fn results_and_retry() {
        let mut p = ConfirmPanel::new(&prepared(None), false);
        p.set_working();
        assert_eq!(p.handle_key(ch('y')), PanelOutcome::Consumed);
        p.set_result(&Err(OpError::Conflict(
            "service shop/frontend was changed".into(),
        )));
        assert_eq!(p.handle_key(ch('r')), PanelOutcome::Retry);
        p.set_result(&Err(OpError::Forbidden("no".into())));
        assert_eq!(p.handle_key(ch('r')), PanelOutcome::Consumed);
        p.set_result(&Ok("switched".into()));
        assert_eq!(p.handle_key(key(KeyCode::Enter)), PanelOutcome::Close);
    }

    #[test]
    fn renders_the_coloured_preview() {
        let p = ConfirmPanel::new(&prepared(Some("green")), true);
        let v = p.view();
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
        let mut done = ConfirmPanel::new(&prepared(None), false);
        done.set_result(&Err(OpError::Conflict("x".into())));
        let v = done.view();
        let screen = text(&render(90, 20, |f| draw_confirm(f, f.area(), &v, &theme)));
        assert!(
            screen.contains("✖ conflict: x — reload and retry"),
            "{screen}"
        );
        assert!(screen.contains("r: reload and retry"));
    }
}
