//! Scheduler and kubelets for the fake nodes: a pod goes Pending
//! (unscheduled) -> scheduled -> ContainerCreating -> Running -> Ready, each
//! step after a simulated delay; a deleted pod terminates and disappears.
//! Containers whose image tag asks for it fail instead (see `container`).

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::time::Instant;

use super::config_refs;
use super::container::{self, FailureTimings, Fingerprint, Mode, Situation, Step, StepContext};
use super::Pass;
use crate::demo::clock::Clock;
use crate::demo::events::{self, Note, Recorder};
use crate::demo::ids;
use crate::demo::meta;
use crate::demo::registry::{DeleteOptions, Part, Registry};
use crate::demo::resources::{NODES, PODS};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Unscheduled,
    Scheduled,
    /// Containers exist (or are being created): each one is driven on its
    /// own, see `container`.
    Started,
    Terminating,
}

/// Simulated durations of each step.
#[derive(Debug, Clone, Copy)]
pub struct Timings {
    pub schedule: Duration,
    pub kubelet_sync: Duration,
    pub container_start: Duration,
    pub readiness: Duration,
    pub termination: Duration,
    pub failures: FailureTimings,
}

impl Default for Timings {
    fn default() -> Self {
        Timings {
            schedule: Duration::from_millis(400),
            kubelet_sync: Duration::from_millis(300),
            container_start: Duration::from_millis(1500),
            readiness: Duration::from_millis(2000),
            termination: Duration::from_millis(2000),
            failures: FailureTimings::default(),
        }
    }
}

fn stage(pod: &Value) -> Stage {
    if meta::is_deleting(pod) {
        return Stage::Terminating;
    }
    if meta::str_at(pod, &["spec", "nodeName"]).is_none_or(str::is_empty) {
        return Stage::Unscheduled;
    }
    if meta::at(pod, &["status", "startTime"]).is_none() {
        return Stage::Scheduled;
    }
    Stage::Started
}

/// What the kubelet remembers of a pod between passes.
struct Memo {
    stage: Stage,
    since: Instant,
    /// Per container status (by position): its phase and since when.
    containers: Vec<(Fingerprint, Instant)>,
    /// Per container: failed image pulls so far.
    pulls: Vec<u32>,
}

#[derive(Default)]
pub struct Kubelet {
    pub timings: Timings,
    /// Per pod UID.
    seen: HashMap<String, Memo>,
    next_ip: HashMap<String, u32>,
}

fn condition(kind: &str, status: bool, now: &str) -> Value {
    json!({"type": kind, "status": if status { "True" } else { "False" }, "lastProbeTime": null, "lastTransitionTime": now})
}

fn with_reason(mut c: Value, reason: &str, message: &str) -> Value {
    meta::set(&mut c, &["reason"], json!(reason));
    meta::set(&mut c, &["message"], json!(message));
    c
}

fn container_names(pod: &Value) -> Vec<String> {
    meta::containers(meta::at(pod, &["spec"]))
        .iter()
        .filter_map(|c| c.get("name").and_then(Value::as_str).map(String::from))
        .collect()
}

fn container_statuses(pod: &Value) -> &[Value] {
    meta::at(pod, &["status", "containerStatuses"])
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn image_id(image: &str) -> String {
    let repo = image.split('@').next().unwrap_or(image);
    let repo = match repo.rsplit_once(':') {
        Some((r, tag)) if !tag.contains('/') => r,
        _ => repo,
    };
    let qualified = if repo.contains('/') {
        repo.to_string()
    } else {
        format!("docker.io/library/{repo}")
    };
    // A stable fake digest: the same image always has the same ID.
    let digest: String = (0..8u8)
        .map(|i| format!("{:08x}", ids::fnv32a(&[image.as_bytes(), &[i]].concat())))
        .collect();
    format!("{qualified}@sha256:{digest}")
}

fn status_image(c: &Value) -> &str {
    c.get("image").and_then(Value::as_str).unwrap_or("")
}

/// A container step that is due now.
struct DueStep {
    index: usize,
    step: Step,
    mode: Mode,
    /// Why the container cannot be created, for `FailConfig`.
    config_error: Option<String>,
}

impl Kubelet {
    pub fn sync(&mut self, reg: &Registry, clock: &Clock, events: &Recorder) -> Pass {
        let mut pass = Pass::default();
        let (pods, _) = reg.store.list(&PODS, None);
        let now = Instant::now();
        let mut alive = HashSet::with_capacity(pods.len());
        for pod in &pods {
            let uid = meta::uid(pod).to_string();
            let st = stage(pod);
            alive.insert(uid.clone());
            let memo = self.seen.entry(uid).or_insert_with(|| Memo {
                stage: st,
                since: now,
                containers: Vec::new(),
                pulls: Vec::new(),
            });
            if memo.stage != st {
                if st == Stage::Terminating {
                    killing(events, reg, pod);
                }
                memo.stage = st;
                memo.since = now;
            }
            let delay = match st {
                Stage::Unscheduled => self.timings.schedule,
                Stage::Scheduled => self.timings.kubelet_sync,
                Stage::Started => {
                    let ns = meta::namespace(pod);
                    let config = |c: &Value| config_refs::missing(&reg.store, ns, c);
                    let due =
                        container_steps(memo, pod, &self.timings, clock, (now, &mut pass), &config);
                    if !due.is_empty() && self.run_containers(reg, clock, events, pod, &due) {
                        pass.changed = true;
                    }
                    continue;
                }
                Stage::Terminating => {
                    let grace = meta::i64_at(pod, &["metadata", "deletionGracePeriodSeconds"])
                        .unwrap_or(0)
                        .max(0) as u64;
                    self.timings.termination.min(Duration::from_secs(grace))
                }
            };
            let due = memo.since + clock.real(delay);
            if due > now {
                pass.due(due);
                continue;
            }
            if self.advance(reg, clock, events, pod, st) {
                pass.changed = true;
            }
        }
        self.seen.retain(|uid, _| alive.contains(uid));
        pass
    }

    /// Applies the due container steps, then derives the pod's phase and
    /// conditions from its containers.
    fn run_containers(
        &mut self,
        reg: &Registry,
        clock: &Clock,
        events: &Recorder,
        pod: &Value,
        due: &[DueStep],
    ) -> bool {
        let ns = meta::namespace(pod);
        let name = meta::name(pod);
        let uid = meta::uid(pod).to_string();
        let now = clock.now_string();
        let needs_sandbox = meta::at(pod, &["status", "podIP"]).is_none();
        let ip = if needs_sandbox {
            let node = meta::str_at(pod, &["spec", "nodeName"]).unwrap_or("");
            Some(self.pod_ip(reg, node))
        } else {
            None
        };
        if let Some(memo) = self.seen.get_mut(&uid) {
            for d in due.iter().filter(|d| d.step == Step::FailPull) {
                if let Some(n) = memo.pulls.get_mut(d.index) {
                    *n += 1;
                }
            }
        }
        let failures = self.timings.failures;
        let result = reg.mutate(&PODS, ns, name, Part::Status, |p| {
            if let Some(ip) = &ip {
                meta::set(p, &["status", "podIP"], json!(ip));
                meta::set(p, &["status", "podIPs"], json!([{"ip": ip}]));
                set_condition(p, "PodReadyToStartContainers", true, &now);
            }
            let Some(statuses) = p
                .get_mut("status")
                .and_then(|s| s.get_mut("containerStatuses"))
                .and_then(Value::as_array_mut)
            else {
                return;
            };
            for d in due {
                let Some(c) = statuses.get_mut(d.index) else {
                    continue;
                };
                let cx = StepContext {
                    now: &now,
                    pod: name,
                    namespace: ns,
                    pod_uid: &uid,
                    image_id: image_id(status_image(c)),
                    container_id: format!("containerd://{}", ids::hex(64)),
                    timings: &failures,
                    config_error: d.config_error.as_deref(),
                };
                container::apply(d.step, d.mode, c, &cx);
            }
            let created = container::all_created(statuses);
            let unready: Vec<String> = statuses
                .iter()
                .filter(|c| !meta::bool_at(c, &["ready"]))
                .filter_map(|c| c.get("name").and_then(Value::as_str).map(String::from))
                .collect();
            let phase = if created { "Running" } else { "Pending" };
            meta::set(p, &["status", "phase"], json!(phase));
            set_ready(p, &unready, &now);
        });
        match result {
            Ok(p) => {
                for d in due {
                    container_events(events, reg, &p, pod, d);
                }
                true
            }
            Err(_) => false,
        }
    }

    fn advance(
        &mut self,
        reg: &Registry,
        clock: &Clock,
        events: &Recorder,
        pod: &Value,
        st: Stage,
    ) -> bool {
        let ns = meta::namespace(pod);
        let name = meta::name(pod);
        let now = clock.now_string();
        let names = container_names(pod);
        let result = match st {
            Stage::Unscheduled => {
                let Some(node) = self.pick_node(reg) else {
                    return false;
                };
                // A binding, not a spec update: no new generation.
                let bound = reg.mutate(&PODS, ns, name, Part::Status, |p| {
                    meta::set(p, &["spec", "nodeName"], json!(node));
                    meta::set(
                        p,
                        &["status", "conditions"],
                        json!([condition("PodScheduled", true, &now)]),
                    );
                });
                if let Ok(p) = &bound {
                    let message = format!("Successfully assigned {ns}/{name} to {node}");
                    events.record(
                        reg,
                        p,
                        &Note::normal("Scheduled", &message),
                        &events::SCHEDULER,
                    );
                }
                bound
            }
            Stage::Scheduled => {
                let node = meta::str_at(pod, &["spec", "nodeName"])
                    .unwrap_or("")
                    .to_string();
                let host_ip = reg
                    .store
                    .get(&NODES, "", &node)
                    .and_then(|n| {
                        meta::at(&n, &["status", "addresses"])
                            .and_then(Value::as_array)
                            .and_then(|a| {
                                a.iter().find(|x| {
                                    x.get("type").and_then(Value::as_str) == Some("InternalIP")
                                })
                            })
                            .and_then(|x| x.get("address"))
                            .and_then(Value::as_str)
                            .map(String::from)
                    })
                    .unwrap_or_else(|| "172.18.0.2".into());
                let unready = format!("containers with unready status: [{}]", names.join(" "));
                let statuses: Vec<Value> = meta::containers(meta::at(pod, &["spec"]))
                    .iter()
                    .map(|c| {
                        json!({
                            "name": c.get("name"), "image": c.get("image"), "imageID": "",
                            "ready": false, "restartCount": 0, "started": false,
                            "state": {"waiting": {"reason": "ContainerCreating"}}, "lastState": {},
                        })
                    })
                    .collect();
                reg.mutate(&PODS, ns, name, Part::Status, |p| {
                    meta::set(p, &["status", "phase"], json!("Pending"));
                    meta::set(p, &["status", "hostIP"], json!(host_ip));
                    meta::set(p, &["status", "hostIPs"], json!([{"ip": host_ip}]));
                    meta::set(p, &["status", "startTime"], json!(now));
                    meta::set(
                        p,
                        &["status", "conditions"],
                        json!([
                            condition("PodReadyToStartContainers", false, &now),
                            condition("Initialized", true, &now),
                            with_reason(
                                condition("Ready", false, &now),
                                "ContainersNotReady",
                                &unready
                            ),
                            with_reason(
                                condition("ContainersReady", false, &now),
                                "ContainersNotReady",
                                &unready
                            ),
                            condition("PodScheduled", true, &now),
                        ]),
                    );
                    meta::set(p, &["status", "containerStatuses"], Value::Array(statuses));
                })
            }
            Stage::Terminating => {
                let now = DeleteOptions {
                    grace_period: Some(0),
                    ..Default::default()
                };
                return reg.delete(&PODS, ns, name, &now).is_ok();
            }
            Stage::Started => return false,
        };
        result.is_ok()
    }

    /// The schedulable node with the fewest pods.
    fn pick_node(&self, reg: &Registry) -> Option<String> {
        let (nodes, _) = reg.store.list(&NODES, None);
        let (pods, _) = reg.store.list(&PODS, None);
        nodes
            .iter()
            .filter(|n| !meta::bool_at(n, &["spec", "unschedulable"]))
            .filter(|n| {
                !meta::at(n, &["spec", "taints"])
                    .and_then(Value::as_array)
                    .is_some_and(|ts| {
                        ts.iter()
                            .any(|t| t.get("effect").and_then(Value::as_str) == Some("NoSchedule"))
                    })
            })
            .map(|n| meta::name(n).to_string())
            .min_by_key(|n| {
                let count = pods
                    .iter()
                    .filter(|p| meta::str_at(p, &["spec", "nodeName"]) == Some(n.as_str()))
                    .count();
                (count, n.clone())
            })
    }

    fn pod_ip(&mut self, reg: &Registry, node: &str) -> String {
        let subnet = reg
            .store
            .get(&NODES, "", node)
            .and_then(|n| meta::str_at(&n, &["spec", "podCIDR"]).map(String::from))
            .and_then(|cidr| cidr.rsplit_once('.').map(|(prefix, _)| prefix.to_string()))
            .unwrap_or_else(|| "10.244.0".into());
        let next = self.next_ip.entry(node.to_string()).or_insert(1);
        *next = if *next >= 254 { 2 } else { *next + 1 };
        format!("{subnet}.{next}")
    }
}

/// The container steps of a started pod that are due now; the next later
/// one goes into `pass`. `config` says what stops a container spec from
/// being created (a missing ConfigMap or Secret).
fn container_steps(
    memo: &mut Memo,
    pod: &Value,
    timings: &Timings,
    clock: &Clock,
    (now, pass): (Instant, &mut Pass),
    config: &dyn Fn(&Value) -> Option<String>,
) -> Vec<DueStep> {
    let statuses = container_statuses(pod);
    let spec = meta::containers(meta::at(pod, &["spec"]));
    memo.containers
        .resize(statuses.len(), (Fingerprint::default(), now));
    memo.pulls.resize(statuses.len(), 0);
    let mut due = Vec::new();
    for (index, c) in statuses.iter().enumerate() {
        let fp = container::fingerprint(c);
        let slot = &mut memo.containers[index];
        if slot.0 != fp {
            *slot = (fp, now);
        }
        let name = c.get("name").and_then(Value::as_str);
        let container_spec = spec
            .iter()
            .find(|s| s.get("name").and_then(Value::as_str) == name);
        let image = container_spec.map_or_else(|| status_image(c), status_image);
        let mode = Mode::of_image(image);
        // Only looked up while the container is yet to be created.
        let config_error = match fp.phase {
            container::Phase::Creating | container::Phase::ConfigError => {
                container_spec.and_then(config)
            }
            _ => None,
        };
        let Some((step, delay)) = container::next_step(
            Situation {
                mode,
                phase: fp.phase,
                restarts: fp.restarts,
                pulls: memo.pulls[index],
                config_missing: config_error.is_some(),
            },
            timings.readiness,
            timings.container_start,
            &timings.failures,
        ) else {
            continue;
        };
        // Seeding makes normal progress instant; failures still take their
        // time, or a crash loop would spin through its restarts at once.
        let first_try = matches!(fp.phase, container::Phase::Creating) || step == Step::BecomeReady;
        let real = if first_try {
            clock.real(delay)
        } else {
            clock.scaled(delay)
        };
        let at = slot.1 + real;
        if at <= now {
            // A retried config error leaves the status as it was, so the
            // retry's clock restarts here rather than on a status change.
            if step == Step::FailConfig {
                slot.1 = now;
            }
            due.push(DueStep {
                index,
                step,
                mode,
                config_error,
            });
        } else {
            pass.due(at);
        }
    }
    due
}

/// The kubelet's events for a container step; `before` is the pod as it
/// was (the state the step left), `pod` as it is now.
fn container_events(events: &Recorder, reg: &Registry, pod: &Value, before: &Value, d: &DueStep) {
    let Some(c) = container_statuses(pod).get(d.index) else {
        return;
    };
    let previous = container_statuses(before)
        .get(d.index)
        .map(container::fingerprint);
    let name = c.get("name").and_then(Value::as_str).unwrap_or("");
    let image = status_image(c);
    let node = meta::str_at(pod, &["spec", "nodeName"]).unwrap_or("");
    let field = format!("spec.containers{{{name}}}");
    let by = events::kubelet(node);
    let emit = |note: Note| events.record(reg, pod, &note.on(&field), &by);
    let pulling = format!("Pulling image \"{image}\"");
    match d.step {
        Step::Start => {
            let restart = previous.is_some_and(|f| {
                matches!(
                    f.phase,
                    container::Phase::CrashBackOff | container::Phase::ConfigError
                )
            });
            if restart {
                let present = format!("Container image \"{image}\" already present on machine");
                emit(Note::normal("Pulled", &present));
            } else {
                emit(Note::normal("Pulling", &pulling));
                emit(Note::normal("Pulled", &pulled_message(image)));
            }
            emit(Note::normal(
                "Created",
                &format!("Created container: {name}"),
            ));
            emit(Note::normal(
                "Started",
                &format!("Started container {name}"),
            ));
            if matches!(d.mode, Mode::Crash | Mode::Oom | Mode::Slow) {
                let ip = meta::str_at(pod, &["status", "podIP"]).unwrap_or("10.244.0.1");
                let message = format!(
                    "Readiness probe failed: Get \"http://{ip}:8080/readyz\": dial tcp {ip}:8080: connect: connection refused"
                );
                emit(Note::warning("Unhealthy", &message));
            }
        }
        Step::FailPull => {
            let error = meta::str_at(c, &["state", "waiting", "message"]).unwrap_or("");
            emit(Note::normal("Pulling", &pulling));
            let failed = format!("Failed to pull image \"{image}\": {error}");
            emit(Note::warning("Failed", &failed));
            emit(Note::warning("Failed", "Error: ErrImagePull"));
        }
        Step::FailConfig => {
            // The image is pulled before the environment is built.
            if previous.is_some_and(|f| f.phase == container::Phase::ConfigError) {
                let present = format!("Container image \"{image}\" already present on machine");
                emit(Note::normal("Pulled", &present));
            } else {
                emit(Note::normal("Pulling", &pulling));
                emit(Note::normal("Pulled", &pulled_message(image)));
            }
            let error = d.config_error.as_deref().unwrap_or_default();
            emit(Note::warning("Failed", &format!("Error: {error}")));
        }
        Step::BackOffPull => {
            let message = format!("Back-off pulling image \"{image}\"");
            emit(Note::normal("BackOff", &message));
            emit(Note::warning("Failed", "Error: ImagePullBackOff"));
        }
        Step::BackOffCrash => {
            let message = format!(
                "Back-off restarting failed container {name} in pod {}_{}({})",
                meta::name(pod),
                meta::namespace(pod),
                meta::uid(pod)
            );
            emit(Note::warning("BackOff", &message));
        }
        Step::BecomeReady | Step::Exit => {}
    }
}

/// `Pulled` as the kubelet words it, with a pull time and size that are
/// stable per image.
fn pulled_message(image: &str) -> String {
    let h = ids::fnv32a(image.as_bytes());
    let ms = 600 + h % 2400;
    let size = 20_000_000 + u64::from(h % 180_000_000);
    let secs = format!("{}.{:03}", ms / 1000, ms % 1000);
    let secs = secs.trim_end_matches('0').trim_end_matches('.');
    format!(
        "Successfully pulled image \"{image}\" in {secs}s ({secs}s including waiting). Image size: {size} bytes."
    )
}

/// `Killing` for each running container of a pod that is being deleted.
fn killing(events: &Recorder, reg: &Registry, pod: &Value) {
    let node = meta::str_at(pod, &["spec", "nodeName"]).unwrap_or("");
    if node.is_empty() {
        return;
    }
    let by = events::kubelet(node);
    for c in container_statuses(pod) {
        if meta::at(c, &["state", "running"]).is_none() {
            continue;
        }
        let name = c.get("name").and_then(Value::as_str).unwrap_or("");
        let field = format!("spec.containers{{{name}}}");
        let message = format!("Stopping container {name}");
        events.record(reg, pod, &Note::normal("Killing", &message).on(&field), &by);
    }
}

/// Ready and ContainersReady follow the containers, naming the unready ones.
fn set_ready(pod: &mut Value, unready: &[String], now: &str) {
    let ok = unready.is_empty();
    let message = format!("containers with unready status: [{}]", unready.join(" "));
    for kind in ["ContainersReady", "Ready"] {
        set_condition(pod, kind, ok, now);
        if ok {
            continue;
        }
        let found = pod
            .get_mut("status")
            .and_then(|s| s.get_mut("conditions"))
            .and_then(Value::as_array_mut)
            .and_then(|cs| {
                cs.iter_mut()
                    .find(|c| c.get("type").and_then(Value::as_str) == Some(kind))
            });
        if let Some(c) = found {
            meta::set(c, &["reason"], json!("ContainersNotReady"));
            meta::set(c, &["message"], json!(message));
        }
    }
}

/// Sets a pod condition's status, keeping its position, moving the
/// transition time only when the status flips.
fn set_condition(pod: &mut Value, kind: &str, status: bool, now: &str) {
    let wanted = if status { "True" } else { "False" };
    let Some(conds) = pod
        .get_mut("status")
        .and_then(|s| s.get_mut("conditions"))
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    match conds
        .iter_mut()
        .find(|c| c.get("type").and_then(Value::as_str) == Some(kind))
    {
        Some(c) => {
            if c.get("status").and_then(Value::as_str) != Some(wanted) {
                *c = condition(kind, status, now);
            }
        }
        None => conds.push(condition(kind, status, now)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_follow_the_pod() {
        let mut p = json!({"metadata": {}, "spec": {}, "status": {"phase": "Pending"}});
        assert_eq!(stage(&p), Stage::Unscheduled);
        p["spec"]["nodeName"] = json!("n1");
        assert_eq!(stage(&p), Stage::Scheduled);
        p["status"]["startTime"] = json!("2024-01-01T00:00:00Z");
        assert_eq!(stage(&p), Stage::Started);
        p["metadata"]["deletionTimestamp"] = json!("2024-01-01T00:00:00Z");
        assert_eq!(stage(&p), Stage::Terminating);
    }

    #[test]
    fn image_ids_are_qualified_digests() {
        let id = image_id("nginx:1.27");
        assert!(id.starts_with("docker.io/library/nginx@sha256:"), "{id}");
        assert!(image_id("ghcr.io/x/y:1").starts_with("ghcr.io/x/y@sha256:"));
    }
}
