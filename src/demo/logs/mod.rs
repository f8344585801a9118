//! What containers write: deterministic service logs per container instance
//! (or lines a test injected through a pod annotation), laid out in time so
//! that follow, since and tail behave like the kubelet's log files.

pub mod generate;
pub mod inject;

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::demo::clock::parse_time;
use crate::demo::ids;
use crate::demo::meta;

/// How often a container writes a line, in simulated time.
const LINE_PERIOD: Duration = Duration::from_secs(2);
/// Lines kept per instance, like a rotated container log.
const RETAINED: u64 = 2000;

/// One run of a container, as its status describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    pub container_id: String,
    pub started: DateTime<Utc>,
    /// When it exited, and with which reason (`Error`, `OOMKilled`...).
    pub finished: Option<(DateTime<Utc>, String)>,
}

impl Instance {
    /// The running or terminated state in `state` (`state` or `lastState`).
    pub fn from_state(state: Option<&Value>) -> Option<Instance> {
        let state = state?;
        if let Some(r) = state.get("running") {
            return Some(Instance {
                container_id: String::new(),
                started: parse_time(meta::str_at(r, &["startedAt"])?)?,
                finished: None,
            });
        }
        let t = state.get("terminated")?;
        Some(Instance {
            container_id: meta::str_at(t, &["containerID"]).unwrap_or("").to_string(),
            started: parse_time(meta::str_at(t, &["startedAt"])?)?,
            finished: Some((
                parse_time(meta::str_at(t, &["finishedAt"])?)?,
                meta::str_at(t, &["reason"]).unwrap_or("Error").to_string(),
            )),
        })
    }
}

/// A line with its time; `text` has no newline.
#[derive(Debug, Clone, PartialEq)]
pub struct LogLine {
    pub at: DateTime<Utc>,
    pub text: Vec<u8>,
}

/// Where a container's lines come from.
pub struct Source<'a> {
    pub pod: &'a str,
    pub container: &'a str,
    /// Lines injected through the pod annotation, if any.
    pub injected: Option<Vec<Vec<u8>>>,
    /// Simulated speed: lines come `speed` times as often.
    pub speed: f64,
}

impl Source<'_> {
    fn period(&self) -> chrono::Duration {
        chrono::Duration::from_std(LINE_PERIOD.div_f64(self.speed))
            .unwrap_or(chrono::Duration::seconds(2))
    }

    fn seed(&self, inst: &Instance) -> u64 {
        let key = format!(
            "{}/{}/{}",
            self.pod,
            self.container,
            inst.started.timestamp()
        );
        u64::from(ids::fnv32a(key.as_bytes()))
    }

    /// Time of generated line `i`: on a fixed grid with a deterministic
    /// jitter inside its slot, so lines never reorder.
    fn time_of(&self, inst: &Instance, i: u64) -> DateTime<Utc> {
        let period = self.period();
        let slot_ns = period.num_nanoseconds().unwrap_or(2_000_000_000).max(2);
        let jitter = generate::mix(self.seed(inst) ^ i) % (slot_ns as u64 / 2);
        let offset = slot_ns
            .saturating_mul(i64::try_from(i).unwrap_or(i64::MAX))
            .saturating_add(jitter as i64);
        inst.started + chrono::Duration::nanoseconds(offset)
    }

    /// Lines written up to `until` (exclusive of later ones), oldest first.
    pub fn lines(&self, inst: &Instance, until: DateTime<Utc>) -> Vec<LogLine> {
        let mut out = self.written(inst, until);
        if inst.finished.as_ref().is_some_and(|(f, _)| *f <= until) {
            out.extend(self.epitaph(inst));
        }
        out
    }

    /// The lines of `lines` without the epitaph.
    pub fn written(&self, inst: &Instance, until: DateTime<Utc>) -> Vec<LogLine> {
        let end = match &inst.finished {
            Some((f, _)) => (*f).min(until),
            None => until,
        };
        if let Some(lines) = &self.injected {
            return lines
                .iter()
                .enumerate()
                .map(|(i, text)| LogLine {
                    at: inst.started + chrono::Duration::milliseconds(i as i64),
                    text: text.clone(),
                })
                .filter(|l| l.at <= end)
                .collect();
        }
        let count = self.count_until(inst, end);
        let first = count.saturating_sub(RETAINED);
        let seed = self.seed(inst);
        (first..count)
            .map(|i| {
                let at = self.time_of(inst, i);
                let text = generate::line(self.container, seed, i, at).into_bytes();
                LogLine { at, text }
            })
            .collect()
    }

    /// What an instance writes as it dies (its panic when it crashed), at
    /// its finish time.
    pub fn epitaph(&self, inst: &Instance) -> Vec<LogLine> {
        match &inst.finished {
            Some((finished, reason)) if reason == "Error" && self.injected.is_none() => {
                generate::panic(self.seed(inst))
                    .into_iter()
                    .map(|t| LogLine {
                        at: *finished,
                        text: t.into_bytes(),
                    })
                    .collect()
            }
            _ => Vec::new(),
        }
    }

    /// How many generated lines fall at or before `end`.
    fn count_until(&self, inst: &Instance, end: DateTime<Utc>) -> u64 {
        if end < inst.started {
            return 0;
        }
        let slot_ns = self
            .period()
            .num_nanoseconds()
            .unwrap_or(2_000_000_000)
            .max(2);
        let elapsed = (end - inst.started).num_nanoseconds().unwrap_or(i64::MAX);
        // Lines up to the current slot, minus the current one if its jitter
        // puts it after `end`.
        let slots = u64::try_from(elapsed / slot_ns).unwrap_or(0);
        if self.time_of(inst, slots) <= end {
            slots + 1
        } else {
            slots
        }
    }

    /// When the next line after `after` is written (for following).
    pub fn next_after(&self, inst: &Instance, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if self.injected.is_some() {
            return None;
        }
        let n = self.count_until(inst, after);
        let at = self.time_of(inst, n);
        match &inst.finished {
            Some((f, _)) if at > *f => None,
            _ => Some(at),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inst() -> Instance {
        Instance {
            container_id: String::new(),
            started: parse_time("2026-01-01T00:00:00Z").unwrap(),
            finished: None,
        }
    }

    fn source(container: &str) -> Source<'_> {
        Source {
            pod: "api-1",
            container,
            injected: None,
            speed: 1.0,
        }
    }

    #[test]
    fn lines_are_deterministic_ordered_and_bounded() {
        let s = source("api");
        let i = inst();
        let until = i.started + chrono::Duration::seconds(60);
        let a = s.lines(&i, until);
        assert_eq!(a, s.lines(&i, until));
        assert_eq!(a.len(), 30);
        assert!(a.windows(2).all(|w| w[0].at < w[1].at));
        assert!(a.iter().all(|l| l.at <= until));
        let next = s.next_after(&i, until).unwrap();
        assert!(next > until && next > a[a.len() - 1].at);
        let long = s.lines(&i, i.started + chrono::Duration::days(3));
        assert_eq!(long.len() as u64, RETAINED);
    }

    #[test]
    fn a_crashed_instance_ends_with_its_panic() {
        let s = source("api");
        let mut i = inst();
        let end = i.started + chrono::Duration::seconds(5);
        i.finished = Some((end, "Error".into()));
        let lines = s.lines(&i, end + chrono::Duration::hours(1));
        let last = String::from_utf8(lines[lines.len() - 1].text.clone()).unwrap();
        assert!(lines.iter().any(|l| l.text.starts_with(b"panic: ")));
        assert!(last.contains("main.go"), "{last}");
        assert!(s.next_after(&i, end).is_none());
    }
}
