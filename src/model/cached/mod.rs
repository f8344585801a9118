//! The pod as the cache keeps it. At 10,000 pods the cache is most of the
//! cockpit's memory, and k8s-openapi's `Pod` costs kilobytes per pod even
//! with every unread field `None` (a `Container` alone is ~2 KB of empty
//! `Option`s). These types mirror k8s-openapi's names, nesting and
//! `Option`-ness, but hold only what a screen or a derivation reads, so
//! code reads them exactly as it would read a k8s-openapi pod. Unknown
//! fields are skipped while parsing: the dropped parts are never allocated.
//!
//! Plain env values are not a field at all: a credential inlined in a pod
//! spec can never reach the cache or the screen. `metadata` stays
//! k8s-openapi's `ObjectMeta`, which kube's reflector needs, but only the
//! parts read of a pod are parsed into it (`metadata.rs`).
//!
//! Deployments and ReplicaSets keep k8s-openapi's types: their templates
//! are diffed whole.

mod container;
mod metadata;
mod nullable;
mod pod;
mod resource;
mod volume;

pub use container::{
    ConfigMapEnvSource, ConfigMapKeySelector, Container, ContainerState, ContainerStateRunning,
    ContainerStateTerminated, ContainerStateWaiting, ContainerStatus, EnvFromSource, EnvVar,
    EnvVarSource, SecretEnvSource, SecretKeySelector, VolumeMount,
};
pub use pod::{Pod, PodCondition, PodSpec, PodStatus};
pub use volume::{
    ConfigMapProjection, ConfigMapVolumeSource, KeyToPath, Present, ProjectedVolumeSource,
    SecretProjection, SecretVolumeSource, Volume, VolumeProjection,
};

#[cfg(test)]
mod tests;
