//! Rolling-update actions on one Deployment, with kubectl's semantics and
//! wording: set image (strategic merge by container name, `*` = every
//! container), rollout restart, scale, the strategy's fenceposts, pause /
//! resume and the change-cause annotation. Each builds a [`Plan`] from the
//! Deployment as just read; nothing here talks to the server.

use chrono::{DateTime, SecondsFormat, Utc};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::{json, Value};

use super::errors::OpError;
use super::plan::{Change, GuardTarget, PatchBody, Plan, Target};
use crate::model::change::{check_fenceposts, parse_image};
use crate::model::rollout::CHANGE_CAUSE_ANNOTATION;

/// The annotation `kubectl rollout restart` stamps on the pod template.
pub const RESTARTED_AT_ANNOTATION: &str = "kubectl.kubernetes.io/restartedAt";

/// Longest change-cause kockpit writes: a sentence, not a document.
pub const MAX_CHANGE_CAUSE: usize = 512;

pub(crate) fn target_of(d: &Deployment) -> Target {
    Target::deployment(
        d.metadata.namespace.as_deref().unwrap_or(""),
        d.metadata.name.as_deref().unwrap_or(""),
    )
}

fn name(d: &Deployment) -> &str {
    d.metadata.name.as_deref().unwrap_or("")
}

fn paused(d: &Deployment) -> bool {
    d.spec.as_ref().and_then(|s| s.paused).unwrap_or(false)
}

fn to_json(d: &Deployment) -> Value {
    serde_json::to_value(d).unwrap_or(Value::Null)
}

/// The revision currently on the Deployment (what a guard rolls back to).
pub fn current_revision(d: &Deployment) -> Option<i64> {
    crate::model::rollout::revision(&d.metadata)
}

fn change(
    d: &Deployment,
    action: &str,
    patch: PatchBody,
    after: Value,
    before_s: String,
    after_s: String,
) -> Change {
    Change {
        action: action.into(),
        target: target_of(d),
        patch,
        before: to_json(d),
        after,
        summary_before: before_s,
        summary_after: after_s,
    }
}

/// Container names and images of the template (init containers too, as
/// `kubectl set image` matches them).
fn images_summary(v: &Value) -> String {
    let mut parts = Vec::new();
    for list in ["initContainers", "containers"] {
        for c in v
            .pointer(&format!("/spec/template/spec/{list}"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            parts.push(format!(
                "{}={}",
                c.get("name").and_then(Value::as_str).unwrap_or(""),
                c.get("image").and_then(Value::as_str).unwrap_or("")
            ));
        }
    }
    format!("image {}", parts.join(" "))
}

/// `kubectl set image deployment/<d> <container>=<image>...`, plus an
/// optional change-cause in the same patch so the new revision carries it.
pub fn set_image(
    d: &Deployment,
    images: &[(String, String)],
    change_cause: Option<&str>,
) -> Result<Plan, OpError> {
    if images.is_empty() {
        return Err(OpError::refused("no image given"));
    }
    for (container, image) in images {
        parse_image(image).map_err(|e| OpError::refused(format!("container {container}: {e}")))?;
    }
    let before = to_json(d);
    let mut after = before.clone();
    let mut patch_lists: serde_json::Map<String, Value> = serde_json::Map::new();
    for (container, image) in images {
        let mut matched = false;
        for list in ["initContainers", "containers"] {
            let Some(items) = after
                .pointer_mut(&format!("/spec/template/spec/{list}"))
                .and_then(Value::as_array_mut)
            else {
                continue;
            };
            for c in items.iter_mut() {
                let cname = c
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                if container != "*" && *container != cname {
                    continue;
                }
                matched = true;
                c["image"] = json!(image);
                let entry = patch_lists
                    .entry(list.to_string())
                    .or_insert_with(|| json!([]));
                if let Some(arr) = entry.as_array_mut() {
                    arr.retain(|e| e.get("name").and_then(Value::as_str) != Some(cname.as_str()));
                    arr.push(json!({"name": cname, "image": image}));
                }
            }
        }
        if !matched {
            // kubectl's words.
            return Err(OpError::refused(format!(
                "unable to find container named {container:?}"
            )));
        }
    }
    let mut patch = json!({"spec": {"template": {"spec": Value::Object(patch_lists)}}});
    if let Some(cause) = change_cause.filter(|c| !c.trim().is_empty()) {
        let cause = valid_change_cause(cause)?;
        patch["metadata"] = json!({"annotations": {CHANGE_CAUSE_ANNOTATION: cause}});
        after["metadata"]["annotations"][CHANGE_CAUSE_ANNOTATION] = json!(cause);
    }
    if after == before {
        return Err(OpError::refused(format!(
            "nothing to change: {} already runs {}",
            name(d),
            images_summary(&before).trim_start_matches("image ")
        )));
    }
    let c = change(
        d,
        "set image",
        PatchBody::Strategic(patch),
        after.clone(),
        images_summary(&before),
        images_summary(&after),
    );
    let mut plan = Plan::single(format!("set image on deployment {}", name(d)), c);
    if paused(d) {
        plan.warnings.push(format!(
            "deployment {} is paused: the new template rolls out only after resume",
            name(d)
        ));
    } else if let Some(rev) = current_revision(d) {
        plan.guard = Some(GuardTarget::Rollout {
            namespace: target_of(d).namespace,
            deployment: name(d).into(),
            rollback_to: rev,
        });
    }
    Ok(plan)
}

/// `kubectl rollout restart`: a new restartedAt stamp on the template.
pub fn restart(d: &Deployment, now: DateTime<Utc>) -> Result<Plan, OpError> {
    if paused(d) {
        return Err(OpError::refused(
            "can't restart paused deployment (run rollout resume first)",
        ));
    }
    let stamp = now.to_rfc3339_opts(SecondsFormat::Secs, true);
    let before = to_json(d);
    let mut after = before.clone();
    let previous = before
        .pointer("/spec/template/metadata/annotations")
        .and_then(|a| a.get(RESTARTED_AT_ANNOTATION))
        .and_then(Value::as_str)
        .map_or("never".to_string(), str::to_string);
    if after.pointer("/spec/template/metadata").is_none() {
        after["spec"]["template"]["metadata"] = json!({});
    }
    after["spec"]["template"]["metadata"]["annotations"][RESTARTED_AT_ANNOTATION] = json!(stamp);
    let patch = json!({"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT_ANNOTATION: stamp}}}}});
    let c = change(
        d,
        "restart",
        PatchBody::Strategic(patch),
        after,
        format!("restartedAt {previous}"),
        format!("restartedAt {stamp}"),
    );
    let mut plan = Plan::single(format!("restart deployment {}", name(d)), c);
    if let Some(rev) = current_revision(d) {
        plan.guard = Some(GuardTarget::Rollout {
            namespace: target_of(d).namespace,
            deployment: name(d).into(),
            rollback_to: rev,
        });
    }
    Ok(plan)
}

/// `kubectl scale --replicas=N`. `replicas` was validated by
/// `model::change::parse_replicas`; `hpa_warning` comes from
/// `model::change::hpa_warning`.
pub fn scale(d: &Deployment, replicas: i32, hpa_warning: Option<String>) -> Result<Plan, OpError> {
    if !(0..=crate::model::change::MAX_REPLICAS).contains(&replicas) {
        return Err(OpError::refused(format!(
            "{replicas} is not a replica count kockpit will set"
        )));
    }
    let current = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
    if current == replicas {
        return Err(OpError::refused(format!(
            "nothing to change: {} already has {replicas} replicas",
            name(d)
        )));
    }
    let before = to_json(d);
    let mut after = before.clone();
    after["spec"]["replicas"] = json!(replicas);
    let c = change(
        d,
        "scale",
        PatchBody::Merge(json!({"spec": {"replicas": replicas}})),
        after,
        format!("replicas {current}"),
        format!("replicas {replicas}"),
    );
    let mut plan = Plan::single(format!("scale deployment {} to {replicas}", name(d)), c);
    plan.warnings.extend(hpa_warning);
    Ok(plan)
}

fn fencepost_text(v: Option<&IntOrString>) -> String {
    match v {
        Some(IntOrString::Int(i)) => i.to_string(),
        Some(IntOrString::String(s)) => s.clone(),
        None => "25%".into(),
    }
}

fn intstr_json(v: &IntOrString) -> Value {
    match v {
        IntOrString::Int(i) => json!(i),
        IntOrString::String(s) => json!(s),
    }
}

/// The rolling update's maxSurge and maxUnavailable (validated by
/// `model::change::parse_int_or_percent`).
pub fn strategy(
    d: &Deployment,
    max_surge: &IntOrString,
    max_unavailable: &IntOrString,
) -> Result<Plan, OpError> {
    let strategy = d.spec.as_ref().and_then(|s| s.strategy.as_ref());
    if strategy.and_then(|s| s.type_.as_deref()) == Some("Recreate") {
        return Err(OpError::refused(format!(
            "deployment {} uses the Recreate strategy: maxSurge and maxUnavailable do not apply",
            name(d)
        )));
    }
    check_fenceposts(max_surge, max_unavailable).map_err(OpError::refused)?;
    let ru = strategy.and_then(|s| s.rolling_update.as_ref());
    let was = format!(
        "maxSurge {} maxUnavailable {}",
        fencepost_text(ru.and_then(|r| r.max_surge.as_ref())),
        fencepost_text(ru.and_then(|r| r.max_unavailable.as_ref()))
    );
    let will = format!(
        "maxSurge {} maxUnavailable {}",
        fencepost_text(Some(max_surge)),
        fencepost_text(Some(max_unavailable))
    );
    if was == will {
        return Err(OpError::refused(format!(
            "nothing to change: {} already has {will}",
            name(d)
        )));
    }
    let before = to_json(d);
    let mut after = before.clone();
    let ru_json =
        json!({"maxSurge": intstr_json(max_surge), "maxUnavailable": intstr_json(max_unavailable)});
    after["spec"]["strategy"]["type"] = json!("RollingUpdate");
    after["spec"]["strategy"]["rollingUpdate"] = ru_json.clone();
    let c = change(
        d,
        "set strategy",
        PatchBody::Strategic(json!({"spec": {"strategy": {"rollingUpdate": ru_json}}})),
        after,
        was,
        will,
    );
    Ok(Plan::single(
        format!("set the rollout strategy of {}", name(d)),
        c,
    ))
}

/// `kubectl rollout pause`.
pub fn pause(d: &Deployment) -> Result<Plan, OpError> {
    if paused(d) {
        return Err(OpError::refused(format!(
            "deployments.apps {:?} is already paused",
            name(d)
        )));
    }
    let before = to_json(d);
    let mut after = before.clone();
    after["spec"]["paused"] = json!(true);
    let c = change(
        d,
        "pause",
        PatchBody::Strategic(json!({"spec": {"paused": true}})),
        after,
        "running".into(),
        "paused".into(),
    );
    Ok(Plan::single(format!("pause the rollout of {}", name(d)), c))
}

/// `kubectl rollout resume`.
pub fn resume(d: &Deployment) -> Result<Plan, OpError> {
    if !paused(d) {
        return Err(OpError::refused(format!(
            "deployments.apps {:?} is not paused",
            name(d)
        )));
    }
    let before = to_json(d);
    let mut after = before.clone();
    if let Some(spec) = after.get_mut("spec").and_then(Value::as_object_mut) {
        spec.remove("paused");
    }
    let c = change(
        d,
        "resume",
        PatchBody::Strategic(json!({"spec": {"paused": null}})),
        after,
        "paused".into(),
        "running".into(),
    );
    let mut plan = Plan::single(format!("resume the rollout of {}", name(d)), c);
    if let Some(rev) = current_revision(d) {
        plan.guard = Some(GuardTarget::Rollout {
            namespace: target_of(d).namespace,
            deployment: name(d).into(),
            rollback_to: rev,
        });
    }
    Ok(plan)
}

fn valid_change_cause(text: &str) -> Result<String, OpError> {
    let t = text.trim();
    if t.chars().any(char::is_control) {
        return Err(OpError::refused(
            "change-cause may not contain control characters",
        ));
    }
    if t.chars().count() > MAX_CHANGE_CAUSE {
        return Err(OpError::refused(format!(
            "change-cause is longer than {MAX_CHANGE_CAUSE} characters"
        )));
    }
    Ok(t.to_string())
}

/// Sets (or, with empty text, removes) `kubernetes.io/change-cause`. The
/// controller copies it onto the next ReplicaSet it creates, so set it with
/// (or just before) the change it explains.
pub fn change_cause(d: &Deployment, text: &str) -> Result<Plan, OpError> {
    let before = to_json(d);
    let current = before
        .pointer("/metadata/annotations")
        .and_then(|a| a.get(CHANGE_CAUSE_ANNOTATION))
        .and_then(Value::as_str)
        .map(str::to_string);
    let new = if text.trim().is_empty() {
        None
    } else {
        Some(valid_change_cause(text)?)
    };
    if current == new {
        return Err(OpError::refused(
            "nothing to change: the change-cause is already that",
        ));
    }
    let mut after = before.clone();
    match &new {
        Some(t) => after["metadata"]["annotations"][CHANGE_CAUSE_ANNOTATION] = json!(t),
        None => {
            if let Some(a) = after
                .pointer_mut("/metadata/annotations")
                .and_then(Value::as_object_mut)
            {
                a.remove(CHANGE_CAUSE_ANNOTATION);
            }
        }
    }
    let show = |v: &Option<String>| {
        v.as_ref().map_or("change-cause <none>".to_string(), |t| {
            format!("change-cause {t:?}")
        })
    };
    let c = change(
        d,
        "set change-cause",
        PatchBody::Merge(json!({"metadata": {"annotations": {CHANGE_CAUSE_ANNOTATION: new}}})),
        after,
        show(&current),
        show(&new),
    );
    Ok(Plan::single(
        format!("set the change-cause of {}", name(d)),
        c,
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn deployment(extra_spec: Value) -> Deployment {
        let mut v = json!({
            "metadata": {"name": "api", "namespace": "shop", "resourceVersion": "10",
                "annotations": {"deployment.kubernetes.io/revision": "4"}},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "api"}},
                "template": {"metadata": {"labels": {"app": "api"}}, "spec": {
                    "initContainers": [{"name": "init", "image": "busybox:1"}],
                    "containers": [{"name": "api", "image": "shop/api:1"},
                                   {"name": "sidecar", "image": "envoy:1"}]}}}
        });
        if let (Some(spec), Some(extra)) = (v["spec"].as_object_mut(), extra_spec.as_object()) {
            for (k, val) in extra {
                spec.insert(k.clone(), val.clone());
            }
        }
        serde_json::from_value(v).unwrap()
    }

    fn only(plan: &Plan) -> &Change {
        assert_eq!(plan.changes.len(), 1);
        &plan.changes[0]
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn set_image_is_a_strategic_merge_by_container_name() {
        let d = deployment(json!({}));
        let plan = set_image(&d, &pairs(&[("api", "shop/api:2")]), Some("bump api")).unwrap();
        let c = only(&plan);
        assert_eq!(
            c.patch,
            PatchBody::Strategic(json!({
                "metadata": {"annotations": {"kubernetes.io/change-cause": "bump api"}},
                "spec": {"template": {"spec": {"containers": [{"name": "api", "image": "shop/api:2"}]}}}
            }))
        );
        assert_eq!(
            c.summary_before,
            "image init=busybox:1 api=shop/api:1 sidecar=envoy:1"
        );
        assert_eq!(
            c.summary_after,
            "image init=busybox:1 api=shop/api:2 sidecar=envoy:1"
        );
        assert_eq!(
            plan.guard,
            Some(GuardTarget::Rollout {
                namespace: "shop".into(),
                deployment: "api".into(),
                rollback_to: 4
            })
        );
        assert!(c
            .preview()
            .iter()
            .any(|l| l.text.contains("image: shop/api:2")));
    }

    #[test]
    fn star_sets_every_container_including_init() {
        let d = deployment(json!({}));
        let plan = set_image(&d, &pairs(&[("*", "shop/all:9")]), None).unwrap();
        let patch = only(&plan).patch.value().clone();
        assert_eq!(
            patch["spec"]["template"]["spec"]["containers"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        assert_eq!(
            patch["spec"]["template"]["spec"]["initContainers"][0]["image"],
            "shop/all:9"
        );
        assert!(patch.get("metadata").is_none());
    }

    #[test]
    fn set_image_refusals() {
        let d = deployment(json!({}));
        let e = |p: &[(&str, &str)]| set_image(&d, &pairs(p), None).unwrap_err().to_string();
        assert_eq!(
            e(&[("nope", "x:1")]),
            "unable to find container named \"nope\""
        );
        assert!(e(&[("api", "Shop/API:1")])
            .contains("container api: repository name must be lowercase"));
        assert!(e(&[("api", "api 2")]).contains("whitespace"));
        assert!(e(&[("api", "shop/api:1")]).starts_with("nothing to change"));
        assert_eq!(e(&[]), "no image given");
    }

    #[test]
    fn paused_set_image_warns_and_is_not_guarded() {
        let d = deployment(json!({"paused": true}));
        let plan = set_image(&d, &pairs(&[("api", "shop/api:2")]), None).unwrap();
        assert!(plan.guard.is_none());
        assert!(plan.warnings[0].contains("paused"));
    }

    #[test]
    fn restart_stamps_the_template_and_refuses_paused() {
        let d = deployment(json!({}));
        let now: DateTime<Utc> = "2026-02-03T04:05:06.789Z".parse().unwrap();
        let plan = restart(&d, now).unwrap();
        let c = only(&plan);
        assert_eq!(
            c.patch,
            PatchBody::Strategic(json!({"spec": {"template": {"metadata": {"annotations":
                {"kubectl.kubernetes.io/restartedAt": "2026-02-03T04:05:06Z"}}}}}))
        );
        assert_eq!(
            (c.summary_before.as_str(), c.summary_after.as_str()),
            ("restartedAt never", "restartedAt 2026-02-03T04:05:06Z")
        );
        let paused = deployment(json!({"paused": true}));
        assert_eq!(
            restart(&paused, now).unwrap_err().to_string(),
            "can't restart paused deployment (run rollout resume first)"
        );
    }

    #[test]
    fn scale_patches_replicas_and_carries_the_hpa_warning() {
        let d = deployment(json!({}));
        let plan = scale(&d, 5, Some("HPA \"api\" manages".into())).unwrap();
        assert_eq!(
            only(&plan).patch,
            PatchBody::Merge(json!({"spec": {"replicas": 5}}))
        );
        assert_eq!(plan.warnings, ["HPA \"api\" manages"]);
        assert_eq!(only(&plan).summary_after, "replicas 5");
        assert!(scale(&d, 3, None)
            .unwrap_err()
            .to_string()
            .starts_with("nothing to change"));
        assert!(scale(&d, -1, None).is_err());
        assert!(scale(&d, 10_001, None).is_err());
    }

    #[test]
    fn strategy_validates_and_patches() {
        let d = deployment(json!({}));
        let plan = strategy(&d, &IntOrString::Int(1), &IntOrString::String("0%".into())).unwrap();
        assert_eq!(
            only(&plan).patch,
            PatchBody::Strategic(json!({"spec": {"strategy": {"rollingUpdate":
                {"maxSurge": 1, "maxUnavailable": "0%"}}}}))
        );
        assert_eq!(
            only(&plan).summary_before,
            "maxSurge 25% maxUnavailable 25%"
        );
        assert!(strategy(&d, &IntOrString::Int(0), &IntOrString::Int(0))
            .unwrap_err()
            .to_string()
            .contains("cannot both be 0"));
        let recreate = deployment(json!({"strategy": {"type": "Recreate"}}));
        assert!(
            strategy(&recreate, &IntOrString::Int(1), &IntOrString::Int(1))
                .unwrap_err()
                .to_string()
                .contains("Recreate")
        );
    }

    #[test]
    fn pause_and_resume_in_kubectls_words() {
        let running = deployment(json!({}));
        let paused_d = deployment(json!({"paused": true}));
        assert_eq!(
            only(&pause(&running).unwrap()).patch,
            PatchBody::Strategic(json!({"spec": {"paused": true}}))
        );
        assert_eq!(
            pause(&paused_d).unwrap_err().to_string(),
            "deployments.apps \"api\" is already paused"
        );
        assert_eq!(
            only(&resume(&paused_d).unwrap()).patch,
            PatchBody::Strategic(json!({"spec": {"paused": null}}))
        );
        assert_eq!(
            resume(&running).unwrap_err().to_string(),
            "deployments.apps \"api\" is not paused"
        );
    }

    #[test]
    fn change_cause_sets_and_removes() {
        let d = deployment(json!({}));
        let plan = change_cause(&d, " rollback after incident 42 ").unwrap();
        assert_eq!(
            only(&plan).patch,
            PatchBody::Merge(json!({"metadata": {"annotations":
                {"kubernetes.io/change-cause": "rollback after incident 42"}}}))
        );
        assert!(change_cause(&d, "")
            .unwrap_err()
            .to_string()
            .starts_with("nothing to change"));
        assert!(change_cause(&d, "a\x1b[2Jb")
            .unwrap_err()
            .to_string()
            .contains("control"));
        assert!(change_cause(&d, &"x".repeat(600)).is_err());
        let mut with: Deployment = d.clone();
        with.metadata
            .annotations
            .get_or_insert_with(Default::default)
            .insert(CHANGE_CAUSE_ANNOTATION.into(), "old".into());
        let plan = change_cause(&with, "").unwrap();
        assert_eq!(
            only(&plan).patch,
            PatchBody::Merge(
                json!({"metadata": {"annotations": {"kubernetes.io/change-cause": null}}})
            )
        );
        assert_eq!(only(&plan).summary_after, "change-cause <none>");
    }
}
