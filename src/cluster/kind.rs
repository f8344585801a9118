//! What the cockpit caches and hears about: the kinds background tasks
//! report changes of.

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Deployments,
    ReplicaSets,
    Pods,
    Hpas,
    Events,
    Services,
    EndpointSlices,
    /// Not watched: polled from metrics.k8s.io, which has no watch.
    Metrics,
    /// Not a resource: a watcher's health changed (error or recovery).
    Health,
}

impl Kind {
    pub const RESOURCES: [Kind; 7] = [
        Kind::Deployments,
        Kind::ReplicaSets,
        Kind::Pods,
        Kind::Hpas,
        Kind::Events,
        Kind::Services,
        Kind::EndpointSlices,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Kind::Deployments => "deployments",
            Kind::ReplicaSets => "replicasets",
            Kind::Pods => "pods",
            Kind::Hpas => "horizontalpodautoscalers",
            Kind::Events => "events",
            Kind::Services => "services",
            Kind::EndpointSlices => "endpointslices",
            Kind::Metrics => "metrics",
            Kind::Health => "health",
        }
    }
}
