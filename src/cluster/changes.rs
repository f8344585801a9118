//! How background tasks tell the UI that something changed, without ever
//! touching UI state.

use std::sync::atomic::{AtomicU32, Ordering};

use tokio::sync::Notify;

use super::kinds::Kind;

/// "Something of these kinds changed": a bit set plus a wake-up. Marks are
/// never lost (the set only grows until taken) and never queue up, however
/// fast the cluster changes.
#[derive(Default)]
pub struct Changes {
    dirty: AtomicU32,
    notify: Notify,
}

impl Changes {
    pub fn mark(&self, kind: Kind) {
        self.dirty.fetch_or(bit(kind), Ordering::AcqRel);
        self.notify.notify_one();
    }

    /// Takes every pending mark.
    pub fn take(&self) -> Vec<Kind> {
        let bits = self.dirty.swap(0, Ordering::AcqRel);
        Kind::RESOURCES
            .into_iter()
            .chain([Kind::Metrics, Kind::Health])
            .filter(|k| bits & bit(*k) != 0)
            .collect()
    }

    pub async fn wait(&self) {
        self.notify.notified().await;
    }
}

/// A kind's place in the bit set.
fn bit(kind: Kind) -> u32 {
    1 << (kind as u32)
}
