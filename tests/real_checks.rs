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
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, SubsecRound, Utc};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::{Pod, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use kube::api::{
    ApiResource, DynamicObject, GroupVersionKind, ListParams, LogParams, Patch, PatchParams,
    PostParams,
};
use kube::{Api, Client};
use serde_json::{json, Value};

use kockpit::app::data::Data;
use kockpit::cluster::logs::{LogOptions, LogSession, LogTarget};
use kockpit::cluster::ops::{bluegreen, OpRequest};
use kockpit::cluster::watch::Scope;
use kockpit::cluster::Watchers;
use kockpit::model::hpa::conditions as hpa_conditions;
use kockpit::model::logs::LineKind;
use kockpit::model::pairs::{bluegreen_view, pair_of};
use kockpit::model::rollout::{history, rollout_view, Phase, RolloutView};

mod support;
use support::deploy::{
    annotation, create, deployment, get, image_of, run, slot_keys, template_image, wait_rolled_out,
};
use support::env::{Env, EnvOptions};
use support::kubectl::KUBECTL;

const IMAGE: &str = "ghcr.io/kockpit-demo/api";

/// Simulated time at its real pace by default: some checks follow a
/// rollout step by step.
const ENV: EnvOptions = EnvOptions {
    ns_prefix: "rc",
    speed: 1.0,
};

// ------------------------------------------------------------------ harness

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
