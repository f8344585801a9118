//! Who the journal says made a change: the kubeconfig context's name and
//! its user entry's *name*. Only names are read from the kubeconfig; tokens,
//! certificates and exec plugins never leave it.

use std::path::Path;

use kube::config::Kubeconfig;

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Identity {
    pub user: String,
    pub context: String,
}

impl Identity {
    /// The user of `context` in `kc`; `unknown` when the context names none.
    pub fn from_kubeconfig(kc: &Kubeconfig, context: &str) -> Self {
        let user = kc
            .contexts
            .iter()
            .find(|c| c.name == context)
            .and_then(|c| c.context.as_ref())
            .and_then(|c| c.user.clone())
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| "unknown".into());
        Identity {
            user: crate::model::sanitize::clean(&user).into_owned(),
            context: crate::model::sanitize::clean(context).into_owned(),
        }
    }

    /// Reads the kubeconfig kockpit connected with (`path`, else the
    /// default lookup) for the user of `context`.
    pub fn load(path: Option<&Path>, context: &str) -> Self {
        let kc = match path {
            Some(p) => Kubeconfig::read_from(p),
            None => Kubeconfig::read(),
        };
        match kc {
            Ok(kc) => Self::from_kubeconfig(&kc, context),
            Err(_) => Identity {
                user: "unknown".into(),
                context: crate::model::sanitize::clean(context).into_owned(),
            },
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
                context: "prod".into()
            }
        );
        assert_eq!(Identity::from_kubeconfig(&kc, "anon").user, "unknown");
        assert!(!format!("{id:?}").contains("s3cret"));
    }
}
