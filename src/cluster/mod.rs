//! Everything that talks to an API server: connecting, watching into caches,
//! and (later) log streams and mutations. Nothing here draws.

pub mod changes;
pub mod client;
pub mod completions;
mod connect_error;
mod error_text;
pub mod event_scope;
mod exec_auth;
pub mod exec_plugin;
pub mod intake;
pub mod kinds;
pub mod kubeconfig;
pub mod logs;
pub mod memory;
pub mod metrics;
pub mod ops;
pub mod overrides;
mod pod_intake;
mod pod_spec_text;
pub mod proxy;
pub mod scope;
pub mod secrets;
pub mod trim;
pub mod watch;

pub use client::{connect, ConnectError, ConnectOptions, Connection};
pub use kinds::Kind;
pub use watch::{Stores, WatchHealth, Watchers};
