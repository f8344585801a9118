//! What an operator looks at when a pod misbehaves: each container's state
//! and last termination, the ConfigMaps and Secrets it reads, and where.

use chrono::{DateTime, Utc};

use super::age::{age, to_chrono};
use super::cached::{ContainerStatus, KeyToPath, Pod};
use super::rows::{pod_summary, Health};

#[derive(Clone, Debug, PartialEq)]
pub struct ContainerInfo {
    pub name: String,
    pub init: bool,
    pub image: String,
    pub ready: bool,
    pub restarts: i32,
    /// `Running (5m)`, `Waiting: CrashLoopBackOff`, `Terminated: OOMKilled (exit 137)`.
    pub state: String,
    /// `Error (exit 2), 40s ago`, when the container restarted.
    pub last_termination: Option<String>,
    pub health: Health,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ConfigKind {
    ConfigMap,
    Secret,
}

/// One way the pod reads a ConfigMap or Secret.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConfigRef {
    pub kind: ConfigKind,
    pub name: String,
    /// The key read, when the pod names one (env valueFrom, volume items).
    pub key: Option<String>,
    /// `env DB_PASSWORD (api)`, `envFrom (api)`, `volume config → /etc/app (api)`.
    pub via: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PodDetail {
    pub namespace: String,
    pub name: String,
    pub status: String,
    pub health: Health,
    pub node: String,
    pub ip: String,
    pub started: String,
    pub containers: Vec<ContainerInfo>,
    pub config: Vec<ConfigRef>,
}

pub fn pod_detail(p: &Pod, now: DateTime<Utc>) -> PodDetail {
    let summary = pod_summary(p);
    let spec = p.spec.as_ref();
    let status = p.status.as_ref();
    let statuses = |init: bool| -> &[ContainerStatus] {
        let s = if init {
            status.and_then(|s| s.init_container_statuses.as_deref())
        } else {
            status.and_then(|s| s.container_statuses.as_deref())
        };
        s.unwrap_or(&[])
    };
    let mut containers = Vec::new();
    for (init, list) in [
        (true, spec.and_then(|s| s.init_containers.as_deref())),
        (false, spec.map(|s| s.containers.as_slice())),
    ] {
        for c in list.unwrap_or(&[]) {
            let cs = statuses(init).iter().find(|s| s.name == c.name);
            containers.push(container_info(&c.name, c.image.as_deref(), init, cs, now));
        }
    }
    PodDetail {
        namespace: p.metadata.namespace.clone().unwrap_or_default(),
        name: p.metadata.name.clone().unwrap_or_default(),
        health: containers
            .iter()
            .map(|c| c.health)
            .max()
            .unwrap_or(Health::Progressing),
        status: summary.status,
        node: spec
            .and_then(|s| s.node_name.clone())
            .unwrap_or_else(|| "<none>".into()),
        ip: status
            .and_then(|s| s.pod_ip.clone())
            .unwrap_or_else(|| "<none>".into()),
        started: age(
            status.and_then(|s| s.start_time.as_ref()).map(to_chrono),
            now,
        ),
        containers,
        config: config_refs(p),
    }
}

fn container_info(
    name: &str,
    image: Option<&str>,
    init: bool,
    cs: Option<&ContainerStatus>,
    now: DateTime<Utc>,
) -> ContainerInfo {
    let state = cs.and_then(|s| s.state.as_ref());
    let (text, health) = if let Some(r) = state.and_then(|s| s.running.as_ref()) {
        let since = age(r.started_at.as_ref().map(to_chrono), now);
        let ready = cs.is_some_and(|s| s.ready);
        (
            format!(
                "Running ({since}){}",
                if ready { "" } else { ", not ready" }
            ),
            if ready {
                Health::Ok
            } else {
                Health::Progressing
            },
        )
    } else if let Some(w) = state.and_then(|s| s.waiting.as_ref()) {
        let reason = w.reason.clone().unwrap_or_else(|| "Waiting".into());
        let bad = matches!(
            reason.as_str(),
            "CrashLoopBackOff"
                | "ErrImagePull"
                | "ImagePullBackOff"
                | "CreateContainerConfigError"
                | "InvalidImageName"
        );
        let msg = w
            .message
            .as_deref()
            .map(|m| format!(": {m}"))
            .unwrap_or_default();
        (
            format!("Waiting: {reason}{msg}"),
            if bad {
                Health::Failed
            } else {
                Health::Progressing
            },
        )
    } else if let Some(t) = state.and_then(|s| s.terminated.as_ref()) {
        let reason = t.reason.clone().unwrap_or_else(|| "Terminated".into());
        let ok = t.exit_code == 0;
        (
            format!("Terminated: {reason} (exit {})", t.exit_code),
            if ok { Health::Ok } else { Health::Failed },
        )
    } else {
        ("Pending".into(), Health::Progressing)
    };
    let last_termination = cs
        .and_then(|s| s.last_state.as_ref())
        .and_then(|l| l.terminated.as_ref())
        .map(|t| {
            let when = t
                .finished_at
                .as_ref()
                .map(|f| format!(", {} ago", age(Some(to_chrono(f)), now)))
                .unwrap_or_default();
            format!(
                "{} (exit {}){}",
                t.reason.as_deref().unwrap_or("Terminated"),
                t.exit_code,
                when
            )
        });
    ContainerInfo {
        name: name.to_string(),
        init,
        image: image.unwrap_or_default().to_string(),
        ready: cs.is_some_and(|s| s.ready),
        restarts: cs.map_or(0, |s| s.restart_count),
        state: text,
        last_termination,
        health,
    }
}

/// Every ConfigMap and Secret the pod reads, through env, envFrom and
/// volumes (projected ones included), deduplicated and sorted.
pub fn config_refs(p: &Pod) -> Vec<ConfigRef> {
    let mut out = Vec::new();
    let Some(spec) = p.spec.as_ref() else {
        return out;
    };
    let all = spec
        .init_containers
        .iter()
        .flatten()
        .chain(spec.containers.iter());
    for c in all {
        for e in c.env.iter().flatten() {
            let Some(from) = e.value_from.as_ref() else {
                continue;
            };
            if let Some(r) = from.config_map_key_ref.as_ref() {
                out.push(ConfigRef {
                    kind: ConfigKind::ConfigMap,
                    name: r.name.clone(),
                    key: Some(r.key.clone()),
                    via: format!("env {} ({})", e.name, c.name),
                });
            }
            if let Some(r) = from.secret_key_ref.as_ref() {
                out.push(ConfigRef {
                    kind: ConfigKind::Secret,
                    name: r.name.clone(),
                    key: Some(r.key.clone()),
                    via: format!("env {} ({})", e.name, c.name),
                });
            }
        }
        for ef in c.env_from.iter().flatten() {
            if let Some(r) = ef.config_map_ref.as_ref() {
                out.push(ConfigRef {
                    kind: ConfigKind::ConfigMap,
                    name: r.name.clone(),
                    key: None,
                    via: format!("envFrom ({})", c.name),
                });
            }
            if let Some(r) = ef.secret_ref.as_ref() {
                out.push(ConfigRef {
                    kind: ConfigKind::Secret,
                    name: r.name.clone(),
                    key: None,
                    via: format!("envFrom ({})", c.name),
                });
            }
        }
    }
    for v in spec.volumes.iter().flatten() {
        let mount = spec
            .containers
            .iter()
            .flat_map(|c| c.volume_mounts.iter().flatten().map(move |m| (c, m)))
            .find(|(_, m)| m.name == v.name)
            .map(|(c, m)| format!("volume {} → {} ({})", v.name, m.mount_path, c.name))
            .unwrap_or_else(|| format!("volume {}", v.name));
        if let Some(cm) = v.config_map.as_ref() {
            push_items(
                &mut out,
                ConfigKind::ConfigMap,
                &cm.name,
                cm.items.as_deref(),
                &mount,
            );
        }
        if let Some(s) = v.secret.as_ref() {
            let name = s.secret_name.clone().unwrap_or_default();
            push_items(
                &mut out,
                ConfigKind::Secret,
                &name,
                s.items.as_deref(),
                &mount,
            );
        }
        for src in v.projected.iter().flat_map(|p| p.sources.iter().flatten()) {
            if let Some(cm) = src.config_map.as_ref() {
                push_items(
                    &mut out,
                    ConfigKind::ConfigMap,
                    &cm.name,
                    cm.items.as_deref(),
                    &mount,
                );
            }
            if let Some(s) = src.secret.as_ref() {
                push_items(
                    &mut out,
                    ConfigKind::Secret,
                    &s.name,
                    s.items.as_deref(),
                    &mount,
                );
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

fn push_items(
    out: &mut Vec<ConfigRef>,
    kind: ConfigKind,
    name: &str,
    items: Option<&[KeyToPath]>,
    via: &str,
) {
    match items {
        Some(items) if !items.is_empty() => {
            for i in items {
                out.push(ConfigRef {
                    kind,
                    name: name.to_string(),
                    key: Some(i.key.clone()),
                    via: via.to_string(),
                });
            }
        }
        _ => out.push(ConfigRef {
            kind,
            name: name.to_string(),
            key: None,
            via: via.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fixture() -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": "api-1", "namespace": "shop"},
            "spec": {
                "nodeName": "n1",
                "containers": [{"name": "api", "image": "api:1",
                    "env": [{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
                            {"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "api-config", "key": "mode"}}},
                            {"name": "PLAIN", "value": "x"}],
                    "envFrom": [{"secretRef": {"name": "api-env"}}],
                    "volumeMounts": [{"name": "cfg", "mountPath": "/etc/api"}]}],
                "volumes": [{"name": "cfg", "configMap": {"name": "api-files"}},
                            {"name": "tls", "secret": {"secretName": "api-tls", "items": [{"key": "tls.crt", "path": "c"}]}}]
            },
            "status": {"phase": "Running", "podIP": "10.0.0.7", "containerStatuses": [
                {"name": "api", "ready": false, "restartCount": 3, "image": "api:1", "imageID": "",
                 "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled", "finishedAt": "2026-01-01T11:59:00Z"}},
                 "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 40s"}}}]}
        }))
        .unwrap()
    }

    #[test]
    fn containers_show_state_and_last_termination() {
        let d = pod_detail(&fixture(), "2026-01-01T12:00:00Z".parse().unwrap());
        let c = &d.containers[0];
        assert_eq!(c.state, "Waiting: CrashLoopBackOff: back-off 40s");
        assert_eq!(
            c.last_termination.as_deref(),
            Some("OOMKilled (exit 137), 60s ago")
        );
        assert_eq!((c.restarts, c.health), (3, Health::Failed));
        assert_eq!(d.ip, "10.0.0.7");
    }

    #[test]
    fn finds_every_config_source() {
        let refs = config_refs(&fixture());
        let names: Vec<String> = refs
            .iter()
            .map(|r| format!("{:?} {} {:?} {}", r.kind, r.name, r.key, r.via))
            .collect();
        assert_eq!(
            names,
            vec![
                "ConfigMap api-config Some(\"mode\") env MODE (api)",
                "ConfigMap api-files None volume cfg → /etc/api (api)",
                "Secret api-env None envFrom (api)",
                "Secret api-tls Some(\"tls.crt\") volume tls",
                "Secret db Some(\"password\") env DB_PASSWORD (api)",
            ]
        );
    }
}
