//! What the log view shows: only the rows that fit, already cut to width
//! and tagged with roles the widget maps to theme styles. Plain and
//! comparable, so the run loop redraws only when something visible changed.

use super::buffer::{FeedStatus, LogBuffer};
use super::filter::LogFilter;
use super::layout;
use super::line::{format_time, LineKind, LogLine};
use super::segment::{Role, Segment};
use super::sources::Sources;

/// The operator's choices about the log view.
#[derive(Clone, Debug, PartialEq)]
pub struct LogViewState {
    pub filter: LogFilter,
    /// While paused, the view ends at this sequence number and stays put;
    /// lines keep arriving in the buffer and are counted as new.
    pub paused_at: Option<u64>,
    /// Matching lines hidden below the view (scrolled back).
    pub scroll: usize,
    pub wrap: bool,
    pub timestamps: bool,
}

impl Default for LogViewState {
    fn default() -> Self {
        LogViewState {
            filter: LogFilter::default(),
            paused_at: None,
            scroll: 0,
            wrap: true,
            timestamps: false,
        }
    }
}

impl LogViewState {
    pub fn following(&self) -> bool {
        self.paused_at.is_none()
    }

    pub fn toggle_pause(&mut self, buf: &LogBuffer) {
        match self.paused_at {
            Some(_) => self.follow(),
            None => self.paused_at = Some(buf.appended()),
        }
    }

    /// Back to the newest line, following again.
    pub fn follow(&mut self) {
        self.paused_at = None;
        self.scroll = 0;
    }

    /// Scrolling back pauses, so the text does not move under the reader.
    pub fn scroll_up(&mut self, lines: usize, buf: &LogBuffer) {
        let end = *self.paused_at.get_or_insert(buf.appended());
        let matching = buf.until(end).filter(|l| self.filter.matches(l)).count();
        self.scroll = (self.scroll + lines).min(matching.saturating_sub(1));
    }

    /// Stays paused at the bottom; `follow` resumes.
    pub fn scroll_down(&mut self, lines: usize) {
        self.scroll = self.scroll.saturating_sub(lines);
    }

    /// A new filter changes which lines count, so the place is reset to the
    /// bottom of the (still paused, if it was) view.
    pub fn set_filter(&mut self, filter: LogFilter) {
        self.filter = filter;
        self.scroll = 0;
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogView {
    /// Screen rows, top to bottom, each already fitting the width.
    pub rows: Vec<Vec<Segment>>,
    pub status: Vec<Segment>,
}

/// Builds the rows that fit in `height - 1` rows of `width` columns (the
/// last row is the status line). Work is proportional to the rows shown
/// plus, with a filter, the lines it skips.
pub fn log_view(buf: &LogBuffer, state: &LogViewState, height: u16, width: u16) -> LogView {
    let body = usize::from(height.saturating_sub(1));
    let width = usize::from(width).max(1);
    let end = state.paused_at.unwrap_or(buf.appended());
    let render = |l: &LogLine| line_rows(l, &buf.sources, state, width);

    let mut above = buf.until(end).rev().filter(|l| state.filter.matches(l));
    // Lines newer than the anchor, nearest first, for filling the screen
    // when scrolled back to the very top.
    let mut below: Vec<&LogLine> = Vec::with_capacity(state.scroll.min(body));
    for l in above.by_ref().take(state.scroll) {
        below.push(l);
    }
    let mut rows: Vec<Vec<Segment>> = Vec::with_capacity(body);
    let mut stack: Vec<Vec<Vec<Segment>>> = Vec::new();
    let mut filled = 0;
    while filled < body {
        let Some(l) = above.next() else { break };
        let r = render(l);
        filled += r.len();
        stack.push(r);
    }
    for r in stack.into_iter().rev() {
        rows.extend(r);
    }
    // The oldest line may have wrapped past the top: keep its tail.
    if rows.len() > body {
        rows.drain(..rows.len() - body);
    }
    while rows.len() < body {
        let Some(l) = below.pop() else { break };
        rows.extend(render(l));
    }
    rows.truncate(body);

    let new_lines = state
        .paused_at
        .map_or(0, |p| buf.appended().saturating_sub(p));
    LogView {
        rows,
        status: status_line(buf, state, new_lines),
    }
}

fn line_rows(
    l: &LogLine,
    sources: &Sources,
    state: &LogViewState,
    width: usize,
) -> Vec<Vec<Segment>> {
    let mut segs = Vec::with_capacity(4);
    if l.kind == LineKind::Marker {
        let role = match l.text.chars().next() {
            Some('+') => Role::Attached,
            Some('!') => Role::Problem,
            _ => Role::Detached,
        };
        segs.push(Segment::new(l.text.clone(), role));
        return layout::rows(segs, width, state.wrap);
    }
    match sources.get(l.source) {
        Some(s) => segs.push(Segment::new(
            format!("{} ", s.label()),
            Role::Source(s.colour),
        )),
        None => segs.push(Segment::new("? ", Role::Dim)),
    }
    if state.timestamps {
        let t = l.at.as_ref().map_or_else(|| "-".repeat(24), format_time);
        segs.push(Segment::new(format!("{t} "), Role::Dim));
    }
    let mut at = 0;
    for r in state.filter.highlights(&l.text) {
        if r.start > at {
            segs.push(Segment::new(&l.text[at..r.start], Role::Text));
        }
        segs.push(Segment::new(&l.text[r.clone()], Role::Highlight));
        at = r.end;
    }
    if at < l.text.len() || l.text.is_empty() {
        segs.push(Segment::new(&l.text[at..], Role::Text));
    }
    layout::rows(segs, width, state.wrap)
}

/// What the operator must not miss (caps, pauses, drops, errors) comes
/// first: narrow screens cut the end of this line.
fn status_line(buf: &LogBuffer, state: &LogViewState, new_lines: u64) -> Vec<Segment> {
    let st: &FeedStatus = &buf.status;
    let mut s = vec![Segment::new(
        format!(" logs {} ", st.target),
        Role::StatusText,
    )];
    let streams = if st.attached == 1 {
        "stream"
    } else {
        "streams"
    };
    s.push(Segment::new(
        format!("· {} {streams} ", st.attached),
        Role::StatusText,
    ));
    if st.waiting > 0 {
        s.push(Segment::new(
            format!("· capped at {}, {} waiting ", st.max_streams, st.waiting),
            Role::StatusWarn,
        ));
    }
    if st.reconnecting > 0 {
        s.push(Segment::new(
            format!("· {} reconnecting ", st.reconnecting),
            Role::StatusWarn,
        ));
    }
    if state.following() {
        s.push(Segment::new("· following ", Role::StatusGood));
    } else {
        s.push(Segment::new("· PAUSED ", Role::StatusWarn));
        s.push(Segment::new(
            format!("· {new_lines} new "),
            Role::StatusWarn,
        ));
    }
    if buf.dropped() > 0 {
        s.push(Segment::new(
            format!("· dropped {} (cap {}) ", buf.dropped(), buf.cap()),
            Role::StatusBad,
        ));
    }
    if let Some(e) = &st.error {
        s.push(Segment::new(format!("· {e} "), Role::StatusBad));
    }
    if state.scroll > 0 {
        s.push(Segment::new(
            format!("· ↑{} ", state.scroll),
            Role::StatusText,
        ));
    }
    let f = &state.filter;
    for (mark, text) in [("+", f.include()), ("-", f.exclude()), ("*", f.highlight())] {
        if !text.is_empty() {
            // Typed (or pasted) by the operator: still never raw on screen.
            let text = crate::model::sanitize::clean(text);
            s.push(Segment::new(format!("· {mark}/{text}/ "), Role::StatusText));
        }
    }
    let flag = |on: bool, name: &str| format!("{}{name}", if on { "" } else { "no" });
    s.push(Segment::new(
        format!(
            "· {} {} ",
            flag(state.wrap, "wrap"),
            flag(state.timestamps, "ts")
        ),
        Role::StatusText,
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn buffer(n: usize) -> LogBuffer {
        let mut b = LogBuffer::new(100);
        let src = b.sources.intern("web-1", "app");
        b.status.target = "deploy/web".into();
        b.status.attached = 1;
        for i in 0..n {
            b.push(LogLine {
                at: Some(Utc.with_ymd_and_hms(2024, 5, 1, 10, 0, i as u32).unwrap()),
                source: src,
                text: format!("line {i}"),
                kind: LineKind::Normal,
                cut_from: None,
            });
        }
        b
    }

    fn text(row: &[Segment]) -> String {
        row.iter().map(|s| s.text.as_str()).collect()
    }

    fn texts(v: &LogView) -> Vec<String> {
        v.rows.iter().map(|r| text(r)).collect()
    }

    #[test]
    fn shows_the_newest_lines_that_fit() {
        let b = buffer(10);
        let v = log_view(&b, &LogViewState::default(), 4, 80);
        assert_eq!(
            texts(&v),
            ["web-1/app line 7", "web-1/app line 8", "web-1/app line 9"]
        );
        assert_eq!(
            v.rows[0][0].role,
            Role::Source(b.sources.get(0).unwrap().colour)
        );
        let status = text(&v.status);
        assert!(status.contains("deploy/web"), "{status}");
        assert!(status.contains("1 stream "), "{status}");
        assert!(status.contains("following"), "{status}");
    }

    #[test]
    fn pause_freezes_and_counts_new_lines() {
        let mut b = buffer(5);
        let mut s = LogViewState::default();
        s.toggle_pause(&b);
        for i in 0..3 {
            b.push(LogLine::marker(0, format!("+ more {i}")));
        }
        let v = log_view(&b, &s, 3, 80);
        assert_eq!(texts(&v), ["web-1/app line 3", "web-1/app line 4"]);
        let status = text(&v.status);
        assert!(
            status.contains("PAUSED") && status.contains("3 new"),
            "{status}"
        );
        s.toggle_pause(&b);
        assert_eq!(texts(&log_view(&b, &s, 2, 80)), ["+ more 2"]);
    }

    #[test]
    fn scrolling_back_pauses_and_clamps_at_the_top() {
        let b = buffer(10);
        let mut s = LogViewState::default();
        s.scroll_up(3, &b);
        assert!(!s.following());
        assert_eq!(
            texts(&log_view(&b, &s, 3, 80)),
            ["web-1/app line 5", "web-1/app line 6"]
        );
        s.scroll_up(100, &b);
        assert_eq!(s.scroll, 9);
        // At the top the screen fills downwards instead of showing one line.
        assert_eq!(
            texts(&log_view(&b, &s, 3, 80)),
            ["web-1/app line 0", "web-1/app line 1"]
        );
        s.scroll_down(100);
        assert_eq!(s.scroll, 0);
        s.follow();
        assert!(s.following());
    }

    #[test]
    fn filters_and_highlights() {
        let b = buffer(10);
        let s = LogViewState {
            filter: LogFilter::new("line [2-4]", "3", "LINE").unwrap(),
            ..LogViewState::default()
        };
        let v = log_view(&b, &s, 10, 80);
        assert_eq!(texts(&v), ["web-1/app line 2", "web-1/app line 4"]);
        assert_eq!(v.rows[0][1], Segment::new("line", Role::Highlight));
        assert_eq!(v.rows[0][2], Segment::new(" 2", Role::Text));
        let status = text(&v.status);
        assert!(
            status.contains("+/line [2-4]/") && status.contains("-/3/"),
            "{status}"
        );
    }

    #[test]
    fn wrap_and_timestamps() {
        let b = buffer(2);
        let mut s = LogViewState {
            timestamps: true,
            ..LogViewState::default()
        };
        let v = log_view(&b, &s, 10, 200);
        assert_eq!(texts(&v)[1], "web-1/app 2024-05-01T10:00:01.000Z line 1");
        s.timestamps = false;
        let v = log_view(&b, &s, 10, 8);
        assert_eq!(texts(&v), ["web-1/ap", "p line 0", "web-1/ap", "p line 1"]);
        // The oldest line's tail is what fits at the top.
        assert_eq!(
            texts(&log_view(&b, &s, 4, 8)),
            ["p line 0", "web-1/ap", "p line 1"]
        );
        s.wrap = false;
        assert_eq!(texts(&log_view(&b, &s, 10, 8)), ["web-1/ap", "web-1/ap"]);
        assert!(text(&log_view(&b, &s, 3, 80).status).contains("nowrap nots"));
    }

    #[test]
    fn drops_are_on_the_status_line() {
        let mut b = LogBuffer::new(2);
        for i in 0..5 {
            b.push(LogLine::marker(0, format!("- {i}")));
        }
        let v = log_view(&b, &LogViewState::default(), 5, 80);
        assert!(text(&v.status).contains("dropped 3 (cap 2)"));
        assert_eq!(v.rows[0][0].role, Role::Detached);
    }

    #[test]
    fn tiny_areas_do_not_panic() {
        let b = buffer(3);
        for (h, w) in [(0, 0), (1, 1), (2, 1), (1, 80)] {
            let v = log_view(&b, &LogViewState::default(), h, w);
            assert!(v.rows.len() <= usize::from(h));
        }
    }
}
