//! Rows derived from the caches, rebuilt only for the kinds that changed.

use std::collections::HashMap;
use std::sync::Arc;

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::{Event, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use kube::runtime::reflector::Store;

use crate::cluster::metrics::PodUsage;
use crate::cluster::{Kind, Stores};
use crate::model::cached::Pod;
use crate::model::events::{event_row, EventRow};
use crate::model::history::HpaHistory;
use crate::model::hpa::{hpa_row, HpaRow};
use crate::model::rows::{deployment_row, pod_row, DeploymentRow, PodRow};
use crate::model::table::TableRow;

/// A row with the object it came from and the text `/` searches.
#[derive(Clone, Debug)]
pub struct Item<R, K> {
    pub row: R,
    pub obj: Arc<K>,
    /// Starts `namespace/name` (for events, the involved object's name),
    /// then the other columns.
    pub search: String,
}

impl<R: TableRow, K> Item<R, K> {
    /// The search text from the name on, where `/^api` anchors: the
    /// namespace prefix is `namespace/`, so no copy is needed.
    pub fn search_from_name(&self) -> &str {
        self.search
            .get(self.row.namespace().len() + 1..)
            .unwrap_or(&self.search)
    }
}

#[derive(Clone, Debug, Default)]
pub struct Data {
    pub deployments: Vec<Item<DeploymentRow, Deployment>>,
    pub pods: Vec<Item<PodRow, Pod>>,
    pub events: Vec<Item<EventRow, Event>>,
    /// `events` holds every event, not only the Warnings kept in the
    /// background (see `cluster::event_scope`).
    pub events_complete: bool,
    pub replicasets: Vec<Arc<ReplicaSet>>,
    pub hpas: Vec<Item<HpaRow, HorizontalPodAutoscaler>>,
    /// Replicas and metrics of every HPA since kockpit started, for charts.
    pub hpa_history: HpaHistory,
    pub services: Vec<Arc<Service>>,
    pub endpointslices: Vec<Arc<EndpointSlice>>,
    /// CPU and memory per (namespace, pod), when the cluster serves metrics.
    pub usage: HashMap<(String, String), PodUsage>,
}

impl Data {
    pub fn refresh(&mut self, kind: Kind, stores: &Stores) {
        match kind {
            Kind::Deployments => {
                self.deployments = items(
                    sorted(&stores.deployments),
                    deployment_row,
                    deployment_search,
                )
            }
            Kind::Pods => self.refresh_pods(sorted(&stores.pods)),
            Kind::Events => {
                self.events = items(sorted(&stores.events), event_row, event_search);
                self.events_complete = stores.event_scope.complete();
            }
            Kind::ReplicaSets => self.replicasets = sorted(&stores.replicasets),
            Kind::Hpas => self.set_hpas(sorted(&stores.hpas), chrono::Utc::now()),
            Kind::Services => self.services = sorted(&stores.services),
            Kind::EndpointSlices => self.endpointslices = sorted(&stores.endpointslices),
            Kind::Metrics => {
                if let Some(usage) = stores.usage.take() {
                    self.set_usage(usage);
                }
            }
            Kind::Health => {}
        }
    }

    /// New usage figures: only the pod rows change.
    pub fn set_usage(&mut self, usage: HashMap<(String, String), PodUsage>) {
        self.usage = usage;
        let pods = std::mem::take(&mut self.pods)
            .into_iter()
            .map(|it| it.obj)
            .collect();
        self.refresh_pods(pods);
    }

    fn refresh_pods(&mut self, pods: Vec<Arc<Pod>>) {
        self.set_pods(pods);
    }

    /// Replaces the pod rows. The store hands back the same `Arc` for an
    /// object that did not change, so only changed pods are re-derived: a
    /// burst of 100 changes among 10,000 pods costs 100 rows, not 10,000.
    pub fn set_pods(&mut self, pods: Vec<Arc<Pod>>) {
        let mut old: HashMap<*const Pod, Item<PodRow, Pod>> = std::mem::take(&mut self.pods)
            .into_iter()
            .map(|it| (Arc::as_ptr(&it.obj), it))
            .collect();
        let usage = &self.usage;
        self.pods = pods
            .into_iter()
            .map(|obj| {
                if let Some(item) = old.remove(&Arc::as_ptr(&obj)) {
                    return item;
                }
                let mut row = pod_row(&obj);
                if let Some(u) = usage.get(&(row.namespace.clone(), row.name.clone())) {
                    row.cpu = Some(u.cpu_cores);
                    row.memory = Some(u.memory_bytes);
                }
                Item {
                    search: pod_search(&row),
                    row,
                    obj,
                }
            })
            .collect();
    }

    /// For tests and benches: rows straight from objects.
    pub fn from_objects(deployments: Vec<Deployment>, pods: Vec<Pod>) -> Self {
        let mut data = Data {
            deployments: items(
                deployments.into_iter().map(Arc::new).collect(),
                deployment_row,
                deployment_search,
            ),
            ..Data::default()
        };
        data.refresh_pods(pods.into_iter().map(Arc::new).collect());
        data
    }

    /// A complete set of events.
    pub fn with_events(mut self, events: Vec<Event>) -> Self {
        self.events = items(
            events.into_iter().map(Arc::new).collect(),
            event_row,
            event_search,
        );
        self.events_complete = true;
        self
    }

    pub fn with_replicasets(mut self, rss: Vec<ReplicaSet>) -> Self {
        self.replicasets = rss.into_iter().map(Arc::new).collect();
        self
    }

    pub fn with_hpas(
        mut self,
        hpas: Vec<HorizontalPodAutoscaler>,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Self {
        self.set_hpas(hpas.into_iter().map(Arc::new).collect(), at);
        self
    }

    /// New HPA rows, each also recorded in the history the charts draw.
    pub fn set_hpas(
        &mut self,
        hpas: Vec<Arc<HorizontalPodAutoscaler>>,
        at: chrono::DateTime<chrono::Utc>,
    ) {
        self.hpas = items(hpas, hpa_row, hpa_search);
        for it in &self.hpas {
            self.hpa_history.record_row(&it.row, at);
        }
    }

    /// Called on the clock tick: keeps flat stretches of the charts moving.
    /// Returns whether any history changed.
    pub fn tick_history(&mut self, at: chrono::DateTime<chrono::Utc>) -> bool {
        let mut changed = false;
        for it in &self.hpas {
            changed |= self.hpa_history.record_row(&it.row, at);
        }
        changed
    }
}

fn deployment_search(r: &DeploymentRow) -> String {
    format!(
        "{}/{} {} {} {} {}",
        r.namespace, r.name, r.ready, r.images, r.status, r.status_message
    )
}

fn pod_search(r: &PodRow) -> String {
    format!(
        "{}/{} {} {} {} {}",
        r.namespace, r.name, r.ready, r.status, r.node, r.owner
    )
}

fn hpa_search(r: &HpaRow) -> String {
    format!("{}/{} {} {}", r.namespace, r.name, r.reference, r.targets)
}

fn event_search(r: &EventRow) -> String {
    let ty = if r.warning { "Warning" } else { "Normal" };
    // An event is found by the object it is about, as `ns/name` like rows.
    format!(
        "{}/{} {} {} {} {}",
        r.namespace, r.object_name, ty, r.reason, r.object, r.message
    )
}

/// A stable base order so equal sort keys never shuffle between updates.
fn sorted<K>(store: &Store<K>) -> Vec<Arc<K>>
where
    K: kube::Resource<DynamicType = ()> + Clone + 'static,
{
    let mut objs = store.state();
    // Compares borrowed names: no allocation per comparison.
    objs.sort_unstable_by(|a, b| {
        let (ma, mb) = (a.meta(), b.meta());
        (ma.namespace.as_deref(), ma.name.as_deref())
            .cmp(&(mb.namespace.as_deref(), mb.name.as_deref()))
    });
    objs
}

fn items<K, R>(objs: Vec<Arc<K>>, row: fn(&K) -> R, search: fn(&R) -> String) -> Vec<Item<R, K>> {
    objs.into_iter()
        .map(|obj| {
            let row = row(&obj);
            Item {
                search: search(&row),
                row,
                obj,
            }
        })
        .collect()
}
