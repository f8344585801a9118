//! Service log lines: an nginx-style access log for web containers, JSON for
//! APIs, plain leveled text for everything else. Every line is a pure
//! function of (container, instance seed, line index), so a pod's logs are
//! the same on every read.

use chrono::{DateTime, SecondsFormat, Utc};

/// splitmix64: a cheap, well-mixed hash for choosing line contents.
pub fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Access,
    Json,
    Plain,
}

fn style(container: &str) -> Style {
    let c = container.to_ascii_lowercase();
    if ["web", "frontend", "nginx", "proxy", "ui"]
        .iter()
        .any(|k| c.contains(k))
    {
        Style::Access
    } else if c.contains("api") || c.contains("server") {
        Style::Json
    } else {
        Style::Plain
    }
}

const PATHS: &[&str] = &[
    "/",
    "/products",
    "/products/1042",
    "/cart",
    "/checkout",
    "/api/v1/orders",
    "/api/v1/products?page=2",
    "/healthz",
    "/static/app.9f2c1.js",
    "/search?q=boots",
];
const METHODS: &[&str] = &["GET", "GET", "GET", "GET", "POST", "PUT", "DELETE"];
const AGENTS: &[&str] = &[
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X)",
    "kube-probe/1.34",
    "curl/8.5.0",
];
const EVENTS: &[&str] = &[
    "order placed",
    "cart updated",
    "payment authorized",
    "inventory reserved",
    "session refreshed",
    "price list cached",
];
const JOBS: &[&str] = &[
    "send-receipt",
    "resize-image",
    "sync-inventory",
    "expire-carts",
    "reindex-search",
];

fn pick<'a>(items: &[&'a str], r: u64) -> &'a str {
    items[(r % items.len() as u64) as usize]
}

fn request_id(r: u64) -> String {
    format!("{:016x}", mix(r))
}

pub fn line(container: &str, seed: u64, index: u64, at: DateTime<Utc>) -> String {
    let r = mix(seed ^ index.wrapping_mul(0x1000_0001));
    // About one line in 25 is a failure of some kind.
    let failing = r.is_multiple_of(25);
    let ms = 2 + (r >> 8) % 180;
    match style(container) {
        Style::Access => {
            let status = if failing {
                pick(&["500", "502", "504", "404"], r >> 16)
            } else {
                pick(&["200", "200", "200", "304", "201"], r >> 16)
            };
            format!(
                "10.244.{}.{} - - [{}] \"{} {} HTTP/1.1\" {status} {} \"-\" \"{}\" rt={}.{:03} request_id={}",
                (r >> 20) % 4,
                2 + (r >> 24) % 250,
                at.format("%d/%b/%Y:%H:%M:%S +0000"),
                pick(METHODS, r >> 32),
                pick(PATHS, r >> 36),
                200 + (r >> 40) % 40_000,
                pick(AGENTS, r >> 44),
                ms / 1000,
                ms % 1000,
                request_id(r),
            )
        }
        Style::Json => {
            let ts = at.to_rfc3339_opts(SecondsFormat::Millis, true);
            if failing {
                format!(
                    "{{\"ts\":\"{ts}\",\"level\":\"error\",\"msg\":\"upstream request failed\",\"request_id\":\"{}\",\"error\":\"dial tcp 10.96.0.{}:5432: connect: connection refused\",\"duration_ms\":{}}}",
                    request_id(r),
                    10 + (r >> 16) % 200,
                    ms * 10
                )
            } else {
                let level = if (r >> 12).is_multiple_of(9) {
                    "debug"
                } else {
                    "info"
                };
                format!(
                    "{{\"ts\":\"{ts}\",\"level\":\"{level}\",\"msg\":\"{}\",\"request_id\":\"{}\",\"method\":\"{}\",\"path\":\"{}\",\"status\":200,\"duration_ms\":{ms}}}",
                    pick(EVENTS, r >> 16),
                    request_id(r),
                    pick(METHODS, r >> 32),
                    pick(PATHS, r >> 36),
                )
            }
        }
        Style::Plain => {
            let ts = at.to_rfc3339_opts(SecondsFormat::Millis, true);
            let job = pick(JOBS, r >> 16);
            let id = 1000 + (r >> 20) % 90_000;
            if failing {
                format!("{ts} ERROR {container}: job {job}#{id} failed: context deadline exceeded (attempt {}/5)", 1 + (r >> 40) % 5)
            } else if (r >> 12).is_multiple_of(11) {
                format!(
                    "{ts} WARN  {container}: queue depth {} above soft limit",
                    500 + (r >> 28) % 500
                )
            } else {
                format!("{ts} INFO  {container}: processed job {job}#{id} in {ms}ms")
            }
        }
    }
}

/// What a crashing container prints as it dies: where it got to, then a Go
/// runtime panic.
pub fn panic(seed: u64) -> Vec<String> {
    let pc = 0x46_0000 + mix(seed) % 0xffff;
    vec![
        "loading configuration from /etc/app/config.yaml".to_string(),
        "config: key \"database.url\" is empty".to_string(),
        "panic: runtime error: invalid memory address or nil pointer dereference".to_string(),
        format!("[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc={pc:#x}]"),
        String::new(),
        "goroutine 1 [running]:".to_string(),
        "main.(*Server).loadConfig(0x0)".to_string(),
        "\t/src/cmd/server/main.go:88 +0x1d".to_string(),
        "main.main()".to_string(),
        "\t/src/cmd/server/main.go:42 +0x65".to_string(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn styles_follow_the_container() {
        let at = crate::demo::clock::parse_time("2026-01-01T00:00:00Z").unwrap();
        assert!(line("web", 1, 0, at).contains("HTTP/1.1"));
        assert!(line("api", 1, 0, at).starts_with("{\"ts\":\"2026-01-01T00:00:00.000Z\""));
        assert!(line("worker", 1, 0, at).starts_with("2026-01-01T00:00:00.000Z "));
        let json_ok = (0..200)
            .all(|i| serde_json::from_str::<serde_json::Value>(&line("api", 7, i, at)).is_ok());
        assert!(json_ok);
        let errors = (0..500)
            .filter(|i| line("worker", 3, *i, at).contains(" ERROR "))
            .count();
        assert!((5..60).contains(&errors), "{errors}");
    }
}
