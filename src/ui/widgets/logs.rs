//! The log view: rows laid out by `model::logs::log_view` (already cut to
//! the width, so nothing here wraps or measures), with a status line at the
//! bottom. Only maps roles to theme styles.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::config::theme::Theme;
use crate::model::logs::sources::PALETTE_SIZE;
use crate::model::logs::{Role, Segment};

pub use crate::model::logs::LogView;

pub fn draw_logs(f: &mut Frame, area: Rect, model: &LogView, theme: &Theme) {
    let [body, status] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(area);
    let lines: Vec<Line> = model.rows.iter().map(|r| line(r, theme)).collect();
    f.render_widget(Paragraph::new(lines).style(theme.text()), body);
    f.render_widget(
        Paragraph::new(line(&model.status, theme)).style(theme.bar()),
        status,
    );
}

fn line<'a>(segments: &'a [Segment], theme: &Theme) -> Line<'a> {
    Line::from(
        segments
            .iter()
            .map(|s| Span::styled(s.text.as_str(), style(s.role, theme)))
            .collect::<Vec<_>>(),
    )
}

/// Pod colours: the theme's distinct foreground roles, none of them the
/// failure colour (a pod's name in red would read as an error).
fn pod_style(i: u8, theme: &Theme) -> Style {
    match i % PALETTE_SIZE {
        0 => theme.accent(),
        1 => theme.ok(),
        2 => theme.progressing(),
        3 => theme.warning(),
        4 => theme.header().add_modifier(Modifier::ITALIC),
        _ => theme.text().add_modifier(Modifier::BOLD),
    }
}

fn style(role: Role, theme: &Theme) -> Style {
    match role {
        Role::Text => theme.text(),
        Role::Dim => theme.dim(),
        Role::Source(i) => pod_style(i, theme),
        Role::Highlight => theme.selected().add_modifier(Modifier::BOLD),
        Role::Attached => theme.ok(),
        Role::Detached => theme.gone(),
        Role::Problem => theme.failed(),
        // The status line sits on the bar background; keep it, change the
        // foreground only where the meaning needs it.
        Role::StatusText => theme.bar(),
        Role::StatusGood => fg_on_bar(theme.ok(), theme),
        Role::StatusWarn => fg_on_bar(theme.warning(), theme),
        Role::StatusBad => fg_on_bar(theme.failed(), theme).add_modifier(Modifier::BOLD),
    }
}

fn fg_on_bar(fg: Style, theme: &Theme) -> Style {
    let bar = theme.bar();
    Style {
        fg: fg.fg.or(bar.fg),
        ..bar
    }
    .add_modifier(fg.add_modifier)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::logs::line::parse_raw;
    use crate::model::logs::{log_view, LogBuffer, LogFilter, LogLine, LogViewState};
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;

    fn buffer() -> LogBuffer {
        let mut b = LogBuffer::new(3);
        let web = b.sources.intern("web-1", "app");
        let api = b.sources.intern("api-7", "srv");
        b.status.target = "deploy/web".into();
        b.status.attached = 2;
        b.push(LogLine::marker(web, "+ web-1/app".into()));
        b.push(parse_raw(
            b"2024-05-01T10:00:00Z \x1b]0;pwned\x07GET /x 200",
            web,
        ));
        b.push(parse_raw(
            b"2024-05-01T10:00:01Z \x1b[31mERROR\x1b[0m timeout",
            api,
        ));
        b.push(LogLine::marker(
            web,
            "- web-1/app terminated (exit 1 Error)".into(),
        ));
        b
    }

    fn render(view: &LogView, w: u16, h: u16) -> Terminal<TestBackend> {
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        t.draw(|f| draw_logs(f, f.area(), view, &Theme::builtin()))
            .unwrap();
        t
    }

    fn row(t: &Terminal<TestBackend>, y: u16) -> String {
        let b = t.backend().buffer();
        (0..b.area.width).map(|x| b[(x, y)].symbol()).collect()
    }

    #[test]
    fn renders_rows_colours_highlights_and_status() {
        let b = buffer();
        let state = LogViewState {
            filter: LogFilter::new("", "", "error").unwrap(),
            ..LogViewState::default()
        };
        let view = log_view(&b, &state, 5, 100);
        let t = render(&view, 100, 5);
        let theme = Theme::builtin();
        assert_eq!(row(&t, 0).trim_end(), "web-1/app \u{FFFD}GET /x 200");
        assert_eq!(row(&t, 1).trim_end(), "api-7/srv ERROR timeout");
        assert_eq!(
            row(&t, 2).trim_end(),
            "- web-1/app terminated (exit 1 Error)"
        );
        let cells = t.backend().buffer();
        let colour = b.sources.get(1).unwrap().colour;
        assert_eq!(cells[(0, 1)].fg, pod_style(colour, &theme).fg.unwrap());
        assert_eq!(
            cells[(10, 1)].fg,
            theme.selected().fg.unwrap(),
            "highlighted ERROR"
        );
        assert_eq!(cells[(0, 2)].fg, theme.gone().fg.unwrap());
        let status = row(&t, 4);
        assert!(
            status.contains("deploy/web") && status.contains("2 streams"),
            "{status}"
        );
        assert!(status.contains("dropped 1 (cap 3)"), "{status}");
        assert!(status.contains("*/error/"), "{status}");
        let dropped_x = status.find("dropped").unwrap() as u16;
        let dropped_x = status[..dropped_x as usize].chars().count() as u16;
        assert_eq!(cells[(dropped_x, 4)].fg, theme.failed().fg.unwrap());
    }

    #[test]
    fn no_control_character_reaches_a_cell() {
        let view = log_view(&buffer(), &LogViewState::default(), 6, 40);
        let t = render(&view, 40, 6);
        let cells = t.backend().buffer();
        for c in &cells.content {
            assert!(
                !c.symbol().chars().any(char::is_control),
                "{:?}",
                c.symbol()
            );
        }
        assert!(!(0..6).any(|y| row(&t, y).contains("pwned")));
    }

    /// The bytes a real terminal would receive: the only escape sequences
    /// are the backend's own CSI (cursor moves, colours); nothing from the
    /// cluster gets through.
    #[test]
    fn bytes_written_to_the_terminal_carry_no_cluster_escapes() {
        use ratatui::backend::CrosstermBackend;
        use ratatui::layout::Rect;
        use ratatui::{TerminalOptions, Viewport};

        let mut b = LogBuffer::new(100);
        let src = b.sources.intern("web-1", "app");
        for raw in [
            &b"\x1b[2Jcleared"[..],
            b"\x1b]0;pwned-title\x07a",
            b"\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\",
            b"\x1b]52;c;aGk=\x07b",
            b"\x1bPdcs-payload\x1b\\c",
            b"\xc2\x9b31md",
            b"over\rwrite\x08\x07",
            "evil\u{202E}txt".as_bytes(),
            b"bad\xff\xfeutf8",
        ] {
            b.push(parse_raw(&[b"2024-05-01T10:00:00Z ", raw].concat(), src));
        }
        let state = LogViewState {
            timestamps: true,
            filter: LogFilter::new("", "", "link|d").unwrap(),
            ..LogViewState::default()
        };
        let view = log_view(&b, &state, 12, 80);
        let options = TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, 80, 12)),
        };
        // A writer the test keeps a handle on (the backend's own accessor
        // is unstable in this ratatui).
        #[derive(Clone, Default)]
        struct Sink(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
        impl std::io::Write for Sink {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let sink = Sink::default();
        let mut t = Terminal::with_options(CrosstermBackend::new(sink.clone()), options).unwrap();
        t.draw(|f| draw_logs(f, f.area(), &view, &Theme::builtin()))
            .unwrap();
        let out = String::from_utf8_lossy(&sink.0.lock().unwrap()).into_owned();
        let mut chars = out.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                assert_eq!(chars.next(), Some('['), "non-CSI escape in {out:?}");
                // Parameters, then one final byte.
                while chars
                    .peek()
                    .is_some_and(|c| c.is_ascii_digit() || *c == ';' || *c == '?')
                {
                    chars.next();
                }
                assert!(
                    chars.next().is_some_and(|c| c.is_ascii_alphabetic()),
                    "{out:?}"
                );
                continue;
            }
            assert!(!c.is_control(), "control {c:?} written");
            assert!(!matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'));
        }
        for payload in ["pwned", "http://evil", "aGk=", "dcs-payload"] {
            assert!(!out.contains(payload), "{payload} reached the terminal");
        }
        assert!(
            out.contains("link") && out.contains("over\u{FFFD}write"),
            "{out:?}"
        );
    }

    #[test]
    fn small_areas_do_not_panic() {
        let view = log_view(&buffer(), &LogViewState::default(), 2, 5);
        for (w, h) in [(5, 2), (1, 1), (0, 0)] {
            let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
            t.draw(|f| draw_logs(f, f.area(), &view, &Theme::builtin()))
                .unwrap();
        }
    }
}
