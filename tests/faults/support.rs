//! The cluster under test (demo or real), the faults we can produce on it,
//! and polling waits that compare the watchers' caches with fresh lists.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{Namespace, Pod};
use kube::api::{ListParams, Patch, PatchParams, PostParams};
use kube::runtime::reflector::Store;
use kube::{Api, Client, Resource, ResourceExt};

use kockpit::cluster::{connect, ConnectOptions, Kind, Watchers};
use kockpit::demo::faults::{FaultSpec, Faults};
use kockpit::demo::DemoCluster;

use crate::shared::client::demo_or_real;

/// Generous: a busy 2-core CI machine is slow, never wrong.
pub const DEADLINE: Duration = Duration::from_secs(90);
const POLL: Duration = Duration::from_millis(100);

pub struct Cluster {
    pub demo: Option<DemoCluster>,
    pub kubeconfig: PathBuf,
    /// Held while a test uses the one shared real control plane: a restart
    /// made by one test would break another's watches mid-test.
    _real: Option<tokio::sync::MutexGuard<'static, ()>>,
}

static REAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

impl Cluster {
    pub async fn start() -> Cluster {
        // Faster simulated time: pods start and logs flow four times as fast.
        let (demo, kubeconfig) = demo_or_real(4.0).await;
        let real = match demo {
            Some(_) => None,
            None => Some(REAL.lock().await),
        };
        Cluster {
            demo,
            kubeconfig,
            _real: real,
        }
    }

    pub fn faults(&self) -> Option<&Faults> {
        self.demo.as_ref().map(DemoCluster::faults)
    }

    /// The demo's injector, or `None` after saying why the test is skipped.
    pub fn demo_faults(&self, why_not_real: &str) -> Option<&Faults> {
        let f = self.faults();
        if f.is_none() {
            eprintln!("skipping on the real control plane: {why_not_real}");
        }
        f
    }

    pub async fn client(&self) -> Client {
        self.client_for(None).await
    }

    pub async fn client_for(&self, context: Option<&str>) -> Client {
        connect(&ConnectOptions {
            kubeconfig: Some(self.kubeconfig.clone()),
            context: context.map(String::from),
            ..Default::default()
        })
        .await
        .unwrap()
        .client
    }

    /// A watch broken mid-stream: the demo cuts every stream; a real
    /// server is restarted (KOCKPIT_TEST_RESTART).
    pub fn cut_or_restart(&self) -> Option<Fault> {
        if self.faults().is_some() {
            return Some(Fault::Cut);
        }
        match restart_command() {
            Some(cmd) => Some(Fault::Restart(cmd)),
            None => {
                eprintln!("skipping: breaking a real server's watches needs KOCKPIT_TEST_RESTART");
                None
            }
        }
    }

    /// Restarts the server; the task ends once it serves again.
    pub fn restart_in_background(&self, down: Duration) -> tokio::task::JoinHandle<()> {
        match self.faults() {
            Some(f) => {
                f.restart(down);
                let kubeconfig = self.kubeconfig.clone();
                // Its comeback is seen the way a client sees it.
                tokio::spawn(async move { wait_serving(&kubeconfig, down).await })
            }
            None => {
                let cmd = restart_command().unwrap();
                tokio::spawn(async move { run_restart(cmd).await })
            }
        }
    }

    pub async fn stop(self) {
        if let Some(d) = self.demo {
            d.shutdown().await;
        }
    }
}

pub enum Fault {
    Cut,
    Restart(String),
}

impl Fault {
    pub async fn produce(&self, cluster: &Cluster) {
        match self {
            Fault::Cut => {
                if let Some(f) = cluster.faults() {
                    f.close_streams();
                }
            }
            Fault::Restart(cmd) => run_restart(cmd.clone()).await,
        }
    }
}

pub fn restart_command() -> Option<String> {
    std::env::var("KOCKPIT_TEST_RESTART").ok()
}

async fn run_restart(cmd: String) {
    let status = tokio::task::spawn_blocking(move || {
        std::process::Command::new("sh")
            .arg("-c")
            .arg(&cmd)
            .status()
    })
    .await
    .unwrap()
    .unwrap();
    assert!(status.success(), "restart command failed");
}

/// Waits out the announced downtime, then until `/version` answers.
async fn wait_serving(kubeconfig: &std::path::Path, down: Duration) {
    tokio::time::sleep(down).await;
    let start = Instant::now();
    loop {
        let ok = match connect(&ConnectOptions {
            kubeconfig: Some(kubeconfig.to_path_buf()),
            ..Default::default()
        })
        .await
        {
            Ok(c) => c.client.apiserver_version().await.is_ok(),
            Err(_) => false,
        };
        if ok {
            return;
        }
        assert!(start.elapsed() < DEADLINE, "the server did not come back");
        tokio::time::sleep(POLL).await;
    }
}

/// Every read fails with 503 while writes go through: the watchers are
/// disconnected and cannot relist, but the test can still change things.
pub fn blind(faults: &Faults) {
    faults
        .apply(&FaultSpec {
            error_rate: Some(1.0),
            reads_only: Some(true),
            close_streams: true,
            ..FaultSpec::default()
        })
        .unwrap();
}

/// A namespace of the test's own, so runs against a shared real cluster
/// never collide.
pub async fn namespace(client: &Client, name: &str) -> String {
    let ns = format!("{name}-{}", std::process::id());
    let api: Api<Namespace> = Api::all(client.clone());
    let obj: Namespace =
        serde_json::from_value(serde_json::json!({"metadata": {"name": ns}})).unwrap();
    api.create(&PostParams::default(), &obj).await.unwrap();
    ns
}

pub fn deployment(ns: &str, name: &str, replicas: i32) -> Deployment {
    serde_json::from_value(serde_json::json!({
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": "ghcr.io/kockpit-demo/api:1.0.0"}]}
            }
        }
    }))
    .unwrap()
}

pub async fn scale(client: &Client, ns: &str, name: &str, replicas: i32) {
    let api: Api<Deployment> = Api::namespaced(client.clone(), ns);
    api.patch_scale(
        name,
        &PatchParams::default(),
        &Patch::Merge(serde_json::json!({"spec": {"replicas": replicas}})),
    )
    .await
    .unwrap();
}

/// Like `scale`, through a server that fails some requests.
pub async fn scale_retrying(client: &Client, ns: &str, name: &str, replicas: i32) {
    let api: Api<Deployment> = Api::namespaced(client.clone(), ns);
    let start = Instant::now();
    loop {
        let patch = Patch::Merge(serde_json::json!({"spec": {"replicas": replicas}}));
        match api.patch_scale(name, &PatchParams::default(), &patch).await {
            Ok(_) => return,
            Err(kube::Error::Api(s)) if s.code >= 500 => {}
            Err(e) => panic!("scale failed: {e}"),
        }
        assert!(start.elapsed() < DEADLINE, "scale kept failing");
        tokio::time::sleep(POLL).await;
    }
}

pub async fn wait_gone(api: &Api<Deployment>, name: &str) {
    let start = Instant::now();
    while api.get_opt(name).await.unwrap().is_some() {
        assert!(start.elapsed() < DEADLINE, "{name} was never deleted");
        tokio::time::sleep(POLL).await;
    }
}

/// Pods in the cache that run and are not being deleted.
pub fn running_pods(w: &Watchers) -> usize {
    w.stores
        .pods
        .state()
        .iter()
        .filter(|p| {
            p.metadata.deletion_timestamp.is_none()
                && p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running")
        })
        .count()
}

pub fn desired_replicas(w: &Watchers, name: &str) -> Option<i32> {
    w.stores
        .deployments
        .state()
        .iter()
        .find(|d| d.name_any() == name)
        .and_then(|d| d.spec.as_ref()?.replicas)
}

pub fn deployment_uid(w: &Watchers, name: &str) -> Option<String> {
    w.stores
        .deployments
        .state()
        .iter()
        .find(|d| d.name_any() == name)
        .and_then(|d| d.metadata.uid.clone())
}

/// Kinds whose watch is failing, with the error.
pub fn failing(w: &Watchers) -> Vec<(Kind, String)> {
    Kind::RESOURCES
        .into_iter()
        .filter_map(|k| w.health.get(k).error.map(|(e, _)| (k, e)))
        .collect()
}

pub async fn wait_until(what: &str, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(start.elapsed() < DEADLINE, "timed out waiting for {what}");
        tokio::time::sleep(POLL).await;
    }
}

pub async fn wait_for(w: &Watchers, what: &str, mut ok: impl FnMut(&Watchers) -> bool) {
    let start = Instant::now();
    while !ok(w) {
        assert!(
            start.elapsed() < DEADLINE,
            "timed out waiting for {what}; failing watches: {:?}",
            failing(w)
        );
        tokio::time::sleep(POLL).await;
    }
}

/// No watch is failing and every kind has listed.
pub async fn wait_healthy(w: &Watchers) {
    wait_for(w, "every watch to be healthy", |w| {
        failing(w).is_empty() && w.all_synced()
    })
    .await;
}

/// Identity and version of each object: equal sets mean the cache is
/// exactly what the server holds.
type Keys = BTreeSet<(String, String, String)>;

fn keys<K: Resource>(objs: impl IntoIterator<Item = impl AsRef<K>>) -> Keys {
    objs.into_iter()
        .map(|o| {
            let m = o.as_ref().meta();
            (
                m.name.clone().unwrap_or_default(),
                m.uid.clone().unwrap_or_default(),
                m.resource_version.clone().unwrap_or_default(),
            )
        })
        .collect()
}

fn cached<K>(store: &Store<K>, ns: &str) -> Keys
where
    K: Resource<DynamicType = ()> + Clone + 'static,
{
    let objs: Vec<_> = store
        .state()
        .into_iter()
        .filter(|o| o.meta().namespace.as_deref() == Some(ns))
        .collect();
    keys::<K>(objs)
}

async fn listed<K>(client: &Client, ns: &str) -> Option<Keys>
where
    K: Resource<DynamicType = (), Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + serde::de::DeserializeOwned
        + std::fmt::Debug,
{
    let api: Api<K> = Api::namespaced(client.clone(), ns);
    let list = api.list(&ListParams::default()).await.ok()?;
    let objs: Vec<Box<K>> = list.items.into_iter().map(Box::new).collect();
    Some(keys::<K>(objs))
}

/// Pods, deployments and replicasets in the cache equal a fresh list,
/// object for object and version for version.
pub async fn wait_exact(w: &Watchers, client: &Client, ns: &str) {
    let start = Instant::now();
    loop {
        let fresh = (
            listed::<Pod>(client, ns).await,
            listed::<Deployment>(client, ns).await,
            listed::<ReplicaSet>(client, ns).await,
        );
        let cache = (
            cached(&w.stores.pods, ns),
            cached(&w.stores.deployments, ns),
            cached(&w.stores.replicasets, ns),
        );
        if let (Some(p), Some(d), Some(r)) = &fresh {
            if (p, d, r) == (&cache.0, &cache.1, &cache.2) {
                return;
            }
        }
        assert!(
            start.elapsed() < DEADLINE,
            "the cache never matched a fresh list:\n listed {fresh:#?}\n cached {cache:#?}\n failing {:?}",
            failing(w)
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// A namespace's uid and resourceVersion: nothing changes a namespace, so
/// after a restart over the same store both must be as they were.
pub async fn namespace_version(client: &Client, ns: &str) -> (String, String) {
    let n = Api::<Namespace>::all(client.clone()).get(ns).await.unwrap();
    (
        n.metadata.uid.unwrap_or_default(),
        n.metadata.resource_version.unwrap_or_default(),
    )
}
