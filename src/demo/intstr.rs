//! `IntOrString` as a count: a number, or a percentage of a total, scaled
//! the way k8s.io/apimachinery's intstr does it. Shared by validation (which
//! reports a bad one) and the deployment controller (which scales by it).

use serde_json::Value;

/// Resolves an int-or-percent against `total`; percentages round up for
/// surge and down for unavailability.
pub fn int_or_percent(v: &Value, total: i64, round_up: bool) -> Result<i64, String> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .ok_or_else(|| format!("invalid value for IntOrString: {n}")),
        Value::String(s) => {
            let pct: i64 = s
                .strip_suffix('%')
                .and_then(|p| p.parse().ok())
                .ok_or_else(|| "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')".to_string())?;
            let scaled = total * pct;
            Ok(if round_up {
                (scaled + 99).div_euclid(100)
            } else {
                scaled.div_euclid(100)
            })
        }
        other => Err(format!("invalid value for IntOrString: {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn percentages_round_the_asked_way() {
        assert_eq!(int_or_percent(&json!("33%"), 10, true), Ok(4));
        assert_eq!(int_or_percent(&json!("33%"), 10, false), Ok(3));
        assert!(int_or_percent(&json!("33"), 10, false).is_err());
    }
}
