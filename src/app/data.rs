//! Rows derived from the caches, rebuilt only for the kinds that changed.

use std::collections::HashMap;
use std::sync::Arc;

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::Event;
use kube::runtime::reflector::Store;

use crate::cluster::kinds::{kinds_list, Related};
pub use crate::cluster::kinds::{DetailView, Item, Resource};
use crate::cluster::metrics::PodUsage;
use crate::cluster::{Kind, Stores};
use crate::model::cached::Pod;
use crate::model::history::HpaHistory;

/// Something done with one kind's rows, whatever its row type: the list
/// screens reach their rows through this (`Data::visit`).
pub trait Visit {
    type Out;
    fn visit<R: Resource>(self, items: &[Item<R::Row, R::Api>]) -> Self::Out;
}

/// A kind's rows, typed.
pub type Items<R> = Vec<Item<<R as Resource>::Row, <R as Resource>::Api>>;

/// The rows of kind `R`, found by type (`Data::with`).
pub trait Rows<R: Resource> {
    fn rows_mut(&mut self) -> &mut Items<R>;
}

macro_rules! define_data {
    (
        listed { $($lk:ident $lf:ident $m:ident::$r:ident,)* }
        cached { $($ck:ident $cf:ident $ct:ty,)* }
    ) => {
        /// One field per watched kind: rows for the listed ones, the
        /// objects for the others.
        #[derive(Clone, Debug, Default)]
        pub struct Data {
            $(pub $lf: Items<crate::cluster::kinds::$m::$r>,)*
            $(pub $cf: Vec<Arc<$ct>>,)*
            /// `events` holds every event, not only the Warnings kept in the
            /// background (see `cluster::event_scope`).
            pub events_complete: bool,
            /// Replicas and metrics of every HPA since kockpit started, for charts.
            pub hpa_history: HpaHistory,
            /// CPU and memory per (namespace, pod), when the cluster serves metrics.
            pub usage: HashMap<(String, String), PodUsage>,
        }

        impl Data {
            /// Reads one kind's store again; returns the rows built afresh.
            fn reload(&mut self, kind: Kind, stores: &Stores) -> Vec<usize> {
                match kind {
                    $(Kind::$lk => rebuild::<crate::cluster::kinds::$m::$r>(&mut self.$lf, sorted(&stores.$lf)),)*
                    $(Kind::$ck => {
                        self.$cf = sorted(&stores.$cf);
                        Vec::new()
                    })*
                    Kind::Metrics | Kind::Health => Vec::new(),
                }
            }

            /// Runs `v` over the rows of `kind`; `None` for kinds without a list.
            pub fn visit<V: Visit>(&self, kind: Kind, v: V) -> Option<V::Out> {
                match kind {
                    $(Kind::$lk => Some(v.visit::<crate::cluster::kinds::$m::$r>(&self.$lf)),)*
                    $(Kind::$ck)|* | Kind::Metrics | Kind::Health => None,
                }
            }
        }

        $(impl Rows<crate::cluster::kinds::$m::$r> for Data {
            fn rows_mut(&mut self) -> &mut Items<crate::cluster::kinds::$m::$r> {
                &mut self.$lf
            }
        })*
    };
}

kinds_list!(define_data);

impl Data {
    pub fn refresh(&mut self, kind: Kind, stores: &Stores) {
        let fresh = self.reload(kind, stores);
        // What some kinds add to their rows.
        match kind {
            Kind::Pods => self.add_usage(&fresh),
            Kind::Events => self.events_complete = stores.event_scope.complete(),
            Kind::Hpas => self.record_hpas(chrono::Utc::now()),
            Kind::Metrics => {
                if let Some(usage) = stores.usage.take() {
                    self.set_usage(usage);
                }
            }
            _ => {}
        }
    }

    /// What a detail reads besides its own object.
    pub fn related(&self) -> Related<'_> {
        Related {
            pods: &self.pods,
            events: &self.events,
            events_complete: self.events_complete,
        }
    }

    /// New usage figures: only the pod rows change.
    pub fn set_usage(&mut self, usage: HashMap<(String, String), PodUsage>) {
        self.usage = usage;
        let pods = std::mem::take(&mut self.pods)
            .into_iter()
            .map(|it| it.obj)
            .collect();
        self.set_pods(pods);
    }

    /// Replaces the pod rows; only changed pods are re-derived (`rebuild`).
    pub fn set_pods(&mut self, pods: Vec<Arc<Pod>>) {
        let fresh = rebuild::<crate::cluster::kinds::pod::Pods>(&mut self.pods, pods);
        self.add_usage(&fresh);
    }

    fn add_usage(&mut self, fresh: &[usize]) {
        for i in fresh {
            let Some(row) = self.pods.get_mut(*i).map(|it| &mut it.row) else {
                continue;
            };
            if let Some(u) = self.usage.get(&(row.namespace.clone(), row.name.clone())) {
                row.cpu = Some(u.cpu_cores);
                row.memory = Some(u.memory_bytes);
            }
        }
    }

    /// For tests and benches: rows straight from objects.
    pub fn from_objects(deployments: Vec<Deployment>, pods: Vec<Pod>) -> Self {
        let mut data = Data::default();
        rebuild::<crate::cluster::kinds::deployment::Deployments>(
            &mut data.deployments,
            deployments.into_iter().map(Arc::new).collect(),
        );
        data.set_pods(pods.into_iter().map(Arc::new).collect());
        data
    }

    /// A complete set of events.
    pub fn with_events(mut self, events: Vec<Event>) -> Self {
        rebuild::<crate::cluster::kinds::event::Events>(
            &mut self.events,
            events.into_iter().map(Arc::new).collect(),
        );
        self.events_complete = true;
        self
    }

    pub fn with_replicasets(mut self, rss: Vec<ReplicaSet>) -> Self {
        self.replicasets = rss.into_iter().map(Arc::new).collect();
        self
    }

    /// For tests and benches: rows of any listed kind straight from objects.
    pub fn with<R: Resource>(mut self, objs: Vec<R::Api>) -> Self
    where
        Self: Rows<R>,
    {
        rebuild::<R>(
            Rows::<R>::rows_mut(&mut self),
            objs.into_iter().map(Arc::new).collect(),
        );
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
        rebuild::<crate::cluster::kinds::hpa::Hpas>(&mut self.hpas, hpas);
        self.record_hpas(at);
    }

    fn record_hpas(&mut self, at: chrono::DateTime<chrono::Utc>) {
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

/// Replaces a kind's rows. The store hands back the same `Arc` for an
/// object that did not change, so only changed objects are re-derived: a
/// burst of 100 changes among 10,000 pods costs 100 rows, not 10,000.
/// Returns the indices of the rows built afresh.
fn rebuild<R: Resource>(items: &mut Items<R>, objs: Vec<Arc<R::Api>>) -> Vec<usize> {
    let mut old: HashMap<*const R::Api, Item<R::Row, R::Api>> = std::mem::take(items)
        .into_iter()
        .map(|it| (Arc::as_ptr(&it.obj), it))
        .collect();
    let mut fresh = Vec::new();
    *items = objs
        .into_iter()
        .enumerate()
        .map(|(i, obj)| {
            if let Some(item) = old.remove(&Arc::as_ptr(&obj)) {
                return item;
            }
            fresh.push(i);
            let row = R::row(&obj);
            Item {
                search: R::search(&row),
                row,
                obj,
            }
        })
        .collect();
    fresh
}
