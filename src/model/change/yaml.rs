//! A JSON value written as YAML lines, the way `kubectl get -o yaml` reads,
//! so diffs of objects look like what operators already know. Keys come out
//! sorted (serde_json's maps are ordered), which keeps diffs stable. Every
//! line is sanitized: objects fetched for a preview did not pass the cache's
//! intake.

use serde_json::Value;

use crate::model::sanitize::clean;

pub fn yaml_lines(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    match v {
        Value::Object(m) if !m.is_empty() => write_map(&mut out, m, 0),
        Value::Array(a) if !a.is_empty() => write_seq(&mut out, a, 0),
        other => out.push(scalar(other)),
    }
    out.into_iter().map(|l| clean(&l).into_owned()).collect()
}

fn pad(indent: usize) -> String {
    " ".repeat(indent)
}

fn write_map(out: &mut Vec<String>, m: &serde_json::Map<String, Value>, indent: usize) {
    for (k, v) in m {
        let key = key_text(k);
        match v {
            Value::Object(inner) if !inner.is_empty() => {
                out.push(format!("{}{key}:", pad(indent)));
                write_map(out, inner, indent + 2);
            }
            Value::Array(items) if !items.is_empty() => {
                out.push(format!("{}{key}:", pad(indent)));
                // kubectl's YAML puts list items at the key's indent.
                write_seq(out, items, indent);
            }
            other => out.push(format!("{}{key}: {}", pad(indent), scalar(other))),
        }
    }
}

fn write_seq(out: &mut Vec<String>, items: &[Value], indent: usize) {
    for item in items {
        match item {
            Value::Object(m) if !m.is_empty() => {
                let mut inner = Vec::new();
                write_map(&mut inner, m, indent + 2);
                for (i, line) in inner.into_iter().enumerate() {
                    if i == 0 {
                        out.push(format!("{}- {}", pad(indent), &line[indent + 2..]));
                    } else {
                        out.push(line);
                    }
                }
            }
            Value::Array(a) if !a.is_empty() => {
                out.push(format!("{}-", pad(indent)));
                write_seq(out, a, indent + 2);
            }
            other => out.push(format!("{}- {}", pad(indent), scalar(other))),
        }
    }
}

fn key_text(k: &str) -> String {
    if needs_quotes(k) {
        quoted(k)
    } else {
        k.to_string()
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) if needs_quotes(s) => quoted(s),
        Value::String(s) => s.clone(),
        Value::Array(_) => "[]".into(),
        Value::Object(_) => "{}".into(),
    }
}

fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// Strings YAML would read as something else (a number, a bool, null) or
/// that hold YAML syntax are quoted, as kubectl quotes them.
fn needs_quotes(s: &str) -> bool {
    if s.is_empty() || s.trim() != s {
        return true;
    }
    let lower = s.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "~" | "y" | "n"
    ) {
        return true;
    }
    if s.parse::<f64>().is_ok() {
        return true;
    }
    let first = s.chars().next().unwrap_or(' ');
    if ",[]{}#&*!|>'\"%@`".contains(first) {
        return true;
    }
    // `-`, `?` and `:` start YAML syntax only when a space or nothing follows.
    if "-?:".contains(first) && s[1..].chars().next().is_none_or(|c| c == ' ') {
        return true;
    }
    s.contains(": ") || s.contains(" #") || s.contains('\n') || s.ends_with(':')
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn objects_read_like_kubectl_yaml() {
        let v = json!({
            "metadata": {"labels": {"app": "web", "version": "1"}},
            "spec": {"containers": [
                {"name": "web", "image": "nginx:1.25", "ports": [{"containerPort": 80}],
                 "args": ["--a", "b"]},
            ], "empty": {}, "none": []}
        });
        assert_eq!(
            yaml_lines(&v),
            [
                "metadata:",
                "  labels:",
                "    app: web",
                "    version: \"1\"",
                "spec:",
                "  containers:",
                "  - args:",
                "    - --a",
                "    - b",
                "    image: nginx:1.25",
                "    name: web",
                "    ports:",
                "    - containerPort: 80",
                "  empty: {}",
                "  none: []",
            ]
        );
    }

    #[test]
    fn hostile_text_is_cleaned_and_odd_strings_quoted() {
        let v = json!({"a": "x\u{1b}[2Jy", "b": "true", "c": "", "d": "k: v"});
        assert_eq!(
            yaml_lines(&v),
            ["a: x\u{FFFD}y", "b: \"true\"", "c: \"\"", "d: \"k: v\""]
        );
    }
}
