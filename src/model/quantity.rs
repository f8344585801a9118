//! Kubernetes resource quantities (`250m`, `1.5`, `128Mi`, `2G`, `500n`),
//! parsed to numbers and printed the way kubectl top prints them.

/// Parses a quantity to its value in base units (cores, bytes).
pub fn parse(q: &str) -> Option<f64> {
    let q = q.trim();
    if q.is_empty() {
        return None;
    }
    let split = q
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))
        .unwrap_or(q.len());
    let (num, suffix) = q.split_at(split);
    // `1e3` style exponents: an `e`/`E` followed by a signed number. A bare
    // `E` or `Ei` is the exa/exbi suffix below (`1E`, `2Ei`).
    if let Some(Ok(e)) = suffix.strip_prefix(['e', 'E']).map(str::parse::<i32>) {
        return Some(num.parse::<f64>().ok()? * 10f64.powi(e));
    }
    let base: f64 = num.parse().ok()?;
    let mult = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024.0 * 1024.0,
        "Gi" => 1024.0 * 1024.0 * 1024.0,
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        _ => return None,
    };
    Some(base * mult)
}

/// CPU in millicores, as `kubectl top` shows it (`250m`).
pub fn format_cpu(cores: f64) -> String {
    format!("{}m", (cores * 1000.0).round() as i64)
}

/// Memory in binary units, as `kubectl top` shows it (`120Mi`).
pub fn format_memory(bytes: f64) -> String {
    const MI: f64 = 1024.0 * 1024.0;
    if bytes >= 10.0 * 1024.0 * MI {
        format!("{}Gi", (bytes / (1024.0 * MI)).round() as i64)
    } else {
        format!("{}Mi", (bytes / MI).round() as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_suffix() {
        let cases = [
            ("250m", 0.25),
            ("1", 1.0),
            ("1.5", 1.5),
            ("500n", 5e-7),
            ("12345u", 0.012345),
            ("128Mi", 134_217_728.0),
            ("1Gi", 1_073_741_824.0),
            ("2k", 2000.0),
            ("1e3", 1000.0),
            ("64Ki", 65536.0),
            ("1E", 1e18),
            ("2Ei", 2.0 * 1024f64.powi(6)),
            ("1E3", 1000.0),
            ("5e-3", 0.005),
        ];
        for (q, want) in cases {
            let got = parse(q).unwrap();
            assert!((got - want).abs() < 1e-9 * want.max(1.0), "{q}: {got}");
        }
        for bad in ["", "abc", "12Q", "1.2.3", "1e", "1Ex"] {
            assert!(parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn formats_like_kubectl_top() {
        assert_eq!(format_cpu(0.2504), "250m");
        assert_eq!(format_cpu(2.0), "2000m");
        assert_eq!(format_memory(134_217_728.0), "128Mi");
        assert_eq!(format_memory(12.0 * 1_073_741_824.0), "12Gi");
    }
}
