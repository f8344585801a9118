//! Container image references, checked before they are sent: a typo caught
//! here is an ImagePullBackOff that never happens. The grammar is the one
//! container runtimes parse (distribution/reference):
//! `[domain[:port]/]path[:tag][@algorithm:hex]`, with lowercase path
//! components and at most 255 characters of name.

use crate::model::sanitize::clean;

/// A reference split into its parts, all already validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageRef {
    /// Registry host (and port) when one is named.
    pub domain: Option<String>,
    /// Repository path under the registry (`kockpit-demo/api`).
    pub path: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl ImageRef {
    /// The tag, or `latest` when neither a tag nor a digest pins the image
    /// (what a runtime pulls in that case).
    pub fn tag_or_latest(&self) -> &str {
        match (&self.tag, &self.digest) {
            (Some(t), _) => t,
            (None, Some(_)) => "",
            (None, None) => "latest",
        }
    }
}

const MAX_NAME_LEN: usize = 255;
const MAX_TAG_LEN: usize = 128;

/// Parses and validates `text`; the error is one line saying what is wrong.
pub fn parse_image(text: &str) -> Result<ImageRef, String> {
    let shown = clean(text);
    if text.is_empty() {
        return Err("image reference is empty".into());
    }
    if text.chars().any(char::is_whitespace) {
        return Err(format!(
            "image reference \"{}\" contains whitespace",
            shown.trim()
        ));
    }
    if text.chars().any(char::is_control) || shown != text {
        return Err("image reference contains control characters".into());
    }
    let (name_tag, digest) = match text.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (text, None),
    };
    // The tag follows the last ':' after the last '/': a ':' before a '/'
    // is a registry port.
    let last_slash = name_tag.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match name_tag[last_slash..].rfind(':') {
        Some(i) => (
            &name_tag[..last_slash + i],
            Some(&name_tag[last_slash + i + 1..]),
        ),
        None => (name_tag, None),
    };
    if name.is_empty() {
        return Err(format!("image reference \"{text}\" has no repository name"));
    }
    if name.len() > MAX_NAME_LEN {
        return Err(format!(
            "repository name is longer than {MAX_NAME_LEN} characters"
        ));
    }
    let (domain, path) = split_domain(name);
    if let Some(d) = domain {
        check_domain(d)?;
    }
    if path.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(format!("repository name must be lowercase: \"{path}\""));
    }
    for component in path.split('/') {
        check_path_component(component)?;
    }
    if let Some(t) = tag {
        check_tag(t)?;
    }
    if let Some(d) = digest {
        check_digest(d)?;
    }
    Ok(ImageRef {
        domain: domain.map(str::to_string),
        path: path.to_string(),
        tag: tag.map(str::to_string),
        digest: digest.map(str::to_string),
    })
}

/// The first component names a registry when it looks like a host: it has
/// a '.' or a ':' (port), is `localhost`, or has uppercase letters (which a
/// repository path may not have). Otherwise the whole name is a path.
fn split_domain(name: &str) -> (Option<&str>, &str) {
    match name.split_once('/') {
        Some((first, rest))
            if first.contains(['.', ':'])
                || first == "localhost"
                || first.chars().any(|c| c.is_ascii_uppercase()) =>
        {
            (Some(first), rest)
        }
        _ => (None, name),
    }
}

fn check_domain(domain: &str) -> Result<(), String> {
    let bad = || format!("bad registry host \"{domain}\"");
    let (host, port) = if let Some(inner) = domain.strip_prefix('[') {
        // An IPv6 literal: `[::1]:5000`.
        let (addr, rest) = inner.split_once(']').ok_or_else(bad)?;
        if addr.is_empty() || !addr.chars().all(|c| c.is_ascii_hexdigit() || c == ':') {
            return Err(bad());
        }
        let port = match rest.strip_prefix(':') {
            Some(p) => Some(p),
            None if rest.is_empty() => None,
            None => return Err(bad()),
        };
        (None, port)
    } else {
        match domain.split_once(':') {
            Some((h, p)) => (Some(h), Some(p)),
            None => (Some(domain), None),
        }
    };
    if let Some(h) = host {
        let ok = !h.is_empty()
            && h.split('.').all(|label| {
                !label.is_empty()
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    && !label.starts_with('-')
                    && !label.ends_with('-')
            });
        if !ok {
            return Err(bad());
        }
    }
    if let Some(p) = port {
        if p.is_empty() || !p.chars().all(|c| c.is_ascii_digit()) {
            return Err(format!("bad registry port in \"{domain}\""));
        }
    }
    Ok(())
}

/// `[a-z0-9]+` runs joined by one '.', one or two '_', or any number of '-'.
fn check_path_component(c: &str) -> Result<(), String> {
    let bad = || {
        format!(
            "bad repository name component \"{c}\": use lowercase letters and digits, \
             separated by '.', '_', '__' or '-'"
        )
    };
    if c.is_empty() {
        return Err("repository name has an empty path component".into());
    }
    let bytes = c.as_bytes();
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if !alnum(bytes[0]) || !alnum(bytes[bytes.len() - 1]) {
        return Err(bad());
    }
    let mut i = 0;
    while i < bytes.len() {
        if alnum(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && !alnum(bytes[i]) {
            i += 1;
        }
        let sep = &c[start..i];
        let ok = sep == "." || sep == "_" || sep == "__" || sep.chars().all(|ch| ch == '-');
        if !ok {
            return Err(bad());
        }
    }
    Ok(())
}

fn check_tag(tag: &str) -> Result<(), String> {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let ok = !tag.is_empty()
        && tag.len() <= MAX_TAG_LEN
        && tag.chars().next().is_some_and(word)
        && tag.chars().all(|c| word(c) || c == '.' || c == '-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "bad tag \"{tag}\": up to {MAX_TAG_LEN} letters, digits, '_', '.' or '-', \
             not starting with '.' or '-'"
        ))
    }
}

fn check_digest(digest: &str) -> Result<(), String> {
    let bad = |why: &str| format!("bad digest \"{digest}\": {why}");
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return Err(bad("expected algorithm:hex, e.g. sha256:<64 hex digits>"));
    };
    let algo_ok = !algorithm.is_empty()
        && algorithm.split(['+', '.', '_', '-']).all(|part| {
            part.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && part.chars().all(|c| c.is_ascii_alphanumeric())
        });
    if !algo_ok {
        return Err(bad("the algorithm must be letters and digits, e.g. sha256"));
    }
    if hex.len() < 32 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(bad("expected at least 32 hex digits after the algorithm"));
    }
    match algorithm {
        "sha256" if hex.len() != 64 || hex.chars().any(|c| c.is_ascii_uppercase()) => {
            Err(bad("sha256 takes exactly 64 lowercase hex digits"))
        }
        "sha512" if hex.len() != 128 || hex.chars().any(|c| c.is_ascii_uppercase()) => {
            Err(bad("sha512 takes exactly 128 lowercase hex digits"))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn accepts_what_runtimes_pull() {
        for ok in [
            "nginx",
            "nginx:1.25",
            "library/nginx:1.25-alpine",
            "ghcr.io/kockpit-demo/api:1.12.3",
            "localhost:5000/team/app:v2",
            "localhost/app",
            "registry.example.com:443/a/b/c:latest",
            "a__b/c--d/e.f_g:T_1.x-y",
            "[::1]:5000/app:1",
        ] {
            assert!(parse_image(ok).is_ok(), "{ok}: {:?}", parse_image(ok));
        }
        let with_digest = format!("ghcr.io/kockpit-demo/api:1.0@{SHA}");
        let r = parse_image(&with_digest).unwrap();
        assert_eq!(r.domain.as_deref(), Some("ghcr.io"));
        assert_eq!(r.path, "kockpit-demo/api");
        assert_eq!(r.tag.as_deref(), Some("1.0"));
        assert_eq!(r.digest.as_deref(), Some(SHA));
        let r = parse_image("localhost:5000/team/app").unwrap();
        assert_eq!(
            (r.domain.as_deref(), r.path.as_str(), r.tag_or_latest()),
            (Some("localhost:5000"), "team/app", "latest")
        );
    }

    #[test]
    fn rejects_with_a_reason() {
        let cases = [
            ("", "empty"),
            ("nginx 1.25", "whitespace"),
            (" nginx", "whitespace"),
            ("nginx:1.25\n", "whitespace"),
            ("ghcr.io/Shop/API:1", "must be lowercase"),
            ("Nginx", "must be lowercase"),
            ("nginx:", "bad tag"),
            ("nginx:-1", "bad tag"),
            ("nginx:.x", "bad tag"),
            ("nginx:a/b", "bad registry port"),
            ("nginx@sha256:abc", "bad digest"),
            ("nginx@sha256:", "bad digest"),
            ("nginx@md5", "bad digest"),
            (
                "nginx@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
                "lowercase hex",
            ),
            ("-nginx", "bad repository name component"),
            ("ng..inx", "bad repository name component"),
            ("a/b//c", "empty path component"),
            ("host.io:x/app", "bad registry port"),
            ("bad_host.io/app", "bad registry host"),
            ("ex-.com/app", "bad registry host"),
            (":1.0", "no repository name"),
            ("nginx\x1b[2J", "control characters"),
        ];
        for (input, want) in cases {
            let err = parse_image(input).unwrap_err();
            assert!(err.contains(want), "{input:?}: {err}");
        }
        let long = format!("a/{}", "b".repeat(300));
        assert!(parse_image(&long).unwrap_err().contains("255"));
        let long_tag = format!("nginx:{}", "t".repeat(129));
        assert!(parse_image(&long_tag).unwrap_err().contains("bad tag"));
    }
}
