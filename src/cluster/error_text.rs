//! How a client error reads to the operator: one line, the cause and not
//! only the wrapper, in words of what happened ("the API server answered
//! 503 Service Unavailable"), and never a Debug dump or a parser's quote of
//! its input, which for a kubeconfig or a credential plugin can be a token.

use std::error::Error;

use super::exec_auth::CredentialError;
use super::exec_plugin::PluginError;

/// The error and its causes, each said once. Where a wrapper's text embeds
/// its cause's text (as kube's and the watcher's errors do), the cause is
/// said in our words in its place.
pub fn describe(err: &(dyn Error + 'static)) -> String {
    if let Some(text) = own_words(err) {
        return text;
    }
    let own = err.to_string();
    match err.source() {
        None => own,
        Some(source) => {
            let raw = source.to_string();
            let said = describe(source);
            if !raw.is_empty() && own.contains(&raw) {
                own.replacen(&raw, &said, 1)
            } else if said.is_empty() || own.contains(&said) {
                own
            } else {
                format!("{own}: {said}")
            }
        }
    }
}

fn own_words(err: &(dyn Error + 'static)) -> Option<String> {
    if let Some(e) = err.downcast_ref::<PluginError>() {
        return Some(e.to_string());
    }
    if let Some(e) = err.downcast_ref::<CredentialError>() {
        return Some(e.to_string());
    }
    if let Some(e) = err.downcast_ref::<kube::Error>() {
        return kube_words(e);
    }
    if let Some(e) = err.downcast_ref::<kube::config::KubeconfigError>() {
        return kubeconfig_words(e);
    }
    if let Some(s) = err.downcast_ref::<kube::core::Status>() {
        return Some(answered(s));
    }
    None
}

fn kube_words(e: &kube::Error) -> Option<String> {
    match e {
        kube::Error::Api(s) => Some(answered(s)),
        kube::Error::Auth(a) => auth_words(a),
        kube::Error::InferKubeconfig(k) => kubeconfig_words(k),
        kube::Error::SerdeError(j) => Some(format!(
            "the answer is not what a Kubernetes API server sends (line {}, column {})",
            j.line(),
            j.column()
        )),
        // "ServiceError: …" says nothing an operator can use; its cause does.
        kube::Error::Service(inner) => Some(describe(inner.as_ref())),
        _ => None,
    }
}

/// "the API server answered 503 Service Unavailable: <its message>".
pub fn answered(s: &kube::core::Status) -> String {
    let phrase = http::StatusCode::from_u16(s.code)
        .ok()
        .and_then(|c| c.canonical_reason())
        .unwrap_or(s.reason.as_str());
    let message = s.message.split_whitespace().collect::<Vec<_>>().join(" ");
    if message.is_empty() || message == phrase {
        format!("the API server answered {} {phrase}", s.code)
    } else {
        format!("the API server answered {} {phrase}: {message}", s.code)
    }
}

fn auth_words(a: &kube::client::AuthError) -> Option<String> {
    use kube::client::AuthError as A;
    Some(match a {
        // Its Display holds the command's environment and its whole output.
        A::AuthExecRun { out, .. } => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let stderr = stderr.split_whitespace().collect::<Vec<_>>().join(" ");
            let cut: String = stderr.chars().rev().take(300).collect::<Vec<_>>().into_iter().rev().collect();
            if cut.is_empty() {
                format!("the credential command failed ({})", out.status)
            } else {
                format!("the credential command failed ({}): stderr: {cut}", out.status)
            }
        }
        // A YAML parser's error quotes the credential it failed to read.
        A::AuthExecParse(_) => "the credential command printed no valid credential".into(),
        A::ParseTokenKey(j) => format!(
            "the credential command's output is not the JSON its token-key expects (line {}, column {})",
            j.line(),
            j.column()
        ),
        _ => return None,
    })
}

fn kubeconfig_words(k: &kube::config::KubeconfigError) -> Option<String> {
    match k {
        kube::config::KubeconfigError::Parse(e) => Some(yaml_words(e)),
        _ => None,
    }
}

/// "not valid YAML (line 4, column 2: tabs disallowed …)": the parser's
/// reason and position without the snippet of the file it quotes, and with
/// any quoted value in the reason blanked.
pub fn yaml_words(e: &serde_saphyr::Error) -> String {
    let at = e
        .location()
        .map(|l| format!("line {}, column {}", l.line(), l.column()));
    let text = e.to_string();
    // "error: line 5 column 9: <reason> --> <input>:5:9 | <snippet>"
    let reason = text.split(" -->").next().unwrap_or_default();
    let reason = reason.split('\n').next().unwrap_or_default();
    let reason = reason.trim_start_matches("error: ");
    let reason = match reason.split_once(": ") {
        Some((head, rest)) if head.starts_with("line ") => rest,
        _ => reason,
    };
    // Advice to the parser's programmer, not to the operator.
    let reason = reason
        .split(", set DuplicateKeyPolicy")
        .next()
        .unwrap_or_default();
    let reason = blank_quotes(reason);
    match (at, reason.trim()) {
        (Some(at), "") => format!("not valid YAML ({at})"),
        (Some(at), r) => format!("not valid YAML ({at}: {r})"),
        (None, "") => "not valid YAML".into(),
        (None, r) => format!("not valid YAML ({r})"),
    }
}

/// `invalid type: string "s3cr3t"` → `invalid type: string "…"`.
fn blank_quotes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut open: Option<char> = None;
    for c in text.chars() {
        match open {
            Some(q) if c == q => {
                out.push('…');
                out.push(c);
                open = None;
            }
            Some(_) => {}
            None => {
                out.push(c);
                if c == '"' || c == '`' || c == '\'' {
                    open = Some(c);
                }
            }
        }
    }
    if open.is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: u16, message: &str) -> kube::core::Status {
        serde_json::from_value(serde_json::json!({
            "kind": "Status", "apiVersion": "v1", "status": "Failure",
            "code": code, "reason": "ServiceUnavailable", "message": message,
        }))
        .unwrap()
    }

    #[test]
    fn api_errors_say_what_the_server_answered_without_a_debug_dump() {
        let e = kube::Error::Api(Box::new(status(503, "try\nlater")));
        let text = describe(&e);
        assert_eq!(
            text,
            "the API server answered 503 Service Unavailable: try later"
        );
        // Wrapped in a watcher error, the cause is still said in our words.
        let w = kube::runtime::watcher::Error::InitialListFailed(e);
        let text = describe(&w);
        assert!(
            text.contains("the API server answered 503") && !text.contains("Status {"),
            "{text}"
        );
    }

    #[test]
    fn yaml_errors_keep_the_reason_and_drop_the_quoted_input() {
        let e = serde_saphyr::from_str::<std::collections::BTreeMap<String, String>>(
            "a: b\na: s3cr3t\n",
        )
        .unwrap_err();
        let text = yaml_words(&e);
        assert!(text.starts_with("not valid YAML (line "), "{text}");
        assert!(!text.contains("s3cr3t"), "{text}");
        let e = serde_saphyr::from_str::<std::collections::BTreeMap<String, bool>>("a: s3cr3t\n")
            .unwrap_err();
        let text = yaml_words(&e);
        assert!(!text.contains("s3cr3t"), "{text}");
        assert_eq!(blank_quotes("string \"x\" and `y"), "string \"…\" and `…");
    }
}
