//! Label selectors: the `-l` filter an operator types, and a Deployment's
//! `spec.selector`, matched against labels the way the API server does.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use kube::core::{Expression, SelectorExt};

/// A parsed selector; all requirements must hold. The requirements and
/// their matching are kube's (`kube::core::Selector`); kube has no parser
/// for the text form, so that is read here.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Selector(kube::core::Selector);

/// What unlabelled objects are matched against.
static NO_LABELS: BTreeMap<String, String> = BTreeMap::new();

impl Selector {
    /// Parses `app=web,tier!=db,env in (prod,stage),!canary,track`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut exprs = Vec::new();
        for part in split_top_level(text) {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            exprs.push(parse_req(part)?);
        }
        Ok(Selector(exprs.into_iter().collect()))
    }

    /// A Deployment/ReplicaSet selector. An empty selector matches
    /// everything, as the API server treats it. Unlike kube's `TryFrom`,
    /// a malformed expression narrows the match instead of failing.
    pub fn from_label_selector(sel: &LabelSelector) -> Self {
        let labels = sel
            .match_labels
            .iter()
            .flatten()
            .map(|(k, v)| Expression::Equal(k.clone(), v.clone()));
        let exprs = sel.match_expressions.iter().flatten().map(|e| {
            let values = e.values.iter().flatten().cloned().collect();
            let key = e.key.clone();
            match e.operator.as_str() {
                "In" => Expression::In(key, values),
                "NotIn" => Expression::NotIn(key, values),
                "Exists" => Expression::Exists(key),
                "DoesNotExist" => Expression::DoesNotExist(key),
                // An unknown operator must not widen the match.
                _ => Expression::In(key, Default::default()),
            }
        });
        Selector(labels.chain(exprs).collect())
    }

    pub fn matches(&self, labels: Option<&BTreeMap<String, String>>) -> bool {
        self.0.matches(labels.unwrap_or(&NO_LABELS))
    }
}

fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

fn parse_req(part: &str) -> Result<Expression, String> {
    let bad = || format!("bad label selector \"{part}\"");
    if let Some(key) = part.strip_prefix('!') {
        return Ok(Expression::DoesNotExist(
            valid_key(key.trim()).ok_or_else(bad)?,
        ));
    }
    for (op, ctor) in [("!=", 0u8), ("==", 1), ("=", 1)] {
        if let Some((k, v)) = part.split_once(op) {
            let k = valid_key(k.trim()).ok_or_else(bad)?;
            let v = v.trim().to_string();
            return Ok(if ctor == 0 {
                Expression::NotEqual(k, v)
            } else {
                Expression::Equal(k, v)
            });
        }
    }
    for (op, neg) in [(" notin ", true), (" in ", false)] {
        if let Some((k, rest)) = part.split_once(op) {
            let k = valid_key(k.trim()).ok_or_else(bad)?;
            let inner = rest
                .trim()
                .strip_prefix('(')
                .and_then(|r| r.strip_suffix(')'))
                .ok_or_else(bad)?;
            let values = inner
                .split(',')
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .collect();
            return Ok(if neg {
                Expression::NotIn(k, values)
            } else {
                Expression::In(k, values)
            });
        }
    }
    Ok(Expression::Exists(valid_key(part).ok_or_else(bad)?))
}

fn valid_key(k: &str) -> Option<String> {
    let ok = !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
    ok.then(|| k.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn parses_and_matches_every_operator() {
        let l = labels(&[("app", "web"), ("env", "prod"), ("track", "stable")]);
        for (sel, want) in [
            ("app=web", true),
            ("app==web", true),
            ("app!=web", false),
            ("env in (prod, stage)", true),
            ("env notin (prod)", false),
            ("track", true),
            ("!canary", true),
            ("!track", false),
            ("app=web,env in (stage)", false),
            ("", true),
        ] {
            assert_eq!(
                Selector::parse(sel).unwrap().matches(Some(&l)),
                want,
                "{sel}"
            );
        }
        assert!(!Selector::parse("app=web").unwrap().matches(None));
        assert!(Selector::parse("app!=web").unwrap().matches(None));
    }

    #[test]
    fn rejects_garbage() {
        for bad in ["=x", "a b", "env in prod", "!"] {
            assert!(Selector::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn label_selector_expressions() {
        let sel: LabelSelector = serde_json::from_value(serde_json::json!({
            "matchLabels": {"app": "web"},
            "matchExpressions": [{"key": "slot", "operator": "In", "values": ["blue"]}]
        }))
        .unwrap();
        let s = Selector::from_label_selector(&sel);
        assert!(s.matches(Some(&labels(&[("app", "web"), ("slot", "blue")]))));
        assert!(!s.matches(Some(&labels(&[("app", "web"), ("slot", "green")]))));
    }

    #[test]
    fn malformed_expressions_narrow_the_match() {
        let l = labels(&[("app", "web"), ("slot", "blue")]);
        for expr in [
            serde_json::json!({"key": "slot", "operator": "Sideways", "values": ["blue"]}),
            serde_json::json!({"key": "slot", "operator": "In"}),
        ] {
            let sel: LabelSelector =
                serde_json::from_value(serde_json::json!({"matchExpressions": [expr]})).unwrap();
            assert!(
                !Selector::from_label_selector(&sel).matches(Some(&l)),
                "{expr}"
            );
        }
        let none: LabelSelector = serde_json::from_value(serde_json::json!({})).unwrap();
        assert!(Selector::from_label_selector(&none).matches(None));
    }
}
