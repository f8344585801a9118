//! Label and field selectors with the upstream grammar
//! (`k8s.io/apimachinery/pkg/labels` and `.../fields`).

use std::collections::BTreeMap;

use serde_json::Value;

use super::error::ApiError;
use super::meta;
use super::resources::ResourceDef;

#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    Equals(String),
    NotEquals(String),
    In(Vec<String>),
    NotIn(Vec<String>),
    Exists,
    DoesNotExist,
    Gt(i64),
    Lt(i64),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Requirement {
    pub key: String,
    pub op: Op,
}

impl Requirement {
    fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let value = labels.get(&self.key);
        match &self.op {
            Op::Equals(v) => value == Some(v),
            Op::NotEquals(v) => value != Some(v),
            Op::In(vs) => value.is_some_and(|x| vs.contains(x)),
            Op::NotIn(vs) => value.is_none_or(|x| !vs.contains(x)),
            Op::Exists => value.is_some(),
            Op::DoesNotExist => value.is_none(),
            Op::Gt(n) => value
                .and_then(|x| x.parse::<i64>().ok())
                .is_some_and(|x| x > *n),
            Op::Lt(n) => value
                .and_then(|x| x.parse::<i64>().ok())
                .is_some_and(|x| x < *n),
        }
    }

    fn render(&self) -> String {
        let key = &self.key;
        match &self.op {
            Op::Equals(v) => format!("{key}={v}"),
            Op::NotEquals(v) => format!("{key}!={v}"),
            Op::In(vs) => format!("{key} in ({})", vs.join(",")),
            Op::NotIn(vs) => format!("{key} notin ({})", vs.join(",")),
            Op::Exists => key.clone(),
            Op::DoesNotExist => format!("!{key}"),
            Op::Gt(n) => format!("{key}>{n}"),
            Op::Lt(n) => format!("{key}<{n}"),
        }
    }
}

/// A conjunction of requirements; the empty selector matches everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LabelSelector {
    pub requirements: Vec<Requirement>,
    /// A `metav1.LabelSelector` that is null selects nothing.
    pub selects_nothing: bool,
}

impl LabelSelector {
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        !self.selects_nothing && self.requirements.iter().all(|r| r.matches(labels))
    }

    pub fn matches_object(&self, obj: &Value) -> bool {
        self.matches(&meta::labels(obj))
    }

    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty() && !self.selects_nothing
    }

    /// The string form (`app=web,tier in (a,b)`), sorted by key like upstream.
    pub fn render(&self) -> String {
        let mut reqs = self.requirements.clone();
        reqs.sort_by(|a, b| a.key.cmp(&b.key));
        reqs.iter()
            .map(Requirement::render)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Parses the query-string form used by `labelSelector=`.
    pub fn parse(input: &str) -> Result<LabelSelector, ApiError> {
        let mut requirements = Vec::new();
        for part in split_top_level(input)? {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            requirements.push(parse_requirement(part)?);
        }
        Ok(LabelSelector {
            requirements,
            selects_nothing: false,
        })
    }

    /// Converts a `metav1.LabelSelector` object (`matchLabels`, `matchExpressions`).
    pub fn from_object(sel: Option<&Value>) -> Result<LabelSelector, String> {
        let Some(sel) = sel.filter(|s| !s.is_null()) else {
            return Ok(LabelSelector {
                requirements: Vec::new(),
                selects_nothing: true,
            });
        };
        let mut requirements = Vec::new();
        for (k, v) in meta::string_map(sel.get("matchLabels")) {
            requirements.push(Requirement {
                key: k,
                op: Op::Equals(v),
            });
        }
        let exprs = sel
            .get("matchExpressions")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        for e in exprs {
            let key = e
                .get("key")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let mut values: Vec<String> = e
                .get("values")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default();
            values.sort();
            let op = match e.get("operator").and_then(Value::as_str).unwrap_or("") {
                "In" => Op::In(values),
                "NotIn" => Op::NotIn(values),
                "Exists" => Op::Exists,
                "DoesNotExist" => Op::DoesNotExist,
                other => return Err(format!("{other:?} is not a valid label selector operator")),
            };
            requirements.push(Requirement { key, op });
        }
        Ok(LabelSelector {
            requirements,
            selects_nothing: false,
        })
    }
}

fn split_top_level(input: &str) -> Result<Vec<&str>, ApiError> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in input.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth = depth
                    .checked_sub(1)
                    .ok_or_else(|| parse_error(input, "unbalanced parentheses"))?;
            }
            ',' if depth == 0 => {
                parts.push(&input[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err(parse_error(input, "unbalanced parentheses"));
    }
    parts.push(&input[start..]);
    Ok(parts)
}

fn parse_error(input: &str, why: &str) -> ApiError {
    ApiError::bad_request(format!(
        "unable to parse requirement: {why}: found {input:?}"
    ))
}

fn valid_key(key: &str) -> bool {
    let name = key.rsplit('/').next().unwrap_or("");
    !name.is_empty()
        && name.len() <= 63
        && key.len() <= 316
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric())
}

fn valid_value(v: &str) -> bool {
    v.is_empty()
        || (v.len() <= 63
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            && v.starts_with(|c: char| c.is_ascii_alphanumeric())
            && v.ends_with(|c: char| c.is_ascii_alphanumeric()))
}

fn parse_requirement(part: &str) -> Result<Requirement, ApiError> {
    let checked_key = |k: &str| -> Result<String, ApiError> {
        let k = k.trim();
        if valid_key(k) {
            Ok(k.to_string())
        } else {
            Err(parse_error(part, "invalid label key"))
        }
    };
    let checked_value = |v: &str| -> Result<String, ApiError> {
        let v = v.trim();
        if valid_value(v) {
            Ok(v.to_string())
        } else {
            Err(parse_error(part, "invalid label value"))
        }
    };
    if let Some(rest) = part.strip_prefix('!') {
        return Ok(Requirement {
            key: checked_key(rest)?,
            op: Op::DoesNotExist,
        });
    }
    if let Some(i) = part.find("!=") {
        return Ok(Requirement {
            key: checked_key(&part[..i])?,
            op: Op::NotEquals(checked_value(&part[i + 2..])?),
        });
    }
    if let Some(i) = part.find("==") {
        return Ok(Requirement {
            key: checked_key(&part[..i])?,
            op: Op::Equals(checked_value(&part[i + 2..])?),
        });
    }
    if let Some(i) = part.find('=') {
        return Ok(Requirement {
            key: checked_key(&part[..i])?,
            op: Op::Equals(checked_value(&part[i + 1..])?),
        });
    }
    for (sym, is_gt) in [(">", true), ("<", false)] {
        if let Some(i) = part.find(sym) {
            let n: i64 = part[i + 1..].trim().parse().map_err(|_| {
                parse_error(
                    part,
                    "for 'Gt', 'Lt' operators, the value must be an integer",
                )
            })?;
            let key = checked_key(&part[..i])?;
            let op = if is_gt { Op::Gt(n) } else { Op::Lt(n) };
            return Ok(Requirement { key, op });
        }
    }
    if let Some(open) = part.find('(') {
        let head = part[..open].trim();
        let (key, negated) = if let Some(k) = head.strip_suffix(" notin") {
            (k, true)
        } else if let Some(k) = head.strip_suffix(" in") {
            (k, false)
        } else {
            return Err(parse_error(part, "expected 'in' or 'notin'"));
        };
        let inner = part[open + 1..]
            .trim_end()
            .strip_suffix(')')
            .ok_or_else(|| parse_error(part, "expected ')'"))?;
        let mut values = inner
            .split(',')
            .map(checked_value)
            .collect::<Result<Vec<_>, _>>()?;
        values.sort();
        let key = checked_key(key)?;
        let op = if negated {
            Op::NotIn(values)
        } else {
            Op::In(values)
        };
        return Ok(Requirement { key, op });
    }
    Ok(Requirement {
        key: checked_key(part)?,
        op: Op::Exists,
    })
}

/// A field selector: `metadata.name=x,status.phase!=Running`.
#[derive(Debug, Clone, Default)]
pub struct FieldSelector {
    terms: Vec<(String, bool, String)>,
}

/// JSON path of each selectable field, per resource (what upstream registers).
fn field_path(res: &ResourceDef, field: &str) -> Option<&'static [&'static str]> {
    let common: Option<&'static [&'static str]> = match field {
        "metadata.name" => Some(&["metadata", "name"]),
        "metadata.namespace" => Some(&["metadata", "namespace"]),
        _ => None,
    };
    if common.is_some() {
        return common;
    }
    match (res.plural, field) {
        ("pods", "spec.nodeName") => Some(&["spec", "nodeName"]),
        ("pods", "spec.restartPolicy") => Some(&["spec", "restartPolicy"]),
        ("pods", "spec.schedulerName") => Some(&["spec", "schedulerName"]),
        ("pods", "spec.serviceAccountName") => Some(&["spec", "serviceAccountName"]),
        ("pods", "status.phase") => Some(&["status", "phase"]),
        ("pods", "status.podIP") => Some(&["status", "podIP"]),
        ("pods", "status.nominatedNodeName") => Some(&["status", "nominatedNodeName"]),
        ("namespaces", "status.phase") => Some(&["status", "phase"]),
        ("nodes", "spec.unschedulable") => Some(&["spec", "unschedulable"]),
        ("replicasets", "status.replicas") => Some(&["status", "replicas"]),
        ("secrets", "type") => Some(&["type"]),
        ("services", "spec.clusterIP") => Some(&["spec", "clusterIP"]),
        ("services", "spec.type") => Some(&["spec", "type"]),
        ("events", "involvedObject.kind") => Some(&["involvedObject", "kind"]),
        ("events", "involvedObject.namespace") => Some(&["involvedObject", "namespace"]),
        ("events", "involvedObject.name") => Some(&["involvedObject", "name"]),
        ("events", "involvedObject.uid") => Some(&["involvedObject", "uid"]),
        ("events", "involvedObject.apiVersion") => Some(&["involvedObject", "apiVersion"]),
        ("events", "involvedObject.resourceVersion") => {
            Some(&["involvedObject", "resourceVersion"])
        }
        ("events", "involvedObject.fieldPath") => Some(&["involvedObject", "fieldPath"]),
        ("events", "reason") => Some(&["reason"]),
        ("events", "reportingComponent") => Some(&["reportingComponent"]),
        ("events", "source") => Some(&["source", "component"]),
        ("events", "type") => Some(&["type"]),
        _ => None,
    }
}

impl FieldSelector {
    pub fn parse(res: &ResourceDef, input: &str) -> Result<FieldSelector, ApiError> {
        let mut terms = Vec::new();
        for part in input.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (field, negate, value) = if let Some(i) = part.find("!=") {
                (&part[..i], true, &part[i + 2..])
            } else if let Some(i) = part.find("==") {
                (&part[..i], false, &part[i + 2..])
            } else if let Some(i) = part.find('=') {
                (&part[..i], false, &part[i + 1..])
            } else {
                return Err(ApiError::bad_request(format!(
                    "invalid field selector: invalid selector: '{part}'; can't understand '{part}'"
                )));
            };
            let field = field.trim();
            if field_path(res, field).is_none() {
                return Err(ApiError::bad_request(format!(
                    "field label not supported: {field}"
                )));
            }
            terms.push((field.to_string(), negate, value.trim().to_string()));
        }
        Ok(FieldSelector { terms })
    }

    pub fn matches(&self, res: &ResourceDef, obj: &Value) -> bool {
        self.terms.iter().all(|(field, negate, want)| {
            let actual = field_path(res, field)
                .and_then(|p| meta::at(obj, p))
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    Value::Null => String::new(),
                    other => other.to_string(),
                })
                .unwrap_or_default();
            (actual == *want) != *negate
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::resources::PODS;
    use serde_json::json;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn parses_every_operator() {
        let l = labels(&[("app", "web"), ("tier", "front"), ("n", "5")]);
        let yes = [
            "",
            "app=web",
            "app==web",
            "app!=api",
            "tier in (front, back)",
            "tier notin (back)",
            "app",
            "!missing",
            "app=web,tier in (front,back),!missing",
            "n>3",
            "n<6",
            " app = web ",
        ];
        for s in yes {
            assert!(LabelSelector::parse(s).unwrap().matches(&l), "{s}");
        }
        let no = [
            "app=api",
            "app!=web",
            "tier in (back)",
            "tier notin (front)",
            "missing",
            "!app",
            "n>5",
        ];
        for s in no {
            assert!(!LabelSelector::parse(s).unwrap().matches(&l), "{s}");
        }
    }

    #[test]
    fn rejects_malformed_selectors() {
        for s in ["app in (a", "app=(", "a b=c", "=x", "tier is (a)", "n>x"] {
            let err = LabelSelector::parse(s).unwrap_err();
            assert_eq!(err.code, 400, "{s}");
        }
    }

    #[test]
    fn object_selector_renders_sorted() {
        let sel = json!({
            "matchLabels": {"pod-template-hash": "abc", "app": "web"},
            "matchExpressions": [{"key": "env", "operator": "In", "values": ["prod", "dev"]}]
        });
        let s = LabelSelector::from_object(Some(&sel)).unwrap();
        assert_eq!(
            s.render(),
            "app=web,env in (dev,prod),pod-template-hash=abc"
        );
        assert!(s.matches(&labels(&[
            ("app", "web"),
            ("env", "dev"),
            ("pod-template-hash", "abc")
        ])));
        assert!(!LabelSelector::from_object(None)
            .unwrap()
            .matches(&labels(&[])));
        assert!(LabelSelector::from_object(Some(
            &json!({"matchExpressions": [{"key": "a", "operator": "Bogus"}]})
        ))
        .is_err());
    }

    #[test]
    fn field_selectors() {
        let pod = json!({"metadata": {"name": "p", "namespace": "ns"}, "spec": {"nodeName": "n1"}, "status": {"phase": "Running"}});
        let ok = |s: &str| FieldSelector::parse(&PODS, s).unwrap().matches(&PODS, &pod);
        assert!(ok("metadata.name=p"));
        assert!(ok("metadata.namespace==ns,status.phase=Running"));
        assert!(ok("spec.nodeName!=n2"));
        assert!(!ok("status.phase!=Running"));
        assert!(!ok("spec.nodeName="));
        assert_eq!(
            FieldSelector::parse(&PODS, "spec.bogus=1")
                .unwrap_err()
                .code,
            400
        );
        assert_eq!(
            FieldSelector::parse(&PODS, "novalue").unwrap_err().code,
            400
        );
    }
}
