//! The HPA detail: a header, a chart of current and desired replicas between
//! min and max, a chart of each metric as a percentage of its target, the
//! conditions and the scaling events. The series are reduced to drawable
//! points in `hpa_detail`, so the model compares cheaply between frames.

use chrono::{DateTime, Utc};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Axis, Block, Borders, Cell, Chart, Dataset, GraphType, Paragraph, Row, Table,
};
use ratatui::Frame;

use crate::config::theme::Theme;
use crate::model::age::{age, human_duration};
use crate::model::history::{HpaHistory, Sample};
use crate::model::hpa::{ConditionRow, HpaRow};
use crate::model::rows::Health;

/// The x axis never spans less, so a fresh history is not stretched flat.
const MIN_WINDOW_SECS: f64 = 60.0;
/// More metric lines than this in one chart cannot be told apart.
const MAX_METRIC_SERIES: usize = 6;
const MAX_EVENT_LINES: usize = 6;
const Y_LABEL_WIDTH: usize = 5;
const COLLECTING: &str = "collecting… since kockpit started";

#[derive(Clone, Debug, PartialEq)]
pub struct MetricSeries {
    pub name: String,
    /// (seconds before now, percent of target).
    pub points: Vec<(f64, f64)>,
    pub latest: Option<f64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ConditionLine {
    pub type_: String,
    pub status: String,
    pub reason: String,
    pub age: String,
    pub message: String,
    pub health: Health,
}

#[derive(Clone, Debug, PartialEq)]
pub struct HpaDetail {
    pub namespace: String,
    pub name: String,
    pub reference: String,
    pub targets: String,
    pub min: i32,
    pub max: i32,
    pub replicas: i32,
    pub desired: i32,
    pub at_max: bool,
    pub last_scale: Option<String>,
    pub samples: usize,
    /// The x axis runs from `-window_secs` to 0 (now).
    pub window_secs: f64,
    pub x_labels: Vec<String>,
    /// Step lines: a replica count holds until the next sample.
    pub current: Vec<(f64, f64)>,
    pub desired_points: Vec<(f64, f64)>,
    pub replicas_top: f64,
    pub metrics: Vec<MetricSeries>,
    pub metrics_top: f64,
    pub conditions: Vec<ConditionLine>,
    pub events: Vec<String>,
}

impl HpaDetail {
    fn collecting(&self) -> bool {
        self.samples < 2
    }
}

pub fn hpa_detail(
    row: &HpaRow,
    history: &HpaHistory,
    conditions: &[ConditionRow],
    events: &[String],
    now: DateTime<Utc>,
) -> HpaDetail {
    let samples: Vec<&Sample> = history
        .samples(&HpaHistory::key(&row.namespace, &row.name))
        .map(|s| s.iter().collect())
        .unwrap_or_default();
    // A sample stamped by a clock slightly ahead must still sit on the axis.
    let now = samples.last().map_or(now, |s| s.at.max(now));
    let x = |at: DateTime<Utc>| (at - now).num_milliseconds() as f64 / 1000.0;
    let window_secs = samples
        .first()
        .map_or(0.0, |s| -x(s.at))
        .max(MIN_WINDOW_SECS);

    let current = steps(&samples, x, |s| f64::from(s.current_replicas));
    let desired_points = steps(&samples, x, |s| f64::from(s.desired_replicas));
    let highest = samples
        .iter()
        .map(|s| s.current_replicas.max(s.desired_replicas))
        .chain([row.max, row.replicas, row.desired])
        .max()
        .unwrap_or(0);
    // Even, so the middle label is a whole number of replicas.
    let replicas_top = f64::from((highest + 2) / 2 * 2);

    let metrics = metric_series(&samples, x);
    let highest_pct = metrics
        .iter()
        .flat_map(|m| m.points.iter().map(|p| p.1))
        .fold(0.0, f64::max);
    let metrics_top = ((highest_pct * 1.1 / 100.0).ceil() * 100.0).max(200.0);

    HpaDetail {
        namespace: row.namespace.clone(),
        name: row.name.clone(),
        reference: row.reference.clone(),
        targets: row.targets.clone(),
        min: row.min,
        max: row.max,
        replicas: row.replicas,
        desired: row.desired,
        at_max: row.at_max,
        last_scale: row.last_scale.map(|t| format!("{} ago", age(Some(t), now))),
        samples: samples.len(),
        window_secs,
        x_labels: vec![
            format!("-{}", human_duration(window_secs as i64)),
            format!("-{}", human_duration((window_secs / 2.0) as i64)),
            "now".into(),
        ],
        current,
        desired_points,
        replicas_top,
        metrics,
        metrics_top,
        conditions: conditions.iter().map(|c| condition_line(c, now)).collect(),
        events: events.iter().take(MAX_EVENT_LINES).cloned().collect(),
    }
}

/// Points of a step line, held to now: the last known value is still the
/// value until the HPA changes again.
fn steps(
    samples: &[&Sample],
    x: impl Fn(DateTime<Utc>) -> f64,
    y: impl Fn(&Sample) -> f64,
) -> Vec<(f64, f64)> {
    let mut points = Vec::with_capacity(samples.len() * 2 + 1);
    for s in samples {
        let (px, py) = (x(s.at), y(s));
        if let Some(&(_, prev)) = points.last() {
            if prev != py {
                points.push((px, prev));
            }
        }
        points.push((px, py));
    }
    if let Some(&(_, last)) = points.last() {
        points.push((0.0, last));
    }
    points
}

fn metric_series(samples: &[&Sample], x: impl Fn(DateTime<Utc>) -> f64) -> Vec<MetricSeries> {
    // In order of first appearance, so a metric added to the spec later
    // does not reshuffle the colours of the others.
    let mut series: Vec<MetricSeries> = Vec::new();
    for s in samples {
        for m in &s.metrics {
            let i = match series.iter().position(|k| *k.name == *m.name) {
                Some(i) => i,
                None if series.len() < MAX_METRIC_SERIES => {
                    series.push(MetricSeries {
                        name: m.name.to_string(),
                        points: Vec::new(),
                        latest: None,
                    });
                    series.len() - 1
                }
                None => continue,
            };
            let pct = m
                .current
                .filter(|_| m.target != 0.0)
                .map(|c| c / m.target * 100.0);
            if let Some(pct) = pct {
                series[i].points.push((x(s.at), pct));
            }
        }
    }
    // Like replicas, the latest reading holds until the HPA reports again;
    // a metric gone from the latest sample (spec changed) ends where it was.
    if let Some(last) = samples.last() {
        for m in &mut series {
            m.latest = last
                .metrics
                .iter()
                .find(|s| *s.name == *m.name)
                .and_then(|s| {
                    s.current
                        .filter(|_| s.target != 0.0)
                        .map(|c| c / s.target * 100.0)
                });
            if let Some(y) = m.latest {
                m.points.push((0.0, y));
            }
        }
    }
    series
}

fn condition_line(c: &ConditionRow, now: DateTime<Utc>) -> ConditionLine {
    let health = match (c.type_.as_str(), c.status.as_str()) {
        ("ScalingLimited", "True") => Health::Warning,
        ("ScalingActive", "False") if c.reason == "ScalingDisabled" => Health::Warning,
        ("AbleToScale" | "ScalingActive", "False") => Health::Failed,
        (_, "Unknown") => Health::Progressing,
        _ => Health::Ok,
    };
    ConditionLine {
        type_: c.type_.clone(),
        status: c.status.clone(),
        reason: c.reason.clone(),
        age: c.since.map_or_else(String::new, |t| age(Some(t), now)),
        message: c.message.clone(),
        health,
    }
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

/// Colours for metric lines, from the theme's roles so every theme (and
/// NO_COLOR) still works.
fn series_style(theme: &Theme, i: usize) -> Style {
    match i % 5 {
        0 => theme.accent(),
        1 => theme.progressing(),
        2 => theme.ok(),
        3 => theme.warning(),
        _ => theme.text(),
    }
}

pub fn draw_hpa_detail(f: &mut Frame, area: Rect, model: &HpaDetail, theme: &Theme) {
    let conditions_h = if model.conditions.is_empty() {
        0
    } else {
        1 + model.conditions.len().min(4) as u16
    };
    let events_h = 1 + model.events.len().max(1) as u16;
    // Charts come first; conditions and events give way on short terminals.
    let room = area.height.saturating_sub(2 + 8);
    let conditions_h = conditions_h.min(room);
    let events_h = events_h.min(room.saturating_sub(conditions_h));
    let [header, charts, conditions, events] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(0),
        Constraint::Length(conditions_h),
        Constraint::Length(events_h),
    ])
    .areas(area);
    f.render_widget(Paragraph::new(header_lines(model, theme)), header);
    if model.metrics.is_empty() {
        draw_replicas(f, charts, model, theme);
    } else {
        let [top, bottom] =
            Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)])
                .areas(charts);
        draw_replicas(f, top, model, theme);
        draw_metrics(f, bottom, model, theme);
    }
    if conditions_h > 1 {
        draw_conditions(f, conditions, &model.conditions, theme);
    }
    if events_h > 1 {
        draw_events(f, events, &model.events, theme);
    }
}

fn header_lines<'a>(m: &'a HpaDetail, theme: &Theme) -> Vec<Line<'a>> {
    let label = |s: &'static str| Span::styled(s, theme.dim());
    let mut first = vec![
        Span::styled(format!(" {}/{}", m.namespace, m.name), theme.accent()),
        label("  → "),
        Span::styled(m.reference.as_str(), theme.text()),
        label("  min "),
        Span::styled(m.min.to_string(), theme.text()),
        label("  max "),
        Span::styled(
            m.max.to_string(),
            if m.at_max {
                theme.warning()
            } else {
                theme.text()
            },
        ),
        label("  replicas "),
        Span::styled(m.replicas.to_string(), theme.text()),
        label(" → desired "),
        Span::styled(
            m.desired.to_string(),
            if m.desired == m.replicas {
                theme.text()
            } else {
                theme.progressing()
            },
        ),
    ];
    if m.at_max {
        first.push(Span::raw("  "));
        first.push(Span::styled(" AT MAX ", theme.warning()));
    }
    if let Some(t) = &m.last_scale {
        first.push(label("  last scaled "));
        first.push(Span::styled(t.as_str(), theme.dim()));
    }
    vec![
        Line::from(first),
        Line::from(vec![
            label(" targets "),
            Span::styled(m.targets.as_str(), theme.text()),
        ]),
    ]
}

fn chart_block<'a>(title: Vec<Span<'a>>, theme: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::TOP)
        .border_style(theme.border())
        .title(Line::from(title))
}

fn legend<'a>(glyph: &'static str, text: String, style: Style) -> [Span<'a>; 2] {
    [
        Span::styled(format!(" {glyph}"), style),
        Span::styled(format!(" {text} "), style),
    ]
}

fn x_axis<'a>(m: &'a HpaDetail, theme: &Theme) -> Axis<'a> {
    Axis::default()
        .style(theme.dim())
        .bounds([-m.window_secs, 0.0])
        .labels(
            m.x_labels
                .iter()
                .map(|l| Span::styled(l.as_str(), theme.dim())),
        )
}

fn line(data: &[(f64, f64)], style: Style) -> Dataset<'_> {
    Dataset::default()
        .marker(Marker::Braille)
        .graph_type(GraphType::Line)
        .style(style)
        .data(data)
}

fn horizontal(m: &HpaDetail, y: f64) -> [(f64, f64); 2] {
    [(-m.window_secs, y), (0.0, y)]
}

/// Labels padded alike in both charts, so their time axes line up and a
/// scale-up reads against the metric spike above it.
fn y_label(text: String, theme: &Theme) -> Span<'static> {
    Span::styled(format!("{text:>Y_LABEL_WIDTH$}"), theme.dim())
}

fn collecting_title<'a>(m: &HpaDetail, theme: &Theme) -> Option<Span<'a>> {
    m.collecting()
        .then(|| Span::styled(format!(" {COLLECTING} "), theme.dim()))
}

fn draw_replicas(f: &mut Frame, area: Rect, m: &HpaDetail, theme: &Theme) {
    let mut title = vec![Span::styled(" replicas ", theme.accent())];
    title.extend(legend(
        "━",
        format!("current {}", m.replicas),
        theme.accent(),
    ));
    title.extend(legend(
        "━",
        format!("desired {}", m.desired),
        theme.progressing(),
    ));
    let limit_style = if m.at_max {
        theme.warning()
    } else {
        theme.dim()
    };
    title.extend(legend(
        "┄",
        format!("min {} · max {}", m.min, m.max),
        limit_style,
    ));
    title.extend(collecting_title(m, theme));
    let block = chart_block(title, theme);
    if m.samples == 0 {
        f.render_widget(
            Paragraph::new(Span::styled(format!(" {COLLECTING}"), theme.dim())).block(block),
            area,
        );
        return;
    }
    let min_line = horizontal(m, f64::from(m.min));
    let max_line = horizontal(m, f64::from(m.max));
    // Drawn in order, so the current replicas end up on top.
    let datasets = vec![
        line(&min_line, theme.dim()),
        line(&max_line, limit_style),
        line(&m.desired_points, theme.progressing()),
        line(&m.current, theme.accent()),
    ];
    let top = m.replicas_top;
    let chart = Chart::new(datasets)
        .block(block)
        .legend_position(None)
        .x_axis(x_axis(m, theme))
        .y_axis(
            Axis::default()
                .style(theme.dim())
                .bounds([0.0, top])
                .labels([0.0, top / 2.0, top].map(|v| y_label(format!("{v:.0}"), theme))),
        );
    f.render_widget(chart, area);
}

fn draw_metrics(f: &mut Frame, area: Rect, m: &HpaDetail, theme: &Theme) {
    let mut title = vec![Span::styled(" % of target ", theme.accent())];
    for (i, s) in m.metrics.iter().enumerate() {
        let latest = s.latest.map_or_else(|| "?".into(), |v| format!("{v:.0}%"));
        title.extend(legend(
            "━",
            format!("{} {latest}", s.name),
            series_style(theme, i),
        ));
    }
    title.extend(legend("┄", "target 100%".into(), theme.dim()));
    let block = chart_block(title, theme);
    let target = horizontal(m, 100.0);
    let mut datasets = vec![line(&target, theme.dim())];
    for (i, s) in m.metrics.iter().enumerate() {
        datasets.push(line(&s.points, series_style(theme, i)));
    }
    let top = m.metrics_top;
    let steps = if top <= 400.0 {
        (top / 100.0) as usize
    } else {
        2
    };
    let labels = (0..=steps).map(|i| {
        let v = top * i as f64 / steps as f64;
        y_label(format!("{v:.0}%"), theme)
    });
    let chart = Chart::new(datasets)
        .block(block)
        .legend_position(None)
        .x_axis(x_axis(m, theme))
        .y_axis(
            Axis::default()
                .style(theme.dim())
                .bounds([0.0, top])
                .labels(labels),
        );
    f.render_widget(chart, area);
}

fn section(title: &'static str, theme: &Theme) -> Block<'static> {
    Block::default()
        .borders(Borders::TOP)
        .border_style(theme.border())
        .title(Span::styled(title, theme.accent()))
}

fn draw_conditions(f: &mut Frame, area: Rect, rows: &[ConditionLine], theme: &Theme) {
    let block = section(" conditions ", theme);
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
    let widths = [
        Constraint::Length(14),
        Constraint::Length(7),
        Constraint::Length(reason_w),
        Constraint::Length(9),
        Constraint::Fill(1),
    ];
    f.render_widget(Table::new(body, widths).column_spacing(1), inner);
}

fn draw_events(f: &mut Frame, area: Rect, events: &[String], theme: &Theme) {
    let block = section(" scaling events ", theme);
    let lines: Vec<Line> = if events.is_empty() {
        vec![Line::from(Span::styled(
            " none since kockpit started",
            theme.dim(),
        ))]
    } else {
        events
            .iter()
            .map(|e| Line::from(Span::styled(format!(" {e}"), theme.text())))
            .collect()
    };
    f.render_widget(Paragraph::new(lines).block(block), area);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::history::{Limits, MetricSample};
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_767_225_600 + s, 0).unwrap()
    }

    fn row(replicas: i32, desired: i32) -> HpaRow {
        crate::model::hpa::fixture_row(replicas, desired)
    }

    fn sample(s: i64, current: i32, desired: i32, cpu: f64) -> Sample {
        Sample {
            at: t(s),
            current_replicas: current,
            desired_replicas: desired,
            metrics: vec![MetricSample {
                name: "cpu".into(),
                current: Some(cpu),
                target: 50.0,
            }],
        }
    }

    fn conditions() -> Vec<ConditionRow> {
        vec![
            ConditionRow {
                type_: "AbleToScale".into(),
                status: "True".into(),
                reason: "ReadyForNewScale".into(),
                message: "recommended size matches current size".into(),
                since: Some(t(0)),
            },
            ConditionRow {
                type_: "ScalingLimited".into(),
                status: "True".into(),
                reason: "TooManyReplicas".into(),
                message: "the desired replica count is more than the maximum".into(),
                since: Some(t(100)),
            },
        ]
    }

    fn render(m: &HpaDetail, w: u16, h: u16) -> (Vec<String>, ratatui::buffer::Buffer) {
        let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
        let theme = Theme::builtin();
        term.draw(|f| draw_hpa_detail(f, f.area(), m, &theme))
            .unwrap();
        let buf = term.backend().buffer().clone();
        let lines = (0..h)
            .map(|y| (0..w).map(|x| buf[(x, y)].symbol()).collect::<String>())
            .collect();
        (lines, buf)
    }

    #[test]
    fn reduces_history_to_step_lines_up_to_now() {
        let mut h = HpaHistory::new(Limits::default());
        h.record("shop/api", sample(0, 2, 2, 40.0));
        h.record("shop/api", sample(60, 2, 4, 90.0));
        h.record("shop/api", sample(90, 4, 4, 60.0));
        let d = hpa_detail(&row(4, 4), &h, &[], &[], t(120));
        assert_eq!(d.window_secs, 120.0);
        assert_eq!(
            d.desired_points,
            [
                (-120.0, 2.0),
                (-60.0, 2.0),
                (-60.0, 4.0),
                (-30.0, 4.0),
                (0.0, 4.0)
            ]
        );
        assert_eq!(
            d.current,
            [
                (-120.0, 2.0),
                (-60.0, 2.0),
                (-30.0, 2.0),
                (-30.0, 4.0),
                (0.0, 4.0)
            ]
        );
        assert_eq!(d.metrics.len(), 1);
        assert_eq!(
            d.metrics[0].points,
            [(-120.0, 80.0), (-60.0, 180.0), (-30.0, 120.0), (0.0, 120.0)]
        );
        assert_eq!(d.metrics_top, 200.0);
        assert_eq!(d.replicas_top, 8.0);
        assert_eq!(d.x_labels, ["-2m", "-60s", "now"]);
    }

    #[test]
    fn draws_header_charts_conditions_and_events() {
        let mut h = HpaHistory::new(Limits::default());
        h.record("shop/api", sample(0, 2, 2, 40.0));
        h.record("shop/api", sample(60, 2, 6, 150.0));
        h.record("shop/api", sample(90, 6, 6, 90.0));
        let events = vec!["2m  Normal  SuccessfulRescale  New size: 6; reason: cpu resource utilization (percentage of request) above target".to_string()];
        let d = hpa_detail(&row(6, 6), &h, &conditions(), &events, t(300));
        assert!(d.at_max);
        let (lines, buf) = render(&d, 120, 36);
        let text = lines.join("\n");
        for want in [
            "shop/api",
            "Deployment/api",
            "AT MAX",
            "cpu: 90%/50%",
            "current 6",
            "desired 6",
            "min 2 · max 6",
            "% of target",
            "cpu 180%",
            "target 100%",
            "-5m",
            "now",
            "AbleToScale",
            "TooManyReplicas",
            "3m20s",
            "scaling events",
            "SuccessfulRescale",
        ] {
            assert!(text.contains(want), "missing {want:?} in\n{text}");
        }
        assert!(!text.contains("collecting"));
        // Braille dots mean a line was plotted.
        assert!(text.contains(|c: char| ('\u{2801}'..='\u{28ff}').contains(&c)));
        let theme = Theme::builtin();
        let (y, line) = lines
            .iter()
            .enumerate()
            .find(|(_, l)| l.contains("AT MAX"))
            .unwrap();
        let x = line[..line.find("AT MAX").unwrap()].chars().count() as u16;
        assert_eq!(buf[(x, y as u16)].fg, theme.warning().fg.unwrap());
    }

    #[test]
    fn draws_with_no_or_one_sample() {
        let empty = HpaHistory::new(Limits::default());
        let d = hpa_detail(&row(3, 3), &empty, &[], &[], t(0));
        assert_eq!(d.samples, 0);
        let (lines, _) = render(&d, 100, 24);
        let text = lines.join("\n");
        assert!(text.contains("collecting… since kockpit started"), "{text}");
        assert!(text.contains("none since kockpit started"));

        let mut one = HpaHistory::new(Limits::default());
        one.record("shop/api", sample(0, 3, 3, 50.0));
        let d = hpa_detail(&row(3, 3), &one, &[], &[], t(10));
        assert_eq!(d.current, [(-10.0, 3.0), (0.0, 3.0)]);
        assert_eq!(d.window_secs, MIN_WINDOW_SECS);
        let (lines, _) = render(&d, 100, 24);
        let text = lines.join("\n");
        assert!(text.contains("collecting… since kockpit started"), "{text}");
        assert!(text.contains("cpu 100%"));
    }

    #[test]
    fn small_areas_do_not_panic() {
        let mut h = HpaHistory::new(Limits::default());
        h.record("shop/api", sample(0, 2, 2, 40.0));
        h.record("shop/api", sample(60, 2, 6, 150.0));
        let d = hpa_detail(&row(6, 6), &h, &conditions(), &["x".into()], t(300));
        for (w, ht) in [(1, 1), (10, 3), (30, 8), (200, 12)] {
            render(&d, w, ht);
        }
    }
}
