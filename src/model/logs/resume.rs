//! Resuming a broken log stream without duplicating or losing lines.
//!
//! The API server takes `sinceTime` in whole seconds, so a resumed request
//! repeats everything from the start of the second of the last line seen.
//! Lines stamped before that line are skipped; lines stamped exactly at it
//! are skipped as many times as that text was already seen at that instant;
//! anything later is new.

use std::collections::HashMap;

use chrono::{DateTime, Timelike, Utc};

#[derive(Clone, Debug, Default)]
pub struct Cursor {
    last: Option<DateTime<Utc>>,
    /// Texts seen stamped exactly `last`, with how often.
    at_last: HashMap<String, u32>,
    /// While replaying after a resume: what is still to be skipped at `last`.
    skipping: Option<HashMap<String, u32>>,
}

impl Cursor {
    /// The stamp of the newest line accepted.
    pub fn last(&self) -> Option<DateTime<Utc>> {
        self.last
    }

    /// Starts a resumed request: returns the `sinceTime` to ask for (the
    /// last stamp cut to its second), or `None` when nothing was seen yet.
    pub fn resume_from(&mut self) -> Option<DateTime<Utc>> {
        let last = self.last?;
        self.skipping = Some(self.at_last.clone());
        last.with_nanosecond(0)
    }

    /// Whether a line is new; records it when it is.
    pub fn accept(&mut self, at: Option<DateTime<Utc>>, text: &str) -> bool {
        // Without a stamp a line cannot be placed; keeping it beats losing it.
        let Some(at) = at else {
            return true;
        };
        if let (Some(last), Some(skip)) = (self.last, self.skipping.as_mut()) {
            if at < last {
                return false;
            }
            if at == last {
                if let Some(n) = skip.get_mut(text).filter(|n| **n > 0) {
                    *n -= 1;
                    return false;
                }
            } else {
                self.skipping = None;
            }
        }
        match self.last {
            Some(last) if at == last => {
                *self.at_last.entry(text.to_string()).or_default() += 1;
            }
            // A stamp going backwards inside one stream (a clock step) is
            // still new text: keep it, but do not move the cursor back.
            Some(last) if at < last => {}
            _ => {
                self.last = Some(at);
                self.at_last.clear();
                self.at_last.insert(text.to_string(), 1);
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(ms: i64) -> Option<DateTime<Utc>> {
        Some(
            Utc.with_ymd_and_hms(2024, 5, 1, 10, 0, 0).unwrap()
                + chrono::Duration::milliseconds(ms),
        )
    }

    /// Feeds (stamp, text) pairs, returning the texts accepted.
    fn feed(c: &mut Cursor, lines: &[(i64, &str)]) -> Vec<String> {
        lines
            .iter()
            .filter(|(ms, text)| c.accept(t(*ms), text))
            .map(|(_, text)| text.to_string())
            .collect()
    }

    #[test]
    fn resume_skips_what_was_seen_and_keeps_what_was_not() {
        let mut c = Cursor::default();
        let first = [
            (1100, "a"),
            (1500, "b"),
            (1700, "c"),
            (1700, "c"),
            (1700, "d"),
        ];
        assert_eq!(feed(&mut c, &first).len(), 5);
        // The stream broke after the second "c"; "d" was seen too.
        let since = c.resume_from().unwrap();
        assert_eq!(since, t(1000).unwrap());
        let replay = [
            (1100, "a"),
            (1500, "b"),
            (1700, "c"),
            (1700, "c"),
            (1700, "d"),
            // Same instant, never seen: a third "c" is new.
            (1700, "c"),
            (1800, "e"),
            (1800, "e"),
        ];
        assert_eq!(feed(&mut c, &replay), ["c", "e", "e"]);
    }

    #[test]
    fn after_the_replay_equal_stamps_are_not_skipped() {
        let mut c = Cursor::default();
        feed(&mut c, &[(2000, "x")]);
        c.resume_from();
        assert_eq!(
            feed(&mut c, &[(2000, "x"), (2500, "y"), (2500, "y")]),
            ["y", "y"]
        );
        // A second break in the same instant as two "y"s.
        c.resume_from();
        assert_eq!(
            feed(
                &mut c,
                &[(2000, "x"), (2500, "y"), (2500, "y"), (2600, "z")]
            ),
            ["z"]
        );
    }

    #[test]
    fn nothing_seen_means_no_since_time() {
        let mut c = Cursor::default();
        assert_eq!(c.resume_from(), None);
        assert!(c.accept(None, "no stamp"));
        assert_eq!(c.resume_from(), None);
    }

    #[test]
    fn a_backwards_clock_step_is_kept() {
        let mut c = Cursor::default();
        assert_eq!(
            feed(&mut c, &[(5000, "late"), (4000, "early")]),
            ["late", "early"]
        );
        assert_eq!(c.last(), t(5000));
    }
}
