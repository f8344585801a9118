//! Fresh reads for the write side. A change is planned from the object as
//! the server has it now (with its current resourceVersion), never from the
//! watch cache, which may lag; kubectl reads fresh too.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::Service;
use k8s_openapi::api::discovery::v1::EndpointSlice;
use kube::api::ListParams;
use kube::{Api, Client};

use super::errors::OpError;
use crate::cluster::intake::Intake;
use crate::model::cached::Pod;
use crate::model::pairs::SERVICE_NAME_LABEL;

/// How long any one request to the API server may take.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

/// Runs `fut` with a deadline, classifying errors for `what`.
pub async fn timed<T>(
    what: &str,
    after: Duration,
    fut: impl Future<Output = Result<T, kube::Error>>,
) -> Result<T, OpError> {
    match tokio::time::timeout(after, fut).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(OpError::from_kube(&e, what)),
        Err(_) => Err(OpError::timed_out(what, after)),
    }
}

#[derive(Clone)]
pub struct Fetch {
    pub client: Client,
    pub timeout: Duration,
}

impl Fetch {
    pub fn new(client: Client) -> Self {
        Fetch {
            client,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    pub async fn deployment(&self, ns: &str, name: &str) -> Result<Deployment, OpError> {
        let api: Api<Deployment> = Api::namespaced(self.client.clone(), ns);
        timed(
            &format!("deployment {ns}/{name}"),
            self.timeout,
            api.get(name),
        )
        .await
    }

    pub async fn service(&self, ns: &str, name: &str) -> Result<Service, OpError> {
        let api: Api<Service> = Api::namespaced(self.client.clone(), ns);
        timed(&format!("service {ns}/{name}"), self.timeout, api.get(name)).await
    }

    pub async fn deployments(&self, ns: &str) -> Result<Vec<Arc<Deployment>>, OpError> {
        let api: Api<Deployment> = Api::namespaced(self.client.clone(), ns);
        let list = timed(
            &format!("deployments in {ns}"),
            self.timeout,
            api.list(&ListParams::default()),
        )
        .await?;
        Ok(list.items.into_iter().map(Arc::new).collect())
    }

    /// The ReplicaSets matching `d`'s selector, as kubectl lists them.
    pub async fn replicasets_of(&self, d: &Deployment) -> Result<Vec<Arc<ReplicaSet>>, OpError> {
        let ns = d.metadata.namespace.clone().unwrap_or_default();
        let api: Api<ReplicaSet> = Api::namespaced(self.client.clone(), &ns);
        let lp = ListParams::default().labels(&selector_string(d));
        let list = timed(&format!("replicasets in {ns}"), self.timeout, api.list(&lp)).await?;
        Ok(list.items.into_iter().map(Arc::new).collect())
    }

    /// Pods matching `d`'s selector.
    pub async fn pods_of(&self, d: &Deployment) -> Result<Vec<Arc<Pod>>, OpError> {
        let ns = d.metadata.namespace.clone().unwrap_or_default();
        let api: Api<Pod> = Api::namespaced(self.client.clone(), &ns);
        let lp = ListParams::default().labels(&selector_string(d));
        let list = timed(&format!("pods in {ns}"), self.timeout, api.list(&lp)).await?;
        Ok(taken_in(list.items))
    }

    pub async fn pods(&self, ns: &str) -> Result<Vec<Arc<Pod>>, OpError> {
        let api: Api<Pod> = Api::namespaced(self.client.clone(), ns);
        let list = timed(
            &format!("pods in {ns}"),
            self.timeout,
            api.list(&ListParams::default()),
        )
        .await?;
        Ok(taken_in(list.items))
    }

    pub async fn endpointslices_of(
        &self,
        ns: &str,
        service: &str,
    ) -> Result<Vec<Arc<EndpointSlice>>, OpError> {
        let api: Api<EndpointSlice> = Api::namespaced(self.client.clone(), ns);
        let lp = ListParams::default().labels(&format!("{SERVICE_NAME_LABEL}={service}"));
        let list = timed(
            &format!("endpointslices of service {ns}/{service}"),
            self.timeout,
            api.list(&lp),
        )
        .await?;
        Ok(list.items.into_iter().map(Arc::new).collect())
    }

    /// HPAs of the namespace; an error (not served, forbidden) is an empty
    /// list: the HPA check only adds a warning.
    pub async fn hpas(&self, ns: &str) -> Vec<Arc<HorizontalPodAutoscaler>> {
        let api: Api<HorizontalPodAutoscaler> = Api::namespaced(self.client.clone(), ns);
        timed("hpas", self.timeout, api.list(&ListParams::default()))
            .await
            .map(|l| l.items.into_iter().map(Arc::new).collect())
            .unwrap_or_default()
    }
}

/// Fresh pods go through the watchers' intake: the guard quotes their
/// container messages to the operator.
fn taken_in(pods: Vec<Pod>) -> Vec<Arc<Pod>> {
    pods.into_iter()
        .map(|mut p| {
            p.intake();
            Arc::new(p)
        })
        .collect()
}

/// `d`'s selector as a label selector string.
pub fn selector_string(d: &Deployment) -> String {
    d.spec
        .as_ref()
        .map(|s| crate::cluster::logs::selector_string(&s.selector))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn selector_strings() {
        let d: Deployment = serde_json::from_value(json!({
            "metadata": {"name": "a"},
            "spec": {"selector": {"matchLabels": {"app": "a", "tier": "web"},
                "matchExpressions": [
                    {"key": "slot", "operator": "In", "values": ["blue", "green"]},
                    {"key": "canary", "operator": "DoesNotExist"}]},
                "template": {}}}))
        .unwrap();
        assert_eq!(
            selector_string(&d),
            "app=a,tier=web,slot in (blue,green),!canary"
        );
    }
}
