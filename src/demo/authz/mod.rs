//! Who is asking, and may they: bearer-token authentication for the demo
//! kubeconfig's restricted user, and the one policy ([`Policy`], the
//! server's `Authorizer`) that both the request handler (403s) and
//! `SelfSubjectAccessReview` answer from, so the two can never disagree.
//!
//! Requests without credentials are the demo's administrator, as before:
//! the server listens on loopback only. A wrong token is a 401, as on a
//! real API server.

pub mod authn;
pub mod policy;

pub use authn::Auth;
pub use policy::Policy;

/// The restricted user, its kubeconfig context and its home namespace.
pub const RESTRICTED_USER: &str = "demo-restricted";
pub const RESTRICTED_CONTEXT: &str = "kockpit-demo-restricted";
pub const RESTRICTED_NAMESPACE: &str = "shop";
/// Where the restricted user may read but not change anything.
pub const PROTECTED_NAMESPACE: &str = "shop";
/// Who a request without credentials is.
pub const ADMIN_USER: &str = "kubernetes-admin";
