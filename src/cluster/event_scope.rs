//! Which events the cache holds. A busy namespace keeps thousands of Normal
//! events (ScalingReplicaSet, SuccessfulCreate, Scheduled, Pulled…) for the
//! API server's hour-long TTL; at 10,000 pods that was the second largest
//! part of the cockpit's memory, yet only the events screen and the detail
//! views read them. The overview reads Warnings. So events are watched with
//! `type=Warning` unless a screen that shows them all is open, and a little
//! longer after it closes, so stepping in and out of details does not
//! re-list each time.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use kube::runtime::watcher;
use tokio::sync::watch;

/// How long all events stay cached after the last screen that shows them
/// closed.
pub const LINGER: Duration = Duration::from_secs(30);

/// The UI's side: says whether a screen needs every event, and reads
/// whether the cache holds them yet.
#[derive(Clone)]
pub struct EventScope {
    wanted: Arc<watch::Sender<bool>>,
    complete: Arc<AtomicBool>,
}

impl EventScope {
    pub fn new() -> (EventScope, Selector) {
        let (tx, rx) = watch::channel(false);
        let complete = Arc::new(AtomicBool::new(false));
        let scope = EventScope {
            wanted: Arc::new(tx),
            complete: Arc::clone(&complete),
        };
        let selector = Selector {
            rx,
            built_all: false,
            complete,
            linger: LINGER,
        };
        (scope, selector)
    }

    /// Cheap and idempotent: called on every pass of the UI loop.
    pub fn want_all(&self, yes: bool) {
        self.wanted.send_if_modified(|w| {
            let changed = *w != yes;
            *w = yes;
            changed
        });
    }

    /// The cache holds every event, not only Warnings.
    pub fn complete(&self) -> bool {
        self.complete.load(Ordering::Acquire)
    }
}

/// The watcher's side: the config to list with, and when to rebuild.
pub struct Selector {
    rx: watch::Receiver<bool>,
    /// What the current stream was built with.
    built_all: bool,
    complete: Arc<AtomicBool>,
    linger: Duration,
}

impl Selector {
    /// The config for the next stream, remembered as the one in use.
    pub fn config(&mut self) -> watcher::Config {
        self.built_all = *self.rx.borrow_and_update();
        if self.built_all {
            watcher::Config::default()
        } else {
            self.complete.store(false, Ordering::Release);
            watcher::Config::default().fields("type=Warning")
        }
    }

    /// The current stream's first list is complete.
    pub fn synced(&self) {
        if self.built_all {
            self.complete.store(true, Ordering::Release);
        }
    }

    /// Resolves when the stream should be rebuilt with another config: at
    /// once when all events are wanted, after the linger when they no
    /// longer are (unless wanted again meanwhile). Never, once the UI side
    /// is gone.
    pub async fn changed(&mut self) {
        loop {
            let want = *self.rx.borrow_and_update();
            if want && !self.built_all {
                return;
            }
            if !want && self.built_all {
                tokio::select! {
                    () = tokio::time::sleep(self.linger) => return,
                    r = self.rx.changed() => if r.is_err() { std::future::pending::<()>().await },
                }
                continue;
            }
            if self.rx.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(c: &watcher::Config) -> Option<&str> {
        c.field_selector.as_deref()
    }

    #[tokio::test(start_paused = true)]
    async fn warnings_only_until_a_screen_wants_all_then_linger() {
        let (scope, mut sel) = EventScope::new();
        assert_eq!(fields(&sel.config()), Some("type=Warning"));
        sel.synced();
        assert!(!scope.complete(), "Warnings only is not complete");

        scope.want_all(true);
        tokio::time::timeout(Duration::from_millis(1), sel.changed())
            .await
            .expect("wanting all rebuilds at once");
        assert_eq!(fields(&sel.config()), None);
        assert!(!scope.complete(), "not until the list is in");
        sel.synced();
        assert!(scope.complete());

        // Leaving and coming back within the linger changes nothing.
        scope.want_all(false);
        let quick = tokio::time::timeout(LINGER / 2, sel.changed()).await;
        assert!(quick.is_err(), "rebuilt before the linger ran out");
        scope.want_all(true);
        let back = tokio::time::timeout(LINGER * 2, sel.changed()).await;
        assert!(back.is_err(), "wanted again: no rebuild");

        // Leaving for good: after the linger, back to Warnings only.
        scope.want_all(false);
        let started = tokio::time::Instant::now();
        sel.changed().await;
        assert!(started.elapsed() >= LINGER);
        assert_eq!(fields(&sel.config()), Some("type=Warning"));
        assert!(!scope.complete());
    }

    #[tokio::test(start_paused = true)]
    async fn repeated_wishes_do_not_wake_the_watcher() {
        let (scope, mut sel) = EventScope::new();
        let _ = sel.config();
        for _ in 0..3 {
            scope.want_all(false);
        }
        let woke = tokio::time::timeout(Duration::from_secs(3600), sel.changed()).await;
        assert!(woke.is_err());
    }
}
