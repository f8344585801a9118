//! HorizontalPodAutoscaler rows: TARGETS for every metric type (where k9s
//! and older kubectl print `<unknown>` or `0/0`), replica bounds and the
//! conditions that say why the autoscaler does what it does.

use chrono::{DateTime, Utc};
use k8s_openapi::api::autoscaling::v2::{
    CrossVersionObjectReference, HorizontalPodAutoscaler, MetricSpec, MetricStatus,
    MetricTarget as TargetSpec, MetricValueStatus,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::age::{age, to_chrono};
use super::quantity;
use super::rows::Health;
use super::table::{SortKey, TableRow};

/// One metric of an HPA: what it measures, where it is and where it should be.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricTarget {
    /// `cpu`, `cpu (container app)`, `requests-per-second on Service/web`.
    pub name: String,
    /// `None` when the status does not report this metric (yet).
    pub current: Option<String>,
    pub target: String,
    /// current / target: 1.0 is on target, above it the HPA wants more pods.
    pub ratio: Option<f64>,
    /// The numbers behind the texts: percent for utilization targets, base
    /// units (cores, bytes, plain counts) for values.
    pub current_value: Option<f64>,
    pub target_value: Option<f64>,
    /// Compared per pod although the metric is about one object or an
    /// external source; kubectl marks these `(avg)`.
    pub average: bool,
}

impl MetricTarget {
    /// `cpu: 34%/50%`, as one TARGETS entry.
    pub fn text(&self) -> String {
        format!(
            "{}: {}/{}{}",
            self.name,
            self.current.as_deref().unwrap_or("<unknown>"),
            self.target,
            if self.average { " (avg)" } else { "" }
        )
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct HpaRow {
    pub namespace: String,
    pub name: String,
    /// `Deployment/api`.
    pub reference: String,
    /// Every metric, comma-separated, on one line.
    pub targets: String,
    pub metrics: Vec<MetricTarget>,
    pub min: i32,
    pub max: i32,
    pub replicas: i32,
    pub desired: i32,
    pub at_max: bool,
    pub last_scale: Option<DateTime<Utc>>,
    pub created: Option<DateTime<Utc>>,
    pub health: Health,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ConditionRow {
    pub type_: String,
    pub status: String,
    pub reason: String,
    pub message: String,
    pub since: Option<DateTime<Utc>>,
}

pub fn hpa_row(h: &HorizontalPodAutoscaler) -> HpaRow {
    let spec = h.spec.as_ref();
    let status = h.status.as_ref();
    let specs = spec.and_then(|s| s.metrics.as_deref()).unwrap_or(&[]);
    let statuses = status
        .and_then(|s| s.current_metrics.as_deref())
        .unwrap_or(&[]);
    let metrics = metric_targets(specs, statuses);
    let targets = if metrics.is_empty() {
        "<none>".to_string()
    } else {
        metrics
            .iter()
            .map(MetricTarget::text)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let min = spec.and_then(|s| s.min_replicas).unwrap_or(1);
    let max = spec.map_or(0, |s| s.max_replicas);
    let replicas = status.and_then(|s| s.current_replicas).unwrap_or(0);
    let desired = status.map_or(0, |s| s.desired_replicas);
    // Same rule as k9s and the overview: the ceiling is reached when the
    // running replicas are there, not when the controller merely asks.
    let at_max = max > 0 && replicas >= max;
    let condition = |t: &str| {
        status
            .and_then(|s| s.conditions.as_ref())
            .and_then(|cs| cs.iter().find(|c| c.type_ == t))
    };
    let active = condition("ScalingActive");
    let able = condition("AbleToScale");
    let health = if h.metadata.deletion_timestamp.is_some() {
        Health::Gone
    } else if able.is_some_and(|c| c.status == "False")
        || active
            .is_some_and(|c| c.status == "False" && c.reason.as_deref() != Some("ScalingDisabled"))
    {
        Health::Failed
    } else if at_max
        // Scaling is switched off because the target was scaled to zero:
        // deliberate, but the operator should see it is not autoscaling.
        || active.is_some_and(|c| c.status == "False")
        // With a status, a metric it does not report is one the controller
        // cannot read, even when another metric keeps it scaling.
        || (status.is_some() && metrics.iter().any(|m| m.current.is_none()))
    {
        Health::Warning
    } else if status.is_none() || replicas != desired {
        Health::Progressing
    } else {
        Health::Ok
    };
    HpaRow {
        namespace: h.metadata.namespace.clone().unwrap_or_default(),
        name: h.metadata.name.clone().unwrap_or_default(),
        reference: spec.map_or_else(String::new, |s| {
            format!("{}/{}", s.scale_target_ref.kind, s.scale_target_ref.name)
        }),
        targets,
        metrics,
        min,
        max,
        replicas,
        desired,
        at_max,
        last_scale: status
            .and_then(|s| s.last_scale_time.as_ref())
            .map(to_chrono),
        created: h.metadata.creation_timestamp.as_ref().map(to_chrono),
        health,
    }
}

/// The HPA's conditions, the three the controller sets first in a fixed
/// order so they do not jump around between updates.
pub fn conditions(h: &HorizontalPodAutoscaler) -> Vec<ConditionRow> {
    const ORDER: [&str; 3] = ["AbleToScale", "ScalingActive", "ScalingLimited"];
    let mut rows: Vec<ConditionRow> = h
        .status
        .iter()
        .flat_map(|s| s.conditions.iter().flatten())
        .map(|c| ConditionRow {
            type_: c.type_.clone(),
            status: c.status.clone(),
            reason: c.reason.clone().unwrap_or_default(),
            message: c.message.clone().unwrap_or_default().replace('\n', " "),
            since: c.last_transition_time.as_ref().map(to_chrono),
        })
        .collect();
    rows.sort_by_key(|r| {
        ORDER
            .iter()
            .position(|t| *t == r.type_)
            .unwrap_or(ORDER.len())
    });
    rows
}

/// What identifies a metric in spec and status alike.
#[derive(Clone, Copy)]
struct Identity<'a> {
    kind: &'a str,
    name: &'a str,
    container: Option<&'a str>,
    object: Option<&'a CrossVersionObjectReference>,
    selector: Option<&'a LabelSelector>,
}

impl Identity<'_> {
    fn same_metric(&self, other: &Identity<'_>) -> bool {
        self.kind == other.kind && self.name == other.name
    }

    /// Two metrics of one type and name may still differ by container,
    /// object or selector; the controller copies those from spec to status.
    fn same_source(&self, other: &Identity<'_>) -> bool {
        fn object(o: Option<&CrossVersionObjectReference>) -> Option<(&str, &str)> {
            o.map(|o| (o.kind.as_str(), o.name.as_str()))
        }
        self.same_metric(other)
            && self.container == other.container
            && object(self.object) == object(other.object)
            && self.selector == other.selector
    }
}

fn spec_identity(m: &MetricSpec) -> Option<(Identity<'_>, &TargetSpec)> {
    let id = |name, container, object, selector| Identity {
        kind: m.type_.as_str(),
        name,
        container,
        object,
        selector,
    };
    match m.type_.as_str() {
        "Resource" => m
            .resource
            .as_ref()
            .map(|r| (id(&r.name, None, None, None), &r.target)),
        "ContainerResource" => m
            .container_resource
            .as_ref()
            .map(|r| (id(&r.name, Some(&r.container), None, None), &r.target)),
        "Pods" => m.pods.as_ref().map(|p| {
            let sel = p.metric.selector.as_ref();
            (id(&p.metric.name, None, None, sel), &p.target)
        }),
        "Object" => m.object.as_ref().map(|o| {
            let sel = o.metric.selector.as_ref();
            (
                id(&o.metric.name, None, Some(&o.described_object), sel),
                &o.target,
            )
        }),
        "External" => m.external.as_ref().map(|e| {
            let sel = e.metric.selector.as_ref();
            (id(&e.metric.name, None, None, sel), &e.target)
        }),
        _ => None,
    }
}

fn status_identity(m: &MetricStatus) -> Option<(Identity<'_>, &MetricValueStatus)> {
    let id = |name, container, object, selector| Identity {
        kind: m.type_.as_str(),
        name,
        container,
        object,
        selector,
    };
    match m.type_.as_str() {
        "Resource" => m
            .resource
            .as_ref()
            .map(|r| (id(&r.name, None, None, None), &r.current)),
        "ContainerResource" => m
            .container_resource
            .as_ref()
            .map(|r| (id(&r.name, Some(&r.container), None, None), &r.current)),
        "Pods" => m.pods.as_ref().map(|p| {
            let sel = p.metric.selector.as_ref();
            (id(&p.metric.name, None, None, sel), &p.current)
        }),
        "Object" => m.object.as_ref().map(|o| {
            let sel = o.metric.selector.as_ref();
            (
                id(&o.metric.name, None, Some(&o.described_object), sel),
                &o.current,
            )
        }),
        "External" => m.external.as_ref().map(|e| {
            let sel = e.metric.selector.as_ref();
            (id(&e.metric.name, None, None, sel), &e.current)
        }),
        _ => None,
    }
}

/// Pairs each spec metric with its status by identity, not by position as
/// kubectl does: the status list may be shorter, reordered, or hold an
/// empty entry while the controller cannot read a metric.
pub fn metric_targets(specs: &[MetricSpec], statuses: &[MetricStatus]) -> Vec<MetricTarget> {
    let known: Vec<_> = statuses.iter().filter_map(status_identity).collect();
    let mut used = vec![false; known.len()];
    let mut take = |want: &Identity<'_>| {
        let pick = |exact: bool| {
            known.iter().enumerate().position(|(i, (got, _))| {
                !used[i]
                    && if exact {
                        want.same_source(got)
                    } else {
                        want.same_metric(got)
                    }
            })
        };
        let i = pick(true).or_else(|| pick(false))?;
        used[i] = true;
        Some(known[i].1)
    };
    specs
        .iter()
        .map(|m| match spec_identity(m) {
            Some((id, target)) => {
                let current = take(&id);
                compare(&id, target, current)
            }
            None => MetricTarget {
                name: if m.type_.is_empty() {
                    "<unknown type>".into()
                } else {
                    m.type_.clone()
                },
                current: None,
                target: "<unknown>".into(),
                ratio: None,
                current_value: None,
                target_value: None,
                average: false,
            },
        })
        .collect()
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Utilization,
    AverageValue,
    Value,
}

fn mode(t: &TargetSpec) -> Option<Mode> {
    let declared = match t.type_.as_str() {
        "Utilization" => Some(Mode::Utilization),
        "AverageValue" => Some(Mode::AverageValue),
        "Value" => Some(Mode::Value),
        _ => None,
    };
    let present = |m: Mode| match m {
        Mode::Utilization => t.average_utilization.is_some(),
        Mode::AverageValue => t.average_value.is_some(),
        Mode::Value => t.value.is_some(),
    };
    // A type whose field is absent falls back to the field that is there.
    declared.filter(|m| present(*m)).or_else(|| {
        [Mode::Utilization, Mode::AverageValue, Mode::Value]
            .into_iter()
            .find(|m| present(*m))
    })
}

fn compare(id: &Identity<'_>, t: &TargetSpec, current: Option<&MetricValueStatus>) -> MetricTarget {
    let name = match (id.container, id.object) {
        (Some(c), _) => format!("{} (container {c})", id.name),
        (_, Some(o)) => format!("{} on {}/{}", id.name, o.kind, o.name),
        _ => id.name.to_string(),
    };
    let (target, target_value, current, current_value, average) = match mode(t) {
        Some(Mode::Utilization) => {
            let want = t.average_utilization.unwrap_or(0);
            let got = current.and_then(|c| c.average_utilization);
            (
                format!("{want}%"),
                Some(f64::from(want)),
                got.map(|g| format!("{g}%")),
                got.map(f64::from),
                false,
            )
        }
        Some(m) => {
            let pick = |q: Option<&k8s_openapi::apimachinery::pkg::api::resource::Quantity>| {
                q.and_then(|q| quantity::parse(&q.0))
            };
            let (want, like, got) = if m == Mode::AverageValue {
                (
                    pick(t.average_value.as_ref()),
                    t.average_value.as_ref(),
                    current.and_then(|c| pick(c.average_value.as_ref())),
                )
            } else {
                (
                    pick(t.value.as_ref()),
                    t.value.as_ref(),
                    current.and_then(|c| pick(c.value.as_ref())),
                )
            };
            let binary = like.is_some_and(|q| q.0.trim_end().ends_with('i'));
            (
                want.map_or_else(|| "<invalid>".into(), |w| format_quantity(w, binary)),
                want,
                got.map(|g| format_quantity(g, binary)),
                got,
                m == Mode::AverageValue && matches!(id.kind, "Object" | "External"),
            )
        }
        // A utilization target left unset: the API server defaults it, so
        // kubectl prints `<auto>` for this.
        None => ("<auto>".into(), None, None, None, false),
    };
    let ratio = match (current_value, target_value) {
        (Some(c), Some(t)) if t != 0.0 => Some(c / t),
        _ => None,
    };
    MetricTarget {
        name,
        current,
        target,
        ratio,
        current_value,
        target_value,
        average,
    }
}

const DECIMAL: [(f64, &str); 10] = [
    (1e18, "E"),
    (1e15, "P"),
    (1e12, "T"),
    (1e9, "G"),
    (1e6, "M"),
    (1e3, "k"),
    (1.0, ""),
    (1e-3, "m"),
    (1e-6, "u"),
    (1e-9, "n"),
];

const BINARY: [(f64, &str); 6] = [
    (1_152_921_504_606_846_976.0, "Ei"),
    (1_125_899_906_842_624.0, "Pi"),
    (1_099_511_627_776.0, "Ti"),
    (1_073_741_824.0, "Gi"),
    (1_048_576.0, "Mi"),
    (1024.0, "Ki"),
];

/// A quantity in the suffixes kubectl would use (`250m`, `120Mi`, `2k`):
/// whole numbers of the largest unit that fits, stepping down one unit
/// rather than printing a small fraction (`1536Mi`, `1250m`), and rounded
/// once there are two digits or more so a row stays short.
pub fn format_quantity(value: f64, binary: bool) -> String {
    if value == 0.0 || !value.is_finite() {
        return "0".into();
    }
    let magnitude = value.abs();
    let units: &[(f64, &str)] = if binary && magnitude >= 1024.0 {
        &BINARY
    } else {
        &DECIMAL
    };
    let i = units
        .iter()
        .position(|(u, _)| magnitude >= *u)
        .unwrap_or(units.len() - 1);
    let (unit, suffix) = units[i];
    let scaled = value / unit;
    let whole = (scaled - scaled.round()).abs() < 1e-9 * scaled.abs().max(1.0);
    if whole || scaled.abs() >= 10.0 || i + 1 == units.len() {
        return format!("{}{suffix}", scaled.round() as i64);
    }
    // Below ten and fractional: one unit down keeps the precision without
    // a decimal point, as Kubernetes' own canonical form does.
    let (unit, suffix) = units[i + 1];
    format!("{}{suffix}", (value / unit).round() as i64)
}

fn targets_key(row: &HpaRow) -> SortKey<'static> {
    // The hottest metric decides: sorting TARGETS puts the HPAs nearest
    // their limit together.
    let hottest = row
        .metrics
        .iter()
        .filter_map(|m| m.ratio)
        .fold(None, |acc: Option<f64>, r| {
            Some(acc.map_or(r, |a| a.max(r)))
        });
    SortKey::Num(hottest.map_or(-1, |r| (r * 1000.0) as i64))
}

impl TableRow for HpaRow {
    const COLUMNS: &'static [&'static str] = &[
        "NAMESPACE",
        "NAME",
        "REFERENCE",
        "TARGETS",
        "MINPODS",
        "MAXPODS",
        "REPLICAS",
        "DESIRED",
        "AGE",
    ];
    const MAX_WIDTHS: &'static [u16] = &[20, 40, 40, 0, 7, 7, 8, 7, 8];
    const DROP_ORDER: &'static [usize] = &[7, 0, 8, 2];

    fn namespace(&self) -> &str {
        &self.namespace
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn health(&self) -> Health {
        self.health
    }
    fn cells(&self, now: DateTime<Utc>) -> Vec<String> {
        vec![
            self.name.clone(),
            self.reference.clone(),
            self.targets.clone(),
            self.min.to_string(),
            self.max.to_string(),
            self.replicas.to_string(),
            self.desired.to_string(),
            age(self.created, now),
        ]
    }
    fn sort_key(&self, col: usize) -> SortKey<'_> {
        match col {
            0 => SortKey::Text(&self.namespace),
            2 => SortKey::Text(&self.reference),
            3 => targets_key(self),
            4 => SortKey::Num(self.min.into()),
            5 => SortKey::Num(self.max.into()),
            6 => SortKey::Num(self.replicas.into()),
            7 => SortKey::Num(self.desired.into()),
            8 => SortKey::Num(self.created.map_or(i64::MAX, |t| t.timestamp())),
            _ => SortKey::Text(&self.name),
        }
    }
}

/// An HPA's row at `replicas` (wanting `desired`) with a CPU target of
/// 50% and 90% used, for the tests that draw it (`ui::widgets::hpa_chart`).
#[cfg(test)]
pub(crate) fn fixture_row(replicas: i32, desired: i32) -> HpaRow {
    let h: HorizontalPodAutoscaler = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "api", "namespace": "shop"},
        "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "api"},
                 "minReplicas": 2, "maxReplicas": 6,
                 "metrics": [{"type": "Resource", "resource": {"name": "cpu",
                    "target": {"type": "Utilization", "averageUtilization": 50}}}]},
        "status": {"currentReplicas": replicas, "desiredReplicas": desired,
                   "currentMetrics": [{"type": "Resource", "resource": {"name": "cpu",
                    "current": {"averageUtilization": 90}}}]}
    }))
    .unwrap();
    hpa_row(&h)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn hpa(metrics: Value, current: Value) -> HorizontalPodAutoscaler {
        serde_json::from_value(json!({
            "metadata": {"name": "api", "namespace": "shop", "creationTimestamp": "2026-01-01T00:00:00Z"},
            "spec": {
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"},
                "minReplicas": 2, "maxReplicas": 10, "metrics": metrics
            },
            "status": {"currentReplicas": 4, "desiredReplicas": 4, "currentMetrics": current}
        }))
        .unwrap()
    }

    fn targets(metrics: Value, current: Value) -> String {
        hpa_row(&hpa(metrics, current)).targets
    }

    #[test]
    fn resource_utilization_and_average_value() {
        let spec = json!([
            {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}},
            {"type": "Resource", "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "200Mi"}}}
        ]);
        // Reversed on purpose: statuses are matched by identity, not index.
        let status = json!([
            {"type": "Resource", "resource": {"name": "memory", "current": {"averageValue": "125829120"}}},
            {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 34, "averageValue": "170m"}}}
        ]);
        let row = hpa_row(&hpa(spec, status));
        assert_eq!(row.targets, "cpu: 34%/50%, memory: 120Mi/200Mi");
        assert!((row.metrics[0].ratio.unwrap() - 0.68).abs() < 1e-9);
        assert_eq!(row.metrics[1].current_value, Some(125_829_120.0));
        assert_eq!(row.health, Health::Ok);
    }

    #[test]
    fn resource_average_value_in_millicores() {
        let spec = json!([{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "AverageValue", "averageValue": "500m"}}}]);
        let status = json!([{"type": "Resource", "resource": {"name": "cpu", "current": {"averageValue": "250m"}}}]);
        assert_eq!(targets(spec, status), "cpu: 250m/500m");
    }

    #[test]
    fn container_resource() {
        let spec = json!([
            {"type": "ContainerResource", "containerResource": {"name": "cpu", "container": "app", "target": {"type": "Utilization", "averageUtilization": 60}}},
            {"type": "ContainerResource", "containerResource": {"name": "cpu", "container": "sidecar", "target": {"type": "Utilization", "averageUtilization": 80}}}
        ]);
        let status = json!([
            {"type": "ContainerResource", "containerResource": {"name": "cpu", "container": "sidecar", "current": {"averageUtilization": 10}}},
            {"type": "ContainerResource", "containerResource": {"name": "cpu", "container": "app", "current": {"averageUtilization": 45}}}
        ]);
        assert_eq!(
            targets(spec, status),
            "cpu (container app): 45%/60%, cpu (container sidecar): 10%/80%"
        );
    }

    #[test]
    fn pods_average_value() {
        let spec = json!([{"type": "Pods", "pods": {"metric": {"name": "packets-per-second"}, "target": {"type": "AverageValue", "averageValue": "2k"}}}]);
        let status = json!([{"type": "Pods", "pods": {"metric": {"name": "packets-per-second"}, "current": {"averageValue": "1k"}}}]);
        assert_eq!(targets(spec, status), "packets-per-second: 1k/2k");
    }

    #[test]
    fn object_value_and_average_value() {
        let spec = json!([
            {"type": "Object", "object": {"metric": {"name": "requests-per-second"},
             "describedObject": {"apiVersion": "v1", "kind": "Service", "name": "web"},
             "target": {"type": "Value", "value": "10k"}}},
            {"type": "Object", "object": {"metric": {"name": "requests-per-second"},
             "describedObject": {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "name": "main"},
             "target": {"type": "AverageValue", "averageValue": "500"}}}
        ]);
        let status = json!([
            {"type": "Object", "object": {"metric": {"name": "requests-per-second"},
             "describedObject": {"kind": "Ingress", "name": "main"}, "current": {"averageValue": "1500m"}}},
            {"type": "Object", "object": {"metric": {"name": "requests-per-second"},
             "describedObject": {"kind": "Service", "name": "web"}, "current": {"value": "2k"}}}
        ]);
        assert_eq!(
            targets(spec, status),
            "requests-per-second on Service/web: 2k/10k, requests-per-second on Ingress/main: 1500m/500 (avg)"
        );
    }

    #[test]
    fn external_value_and_average_value_with_selectors() {
        let spec = json!([
            {"type": "External", "external": {"metric": {"name": "queue_depth", "selector": {"matchLabels": {"queue": "a"}}},
             "target": {"type": "Value", "value": "50"}}},
            {"type": "External", "external": {"metric": {"name": "queue_depth", "selector": {"matchLabels": {"queue": "b"}}},
             "target": {"type": "AverageValue", "averageValue": "5"}}}
        ]);
        let status = json!([
            {"type": "External", "external": {"metric": {"name": "queue_depth", "selector": {"matchLabels": {"queue": "b"}}},
             "current": {"averageValue": "7"}}},
            {"type": "External", "external": {"metric": {"name": "queue_depth", "selector": {"matchLabels": {"queue": "a"}}},
             "current": {"value": "30"}}}
        ]);
        assert_eq!(
            targets(spec, status),
            "queue_depth: 30/50, queue_depth: 7/5 (avg)"
        );
    }

    #[test]
    fn unknown_only_when_status_lacks_the_metric() {
        let spec = json!([
            {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}},
            {"type": "External", "external": {"metric": {"name": "queue_depth"}, "target": {"type": "Value", "value": "50"}}}
        ]);
        // The controller leaves an empty entry when it cannot read a metric.
        let status = json!([
            {"type": ""},
            {"type": "External", "external": {"metric": {"name": "queue_depth"}, "current": {"value": "12"}}}
        ]);
        let row = hpa_row(&hpa(spec.clone(), status));
        assert_eq!(row.targets, "cpu: <unknown>/50%, queue_depth: 12/50");
        assert_eq!(row.metrics[0].ratio, None);
        assert_eq!(row.health, Health::Warning);

        let row = hpa_row(&hpa(spec, Value::Null));
        assert_eq!(row.targets, "cpu: <unknown>/50%, queue_depth: <unknown>/50");
    }

    #[test]
    fn no_metrics_and_unset_target() {
        assert_eq!(targets(Value::Null, Value::Null), "<none>");
        let spec = json!([{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization"}}}]);
        assert_eq!(targets(spec, Value::Null), "cpu: <unknown>/<auto>");
    }

    #[test]
    fn at_max_and_health() {
        let mut h = hpa(Value::Null, Value::Null);
        let status = h.status.as_mut().unwrap();
        status.current_replicas = Some(10);
        status.desired_replicas = 10;
        let row = hpa_row(&h);
        assert!(row.at_max);
        assert_eq!(row.health, Health::Warning);
        assert_eq!(row.reference, "Deployment/api");
        assert_eq!((row.min, row.max), (2, 10));

        let status = h.status.as_mut().unwrap();
        status.current_replicas = Some(4);
        status.desired_replicas = 6;
        let row = hpa_row(&h);
        assert!(!row.at_max);
        assert_eq!(row.health, Health::Progressing);

        let status = h.status.as_mut().unwrap();
        status.conditions = Some(vec![serde_json::from_value(json!({
            "type": "ScalingActive", "status": "False", "reason": "FailedGetResourceMetric",
            "message": "unable to get metrics"
        }))
        .unwrap()]);
        assert_eq!(hpa_row(&h).health, Health::Failed);
    }

    #[test]
    fn conditions_in_fixed_order() {
        let h: HorizontalPodAutoscaler = serde_json::from_value(json!({
            "metadata": {"name": "api"},
            "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "api"}, "maxReplicas": 5},
            "status": {"desiredReplicas": 5, "conditions": [
                {"type": "ScalingLimited", "status": "True", "reason": "TooManyReplicas",
                 "message": "the desired replica count is more than the maximum replica count",
                 "lastTransitionTime": "2026-01-01T00:00:00Z"},
                {"type": "AbleToScale", "status": "True", "reason": "ReadyForNewScale"},
                {"type": "ScalingActive", "status": "True", "reason": "ValidMetricFound"}
            ]}
        }))
        .unwrap();
        let rows = conditions(&h);
        let types: Vec<_> = rows.iter().map(|r| r.type_.as_str()).collect();
        assert_eq!(types, ["AbleToScale", "ScalingActive", "ScalingLimited"]);
        assert_eq!(rows[2].reason, "TooManyReplicas");
        assert!(rows[2].since.is_some());
    }

    #[test]
    fn quantities_print_like_kubectl() {
        let cases = [
            (0.25, false, "250m"),
            (0.2504, false, "250m"),
            (1.25, false, "1250m"),
            (2.0, false, "2"),
            (1000.0, false, "1k"),
            (1500.0, false, "1500"),
            (10_000.0, false, "10k"),
            (0.0, false, "0"),
            (125_829_120.0, true, "120Mi"),
            (1.5 * 1_073_741_824.0, true, "1536Mi"),
            (126_000_000.0, true, "120Mi"),
            (512.0, true, "512"),
            (2_000_000.0, false, "2M"),
        ];
        for (v, binary, want) in cases {
            assert_eq!(format_quantity(v, binary), want, "{v}");
        }
    }

    #[test]
    fn table_cells_and_targets_sort() {
        let spec = json!([{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}]);
        let cool = hpa_row(&hpa(
            spec.clone(),
            json!([{"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 20}}}]),
        ));
        let hot = hpa_row(&hpa(
            spec,
            json!([{"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 90}}}]),
        ));
        let now = "2026-01-01T01:00:00Z".parse().unwrap();
        assert_eq!(
            hot.cells(now),
            [
                "api",
                "Deployment/api",
                "cpu: 90%/50%",
                "2",
                "10",
                "4",
                "4",
                "60m"
            ]
        );
        assert_eq!(HpaRow::COLUMNS.len(), hot.cells(now).len() + 1);
        assert!(hot.sort_key(3) > cool.sort_key(3));
    }
}
