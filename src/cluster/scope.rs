//! Where the cockpit looks: one namespace or all of them, for the watchers
//! and the metrics poller alike.

/// Which objects the watchers see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    All,
    Namespace(String),
}
