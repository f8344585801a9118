//! Pod CPU and memory from metrics.k8s.io. That API has no watch, so this is
//! the one place we poll — at the metrics pipeline's own resolution, not
//! faster. A cluster without metrics-server simply shows `-`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kube::Client;
use serde::Deserialize;
use tokio::task::JoinHandle;

use super::changes::Changes;
use super::kinds::Kind;
use super::scope::Scope;
use crate::model::quantity;

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PodUsage {
    pub cpu_cores: f64,
    pub memory_bytes: f64,
}

pub type UsageMap = HashMap<(String, String), PodUsage>;

/// metrics-server scrapes every 15 s by default; asking more often only
/// returns the same numbers.
const INTERVAL: Duration = Duration::from_secs(15);
/// After "not served" (404/503) ask again rarely, in case it gets installed.
const ABSENT_INTERVAL: Duration = Duration::from_secs(120);

#[derive(Clone, Default)]
pub struct Usage(Arc<Mutex<Option<UsageMap>>>);

impl Usage {
    /// Takes the newest figures if they changed since the last take.
    pub fn take(&self) -> Option<UsageMap> {
        self.0.lock().ok().and_then(|mut g| g.take())
    }
}

pub fn start(client: Client, scope: Scope, changes: Arc<Changes>) -> (Usage, JoinHandle<()>) {
    let usage = Usage::default();
    let shared = usage.clone();
    let path = match &scope {
        Scope::All => "/apis/metrics.k8s.io/v1beta1/pods".to_string(),
        Scope::Namespace(ns) => format!("/apis/metrics.k8s.io/v1beta1/namespaces/{ns}/pods"),
    };
    let task = tokio::spawn(async move {
        let mut last: Option<UsageMap> = None;
        loop {
            let wait = match fetch(&client, &path).await {
                Ok(list) => {
                    let map = parse(&list.items);
                    drop(list);
                    super::memory::note_change();
                    if last.as_ref() != Some(&map) {
                        if let Ok(mut g) = shared.0.lock() {
                            *g = Some(map.clone());
                        }
                        last = Some(map);
                        changes.mark(Kind::Metrics);
                    }
                    INTERVAL
                }
                Err(e) => {
                    tracing::debug!(error = %e, "pod metrics unavailable");
                    ABSENT_INTERVAL
                }
            };
            tokio::time::sleep(wait).await;
        }
    });
    (usage, task)
}

/// Only what the pods table shows. A PodMetrics list for 10,000 pods parsed
/// as generic objects took ~3 KB per item for one moment every 15 s; these
/// structs skip everything else while parsing.
#[derive(Deserialize)]
struct MetricsList {
    #[serde(default)]
    items: Vec<PodMetrics>,
}

#[derive(Deserialize)]
struct PodMetrics {
    metadata: MetricsMeta,
    #[serde(default)]
    containers: Vec<ContainerMetrics>,
}

#[derive(Deserialize)]
struct MetricsMeta {
    name: Option<String>,
    namespace: Option<String>,
}

#[derive(Deserialize)]
struct ContainerMetrics {
    #[serde(default)]
    usage: ContainerUsage,
}

#[derive(Deserialize, Default)]
struct ContainerUsage {
    cpu: Option<String>,
    memory: Option<String>,
}

async fn fetch(client: &Client, path: &str) -> Result<MetricsList, kube::Error> {
    let req = http::Request::get(path)
        .body(Vec::new())
        .map_err(kube::Error::HttpError)?;
    client.request(req).await
}

fn parse(items: &[PodMetrics]) -> UsageMap {
    items
        .iter()
        .filter_map(|pm| {
            let ns = pm.metadata.namespace.clone()?;
            let name = pm.metadata.name.clone()?;
            let mut u = PodUsage::default();
            for c in &pm.containers {
                u.cpu_cores += c
                    .usage
                    .cpu
                    .as_deref()
                    .and_then(quantity::parse)
                    .unwrap_or(0.0);
                u.memory_bytes += c
                    .usage
                    .memory
                    .as_deref()
                    .and_then(quantity::parse)
                    .unwrap_or(0.0);
            }
            Some(((ns, name), u))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_containers_per_pod() {
        let pm: PodMetrics = serde_json::from_value(serde_json::json!({
            "apiVersion": "metrics.k8s.io/v1beta1", "kind": "PodMetrics",
            "metadata": {"name": "api-1", "namespace": "shop"},
            "containers": [
                {"name": "a", "usage": {"cpu": "250m", "memory": "100Mi"}},
                {"name": "b", "usage": {"cpu": "5000000n", "memory": "28Mi"}}]
        }))
        .unwrap();
        let map = parse(&[pm]);
        let u = map[&("shop".to_string(), "api-1".to_string())];
        assert!((u.cpu_cores - 0.255).abs() < 1e-9);
        assert_eq!(u.memory_bytes, 128.0 * 1024.0 * 1024.0);
    }
}
