//! Numbers an operator types: a replica count, maxSurge/maxUnavailable.
//! Checked before anything is sent, with the reason in plain words.

use std::sync::Arc;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// The most replicas kockpit will ask for in one step. A Deployment of more
/// than ten thousand pods is far beyond what a typo-free scale in an
/// incident looks like (the usual slip is an extra zero or two), and it is
/// also the size the cockpit's own screens are benchmarked at. Bigger
/// changes belong in a reviewed manifest, not a keystroke.
pub const MAX_REPLICAS: i32 = 10_000;

/// A replica count as typed: a whole number from 0 to [`MAX_REPLICAS`].
pub fn parse_replicas(text: &str) -> Result<i32, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("replica count is empty".into());
    }
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!(
            "\"{}\" is not a whole number of replicas",
            crate::model::sanitize::clean(t)
        ));
    }
    if t.starts_with('-') {
        return Err(format!(
            "replica count cannot be negative ({t}); use 0 to stop every pod"
        ));
    }
    // Longer than any i64: certainly more than the limit.
    let n: i64 = digits.parse().unwrap_or(i64::MAX);
    if n > i64::from(MAX_REPLICAS) {
        return Err(format!(
            "{digits} replicas is more than kockpit allows in one step ({MAX_REPLICAS})"
        ));
    }
    i32::try_from(n).map_err(|_| format!("{digits} replicas is out of range"))
}

/// maxSurge / maxUnavailable as typed: a whole number (`1`) or a percentage
/// (`25%`), never negative; `field` names it in the error.
pub fn parse_int_or_percent(field: &str, text: &str) -> Result<IntOrString, String> {
    let t = text.trim();
    let bad = || {
        format!(
            "{field} \"{}\" must be a whole number (e.g. 1) or a percentage (e.g. 25%)",
            crate::model::sanitize::clean(t)
        )
    };
    if let Some(pct) = t.strip_suffix('%') {
        if pct.is_empty() || !pct.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        let n: u64 = pct.parse().map_err(|_| bad())?;
        if n > 100 && field == "maxUnavailable" {
            return Err(format!("maxUnavailable cannot be more than 100% (got {t})"));
        }
        if n > 1000 {
            return Err(format!("{field} {t} is far beyond any sensible surge"));
        }
        return Ok(IntOrString::String(format!("{n}%")));
    }
    if t.starts_with('-') {
        return Err(format!("{field} cannot be negative (got {t})"));
    }
    if t.is_empty() || !t.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let n: i64 = t.parse().unwrap_or(i64::MAX);
    if n > i64::from(MAX_REPLICAS) {
        return Err(format!("{field} {t} is more than {MAX_REPLICAS}"));
    }
    Ok(IntOrString::Int(i32::try_from(n).map_err(|_| bad())?))
}

fn is_zero(v: &IntOrString) -> bool {
    match v {
        IntOrString::Int(i) => *i == 0,
        IntOrString::String(s) => s.trim_end_matches('%').parse::<i64>() == Ok(0),
    }
}

/// Both at zero would let a rolling update neither add nor remove a pod;
/// the API server refuses it, and so do we, earlier and in plainer words.
pub fn check_fenceposts(
    max_surge: &IntOrString,
    max_unavailable: &IntOrString,
) -> Result<(), String> {
    if is_zero(max_surge) && is_zero(max_unavailable) {
        return Err(
            "maxSurge and maxUnavailable cannot both be 0: the rollout could never make progress"
                .into(),
        );
    }
    Ok(())
}

/// The HPA that owns `d`'s replica count, as a warning for a manual scale:
/// the autoscaler will move the count back on its next sync.
pub fn hpa_warning(d: &Deployment, hpas: &[Arc<HorizontalPodAutoscaler>]) -> Option<String> {
    let name = d.metadata.name.as_deref()?;
    let ns = d.metadata.namespace.as_deref();
    let hpa = hpas.iter().find(|h| {
        h.metadata.namespace.as_deref() == ns
            && h.spec.as_ref().is_some_and(|s| {
                s.scale_target_ref.kind == "Deployment"
                    && s.scale_target_ref.name == name
                    && s.scale_target_ref
                        .api_version
                        .as_deref()
                        .is_none_or(|v| v.starts_with("apps/"))
            })
    })?;
    let spec = hpa.spec.as_ref()?;
    Some(format!(
        "HPA \"{}\" manages the replicas of {name} ({}–{}): it will change a manual scale back",
        hpa.metadata.name.as_deref().unwrap_or(""),
        spec.min_replicas.unwrap_or(1),
        spec.max_replicas
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn replica_counts() {
        assert_eq!(parse_replicas("5"), Ok(5));
        assert_eq!(parse_replicas(" 0 "), Ok(0));
        assert_eq!(parse_replicas("+3"), Ok(3));
        assert_eq!(parse_replicas("10000"), Ok(MAX_REPLICAS));
        let e = |t: &str| parse_replicas(t).unwrap_err();
        assert!(e("-1").contains("cannot be negative"));
        assert!(e("abc").contains("not a whole number"));
        assert!(e("2.5").contains("not a whole number"));
        assert!(e("1e3").contains("not a whole number"));
        assert!(e("").contains("empty"));
        assert!(e("-").contains("not a whole number"));
        assert!(e("10001").contains("more than kockpit allows"));
        assert!(e("99999999999999999999999").contains("more than kockpit allows"));
    }

    #[test]
    fn fenceposts() {
        let p = |t: &str| parse_int_or_percent("maxSurge", t);
        assert_eq!(p("25%"), Ok(IntOrString::String("25%".into())));
        assert_eq!(p("007%"), Ok(IntOrString::String("7%".into())));
        assert_eq!(p("1"), Ok(IntOrString::Int(1)));
        assert!(p("-1").unwrap_err().contains("cannot be negative"));
        assert!(p("x%").unwrap_err().contains("whole number"));
        assert!(p("1.5").unwrap_err().contains("whole number"));
        assert!(p("%").is_err());
        assert!(parse_int_or_percent("maxUnavailable", "150%")
            .unwrap_err()
            .contains("more than 100%"));
        assert!(p("150%").is_ok());
        let zero = IntOrString::Int(0);
        let zero_pct = IntOrString::String("0%".into());
        assert!(check_fenceposts(&zero, &zero_pct).is_err());
        assert!(check_fenceposts(&zero, &IntOrString::Int(1)).is_ok());
    }

    #[test]
    fn hpa_owning_the_deployment_is_named() {
        let d: Deployment = serde_json::from_value(json!({
            "metadata": {"name": "api", "namespace": "shop"}}))
        .unwrap();
        let hpa = |ns: &str, target: &str| -> Arc<HorizontalPodAutoscaler> {
            Arc::new(
                serde_json::from_value(json!({
                    "metadata": {"name": "api-hpa", "namespace": ns},
                    "spec": {"minReplicas": 2, "maxReplicas": 10, "scaleTargetRef":
                        {"apiVersion": "apps/v1", "kind": "Deployment", "name": target}}}))
                .unwrap(),
            )
        };
        let w = hpa_warning(&d, &[hpa("other", "api"), hpa("shop", "api")]).unwrap();
        assert!(w.contains("HPA \"api-hpa\"") && w.contains("2–10"), "{w}");
        assert_eq!(hpa_warning(&d, &[hpa("shop", "web")]), None);
    }
}
