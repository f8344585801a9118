//! Which proxy a connection goes through, decided as kubectl decides
//! (client-go, then Go's `net/http` `ProxyFromEnvironment`):
//! - a kubeconfig cluster's `proxy-url` is used as it is, always;
//! - else `HTTPS_PROXY` (for an https server) or `HTTP_PROXY` (for http),
//!   upper case first, unless `NO_PROXY` covers the server or the server
//!   is `localhost` or a loopback address, which Go never proxies.
//!
//! kube-rs decides differently (HTTPS_PROXY for every scheme, NO_PROXY
//! checked against the proxy's own address), so the choice is made here
//! and handed to it.

use std::net::IpAddr;

use http::Uri;

/// The proxy settings of the environment, read once.
#[derive(Clone, Debug, Default)]
pub struct ProxyEnv {
    pub http: Option<String>,
    pub https: Option<String>,
    pub no_proxy: Option<String>,
}

impl ProxyEnv {
    pub fn from_env() -> ProxyEnv {
        let var = |upper: &str, lower: &str| {
            [upper, lower]
                .iter()
                .find_map(|n| std::env::var(n).ok().filter(|v| !v.is_empty()))
        };
        ProxyEnv {
            http: var("HTTP_PROXY", "http_proxy"),
            https: var("HTTPS_PROXY", "https_proxy"),
            no_proxy: var("NO_PROXY", "no_proxy"),
        }
    }
}

/// A proxy to go through, and where it was configured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proxy {
    pub uri: Uri,
    /// `HTTPS_PROXY`, `HTTP_PROXY` or `the kubeconfig's proxy-url`.
    pub from: &'static str,
}

impl Proxy {
    /// The proxy for messages: its address without any user or password.
    pub fn shown(&self) -> String {
        let scheme = self.uri.scheme_str().unwrap_or("http");
        let host = self.uri.host().unwrap_or_default();
        match self.uri.port_u16() {
            Some(port) => format!("{scheme}://{host}:{port}"),
            None => format!("{scheme}://{host}"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the proxy {text} ({from}) is not a URL kockpit can use: {why}")]
pub struct ProxyError {
    text: String,
    from: &'static str,
    why: String,
}

/// The proxy for `server`: `configured` is the kubeconfig cluster's
/// `proxy-url`.
pub fn choose(
    server: &Uri,
    configured: Option<&str>,
    env: &ProxyEnv,
) -> Result<Option<Proxy>, ProxyError> {
    if let Some(text) = configured.filter(|t| !t.is_empty()) {
        return parse(text, "the kubeconfig's proxy-url").map(Some);
    }
    let (text, from) = match server.scheme_str() {
        Some("http") => (env.http.as_deref(), "HTTP_PROXY"),
        _ => (env.https.as_deref(), "HTTPS_PROXY"),
    };
    let Some(text) = text else { return Ok(None) };
    if !use_proxy(server, env.no_proxy.as_deref().unwrap_or("")) {
        return Ok(None);
    }
    parse(text, from).map(Some)
}

/// Go's parseProxy: a proxy without a scheme is an http one.
fn parse(text: &str, from: &'static str) -> Result<Proxy, ProxyError> {
    let error = |why: &str| ProxyError {
        text: crate::model::sanitize::clean(&redact(text)).into_owned(),
        from,
        why: why.to_string(),
    };
    let with_scheme = if text.contains("://") {
        text.to_string()
    } else {
        format!("http://{text}")
    };
    let uri: Uri = with_scheme
        .parse()
        .map_err(|_| error("it does not parse"))?;
    match uri.scheme_str() {
        Some("http" | "https" | "socks5") => {}
        _ => return Err(error("the scheme must be http, https or socks5")),
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(error("it names no host"));
    }
    Ok(Proxy { uri, from })
}

/// `user:password@` out of a proxy URL that could not be parsed.
fn redact(text: &str) -> String {
    match (text.find("://"), text.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}{}", &text[..s + 3], &text[at + 1..]),
        (None, Some(at)) => text[at + 1..].to_string(),
        _ => text.to_string(),
    }
}

/// Go's httpproxy `useProxy`: false for localhost, loopback addresses and
/// whatever `NO_PROXY` names (`*`; IP addresses and CIDRs, matched against
/// an IP server; domains, which match themselves and their subdomains, or
/// only subdomains with a leading `.` or `*.`; each optionally with a port).
pub fn use_proxy(server: &Uri, no_proxy: &str) -> bool {
    let Some(host) = server.host() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let host = host.to_ascii_lowercase();
    let port = server
        .port_u16()
        .unwrap_or(if server.scheme_str() == Some("http") {
            80
        } else {
            443
        });
    if host == "localhost" {
        return false;
    }
    let ip = host.parse::<IpAddr>().ok();
    if ip.is_some_and(|ip| ip.is_loopback()) {
        return false;
    }
    for entry in no_proxy.split(',') {
        let entry = entry.trim().to_ascii_lowercase();
        if entry.is_empty() {
            continue;
        }
        if entry == "*" {
            return false;
        }
        if let Ok(net) = entry.parse::<ipnet::IpNet>() {
            if ip.is_some_and(|ip| net.contains(&ip)) {
                return false;
            }
            continue;
        }
        let (name, entry_port) = split_port(&entry);
        if entry_port.is_some_and(|p| p != port) {
            continue;
        }
        if let Ok(entry_ip) = name.parse::<IpAddr>() {
            if ip == Some(entry_ip) {
                return false;
            }
            continue;
        }
        let name = name.strip_prefix('*').unwrap_or(name);
        let matched = match name.strip_prefix('.') {
            // `.example.com`: subdomains only.
            Some(_) => host.ends_with(name),
            // `example.com`: itself and its subdomains.
            None => host == name || host.ends_with(&format!(".{name}")),
        };
        if matched {
            return false;
        }
    }
    true
}

/// `host:port` → (`host`, port); `[v6]:port` too; a bare host has none.
fn split_port(entry: &str) -> (&str, Option<u16>) {
    if let Some(rest) = entry.strip_prefix('[') {
        if let Some((h, p)) = rest.split_once("]:") {
            return (h, p.parse().ok());
        }
        return (rest.trim_end_matches(']'), None);
    }
    match entry.rsplit_once(':') {
        // More than one colon is an IPv6 address without a port.
        Some((h, p)) if !h.contains(':') => match p.parse() {
            Ok(port) => (h, Some(port)),
            Err(_) => (entry, None),
        },
        _ => (entry, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(s: &str) -> Uri {
        s.parse().unwrap()
    }

    #[test]
    fn no_proxy_matches_as_go_does() {
        let cases = [
            ("https://api.example.com", "example.com", false),
            ("https://example.com", "example.com", false),
            ("https://notexample.com", "example.com", true),
            ("https://example.com", ".example.com", true),
            ("https://api.example.com", ".example.com", false),
            ("https://api.example.com", "*.example.com", false),
            ("https://API.Example.com", "example.COM", false),
            ("https://10.1.2.3:6443", "10.0.0.0/8", false),
            ("https://11.1.2.3:6443", "10.0.0.0/8", true),
            ("https://10.1.2.3:6443", "10.1.2.3", false),
            ("https://10.1.2.3:6443", "10.1.2.3:443", true),
            ("https://10.1.2.3:6443", "10.1.2.3:6443", false),
            ("https://api.example.com:6443", "example.com:6443", false),
            ("https://api.example.com", "example.com:6443", true),
            ("https://[fd00::1]:6443", "fd00::/8", false),
            ("https://[fd00::1]:6443", "[fd00::1]:6443", false),
            ("https://anything", "*", false),
            ("https://anything", " , other.org ,", true),
            // Never proxied, whatever NO_PROXY says.
            ("https://localhost:6443", "", false),
            ("https://127.0.0.1:6443", "", false),
            ("https://127.5.5.5:6443", "", false),
            ("https://[::1]:6443", "", false),
            ("http://0.0.0.0:6443", "", true),
        ];
        for (server, no_proxy, proxied) in cases {
            assert_eq!(
                use_proxy(&uri(server), no_proxy),
                proxied,
                "{server} / {no_proxy:?}"
            );
        }
    }

    #[test]
    fn the_proxy_follows_the_scheme_and_the_kubeconfig_wins() {
        let env = ProxyEnv {
            http: Some("http-proxy:3128".into()),
            https: Some("http://user:pw@https-proxy:3128".into()),
            no_proxy: Some("internal.org".into()),
        };
        let via = |server: &str, configured: Option<&str>| {
            choose(&uri(server), configured, &env)
                .unwrap()
                .map(|p| (p.shown(), p.from))
        };
        assert_eq!(
            via("https://api.example.com", None),
            Some(("http://https-proxy:3128".into(), "HTTPS_PROXY"))
        );
        assert_eq!(
            via("http://api.example.com", None),
            Some(("http://http-proxy:3128".into(), "HTTP_PROXY"))
        );
        assert_eq!(via("https://api.internal.org", None), None);
        assert_eq!(via("https://127.0.0.1:6443", None), None);
        // client-go uses a kubeconfig's proxy-url as it is: no NO_PROXY, no
        // loopback exception.
        assert_eq!(
            via("https://127.0.0.1:6443", Some("socks5://127.0.0.1:1080")),
            Some((
                "socks5://127.0.0.1:1080".into(),
                "the kubeconfig's proxy-url"
            ))
        );
    }

    #[test]
    fn bad_proxies_are_named_without_their_password() {
        let env = ProxyEnv {
            https: Some("ftp://user:s3cr3t@proxy:21".into()),
            ..ProxyEnv::default()
        };
        let err = choose(&uri("https://api.example.com"), None, &env).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("HTTPS_PROXY") && text.contains("scheme"),
            "{text}"
        );
        assert!(!text.contains("s3cr3t"), "{text}");
    }
}
