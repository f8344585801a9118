//! Time for the simulation. Timestamps written into objects are wall-clock
//! (clients compute ages from them against their own clock); `speed` only
//! shortens the simulated processes (scheduling, image pulls, readiness...).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};

#[derive(Debug)]
pub struct Clock {
    speed: f64,
    /// While seeding a scenario the clock is set back so the seeded objects
    /// look like they have been running for a while.
    offset: Mutex<chrono::Duration>,
    /// While seeding, every simulated delay is zero.
    instant: AtomicBool,
    /// When the cluster started (wall clock): simulated processes that run
    /// on a timeline (load curves, the autoscaler) count from here.
    started: DateTime<Utc>,
}

impl Clock {
    pub fn new(speed: f64) -> Self {
        Clock {
            speed,
            offset: Mutex::new(chrono::Duration::zero()),
            instant: AtomicBool::new(false),
            started: Utc::now(),
        }
    }

    pub fn speed(&self) -> f64 {
        self.speed
    }

    pub fn now(&self) -> DateTime<Utc> {
        let offset = *self.offset.lock().unwrap_or_else(|e| e.into_inner());
        Utc::now() - offset
    }

    /// RFC 3339 with second precision, as `metav1.Time` serializes.
    /// MicroTime, as eventTime is written: RFC 3339 with microseconds.
    pub fn now_micro_string(&self) -> String {
        self.now().to_rfc3339_opts(SecondsFormat::Micros, true)
    }

    pub fn now_string(&self) -> String {
        format_time(self.now())
    }

    pub fn set_offset(&self, offset: chrono::Duration) {
        *self.offset.lock().unwrap_or_else(|e| e.into_inner()) = offset;
    }

    pub fn set_instant(&self, on: bool) {
        self.instant.store(on, Ordering::SeqCst);
    }

    pub fn is_instant(&self) -> bool {
        self.instant.load(Ordering::SeqCst)
    }

    /// Real time that a simulated delay takes at the current speed.
    pub fn real(&self, simulated: Duration) -> Duration {
        if self.is_instant() {
            return Duration::ZERO;
        }
        simulated.div_f64(self.speed)
    }

    /// Real time that a simulated delay takes at the current speed, even
    /// while seeding.
    pub fn scaled(&self, simulated: Duration) -> Duration {
        simulated.div_f64(self.speed)
    }

    /// Simulated time since the cluster started.
    pub fn elapsed(&self) -> Duration {
        let real = (Utc::now() - self.started)
            .to_std()
            .unwrap_or(Duration::ZERO);
        real.mul_f64(self.speed)
    }

    /// The wall-clock time at which `elapsed()` reads `simulated`.
    pub fn wall_at(&self, simulated: Duration) -> DateTime<Utc> {
        let real = simulated.div_f64(self.speed);
        self.started + chrono::Duration::from_std(real).unwrap_or(chrono::Duration::zero())
    }

    /// How much simulated time has passed since a wall-clock timestamp.
    pub fn simulated_since(&self, then: DateTime<Utc>) -> Duration {
        let real = (self.now() - then).to_std().unwrap_or(Duration::ZERO);
        real.mul_f64(self.speed)
    }
}

pub fn format_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Parses the scenario age notation: `90s`, `15m`, `3h`, `2d`.
pub fn parse_age(s: &str) -> Option<chrono::Duration> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit())?);
    let n: i64 = num.parse().ok()?;
    match unit {
        "s" => Some(chrono::Duration::seconds(n)),
        "m" => Some(chrono::Duration::minutes(n)),
        "h" => Some(chrono::Duration::hours(n)),
        "d" => Some(chrono::Duration::days(n)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_parse() {
        assert_eq!(parse_age("2d"), Some(chrono::Duration::days(2)));
        assert_eq!(parse_age("90s"), Some(chrono::Duration::seconds(90)));
        assert_eq!(parse_age("x"), None);
        assert_eq!(parse_age("5y"), None);
    }

    #[test]
    fn speed_scales_delays() {
        let c = Clock::new(4.0);
        assert_eq!(c.real(Duration::from_secs(2)), Duration::from_millis(500));
        c.set_instant(true);
        assert_eq!(c.real(Duration::from_secs(2)), Duration::ZERO);
    }
}
