//! The bearer token an exec plugin handed over, put on every request, and
//! renewed in the background by running the plugin again (never
//! interactively: by then the cockpit owns the terminal) a minute before
//! the plugin said it expires. Requests never wait for a plugin; once the
//! token has expired and renewing it failed, they fail with the plugin's
//! error, which the views show as they show any failing request.

use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;

use chrono::{DateTime, Utc};
use http::header::AUTHORIZATION;
use http::{HeaderValue, Request};
use kube::config::ExecConfig;

use super::exec_plugin::{self, Credential, RunOptions, Secret};

/// Renew this long before the plugin's expiry, as client-go and kube-rs do,
/// so a request never leaves with a token about to lapse.
const RENEW_AHEAD: chrono::Duration = chrono::Duration::seconds(60);
/// After a failed renewal, try again this much later.
const RETRY_AFTER: Duration = Duration::from_secs(10);

/// The credential could not be renewed; says why (the plugin's error).
#[derive(Clone, Debug, thiserror::Error)]
#[error("{0}")]
pub struct CredentialError(String);

#[derive(Clone)]
pub struct ExecAuth {
    shared: Arc<RwLock<Current>>,
}

struct Current {
    header: HeaderValue,
    expires: Option<DateTime<Utc>>,
    /// Why the last renewal failed, while it has not succeeded since.
    failed: Option<String>,
}

impl ExecAuth {
    /// `None` when the credential holds no token (a client certificate is
    /// used by the TLS layer instead). A token with an expiry gets a
    /// renewing task, which ends with the last client holding this.
    pub fn start(exec: ExecConfig, credential: &Credential, deadline: Duration) -> Option<Self> {
        let header = bearer(credential.token.as_ref()?)?;
        let auth = ExecAuth {
            shared: Arc::new(RwLock::new(Current {
                header,
                expires: credential.expires,
                failed: None,
            })),
        };
        if let Some(expires) = credential.expires {
            tokio::spawn(renew(Arc::downgrade(&auth.shared), exec, expires, deadline));
        }
        Some(auth)
    }

    fn authorize(
        &self,
        mut req: Request<kube::client::Body>,
    ) -> Result<Request<kube::client::Body>, CredentialError> {
        let current = self
            .shared
            .read()
            .map_err(|_| CredentialError("the credential store is broken".into()))?;
        let expired = current.expires.is_some_and(|e| Utc::now() >= e);
        if let (true, Some(why)) = (expired, &current.failed) {
            return Err(CredentialError(why.clone()));
        }
        req.headers_mut()
            .insert(AUTHORIZATION, current.header.clone());
        Ok(req)
    }

    /// The layer for kube's client stack.
    pub fn layer(
        self,
    ) -> tower::filter::FilterLayer<
        impl Fn(Request<kube::client::Body>) -> Result<Request<kube::client::Body>, CredentialError>
            + Clone,
    > {
        tower::filter::FilterLayer::new(move |req| self.authorize(req))
    }
}

async fn renew(
    shared: Weak<RwLock<Current>>,
    exec: ExecConfig,
    mut expires: DateTime<Utc>,
    deadline: Duration,
) {
    let run = RunOptions {
        at_start: false,
        deadline,
    };
    let mut wait = until(expires - RENEW_AHEAD);
    loop {
        tokio::time::sleep(wait).await;
        if shared.strong_count() == 0 {
            return;
        }
        let result = exec_plugin::run(&exec, run).await;
        let Some(shared) = shared.upgrade() else {
            return;
        };
        let Ok(mut current) = shared.write() else {
            return;
        };
        let fresh = result.map_err(|e| e.to_string()).and_then(|c| {
            let header = c.token.as_ref().and_then(bearer).ok_or_else(|| {
                "the credential plugin renewed the token with a client certificate, which needs a new connection (:ctx)".to_string()
            })?;
            Ok((header, c.expires))
        });
        match fresh {
            Ok((header, next)) => {
                current.header = header;
                current.expires = next;
                current.failed = None;
                let Some(next) = next else { return };
                expires = next;
                wait = until(expires - RENEW_AHEAD);
            }
            Err(why) => {
                tracing::warn!("credential renewal failed: {why}");
                current.failed = Some(why);
                wait = RETRY_AFTER;
            }
        }
    }
}

fn until(when: DateTime<Utc>) -> Duration {
    (when - Utc::now()).to_std().unwrap_or_default()
}

/// The header, marked sensitive so nothing in the stack logs it. The
/// plugin's output was checked to fit a header when it was read.
fn bearer(token: &Secret) -> Option<HeaderValue> {
    let mut value = HeaderValue::from_str(&format!("Bearer {}", token.expose())).ok()?;
    value.set_sensitive(true);
    Some(value)
}
