//! Resource quantities (`250m`, `1.5`, `256Mi`, `1G`) as the usage model and
//! the autoscaler need them: CPU in millicores, memory in bytes.

/// The value of a quantity in base units: the cockpit's own parser (the
/// same text, the same meaning), kept finite for the arithmetic here.
pub fn parse(s: &str) -> Option<f64> {
    crate::model::quantity::parse(s).filter(|v| v.is_finite())
}

/// CPU in millicores, rounded up like `MilliValue`.
pub fn cpu_milli(s: &str) -> Option<i64> {
    parse(s)
        .filter(|v| *v >= 0.0)
        .map(|v| (v * 1000.0 - 1e-9).ceil() as i64)
}

/// Memory in bytes, rounded up.
pub fn bytes(s: &str) -> Option<i64> {
    parse(s)
        .filter(|v| *v >= 0.0)
        .map(|v| (v - 1e-9).ceil() as i64)
}

/// A millicore count the way `resource.NewMilliQuantity(v, DecimalSI)`
/// prints: whole cores without a suffix, otherwise `m`.
pub fn format_milli(milli: i64) -> String {
    if milli % 1000 == 0 {
        format!("{}", milli / 1000)
    } else {
        format!("{milli}m")
    }
}

/// Bytes the way a `BinarySI` quantity prints: the largest exact binary
/// suffix, or plain bytes.
pub fn format_bytes(bytes: i64) -> String {
    if bytes == 0 {
        return "0".into();
    }
    for (suffix, unit) in [
        ("Ti", 1i64 << 40),
        ("Gi", 1 << 30),
        ("Mi", 1 << 20),
        ("Ki", 1 << 10),
    ] {
        if bytes % unit == 0 {
            return format!("{}{suffix}", bytes / unit);
        }
    }
    bytes.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_parse_and_print_like_upstream() {
        assert_eq!(cpu_milli("250m"), Some(250));
        assert_eq!(cpu_milli("2"), Some(2000));
        assert_eq!(cpu_milli("0.5"), Some(500));
        assert_eq!(cpu_milli("1500000n"), Some(2));
        assert_eq!(cpu_milli("x"), None);
        assert_eq!(cpu_milli("-1"), None);
        assert_eq!(bytes("256Mi"), Some(256 << 20));
        assert_eq!(bytes("1G"), Some(1_000_000_000));
        assert_eq!(bytes("12Zi"), None);
        assert_eq!(format_milli(145), "145m");
        assert_eq!(format_milli(2000), "2");
        assert_eq!(format_bytes(256 << 20), "256Mi");
        assert_eq!(format_bytes(1000), "1000");
    }
}
