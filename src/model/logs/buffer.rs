//! The bounded line store behind the log view. When full, the oldest lines
//! go and are counted: the operator always sees how many were dropped, and
//! memory stays bounded however chatty the pods are.

use std::collections::VecDeque;

use super::line::LogLine;
use super::sources::Sources;

pub const DEFAULT_CAP: usize = 10_000;

/// What feeds the buffer, for the status line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FeedStatus {
    /// `deploy/web`, `pod/web-1`, ...
    pub target: String,
    /// Streams reading now.
    pub attached: usize,
    /// Containers not attached because `max_streams` was reached.
    pub waiting: usize,
    pub max_streams: usize,
    /// Streams between a failure and their next attempt.
    pub reconnecting: usize,
    /// The latest trouble (pod watch failing, a stream given up), one line.
    pub error: Option<String>,
}

#[derive(Clone, Debug)]
pub struct LogBuffer {
    lines: VecDeque<LogLine>,
    cap: usize,
    /// Lines ever appended; the next line's sequence number.
    appended: u64,
    /// Lines evicted to stay within `cap`.
    dropped: u64,
    pub sources: Sources,
    pub status: FeedStatus,
}

impl Default for LogBuffer {
    fn default() -> Self {
        LogBuffer::new(DEFAULT_CAP)
    }
}

impl LogBuffer {
    pub fn new(cap: usize) -> Self {
        let cap = cap.max(1);
        LogBuffer {
            // Grows with use: a quiet container should not cost `cap` slots.
            lines: VecDeque::with_capacity(cap.min(1024)),
            cap,
            appended: 0,
            dropped: 0,
            sources: Sources::default(),
            status: FeedStatus::default(),
        }
    }

    pub fn push(&mut self, line: LogLine) {
        if self.lines.len() == self.cap {
            self.lines.pop_front();
            self.dropped += 1;
        }
        self.lines.push_back(line);
        self.appended += 1;
    }

    pub fn cap(&self) -> usize {
        self.cap
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// The sequence number the next line will get; lines keep theirs for
    /// the life of the buffer, so a paused view can hold its place.
    pub fn appended(&self) -> u64 {
        self.appended
    }

    /// Sequence number of the oldest line still held.
    pub fn first_seq(&self) -> u64 {
        self.appended - self.lines.len() as u64
    }

    pub fn lines(&self) -> &VecDeque<LogLine> {
        &self.lines
    }

    /// Lines with sequence numbers below `end` (all held lines when `end`
    /// is past the newest), oldest first.
    pub fn until(&self, end: u64) -> impl DoubleEndedIterator<Item = &LogLine> {
        let n = end
            .saturating_sub(self.first_seq())
            .min(self.lines.len() as u64);
        self.lines.range(..n as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::logs::line::LineKind;

    fn line(text: &str) -> LogLine {
        LogLine {
            at: None,
            source: 0,
            text: text.into(),
            kind: LineKind::Normal,
            cut_from: None,
        }
    }

    #[test]
    fn evicts_the_oldest_and_counts_every_drop() {
        let mut b = LogBuffer::new(3);
        for i in 0..10 {
            b.push(line(&i.to_string()));
        }
        assert_eq!(b.len(), 3);
        assert_eq!(b.dropped(), 7);
        assert_eq!(b.appended(), 10);
        assert_eq!(b.first_seq(), 7);
        let texts: Vec<_> = b.lines().iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["7", "8", "9"]);
    }

    #[test]
    fn until_stops_at_a_sequence_number() {
        let mut b = LogBuffer::new(3);
        for i in 0..5 {
            b.push(line(&i.to_string()));
        }
        let t = |end| b.until(end).map(|l| l.text.clone()).collect::<Vec<_>>();
        assert_eq!(t(4), ["2", "3"]);
        assert_eq!(t(100), ["2", "3", "4"]);
        assert!(t(1).is_empty());
    }

    #[test]
    fn zero_cap_still_keeps_one_line() {
        let mut b = LogBuffer::new(0);
        b.push(line("a"));
        b.push(line("b"));
        assert_eq!((b.len(), b.dropped()), (1, 1));
    }
}
