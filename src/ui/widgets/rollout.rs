//! The rollout detail of one Deployment: a header (status in kubectl's
//! words, strategy, images, replica counts), a progress bar, the revision →
//! ReplicaSet → pod tree and the conditions. Everything shown was decided in
//! `model::rollout`; this only lays it out and picks theme styles.

use std::borrow::Cow;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

use crate::config::theme::Theme;
use crate::model::rollout::{ConditionRow, NodeStatus, Progress, ReplicaSetNode, RolloutTree};
use crate::model::rows::Health;

pub use crate::model::rollout::RolloutView;

/// Below this height the header keeps only the status sentence and one
/// line of strategy and counts.
const COMPACT_HEIGHT: u16 = 20;
/// The tree keeps at least this many rows before it shows column names.
const TREE_MIN_ROWS: u16 = 4;
/// Below this many rows under the progress bar, only the tree is drawn.
const CONDITIONS_MIN_AREA: u16 = 12;

pub fn draw_rollout(f: &mut Frame, area: Rect, model: &RolloutView, theme: &Theme) {
    let compact = area.height < COMPACT_HEIGHT;
    let header = header_lines(&model.tree, compact, area.width, theme);
    let header_h = header.len() as u16;
    let conditions_h = conditions_height(
        area.height.saturating_sub(header_h + 1),
        tree_height(&model.tree),
        model.conditions.len(),
    );
    let [header_area, bar_area, tree_area, conditions_area] = Layout::vertical([
        Constraint::Length(header_h),
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(conditions_h),
    ])
    .areas(area);
    f.render_widget(Paragraph::new(header), header_area);
    draw_progress(f, bar_area, &model.progress, theme);
    draw_tree(f, tree_area, &model.tree, compact, theme);
    if conditions_h > 0 {
        draw_conditions(f, conditions_area, &model.conditions, theme);
    }
}

/// Rows for the conditions, given `avail` rows below the progress bar. The
/// tree comes first; conditions get two rows at least (the header already
/// states a stall), up to four when the tree leaves room, and none on a very
/// short screen.
fn conditions_height(avail: u16, tree_h: usize, conditions: usize) -> u16 {
    if conditions == 0 || avail < CONDITIONS_MIN_AREA {
        return 0;
    }
    let full = 1 + conditions.min(4) as u16;
    let least = 1 + conditions.min(2) as u16;
    let left = avail.saturating_sub(u16::try_from(tree_h).unwrap_or(u16::MAX));
    left.clamp(least, full)
}

/// Rows the tree takes whole: its title rule, column names and lines.
fn tree_height(t: &RolloutTree) -> usize {
    let nodes: usize = t
        .revisions
        .iter()
        .map(|r| {
            if r.collapsed {
                1
            } else {
                2 + r.replica_set.pods.len()
            }
        })
        .sum();
    let tail = usize::from(t.folded.is_some() || t.revisions.is_empty());
    2 + 1 + nodes + tail
}

fn health_style(theme: &Theme, h: Health) -> Style {
    match h {
        Health::Ok => theme.ok(),
        Health::Progressing => theme.progressing(),
        Health::Warning => theme.warning(),
        Health::Failed => theme.failed(),
        Health::Gone => theme.gone(),
    }
}

fn header_lines<'a>(t: &'a RolloutTree, compact: bool, width: u16, theme: &Theme) -> Vec<Line<'a>> {
    let phase = t.status.phase;
    let phase_style = health_style(theme, phase.health());
    let message_style = if phase.health() == Health::Failed {
        theme.failed()
    } else {
        theme.text()
    };
    let label = |s: &'static str| Span::styled(format!(" {s:<10}"), theme.dim());
    let counts = {
        let r = &t.replicas;
        format!(
            "desired {}  current {}  updated {}  ready {}  available {}",
            r.desired, r.current, r.updated, r.ready, r.available
        )
    };
    let strategy = match t.fenceposts {
        Some((surge, unavailable)) => format!(
            "{} (max surge {surge}, max unavailable {unavailable})",
            t.strategy
        ),
        None => t.strategy.clone(),
    };
    if compact {
        let lead = format!(" {} {}  ", phase.icon(), phase.as_str());
        let w = usize::from(width);
        let parts = wrap_words(
            &t.status.message,
            w.saturating_sub(lead.width()),
            w.saturating_sub(1),
            2,
        );
        let mut lines = Vec::new();
        for (i, part) in parts.into_iter().enumerate() {
            let head = if i == 0 {
                Span::styled(lead.clone(), phase_style)
            } else {
                Span::raw(" ")
            };
            lines.push(Line::from(vec![head, Span::styled(part, message_style)]));
        }
        lines.push(Line::from(vec![
            Span::styled(format!(" {}", t.strategy), theme.text()),
            Span::styled(format!("  {counts}"), theme.dim()),
        ]));
        return lines;
    }
    let mut images = vec![label("Images")];
    for (i, img) in t.images.iter().enumerate() {
        if i > 0 {
            images.push(Span::raw("  "));
        }
        images.push(Span::styled(img.image.as_str(), theme.text()));
        if !img.tags.is_empty() {
            images.push(Span::styled(
                format!(" ({})", img.tags.join(", ")),
                theme.dim(),
            ));
        }
    }
    let mut lines = vec![Line::from(vec![
        Span::styled(format!(" {} {}", phase.icon(), phase.as_str()), phase_style),
        Span::styled(format!("  {}/{}", t.namespace, t.name), theme.accent()),
        Span::styled(format!("  age {}", t.age), theme.dim()),
    ])];
    // kubectl's sentence is the point of the header: wrap it rather than cut it.
    let w = usize::from(width).saturating_sub(1);
    for part in wrap_words(&t.status.message, w, w, 2) {
        lines.push(Line::from(Span::styled(format!(" {part}"), message_style)));
    }
    lines.extend([
        Line::from(vec![
            label("Strategy"),
            Span::styled(strategy, theme.text()),
        ]),
        Line::from(images),
        Line::from(vec![label("Replicas"), Span::styled(counts, theme.text())]),
    ]);
    lines
}

/// Greedy word wrap into at most `max_lines`, the first `first` columns
/// wide and the others `width`; the last line takes the rest and is cut by
/// the terminal edge.
fn wrap_words(text: &str, first: usize, width: usize, max_lines: usize) -> Vec<String> {
    let mut out: Vec<String> = vec![String::new()];
    for word in text.split(' ') {
        let lines = out.len();
        let limit = if lines == 1 { first } else { width };
        let Some(cur) = out.last_mut() else { break };
        let need = cur.width() + usize::from(!cur.is_empty()) + word.width();
        if !cur.is_empty() && need > limit && lines < max_lines {
            out.push(word.to_string());
            continue;
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    out
}

fn draw_progress(f: &mut Frame, area: Rect, p: &Progress, theme: &Theme) {
    // The legend repeats each segment's colour, so the bar needs no key.
    let long = vec![
        (
            format!("  updated {}/{} (", p.updated, p.desired),
            theme.text(),
        ),
        (format!("{} available", p.updated_available), theme.ok()),
        (", ".to_string(), theme.text()),
        (format!("{} starting", p.updating()), theme.progressing()),
        (") · ".to_string(), theme.text()),
        (
            format!("old {} pending", p.old_pending_termination),
            theme.gone(),
        ),
        (format!(" · {} terminating", p.terminating), theme.dim()),
    ];
    let short = vec![
        (format!("  upd {}/{} ", p.updated, p.desired), theme.text()),
        (format!("(av {} ", p.updated_available), theme.ok()),
        (format!("start {}) ", p.updating()), theme.progressing()),
        (format!("old {}", p.old_pending_termination), theme.gone()),
    ];
    let len = |parts: &[(String, Style)]| parts.iter().map(|(t, _)| t.width()).sum::<usize>();
    let width = usize::from(area.width);
    let label = " Progress  ";
    let fixed = label.width() + 2;
    let legend = if width >= fixed + 16 + len(&long) {
        long
    } else {
        short
    };
    let bar_w = width.saturating_sub(fixed + len(&legend)).min(60);
    let mut spans = vec![
        Span::styled(label, theme.dim()),
        Span::styled("[", theme.dim()),
    ];
    let parts = [
        (p.updated_available, "█", theme.ok()),
        (p.updating(), "▓", theme.progressing()),
        (p.old_pending_termination, "▒", theme.gone()),
    ];
    let span = i64::from(p.span().max(1));
    let (mut cum, mut drawn) = (0i64, 0usize);
    for (n, glyph, style) in parts {
        cum += i64::from(n.max(0));
        // Boundaries from cumulative counts, so rounding never overflows the bar.
        let end = usize::try_from((cum * bar_w as i64 + span / 2) / span)
            .unwrap_or(0)
            .min(bar_w);
        if end > drawn {
            spans.push(Span::styled(glyph.repeat(end - drawn), style));
            drawn = end;
        }
    }
    if bar_w > drawn {
        spans.push(Span::styled("░".repeat(bar_w - drawn), theme.dim()));
    }
    spans.push(Span::styled("]", theme.dim()));
    spans.extend(legend.into_iter().map(|(t, st)| Span::styled(t, st)));
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// One drawn line of the tree.
struct TreeLine<'a> {
    name: Line<'a>,
    kind: &'static str,
    /// Icon, text and the health that colours them.
    status: Option<(&'static str, &'a str, Health)>,
    age: &'a str,
    tags: Vec<Cow<'a, str>>,
}

impl<'a> TreeLine<'a> {
    fn bare(name: Line<'a>) -> Self {
        TreeLine {
            name,
            kind: "",
            status: None,
            age: "",
            tags: Vec::new(),
        }
    }

    fn node(name: Line<'a>, kind: &'static str, s: NodeStatus, text: &'a str) -> Self {
        TreeLine {
            name,
            kind,
            status: Some((s.icon(), text, s.health())),
            age: "",
            tags: Vec::new(),
        }
    }
}

fn tree_lines<'a>(t: &'a RolloutTree, theme: &Theme) -> Vec<TreeLine<'a>> {
    let branch = |prefix: String, icon: &'static str, name: String, style: Style| {
        Line::from(vec![
            Span::styled(prefix, theme.border()),
            Span::styled(format!("{icon} "), theme.dim()),
            Span::styled(name, style),
        ])
    };
    let phase = t.status.phase;
    let mut lines = vec![TreeLine {
        name: branch(String::new(), "⟳", t.name.clone(), theme.accent()),
        kind: "Deployment",
        status: Some((phase.icon(), phase.as_str(), phase.health())),
        age: &t.age,
        tags: Vec::new(),
    }];
    let count = t.revisions.len();
    for (i, rev) in t.revisions.iter().enumerate() {
        let last = i + 1 == count && t.folded.is_none();
        let (fork, cont) = if last {
            ("└──", "   ")
        } else {
            ("├──", "│  ")
        };
        let rev_text = rev
            .revision
            .map_or("revision:?".to_string(), |r| format!("revision:{r}"));
        let rs = &rev.replica_set;
        if rev.collapsed {
            let name = branch(
                fork.into(),
                "#",
                format!("{rev_text} ⧉ {}", rs.name),
                theme.dim(),
            );
            lines.push(replicaset_line(name, rs));
            continue;
        }
        lines.push(TreeLine::bare(branch(
            fork.into(),
            "#",
            rev_text,
            theme.text(),
        )));
        let name = branch(format!("{cont}└──"), "⧉", rs.name.clone(), theme.text());
        lines.push(replicaset_line(name, rs));
        let pods = rs.pods.len();
        for (j, p) in rs.pods.iter().enumerate() {
            let fork = if j + 1 == pods {
                "└──"
            } else {
                "├──"
            };
            let name = branch(
                format!("{cont}   {fork}"),
                "□",
                p.name.clone(),
                theme.text(),
            );
            let mut line = TreeLine::node(name, "Pod", p.status, &p.status_text);
            line.age = &p.age;
            line.tags = p.tags.iter().map(|t| Cow::Borrowed(t.as_str())).collect();
            lines.push(line);
        }
    }
    if let Some(fold) = &t.folded {
        let noun = if fold.count == 1 {
            "revision"
        } else {
            "revisions"
        };
        let name = Line::from(vec![
            Span::styled("└──", theme.border()),
            Span::styled(format!("… {} older {noun}", fold.count), theme.gone()),
        ]);
        let mut line = TreeLine::node(name, "ReplicaSet", NodeStatus::ScaledDown, "ScaledDown");
        line.tags = match (fold.oldest, fold.newest) {
            (Some(o), Some(n)) if o != n => vec![format!("revisions:{o}-{n}").into()],
            (Some(o), _) => vec![format!("revision:{o}").into()],
            _ => Vec::new(),
        };
        lines.push(line);
    }
    if t.revisions.is_empty() && t.folded.is_none() {
        lines.push(TreeLine::bare(Line::from(Span::styled(
            "└── no ReplicaSets yet",
            theme.dim(),
        ))));
    }
    lines
}

fn replicaset_line<'a>(name: Line<'a>, rs: &'a ReplicaSetNode) -> TreeLine<'a> {
    let mut line = TreeLine::node(name, "ReplicaSet", rs.status, &rs.status_text);
    line.age = &rs.age;
    line.tags = rs.tags.iter().map(|t| Cow::Borrowed(t.as_str())).collect();
    line
}

fn tag_style(theme: &Theme, tag: &str) -> Style {
    match tag {
        "stable" => theme.ok(),
        "new" => theme.progressing(),
        "old" | "scaled-down" => theme.gone(),
        t if t.starts_with("revision") => theme.gone(),
        t if t.starts_with("restarts:") => theme.warning(),
        t if t.starts_with("ready:") => match t.trim_start_matches("ready:").split_once('/') {
            Some((a, b)) if a != b => theme.progressing(),
            _ => theme.dim(),
        },
        // A caller's slot tag (active, preview) is what the operator acts on.
        _ => theme.accent(),
    }
}

/// Which optional columns fit next to NAME and STATUS, in the order they
/// are given up: KIND first (the icons say it), then AGE, then INFO, which
/// is cut before it goes.
struct Columns {
    kind: bool,
    age: bool,
    /// Width of INFO; 0 when hidden.
    info: u16,
}

fn columns(width: u16, name_w: u16, status_w: u16, info_w: u16) -> Columns {
    const KIND_W: u16 = 10;
    const AGE_W: u16 = 5;
    const NAME_CUT: u16 = 28;
    // Long names may be cut a little before a column goes.
    let mut used = name_w.min(NAME_CUT) + 1 + status_w;
    let room = width.saturating_sub(used + 1);
    let info = if room >= info_w.min(10) {
        info_w.min(room)
    } else {
        0
    };
    if info > 0 {
        used += 1 + info;
    }
    let age = info == info_w && used + 1 + AGE_W <= width;
    if age {
        used += 1 + AGE_W;
    }
    // KIND only when the names fit whole beside it.
    let kind = age && used + name_w.saturating_sub(NAME_CUT) + 1 + KIND_W <= width;
    Columns { kind, age, info }
}

fn draw_tree(f: &mut Frame, area: Rect, t: &RolloutTree, compact: bool, theme: &Theme) {
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.border())
        .title(Span::styled(" revisions ", theme.accent()));
    let inner = block.inner(area);
    f.render_widget(block, area);
    if inner.height == 0 {
        return;
    }
    let mut lines = tree_lines(t, theme);
    let show_header = !compact && inner.height > TREE_MIN_ROWS;
    let capacity = usize::from(inner.height) - usize::from(show_header);
    let hidden = lines.len().saturating_sub(capacity);
    if hidden > 0 {
        // Keep the last row for saying how much did not fit.
        lines.truncate(capacity.saturating_sub(1));
    }
    let width_of = |n: usize, cap: usize| u16::try_from(n.min(cap)).unwrap_or(0);
    let name_w = width_of(lines.iter().map(|l| l.name.width()).max().unwrap_or(8), 48);
    let status_w = width_of(
        lines
            .iter()
            .filter_map(|l| l.status.map(|(_, s, _)| s.width() + 2))
            .max()
            .unwrap_or(8),
        24,
    );
    let info_w = width_of(
        lines
            .iter()
            .map(|l| l.tags.iter().map(|t| t.width() + 1).sum::<usize>())
            .max()
            .unwrap_or(4)
            .max(4),
        28,
    );
    let cols = columns(inner.width, name_w, status_w, info_w);

    let mut rows: Vec<Row> = lines
        .into_iter()
        .map(|l| {
            let status = match l.status {
                Some((icon, text, h)) => Line::from(Span::styled(
                    format!("{icon} {text}"),
                    health_style(theme, h),
                )),
                None => Line::default(),
            };
            let mut cells = vec![Cell::from(l.name)];
            if cols.kind {
                cells.push(Cell::from(Span::styled(l.kind, theme.dim())));
            }
            cells.push(Cell::from(status));
            if cols.age {
                cells.push(Cell::from(Span::styled(l.age, theme.dim())));
            }
            if cols.info > 0 {
                let mut info = Vec::new();
                for (k, tag) in l.tags.into_iter().enumerate() {
                    if k > 0 {
                        info.push(Span::styled(",", theme.dim()));
                    }
                    let style = tag_style(theme, &tag);
                    info.push(Span::styled(tag, style));
                }
                cells.push(Cell::from(Line::from(info)));
            }
            Row::new(cells)
        })
        .collect();
    if hidden > 0 {
        rows.push(Row::new([Cell::from(Span::styled(
            format!("… {} more", hidden + 1),
            theme.dim(),
        ))]));
    }

    let mut widths = vec![Constraint::Fill(1)];
    let mut titles = vec!["NAME"];
    if cols.kind {
        widths.push(Constraint::Length(10));
        titles.push("KIND");
    }
    widths.push(Constraint::Length(status_w));
    titles.push("STATUS");
    if cols.age {
        widths.push(Constraint::Length(5));
        titles.push("AGE");
    }
    if cols.info > 0 {
        widths.push(Constraint::Length(cols.info));
        titles.push("INFO");
    }
    let mut table = Table::new(rows, widths).column_spacing(1);
    if show_header {
        table = table.header(Row::new(titles).style(theme.header()));
    }
    f.render_widget(table, inner);
}

fn draw_conditions(f: &mut Frame, area: Rect, rows: &[ConditionRow], theme: &Theme) {
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.border())
        .title(Span::styled(" conditions ", theme.accent()));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let reason_w = rows
        .iter()
        .map(|r| r.reason.chars().count())
        .max()
        .unwrap_or(6)
        .min(26) as u16;
    let body = rows.iter().take(usize::from(inner.height)).map(|c| {
        let style = health_style(theme, c.health);
        Row::new([
            Cell::from(Span::styled(c.type_.as_str(), theme.text())),
            Cell::from(Span::styled(c.status.as_str(), style)),
            Cell::from(Span::styled(c.reason.as_str(), style)),
            Cell::from(Span::styled(c.age.as_str(), theme.dim())),
            Cell::from(Span::styled(c.message.as_str(), theme.text())),
        ])
    });
    let age_w = rows
        .iter()
        .map(|r| r.age.chars().count())
        .max()
        .unwrap_or(3)
        .clamp(3, 9) as u16;
    let widths = [
        Constraint::Length(14),
        Constraint::Length(7),
        Constraint::Length(reason_w),
        Constraint::Length(age_w),
        Constraint::Fill(1),
    ];
    f.render_widget(Table::new(body, widths).column_spacing(1), inner);
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use ratatui::backend::TestBackend;
    use ratatui::buffer::Buffer;
    use ratatui::Terminal;
    use serde_json::json;

    use super::*;
    use crate::model::rollout::fixtures::*;
    use crate::model::rollout::rollout_view;

    fn crashing_rollout() -> RolloutView {
        let d = deployment(
            "api",
            2,
            "shop/api:2",
            json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 1,
                "readyReplicas": 2, "availableReplicas": 2, "conditions": [
                {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
                 "message": "Deployment has minimum availability.",
                 "lastTransitionTime": "2026-01-01T00:05:00Z"},
                {"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated",
                 "message": "ReplicaSet \"api-bbb\" is progressing.",
                 "lastTransitionTime": "2026-01-01T00:30:00Z"}]}),
        );
        let older = replicaset("api-zzz", "uid-api", Some(0), "shop/api:0", 0, 0);
        let old = replicaset("api-aaa", "uid-api", Some(1), "shop/api:1", 2, 2);
        let new = replicaset("api-bbb", "uid-api", Some(2), "shop/api:2", 1, 0);
        let pods: Vec<Arc<_>> = vec![
            pod("api-aaa-1", &old, PodState::Ready, 0),
            pod("api-aaa-2", &old, PodState::Ready, 0),
            pod("api-bbb-1", &new, PodState::CrashLooping, 4),
        ];
        rollout_view(&d, &[older, old, new], &pods, now(), Some("preview"))
    }

    fn render(view: &RolloutView, w: u16, h: u16, theme: &Theme) -> Buffer {
        let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
        term.draw(|f| draw_rollout(f, f.area(), view, theme))
            .unwrap();
        term.backend().buffer().clone()
    }

    fn line(buf: &Buffer, y: u16) -> String {
        (0..buf.area.width)
            .map(|x| buf[(x, y)].symbol())
            .collect::<String>()
    }

    fn text(buf: &Buffer) -> String {
        (0..buf.area.height)
            .map(|y| line(buf, y))
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn renders_header_progress_tree_and_conditions_at_100x30() {
        let theme = Theme::builtin();
        let buf = render(&crashing_rollout(), 100, 30, &theme);
        let screen = text(&buf);
        for want in [
            "◌ Progressing",
            "shop/api",
            "Waiting for deployment \"api\" rollout to finish: 1 out of 2 new replicas have been updated...",
            "RollingUpdate 25%/25% (max surge 1, max unavailable 0)",
            "shop/api:2 (new, preview)",
            "shop/api:1 (old)",
            "desired 2  current 3  updated 1  ready 2  available 2",
            "updated 1/2 (0 available, 1 starting) · old 2 pending · 0 terminating",
            "NAME",
            "KIND",
            "⟳ api",
            "├──# revision:2",
            "│  └──⧉ api-bbb",
            "│     └──□ api-bbb-1",
            "✖ CrashLoopBackOff",
            "new,preview,ready:0/1",
            "ready:0/1,restarts:4",
            "├──# revision:1",
            "└──# revision:0 ⧉ api-zzz",
            "• ScaledDown",
            "scaled-down",
            "MinimumReplicasAvailable",
            "ReplicaSet \"api-bbb\" is progressing.",
        ] {
            assert!(screen.contains(want), "missing {want:?} in\n{screen}");
        }
    }

    #[test]
    fn long_messages_wrap_on_words() {
        assert_eq!(wrap_words("a bb ccc", 4, 4, 2), ["a bb", "ccc"]);
        assert_eq!(wrap_words("a bb ccc dd", 4, 4, 2), ["a bb", "ccc dd"]);
        assert_eq!(wrap_words("a bb ccc", 1, 6, 3), ["a", "bb ccc"]);
        assert_eq!(wrap_words("short", 40, 40, 2), ["short"]);
    }

    #[test]
    fn conditions_give_way_to_the_tree() {
        assert_eq!(conditions_height(20, 10, 2), 3);
        assert_eq!(conditions_height(20, 10, 6), 5);
        assert_eq!(conditions_height(20, 18, 6), 3);
        assert_eq!(conditions_height(11, 3, 2), 0);
        assert_eq!(conditions_height(20, 10, 0), 0);
    }

    #[test]
    fn a_failed_pod_is_drawn_in_the_failed_colour() {
        let theme = Theme::builtin();
        let buf = render(&crashing_rollout(), 100, 30, &theme);
        let y = (0..buf.area.height)
            .find(|&y| line(&buf, y).contains("□ api-bbb-1"))
            .unwrap();
        let x = (0..buf.area.width)
            .find(|&x| buf[(x, y)].symbol() == "✖")
            .unwrap();
        assert_eq!(buf[(x, y)].fg, theme.failed().fg.unwrap());
        // The status text after the icon too.
        assert_eq!(buf[(x + 2, y)].symbol(), "C");
        assert_eq!(buf[(x + 2, y)].fg, theme.failed().fg.unwrap());
        // A healthy pod is not.
        let ok_y = (0..buf.area.height)
            .find(|&y| line(&buf, y).contains("□ api-aaa-1"))
            .unwrap();
        let ok_x = (0..buf.area.width)
            .find(|&x| buf[(x, ok_y)].symbol() == "✔")
            .unwrap();
        assert_eq!(buf[(ok_x, ok_y)].fg, theme.ok().fg.unwrap());
    }

    #[test]
    fn degrades_at_80x24_and_smaller() {
        let theme = Theme::builtin();
        let view = crashing_rollout();
        let buf = render(&view, 80, 24, &theme);
        let screen = text(&buf);
        for want in [
            "◌ Progressing",
            "api-bbb-1",
            "✖ CrashLoopBackOff",
            "conditions",
        ] {
            assert!(screen.contains(want), "missing {want:?} in\n{screen}");
        }
        assert!(
            !screen.contains("KIND"),
            "KIND column needs width\n{screen}"
        );

        let buf = render(&view, 60, 12, &theme);
        let screen = text(&buf);
        assert!(screen.contains("◌ Progressing"), "{screen}");
        assert!(screen.contains("✖ CrashLoopBackOff"), "{screen}");
        assert!(screen.contains("more"), "overflow is announced\n{screen}");
        assert!(
            !screen.contains("conditions"),
            "the tree comes first\n{screen}"
        );
        // Nothing panics at absurd sizes.
        render(&view, 10, 3, &theme);
        render(&view, 1, 1, &theme);
    }
}
