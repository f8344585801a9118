//! What the fake kubelet does with one container, decided by its image tag.
//!
//! The demo has no real images, so failure modes are chosen by a naming
//! convention (also documented in `scenarios/shop.toml`), checked in this
//! order on the image's tag (the part after the last `:`, case-insensitive):
//!
//! - contains `missing`: the pull fails (`ErrImagePull`), then the kubelet
//!   backs off (`ImagePullBackOff`) and retries; it never starts.
//! - contains `crash`: runs a few seconds, never passes readiness, exits 1
//!   (`Error`) and restarts with the CrashLoopBackOff back-off.
//! - contains `oom`: like `crash`, but killed with exit code 137
//!   (`OOMKilled`).
//! - contains `slow`: healthy, but readiness passes only after ~30 s.
//! - anything else: healthy.
//!
//! Independently of the tag, a container whose environment names a ConfigMap
//! or Secret (or key) that does not exist waits in
//! `CreateContainerConfigError` and is retried every kubelet back-off period
//! until it appears (see `config_refs`).
//!
//! Back-offs follow the kubelet: 10 s doubling to a 5 min cap, divided by
//! `--speed` like every simulated delay.

use std::time::Duration;

use serde_json::{json, Value};

use crate::demo::meta;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Healthy,
    Slow,
    Crash,
    Oom,
    Missing,
}

impl Mode {
    pub fn of_image(image: &str) -> Mode {
        let tag = image_tag(image).to_ascii_lowercase();
        if tag.contains("missing") {
            Mode::Missing
        } else if tag.contains("crash") {
            Mode::Crash
        } else if tag.contains("oom") {
            Mode::Oom
        } else if tag.contains("slow") {
            Mode::Slow
        } else {
            Mode::Healthy
        }
    }
}

/// The tag of `repo[:tag][@digest]`; a `:` inside a registry host
/// (`host:5000/x`) is not a tag.
fn image_tag(image: &str) -> &str {
    let name = image.split('@').next().unwrap_or(image);
    match name.rsplit_once(':') {
        Some((_, tag)) if !tag.contains('/') => tag,
        _ => "",
    }
}

/// Simulated durations of the container steps that can fail.
#[derive(Debug, Clone, Copy)]
pub struct FailureTimings {
    /// How long a crashing container runs before it exits.
    pub crash_after: Duration,
    /// How long an OOM container runs before it is killed.
    pub oom_after: Duration,
    /// How long `slow` containers take to pass readiness.
    pub slow_readiness: Duration,
    /// How long an exit or pull error shows before the back-off starts.
    pub error_shown: Duration,
    pub backoff_initial: Duration,
    pub backoff_max: Duration,
    /// The pod worker's requeue after a failed sync (the kubelet's
    /// `backOffPeriod`): how often a config error is retried.
    pub config_retry: Duration,
}

impl Default for FailureTimings {
    fn default() -> Self {
        FailureTimings {
            crash_after: Duration::from_secs(5),
            oom_after: Duration::from_secs(8),
            slow_readiness: Duration::from_secs(30),
            error_shown: Duration::from_secs(1),
            backoff_initial: Duration::from_secs(10),
            backoff_max: Duration::from_secs(300),
            config_retry: Duration::from_secs(10),
        }
    }
}

impl FailureTimings {
    /// The kubelet's back-off before retry number `attempt + 1`.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.min(16));
        self.backoff_initial
            .saturating_mul(factor)
            .min(self.backoff_max)
    }
}

/// Where a container is, read from its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Phase {
    Creating,
    PullError,
    PullBackOff,
    ConfigError,
    Running {
        ready: bool,
    },
    Exited,
    CrashBackOff,
    /// Anything the kubelet does not drive (e.g. written by a client).
    #[default]
    Other,
}

/// A container's position in its lifecycle; a change restarts its timer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Fingerprint {
    pub phase: Phase,
    pub restarts: i64,
}

pub fn fingerprint(status: &Value) -> Fingerprint {
    let waiting = meta::str_at(status, &["state", "waiting", "reason"]);
    let phase = if meta::at(status, &["state", "running"]).is_some() {
        Phase::Running {
            ready: meta::bool_at(status, &["ready"]),
        }
    } else if meta::at(status, &["state", "terminated"]).is_some() {
        Phase::Exited
    } else {
        match waiting {
            Some("ContainerCreating") => Phase::Creating,
            Some("ErrImagePull") => Phase::PullError,
            Some("ImagePullBackOff") => Phase::PullBackOff,
            Some("CreateContainerConfigError") => Phase::ConfigError,
            Some("CrashLoopBackOff") => Phase::CrashBackOff,
            _ => Phase::Other,
        }
    };
    Fingerprint {
        phase,
        restarts: meta::i64_at(status, &["restartCount"]).unwrap_or(0),
    }
}

/// The next thing that happens to a container and after how much simulated
/// time in its current phase; `None` when it is settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Start,
    FailPull,
    BackOffPull,
    FailConfig,
    BecomeReady,
    Exit,
    BackOffCrash,
}

/// Where a container is and what stands in its way.
#[derive(Debug, Clone, Copy)]
pub struct Situation {
    pub mode: Mode,
    pub phase: Phase,
    pub restarts: i64,
    /// Failed pulls so far (for the pull back-off).
    pub pulls: u32,
    /// A ConfigMap or Secret its environment needs is missing.
    pub config_missing: bool,
}

/// The image is pulled before the environment is built, so a pull failure
/// shows first.
pub fn next_step(
    at: Situation,
    readiness: Duration,
    container_start: Duration,
    t: &FailureTimings,
) -> Option<(Step, Duration)> {
    let Situation {
        mode,
        phase,
        restarts,
        pulls,
        config_missing,
    } = at;
    let restarts = u32::try_from(restarts.max(0)).unwrap_or(u32::MAX);
    match (phase, mode) {
        (Phase::Creating, Mode::Missing) => Some((Step::FailPull, container_start)),
        (Phase::Creating, _) if config_missing => Some((Step::FailConfig, container_start)),
        (Phase::Creating, _) => Some((Step::Start, container_start)),
        (Phase::ConfigError, _) if config_missing => Some((Step::FailConfig, t.config_retry)),
        (Phase::ConfigError, _) => Some((Step::Start, t.config_retry)),
        (Phase::PullError, _) => Some((Step::BackOffPull, t.error_shown)),
        (Phase::PullBackOff, _) => Some((Step::FailPull, t.backoff(pulls.saturating_sub(1)))),
        (Phase::Running { ready: false }, Mode::Crash) => Some((Step::Exit, t.crash_after)),
        (Phase::Running { ready: false }, Mode::Oom) => Some((Step::Exit, t.oom_after)),
        (Phase::Running { ready: false }, Mode::Slow) => {
            Some((Step::BecomeReady, t.slow_readiness))
        }
        (Phase::Running { ready: false }, _) => Some((Step::BecomeReady, readiness)),
        (Phase::Exited, Mode::Crash | Mode::Oom) => Some((Step::BackOffCrash, t.error_shown)),
        (Phase::CrashBackOff, _) => Some((Step::Start, t.backoff(restarts))),
        _ => None,
    }
}

/// What a step needs besides the status it changes.
pub struct StepContext<'a> {
    pub now: &'a str,
    pub pod: &'a str,
    pub namespace: &'a str,
    pub pod_uid: &'a str,
    pub image_id: String,
    pub container_id: String,
    pub timings: &'a FailureTimings,
    /// The kubelet's text for a missing ConfigMap or Secret, if any.
    pub config_error: Option<&'a str>,
}

/// Applies a step to one container status.
pub fn apply(step: Step, mode: Mode, status: &mut Value, cx: &StepContext) {
    let name = status
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let image = status
        .get("image")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    match step {
        Step::Start => {
            // A restart after a crash keeps the last termination and counts.
            if fingerprint(status).phase == Phase::CrashBackOff {
                let restarts = meta::i64_at(status, &["restartCount"]).unwrap_or(0);
                meta::set(status, &["restartCount"], json!(restarts + 1));
            }
            meta::set(
                status,
                &["state"],
                json!({"running": {"startedAt": cx.now}}),
            );
            meta::set(status, &["started"], json!(true));
            meta::set(status, &["ready"], json!(false));
            meta::set(status, &["imageID"], json!(cx.image_id));
            meta::set(status, &["containerID"], json!(cx.container_id));
        }
        Step::FailPull => {
            let reference = qualified_reference(&image);
            let message = format!(
                "rpc error: code = NotFound desc = failed to pull and unpack image \"{reference}\": \
                 failed to resolve reference \"{reference}\": {reference}: not found"
            );
            meta::set(
                status,
                &["state"],
                json!({"waiting": {"reason": "ErrImagePull", "message": message}}),
            );
        }
        Step::BackOffPull => {
            let previous = meta::str_at(status, &["state", "waiting", "message"])
                .unwrap_or("")
                .to_string();
            let message = format!("Back-off pulling image \"{image}\": ErrImagePull: {previous}");
            meta::set(
                status,
                &["state"],
                json!({"waiting": {"reason": "ImagePullBackOff", "message": message}}),
            );
        }
        Step::FailConfig => {
            let message = cx.config_error.unwrap_or_default();
            meta::set(
                status,
                &["state"],
                json!({"waiting": {"reason": "CreateContainerConfigError", "message": message}}),
            );
        }
        Step::BecomeReady => {
            meta::set(status, &["ready"], json!(true));
        }
        Step::Exit => {
            let (code, reason) = if mode == Mode::Oom {
                (137, "OOMKilled")
            } else {
                (1, "Error")
            };
            let started = meta::str_at(status, &["state", "running", "startedAt"])
                .unwrap_or(cx.now)
                .to_string();
            let container_id = status.get("containerID").cloned().unwrap_or(Value::Null);
            meta::set(
                status,
                &["state"],
                json!({"terminated": {
                    "exitCode": code, "reason": reason, "startedAt": started,
                    "finishedAt": cx.now, "containerID": container_id,
                }}),
            );
            meta::set(status, &["ready"], json!(false));
            meta::set(status, &["started"], json!(false));
        }
        Step::BackOffCrash => {
            let restarts = meta::i64_at(status, &["restartCount"]).unwrap_or(0);
            let delay = cx
                .timings
                .backoff(u32::try_from(restarts.max(0)).unwrap_or(u32::MAX));
            let last = meta::at(status, &["state"]).cloned().unwrap_or(json!({}));
            let message = format!(
                "back-off {} restarting failed container={name} pod={}_{}({})",
                go_duration(delay),
                cx.pod,
                cx.namespace,
                cx.pod_uid
            );
            meta::set(status, &["lastState"], last);
            meta::set(
                status,
                &["state"],
                json!({"waiting": {"reason": "CrashLoopBackOff", "message": message}}),
            );
        }
    }
}

/// `nginx:x` -> `docker.io/library/nginx:x`, as containerd names it.
fn qualified_reference(image: &str) -> String {
    let first = image.split('/').next().unwrap_or("");
    let has_registry =
        image.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost");
    if has_registry {
        image.to_string()
    } else if image.contains('/') {
        format!("docker.io/{image}")
    } else {
        format!("docker.io/library/{image}")
    }
}

/// Go's `time.Duration` text for whole seconds: `10s`, `1m20s`, `5m0s`.
fn go_duration(d: Duration) -> String {
    let secs = d.as_secs();
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    match (h, m) {
        (0, 0) => format!("{s}s"),
        (0, _) => format!("{m}m{s}s"),
        _ => format!("{h}h{m}m{s}s"),
    }
}

/// Whether the pod's containers have all been created (the pod phase is
/// Pending until then).
pub fn all_created(statuses: &[Value]) -> bool {
    statuses.iter().all(|c| {
        let fp = fingerprint(c);
        !matches!(
            fp.phase,
            Phase::Creating | Phase::PullError | Phase::PullBackOff | Phase::ConfigError
        ) || fp.restarts > 0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_come_from_the_tag() {
        assert_eq!(Mode::of_image("ghcr.io/x/api:1.13-crash"), Mode::Crash);
        assert_eq!(Mode::of_image("nginx:missing"), Mode::Missing);
        assert_eq!(Mode::of_image("x:OOM-1"), Mode::Oom);
        assert_eq!(Mode::of_image("x:slow"), Mode::Slow);
        assert_eq!(Mode::of_image("crash/app:1.0"), Mode::Healthy);
        assert_eq!(Mode::of_image("registry:5000/crash"), Mode::Healthy);
        assert_eq!(Mode::of_image("nginx"), Mode::Healthy);
        assert_eq!(Mode::of_image("x:1@sha256:crash"), Mode::Healthy);
    }

    #[test]
    fn backoff_doubles_to_the_cap() {
        let t = FailureTimings::default();
        let secs: Vec<u64> = (0..7).map(|a| t.backoff(a).as_secs()).collect();
        assert_eq!(secs, vec![10, 20, 40, 80, 160, 300, 300]);
        assert_eq!(t.backoff(u32::MAX).as_secs(), 300);
        assert_eq!(go_duration(Duration::from_secs(80)), "1m20s");
        assert_eq!(go_duration(Duration::from_secs(300)), "5m0s");
    }

    fn cx(t: &FailureTimings) -> StepContext<'_> {
        StepContext {
            now: "2026-01-01T00:00:00Z",
            pod: "p",
            namespace: "ns",
            pod_uid: "u",
            image_id: "id".into(),
            container_id: "containerd://c".into(),
            timings: t,
            config_error: None,
        }
    }

    fn situation(mode: Mode, c: &Value, config_missing: bool) -> Situation {
        let fp = fingerprint(c);
        Situation {
            mode,
            phase: fp.phase,
            restarts: fp.restarts,
            pulls: 0,
            config_missing,
        }
    }

    #[test]
    fn a_crashing_container_loops_with_growing_restarts() {
        let t = FailureTimings::default();
        let cx = cx(&t);
        let mut c = json!({"name": "c", "image": "x:crash", "restartCount": 0,
            "state": {"waiting": {"reason": "ContainerCreating"}}});
        let mut seen = Vec::new();
        for _ in 0..7 {
            let (step, delay) = next_step(
                situation(Mode::Crash, &c, false),
                Duration::from_secs(2),
                Duration::from_secs(1),
                &t,
            )
            .unwrap();
            seen.push((step, delay.as_secs()));
            apply(step, Mode::Crash, &mut c, &cx);
        }
        assert_eq!(
            seen,
            vec![
                (Step::Start, 1),
                (Step::Exit, 5),
                (Step::BackOffCrash, 1),
                (Step::Start, 10),
                (Step::Exit, 5),
                (Step::BackOffCrash, 1),
                (Step::Start, 20),
            ]
        );
        assert_eq!(c["restartCount"], 2);
        assert_eq!(c["lastState"]["terminated"]["exitCode"], 1);
        assert_eq!(c["lastState"]["terminated"]["reason"], "Error");
    }

    #[test]
    fn a_missing_config_waits_and_is_retried_until_it_appears() {
        let t = FailureTimings::default();
        let error = "configmap \"api-config\" not found";
        let cx = StepContext {
            config_error: Some(error),
            ..cx(&t)
        };
        let mut c = json!({"name": "c", "image": "shop/api:1", "restartCount": 0,
            "state": {"waiting": {"reason": "ContainerCreating"}}});
        let mut seen = Vec::new();
        for missing in [true, true, false] {
            let (step, delay) = next_step(
                situation(Mode::Healthy, &c, missing),
                Duration::from_secs(2),
                Duration::from_secs(1),
                &t,
            )
            .unwrap();
            seen.push((step, delay.as_secs()));
            apply(step, Mode::Healthy, &mut c, &cx);
            if step == Step::FailConfig {
                assert_eq!(
                    c["state"]["waiting"]["reason"],
                    "CreateContainerConfigError"
                );
                assert_eq!(c["state"]["waiting"]["message"], error);
                assert!(
                    !all_created(std::slice::from_ref(&c)),
                    "the pod stays Pending"
                );
            }
        }
        assert_eq!(
            seen,
            vec![
                (Step::FailConfig, 1),
                (Step::FailConfig, 10),
                (Step::Start, 10),
            ]
        );
        assert!(c["state"]["running"].is_object());
        assert_eq!(c["restartCount"], 0, "a config error is not a restart");
        // A pull failure shows before the environment is ever built.
        let fresh = json!({"state": {"waiting": {"reason": "ContainerCreating"}}});
        let first = next_step(
            situation(Mode::Missing, &fresh, true),
            Duration::from_secs(2),
            Duration::from_secs(1),
            &t,
        );
        assert_eq!(first.map(|(s, _)| s), Some(Step::FailPull));
    }

    #[test]
    fn crash_loop_and_pull_messages_match_the_kubelet() {
        let t = FailureTimings::default();
        let cx = cx(&t);
        let mut c = json!({"name": "c", "image": "x:oom", "restartCount": 1,
            "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}}});
        apply(Step::Exit, Mode::Oom, &mut c, &cx);
        assert_eq!(c["state"]["terminated"]["exitCode"], 137);
        assert_eq!(c["state"]["terminated"]["reason"], "OOMKilled");
        apply(Step::BackOffCrash, Mode::Oom, &mut c, &cx);
        assert_eq!(
            c["state"]["waiting"]["message"],
            "back-off 20s restarting failed container=c pod=p_ns(u)"
        );
        let mut c = json!({"name": "c", "image": "nginx:missing"});
        apply(Step::FailPull, Mode::Missing, &mut c, &cx);
        let msg = c["state"]["waiting"]["message"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(msg.contains("\"docker.io/library/nginx:missing\""), "{msg}");
        apply(Step::BackOffPull, Mode::Missing, &mut c, &cx);
        assert_eq!(c["state"]["waiting"]["reason"], "ImagePullBackOff");
        assert!(!all_created(&[c]));
    }
}
