//! Where streams hand their lines over, and the one task that moves them
//! from the merge window into the buffer.
//!
//! There is no channel between the streams and the buffer, so nothing can
//! overflow: a stream parses a chunk, then takes the lock once to append its
//! lines to the merge window. The window is bounded by the buffer's cap
//! (beyond it the earliest lines go straight to the buffer), and the buffer
//! counts every line it evicts. Reading the HTTP body is paced by this work,
//! so a flood slows the reader, never loses lines in between.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use crate::model::logs::{FeedStatus, LogBuffer, LogLine, Merger};

/// Release at most this often: a steady stream of lines wakes the UI a few
/// dozen times a second, not once per line.
const MIN_RELEASE_INTERVAL: Duration = Duration::from_millis(25);

pub struct Shared {
    pub buffer: LogBuffer,
    merger: Merger,
}

pub struct Hub {
    shared: Mutex<Shared>,
    /// Lines entered the merge window (the pump may need a new deadline).
    arrivals: Notify,
    /// Something visible changed; the UI waits on this. `Notify` keeps at
    /// most one permit, so wake-ups coalesce and never queue up.
    pub changed: Notify,
}

impl Hub {
    pub fn new(cap: usize, window: Duration) -> Arc<Self> {
        Arc::new(Hub {
            shared: Mutex::new(Shared {
                buffer: LogBuffer::new(cap),
                merger: Merger::new(window),
            }),
            arrivals: Notify::new(),
            changed: Notify::new(),
        })
    }

    /// A panic elsewhere must not take the log view down with it: the data
    /// behind a poisoned lock is still a consistent buffer.
    pub fn lock(&self) -> MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn source(&self, pod: &str, container: &str) -> u16 {
        self.lock().buffer.sources.intern(pod, container)
    }

    pub fn push(&self, lines: Vec<LogLine>) {
        if lines.is_empty() {
            return;
        }
        let now = Instant::now();
        let mut g = self.lock();
        let Shared { buffer, merger } = &mut *g;
        for l in lines {
            merger.push(l, now);
        }
        let forced = merger.release(now, buffer.cap(), |l| buffer.push(l));
        drop(g);
        if forced > 0 {
            self.changed.notify_one();
        }
        self.arrivals.notify_one();
    }

    pub fn marker(&self, source: u16, text: String) {
        self.push(vec![LogLine::marker(source, text)]);
    }

    /// Changes the status line; wakes the UI only when it really changed.
    pub fn status(&self, f: impl FnOnce(&mut FeedStatus)) {
        let mut g = self.lock();
        let before = g.buffer.status.clone();
        f(&mut g.buffer.status);
        let changed = g.buffer.status != before;
        drop(g);
        if changed {
            self.changed.notify_one();
        }
    }

    /// Moves lines whose window has passed into the buffer, for as long as
    /// the session lives.
    pub async fn pump(self: Arc<Self>) {
        let mut last_release = tokio::time::Instant::now();
        loop {
            let next = {
                let mut g = self.lock();
                let Shared { buffer, merger } = &mut *g;
                let cap = buffer.cap();
                let released = merger.release(Instant::now(), cap, |l| buffer.push(l));
                if released > 0 {
                    self.changed.notify_one();
                }
                merger.next_deadline()
            };
            match next {
                Some(due) => {
                    let due = tokio::time::Instant::from_std(due);
                    let floor = last_release + MIN_RELEASE_INTERVAL;
                    tokio::time::sleep_until(due.max(floor)).await;
                }
                None => self.arrivals.notified().await,
            }
            last_release = tokio::time::Instant::now();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn pump_releases_after_the_window_and_wakes_once() {
        let hub = Hub::new(100, Duration::from_millis(50));
        let pump = tokio::spawn(Arc::clone(&hub).pump());
        let s = hub.source("p", "c");
        hub.push((0..10).map(|i| LogLine::marker(s, i.to_string())).collect());
        assert_eq!(hub.lock().buffer.len(), 0, "held for the window");
        tokio::time::timeout(Duration::from_secs(2), hub.changed.notified())
            .await
            .unwrap();
        assert_eq!(hub.lock().buffer.len(), 10);
        pump.abort();
    }

    #[tokio::test]
    async fn a_flood_beyond_the_cap_is_counted_not_lost() {
        let hub = Hub::new(5, Duration::from_secs(60));
        let s = hub.source("p", "c");
        hub.push((0..12).map(|i| LogLine::marker(s, i.to_string())).collect());
        let g = hub.lock();
        // 5 held in the window, 7 forced into a 5-line buffer: 2 evicted.
        assert_eq!((g.buffer.len(), g.buffer.dropped()), (5, 2));
        assert_eq!(g.buffer.appended() + g.merger.len() as u64, 12);
    }
}
