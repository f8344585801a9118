//! Fault injection for the demo cluster, off by default: the faults a live
//! view must survive (security.md), produced on demand so tests and demos
//! can show the cockpit riding them out.
//!
//! Controlled at runtime through `POST /_demo/faults` (see `admin`), a path
//! no Kubernetes client ever calls, or in-process through [`Faults`].
//! Hooks in the server are deliberately small, and the server knows them only
//! as `demo::api::stream_faults::StreamFaults`: [`Faults::abortable`] around
//! every streamed body, [`Faults::take_gone`] and [`Faults::bookmarks_off`]
//! in the watch loop. `demo::serve` wraps the routes in the middleware
//! (`layer`) for delays and 5xx answers and runs them in `restart::serve`,
//! the listener loop.

pub mod abort;
pub mod admin;
pub mod layer;
pub mod restart;
pub mod spec;

use std::sync::Mutex;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::{watch, Notify};

pub use spec::FaultSpec;

/// Everything injectable, as reported by `GET /_demo/faults`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FaultState {
    /// Every response waits this long first.
    pub delay_ms: u64,
    /// Fraction (0..=1) of requests answered with `error_code`.
    pub error_rate: f64,
    /// 500 or 503.
    pub error_code: u16,
    /// Injected errors hit only reads (GET): lists and watches fail while
    /// writes go through, as when a watch cache is broken.
    pub reads_only: bool,
    /// Seeds the deterministic choice of failing requests.
    pub seed: u64,
    /// How many upcoming watches start with a 410 Expired ERROR event.
    pub gone_next: u32,
    /// Watches never get BOOKMARK events.
    pub no_bookmarks: bool,
    /// Counters, for tests that wait for a fault to have happened.
    pub streams_killed: u64,
    pub restarts: u64,
    pub injected_errors: u64,
    /// The server is between a stop and its comeback.
    pub down: bool,
}

pub struct Faults {
    state: Mutex<FaultState>,
    /// Requests seen by the error-rate draw; the n-th request fails when
    /// `mix(seed, n)` falls under the rate, so a seed replays the same run.
    requests: Mutex<u64>,
    /// Bumped to abort every open watch and log stream at once.
    kill: watch::Sender<u64>,
    restart: Mutex<Option<Duration>>,
    restart_wanted: Notify,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            state: Mutex::new(FaultState {
                error_code: 503,
                ..FaultState::default()
            }),
            requests: Mutex::new(0),
            kill: watch::channel(0).0,
            restart: Mutex::new(None),
            restart_wanted: Notify::new(),
        }
    }
}

impl Faults {
    pub fn snapshot(&self) -> FaultState {
        self.state.lock().map(|s| s.clone()).unwrap_or_default()
    }

    fn with<R>(&self, f: impl FnOnce(&mut FaultState) -> R) -> Option<R> {
        self.state.lock().ok().map(|mut s| f(&mut s))
    }

    /// Applies a spec: `reset` first, then settings, then actions.
    pub fn apply(&self, spec: &FaultSpec) -> Result<FaultState, String> {
        spec.validate()?;
        if spec.reset {
            self.with(|s| {
                let counters = (s.streams_killed, s.restarts, s.injected_errors, s.down);
                *s = FaultState {
                    error_code: 503,
                    ..FaultState::default()
                };
                (s.streams_killed, s.restarts, s.injected_errors, s.down) = counters;
            });
        }
        self.with(|s| {
            if let Some(d) = spec.delay_ms {
                s.delay_ms = d;
            }
            if let Some(r) = spec.error_rate {
                s.error_rate = r;
            }
            if let Some(c) = spec.error_code {
                s.error_code = c;
            }
            if let Some(r) = spec.reads_only {
                s.reads_only = r;
            }
            if let Some(seed) = spec.seed {
                s.seed = seed;
            }
            if let Some(n) = spec.gone_next {
                s.gone_next = n;
            }
            if let Some(b) = spec.bookmarks {
                s.no_bookmarks = !b;
            }
        });
        if spec.seed.is_some() {
            if let Ok(mut n) = self.requests.lock() {
                *n = 0;
            }
        }
        if spec.close_streams {
            self.close_streams();
        }
        if let Some(down) = spec.restart_down_ms {
            self.restart(Duration::from_millis(down));
        }
        Ok(self.snapshot())
    }

    /// Aborts every open watch and followed log mid-stream: the connection
    /// drops without the terminating chunk, as when a server or proxy dies.
    pub fn close_streams(&self) {
        self.with(|s| s.streams_killed += 1);
        self.cut();
    }

    /// Cuts without counting (the restart loop repeats it while going down).
    fn cut(&self) {
        self.kill.send_modify(|g| *g += 1);
    }

    /// Stops listening and drops every connection, then comes back on the
    /// same port after `down`, with the same objects and resourceVersions.
    pub fn restart(&self, down: Duration) {
        if let Ok(mut r) = self.restart.lock() {
            *r = Some(down);
        }
        self.restart_wanted.notify_one();
    }

    async fn restart_requested(&self) -> Duration {
        loop {
            self.restart_wanted.notified().await;
            if let Some(d) = self.restart.lock().ok().and_then(|mut r| r.take()) {
                return d;
            }
        }
    }

    fn set_down(&self, down: bool) {
        self.with(|s| {
            s.down = down;
            if !down {
                s.restarts += 1;
            }
        });
    }

    /// The watch about to start should fail with 410 Gone (consumes one).
    pub fn take_gone(&self) -> bool {
        self.with(|s| {
            let gone = s.gone_next > 0;
            s.gone_next = s.gone_next.saturating_sub(1);
            gone
        })
        .unwrap_or(false)
    }

    pub fn bookmarks_off(&self) -> bool {
        self.with(|s| s.no_bookmarks).unwrap_or(false)
    }

    /// The delay and the error (if any) for the next request.
    fn next_request(&self, read: bool) -> (Duration, Option<u16>) {
        let (delay, rate, code, seed, reads_only) = self
            .with(|s| (s.delay_ms, s.error_rate, s.error_code, s.seed, s.reads_only))
            .unwrap_or((0, 0.0, 503, 0, false));
        let delay = Duration::from_millis(delay);
        if rate <= 0.0 || (reads_only && !read) {
            return (delay, None);
        }
        let n = self
            .requests
            .lock()
            .map(|mut n| {
                *n += 1;
                *n
            })
            .unwrap_or(0);
        let fail = draw(seed, n) < rate;
        if fail {
            self.with(|s| s.injected_errors += 1);
        }
        (delay, fail.then_some(code))
    }
}

/// A uniform number in [0, 1) from (seed, n): splitmix64. Request `n`
/// (counted from 1 after the seed is set) fails when this is under the rate;
/// public so a test can pick a seed whose first requests fail.
pub fn draw(seed: u64, n: u64) -> f64 {
    let mut z = seed
        .wrapping_add(n.wrapping_mul(0x9e37_79b9_7f4a_7c15))
        .wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_draws_are_seeded_and_near_the_rate() {
        let f = Faults::default();
        let spec = FaultSpec {
            error_rate: Some(0.25),
            seed: Some(7),
            ..FaultSpec::default()
        };
        f.apply(&spec).unwrap();
        let first: Vec<bool> = (0..1000)
            .map(|_| f.next_request(true).1.is_some())
            .collect();
        f.apply(&spec).unwrap();
        let again: Vec<bool> = (0..1000)
            .map(|_| f.next_request(true).1.is_some())
            .collect();
        assert_eq!(first, again, "the same seed replays the same failures");
        let failed = first.iter().filter(|x| **x).count();
        assert!(
            (200..300).contains(&failed),
            "{failed} of 1000 at rate 0.25"
        );
        assert_eq!(f.snapshot().injected_errors, 2 * failed as u64);
    }

    #[test]
    fn gone_is_consumed_and_reset_keeps_counters() {
        let f = Faults::default();
        f.apply(&FaultSpec {
            gone_next: Some(2),
            bookmarks: Some(false),
            close_streams: true,
            ..FaultSpec::default()
        })
        .unwrap();
        assert!(f.bookmarks_off());
        assert!(f.take_gone() && f.take_gone() && !f.take_gone());
        let s = f
            .apply(&FaultSpec {
                reset: true,
                ..FaultSpec::default()
            })
            .unwrap();
        assert!(!s.no_bookmarks && s.gone_next == 0 && s.error_code == 503);
        assert_eq!(s.streams_killed, 1);
    }

    #[test]
    fn no_faults_means_no_delay_and_no_errors() {
        let f = Faults::default();
        for _ in 0..100 {
            assert_eq!(f.next_request(true), (Duration::ZERO, None));
        }
        assert_eq!(f.snapshot().injected_errors, 0);
    }
}
