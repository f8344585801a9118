//! The autoscaling/v2 algorithm of pkg/controller/podautoscaler as pure
//! functions over numbers, so it can be checked against fixture figures:
//! the replica calculator (tolerance, unready and missing pods), the
//! stabilization windows and the behavior policies.
//!
//! Times are simulated seconds since the cluster started.

use serde_json::Value;

use crate::demo::meta;

/// `--horizontal-pod-autoscaler-tolerance`.
pub const TOLERANCE: f64 = 0.1;

/// What the calculator knows about one pod of the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PodState {
    /// Ready (and running) with a metric.
    Ready(i64),
    /// Running but not ready, or Pending; its metric is not trusted.
    Unready,
    /// Running without a metric yet.
    Missing,
    /// Being deleted or failed: left out entirely.
    Ignored,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PodSample {
    pub state: PodState,
    /// The pod's request of the resource (for utilization targets).
    pub request: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// `averageUtilization` in percent of the request.
    Utilization(i64),
    /// `averageValue` in the metric's unit (millicores, bytes).
    AverageValue(i64),
}

/// The calculator's answer for one metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Proposal {
    pub replicas: i64,
    /// Current utilization in percent (utilization targets only).
    pub utilization: Option<i64>,
    /// Average value over the pods with metrics.
    pub average: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalcError {
    NoPods,
    NoReadyMetrics,
    MissingRequest,
}

impl std::fmt::Display for CalcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CalcError::NoPods => "no pods returned by selector while calculating replica count",
            CalcError::NoReadyMetrics => {
                "did not receive metrics for targeted pods (pods might be unready)"
            }
            CalcError::MissingRequest => "missing request for cpu in container",
        })
    }
}

fn within(ratio: f64) -> bool {
    (1.0 - ratio).abs() <= TOLERANCE
}

/// (ratio, utilization, average) over (value, request) pairs, as
/// `GetResourceUtilizationRatio` / `GetMetricUsageRatio` compute them:
/// utilization is truncated to whole percent before the ratio.
fn ratio(values: &[(i64, i64)], target: Target) -> Result<(f64, Option<i64>, i64), CalcError> {
    let total: i64 = values.iter().map(|(v, _)| v).sum();
    let average = total / values.len().max(1) as i64;
    match target {
        Target::Utilization(t) => {
            let requests: i64 = values.iter().map(|(_, r)| r).sum();
            if requests == 0 {
                return Err(CalcError::MissingRequest);
            }
            let utilization = total * 100 / requests;
            Ok((utilization as f64 / t as f64, Some(utilization), average))
        }
        Target::AverageValue(t) => Ok((average as f64 / t.max(1) as f64, None, average)),
    }
}

/// `GetResourceReplicas` / `GetRawResourceReplicas`.
pub fn replicas(current: i64, pods: &[PodSample], target: Target) -> Result<Proposal, CalcError> {
    if pods.is_empty() {
        return Err(CalcError::NoPods);
    }
    let ready: Vec<(i64, i64)> = pods
        .iter()
        .filter_map(|p| match p.state {
            PodState::Ready(v) => Some((v, p.request)),
            _ => None,
        })
        .collect();
    if ready.is_empty() {
        return Err(CalcError::NoReadyMetrics);
    }
    let unready: Vec<i64> = pods
        .iter()
        .filter(|p| p.state == PodState::Unready)
        .map(|p| p.request)
        .collect();
    let missing: Vec<i64> = pods
        .iter()
        .filter(|p| p.state == PodState::Missing)
        .map(|p| p.request)
        .collect();
    let (usage_ratio, utilization, average) = ratio(&ready, target)?;
    let answer = |replicas| Proposal {
        replicas,
        utilization,
        average,
    };
    let scale_up_with_unready = !unready.is_empty() && usage_ratio > 1.0;
    if !scale_up_with_unready && missing.is_empty() {
        if within(usage_ratio) {
            return Ok(answer(current));
        }
        return Ok(answer((usage_ratio * ready.len() as f64).ceil() as i64));
    }
    let mut values = ready.clone();
    // Missing pods count as fully used on a scale-down and idle on a
    // scale-up, so they dampen the change either way.
    for request in &missing {
        let v = if usage_ratio < 1.0 {
            match target {
                Target::Utilization(t) => request * t.max(100) / 100,
                Target::AverageValue(t) => t,
            }
        } else {
            0
        };
        values.push((v, *request));
    }
    if scale_up_with_unready {
        values.extend(unready.iter().map(|r| (0, *r)));
    }
    let (new_ratio, _, _) = ratio(&values, target)?;
    if within(new_ratio)
        || (usage_ratio < 1.0 && new_ratio > 1.0)
        || (usage_ratio > 1.0 && new_ratio < 1.0)
    {
        return Ok(answer(current));
    }
    let proposed = (new_ratio * values.len() as f64).ceil() as i64;
    if (new_ratio < 1.0 && proposed > current) || (new_ratio > 1.0 && proposed < current) {
        return Ok(answer(current));
    }
    Ok(answer(proposed))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    Pods,
    Percent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub kind: PolicyKind,
    pub value: i64,
    pub period: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Select {
    Max,
    Min,
    Disabled,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    pub window: i64,
    pub select: Select,
    pub policies: Vec<Policy>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Behavior {
    pub up: Rules,
    pub down: Rules,
}

impl Rules {
    fn parse(v: Option<&Value>, default_window: i64) -> Rules {
        let select = match v
            .and_then(|r| r.get("selectPolicy"))
            .and_then(Value::as_str)
        {
            Some("Min") => Select::Min,
            Some("Disabled") => Select::Disabled,
            _ => Select::Max,
        };
        let policies = v
            .and_then(|r| r.get("policies"))
            .and_then(Value::as_array)
            .map(|ps| {
                ps.iter()
                    .filter_map(|p| {
                        let kind = match p.get("type").and_then(Value::as_str)? {
                            "Pods" => PolicyKind::Pods,
                            "Percent" => PolicyKind::Percent,
                            _ => return None,
                        };
                        Some(Policy {
                            kind,
                            value: p.get("value").and_then(Value::as_i64)?,
                            period: p.get("periodSeconds").and_then(Value::as_i64)?,
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        Rules {
            window: v
                .and_then(|r| r.get("stabilizationWindowSeconds"))
                .and_then(Value::as_i64)
                .unwrap_or(default_window),
            select,
            policies,
        }
    }

    fn longest_period(&self) -> i64 {
        self.policies.iter().map(|p| p.period).max().unwrap_or(0)
    }
}

impl Behavior {
    /// `spec.behavior` (already defaulted by the registry); `None` when
    /// absent, which selects the controller's older fixed rules.
    pub fn from_spec(hpa: &Value) -> Option<Behavior> {
        let b = meta::at(hpa, &["spec", "behavior"]).filter(|b| b.is_object())?;
        Some(Behavior {
            up: Rules::parse(b.get("scaleUp"), 0),
            down: Rules::parse(b.get("scaleDown"), super::DOWN_WINDOW),
        })
    }
}

/// A recorded scale change.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScaleEvent {
    pub change: i64,
    pub at: f64,
}

/// What the controller remembers per HPA between syncs.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// (time, unstabilized recommendation)
    pub recommendations: Vec<(f64, i64)>,
    pub up: Vec<ScaleEvent>,
    pub down: Vec<ScaleEvent>,
}

/// A condition the normalization decided: (status, reason, message).
pub type Cond = (bool, &'static str, &'static str);

#[derive(Debug, Clone, PartialEq)]
pub struct Normalized {
    pub replicas: i64,
    pub able_to_scale: Cond,
    pub scaling_limited: Cond,
}

const READY: Cond = (
    true,
    "ReadyForNewScale",
    "recommended size matches current size",
);
const DOWN_STABILIZED: Cond = (
    true,
    "ScaleDownStabilized",
    "recent recommendations were higher than current one, applying the highest recent recommendation",
);
const UP_STABILIZED: Cond = (
    true,
    "ScaleUpStabilized",
    "recent recommendations were lower than current one, applying the lowest recent recommendation",
);
const WITHIN: (&str, &str) = (
    "DesiredWithinRange",
    "the desired count is within the acceptable range",
);
const TOO_MANY: (&str, &str) = (
    "TooManyReplicas",
    "the desired replica count is more than the maximum replica count",
);
const TOO_FEW: (&str, &str) = (
    "TooFewReplicas",
    "the desired replica count is less than the minimum replica count",
);
const UP_LIMIT: (&str, &str) = (
    "ScaleUpLimit",
    "the desired replica count is increasing faster than the maximum scale rate",
);
const DOWN_LIMIT: (&str, &str) = (
    "ScaleDownLimit",
    "the desired replica count is decreasing faster than the maximum scale rate",
);

fn limited(result: i64, stabilized: i64, (reason, message): (&'static str, &'static str)) -> Cond {
    (result != stabilized, reason, message)
}

impl History {
    /// `recordInitialRecommendation`: the current size counts as a
    /// recommendation, so a restarted controller does not scale down at once.
    pub fn init(&mut self, current: i64, now: f64) {
        if self.recommendations.is_empty() {
            self.recommendations.push((now, current));
        }
    }

    /// Replaces the oldest sample that left every window, or appends.
    fn record(&mut self, now: f64, desired: i64, keep: f64) {
        match self
            .recommendations
            .iter()
            .position(|(t, _)| *t < now - keep)
        {
            Some(i) => self.recommendations[i] = (now, desired),
            None => self.recommendations.push((now, desired)),
        }
    }

    /// `normalizeDesiredReplicas`: no behavior, the controller's default
    /// down-scale window and a fixed scale-up limit.
    pub fn normalize(
        &mut self,
        current: i64,
        desired: i64,
        min: i64,
        max: i64,
        now: f64,
    ) -> Normalized {
        let window = super::DOWN_WINDOW as f64;
        let stabilized = self
            .recommendations
            .iter()
            .filter(|(t, _)| *t >= now - window)
            .map(|(_, r)| *r)
            .fold(desired, i64::max);
        self.record(now, desired, window);
        let able_to_scale = if stabilized != desired {
            DOWN_STABILIZED
        } else {
            READY
        };
        // `calculateScaleUpLimit`: at most double, at least 4.
        let up_limit = (2 * current).max(4);
        let (upper, upper_why) = if max > up_limit {
            (up_limit, UP_LIMIT)
        } else {
            (max, TOO_MANY)
        };
        let (replicas, why) = if stabilized < min {
            (min, TOO_FEW)
        } else if stabilized > upper {
            (upper, upper_why)
        } else {
            (stabilized, WITHIN)
        };
        Normalized {
            replicas,
            able_to_scale,
            scaling_limited: limited(replicas, stabilized, why),
        }
    }

    /// `normalizeDesiredReplicasWithBehaviors`.
    pub fn normalize_with(
        &mut self,
        b: &Behavior,
        current: i64,
        desired: i64,
        (min, max): (i64, i64),
        now: f64,
    ) -> Normalized {
        let up_cut = now - b.up.window as f64;
        let down_cut = now - b.down.window as f64;
        let mut up_rec = desired;
        let mut down_rec = desired;
        let mut old = None;
        for (i, (t, r)) in self.recommendations.iter().enumerate() {
            if *t > up_cut {
                up_rec = up_rec.min(*r);
            }
            if *t > down_cut {
                down_rec = down_rec.max(*r);
            }
            if *t < up_cut && *t < down_cut {
                old = Some(i);
            }
        }
        let stabilized = current.max(up_rec).min(down_rec);
        match old {
            Some(i) => self.recommendations[i] = (now, desired),
            None => self.recommendations.push((now, desired)),
        }
        let able_to_scale = if stabilized == desired {
            READY
        } else if desired >= current {
            UP_STABILIZED
        } else {
            DOWN_STABILIZED
        };
        let (replicas, why) = self.rate_limit(b, current, stabilized, min, max, now);
        Normalized {
            replicas,
            able_to_scale,
            scaling_limited: limited(replicas, stabilized, why),
        }
    }

    /// Replicas changed (up, down) within the last `period` seconds.
    fn changed_within(&self, period: i64, now: f64) -> (i64, i64) {
        let sum = |events: &[ScaleEvent]| {
            events
                .iter()
                .filter(|e| e.at > now - period as f64)
                .map(|e| e.change)
                .sum::<i64>()
        };
        (sum(&self.up), sum(&self.down))
    }

    /// `convertDesiredReplicasWithBehaviorRate`.
    fn rate_limit(
        &self,
        b: &Behavior,
        current: i64,
        desired: i64,
        min: i64,
        max: i64,
        now: f64,
    ) -> (i64, (&'static str, &'static str)) {
        if desired > current {
            let mut limit = self.up_limit(&b.up, current, now);
            if limit < current {
                limit = current;
            }
            let (upper, why) = if max > limit {
                (limit, UP_LIMIT)
            } else {
                (max, TOO_MANY)
            };
            if desired > upper {
                return (upper, why);
            }
        } else if desired < current {
            let mut limit = self.down_limit(&b.down, current, now);
            if limit > current {
                limit = current;
            }
            let (lower, why) = if min < limit {
                (limit, DOWN_LIMIT)
            } else {
                (min, TOO_FEW)
            };
            if desired < lower {
                return (lower, why);
            }
        }
        (desired, WITHIN)
    }

    /// `calculateScaleUpLimitWithScalingRules`.
    fn up_limit(&self, rules: &Rules, current: i64, now: f64) -> i64 {
        let pick: fn(i64, i64) -> i64 = match rules.select {
            Select::Disabled => return current,
            Select::Min => i64::min,
            Select::Max => i64::max,
        };
        let mut result = if rules.select == Select::Min {
            i64::MAX
        } else {
            i64::MIN
        };
        for p in &rules.policies {
            let (added, removed) = self.changed_within(p.period, now);
            let start = current - added + removed;
            let proposed = match p.kind {
                PolicyKind::Pods => start + p.value,
                PolicyKind::Percent => {
                    (start as f64 * (1.0 + p.value as f64 / 100.0)).ceil() as i64
                }
            };
            result = pick(result, proposed);
        }
        result
    }

    /// `calculateScaleDownLimitWithBehaviors`.
    fn down_limit(&self, rules: &Rules, current: i64, now: f64) -> i64 {
        let pick: fn(i64, i64) -> i64 = match rules.select {
            Select::Disabled => return current,
            Select::Min => i64::max,
            Select::Max => i64::min,
        };
        let mut result = if rules.select == Select::Min {
            i64::MIN
        } else {
            i64::MAX
        };
        for p in &rules.policies {
            let (added, removed) = self.changed_within(p.period, now);
            let start = current - added + removed;
            let proposed = match p.kind {
                PolicyKind::Pods => start - p.value,
                PolicyKind::Percent => (start as f64 * (1.0 - p.value as f64 / 100.0)) as i64,
            };
            result = pick(result, proposed);
        }
        result
    }

    /// `storeScaleEvent` (only kept with a behavior, where policies read it).
    pub fn store_scale_event(&mut self, b: Option<&Behavior>, from: i64, to: i64, now: f64) {
        let Some(b) = b else {
            return;
        };
        let (events, longest) = if to > from {
            (&mut self.up, b.up.longest_period())
        } else {
            (&mut self.down, b.down.longest_period())
        };
        events.retain(|e| e.at > now - longest as f64);
        events.push(ScaleEvent {
            change: (to - from).abs(),
            at: now,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ready(values: &[i64], request: i64) -> Vec<PodSample> {
        values
            .iter()
            .map(|v| PodSample {
                state: PodState::Ready(*v),
                request,
            })
            .collect()
    }

    fn util(current: i64, pods: &[PodSample], target: i64) -> Proposal {
        replicas(current, pods, Target::Utilization(target)).unwrap()
    }

    #[test]
    fn ratio_times_pods_rounded_up() {
        // 3 pods at 90% of 250m against 60%: ceil(1.5 * 3) = 5.
        let p = util(3, &ready(&[225, 225, 225], 250), 60);
        assert_eq!((p.replicas, p.utilization, p.average), (5, Some(90), 225));
        // 4 pods at 20% against 50%: ceil(0.4 * 4) = 2.
        assert_eq!(util(4, &ready(&[50, 50, 50, 50], 250), 50).replicas, 2);
    }

    #[test]
    fn tolerance_keeps_the_size() {
        // 65/60: inside the 10 % tolerance.
        assert_eq!(util(3, &ready(&[163, 163, 163], 250), 60).replicas, 3);
        // 66/60 is 1.1 on paper, a hair above in floating point, as upstream.
        assert_eq!(util(3, &ready(&[165, 165, 165], 250), 60).replicas, 4);
        // 67/60 > 1.1: ceil(1.1166 * 3) = 4.
        assert_eq!(util(3, &ready(&[168, 168, 168], 250), 60).replicas, 4);
        // 54/60 = 0.9: inside.
        assert_eq!(util(3, &ready(&[135, 135, 135], 250), 60).replicas, 3);
        // Utilization is truncated to whole percent first: 65.96% -> 65%.
        assert_eq!(util(1, &ready(&[1649], 2500), 60).utilization, Some(65));
    }

    #[test]
    fn unready_and_missing_pods_dampen() {
        // Two ready pods at 60% of 100m against 50%: ratio 1.2 -> 3 pods.
        assert_eq!(util(2, &ready(&[60, 60], 100), 50).replicas, 3);
        // With a third, unready pod counted as 0 on a scale-up, 120 / 300 =
        // 40% would reverse the direction: keep the current size.
        let mut pods = ready(&[60, 60], 100);
        pods.push(PodSample {
            state: PodState::Unready,
            request: 100,
        });
        assert_eq!(util(3, &pods, 50).replicas, 3);
        // Far above target it still scales: 200 / 300 = 66% -> ceil(1.32 * 3).
        let mut pods = ready(&[100, 100], 100);
        pods.push(PodSample {
            state: PodState::Unready,
            request: 100,
        });
        assert_eq!(util(3, &pods, 50).replicas, 4);
        // A scale-down with a missing pod: it counts as 100%, so
        // (10 + 10 + 100) / 300 = 40% vs 50% -> ceil(0.8 * 3) = 3: no change.
        let mut pods = ready(&[10, 10], 100);
        pods.push(PodSample {
            state: PodState::Missing,
            request: 100,
        });
        assert_eq!(util(3, &pods, 50).replicas, 3);
        // Ignored pods do not count at all.
        let mut pods = ready(&[100, 100], 100);
        pods.push(PodSample {
            state: PodState::Ignored,
            request: 100,
        });
        assert_eq!(util(2, &pods, 50).replicas, 4);
        assert_eq!(
            replicas(2, &[], Target::Utilization(50)).unwrap_err(),
            CalcError::NoPods
        );
        let unready = [PodSample {
            state: PodState::Unready,
            request: 1,
        }];
        assert_eq!(
            replicas(1, &unready, Target::Utilization(50)).unwrap_err(),
            CalcError::NoReadyMetrics
        );
    }

    #[test]
    fn average_value_targets() {
        // 3 pods averaging 300m against 200m: ceil(1.5 * 3) = 5.
        let p = replicas(3, &ready(&[300, 300, 300], 0), Target::AverageValue(200)).unwrap();
        assert_eq!((p.replicas, p.utilization, p.average), (5, None, 300));
    }

    #[test]
    fn default_rules_stabilize_scale_down_for_five_minutes() {
        let mut h = History::default();
        h.init(6, 0.0);
        let n = h.normalize(6, 2, 2, 10, 15.0);
        assert_eq!(n.replicas, 6);
        assert_eq!(n.able_to_scale.1, "ScaleDownStabilized");
        assert_eq!(n.scaling_limited, (false, WITHIN.0, WITHIN.1));
        // Still within 300 s of the 6.
        assert_eq!(h.normalize(6, 2, 2, 10, 299.0).replicas, 6);
        // The 6 has left the window; the 2s recorded since remain.
        let n = h.normalize(6, 2, 2, 10, 301.0);
        assert_eq!(n.replicas, 2);
        assert_eq!(n.able_to_scale.1, "ReadyForNewScale");
    }

    #[test]
    fn default_rules_limit_scale_up_and_clamp() {
        let mut h = History::default();
        h.init(2, 0.0);
        // From 2: at most max(2*2, 4) = 4.
        let n = h.normalize(2, 9, 1, 10, 15.0);
        assert_eq!(n.replicas, 4);
        assert_eq!(n.scaling_limited, (true, UP_LIMIT.0, UP_LIMIT.1));
        // From 8: the max of 10 binds before 16.
        let n = h.normalize(8, 14, 1, 10, 30.0);
        assert_eq!(n.replicas, 10);
        assert_eq!(n.scaling_limited.1, "TooManyReplicas");
        // Below the minimum.
        let mut h = History::default();
        let n = h.normalize(3, 1, 2, 10, 0.0);
        assert_eq!((n.replicas, n.scaling_limited.1), (2, "TooFewReplicas"));
    }

    fn behavior(v: Value) -> Behavior {
        let mut hpa = json!({"spec": {"behavior": v}});
        crate::demo::registry::hpa::defaults(&mut hpa);
        Behavior::from_spec(&hpa).unwrap()
    }

    #[test]
    fn default_behavior_policies() {
        let b = behavior(json!({}));
        assert_eq!(b.down.window, 300);
        assert_eq!(b.up.window, 0);
        let mut h = History::default();
        h.init(2, 0.0);
        // Up: max(2 + 4 pods, 2 * 200%) = 6 within a period.
        let n = h.normalize_with(&b, 2, 20, (1, 10), 15.0);
        assert_eq!(n.replicas, 6);
        assert_eq!(n.scaling_limited.1, "ScaleUpLimit");
        h.store_scale_event(Some(&b), 2, 6, 15.0);
        // 10 s later the same period still started at 2: limit 6 again.
        assert_eq!(h.normalize_with(&b, 6, 20, (1, 10), 25.0).replicas, 6);
        // After the period: from 6, max(10, 12) -> clamped by max 10.
        let n = h.normalize_with(&b, 6, 20, (1, 10), 31.0);
        assert_eq!((n.replicas, n.scaling_limited.1), (10, "TooManyReplicas"));
    }

    #[test]
    fn custom_policies_and_select() {
        // Down: at most 1 pod per 60 s, or 10 % (Min = the smaller change).
        let b = behavior(
            json!({"scaleDown": {"stabilizationWindowSeconds": 0, "selectPolicy": "Min",
            "policies": [{"type": "Pods", "value": 1, "periodSeconds": 60},
                         {"type": "Percent", "value": 50, "periodSeconds": 60}]}}),
        );
        let mut h = History::default();
        let n = h.normalize_with(&b, 10, 2, (1, 10), 0.0);
        // Pods: 9; Percent: 5; Min picks the smaller change: 9.
        assert_eq!((n.replicas, n.scaling_limited.1), (9, "ScaleDownLimit"));
        h.store_scale_event(Some(&b), 10, 9, 0.0);
        assert_eq!(h.normalize_with(&b, 9, 2, (1, 10), 30.0).replicas, 9);
        assert_eq!(h.normalize_with(&b, 9, 2, (1, 10), 61.0).replicas, 8);
        // Max picks the bigger change: 50 % of 10 -> 5.
        let b = behavior(json!({"scaleDown": {"stabilizationWindowSeconds": 0,
            "policies": [{"type": "Pods", "value": 1, "periodSeconds": 60},
                         {"type": "Percent", "value": 50, "periodSeconds": 60}]}}));
        assert_eq!(
            History::default()
                .normalize_with(&b, 10, 2, (1, 10), 0.0)
                .replicas,
            5
        );
        // Disabled: no scale-down at all.
        let b = behavior(json!({"scaleDown": {"selectPolicy": "Disabled"}}));
        assert_eq!(
            History::default()
                .normalize_with(&b, 10, 2, (1, 10), 0.0)
                .replicas,
            10
        );
    }

    #[test]
    fn up_stabilization_window() {
        let b = behavior(json!({"scaleUp": {"stabilizationWindowSeconds": 60}}));
        let mut h = History::default();
        h.init(3, 0.0);
        let n = h.normalize_with(&b, 3, 6, (1, 10), 15.0);
        assert_eq!(n.replicas, 3);
        assert_eq!(n.able_to_scale.1, "ScaleUpStabilized");
        assert_eq!(h.normalize_with(&b, 3, 6, (1, 10), 70.0).replicas, 6);
    }
}
