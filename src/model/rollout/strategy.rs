//! The update strategy as an operator reads it (`RollingUpdate 25%/25%`) and
//! as the controller computes it (surge and unavailability as pod counts).

use k8s_openapi::api::apps::v1::{Deployment, RollingUpdateDeployment};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// What apps/v1 defaults both maxSurge and maxUnavailable to.
const DEFAULT_FENCEPOST: &str = "25%";

fn is_recreate(d: &Deployment) -> bool {
    d.spec
        .as_ref()
        .and_then(|s| s.strategy.as_ref())
        .and_then(|s| s.type_.as_deref())
        == Some("Recreate")
}

fn rolling(d: &Deployment) -> Option<&RollingUpdateDeployment> {
    d.spec.as_ref()?.strategy.as_ref()?.rolling_update.as_ref()
}

fn as_given(v: Option<&IntOrString>) -> String {
    match v {
        Some(IntOrString::Int(i)) => i.to_string(),
        Some(IntOrString::String(s)) => s.clone(),
        None => DEFAULT_FENCEPOST.into(),
    }
}

/// `RollingUpdate <maxSurge>/<maxUnavailable>` with the values as written
/// (defaults 25%), or `Recreate`.
pub fn strategy_text(d: &Deployment) -> String {
    if is_recreate(d) {
        return "Recreate".into();
    }
    let ru = rolling(d);
    format!(
        "RollingUpdate {}/{}",
        as_given(ru.and_then(|r| r.max_surge.as_ref())),
        as_given(ru.and_then(|r| r.max_unavailable.as_ref()))
    )
}

/// An int-or-percent as a pod count of `replicas`, rounding a percentage up
/// (maxSurge) or down (maxUnavailable) as the controller does. A malformed
/// value counts as 0: the API server rejects such values, so one can only
/// come from a fixture, and 0 never overstates what a rollout may do.
pub fn resolve_int_or_percent(value: &IntOrString, replicas: i32, round_up: bool) -> i32 {
    match value {
        IntOrString::Int(i) => *i,
        IntOrString::String(s) => {
            let Some(pct) = s.strip_suffix('%').and_then(|p| p.parse::<i64>().ok()) else {
                return 0;
            };
            let scaled = pct * i64::from(replicas);
            let count = if round_up {
                (scaled + 99).div_euclid(100)
            } else {
                scaled.div_euclid(100)
            };
            i32::try_from(count).unwrap_or(if count < 0 { i32::MIN } else { i32::MAX })
        }
    }
}

/// `(maxSurge, maxUnavailable)` as pod counts for a rolling update, None for
/// Recreate. When both come out 0 the controller allows one unavailable pod
/// (a rollout could never start otherwise), and so does this.
pub fn fenceposts(d: &Deployment) -> Option<(i32, i32)> {
    if is_recreate(d) {
        return None;
    }
    let replicas = super::desired_replicas(d);
    let default = IntOrString::String(DEFAULT_FENCEPOST.into());
    let ru = rolling(d);
    let surge = ru.and_then(|r| r.max_surge.as_ref()).unwrap_or(&default);
    let unavailable = ru
        .and_then(|r| r.max_unavailable.as_ref())
        .unwrap_or(&default);
    let surge = resolve_int_or_percent(surge, replicas, true);
    let unavailable = resolve_int_or_percent(unavailable, replicas, false);
    Some(if surge == 0 && unavailable == 0 {
        (0, 1)
    } else {
        (surge, unavailable)
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::model::rollout::fixtures::deployment;

    fn with_strategy(replicas: i32, strategy: serde_json::Value) -> Deployment {
        let mut d = deployment("api", replicas, "shop/api:2", json!({}));
        if let Some(spec) = d.spec.as_mut() {
            spec.strategy = Some(serde_json::from_value(strategy).unwrap());
        }
        d
    }

    #[test]
    fn defaults_are_a_quarter_each_way() {
        let d = deployment("api", 10, "shop/api:2", json!({}));
        assert_eq!(strategy_text(&d), "RollingUpdate 25%/25%");
        // 10 replicas: at most 13 pods, at least 8 available.
        assert_eq!(fenceposts(&d), Some((3, 2)));
    }

    #[test]
    fn explicit_values_are_shown_as_written() {
        let d = with_strategy(
            4,
            json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": "50%"}}),
        );
        assert_eq!(strategy_text(&d), "RollingUpdate 1/50%");
        assert_eq!(fenceposts(&d), Some((1, 2)));
    }

    #[test]
    fn both_zero_allows_one_unavailable() {
        let d = with_strategy(
            1,
            json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "0%", "maxUnavailable": "0%"}}),
        );
        assert_eq!(fenceposts(&d), Some((0, 1)));
        // 25% of one replica: surge rounds up to 1, unavailable down to 0.
        let d = deployment("api", 1, "shop/api:2", json!({}));
        assert_eq!(fenceposts(&d), Some((1, 0)));
    }

    #[test]
    fn recreate_has_no_fenceposts() {
        let d = with_strategy(3, json!({"type": "Recreate"}));
        assert_eq!(strategy_text(&d), "Recreate");
        assert_eq!(fenceposts(&d), None);
    }

    #[test]
    fn percent_rounding() {
        let pct = |s: &str| IntOrString::String(s.into());
        assert_eq!(resolve_int_or_percent(&pct("25%"), 10, true), 3);
        assert_eq!(resolve_int_or_percent(&pct("25%"), 10, false), 2);
        assert_eq!(resolve_int_or_percent(&pct("0%"), 10, true), 0);
        assert_eq!(resolve_int_or_percent(&pct("100%"), 7, false), 7);
        assert_eq!(resolve_int_or_percent(&pct("33%"), 0, true), 0);
        assert_eq!(resolve_int_or_percent(&IntOrString::Int(5), 10, true), 5);
        assert_eq!(resolve_int_or_percent(&pct("five"), 10, true), 0);
        assert_eq!(resolve_int_or_percent(&pct("5"), 10, true), 0);
    }
}
