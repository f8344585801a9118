#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Property test of the demo's rolling updates: for random replica counts,
//! maxSurge / maxUnavailable (counts and percentages) and per-pod readiness
//! delays, the real deployment and replicaset controllers are stepped
//! through a rollout (with a stand-in kubelet that makes pods ready after
//! their delay) and, after every step, the upstream bounds must hold:
//! pods <= replicas + surge (rounded up) and available >= replicas -
//! unavailable (rounded down; both 0 means 1 unavailable). Both given as 0 is
//! rejected at creation. A seeded generator keeps failures reproducible.

use std::collections::HashMap;
use std::sync::Arc;

use kockpit::demo::clock::Clock;
use kockpit::demo::controllers::{deployment, replicaset};
use kockpit::demo::events::Recorder;
use kockpit::demo::registry::{DeleteOptions, Part, Registry, WriteOptions};
use kockpit::demo::resources::{DEPLOYMENTS, NAMESPACES, PODS};
use kockpit::demo::store::Store;
use serde_json::{json, Value};

/// xorshift64*: small, seeded, good enough for picking cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn int_or_percent(rng: &mut Rng) -> Value {
    if rng.below(2) == 0 {
        json!(rng.below(4))
    } else {
        let pct = [0, 10, 20, 25, 33, 50, 75, 100][rng.below(8) as usize];
        json!(format!("{pct}%"))
    }
}

/// The bound as the reference states it, computed independently.
fn resolve(v: &Value, replicas: i64, round_up: bool) -> i64 {
    match v {
        Value::String(s) => {
            let pct: i64 = s.trim_end_matches('%').parse().unwrap();
            if round_up {
                (replicas * pct + 99) / 100
            } else {
                replicas * pct / 100
            }
        }
        other => other.as_i64().unwrap(),
    }
}

fn is_zero(v: &Value) -> bool {
    v == &json!(0) || v == &json!("0%")
}

fn deployment_obj(replicas: i64, surge: &Value, unavailable: &Value, image: &str) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
            "strategy": {"type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable}},
            "template": {"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": image}]}}}})
}

/// A stand-in kubelet: a new pod becomes ready after its own number of
/// steps; a deleted pod is gone one step later.
struct Kubelet {
    ready_after: HashMap<String, u64>,
    max_delay: u64,
}

impl Kubelet {
    fn step(&mut self, reg: &Registry, rng: &mut Rng, now: &str) {
        let (pods, _) = reg.store.list(&PODS, None);
        for pod in pods {
            let name = pod["metadata"]["name"].as_str().unwrap().to_string();
            if pod["metadata"].get("deletionTimestamp").is_some() {
                let now = DeleteOptions {
                    grace_period: Some(0),
                    ..Default::default()
                };
                reg.delete(&PODS, "default", &name, &now).unwrap();
                continue;
            }
            let left = self
                .ready_after
                .entry(name.clone())
                .or_insert_with(|| rng.below(self.max_delay + 1));
            if *left > 0 {
                *left -= 1;
                continue;
            }
            let ready = json!([{"type": "Ready", "status": "True", "lastTransitionTime": now}]);
            reg.mutate(&PODS, "default", &name, Part::Status, |p| {
                if p["status"]["phase"] != "Running" {
                    p["status"]["phase"] = json!("Running");
                    p["status"]["conditions"] = ready;
                    p["spec"]["nodeName"] = json!("node-1");
                }
            })
            .unwrap();
        }
    }
}

/// (pods not being deleted, of them ready, of them running the image).
fn count(reg: &Registry, image: &str) -> (i64, i64, i64) {
    let (pods, _) = reg.store.list(&PODS, None);
    let live: Vec<_> = pods
        .iter()
        .filter(|p| p["metadata"].get("deletionTimestamp").is_none())
        .collect();
    let ready = live
        .iter()
        .filter(|p| p["status"]["phase"] == "Running")
        .count() as i64;
    let updated = live
        .iter()
        .filter(|p| p["spec"]["containers"][0]["image"] == image)
        .count() as i64;
    (live.len() as i64, ready, updated)
}

fn run_case(seed: u64, rng: &mut Rng) {
    let replicas = 1 + rng.below(12) as i64;
    let surge = int_or_percent(rng);
    let unavailable = int_or_percent(rng);
    let max_delay = rng.below(5);
    let case = format!(
        "seed {seed}: replicas {replicas}, maxSurge {surge}, maxUnavailable {unavailable}, readiness delays up to {max_delay} steps"
    );
    let clock = Arc::new(Clock::new(1.0));
    let reg = Registry::new(Arc::new(Store::new(100_000)), clock.clone());
    reg.create(
        &NAMESPACES,
        "",
        json!({"metadata": {"name": "default"}}),
        &WriteOptions::default(),
    )
    .unwrap();
    let created = reg.create(
        &DEPLOYMENTS,
        "default",
        deployment_obj(replicas, &surge, &unavailable, "web:1"),
        &WriteOptions::default(),
    );
    if is_zero(&surge) && is_zero(&unavailable) {
        let err = created.unwrap_err();
        assert_eq!(err.code, 422, "{case}");
        assert!(
            err.message.contains("may not be 0 when `maxSurge` is 0"),
            "{case}: {err}"
        );
        return;
    }
    created.unwrap();
    let max_surge = resolve(&surge, replicas, true);
    let mut max_unavailable = resolve(&unavailable, replicas, false);
    if max_surge == 0 && max_unavailable == 0 {
        max_unavailable = 1;
    }
    let mut kubelet = Kubelet {
        ready_after: HashMap::new(),
        max_delay,
    };
    let events = Recorder::default();
    let mut step = |rng: &mut Rng| {
        deployment::sync_all(&reg, &clock, &events);
        replicaset::sync_all(&reg, &clock, &events);
        kubelet.step(&reg, rng, &clock.now_string());
    };
    // Settle the first version completely.
    for _ in 0..100 {
        step(rng);
    }
    assert_eq!(
        count(&reg, "web:1"),
        (replicas, replicas, replicas),
        "{case}"
    );

    reg.mutate(&DEPLOYMENTS, "default", "web", Part::Main, |d| {
        d["spec"]["template"]["spec"]["containers"][0]["image"] = json!("web:2");
    })
    .unwrap();
    let mut steps = 0;
    loop {
        step(rng);
        steps += 1;
        let (pods, ready, updated) = count(&reg, "web:2");
        assert!(
            pods <= replicas + max_surge,
            "{case}: step {steps}: {pods} pods > {replicas} + {max_surge}"
        );
        assert!(
            ready >= replicas - max_unavailable,
            "{case}: step {steps}: {ready} available < {replicas} - {max_unavailable}"
        );
        if (pods, ready, updated) == (replicas, replicas, replicas) {
            break;
        }
        assert!(steps < 500, "{case}: no progress: {pods} {ready} {updated}");
    }
}

#[test]
fn rolling_updates_stay_within_surge_and_unavailability() {
    let seed = std::env::var("ROLLOUT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_cafe_u64);
    let mut rng = Rng(seed);
    for _ in 0..150 {
        let case_seed = rng.next() | 1;
        run_case(case_seed, &mut Rng(case_seed));
    }
}
