//! How far back `:since` reaches: a Go duration, as kubectl's `--since`
//! takes it (`90s`, `5m`, `1h30m`, `1.5h`), read by `kube::core::Duration`;
//! whole days may lead (`1d`, `2d12h`), as they always could here.

use kube::core::Duration;

/// The longest number in one part. `kube::core::Duration` panics when a
/// sum overflows; with numbers this short and the text this long at most,
/// no accepted text comes near.
const MAX_DIGITS: usize = 12;
const MAX_LEN: usize = 64;

/// Seconds back, rounded to the second as kubectl rounds `--since`; None
/// for anything that is not a duration (no unit, a sign, a bare number).
pub fn since_secs(text: &str) -> Option<i64> {
    let starts_with_number = text.starts_with(|c: char| c.is_ascii_digit() || c == '.');
    let ends_with_unit = text.ends_with(|c: char| c.is_alphabetic());
    let short_numbers = text
        .split(|c: char| c.is_alphabetic())
        .all(|number| number.len() <= MAX_DIGITS);
    if !(starts_with_number && ends_with_unit && short_numbers && text.len() <= MAX_LEN) {
        return None;
    }
    // Go has no day unit; no Go unit contains a `d`.
    let (days, rest) = match text.split_once('d') {
        Some((d, rest)) if d.chars().all(|c| c.is_ascii_digit()) => (d.parse::<i64>().ok()?, rest),
        _ => (0, text),
    };
    let secs = if rest.is_empty() {
        0
    } else {
        let d: Duration = rest.parse().ok()?;
        std::time::Duration::from(d).as_secs_f64().round() as i64
    };
    days.checked_mul(86_400)?.checked_add(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_units_as_always() {
        for (text, secs) in [
            ("30s", 30),
            ("5m", 300),
            ("2h", 7200),
            ("1d", 86400),
            ("0s", 0),
        ] {
            assert_eq!(since_secs(text), Some(secs), "{text}");
        }
    }

    #[test]
    fn go_durations_as_kubectl_takes_them() {
        for (text, secs) in [
            ("1h30m", 5400),
            ("1m30s", 90),
            ("1.5h", 5400),
            ("2d12h", 216_000),
            ("1500ms", 2),
        ] {
            assert_eq!(since_secs(text), Some(secs), "{text}");
        }
    }

    #[test]
    fn anything_else_is_refused_without_panicking() {
        for text in [
            "",
            "5",
            "0",
            "-5m",
            "+5m",
            "5x",
            "m",
            "5m3",
            " 5m",
            "1.5d",
            "99999999999999999999h",
        ] {
            assert_eq!(since_secs(text), None, "{text:?}");
        }
    }

    #[test]
    fn the_largest_accepted_text_adds_up_without_overflowing() {
        let big = "999999999999h".repeat(4);
        assert_eq!(since_secs(&big), Some(4 * 999_999_999_999 * 3600));
        assert_eq!(
            since_secs(&"1h".repeat(40)),
            None,
            "longer than kubectl needs"
        );
    }
}
