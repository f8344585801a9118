//! Who the journal says made a change: the kubeconfig context's name and
//! its user entry's *name*. Only names are read from the kubeconfig; tokens,
//! certificates and exec plugins never leave it.

use std::path::Path;

use kube::config::Kubeconfig;

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Identity {
    pub user: String,
    pub context: String,
    /// `--as` (with groups and uid), when requests impersonate someone.
    pub impersonating: Option<String>,
}

impl Identity {
    /// The user entry `user` (`unknown` without one) of `context`, acting
    /// as `impersonating`.
    pub fn new(user: Option<&str>, context: &str, impersonating: Option<String>) -> Self {
        let user = user.filter(|u| !u.is_empty()).unwrap_or("unknown");
        Identity {
            user: crate::model::sanitize::clean(user).into_owned(),
            context: crate::model::sanitize::clean(context).into_owned(),
            impersonating: impersonating.map(|i| crate::model::sanitize::clean(&i).into_owned()),
        }
    }

    /// Who a change is made by, as the journal records it: `alice`, or
    /// `alice as bob (groups: dev)` while impersonating.
    pub fn who(&self) -> String {
        match &self.impersonating {
            Some(other) => format!("{} as {other}", self.user),
            None => self.user.clone(),
        }
    }

    /// The user of `context` in `kc`; `unknown` when the context names none.
    pub fn from_kubeconfig(kc: &Kubeconfig, context: &str) -> Self {
        let user = kc
            .contexts
            .iter()
            .find(|c| c.name == context)
            .and_then(|c| c.context.as_ref())
            .and_then(|c| c.user.clone());
        Self::new(user.as_deref(), context, None)
    }

    /// Reads the kubeconfig kockpit connected with (`path`, else the
    /// merged KUBECONFIG or the default file) for the user of `context`.
    pub fn load(path: Option<&Path>, context: &str) -> Self {
        match crate::cluster::kubeconfig::load(path) {
            Ok(kc) => Self::from_kubeconfig(&kc, context),
            Err(_) => Self::new(None, context, None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_only() {
        let kc: Kubeconfig = serde_json::from_value(serde_json::json!({
            "apiVersion": "v1", "kind": "Config",
            "clusters": [{"name": "c", "cluster": {"server": "https://x"}}],
            "users": [{"name": "alice", "user": {"token": "s3cret"}}],
            "contexts": [
                {"name": "prod", "context": {"cluster": "c", "user": "alice"}},
                {"name": "anon", "context": {"cluster": "c"}}
            ]
        }))
        .unwrap();
        let id = Identity::from_kubeconfig(&kc, "prod");
        assert_eq!(
            id,
            Identity {
                user: "alice".into(),
                context: "prod".into(),
                impersonating: None,
            }
        );
        let as_bob = Identity::new(Some("alice"), "prod", Some("bob (groups: ops)".into()));
        assert_eq!(as_bob.who(), "alice as bob (groups: ops)");
        assert_eq!(Identity::from_kubeconfig(&kc, "anon").user, "unknown");
        assert!(!format!("{id:?}").contains("s3cret"));
    }
}
