//! From a kubeconfig to a checked connection, like kubectl picks one.
//!
//! Every failure here becomes one clear line for the operator: which file,
//! which context, which server, and what the server (or the network) said.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::{Duration, Instant};

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
    /// The server answered, with an error: say what it answered.
    #[error("{answer} (API server {url}, context \"{context}\"{tries})")]
    Answered {
        url: String,
        context: String,
        answer: String,
        /// `; 9 tries in 8s` when it was retried.
        tries: String,
    },
}

/// How long we wait for `/version` before calling a server unreachable;
/// transient failures are retried inside it.
const PROBE_TIMEOUT: Duration = Duration::from_secs(8);
/// A credential plugin's deadline: long enough for a login in a browser,
/// short enough that a hung plugin does not look like a hung kockpit.
pub const EXEC_TIMEOUT: Duration = Duration::from_secs(120);
/// First pause between probe attempts; doubles up to the cap.
const RETRY_FIRST: Duration = Duration::from_millis(100);
const RETRY_CAP: Duration = Duration::from_millis(1600);

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
    // the operator, who may retry; the start-up probe below retries within
    // its deadline.
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
            use base64::Engine as _;
            let encode = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
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

    let version = probe(&client, PROBE_TIMEOUT, opts.at_start)
        .await
        .map_err(|failure| failure.into_error(&cluster_url, &context))?;

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

/// Why the start-up probe gave up.
enum ProbeFailure {
    /// The server answered with an error (the last answer, if retried).
    Answered { answer: String, tries: String },
    /// No connection, or no answer at all.
    Unreachable { reason: String },
}

impl ProbeFailure {
    fn into_error(self, url: &str, context: &str) -> ConnectError {
        match self {
            ProbeFailure::Answered { answer, tries } => ConnectError::Answered {
                url: url.to_string(),
                context: context.to_string(),
                answer,
                tries,
            },
            ProbeFailure::Unreachable { reason } => ConnectError::Unreachable {
                url: url.to_string(),
                context: context.to_string(),
                reason,
            },
        }
    }
}

/// Asks for `/version` until it answers, retrying what may pass (5xx, 429,
/// a refused or dropped connection) with backoff until `deadline` runs out.
/// One 503 from a busy server must not end the start.
async fn probe(
    client: &Client,
    deadline: Duration,
    at_start: bool,
) -> Result<String, ProbeFailure> {
    let started = Instant::now();
    let give_up = started + deadline;
    let mut pause = RETRY_FIRST;
    let mut tries = 0u32;
    let mut announced = !(at_start && std::io::stderr().is_terminal());
    // The last transient failure, reported if the deadline ends the wait.
    let mut last: Option<kube::Error> = None;
    let error = loop {
        tries += 1;
        let left = give_up.saturating_duration_since(Instant::now());
        let error = match tokio::time::timeout(left, client.apiserver_version()).await {
            Ok(Ok(info)) => return Ok(info.git_version),
            Ok(Err(e)) => e,
            Err(_) => match last {
                Some(e) => {
                    tries -= 1;
                    break e;
                }
                None => {
                    return Err(ProbeFailure::Unreachable {
                        reason: format!("no answer within {}s", deadline.as_secs()),
                    })
                }
            },
        };
        let left = give_up.saturating_duration_since(Instant::now());
        if !transient(&error) || left < RETRY_FIRST {
            break error;
        }
        if !announced {
            announced = true;
            eprintln!(
                "kockpit: {}; retrying for up to {}s",
                one_line(&error),
                deadline.as_secs()
            );
        }
        tokio::time::sleep(pause.min(left)).await;
        pause = (pause * 2).min(RETRY_CAP);
        last = Some(error);
    };
    let said = one_line(&error);
    let note =
        (tries > 1).then(|| format!("{tries} tries in {:.0}s", started.elapsed().as_secs_f32()));
    Err(match (&error, note) {
        (kube::Error::Api(_), note) => ProbeFailure::Answered {
            answer: said,
            tries: note.map(|n| format!("; {n}")).unwrap_or_default(),
        },
        (_, Some(note)) => ProbeFailure::Unreachable {
            reason: format!("{said} ({note})"),
        },
        (_, None) => ProbeFailure::Unreachable { reason: said },
    })
}

/// Failures that may pass by themselves: a busy or restarting server
/// (5xx but 501/505, 429) or a connection refused, reset or dropped. A TLS
/// or DNS failure, a 401 or a 403 will not, and fail at once.
fn transient(e: &kube::Error) -> bool {
    if let kube::Error::Api(s) = e {
        return s.code == 429 || ((500..600).contains(&s.code) && s.code != 501 && s.code != 505);
    }
    use std::io::ErrorKind as K;
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            if matches!(
                io.kind(),
                K::ConnectionRefused
                    | K::ConnectionReset
                    | K::ConnectionAborted
                    | K::BrokenPipe
                    | K::UnexpectedEof
                    | K::NotConnected
            ) {
                return true;
            }
        }
        source = s.source();
    }
    false
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
