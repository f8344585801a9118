#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Real checks: what kockpit shows and does, held against what the real
//! Kubernetes controllers and kubectl do. The demo cluster by default; the
//! real control plane (tests/controlplane/cp.sh up) when
//! KOCKPIT_TEST_KUBECONFIG names its kubeconfig. Same test code for both.
//!
//! - a rolling update followed step by step through the watchers and the
//!   rollout view (revision → ReplicaSet → pods);
//! - kockpit's rollback leaves the same Deployment and ReplicaSets as
//!   `kubectl rollout undo` on a twin, refuses and skips as kubectl does;
//! - a blue-green switch verified through the EndpointSlices the
//!   endpointslice controller writes;
//! - the HPA controller scaling from pod usage (kwok annotations →
//!   metrics-server), seen in kockpit's HPA rows;
//! - pod logs served by the node (kwok `Logs` files) streamed by the log
//!   session through the API server.
//!
//! A check is skipped (with the reason printed) only on the demo and only
//! when its discovery lacks a resource the check needs.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, SubsecRound, Utc};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::{Namespace, Pod, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use kube::api::{
    ApiResource, DynamicObject, GroupVersionKind, ListParams, LogParams, Patch, PatchParams,
    PostParams,
};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Api, Client, Config};
use serde_json::{json, Value};

use kockpit::app::data::Data;
use kockpit::cluster::logs::{LogOptions, LogSession, LogTarget};
use kockpit::cluster::ops::journal::JOURNAL_FILE;
use kockpit::cluster::ops::{
    bluegreen, plan, Gate, Identity, Journal, OpError, OpRequest, Planned,
};
use kockpit::cluster::watch::Scope;
use kockpit::cluster::Watchers;
use kockpit::demo::{DemoCluster, DemoOptions};
use kockpit::model::hpa::conditions as hpa_conditions;
use kockpit::model::logs::LineKind;
use kockpit::model::pairs::{bluegreen_view, pair_of, DEFAULT_SLOT_KEYS};
use kockpit::model::rollout::{history, rollout_status, rollout_view, Phase, RolloutView};

const KUBECTL: &str = "/usr/bin/kubectl";
const IMAGE: &str = "ghcr.io/kockpit-demo/api";

// ------------------------------------------------------------------ harness

/// One test's cluster (the demo, owned, or the real one), client and journal.
struct Env {
    demo: Option<DemoCluster>,
    kubeconfig: PathBuf,
    context: String,
    client: Client,
    dir: tempfile::TempDir,
    journal: Arc<Journal>,
}

impl Env {
    async fn start() -> Env {
        Env::start_at(1.0).await
    }

    /// `speed` makes the demo's simulated time run faster (the real
    /// cluster ignores it): for checks that only care about end states.
    async fn start_at(speed: f64) -> Env {
        let (demo, kubeconfig) = match std::env::var_os("KOCKPIT_TEST_KUBECONFIG") {
            Some(p) => (None, PathBuf::from(p)),
            None => {
                let demo = DemoCluster::start(DemoOptions {
                    speed,
                    ..DemoOptions::default()
                })
                .await
                .unwrap();
                let path = demo.kubeconfig_path().to_path_buf();
                (Some(demo), path)
            }
        };
        let kc = Kubeconfig::read_from(&kubeconfig).unwrap();
        let context = kc.current_context.clone().unwrap_or_default();
        let config = Config::from_custom_kubeconfig(kc, &KubeConfigOptions::default())
            .await
            .unwrap();
        let client = Client::try_from(config).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let journal = Arc::new(Journal::open(&dir.path().join(JOURNAL_FILE)).unwrap());
        Env {
            demo,
            kubeconfig,
            context,
            client,
            dir,
            journal,
        }
    }

    fn real(&self) -> bool {
        self.demo.is_none()
    }

    fn cluster_name(&self) -> &'static str {
        if self.real() {
            "real control plane"
        } else {
            "demo cluster"
        }
    }

    fn gate(&self) -> Arc<Gate> {
        let id = Identity::load(Some(&self.kubeconfig), &self.context);
        Arc::new(Gate::new(
            self.client.clone(),
            id,
            false,
            Some(self.journal.clone()),
        ))
    }

    /// A namespace of the test's own: runs on a shared cluster never collide.
    async fn namespace(&self, name: &str) -> String {
        static N: AtomicUsize = AtomicUsize::new(0);
        let ns = format!(
            "rc-{name}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let api: Api<Namespace> = Api::all(self.client.clone());
        let obj: Namespace = serde_json::from_value(json!({"metadata": {"name": ns}})).unwrap();
        api.create(&PostParams::default(), &obj).await.unwrap();
        ns
    }

    async fn stop(self, ns: &str) {
        if self.real() {
            let api: Api<Namespace> = Api::all(self.client.clone());
            let _ = api.delete(ns, &Default::default()).await;
        }
        if let Some(d) = self.demo {
            d.shutdown().await;
        }
    }

    /// Whether discovery lists `plural` in `group_version` (`v1` = core).
    async fn serves(&self, group_version: &str, plural: &str) -> bool {
        let list = if group_version == "v1" {
            self.client.list_core_api_resources("v1").await
        } else {
            self.client.list_api_group_resources(group_version).await
        };
        list.is_ok_and(|l| l.resources.iter().any(|r| r.name == plural))
    }

    /// The skip rule: on the demo a check may be skipped when discovery
    /// lacks what it needs; on the real cluster that is a failure.
    async fn lacks(&self, needs: &[(&str, &str)], check: &str) -> bool {
        let mut missing = Vec::new();
        for (gv, plural) in needs {
            if !self.serves(gv, plural).await {
                missing.push(format!("{plural}.{gv}"));
            }
        }
        if missing.is_empty() {
            return false;
        }
        assert!(
            !self.real(),
            "the real control plane does not serve {missing:?}"
        );
        eprintln!(
            "SKIPPED on the {}: {check}: discovery lacks {} (runs in full against the real control plane with KOCKPIT_TEST_KUBECONFIG)",
            self.cluster_name(),
            missing.join(", ")
        );
        true
    }

    fn kubectl(&self, args: &[&str]) -> std::process::Output {
        std::process::Command::new(KUBECTL)
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .args(args)
            .env("KUBECACHEDIR", self.dir.path().join("kubecache"))
            .output()
            .unwrap()
    }
}

/// Merges `patch` into `base` (objects recursively, anything else replaced).
fn merge(base: &mut Value, patch: Value) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                merge(b.entry(k).or_insert(Value::Null), v);
            }
        }
        (b, p) => *b = p,
    }
}

/// A one-container Deployment; `extra` is merged over it.
fn deployment(
    ns: &str,
    name: &str,
    replicas: i32,
    labels: Value,
    image: &str,
    extra: Value,
) -> Deployment {
    let mut v = json!({
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "app", "image": image}]}
            }
        }
    });
    merge(&mut v, extra);
    serde_json::from_value(v).unwrap()
}

async fn create(client: &Client, d: &Deployment) {
    let ns = d.metadata.namespace.clone().unwrap();
    Api::<Deployment>::namespaced(client.clone(), &ns)
        .create(&PostParams::default(), d)
        .await
        .unwrap();
}

async fn get(client: &Client, ns: &str, name: &str) -> Deployment {
    Api::<Deployment>::namespaced(client.clone(), ns)
        .get(name)
        .await
        .unwrap()
}

fn annotation(d: &Deployment, key: &str) -> Option<String> {
    d.metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(key).cloned())
}

fn image_of(d: &Deployment) -> String {
    d.spec
        .as_ref()
        .unwrap()
        .template
        .spec
        .as_ref()
        .unwrap()
        .containers[0]
        .image
        .clone()
        .unwrap()
}

/// Until the controller has seen the latest spec and `kubectl rollout
/// status` would say "successfully rolled out"; `revision` too if given.
async fn wait_rolled_out(
    client: &Client,
    ns: &str,
    name: &str,
    revision: Option<&str>,
) -> Deployment {
    let start = Instant::now();
    loop {
        let d = get(client, ns, name).await;
        let s = rollout_status(&d);
        let rev = annotation(&d, "deployment.kubernetes.io/revision");
        if s.done && (revision.is_none() || rev.as_deref() == revision) {
            return d;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "{ns}/{name} did not roll out (revision {rev:?}, want {revision:?}): {}",
            s.message
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Plans and applies `req` as the UI does after "yes".
async fn run(gate: &Gate, req: OpRequest) -> Result<String, OpError> {
    match plan(gate, &req, &slot_keys()).await? {
        Planned::Ready(p) => gate.apply(&p).await.map(|a| a.message),
        Planned::Skipped(msg) => Ok(msg),
    }
}

fn slot_keys() -> Vec<String> {
    DEFAULT_SLOT_KEYS.iter().map(|s| s.to_string()).collect()
}

/// kockpit's watchers on one namespace and the rows built from them, as
/// the UI builds them.
struct Live {
    w: Watchers,
    data: Data,
}

impl Live {
    fn start(client: &Client, ns: &str) -> Live {
        Live {
            w: Watchers::start(client.clone(), Scope::Namespace(ns.to_string())),
            data: Data::default(),
        }
    }

    fn drain(&mut self) {
        for k in self.w.changes.take() {
            self.data.refresh(k, &self.w.stores);
        }
    }

    /// Drives the change notifications until `done` holds (it sees every
    /// state on the way); `describe` says what was last seen on a timeout.
    async fn until(
        &mut self,
        timeout: Duration,
        what: &str,
        mut done: impl FnMut(&Data) -> bool,
        mut describe: impl FnMut(&Data) -> String,
    ) {
        let start = Instant::now();
        loop {
            self.drain();
            if done(&self.data) {
                return;
            }
            assert!(
                start.elapsed() < timeout,
                "timed out after {timeout:?} waiting for {what}; last seen: {}",
                describe(&self.data)
            );
            let _ = tokio::time::timeout(Duration::from_millis(200), self.w.changes.wait()).await;
        }
    }
}

fn view_of(d: &Data, name: &str) -> Option<RolloutView> {
    let dep = d.deployments.iter().find(|it| it.row.name == name)?;
    let pods: Vec<_> = d.pods.iter().map(|p| p.obj.clone()).collect();
    Some(rollout_view(
        &dep.obj,
        &d.replicasets,
        &pods,
        Utc::now(),
        None,
    ))
}

// Each check in its own file (a test crate's root resolves `mod` paths
// next to itself, hence the explicit paths).
#[path = "real_checks/bluegreen_slices.rs"]
mod bluegreen_slices;
#[path = "real_checks/hpa_scaling.rs"]
mod hpa_scaling;
#[path = "real_checks/node_logs.rs"]
mod node_logs;
#[path = "real_checks/rollback_twins.rs"]
mod rollback_twins;
#[path = "real_checks/rollout_live.rs"]
mod rollout_live;
