//! How connecting fails, in words the operator can act on, shared by the
//! kubeconfig loader, the flag overrides and the client (which would
//! otherwise import each other).

use super::error_text;

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(
        "no kubeconfig found: set KUBECONFIG, pass --kubeconfig PATH, or try `kockpit --demo`"
    )]
    NoKubeconfig,
    #[error("cannot read kubeconfig {path}: {reason}")]
    BadKubeconfig { path: String, reason: String },
    #[error("kubeconfig has no current context: pass --context NAME (available: {available})")]
    NoContext { available: String },
    #[error("context \"{name}\" not found in kubeconfig (available: {available})")]
    UnknownContext { name: String, available: String },
    #[error("cannot use context \"{context}\": {reason}")]
    BadContext { context: String, reason: String },
    #[error("{what} \"{name}\" not found in kubeconfig (available: {available})")]
    UnknownEntry {
        what: &'static str,
        name: String,
        available: String,
    },
    #[error("cannot reach the API server at {url}{via} (context \"{context}\"): {reason}")]
    Unreachable {
        url: String,
        /// ` through the proxy http://p:3128 (HTTPS_PROXY)`, or nothing.
        via: String,
        context: String,
        reason: String,
    },
    /// The server answered, with an error: say what it answered.
    #[error("{answer} (API server {url}{via}, context \"{context}\"{tries})")]
    Answered {
        url: String,
        via: String,
        context: String,
        answer: String,
        /// `; 9 tries in 8s` when it was retried.
        tries: String,
    },
}

/// One line for the operator from any client error (see `error_text`),
/// cleaned like any other cluster text: errors carry the server's own text.
pub fn one_line(err: &(dyn std::error::Error + 'static)) -> String {
    let text = error_text::describe(err);
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    crate::model::sanitize::clean(&line).into_owned()
}
