//! The rolling update panel of one Deployment: an image input per
//! container, replicas, maxSurge / maxUnavailable and the change-cause, each
//! validated as typed; restart, pause/resume and the guard option on
//! Ctrl keys (plain keys are text). Enter on a field asks for that change.
//!
//! Keys: Tab/↓ next field, Shift-Tab/↑ previous, Enter apply the focused
//! field (images go together, with the change-cause if it was edited),
//! Ctrl-R restart, Ctrl-P pause/resume, Ctrl-G guard on/off, Esc close.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::field::field_line;
use crate::app::dialogs::rollout::RolloutPanelView;
use crate::config::theme::Theme;

pub fn draw_rollout_panel(f: &mut Frame, area: Rect, v: &RolloutPanelView, theme: &Theme) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border())
        .title(Span::styled(format!(" {} ", v.title), theme.accent()));
    let label_w = v
        .fields
        .iter()
        .map(|f| f.label.chars().count())
        .max()
        .unwrap_or(8);
    let mut lines = vec![Line::from(Span::styled(
        format!(" {}", v.status),
        theme.text(),
    ))];
    let mut flags = vec![Span::styled(
        if v.paused {
            " ॥ paused"
        } else {
            " ▶ running"
        },
        if v.paused {
            theme.warning()
        } else {
            theme.ok()
        },
    )];
    flags.push(Span::styled(
        if v.guard {
            "   ⛨ guarded"
        } else {
            "   unguarded"
        },
        if v.guard { theme.accent() } else { theme.dim() },
    ));
    lines.push(Line::from(flags));
    if let Some(why) = &v.disabled {
        lines.push(Line::from(Span::styled(
            format!(" disabled: {why}"),
            theme.failed(),
        )));
    }
    if let Some(w) = &v.hpa_warning {
        lines.push(Line::from(Span::styled(format!(" ⚠ {w}"), theme.warning())));
    }
    lines.push(Line::from(""));
    for fv in &v.fields {
        lines.push(field_line(fv, label_w, theme));
    }
    lines.push(Line::from(""));
    if let Some((text, error)) = &v.message {
        let style = if *error { theme.failed() } else { theme.ok() };
        lines.push(Line::from(Span::styled(format!(" {text}"), style)));
    }
    let keys_style = if v.disabled.is_some() {
        theme.gone()
    } else {
        theme.dim()
    };
    lines.push(Line::from(Span::styled(
        format!(
            " enter apply field · ^R restart · ^P {} · ^G guard · tab next · esc close",
            if v.paused { "resume" } else { "pause" }
        ),
        keys_style,
    )));
    f.render_widget(Clear, area);
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::dialogs::rollout::tests::deployment;
    use crate::app::dialogs::rollout::RolloutPanel;
    use crate::ui::panels::test_render::*;

    #[test]
    fn renders_fields_status_and_warnings() {
        let mut p = RolloutPanel::new(
            &deployment(false),
            Some("HPA \"api\" manages the replicas".into()),
        );
        p.set_disabled(Some("alice may not patch deployments.apps".into()));
        let v = p.view();
        let theme = Theme::builtin();
        let buf = render(90, 20, |f| draw_rollout_panel(f, f.area(), &v, &theme));
        let screen = text(&buf);
        for want in [
            "rollout · shop/api",
            "deployment \"api\" successfully rolled out",
            "image api",
            "shop/api:1",
            "replicas",
            "maxUnavailable",
            "change-cause",
            "disabled: alice may not patch deployments.apps",
            "⚠ HPA \"api\" manages the replicas",
        ] {
            assert!(screen.contains(want), "missing {want:?} in\n{screen}");
        }
        let (x, y) = find(&buf, "disabled:").unwrap();
        assert_eq!(buf[(x, y)].fg, theme.failed().fg.unwrap());
    }
}
