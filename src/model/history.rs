//! What HPAs did since the cockpit started: replicas and metrics sampled
//! each time an HPA object changes, kept in memory under fixed bounds.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use super::hpa::HpaRow;

#[derive(Clone, Debug, PartialEq)]
pub struct MetricSample {
    /// Shared with the previous sample when unchanged, so a long history
    /// holds each metric name once.
    pub name: Arc<str>,
    /// In the unit of `target` (percent for utilization, base units else).
    pub current: Option<f64>,
    pub target: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    pub at: DateTime<Utc>,
    pub current_replicas: i32,
    pub desired_replicas: i32,
    pub metrics: Vec<MetricSample>,
}

impl Sample {
    /// A metric without a known target is left out: it cannot be drawn
    /// against its target.
    pub fn from_row(row: &HpaRow, at: DateTime<Utc>) -> Self {
        Sample {
            at,
            current_replicas: row.replicas,
            desired_replicas: row.desired,
            metrics: row
                .metrics
                .iter()
                .filter_map(|m| {
                    Some(MetricSample {
                        name: Arc::from(m.name.as_str()),
                        current: m.current_value,
                        target: m.target_value?,
                    })
                })
                .collect(),
        }
    }

    fn same_values(&self, other: &Sample) -> bool {
        self.current_replicas == other.current_replicas
            && self.desired_replicas == other.desired_replicas
            && self.metrics == other.metrics
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    pub samples_per_hpa: usize,
    pub hpas: usize,
    /// While nothing changes, one point at least this often, so a flat
    /// stretch still has points to show when the oldest ones are dropped.
    pub heartbeat: Duration,
}

impl Default for Limits {
    /// Worst case ~130 bytes a sample with two metrics: 720 × 256 stays
    /// near 25 MB, and a flat HPA keeps six hours.
    fn default() -> Self {
        Limits {
            samples_per_hpa: 720,
            hpas: 256,
            heartbeat: Duration::seconds(30),
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct HpaHistory {
    series: HashMap<String, VecDeque<Sample>>,
    limits: Limits,
}

impl HpaHistory {
    pub fn new(limits: Limits) -> Self {
        HpaHistory {
            series: HashMap::new(),
            limits: Limits {
                samples_per_hpa: limits.samples_per_hpa.max(2),
                hpas: limits.hpas.max(1),
                ..limits
            },
        }
    }

    pub fn key(namespace: &str, name: &str) -> String {
        format!("{namespace}/{name}")
    }

    pub fn record_row(&mut self, row: &HpaRow, at: DateTime<Utc>) -> bool {
        self.record(
            &Self::key(&row.namespace, &row.name),
            Sample::from_row(row, at),
        )
    }

    /// Adds a sample; returns whether the history changed (and a chart of
    /// it needs drawing again). Relists and resyncs deliver unchanged
    /// objects, so a sample equal to the last one only stretches the flat
    /// run it ends, unless that run already spans the heartbeat.
    pub fn record(&mut self, key: &str, mut sample: Sample) -> bool {
        if !self.series.contains_key(key) && self.series.len() >= self.limits.hpas {
            self.evict_stalest();
        }
        let limits = self.limits;
        let series = self.series.entry(key.to_string()).or_default();
        if let Some(last) = series.back() {
            // Watch events can arrive out of order with the clock that
            // stamps them; time on the chart must not run backwards.
            sample.at = sample.at.max(last.at);
            for (new, old) in sample.metrics.iter_mut().zip(&last.metrics) {
                if new.name == old.name {
                    new.name = Arc::clone(&old.name);
                }
            }
            if sample.same_values(last) {
                let run_start = series
                    .len()
                    .checked_sub(2)
                    .and_then(|i| series.get(i))
                    .filter(|before| before.same_values(last));
                if let Some(start) = run_start {
                    if sample.at - start.at < limits.heartbeat {
                        let moved = sample.at != last.at;
                        if let Some(last) = series.back_mut() {
                            last.at = sample.at;
                        }
                        return moved;
                    }
                } else if sample.at == last.at {
                    return false;
                }
            }
        }
        series.push_back(sample);
        while series.len() > limits.samples_per_hpa {
            series.pop_front();
        }
        true
    }

    /// Makes room for a new HPA by forgetting the one quiet the longest.
    fn evict_stalest(&mut self) {
        let stalest = self
            .series
            .iter()
            .min_by_key(|(_, s)| s.back().map(|s| s.at))
            .map(|(k, _)| k.clone());
        if let Some(k) = stalest {
            self.series.remove(&k);
        }
    }

    pub fn samples(&self, key: &str) -> Option<&VecDeque<Sample>> {
        self.series.get(key)
    }

    pub fn remove(&mut self, key: &str) {
        self.series.remove(key);
    }

    pub fn tracked(&self) -> usize {
        self.series.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_767_225_600 + s, 0).unwrap()
    }

    fn sample(s: i64, replicas: i32, cpu: f64) -> Sample {
        Sample {
            at: at(s),
            current_replicas: replicas,
            desired_replicas: replicas,
            metrics: vec![MetricSample {
                name: "cpu".into(),
                current: Some(cpu),
                target: 50.0,
            }],
        }
    }

    fn times(h: &HpaHistory, key: &str) -> Vec<i64> {
        h.samples(key)
            .unwrap()
            .iter()
            .map(|s| (s.at - at(0)).num_seconds())
            .collect()
    }

    #[test]
    fn identical_samples_stretch_the_run_and_keep_a_heartbeat() {
        let mut h = HpaHistory::new(Limits::default());
        assert!(h.record("shop/api", sample(0, 3, 40.0)));
        // A relist at the same instant changes nothing.
        assert!(!h.record("shop/api", sample(0, 3, 40.0)));
        assert!(h.record("shop/api", sample(10, 3, 40.0)));
        assert!(h.record("shop/api", sample(20, 3, 40.0)));
        assert_eq!(times(&h, "shop/api"), [0, 20]);
        // 35 s after the run began: past the heartbeat, a new point.
        assert!(h.record("shop/api", sample(35, 3, 40.0)));
        assert_eq!(times(&h, "shop/api"), [0, 20, 35]);
        assert!(h.record("shop/api", sample(45, 3, 40.0)));
        assert_eq!(times(&h, "shop/api"), [0, 20, 45]);
        // A change always makes a point.
        assert!(h.record("shop/api", sample(46, 4, 40.0)));
        assert_eq!(times(&h, "shop/api"), [0, 20, 45, 46]);
    }

    #[test]
    fn time_never_runs_backwards() {
        let mut h = HpaHistory::new(Limits::default());
        h.record("a", sample(100, 3, 40.0));
        h.record("a", sample(90, 4, 40.0));
        assert_eq!(times(&h, "a"), [100, 100]);
    }

    #[test]
    fn samples_per_hpa_are_bounded() {
        let mut h = HpaHistory::new(Limits {
            samples_per_hpa: 5,
            ..Limits::default()
        });
        for i in 0..20 {
            h.record("a", sample(i, i32::try_from(i).unwrap(), 40.0));
        }
        assert_eq!(times(&h, "a"), [15, 16, 17, 18, 19]);
    }

    #[test]
    fn tracked_hpas_are_bounded_dropping_the_stalest() {
        let mut h = HpaHistory::new(Limits {
            hpas: 2,
            ..Limits::default()
        });
        h.record("old", sample(0, 1, 1.0));
        h.record("busy", sample(5, 1, 1.0));
        h.record("old", sample(10, 2, 1.0));
        h.record("new", sample(20, 1, 1.0));
        assert_eq!(h.tracked(), 2);
        assert!(h.samples("busy").is_none());
        assert!(h.samples("old").is_some() && h.samples("new").is_some());
    }

    #[test]
    fn names_are_shared_between_samples() {
        let mut h = HpaHistory::new(Limits::default());
        h.record("a", sample(0, 1, 10.0));
        h.record("a", sample(1, 1, 20.0));
        let s = h.samples("a").unwrap();
        assert!(Arc::ptr_eq(&s[0].metrics[0].name, &s[1].metrics[0].name));
    }
}
