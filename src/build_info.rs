//! What `--version` says: the crate version, the commit it was built from
//! and the Kubernetes API version it speaks (set by build.rs).

/// `0.1.0 (commit 1a2b3c4d5e6f, Kubernetes API v1.34)`.
pub const VERSION: &str = env!("KOCKPIT_VERSION");
