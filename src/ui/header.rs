//! The header line: who kockpit talks to, and whether what it shows is live.
//! The live/STALE indicator is the one part that is never hidden: on a
//! narrow terminal or with a long context name, the other parts give way
//! first (the context is cut, then the version, the brand, the stale
//! reason and the namespace go), and the indicator itself only shortens.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

use super::frame::{FrameModel, Liveness};
use super::overlay::guard_style;
use crate::app::dialogs::guard::GuardPhase;
use crate::config::theme::Theme;

/// What a piece of the header is, for its colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// Spacing, unstyled.
    Plain,
    Brand,
    Label,
    Value,
    ReadOnly,
    Guard(GuardPhase),
    Live,
    Syncing,
    Stale,
}

/// How much of the liveness text a layout keeps, longest first.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Live {
    /// `⚠ STALE: reconnecting, last update 12s ago (reason)`
    Full,
    /// ... without the reason.
    NoReason,
    /// `⚠ STALE: last update 12s ago`
    Short,
    /// `⚠ STALE 12s ago`
    Shorter,
    /// `⚠ STALE`
    Word,
}

/// One way to lay the header out; the first that fits is used.
struct Layout {
    brand: bool,
    version: bool,
    /// The context is shown cut to the room left, if that is at least this
    /// many columns (`None`: not shown).
    context_min: Option<usize>,
    /// The namespace, cut to this many columns (`None`: not shown).
    namespace_max: Option<usize>,
    /// Read-only and guard markers.
    markers: bool,
    live: Live,
}

const fn layout(
    brand: bool,
    version: bool,
    context_min: Option<usize>,
    namespace_max: Option<usize>,
    markers: bool,
    live: Live,
) -> Layout {
    Layout {
        brand,
        version,
        context_min,
        namespace_max,
        markers,
        live,
    }
}

const ALL: usize = usize::MAX;

/// From everything (what a wide terminal shows, unchanged) to the
/// indicator alone.
const LAYOUTS: [Layout; 10] = [
    layout(true, true, Some(16), Some(ALL), true, Live::Full),
    layout(true, false, Some(16), Some(ALL), true, Live::Full),
    layout(false, false, Some(16), Some(ALL), true, Live::Full),
    layout(false, false, Some(16), Some(ALL), true, Live::NoReason),
    layout(false, false, Some(12), Some(16), true, Live::Short),
    layout(false, false, Some(8), Some(12), true, Live::Shorter),
    layout(false, false, Some(4), None, true, Live::Shorter),
    layout(false, false, Some(4), None, false, Live::Shorter),
    layout(false, false, None, None, false, Live::Shorter),
    layout(false, false, None, None, false, Live::Word),
];

pub fn draw_header(f: &mut Frame, area: Rect, m: &FrameModel, theme: &Theme) {
    let spans: Vec<Span> = header_parts(m, usize::from(area.width))
        .into_iter()
        .map(|(text, part)| Span::styled(text, style(part, theme)))
        .collect();
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn style(part: Part, theme: &Theme) -> Style {
    match part {
        Part::Plain => Style::default(),
        Part::Brand => theme.accent(),
        Part::Label => theme.dim(),
        Part::Value => theme.text(),
        Part::ReadOnly => theme.warning(),
        Part::Guard(state) => guard_style(state, theme),
        Part::Live => theme.ok(),
        Part::Syncing => theme.progressing(),
        Part::Stale => theme.failed(),
    }
}

/// The header's pieces for a terminal `width` columns wide.
pub fn header_parts(m: &FrameModel, width: usize) -> Vec<(String, Part)> {
    for l in &LAYOUTS {
        if let Some(parts) = try_layout(m, l, width) {
            return parts;
        }
    }
    // Narrower than the indicator's one word: show what fits of it.
    let (text, part) = liveness(&m.liveness, Live::Word);
    vec![(cut(&format!(" {text}"), width), part)]
}

fn try_layout(m: &FrameModel, l: &Layout, width: usize) -> Option<Vec<(String, Part)>> {
    let mut before = Vec::new();
    if l.brand {
        before.push((" kockpit ".to_string(), Part::Brand));
    }
    let mut after = Vec::new();
    if let Some(max) = l.namespace_max {
        after.push(("  ns:".to_string(), Part::Label));
        after.push((cut(&m.namespace, max), Part::Value));
    }
    if l.version {
        after.push(("  k8s:".to_string(), Part::Label));
        after.push((m.version.clone(), Part::Value));
    }
    after.push(("  ".to_string(), Part::Plain));
    if l.markers {
        if m.readonly {
            after.push(("[read-only] ".to_string(), Part::ReadOnly));
        }
        if let Some(g) = &m.guard {
            after.push((format!("{}  ", g.text), Part::Guard(g.phase)));
        }
    }
    after.push(liveness(&m.liveness, l.live));
    let fixed: usize = before
        .iter()
        .chain(after.iter())
        .map(|(t, _)| t.width())
        .sum();
    let mut parts = before;
    match l.context_min {
        Some(min) => {
            let label = " ctx:";
            let room = width.checked_sub(fixed + label.width())?;
            let context = m.context.width();
            if context > room && room < min.min(context) {
                return None;
            }
            parts.push((label.to_string(), Part::Label));
            parts.push((cut(&m.context, room), Part::Value));
        }
        // The separator before the indicator starts the line then.
        None if fixed > width => return None,
        None => {}
    }
    if parts
        .iter()
        .chain(after.iter())
        .map(|(t, _)| t.width())
        .sum::<usize>()
        > width
    {
        return None;
    }
    parts.extend(after);
    Some(parts)
}

fn liveness(live: &Liveness, form: Live) -> (String, Part) {
    match live {
        Liveness::Live => ("● live".into(), Part::Live),
        Liveness::Syncing => ("◌ syncing…".into(), Part::Syncing),
        Liveness::Stale {
            reason,
            last_update_secs,
        } => {
            let age = last_update_secs.map_or("never".to_string(), |s| format!("{s}s ago"));
            let text = match form {
                Live::Full => format!("⚠ STALE: reconnecting, last update {age} ({reason})"),
                Live::NoReason => format!("⚠ STALE: reconnecting, last update {age}"),
                Live::Short => format!("⚠ STALE: last update {age}"),
                Live::Shorter => format!("⚠ STALE {age}"),
                Live::Word => "⚠ STALE".into(),
            };
            (text, Part::Stale)
        }
    }
}

/// `s` in at most `max` columns, ending in `…` when cut.
fn cut(s: &str, max: usize) -> String {
    if s.width() <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w + 1 > max {
            break;
        }
        out.push(c);
        used += w;
    }
    if max > 0 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(context: &str, liveness: Liveness) -> FrameModel {
        FrameModel {
            context: context.into(),
            namespace: "shop".into(),
            version: "v1.34.0".into(),
            readonly: false,
            liveness,
            body: super::super::frame::Body::Doc(crate::ui::doc::Doc::new("x")),
            footer: super::super::frame::Footer::Hints(String::new()),
            help: None,
            overlay: None,
            guard: None,
        }
    }

    fn text(parts: &[(String, Part)]) -> String {
        parts.iter().map(|(t, _)| t.as_str()).collect()
    }

    #[test]
    fn every_layout_fits_its_width_and_keeps_the_indicator() {
        let stale = Liveness::Stale {
            reason: "pods: 503".into(),
            last_update_secs: None,
        };
        for context in ["kind-kind", &"x".repeat(200), &"界".repeat(100)] {
            for width in 0..160 {
                let mut m = model(context, stale.clone());
                m.readonly = true;
                let parts = header_parts(&m, width);
                let line = text(&parts);
                assert!(line.width() <= width, "{width}: {line:?}");
                if width >= 8 {
                    assert!(line.contains("⚠ STALE"), "{width}: {line:?}");
                }
                if width >= 40 {
                    assert!(line.contains("never"), "{width}: {line:?}");
                    assert!(line.contains("ctx:"), "{width}: {line:?}");
                }
            }
        }
    }

    #[test]
    fn cut_counts_columns_and_marks_the_cut() {
        assert_eq!(cut("abcdef", 6), "abcdef");
        assert_eq!(cut("abcdef", 4), "abc…");
        assert_eq!(cut("界界界", 4), "界…");
        assert_eq!(cut("abc", 0), "");
    }
}
