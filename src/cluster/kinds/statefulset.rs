//! StatefulSets (apps/v1): the list as kubectl prints it (NAME READY AGE,
//! plus what was rolled out and where), and a detail with the pods it runs
//! and the events about it.

use chrono::{DateTime, Utc};
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::detail;
use super::{Related, Resource};
use crate::cluster::intake::{meta, pod_spec, Intake};
use crate::cluster::logs::selector_string;
use crate::model::age::{age, to_chrono};
use crate::model::doc::{Doc, Role};
use crate::model::rows::Health;
use crate::model::sanitize::clean_in_place;
use crate::model::table::{age_key, ratio_key, SortKey, TableRow};

pub struct StatefulSets;

impl Resource for StatefulSets {
    type Api = StatefulSet;
    type Row = StatefulSetRow;
    const PLURAL: &'static str = "statefulsets";
    const API_KIND: &'static str = "StatefulSet";
    const TITLE: &'static str = "statefulsets";
    const DETAIL_TITLE: &'static str = "statefulset";
    const ALIASES: &'static [&'static str] = &["sts", "statefulsets", "statefulset"];
    const SHORT: &'static str = "sts";
    const LIST_HINTS: &'static [&'static str] = &["/:filter", "enter:detail", "l:logs"];
    const DETAIL_HINTS: &'static [&'static str] = &["l:logs"];

    fn row(s: &StatefulSet) -> StatefulSetRow {
        let spec = s.spec.as_ref();
        let status = s.status.as_ref();
        let desired = spec.and_then(|s| s.replicas).unwrap_or(1);
        let ready = status.and_then(|s| s.ready_replicas).unwrap_or(0);
        let updated = status.and_then(|s| s.updated_replicas).unwrap_or(0);
        let observed = status.and_then(|s| s.observed_generation);
        let settled = observed.is_none_or(|o| Some(o) >= s.metadata.generation);
        StatefulSetRow {
            namespace: s.metadata.namespace.clone().unwrap_or_default(),
            name: s.metadata.name.clone().unwrap_or_default(),
            ready: format!("{ready}/{desired}"),
            up_to_date: updated,
            service: spec
                .and_then(|s| s.service_name.clone())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| "<none>".into()),
            images: spec
                .and_then(|s| s.template.spec.as_ref())
                .map(|p| {
                    p.containers
                        .iter()
                        .map(|c| c.image.as_deref().unwrap_or(""))
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .unwrap_or_default(),
            created: s.metadata.creation_timestamp.as_ref().map(to_chrono),
            health: if ready >= desired && updated >= desired && settled {
                Health::Ok
            } else {
                Health::Progressing
            },
        }
    }

    fn search(r: &StatefulSetRow) -> String {
        format!(
            "{}/{} {} {} {}",
            r.namespace, r.name, r.ready, r.service, r.images
        )
    }

    fn pod_selector(s: &StatefulSet) -> Option<&LabelSelector> {
        s.spec.as_ref().map(|s| &s.selector)
    }

    fn detail(s: &StatefulSet, related: &Related<'_>, now: DateTime<Utc>) -> Doc {
        let row = Self::row(s);
        let mut doc = detail::title::<Self>(&s.metadata);
        let spec = s.spec.as_ref();
        detail::field(
            &mut doc,
            "Ready",
            format!("{}, {} up to date", row.ready, row.up_to_date),
            row.health.into(),
        );
        detail::field(&mut doc, "Service", row.service.clone(), Role::Text);
        let strategy = spec.and_then(|s| s.update_strategy.as_ref());
        let partition = strategy
            .and_then(|u| u.rolling_update.as_ref())
            .and_then(|r| r.partition)
            .filter(|p| *p > 0);
        let strategy = strategy
            .and_then(|u| u.type_.clone())
            .unwrap_or_else(|| "RollingUpdate".into());
        detail::field(
            &mut doc,
            "Strategy",
            match partition {
                Some(p) => format!("{strategy}, partition {p}"),
                None => strategy,
            },
            Role::Text,
        );
        detail::field(&mut doc, "Images", row.images.clone(), Role::Text);
        if let Some(sel) = spec.map(|s| &s.selector) {
            detail::field(&mut doc, "Selector", selector_string(sel), Role::Text);
        }
        detail::fields(&mut doc, &s.metadata, now);
        for c in s
            .status
            .iter()
            .flat_map(|st| st.conditions.iter().flatten())
        {
            let since = c.last_transition_time.as_ref().map(to_chrono);
            detail::field(
                &mut doc,
                &c.type_,
                format!(
                    "{} {} {} ({})",
                    c.status,
                    c.reason.as_deref().unwrap_or_default(),
                    c.message.as_deref().unwrap_or_default(),
                    age(since, now)
                ),
                if c.status == "True" {
                    Role::Text
                } else {
                    Role::Warning
                },
            );
        }
        if let Some(sel) = Self::pod_selector(s) {
            detail::pods(&mut doc, related, &s.metadata, sel, now);
        }
        detail::events(&mut doc, related, Self::API_KIND, &s.metadata, now);
        doc
    }
}

impl Intake for StatefulSet {
    fn intake(&mut self) {
        meta(&mut self.metadata);
        if let Some(spec) = self.spec.as_mut() {
            spec.service_name.iter_mut().for_each(clean_in_place);
            if let Some(m) = spec.template.metadata.as_mut() {
                meta(m);
            }
            if let Some(ps) = spec.template.spec.as_mut() {
                pod_spec(ps);
                crate::cluster::trim::shrink_spec(ps);
            }
            // Claims are never shown; their templates can be large.
            spec.volume_claim_templates = None;
        }
        for c in self
            .status
            .iter_mut()
            .flat_map(|s| s.conditions.iter_mut().flatten())
        {
            clean_in_place(&mut c.type_);
            c.reason
                .iter_mut()
                .chain(c.message.iter_mut())
                .for_each(clean_in_place);
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct StatefulSetRow {
    pub namespace: String,
    pub name: String,
    /// `ready/desired`.
    pub ready: String,
    pub up_to_date: i32,
    pub service: String,
    pub images: String,
    pub created: Option<DateTime<Utc>>,
    pub health: Health,
}

impl TableRow for StatefulSetRow {
    const COLUMNS: &'static [&'static str] = &[
        "NAMESPACE",
        "NAME",
        "READY",
        "UP-TO-DATE",
        "SERVICE",
        "IMAGES",
        "AGE",
    ];
    const MAX_WIDTHS: &'static [u16] = &[20, 40, 7, 10, 30, 0, 8];
    const DROP_ORDER: &'static [usize] = &[3, 4, 0];

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
            self.ready.clone(),
            self.up_to_date.to_string(),
            self.service.clone(),
            self.images.clone(),
            age(self.created, now),
        ]
    }
    fn sort_key(&self, col: usize) -> SortKey<'_> {
        match col {
            0 => SortKey::Text(&self.namespace),
            2 => ratio_key(&self.ready),
            3 => SortKey::Num(self.up_to_date.into()),
            4 => SortKey::Text(&self.service),
            5 => SortKey::Text(&self.images),
            6 => age_key(self.created),
            _ => SortKey::Text(&self.name),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;

    use super::*;
    use crate::cluster::kinds::Item;
    use crate::model::cached::Pod;
    use crate::model::rows::pod_row;

    fn now() -> DateTime<Utc> {
        "2026-01-01T12:00:00Z".parse().unwrap()
    }

    fn redis(ready: i32) -> StatefulSet {
        serde_json::from_value(json!({
            "metadata": {"name": "redis", "namespace": "shop", "generation": 1,
                "creationTimestamp": "2026-01-01T11:00:00Z",
                "managedFields": [{"manager": "kubectl"}]},
            "spec": {"replicas": 1, "serviceName": "redis\u{1b}[2J",
                "selector": {"matchLabels": {"app": "redis"}},
                "template": {"metadata": {"labels": {"app": "redis"}},
                    "spec": {"containers": [{"name": "redis", "image": "redis:7"}]}},
                "volumeClaimTemplates": [{"metadata": {"name": "data"}}]},
            "status": {"replicas": 1, "readyReplicas": ready, "updatedReplicas": 1,
                "observedGeneration": 1}
        }))
        .unwrap()
    }

    fn pod(name: &str, app: &str) -> Item<crate::model::rows::PodRow, Pod> {
        let p: Pod = serde_json::from_value(json!({
            "metadata": {"name": name, "namespace": "shop", "labels": {"app": app}},
            "spec": {"containers": [{"name": "c", "image": "i"}]},
            "status": {"phase": "Running", "containerStatuses": [{"name": "c", "ready": true,
                "restartCount": 0, "image": "i", "imageID": "", "state": {"running": {}}}]}
        }))
        .unwrap();
        let row = pod_row(&p);
        Item {
            search: String::new(),
            row,
            obj: Arc::new(p),
        }
    }

    #[test]
    fn rows_read_like_kubectl_and_intake_cleans() {
        let mut s = redis(0);
        s.intake();
        assert!(s.metadata.managed_fields.is_none());
        let spec = s.spec.as_ref().unwrap();
        assert!(spec.volume_claim_templates.is_none());
        let row = StatefulSets::row(&s);
        assert_eq!(row.service, "redis\u{FFFD}");
        assert_eq!(
            row.cells(now()),
            ["redis", "0/1", "1", "redis\u{FFFD}", "redis:7", "60m"]
        );
        assert_eq!(row.health, Health::Progressing);
        assert_eq!(StatefulSets::row(&redis(1)).health, Health::Ok);
    }

    #[test]
    fn the_detail_lists_the_pods_its_selector_matches() {
        let pods = [pod("redis-0", "redis"), pod("api-1", "api")];
        let related = Related {
            pods: &pods,
            events: &[],
            events_complete: true,
        };
        let doc = StatefulSets::detail(&redis(1), &related, now());
        let text: Vec<String> = doc
            .lines
            .iter()
            .map(|l| l.iter().map(|(t, _)| t.as_str()).collect())
            .collect();
        let text = text.join("\n");
        assert_eq!(doc.title, "statefulset shop/redis");
        assert!(text.contains("Pods (1)"), "{text}");
        assert!(text.contains("redis-0"), "{text}");
        assert!(!text.contains("api-1"), "{text}");
        assert!(text.contains("Selector     app=redis"), "{text}");
        assert!(text.contains("no events"), "{text}");
    }
}
