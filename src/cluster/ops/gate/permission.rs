//! May we? Access checks by SelfSubjectAccessReview, cached briefly, and
//! read-only mode, which says no to everything but reading.

use std::time::{Duration, Instant};

use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use kube::api::PostParams;
use kube::Api;

use super::Gate;
use crate::cluster::ops::errors::OpError;
use crate::cluster::ops::fetch::timed;
use crate::model::sanitize::clean;

/// How long a permission answer is trusted: long enough that drawing a
/// panel does not hammer the API server, short enough that a RoleBinding
/// just granted shows up within half a minute.
pub const PERMISSION_TTL: Duration = Duration::from_secs(30);

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Permission {
    Allowed,
    /// Shown disabled, with this reason.
    Denied(String),
    /// The check itself failed (not served, timed out): the action stays
    /// enabled and the server's own answer decides.
    Unknown(String),
}

impl Permission {
    pub fn allows(&self) -> bool {
        !matches!(self, Permission::Denied(_))
    }

    pub fn reason(&self) -> Option<&str> {
        match self {
            Permission::Allowed => None,
            Permission::Denied(r) | Permission::Unknown(r) => Some(r),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) struct PermKey {
    verb: String,
    group: String,
    resource: String,
    subresource: String,
    namespace: String,
}

impl Gate {
    /// Drops cached permission answers (after a context or RBAC change).
    pub fn forget_permissions(&self) {
        if let Ok(mut m) = self.permissions.lock() {
            m.clear();
        }
    }

    /// May we `verb` `resource` (in `group`) in `ns`? Read-only mode says no
    /// to everything but reading.
    pub async fn can(&self, verb: &str, group: &str, resource: &str, ns: &str) -> Permission {
        self.can_sub(verb, group, resource, "", ns).await
    }

    pub async fn can_sub(
        &self,
        verb: &str,
        group: &str,
        resource: &str,
        subresource: &str,
        ns: &str,
    ) -> Permission {
        let reading = matches!(verb, "get" | "list" | "watch");
        if self.readonly && !reading {
            return Permission::Denied("read-only mode (--readonly)".into());
        }
        let key = PermKey {
            verb: verb.into(),
            group: group.into(),
            resource: resource.into(),
            subresource: subresource.into(),
            namespace: ns.into(),
        };
        if let Some(p) = self.cached(&key) {
            return p;
        }
        let answer = self.review(&key).await;
        if !matches!(answer, Permission::Unknown(_)) {
            if let Ok(mut m) = self.permissions.lock() {
                m.insert(key, (Instant::now(), answer.clone()));
            }
        }
        answer
    }

    fn cached(&self, key: &PermKey) -> Option<Permission> {
        let m = self.permissions.lock().ok()?;
        let (at, p) = m.get(key)?;
        (at.elapsed() < self.ttl).then(|| p.clone())
    }

    async fn review(&self, key: &PermKey) -> Permission {
        let review = SelfSubjectAccessReview {
            spec: SelfSubjectAccessReviewSpec {
                resource_attributes: Some(ResourceAttributes {
                    verb: Some(key.verb.clone()),
                    group: Some(key.group.clone()),
                    resource: Some(key.resource.clone()),
                    subresource: (!key.subresource.is_empty()).then(|| key.subresource.clone()),
                    namespace: (!key.namespace.is_empty()).then(|| key.namespace.clone()),
                    ..Default::default()
                }),
                ..Default::default()
            },
            ..Default::default()
        };
        let api: Api<SelfSubjectAccessReview> = Api::all(self.fetch.client.clone());
        let sent = timed(
            "permission check",
            self.fetch.timeout,
            api.create(&PostParams::default(), &review),
        )
        .await;
        let resource = match (key.group.as_str(), key.subresource.as_str()) {
            ("", "") => key.resource.clone(),
            ("", sub) => format!("{}/{sub}", key.resource),
            (g, "") => format!("{}.{g}", key.resource),
            (g, sub) => format!("{}.{g}/{sub}", key.resource),
        };
        match sent {
            Ok(r) => {
                let status = r.status.unwrap_or_default();
                if status.allowed {
                    return Permission::Allowed;
                }
                let mut why = format!(
                    "{} may not {} {resource} in namespace \"{}\"",
                    self.identity.who(),
                    key.verb,
                    key.namespace
                );
                let extra = status
                    .reason
                    .or(status.evaluation_error)
                    .filter(|r| !r.is_empty());
                if let Some(r) = extra {
                    why.push_str(&format!(" ({})", clean(&r)));
                }
                Permission::Denied(why)
            }
            Err(OpError::NotFound(_)) => Permission::Unknown(
                "this cluster does not answer permission checks; the server will decide".into(),
            ),
            Err(e) => Permission::Unknown(format!("permission not checked: {e}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_reasons() {
        assert!(Permission::Unknown("x".into()).allows());
        assert!(!Permission::Denied("no".into()).allows());
        assert_eq!(Permission::Denied("no".into()).reason(), Some("no"));
        assert_eq!(Permission::Allowed.reason(), None);
    }
}
