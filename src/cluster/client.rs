//! From a kubeconfig to a checked connection, like kubectl picks one.
//!
//! Every failure here becomes one clear line for the operator: which file,
//! which context, which server, and what the server (or the network) said.

use std::path::PathBuf;
use std::time::Duration;

use kube::config::{ExecInteractiveMode, KubeConfigOptions, Kubeconfig, KubeconfigError};
use kube::{Client, Config};

#[derive(Clone, Debug, Default)]
pub struct ConnectOptions {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    pub namespace: Option<String>,
}

#[derive(Clone)]
pub struct Connection {
    pub client: Client,
    pub context: String,
    pub cluster_url: String,
    /// `-n`, else the context's namespace, else `default`.
    pub namespace: String,
    pub server_version: String,
    /// Every context in the kubeconfig, for `:ctx`.
    pub contexts: Vec<String>,
}

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
    #[error("cannot reach the API server at {url} (context \"{context}\"): {reason}")]
    Unreachable {
        url: String,
        context: String,
        reason: String,
    },
}

/// How long we wait for `/version` before calling a server unreachable.
const PROBE_TIMEOUT: Duration = Duration::from_secs(8);

pub async fn connect(opts: &ConnectOptions) -> Result<Connection, ConnectError> {
    let kubeconfig = load_kubeconfig(opts)?;
    let contexts: Vec<String> = kubeconfig.contexts.iter().map(|c| c.name.clone()).collect();
    let available = kubeconfig
        .contexts
        .iter()
        .map(|c| c.name.clone())
        .collect::<Vec<_>>()
        .join(", ");
    let context = match opts
        .context
        .clone()
        .or_else(|| kubeconfig.current_context.clone())
    {
        Some(name) => name,
        None => return Err(ConnectError::NoContext { available }),
    };
    let named = kubeconfig.contexts.iter().find(|c| c.name == context);
    let Some(named) = named else {
        return Err(ConnectError::UnknownContext {
            name: context,
            available,
        });
    };
    let context_namespace = named.context.as_ref().and_then(|c| c.namespace.clone());

    let kube_opts = KubeConfigOptions {
        context: Some(context.clone()),
        ..Default::default()
    };
    let mut config = Config::from_custom_kubeconfig(kubeconfig, &kube_opts)
        .await
        .map_err(|e| ConnectError::BadContext {
            context: context.clone(),
            reason: one_line(&e),
        })?;
    // kube's default retry repeats a 429/503/504 up to 15 times over
    // minutes, silently: a watch would hang instead of failing, and the
    // header could not say the data is stale. Watchers, log streams and the
    // metrics poll each back off and report on their own; writes report to
    // the operator, who may retry.
    config.default_retry = false;
    let cluster_url = config.cluster_url.to_string();
    // An exec credential plugin may talk to the operator (a login prompt)
    // while we connect, before the screen is ours. Later refreshes happen
    // while the cockpit owns the terminal: they must not write to it, so the
    // client kept for the session runs the plugin non-interactively (its
    // stderr captured, never inherited).
    let mut quiet = config.clone();
    if let Some(exec) = quiet.auth_info.exec.as_mut() {
        exec.interactive_mode = Some(ExecInteractiveMode::Never);
    }
    let bad_context = |e: kube::Error| ConnectError::BadContext {
        context: context.clone(),
        reason: one_line(&e),
    };
    let client = Client::try_from(config).map_err(bad_context)?;
    let session_client = Client::try_from(quiet).map_err(bad_context)?;

    let unreachable = |reason: String| ConnectError::Unreachable {
        url: cluster_url.clone(),
        context: context.clone(),
        reason,
    };
    let version = match tokio::time::timeout(PROBE_TIMEOUT, client.apiserver_version()).await {
        Ok(Ok(info)) => info.git_version,
        Ok(Err(e)) => return Err(unreachable(one_line(&e))),
        Err(_) => {
            return Err(unreachable(format!(
                "no answer within {}s",
                PROBE_TIMEOUT.as_secs()
            )))
        }
    };

    let namespace = opts
        .namespace
        .clone()
        .or(context_namespace)
        .unwrap_or_else(|| "default".into());
    Ok(Connection {
        client: session_client,
        context,
        cluster_url,
        namespace,
        server_version: version,
        contexts,
    })
}

fn load_kubeconfig(opts: &ConnectOptions) -> Result<Kubeconfig, ConnectError> {
    let result = match &opts.kubeconfig {
        Some(path) => {
            if !path.exists() {
                return Err(ConnectError::BadKubeconfig {
                    path: path.display().to_string(),
                    reason: "no such file".into(),
                });
            }
            Kubeconfig::read_from(path)
        }
        None => Kubeconfig::read(),
    };
    result.map_err(|e| match e {
        KubeconfigError::FindPath => ConnectError::NoKubeconfig,
        KubeconfigError::ReadConfig(io, path) if io.kind() == std::io::ErrorKind::NotFound => {
            if opts.kubeconfig.is_none()
                && std::env::var_os("KUBECONFIG").is_none_or(|v| v.is_empty())
            {
                ConnectError::NoKubeconfig
            } else {
                ConnectError::BadKubeconfig {
                    path: path.display().to_string(),
                    reason: "no such file".into(),
                }
            }
        }
        other => ConnectError::BadKubeconfig {
            path: opts
                .kubeconfig
                .as_ref()
                .map(|p| p.display().to_string())
                .or_else(|| std::env::var("KUBECONFIG").ok())
                .unwrap_or_else(|| "~/.kube/config".into()),
            reason: one_line(&other),
        },
    })
}

/// Joins an error and its sources into one line: the operator sees the cause
/// ("connection refused") and not only the wrapper ("client error"). Errors
/// carry the server's own text (a Status message), so the line is cleaned
/// like any other cluster text.
pub fn one_line(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = vec![err.to_string()];
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    let joined = parts.join(": ");
    let line = joined.split_whitespace().collect::<Vec<_>>().join(" ");
    crate::model::sanitize::clean(&line).into_owned()
}
