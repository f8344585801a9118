//! Why a change did not happen, in one line the operator can act on. Each
//! API status the write side meets (403, 404, 409, 422, timeouts) has its
//! own variant carrying the server's own words, sanitized: a Status message
//! is cluster text like any other.

use std::time::Duration;

use crate::cluster::client::one_line;
use crate::model::sanitize::clean;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OpError {
    #[error("read-only mode: kockpit was started with --readonly")]
    ReadOnly,
    /// 403, or a SelfSubjectAccessReview that said no.
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("not found: {0}")]
    NotFound(String),
    /// 409: someone changed the object since it was read.
    #[error("conflict: {0} — reload and retry")]
    Conflict(String),
    /// 422 (or 400): the server refused the content.
    #[error("invalid: {0}")]
    Invalid(String),
    #[error("timed out: {0}")]
    Timeout(String),
    /// kockpit (or kubectl's rules) refused before sending anything: bad
    /// input, a paused Deployment, a slot that is not ready.
    #[error("{0}")]
    Refused(String),
    /// Anything else the server or the network said.
    #[error("{0}")]
    Server(String),
}

impl OpError {
    /// A 409 can be retried after reloading; so can a timeout.
    pub fn retryable(&self) -> bool {
        matches!(self, OpError::Conflict(_) | OpError::Timeout(_))
    }

    /// A short word for the journal's result field.
    pub fn kind(&self) -> &'static str {
        match self {
            OpError::ReadOnly => "read-only",
            OpError::Forbidden(_) => "forbidden",
            OpError::NotFound(_) => "not found",
            OpError::Conflict(_) => "conflict",
            OpError::Invalid(_) => "invalid",
            OpError::Timeout(_) => "timeout",
            OpError::Refused(_) => "refused",
            OpError::Server(_) => "error",
        }
    }

    pub fn refused(text: impl Into<String>) -> Self {
        OpError::Refused(clean(&text.into()).into_owned())
    }

    /// Classifies a client error. `what` names the object (`deployment
    /// shop/api`) for errors where the server's message would not.
    pub fn from_kube(e: &kube::Error, what: &str) -> Self {
        match e {
            kube::Error::Api(s) => {
                let message = clean(one_line_text(&s.message).as_str()).into_owned();
                let message = if message.is_empty() {
                    format!("{} {}", s.code, s.reason)
                } else {
                    message
                };
                from_status(s.code, &s.reason, &message, what)
            }
            other => {
                let text = clean(&one_line(other)).into_owned();
                let lower = text.to_ascii_lowercase();
                if lower.contains("timed out")
                    || lower.contains("timeout")
                    || lower.contains("deadline")
                {
                    OpError::Timeout(format!("{what}: {text}"))
                } else {
                    OpError::Server(format!("{what}: {text}"))
                }
            }
        }
    }

    /// A call that got no answer within `after`.
    pub fn timed_out(what: &str, after: Duration) -> Self {
        OpError::Timeout(format!(
            "no answer from the API server within {}s ({what}); the change may or may not have been made — reload to see",
            after.as_secs()
        ))
    }
}

/// A verb's refusal (already sanitized) is the gate's refusal.
impl From<crate::model::verbs::Refused> for OpError {
    fn from(r: crate::model::verbs::Refused) -> Self {
        OpError::Refused(r.0)
    }
}

fn one_line_text(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn from_status(code: u16, reason: &str, message: &str, what: &str) -> OpError {
    match (code, reason) {
        (403, _) => OpError::Forbidden(message.to_string()),
        (404, _) => OpError::NotFound(message.to_string()),
        (409, _) => OpError::Conflict(format!("{what} was changed by someone else ({message})")),
        (422, _) | (400, _) => {
            // A failed JSON patch `test` of the resourceVersion is how some
            // servers report a stale read: it is a conflict, not bad input.
            if message.contains("/metadata/resourceVersion") && message.contains("test") {
                OpError::Conflict(format!("{what} was changed by someone else ({message})"))
            } else {
                OpError::Invalid(message.to_string())
            }
        }
        (504, _) | (_, "Timeout") => OpError::Timeout(format!("{what}: {message}")),
        _ => OpError::Server(format!("{what}: {message} ({code})")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: u16, reason: &str, message: &str) -> kube::Error {
        kube::Error::Api(
            kube::core::Status::failure(message, reason)
                .with_code(code)
                .boxed(),
        )
    }

    #[test]
    fn each_status_has_its_variant_and_keeps_the_servers_words() {
        let what = "deployment shop/api";
        let e = OpError::from_kube(
            &api(
                403,
                "Forbidden",
                "deployments.apps \"api\" is forbidden: User \"eve\" cannot patch",
            ),
            what,
        );
        assert_eq!(
            e.to_string(),
            "forbidden: deployments.apps \"api\" is forbidden: User \"eve\" cannot patch"
        );
        let e = OpError::from_kube(
            &api(404, "NotFound", "deployments.apps \"x\" not found"),
            what,
        );
        assert_eq!(
            e,
            OpError::NotFound("deployments.apps \"x\" not found".into())
        );
        let e = OpError::from_kube(
            &api(409, "Conflict", "Operation cannot be fulfilled on deployments.apps \"api\": the object has been modified"),
            what,
        );
        assert!(e.retryable());
        assert_eq!(
            e.to_string(),
            "conflict: deployment shop/api was changed by someone else (Operation cannot be fulfilled on deployments.apps \"api\": the object has been modified) — reload and retry"
        );
        let e = OpError::from_kube(
            &api(
                422,
                "Invalid",
                "Deployment.apps \"api\" is invalid: spec.replicas: Invalid value: -1",
            ),
            what,
        );
        assert!(matches!(&e, OpError::Invalid(m) if m.contains("spec.replicas")));
        assert!(!e.retryable());
        let e = OpError::from_kube(
            &api(
                422,
                "Invalid",
                "testing value /metadata/resourceVersion failed: test failed",
            ),
            what,
        );
        assert!(matches!(e, OpError::Conflict(_)));
        let e = OpError::from_kube(&api(504, "Timeout", "request timed out"), what);
        assert!(matches!(e, OpError::Timeout(_)));
        let e = OpError::from_kube(&api(500, "InternalError", ""), what);
        assert_eq!(
            e.to_string(),
            "deployment shop/api: 500 InternalError (500)"
        );
    }

    #[test]
    fn server_text_is_sanitized_and_one_line() {
        let e = OpError::from_kube(&api(422, "Invalid", "bad\x1b]0;pwn\x07\n  value"), "x");
        assert_eq!(e, OpError::Invalid("bad\u{FFFD} value".into()));
        assert_eq!(
            OpError::refused("no\x1b[2J"),
            OpError::Refused("no\u{FFFD}".into())
        );
    }

    #[test]
    fn timeouts_say_the_outcome_is_unknown() {
        let e = OpError::timed_out("patch deployment shop/api", Duration::from_secs(15));
        assert!(e.to_string().contains("within 15s"));
        assert!(e.retryable());
        assert_eq!(e.kind(), "timeout");
    }
}
