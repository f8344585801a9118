//! Exec credential plugins (`users[].user.exec` in a kubeconfig), run by
//! kockpit itself instead of by kube-rs, for three reasons:
//! - what a plugin prints on stdout *is* the credential, so no error here
//!   ever quotes it (kube-rs put the whole `Output { stdout, .. }` or a
//!   YAML parser's snippet of it into its errors);
//! - a plugin can hang (a login flow nobody answers): it gets a deadline,
//!   and at start the operator is told which plugin is still running;
//! - kube-rs ran it up to three times per client, blocking a runtime thread.
//!
//! The protocol is client-go's: `KUBERNETES_EXEC_INFO` in the environment,
//! stdin only for an interactive plugin, one ExecCredential on stdout.

use std::io::{IsTerminal, Write};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use kube::config::{ExecConfig, ExecInteractiveMode};
use serde::Deserialize;
use tokio::io::{AsyncRead, AsyncReadExt};

use crate::model::sanitize::clean;

/// A plugin still running after this is named on stderr (at start only).
pub const NOTICE_AFTER: Duration = Duration::from_secs(2);
/// How much of a plugin's stderr an error quotes: enough for its own error
/// line, not enough to flood the operator's one line.
const STDERR_SHOWN: usize = 300;
/// Credentials are small; a plugin printing more is not a credential plugin.
const STDOUT_LIMIT: u64 = 1 << 20;

/// Text that must not be printed or logged: `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// What a plugin handed over: a bearer token, or a client certificate and
/// key (PEM), valid until `expires` when it says so.
#[derive(Clone, Debug)]
pub struct Credential {
    pub token: Option<Secret>,
    pub client_certificate: Option<String>,
    pub client_key: Option<Secret>,
    pub expires: Option<DateTime<Utc>>,
}

/// How a run may use the terminal.
#[derive(Clone, Copy, Debug)]
pub struct RunOptions {
    /// The operator is at the terminal and kockpit does not own it yet: an
    /// interactive plugin may prompt, and a slow one is announced.
    pub at_start: bool,
    /// Give up after this long.
    pub deadline: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    #[error("the kubeconfig's exec entry names no command")]
    NoCommand,
    #[error("credential plugin {path} not found{hint}")]
    NotFound { path: String, hint: String },
    #[error("cannot run credential plugin {path}: {reason}")]
    Start { path: String, reason: String },
    #[error("credential plugin {path} {how}{stderr}")]
    Failed {
        path: String,
        how: String,
        stderr: String,
    },
    #[error("credential plugin {path} gave no credential within {secs}s{stderr}")]
    TimedOut {
        path: String,
        secs: u64,
        stderr: String,
    },
    #[error("credential plugin {path} printed no usable credential: {reason}")]
    BadOutput { path: String, reason: String },
    #[error(
        "credential plugin {path} needs a terminal (interactiveMode: Always) and stdin is not one"
    )]
    NeedsTerminal { path: String },
}

/// Runs the plugin `exec` describes once and reads its credential.
pub async fn run(exec: &ExecConfig, opts: RunOptions) -> Result<Credential, PluginError> {
    let command = exec.command.as_deref().ok_or(PluginError::NoCommand)?;
    let path = clean(command).into_owned();
    let mode = exec.interactive_mode.as_ref();
    let never = matches!(mode, Some(ExecInteractiveMode::Never));
    let interactive = opts.at_start && !never && std::io::stdin().is_terminal();
    if matches!(mode, Some(ExecInteractiveMode::Always)) && !interactive {
        return Err(PluginError::NeedsTerminal { path });
    }

    let mut cmd = tokio::process::Command::new(command);
    cmd.args(exec.args.iter().flatten());
    for pair in exec.env.iter().flatten() {
        if let (Some(name), Some(value)) = (pair.get("name"), pair.get("value")) {
            cmd.env(name, value);
        }
    }
    for name in exec.drop_env.iter().flatten() {
        cmd.env_remove(name);
    }
    cmd.env("KUBERNETES_EXEC_INFO", exec_info(exec, interactive));
    cmd.stdin(if interactive {
        Stdio::inherit()
    } else {
        Stdio::null()
    });
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);

    let mut child = cmd.spawn().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => PluginError::NotFound {
            path: path.clone(),
            hint: exec
                .install_hint
                .as_deref()
                .map(|h| format!(": {}", one_line(h)))
                .unwrap_or_default(),
        },
        _ => PluginError::Start {
            path: path.clone(),
            reason: e.to_string(),
        },
    })?;
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return Err(PluginError::Start {
            path,
            reason: "no pipe to read its output from".into(),
        });
    };
    // Shared so a plugin that times out can still be quoted.
    let err_tail = Arc::new(Mutex::new(Vec::<u8>::new()));
    // An interactive plugin talks to the operator on stderr (a prompt, a
    // URL to open): pass it on, cleaned, as it comes.
    let forward = interactive;
    let work = {
        let err_tail = err_tail.clone();
        async move {
            let read_out = async {
                let mut buf = Vec::new();
                let r = stdout.take(STDOUT_LIMIT).read_to_end(&mut buf).await;
                r.map(|_| buf)
            };
            let (out, (), status) =
                tokio::join!(read_out, keep_tail(stderr, err_tail, forward), child.wait());
            (out, status)
        }
    };
    let stderr_shown = |tail: &Arc<Mutex<Vec<u8>>>| {
        if forward {
            // Already on the operator's screen.
            return String::new();
        }
        let bytes = tail.lock().map(|t| t.clone()).unwrap_or_default();
        quote_stderr(&bytes)
    };

    tokio::pin!(work);
    let notice = tokio::time::sleep(NOTICE_AFTER);
    tokio::pin!(notice);
    let give_up = tokio::time::sleep(opts.deadline);
    tokio::pin!(give_up);
    let mut announced = !opts.at_start;
    let (out, status) = loop {
        tokio::select! {
            done = &mut work => break done,
            () = &mut notice, if !announced => {
                announced = true;
                let left = opts.deadline.saturating_sub(NOTICE_AFTER).as_secs();
                // Before the screen is ours, stderr is the operator's.
                let _ = writeln!(
                    std::io::stderr(),
                    "kockpit: waiting for credential plugin {path} (giving up in {left}s; ctrl-c to stop)"
                );
            }
            () = &mut give_up => {
                // Dropping `work` drops the child, which kills it.
                return Err(PluginError::TimedOut {
                    path,
                    secs: opts.deadline.as_secs(),
                    stderr: stderr_shown(&err_tail),
                });
            }
        }
    };
    let status = status.map_err(|e| PluginError::Start {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    if !status.success() {
        return Err(PluginError::Failed {
            how: describe_exit(&status),
            stderr: stderr_shown(&err_tail),
            path,
        });
    }
    let out = out.map_err(|e| PluginError::Start {
        path: path.clone(),
        reason: format!("cannot read its output: {e}"),
    })?;
    parse(&out, exec.api_version.as_deref())
        .map_err(|reason| PluginError::BadOutput { path, reason })
}

/// What client-go tells a plugin about the call.
fn exec_info(exec: &ExecConfig, interactive: bool) -> String {
    let mut spec = serde_json::json!({ "interactive": interactive });
    if exec.provide_cluster_info {
        if let Some(cluster) = &exec.cluster {
            spec["cluster"] = serde_json::to_value(cluster).unwrap_or_default();
        }
    }
    serde_json::json!({
        "apiVersion": exec.api_version,
        "kind": "ExecCredential",
        "spec": spec,
    })
    .to_string()
}

/// Reads a plugin's stderr to its end, keeping the last few KiB (and
/// passing each chunk on, cleaned, when `forward`).
async fn keep_tail(mut from: impl AsyncRead + Unpin, tail: Arc<Mutex<Vec<u8>>>, forward: bool) {
    const KEEP: usize = 4096;
    let mut buf = [0u8; 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if forward {
            let text = String::from_utf8_lossy(&buf[..n]);
            // Keep the plugin's own line breaks; clean each line.
            let shown: Vec<String> = text.split('\n').map(|l| clean(l).into_owned()).collect();
            let mut err = std::io::stderr();
            let _ = err.write_all(shown.join("\n").as_bytes());
            let _ = err.flush();
        }
        if let Ok(mut t) = tail.lock() {
            t.extend_from_slice(&buf[..n]);
            if t.len() > KEEP {
                let cut = t.len() - KEEP;
                t.drain(..cut);
            }
        }
    }
}

/// `: stderr: …` with the end of what the plugin said, one cleaned line;
/// nothing when it said nothing.
fn quote_stderr(bytes: &[u8]) -> String {
    let text = one_line(&String::from_utf8_lossy(bytes));
    if text.is_empty() {
        return String::new();
    }
    let chars: Vec<char> = text.chars().collect();
    let shown = if chars.len() > STDERR_SHOWN {
        let kept: String = chars[chars.len() - STDERR_SHOWN..].iter().collect();
        format!("…{kept}")
    } else {
        text
    };
    format!(": stderr: {shown}")
}

fn one_line(text: &str) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    clean(&joined).into_owned()
}

fn describe_exit(status: &std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("failed with exit code {code}"),
        (None, Some(sig)) => format!("was killed by signal {sig}"),
        (None, None) => "failed".into(),
    }
}

#[derive(Deserialize)]
struct Document {
    #[serde(rename = "apiVersion")]
    api_version: Option<String>,
    kind: Option<String>,
    status: Option<Status>,
}

#[derive(Deserialize)]
struct Status {
    token: Option<String>,
    #[serde(rename = "clientCertificateData")]
    client_certificate_data: Option<String>,
    #[serde(rename = "clientKeyData")]
    client_key_data: Option<String>,
    #[serde(rename = "expirationTimestamp")]
    expiration_timestamp: Option<String>,
}

/// Reads one ExecCredential as client-go does: JSON (exactly one object,
/// nothing after it, which is what kubectl 1.32 enforces: "invalid
/// character '}' after top-level value"), else YAML. The reason for a
/// refusal names positions, never the text.
pub fn parse(stdout: &[u8], expected_api_version: Option<&str>) -> Result<Credential, String> {
    let text = std::str::from_utf8(stdout)
        .map_err(|e| format!("its output is not UTF-8 (at byte {})", e.valid_up_to()))?;
    let body = text.trim_start();
    if body.is_empty() {
        return Err("it printed nothing".into());
    }
    let doc: Document = if body.starts_with('{') {
        let mut de = serde_json::Deserializer::from_str(text);
        let doc = Document::deserialize(&mut de).map_err(|e| json_reason(&e))?;
        de.end().map_err(|e| {
            format!(
                "it printed more after the ExecCredential (line {}, column {}); like kubectl, kockpit reads exactly one JSON object",
                e.line(),
                e.column()
            )
        })?;
        doc
    } else {
        serde_saphyr::from_str(text).map_err(|e| {
            let at = e
                .location()
                .map(|l| format!(" (line {}, column {})", l.line(), l.column()))
                .unwrap_or_default();
            format!("its output is neither a JSON nor a YAML ExecCredential{at}")
        })?
    };
    if doc.kind.as_deref() != Some("ExecCredential") {
        return Err("its output is not of kind ExecCredential".into());
    }
    match (expected_api_version, doc.api_version.as_deref()) {
        (_, None) => return Err("its output names no apiVersion".into()),
        (Some(want), Some(got)) if want != got => {
            return Err(format!(
                "the kubeconfig asks for apiVersion {}, and the plugin answered with another",
                clean(want)
            ))
        }
        _ => {}
    }
    let status = doc.status.ok_or("its output has no status")?;
    let expires = match status.expiration_timestamp.as_deref() {
        None | Some("") => None,
        Some(ts) => Some(
            DateTime::parse_from_rfc3339(ts)
                .map_err(|_| "its expirationTimestamp is not an RFC 3339 time".to_string())?
                .with_timezone(&Utc),
        ),
    };
    let token = status.token.filter(|t| !t.is_empty());
    if let Some(t) = &token {
        if http::HeaderValue::from_str(&format!("Bearer {t}")).is_err() {
            return Err(
                "its token cannot be sent in an HTTP header (a line break or another control character)"
                    .into(),
            );
        }
    }
    let cert = status.client_certificate_data.filter(|c| !c.is_empty());
    let key = status.client_key_data.filter(|k| !k.is_empty());
    match (&token, &cert, &key) {
        (None, None, None) => {
            Err("its status holds neither a token nor a client certificate".into())
        }
        (_, Some(_), None) | (_, None, Some(_)) => {
            Err("its status holds only one of clientCertificateData and clientKeyData".into())
        }
        _ => Ok(Credential {
            token: token.map(Secret),
            client_certificate: cert,
            client_key: key.map(Secret),
            expires,
        }),
    }
}

/// serde_json's messages quote the values they reject; say what kind of
/// mistake it is and where instead.
fn json_reason(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Syntax => "its output is not valid JSON",
        Category::Eof => "its output ends in the middle of the JSON",
        Category::Data => "its output is not an ExecCredential (a field has the wrong type)",
        Category::Io => "its output could not be read",
    };
    format!("{what} (line {}, column {})", e.line(), e.column())
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1: &str = "client.authentication.k8s.io/v1";

    fn cred(status: &str) -> String {
        format!("{{\"apiVersion\":\"{V1}\",\"kind\":\"ExecCredential\",\"status\":{status}}}")
    }

    #[test]
    fn reads_a_token_with_its_expiry() {
        let c = parse(
            cred(r#"{"token":"t0k","expirationTimestamp":"2030-01-01T00:00:00Z"}"#).as_bytes(),
            Some(V1),
        )
        .unwrap();
        assert_eq!(c.token.as_ref().map(Secret::expose), Some("t0k"));
        assert_eq!(c.expires.map(|e| e.timestamp()), Some(1_893_456_000));
        assert_eq!(format!("{:?}", c.token), "Some(Secret(..))");
    }

    #[test]
    fn reads_yaml_as_client_go_does() {
        let yaml = format!("kind: ExecCredential\napiVersion: {V1}\nstatus:\n  token: y\n");
        let c = parse(yaml.as_bytes(), Some(V1)).unwrap();
        assert_eq!(c.token.map(|t| t.0), Some("y".into()));
    }

    #[test]
    fn refuses_what_kubectl_refuses_without_quoting_it() {
        for (out, reason) in [
            (
                cred(r#"{"token":"s3cr3t"}"#) + "}",
                "more after the ExecCredential",
            ),
            (cred(r#""s3cr3t""#), "wrong type"),
            (cred(r#"{"token":"s3cr3t"#), "ends in the middle"),
            (cred("{}"), "neither a token"),
            (
                cred(r#"{"token":"s3cr3t","expirationTimestamp":"s3cr3t"}"#),
                "RFC 3339",
            ),
            (cred(r#"{"clientKeyData":"s3cr3t"}"#), "only one of"),
            (cred(r#"{"token":"s3cr3t\nx"}"#), "HTTP header"),
            (
                cred(r#"{"token":"s3cr3t"}"#).replace("ExecCredential", "s3cr3t"),
                "not of kind",
            ),
            (
                "kind: ExecCredential\nstatus: [s3cr3t\n".to_string(),
                "neither a JSON nor a YAML",
            ),
            ("\n".to_string(), "printed nothing"),
        ] {
            let err = parse(out.as_bytes(), Some(V1)).unwrap_err();
            assert!(err.contains(reason), "{out:?}: {err}");
            assert!(!err.contains("s3cr3t"), "{out:?}: {err}");
        }
        let other = cred(r#"{"token":"x"}"#).replace(V1, "s3cr3t/v9");
        let err = parse(other.as_bytes(), Some(V1)).unwrap_err();
        assert!(
            err.contains("asks for apiVersion") && !err.contains("s3cr3t"),
            "{err}"
        );
    }

    #[test]
    fn stderr_is_cut_to_its_end_and_cleaned() {
        let long = format!("{}\x1b[31mthe end\x1b[0m\n", "x".repeat(1000));
        let q = quote_stderr(long.as_bytes());
        assert!(
            q.starts_with(": stderr: …") && q.ends_with("\u{FFFD}the end\u{FFFD}"),
            "{q}"
        );
        assert!(q.chars().count() < STDERR_SHOWN + 20, "{}", q.len());
        assert_eq!(quote_stderr(b" \n"), "");
    }
}
