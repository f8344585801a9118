//! Exact log lines for tests: the pod annotation
//! `demo.kockpit.dev/log-lines` holds a JSON array of strings, written by
//! every container of the pod when it starts, one per line, instead of the
//! generated service logs; the container then stays quiet.
//!
//! JSON strings cannot hold arbitrary bytes, so after JSON decoding `\xNN`
//! (two hex digits) stands for the byte NN and `\\` for one backslash; e.g.
//! the annotation value `["ok", "\\x1b[31mred\\x1b[0m", "bad \\xff utf-8"]`.

use serde_json::Value;

use crate::demo::meta;

pub const ANNOTATION: &str = "demo.kockpit.dev/log-lines";

/// The injected lines of a pod, if it has a well-formed annotation.
pub fn lines(pod: &Value) -> Option<Vec<Vec<u8>>> {
    let raw = meta::str_at(pod, &["metadata", "annotations", ANNOTATION])?;
    let items: Vec<String> = serde_json::from_str(raw).ok()?;
    Some(items.iter().map(|s| unescape(s)).collect())
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// `\xNN` -> byte NN, `\\` -> `\`; anything else is kept as written.
pub fn unescape(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            if b.get(i + 1) == Some(&b'\\') {
                out.push(b'\\');
                i += 2;
                continue;
            }
            if b.get(i + 1) == Some(&b'x') {
                let pair = (
                    b.get(i + 2).copied().and_then(hex),
                    b.get(i + 3).copied().and_then(hex),
                );
                if let (Some(h), Some(l)) = pair {
                    out.push(h << 4 | l);
                    i += 4;
                    continue;
                }
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn escapes_give_arbitrary_bytes() {
        assert_eq!(unescape(r"a\x1bb\xffc"), b"a\x1bb\xffc".to_vec());
        assert_eq!(unescape(r"\\x41"), br"\x41".to_vec());
        assert_eq!(unescape(r"\xZZ \"), br"\xZZ \".to_vec());
        let pod = json!({"metadata": {"annotations": {ANNOTATION: r#"["one", "t\\x00wo"]"#}}});
        assert_eq!(
            lines(&pod),
            Some(vec![b"one".to_vec(), b"t\x00wo".to_vec()])
        );
        let bad = json!({"metadata": {"annotations": {ANNOTATION: "not json"}}});
        assert_eq!(lines(&bad), None);
    }
}
