//! Handing freed heap back to the system. A list of 10,000 pods arrives as
//! response bodies and parsed pages far larger than what the cache keeps
//! (see `trim.rs`), and every watch event allocates a fresh copy while the
//! old one is freed; glibc keeps those freed pages mapped, so without this resident
//! memory stays at the sync's high-water mark and creeps up under churn.
//! `malloc_trim` returns whole free pages from every arena, a few
//! milliseconds at most, done on a blocking thread at most every few seconds
//! and only after the caches changed.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::task::JoinHandle;

static CHANGED: AtomicBool = AtomicBool::new(false);

const EVERY: Duration = Duration::from_secs(5);

/// A cache took in objects (a list or watch events): memory may be freeable.
pub fn note_change() {
    CHANGED.store(true, Ordering::Relaxed);
}

/// Runs until aborted with the watchers it belongs to. Sleeps while nothing
/// changes, so an idle cockpit does not wake for it.
pub fn spawn_trimmer() -> JoinHandle<()> {
    tokio::spawn(async {
        let mut tick = tokio::time::interval(EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if CHANGED.swap(false, Ordering::Relaxed) {
                let _ = tokio::task::spawn_blocking(release).await;
            }
        }
    })
}

/// One malloc arena for the whole process, set before any thread starts.
/// glibc gives each thread that contends its own arena (up to 8 per core),
/// and each keeps its own free pages and fragments: with 10,000 pods cached
/// that cost 5 MB of resident memory over one arena, for no speed that a
/// few mostly idle threads could notice.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn single_arena() {
    // SAFETY: mallopt only sets an allocator parameter; called from main
    // before the runtime starts its threads.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn single_arena() {}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn release() {
    // SAFETY: malloc_trim only walks the allocator's own free lists under its
    // arena locks; it has no preconditions and touches no Rust-owned memory.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn release() {}
