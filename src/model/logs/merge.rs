//! Ordering lines from many streams by time. Each stream delivers its own
//! lines in order but streams race each other, so lines are held for a short
//! window and released oldest timestamp first. Only the head of each stream
//! is ever taken, so one stream's lines are never reordered, whatever their
//! stamps say.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::line::LogLine;

pub const DEFAULT_WINDOW: Duration = Duration::from_millis(200);

struct Held {
    line: LogLine,
    /// The time the line sorts by: its stamp, else the stream's last one.
    key: DateTime<Utc>,
    arrived: Instant,
}

struct Queue {
    source: u16,
    held: VecDeque<Held>,
    /// Key of the latest line pushed, inherited by lines without a stamp
    /// (markers) so they stay where they were written.
    last_key: DateTime<Utc>,
}

pub struct Merger {
    window: Duration,
    queues: Vec<Queue>,
    held: usize,
}

impl Merger {
    pub fn new(window: Duration) -> Self {
        Merger {
            window,
            queues: Vec::new(),
            held: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.held
    }

    pub fn is_empty(&self) -> bool {
        self.held == 0
    }

    pub fn push(&mut self, line: LogLine, now: Instant) {
        let i = match self.queues.iter().position(|q| q.source == line.source) {
            Some(i) => i,
            None => {
                self.queues.push(Queue {
                    source: line.source,
                    held: VecDeque::new(),
                    // A stream's first marker goes out at once, ahead of
                    // lines stamped before it was attached.
                    last_key: DateTime::<Utc>::MIN_UTC,
                });
                self.queues.len() - 1
            }
        };
        let q = &mut self.queues[i];
        let key = line.at.unwrap_or(q.last_key);
        q.last_key = key;
        q.held.push_back(Held {
            line,
            key,
            arrived: now,
        });
        self.held += 1;
    }

    /// Releases, in time order, every line that has waited a full window,
    /// together with any line stamped earlier than those. Beyond `max_held`
    /// lines, the earliest go out at once so memory stays bounded.
    pub fn release(
        &mut self,
        now: Instant,
        max_held: usize,
        mut out: impl FnMut(LogLine),
    ) -> usize {
        let mut released = 0;
        loop {
            let due = self.held > max_held
                || self.queues.iter().any(|q| {
                    q.held
                        .front()
                        .is_some_and(|h| now.saturating_duration_since(h.arrived) >= self.window)
                });
            if !due {
                break;
            }
            let Some(q) = self
                .queues
                .iter_mut()
                .filter(|q| !q.held.is_empty())
                .min_by_key(|q| q.held.front().map(|h| (h.key, h.arrived)))
            else {
                break;
            };
            let Some(h) = q.held.pop_front() else {
                break;
            };
            self.held -= 1;
            released += 1;
            out(h.line);
        }
        // Streams that went quiet keep only their last key; drop the empty
        // queues of sources that will not speak again soon.
        if self.queues.len() > 64 {
            self.queues.retain(|q| !q.held.is_empty());
        }
        released
    }

    /// Everything held, in the order `release` would give it (at shutdown,
    /// or when a caller wants no delay).
    pub fn flush(&mut self, out: impl FnMut(LogLine)) -> usize {
        self.release(Instant::now(), 0, out)
    }

    /// When the oldest held line will be due.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.queues
            .iter()
            .filter_map(|q| q.held.front().map(|h| h.arrived + self.window))
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::logs::line::LineKind;
    use chrono::TimeZone;

    fn at(ms: i64) -> Option<DateTime<Utc>> {
        Some(
            Utc.with_ymd_and_hms(2024, 5, 1, 10, 0, 0).unwrap()
                + chrono::Duration::milliseconds(ms),
        )
    }

    fn line(source: u16, ms: Option<i64>, text: &str) -> LogLine {
        LogLine {
            at: ms.and_then(at),
            source,
            text: text.into(),
            kind: LineKind::Normal,
            cut_from: None,
        }
    }

    fn drain(m: &mut Merger, now: Instant) -> Vec<String> {
        let mut out = Vec::new();
        m.release(now, usize::MAX, |l| out.push(l.text));
        out
    }

    #[test]
    fn lines_racing_across_streams_come_out_in_time_order() {
        let t0 = Instant::now();
        let mut m = Merger::new(Duration::from_millis(200));
        m.push(line(1, Some(30), "b30"), t0);
        m.push(line(1, Some(40), "b40"), t0);
        m.push(line(0, Some(10), "a10"), t0 + Duration::from_millis(50));
        m.push(line(0, Some(35), "a35"), t0 + Duration::from_millis(60));
        assert!(drain(&mut m, t0 + Duration::from_millis(100)).is_empty());
        assert_eq!(m.next_deadline(), Some(t0 + Duration::from_millis(200)));
        // b30 is due; a10, stamped earlier, must go first even though it
        // arrived later.
        let out = drain(&mut m, t0 + Duration::from_millis(200));
        assert_eq!(out, ["a10", "b30", "a35", "b40"]);
        assert!(m.is_empty());
    }

    #[test]
    fn one_stream_is_never_reordered() {
        let t0 = Instant::now();
        let mut m = Merger::new(Duration::from_millis(200));
        // A clock step backwards inside one container.
        m.push(line(0, Some(50), "first"), t0);
        m.push(line(0, Some(10), "second"), t0);
        m.push(line(1, Some(20), "other"), t0);
        let out = drain(&mut m, t0 + Duration::from_secs(1));
        let first = out.iter().position(|s| s == "first").unwrap();
        let second = out.iter().position(|s| s == "second").unwrap();
        assert!(first < second, "{out:?}");
    }

    #[test]
    fn markers_keep_their_place_in_the_stream() {
        let t0 = Instant::now();
        let mut m = Merger::new(Duration::from_millis(200));
        m.push(LogLine::marker(0, "+ a/c".into()), t0);
        m.push(line(0, Some(100), "a100"), t0);
        m.push(LogLine::marker(0, "- a/c".into()), t0);
        m.push(line(1, Some(50), "b50"), t0);
        m.push(line(1, Some(150), "b150"), t0);
        let out = drain(&mut m, t0 + Duration::from_secs(1));
        assert_eq!(out, ["+ a/c", "b50", "a100", "- a/c", "b150"]);
    }

    #[test]
    fn over_the_limit_the_earliest_go_at_once() {
        let t0 = Instant::now();
        let mut m = Merger::new(Duration::from_secs(60));
        for i in 0..10 {
            m.push(line(0, Some(i), &i.to_string()), t0);
        }
        let mut out = Vec::new();
        let n = m.release(t0, 4, |l| out.push(l.text));
        assert_eq!(n, 6);
        assert_eq!(out, ["0", "1", "2", "3", "4", "5"]);
        assert_eq!(m.len(), 4);
        assert_eq!(m.flush(|_| {}), 4);
    }
}
