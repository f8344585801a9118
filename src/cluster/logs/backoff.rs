//! Retry delays for log streams: exponential, capped, jittered (so fifty
//! streams broken by one API server restart do not come back in lockstep),
//! and bounded in attempts (so a stream that cannot work says so instead of
//! retrying forever in silence).

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct Backoff {
    base: Duration,
    max: Duration,
    max_attempts: u32,
    attempt: u32,
    random: RandomState,
}

impl Backoff {
    pub fn new(base: Duration, max: Duration, max_attempts: u32) -> Self {
        Backoff {
            base,
            max,
            max_attempts,
            attempt: 0,
            random: RandomState::new(),
        }
    }

    /// The next delay, or `None` once `max_attempts` failures in a row have
    /// been spent. Each delay is between half and all of the exponential
    /// step, so it never collapses to zero.
    pub fn next_delay(&mut self) -> Option<Duration> {
        if self.attempt >= self.max_attempts {
            return None;
        }
        let step = self
            .base
            .saturating_mul(1u32 << self.attempt.min(16))
            .min(self.max);
        self.attempt += 1;
        let unit = (self.random.hash_one(self.attempt) % 1000) as f64 / 1000.0;
        Some(step.mul_f64(0.5 + unit / 2.0))
    }

    pub fn attempts(&self) -> u32 {
        self.attempt
    }

    /// After progress (a line read), failures start counting afresh.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_jittered_capped_and_bounded() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_secs(2), 6);
        let delays: Vec<Duration> = std::iter::from_fn(|| b.next_delay()).collect();
        assert_eq!(delays.len(), 6);
        let steps = [100, 200, 400, 800, 1600, 2000];
        for (d, step) in delays.iter().zip(steps) {
            let step = Duration::from_millis(step);
            assert!(*d >= step / 2 && *d <= step, "{d:?} vs {step:?}");
        }
        assert_eq!(b.attempts(), 6);
        b.reset();
        assert!(b
            .next_delay()
            .is_some_and(|d| d <= Duration::from_millis(100)));
    }

    #[test]
    fn jitter_differs_between_streams() {
        let delays: std::collections::HashSet<Duration> = (0..20)
            .filter_map(|_| {
                Backoff::new(Duration::from_secs(1), Duration::from_secs(1), 1).next_delay()
            })
            .collect();
        assert!(delays.len() > 1);
    }
}
