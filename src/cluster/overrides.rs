//! kubectl's connection flags applied as client-go applies them: the
//! cluster ones to the kubeconfig's cluster entry before it is loaded, the
//! user ones to the loaded credentials, each replacing what the kubeconfig
//! says (a CA file replaces CA data, `--insecure-skip-tls-verify` without a
//! CA drops the kubeconfig's CA, `--server` drops its tls-server-name unless
//! one is given too, a certificate file replaces certificate data).

use kube::config::{AuthInfo, Kubeconfig};

use super::client::ConnectError;
use crate::cli::ConnectionFlags;

/// The cluster and user entries a context resolves to under the flags.
pub struct Selection {
    pub cluster: Option<String>,
    pub user: Option<String>,
}

/// Which cluster and user `context` uses, `--cluster`/`--user` first;
/// names the flags give must exist.
pub fn select(
    kc: &Kubeconfig,
    context: &str,
    flags: &ConnectionFlags,
) -> Result<Selection, ConnectError> {
    let entry = kc
        .contexts
        .iter()
        .find(|c| c.name == context)
        .and_then(|c| c.context.as_ref());
    if let Some(name) = &flags.cluster {
        if !kc.clusters.iter().any(|c| &c.name == name) {
            return Err(ConnectError::UnknownEntry {
                what: "cluster",
                name: name.clone(),
                available: names(kc.clusters.iter().map(|c| &c.name)),
            });
        }
    }
    if let Some(name) = &flags.user {
        if !kc.auth_infos.iter().any(|u| &u.name == name) {
            return Err(ConnectError::UnknownEntry {
                what: "user",
                name: name.clone(),
                available: names(kc.auth_infos.iter().map(|u| &u.name)),
            });
        }
    }
    Ok(Selection {
        cluster: flags
            .cluster
            .clone()
            .or_else(|| entry.map(|c| c.cluster.clone())),
        user: flags
            .user
            .clone()
            .or_else(|| entry.and_then(|c| c.user.clone())),
    })
}

fn names<'a>(it: impl Iterator<Item = &'a String>) -> String {
    it.map(String::as_str).collect::<Vec<_>>().join(", ")
}

/// `--server`, `--certificate-authority`, `--insecure-skip-tls-verify`,
/// `--tls-server-name` on the cluster entry `name`.
pub fn apply_to_cluster(kc: &mut Kubeconfig, name: &str, flags: &ConnectionFlags) {
    let Some(cluster) = kc
        .clusters
        .iter_mut()
        .find(|c| c.name == name)
        .and_then(|c| c.cluster.as_mut())
    else {
        return;
    };
    if let Some(server) = &flags.server {
        cluster.server = Some(server.clone());
    }
    if flags.insecure_skip_tls_verify || flags.certificate_authority.is_some() {
        cluster.insecure_skip_tls_verify = Some(flags.insecure_skip_tls_verify);
        cluster.certificate_authority = flags
            .certificate_authority
            .as_ref()
            .map(|p| p.display().to_string());
        cluster.certificate_authority_data = None;
    }
    if flags.tls_server_name.is_some() || flags.server.is_some() {
        cluster.tls_server_name = flags.tls_server_name.clone();
    }
}

/// `--client-certificate`, `--client-key` and impersonation on the
/// loaded credentials.
pub fn apply_to_auth(auth: &mut AuthInfo, flags: &ConnectionFlags) -> Result<(), String> {
    if let Some(path) = &flags.client_certificate {
        auth.client_certificate = Some(path.display().to_string());
        auth.client_certificate_data = None;
    }
    if let Some(path) = &flags.client_key {
        auth.client_key = Some(path.display().to_string());
        auth.client_key_data = None;
    }
    if flags.impersonate.is_none()
        && (!flags.impersonate_groups.is_empty() || flags.impersonate_uid.is_some())
    {
        // kubectl: "requesting uid, groups or user-extra for ... without
        // impersonating a user".
        return Err("--as-group and --as-uid need --as (the user to impersonate)".into());
    }
    if let Some(user) = &flags.impersonate {
        auth.impersonate = Some(user.clone());
        auth.impersonate_groups =
            (!flags.impersonate_groups.is_empty()).then(|| flags.impersonate_groups.clone());
        auth.impersonate_uid = flags.impersonate_uid.clone();
    }
    Ok(())
}

/// "alice (groups: dev, ops; uid: 42)" while impersonating, for the header
/// and the journal.
pub fn impersonation(flags: &ConnectionFlags) -> Option<String> {
    let user = flags.impersonate.as_ref()?;
    let mut extra = Vec::new();
    if !flags.impersonate_groups.is_empty() {
        extra.push(format!("groups: {}", flags.impersonate_groups.join(", ")));
    }
    if let Some(uid) = &flags.impersonate_uid {
        extra.push(format!("uid: {uid}"));
    }
    let text = if extra.is_empty() {
        user.clone()
    } else {
        format!("{user} ({})", extra.join("; "))
    };
    Some(crate::model::sanitize::clean(&text).into_owned())
}
