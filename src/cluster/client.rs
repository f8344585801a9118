//! From a kubeconfig to a checked connection, like kubectl picks one.
//!
//! Every failure here becomes one clear line for the operator: which file,
//! which context, which server, and what the server (or the network) said.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use kube::client::ClientBuilder;
use kube::config::{AuthInfo, ExecConfig, KubeConfigOptions};
use kube::{Client, Config};

pub use super::connect_error::{one_line, ConnectError};
use super::exec_auth::ExecAuth;
use super::exec_plugin::{self, RunOptions};
use super::{kubeconfig, overrides, proxy};

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
    /// kubectl's connection flags (`--as`, `--server`, ...).
    pub flags: crate::cli::ConnectionFlags,
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
    /// The kubeconfig user entry in use (`--user`, else the context's).
    pub user: Option<String>,
    /// Who requests are made as with `--as`: "alice (groups: dev)".
    pub impersonating: Option<String>,
    /// The proxy requests go through, for messages: "http://proxy:3128
    /// (HTTPS_PROXY)".
    pub proxy: Option<String>,
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
    let mut kubeconfig = kubeconfig::load(opts.kubeconfig.as_deref())?;
    let contexts: Vec<String> = kubeconfig.contexts.iter().map(|c| c.name.clone()).collect();
    let available = contexts.join(", ");
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
    let flags = &opts.flags;
    let selected = overrides::select(&kubeconfig, &context, flags)?;
    if let Some(cluster) = &selected.cluster {
        overrides::apply_to_cluster(&mut kubeconfig, cluster, flags);
    }
    // client-go uses a cluster's proxy-url as it is; kube cannot say later
    // whether its proxy came from there or from the environment.
    let configured_proxy = selected.cluster.as_ref().and_then(|name| {
        kubeconfig
            .clusters
            .iter()
            .find(|c| &c.name == name)
            .and_then(|c| c.cluster.as_ref())
            .and_then(|c| c.proxy_url.clone())
    });

    let kube_opts = KubeConfigOptions {
        context: Some(context.clone()),
        cluster: flags.cluster.clone(),
        user: flags.user.clone(),
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
    overrides::apply_to_auth(&mut config.auth_info, flags).map_err(bad_context)?;
    let proxy = proxy::choose(
        &config.cluster_url,
        configured_proxy.as_deref(),
        &proxy::ProxyEnv::from_env(),
    )
    .map_err(|e| bad_context(e.to_string()))?;
    config.proxy_url = proxy.as_ref().map(|p| p.uri.clone());
    let via = proxy
        .as_ref()
        .map(|p| format!(" through the proxy {} ({})", p.shown(), p.from))
        .unwrap_or_default();
    // kubectl's 0 means no limit; start-up must not hang, so 0 (or no
    // flag) keeps our own deadline.
    let deadline = flags
        .request_timeout
        .filter(|t| !t.is_zero())
        .unwrap_or(PROBE_TIMEOUT);
    config.connect_timeout = Some(config.connect_timeout.map_or(deadline, |c| c.min(deadline)));

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

    let version = probe(&client, deadline, opts.at_start)
        .await
        .map_err(|failure| failure.into_error(&cluster_url, &via, &context))?;

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
        user: selected.user,
        impersonating: overrides::impersonation(flags),
        proxy: proxy.map(|p| format!("{} ({})", p.shown(), p.from)),
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
    fn into_error(self, url: &str, via: &str, context: &str) -> ConnectError {
        match self {
            ProbeFailure::Answered { answer, tries } => ConnectError::Answered {
                url: url.to_string(),
                via: via.to_string(),
                context: context.to_string(),
                answer,
                tries,
            },
            ProbeFailure::Unreachable { reason } => ConnectError::Unreachable {
                url: url.to_string(),
                via: via.to_string(),
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
                        reason: format!("no answer within {}", seconds(deadline)),
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
                "kockpit: {}; retrying for up to {}",
                one_line(&error),
                seconds(deadline)
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

/// `8s`, `1.5s`.
fn seconds(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
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
