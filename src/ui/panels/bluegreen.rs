//! The blue-green panel of one pair: the active slot and, per slot, image,
//! readiness and endpoints; prepare the idle slot, switch (refused for a
//! slot not fully available unless forced — then the confirm panel asks for
//! the slot's name), switch back, scale the idle slot down. After a switch
//! the app shows the EndpointSlice verification here.
//!
//! Keys: ←/→ (h/l) select a slot, p prepare the selected idle slot (an image
//! input per container, Enter to ask, Esc to leave), s switch to the
//! selected slot, S force the switch, b switch back, z scale the selected
//! idle slot down, g guard on/off, Esc close.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

use super::field::field_line;
use crate::app::dialogs::bluegreen::BlueGreenPanelView;
use crate::config::theme::Theme;

pub fn draw_bluegreen(f: &mut Frame, area: Rect, v: &BlueGreenPanelView, theme: &Theme) {
    let m = &v.model;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border())
        .title(Span::styled(
            format!(
                " blue-green · {}/{} ({}) ",
                m.namespace, m.service, m.slot_key
            ),
            theme.accent(),
        ));
    let mut lines = vec![Line::from(vec![
        Span::styled(" active slot ", theme.dim()),
        Span::styled(m.active.clone(), theme.accent()),
        Span::styled(
            m.previous
                .as_ref()
                .map(|p| format!("   previous {p}"))
                .unwrap_or_default(),
            theme.dim(),
        ),
        Span::styled(if v.guard { "   ⛨ guarded" } else { "" }, theme.accent()),
    ])];
    lines.push(Line::from(""));
    for (i, s) in m.slots.iter().enumerate() {
        let marker = if s.active { "●" } else { "○" };
        let name_style = if i == v.selected {
            theme.selected()
        } else if s.active {
            theme.ok()
        } else {
            theme.text()
        };
        let ready_style = if !s.exists {
            theme.gone()
        } else if s.fully_available {
            theme.ok()
        } else if s.desired == 0 {
            theme.dim()
        } else {
            theme.progressing()
        };
        lines.push(Line::from(vec![
            Span::styled(format!(" {marker} {:<8}", s.value), name_style),
            Span::styled(format!(" {:<22}", s.deployment), theme.text()),
            Span::styled(format!(" ready {}/{}", s.ready, s.desired), ready_style),
            Span::styled(format!("  endpoints {}", s.endpoints), theme.text()),
            Span::styled(
                format!(
                    "  {}",
                    if s.active {
                        "ACTIVE"
                    } else if s.previous {
                        "previous"
                    } else {
                        "idle"
                    }
                ),
                if s.active { theme.ok() } else { theme.dim() },
            ),
        ]));
        lines.push(Line::from(Span::styled(
            format!("     {}", s.images.join(", ")),
            theme.dim(),
        )));
        lines.push(Line::from(Span::styled(
            format!("     {}", s.status),
            theme.dim(),
        )));
    }
    lines.push(Line::from(""));
    let ep_style = if m.endpoints.only_slot() {
        theme.ok()
    } else {
        theme.warning()
    };
    lines.push(Line::from(Span::styled(
        format!(" {}", m.endpoints.sentence(&m.active)),
        ep_style,
    )));
    if !m.ambiguous.is_empty() {
        lines.push(Line::from(Span::styled(
            format!(
                " ⚠ left out (slot already served): {}",
                m.ambiguous.join(", ")
            ),
            theme.warning(),
        )));
    }
    if let Some((text, ok)) = &v.verification {
        lines.push(Line::from(Span::styled(
            format!(" after switch: {text}"),
            if *ok { theme.ok() } else { theme.failed() },
        )));
    }
    if let Some(fields) = &v.prepare {
        lines.push(Line::from(Span::styled(
            " prepare the idle slot:",
            theme.header(),
        )));
        let w = fields
            .iter()
            .map(|f| f.label.chars().count())
            .max()
            .unwrap_or(8);
        for fv in fields {
            lines.push(field_line(fv, w, theme));
        }
    }
    if let Some(why) = &v.disabled {
        lines.push(Line::from(Span::styled(
            format!(" disabled: {why}"),
            theme.failed(),
        )));
    }
    if let Some((text, error)) = &v.message {
        lines.push(Line::from(Span::styled(
            format!(" {text}"),
            if *error { theme.failed() } else { theme.ok() },
        )));
    }
    lines.push(Line::from(Span::styled(
        if v.prepare.is_some() {
            " enter prepare (image + active's replicas) · tab next · esc back"
        } else {
            " ←/→ slot · p prepare · s switch · S force · b switch back · z scale down idle · g guard · esc close"
        },
        if v.disabled.is_some() { theme.gone() } else { theme.dim() },
    )));
    f.render_widget(Clear, area);
    f.render_widget(Paragraph::new(lines).block(block), area);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::dialogs::bluegreen::tests::model;
    use crate::app::dialogs::bluegreen::BlueGreenPanel;
    use crate::ui::panels::test_render::*;

    #[test]
    fn renders_slots_and_verification() {
        let mut p = BlueGreenPanel::new(model(1));
        p.set_verification("verified: all 2 ready endpoints are on slot green", true);
        let v = p.view();
        let theme = Theme::builtin();
        let buf = render(110, 22, |f| draw_bluegreen(f, f.area(), &v, &theme));
        let screen = text(&buf);
        for want in [
            "blue-green · shop/frontend (slot)",
            "active slot blue",
            "● blue",
            "○ green",
            "ready 1/2",
            "ACTIVE",
            "web:0",
            "after switch: verified",
        ] {
            assert!(screen.contains(want), "missing {want:?}\n{screen}");
        }
        let (x, y) = find(&buf, "ready 1/2").unwrap();
        assert_eq!(buf[(x, y)].fg, theme.progressing().fg.unwrap());
    }
}
