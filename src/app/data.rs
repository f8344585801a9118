//! Rows derived from the caches, rebuilt only for the kinds that changed.

use std::sync::Arc;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Pod;
use kube::runtime::reflector::Store;
use kube::ResourceExt;

use crate::cluster::{Kind, Stores};
use crate::model::rows::{deployment_row, pod_row, DeploymentRow, PodRow};

/// A row with the object it came from and the text `/` searches.
#[derive(Clone, Debug)]
pub struct Item<R, K> {
    pub row: R,
    pub obj: Arc<K>,
    pub search: String,
}

#[derive(Clone, Debug, Default)]
pub struct Data {
    pub deployments: Vec<Item<DeploymentRow, Deployment>>,
    pub pods: Vec<Item<PodRow, Pod>>,
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
            Kind::Pods => self.pods = items(sorted(&stores.pods), pod_row, pod_search),
            Kind::ReplicaSets | Kind::Health => {}
        }
    }

    /// For tests and benches: rows straight from objects.
    pub fn from_objects(deployments: Vec<Deployment>, pods: Vec<Pod>) -> Self {
        Data {
            deployments: items(
                deployments.into_iter().map(Arc::new).collect(),
                deployment_row,
                deployment_search,
            ),
            pods: items(
                pods.into_iter().map(Arc::new).collect(),
                pod_row,
                pod_search,
            ),
        }
    }
}

fn deployment_search(r: &DeploymentRow) -> String {
    format!("{}/{} {} {}", r.namespace, r.name, r.ready, r.images)
}

fn pod_search(r: &PodRow) -> String {
    format!(
        "{}/{} {} {} {}",
        r.namespace, r.name, r.ready, r.status, r.node
    )
}

/// A stable base order so equal sort keys never shuffle between updates.
fn sorted<K>(store: &Store<K>) -> Vec<Arc<K>>
where
    K: kube::Resource<DynamicType = ()> + Clone + 'static,
{
    let mut objs = store.state();
    objs.sort_by_cached_key(|o| (o.namespace(), o.name_any()));
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
