//! kubectl's connection flags applied as client-go applies them: the
//! cluster ones to the kubeconfig's cluster entry before it is loaded, the
//! user ones to the loaded credentials, each replacing what the kubeconfig
//! says (a CA file replaces CA data, `--insecure-skip-tls-verify` without a
//! CA drops the kubeconfig's CA, `--server` drops its tls-server-name unless
//! one is given too, a certificate file replaces certificate data).

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use kube::config::{AuthInfo, Kubeconfig};

use super::connect_error::ConnectError;

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

/// kubectl's connection flags, with kubectl's meaning: each overrides
/// what the kubeconfig says for this run.
#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "Connection (kubectl's flags)")]
pub struct ConnectionFlags {
    /// Username to impersonate for the operation (a user or a service
    /// account); shown in the header and recorded in the journal.
    #[arg(long = "as", value_name = "USER")]
    pub impersonate: Option<String>,

    /// Group to impersonate (repeatable); needs --as.
    #[arg(long = "as-group", value_name = "GROUP")]
    pub impersonate_groups: Vec<String>,

    /// UID to impersonate; needs --as.
    #[arg(long = "as-uid", value_name = "UID")]
    pub impersonate_uid: Option<String>,

    /// The kubeconfig cluster to use (instead of the context's).
    #[arg(long, value_name = "NAME", add = super::completions::clusters())]
    pub cluster: Option<String>,

    /// The kubeconfig user to use (instead of the context's).
    #[arg(long, value_name = "NAME", add = super::completions::users())]
    pub user: Option<String>,

    /// How long connecting and the start-up check may take before kockpit
    /// gives up (e.g. 5s, 1m; default 8s; kubectl's 0 = no limit means the
    /// default here, so start-up never hangs).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub request_timeout: Option<Duration>,

    /// Do not check the server's certificate (insecure).
    #[arg(long)]
    pub insecure_skip_tls_verify: bool,

    /// A CA certificate file to check the server with.
    #[arg(long, value_name = "PATH")]
    pub certificate_authority: Option<PathBuf>,

    /// A client certificate file for TLS.
    #[arg(long, value_name = "PATH")]
    pub client_certificate: Option<PathBuf>,

    /// The client certificate's key file for TLS.
    #[arg(long, value_name = "PATH")]
    pub client_key: Option<PathBuf>,

    /// The API server's address and port.
    #[arg(long, short = 's', value_name = "URL")]
    pub server: Option<String>,

    /// The name to check the server's certificate against (instead of the
    /// server's host name).
    #[arg(long, value_name = "NAME")]
    pub tls_server_name: Option<String>,
}

/// A duration as kubectl's flags take one: Go's `1m30s`, `500ms`, `2h`, or
/// a bare number of seconds (`--request-timeout=5`).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let bad = || format!("{text:?} is not a duration (e.g. 30s, 2m, 1m30s, 500ms)");
    if let Ok(secs) = text.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    let mut rest = text;
    let mut total = 0f64;
    if rest.is_empty() {
        return Err(bad());
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(bad)?;
        let value: f64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(bad()),
        };
        rest = &rest[unit_len..];
        total += value * scale;
    }
    Duration::try_from_secs_f64(total).map_err(|_| bad())
}
