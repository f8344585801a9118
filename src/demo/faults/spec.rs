//! What a client may ask of the fault injector: the JSON body of
//! `POST /_demo/faults`, also built from `kockpit demo serve --fault` flags.

use serde::Deserialize;

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultSpec {
    /// Clear every setting (counters stay) before applying the rest.
    #[serde(default)]
    pub reset: bool,
    pub delay_ms: Option<u64>,
    pub error_rate: Option<f64>,
    pub error_code: Option<u16>,
    /// Injected errors hit only GET requests.
    pub reads_only: Option<bool>,
    pub seed: Option<u64>,
    pub gone_next: Option<u32>,
    /// `false` disables BOOKMARK events.
    pub bookmarks: Option<bool>,
    /// Abort every open watch and log stream now.
    #[serde(default)]
    pub close_streams: bool,
    /// Restart the server, staying down this long.
    pub restart_down_ms: Option<u64>,
}

/// Delays and downtimes beyond this are refused: a typo should not hang a
/// test run for hours.
const MAX_MS: u64 = 600_000;

impl FaultSpec {
    /// Everything off again.
    pub fn reset() -> FaultSpec {
        FaultSpec {
            reset: true,
            ..FaultSpec::default()
        }
    }

    pub fn validate(&self) -> Result<(), String> {
        if let Some(r) = self.error_rate {
            if !(0.0..=1.0).contains(&r) {
                return Err(format!("errorRate must be between 0 and 1, got {r}"));
            }
        }
        if let Some(c) = self.error_code {
            if !matches!(c, 500 | 503) {
                return Err(format!("errorCode must be 500 or 503, got {c}"));
            }
        }
        for (name, ms) in [
            ("delayMs", self.delay_ms),
            ("restartDownMs", self.restart_down_ms),
        ] {
            if ms.is_some_and(|ms| ms > MAX_MS) {
                return Err(format!("{name} must be at most {MAX_MS}"));
            }
        }
        Ok(())
    }

    /// `kockpit demo serve --fault ...` flags, in order.
    pub fn from_flags(flags: &[String]) -> Result<FaultSpec, String> {
        let mut spec = FaultSpec::default();
        for f in flags {
            spec.parse_flag(f)?;
        }
        Ok(spec)
    }

    /// One `--fault` flag: `delay=200`, `error-rate=0.2`, `error-code=500`,
    /// `seed=7`, `gone=3`, `no-bookmarks`, `reads-only`.
    pub fn parse_flag(&mut self, flag: &str) -> Result<(), String> {
        let (key, value) = flag.split_once('=').unwrap_or((flag, ""));
        let number = |v: &str| {
            v.parse::<u64>()
                .map_err(|_| format!("--fault {key}: expected a whole number, got {v:?}"))
        };
        match key {
            "delay" => self.delay_ms = Some(number(value)?),
            "error-rate" => {
                self.error_rate = Some(value.parse::<f64>().map_err(|_| {
                    format!("--fault error-rate: expected a number between 0 and 1, got {value:?}")
                })?)
            }
            "error-code" => {
                self.error_code = Some(
                    u16::try_from(number(value)?)
                        .map_err(|_| format!("--fault error-code: {value} is not a status code"))?,
                )
            }
            "seed" => self.seed = Some(number(value)?),
            "gone" => {
                self.gone_next = Some(
                    u32::try_from(number(value)?)
                        .map_err(|_| format!("--fault gone: {value} is too large"))?,
                )
            }
            "no-bookmarks" if value.is_empty() => self.bookmarks = Some(false),
            "reads-only" if value.is_empty() => self.reads_only = Some(true),
            _ => {
                return Err(format!(
                    "unknown --fault {flag:?}: expected delay=MS, error-rate=0..1, error-code=500|503, seed=N, gone=N, no-bookmarks or reads-only"
                ))
            }
        }
        self.validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_and_json_agree() {
        let mut s = FaultSpec::default();
        for f in [
            "delay=200",
            "error-rate=0.5",
            "error-code=500",
            "seed=3",
            "gone=2",
            "no-bookmarks",
        ] {
            s.parse_flag(f).unwrap();
        }
        let json: FaultSpec = serde_json::from_str(
            r#"{"delayMs":200,"errorRate":0.5,"errorCode":500,"seed":3,"goneNext":2,"bookmarks":false}"#,
        )
        .unwrap();
        assert_eq!(s, json);
    }

    #[test]
    fn nonsense_is_refused() {
        for bad in [
            "error-rate=2",
            "error-code=404",
            "delay=x",
            "explode",
            "no-bookmarks=1",
        ] {
            assert!(FaultSpec::default().parse_flag(bad).is_err(), "{bad}");
        }
        assert!(serde_json::from_str::<FaultSpec>(r#"{"explode":true}"#).is_err());
    }
}
