//! Load curves: a deployment's total CPU demand over simulated time, read
//! from its `demo.kockpit.dev/load` annotation so a scenario (or a user with
//! `kubectl annotate`) can change it. Forms:
//!
//! - `constant(300m)`
//! - `day(low=450m, high=2400m, period=20m, start=3m)`: flat at `low` until
//!   `start`, then a compressed day: a cosine from `low` up to `high` at
//!   half the period and back.
//! - `spike(base=200m, peak=3000m, at=1m, for=4m)`: `base`, then `peak`
//!   from `at` for `for` (with short ramps at both ends).
//!
//! Times count from the cluster's start in simulated time, so `--speed`
//! compresses them like every other delay.

use std::collections::HashMap;
use std::f64::consts::PI;
use std::time::Duration;

use super::quantity;
use crate::demo::clock::parse_age;

pub const ANNOTATION: &str = "demo.kockpit.dev/load";

#[derive(Debug, Clone, PartialEq)]
pub enum Curve {
    Constant {
        milli: f64,
    },
    Day {
        low: f64,
        high: f64,
        period: Duration,
        start: Duration,
    },
    Spike {
        base: f64,
        peak: f64,
        at: Duration,
        length: Duration,
    },
}

fn duration(
    args: &HashMap<&str, &str>,
    key: &str,
    default: Option<Duration>,
) -> Result<Duration, String> {
    match args.get(key) {
        None => default.ok_or_else(|| format!("missing {key}=")),
        Some(v) => parse_age(v)
            .and_then(|d| d.to_std().ok())
            .ok_or_else(|| format!("{key}={v}: not a duration like 90s, 5m, 1h")),
    }
}

fn cpu(args: &HashMap<&str, &str>, key: &str) -> Result<f64, String> {
    let v = args.get(key).ok_or_else(|| format!("missing {key}="))?;
    quantity::cpu_milli(v)
        .map(|m| m as f64)
        .ok_or_else(|| format!("{key}={v}: not a CPU quantity like 250m or 2"))
}

impl Curve {
    pub fn parse(text: &str) -> Result<Curve, String> {
        let text = text.trim();
        let (kind, rest) = text
            .split_once('(')
            .ok_or_else(|| format!("{text:?}: expected kind(arguments)"))?;
        let inner = rest
            .trim_end()
            .strip_suffix(')')
            .ok_or_else(|| format!("{text:?}: missing closing parenthesis"))?;
        let mut args = HashMap::new();
        let mut positional = Vec::new();
        for part in inner.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part.split_once('=') {
                Some((k, v)) => {
                    args.insert(k.trim(), v.trim());
                }
                None => positional.push(part),
            }
        }
        let curve = match kind.trim() {
            "constant" => {
                if let Some(p) = positional.first() {
                    args.insert("cpu", p);
                }
                Curve::Constant {
                    milli: cpu(&args, "cpu")?,
                }
            }
            "day" => Curve::Day {
                low: cpu(&args, "low")?,
                high: cpu(&args, "high")?,
                period: duration(&args, "period", Some(Duration::from_secs(20 * 60)))?,
                start: duration(&args, "start", Some(Duration::ZERO))?,
            },
            "spike" => Curve::Spike {
                base: cpu(&args, "base")?,
                peak: cpu(&args, "peak")?,
                at: duration(&args, "at", None)?,
                length: duration(&args, "for", None)?,
            },
            other => {
                return Err(format!(
                    "unknown load curve {other:?} (constant, day, spike)"
                ))
            }
        };
        if let Curve::Day { period, .. } = &curve {
            if period.is_zero() {
                return Err("day: period must be positive".into());
            }
        }
        Ok(curve)
    }

    /// Total CPU demand in millicores at simulated time `t`.
    pub fn at(&self, t: Duration) -> f64 {
        match *self {
            Curve::Constant { milli } => milli,
            Curve::Day {
                low,
                high,
                period,
                start,
            } => {
                let Some(since) = t.checked_sub(start) else {
                    return low;
                };
                let phase = since.as_secs_f64() / period.as_secs_f64();
                low + (high - low) * (1.0 - (2.0 * PI * phase).cos()) / 2.0
            }
            Curve::Spike {
                base,
                peak,
                at,
                length,
            } => {
                let end = at + length;
                if t < at || t >= end {
                    return base;
                }
                let ramp = (length / 4).min(Duration::from_secs(30)).as_secs_f64();
                let into = (t - at).as_secs_f64();
                let left = (end - t).as_secs_f64();
                let f = if ramp <= 0.0 {
                    1.0
                } else {
                    (into.min(left) / ramp).min(1.0)
                };
                base + (peak - base) * f
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn curves_parse_and_evaluate() {
        let c = Curve::parse("constant(300m)").unwrap();
        assert_eq!(c.at(secs(999)), 300.0);
        let day = Curve::parse("day(low=400m, high=2, period=20m, start=3m)").unwrap();
        assert_eq!(day.at(secs(0)), 400.0);
        assert_eq!(day.at(secs(180)), 400.0);
        assert!(
            (day.at(secs(180 + 600)) - 2000.0).abs() < 1e-6,
            "peak at half a period"
        );
        assert!(
            (day.at(secs(180 + 1200)) - 400.0).abs() < 1e-6,
            "back at night"
        );
        let spike = Curve::parse("spike(base=200m, peak=3000m, at=1m, for=4m)").unwrap();
        assert_eq!(spike.at(secs(59)), 200.0);
        assert_eq!(spike.at(secs(60)), 200.0, "ramps up");
        assert!((spike.at(secs(75)) - 1600.0).abs() < 1e-6);
        assert_eq!(spike.at(secs(120)), 3000.0);
        assert_eq!(spike.at(secs(300)), 200.0);
    }

    #[test]
    fn bad_curves_say_why() {
        for (text, part) in [
            ("sine(1)", "unknown load curve"),
            ("day(low=1)", "missing high="),
            ("spike(base=1, peak=2, at=x, for=1m)", "at=x"),
            ("constant(lots)", "not a CPU quantity"),
            ("constant 1", "expected kind(arguments)"),
        ] {
            let err = Curve::parse(text).unwrap_err();
            assert!(err.contains(part), "{text}: {err}");
        }
    }
}
