//! One test's cluster (the demo, owned, or the real one), client, journal
//! and gate, for tests that go through the write side as the UI does.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use k8s_openapi::api::core::v1::Namespace;
use kube::api::PostParams;
use kube::config::Kubeconfig;
use kube::{Api, Client};
use serde_json::json;

use kockpit::cluster::ops::journal::JOURNAL_FILE;
use kockpit::cluster::ops::{Gate, Identity, Journal};
use kockpit::demo::DemoCluster;

use super::client::{client_for, demo_or_real};
use super::kubectl::KUBECTL;

/// How a test file sets up its `Env`.
#[derive(Clone, Copy)]
pub struct EnvOptions {
    /// Starts every namespace the test makes, so a shared real cluster
    /// shows which suite left one behind.
    pub ns_prefix: &'static str,
    /// How many times faster the demo's simulated time runs (the real
    /// cluster ignores it).
    pub speed: f64,
}

pub struct Env {
    pub demo: Option<DemoCluster>,
    pub kubeconfig: PathBuf,
    pub context: String,
    pub client: Client,
    pub dir: tempfile::TempDir,
    pub journal: Arc<Journal>,
    ns_prefix: &'static str,
}

impl Env {
    pub async fn start(opts: EnvOptions) -> Env {
        let (demo, kubeconfig) = demo_or_real(opts.speed).await;
        let kc = Kubeconfig::read_from(&kubeconfig).unwrap();
        let context = kc.current_context.clone().unwrap_or_default();
        let client = client_for(&kubeconfig).await;
        let dir = tempfile::tempdir().unwrap();
        let journal = Arc::new(Journal::open(&dir.path().join(JOURNAL_FILE)).unwrap());
        Env {
            demo,
            kubeconfig,
            context,
            client,
            dir,
            journal,
            ns_prefix: opts.ns_prefix,
        }
    }

    pub fn real(&self) -> bool {
        self.demo.is_none()
    }

    pub fn cluster_name(&self) -> &'static str {
        if self.real() {
            "real control plane"
        } else {
            "demo cluster"
        }
    }

    pub fn gate(&self) -> Arc<Gate> {
        Arc::new(self.gate_with(self.client.clone(), false))
    }

    pub fn gate_with(&self, client: Client, readonly: bool) -> Gate {
        let id = Identity::load(Some(&self.kubeconfig), &self.context);
        Gate::new(client, id, readonly, Some(self.journal.clone()))
    }

    pub fn journal_path(&self) -> PathBuf {
        self.dir.path().join(JOURNAL_FILE)
    }

    /// A namespace of the test's own, so runs on a shared real cluster
    /// never collide.
    pub async fn namespace(&self, name: &str) -> String {
        static N: AtomicUsize = AtomicUsize::new(0);
        let ns = format!(
            "{}-{name}-{}-{}",
            self.ns_prefix,
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let api: Api<Namespace> = Api::all(self.client.clone());
        let obj: Namespace = serde_json::from_value(json!({"metadata": {"name": ns}})).unwrap();
        api.create(&PostParams::default(), &obj).await.unwrap();
        ns
    }

    /// Deletes the test's namespaces on a real cluster (the demo goes away
    /// whole) and shuts the demo down.
    pub async fn stop(self, namespaces: &[&str]) {
        if self.real() {
            let api: Api<Namespace> = Api::all(self.client.clone());
            for ns in namespaces {
                let _ = api.delete(ns, &Default::default()).await;
            }
        }
        if let Some(d) = self.demo {
            d.shutdown().await;
        }
    }

    /// Whether discovery lists `plural` in `group_version` (`v1` = core).
    pub async fn serves(&self, group_version: &str, plural: &str) -> bool {
        let list = if group_version == "v1" {
            self.client.list_core_api_resources("v1").await
        } else {
            self.client.list_api_group_resources(group_version).await
        };
        list.is_ok_and(|l| l.resources.iter().any(|r| r.name == plural))
    }

    /// The skip rule: on the demo a check may be skipped when discovery
    /// lacks what it needs; on the real cluster that is a failure.
    pub async fn lacks(&self, needs: &[(&str, &str)], check: &str) -> bool {
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

    /// The real kubectl against this cluster, with a kubectl cache of the
    /// test's own.
    pub fn kubectl(&self, args: &[&str]) -> std::process::Output {
        std::process::Command::new(KUBECTL)
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .args(args)
            .env("KUBECACHEDIR", self.dir.path().join("kubecache"))
            .output()
            .unwrap()
    }
}
