//! From a kubeconfig to a checked connection, like kubectl picks one.
//!
//! Every failure here becomes one clear line for the operator: which file,
//! which context, which server, and what the server (or the network) said.

use std::path::PathBuf;
use std::time::Duration;

use kube::client::ClientBuilder;
use kube::config::{AuthInfo, ExecConfig, KubeConfigOptions, Kubeconfig, KubeconfigError};
use kube::{Client, Config};

use super::error_text;
use super::exec_auth::ExecAuth;
use super::exec_plugin::{self, RunOptions};

#[derive(Clone, Debug, Default)]
pub struct ConnectOptions {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    pub namespace: Option<String>,
    /// kockpit is starting: the terminal is still the operator's, so a
    /// credential plugin may prompt and slow steps are announced on stderr.
    /// Off for `:ctx`, which connects while the cockpit owns the screen.
    pub at_start: bool,
    /// How long a credential plugin may run ([`EXEC_TIMEOUT`] if unset).
    pub exec_timeout: Option<Duration>,
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
/// A credential plugin's deadline: long enough for a login in a browser,
/// short enough that a hung plugin does not look like a hung kockpit.
pub const EXEC_TIMEOUT: Duration = Duration::from_secs(120);

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
    let bad_context = |reason: String| ConnectError::BadContext {
        context: context.clone(),
        reason,
    };

    // A credential plugin runs here, once, under our deadline; kube never
    // sees the exec entry (see exec_plugin for why).
    let mut exec_auth = None;
    if let Some(exec) = plugin_kube_would_run(&mut config.auth_info) {
        let deadline = opts.exec_timeout.unwrap_or(EXEC_TIMEOUT);
        let run = RunOptions {
            at_start: opts.at_start,
            deadline,
        };
        let credential = exec_plugin::run(&exec, run)
            .await
            .map_err(|e| bad_context(e.to_string()))?;
        if let (Some(cert), Some(key)) = (&credential.client_certificate, &credential.client_key) {
            use crate::demo::base64::encode;
            config.auth_info.client_certificate_data = Some(encode(cert.as_bytes()));
            config.auth_info.client_key_data =
                Some(secrecy::SecretString::from(encode(key.expose().as_bytes())));
        }
        exec_auth = ExecAuth::start(exec, &credential, deadline);
    }
    let builder = ClientBuilder::try_from(config).map_err(|e| bad_context(one_line(&e)))?;
    let client = match exec_auth {
        Some(auth) => builder.with_layer(&auth.layer()).build(),
        None => builder.build(),
    };

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
        client,
        context,
        cluster_url,
        namespace,
        server_version: version,
        contexts,
    })
}

/// Takes the exec entry out of `auth` when it is the credential kube would
/// use (its order: auth-provider, basic, token, token file, then exec).
fn plugin_kube_would_run(auth: &mut AuthInfo) -> Option<ExecConfig> {
    let other = auth.auth_provider.is_some()
        || (auth.username.is_some() && auth.password.is_some())
        || auth.token.is_some()
        || auth.token_file.is_some();
    if other {
        return None;
    }
    auth.exec.take()
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

/// One line for the operator from any client error (see `error_text`),
/// cleaned like any other cluster text: errors carry the server's own text.
pub fn one_line(err: &(dyn std::error::Error + 'static)) -> String {
    let text = error_text::describe(err);
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    crate::model::sanitize::clean(&line).into_owned()
}
