//! The simulated control plane: deployment and replicaset controllers, a
//! scheduler plus kubelets for pods, and the garbage collector. They run as
//! one task that wakes on store changes and on its own timers (never on a
//! fixed frame), so an idle cluster costs nothing.

pub mod config_refs;
pub mod container;
pub mod deployment;
pub mod endpointslice;
pub mod gc;
pub mod hpa;
pub mod pod;
pub mod replicaset;
pub mod rollout;
pub mod rootca;
pub mod statefulset;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::clock::Clock;
use super::events::Recorder;
use super::registry::Registry;

/// What one controller pass did.
#[derive(Debug, Default, Clone, Copy)]
pub struct Pass {
    pub changed: bool,
    /// When something becomes due without any store change (a pod's next
    /// lifecycle step, minReadySeconds, a progress deadline).
    pub next_due: Option<Instant>,
}

impl Pass {
    pub fn merge(&mut self, other: Pass) {
        self.changed |= other.changed;
        self.next_due = match (self.next_due, other.next_due) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }

    pub fn due(&mut self, at: Instant) {
        self.merge(Pass {
            changed: false,
            next_due: Some(at),
        });
    }
}

pub struct Sim {
    registry: Arc<Registry>,
    clock: Arc<Clock>,
    /// One recorder for every controller, as the controller manager shares
    /// one broadcaster: repeats aggregate and the event count stays bounded
    /// across all of them.
    events: Recorder,
    kubelet: pod::Kubelet,
    autoscaler: hpa::Autoscaler,
}

impl Sim {
    pub fn new(registry: Arc<Registry>, clock: Arc<Clock>) -> Self {
        Sim {
            registry,
            clock,
            events: Recorder::default(),
            kubelet: pod::Kubelet::default(),
            autoscaler: hpa::Autoscaler::default(),
        }
    }

    /// The recorder the controllers report through.
    pub fn events(&self) -> &Recorder {
        &self.events
    }

    fn pass(&mut self) -> Pass {
        let mut pass = Pass::default();
        pass.merge(gc::sync(&self.registry));
        let (reg, clock, events) = (&self.registry, &self.clock, &self.events);
        pass.merge(deployment::sync_all(reg, clock, events));
        pass.merge(replicaset::sync_all(reg, clock, events));
        pass.merge(statefulset::sync_all(reg));
        pass.merge(self.kubelet.sync(reg, clock, events));
        pass.merge(self.autoscaler.sync(reg, clock, events));
        pass.merge(endpointslice::sync_all(&self.registry));
        pass.merge(rootca::sync(&self.registry));
        pass
    }

    /// Runs passes until nothing changes (bounded, in case of a bug that
    /// flip-flops a field).
    pub fn settle(&mut self, max_passes: usize) -> Pass {
        let mut last = Pass::default();
        for _ in 0..max_passes {
            last = self.pass();
            if !last.changed {
                break;
            }
        }
        last
    }

    pub fn spawn(mut self, mut shutdown: watch::Receiver<bool>) -> JoinHandle<()> {
        let mut changes = self.registry.store.subscribe();
        tokio::spawn(async move {
            loop {
                let pass = self.settle(20);
                let sleep_until = pass
                    .next_due
                    .unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
                tokio::select! {
                    _ = shutdown.changed() => break,
                    r = changes.recv() => match r {
                        Ok(_) | Err(RecvError::Lagged(_)) => {}
                        Err(RecvError::Closed) => break,
                    },
                    _ = tokio::time::sleep_until(sleep_until) => {}
                }
                if *shutdown.borrow() {
                    break;
                }
                // A client request usually comes with a burst of follow-up
                // changes: batch them into one pass.
                tokio::time::sleep(Duration::from_millis(15)).await;
                while let Ok(_) | Err(TryRecvError::Lagged(_)) = changes.try_recv() {}
            }
        })
    }
}
