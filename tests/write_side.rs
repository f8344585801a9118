#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The write side against a live API server: the demo cluster by default,
//! the real control plane when KOCKPIT_TEST_KUBECONFIG names its kubeconfig
//! (tests/controlplane/cp.sh up). Every action goes through the same path
//! as the UI: `ops::plan` → (confirm) → `Gate::apply`, journaled.
//!
//! Where the demo cluster does not serve what a test needs yet (Services,
//! EndpointSlices, SelfSubjectAccessReview, a forbidden user), the test
//! says SKIPPED for the demo and runs in full against the real cluster.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::authorization::v1::SelfSubjectAccessReview;
use k8s_openapi::api::core::v1::Service;
use kube::api::{ListParams, Patch, PatchParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Api, Client, Config};
use serde_json::{json, Value};

use kockpit::cluster::ops::journal::read_journal;
use kockpit::cluster::ops::plan::{Change, PatchBody, Plan, Target};
use kockpit::cluster::ops::{
    bluegreen, guard, plan, GuardBudget, GuardState, OpError, OpRequest, Outcome, Permission,
    Planned,
};
use kockpit::model::pairs::pair_of;

mod support;
use support::deploy::{
    annotation, create, deployment, get, image_of, run, slot_keys, template_image, wait_rolled_out,
};
use support::env::{Env, EnvOptions};
use support::kubectl::KUBECTL;

const IMAGE: &str = "ghcr.io/kockpit-demo/api";

/// The demo runs four times faster: these tests care about end states.
const ENV: EnvOptions = EnvOptions {
    ns_prefix: "ws",
    speed: 4.0,
};

fn deployment_json(ns: &str, name: &str, replicas: i32, labels: Value, image: &str) -> Deployment {
    let annotations = json!({"kubernetes.io/change-cause": "initial", "team": "shop"});
    deployment(
        ns,
        name,
        replicas,
        labels,
        image,
        json!({"metadata": {"annotations": annotations}}),
    )
}

fn req_deploy(ns: &str, name: &str) -> (String, String) {
    (ns.to_string(), name.to_string())
}

fn journal(env: &Env) -> Vec<kockpit::cluster::ops::Entry> {
    read_journal(&env.journal_path(), 1000).unwrap().entries
}

async fn serves_services(client: &Client, ns: &str) -> bool {
    Api::<Service>::namespaced(client.clone(), ns)
        .list(&ListParams::default())
        .await
        .is_ok()
}

async fn serves_access_reviews(client: &Client) -> bool {
    let review: SelfSubjectAccessReview = serde_json::from_value(json!({
        "spec": {"resourceAttributes": {"verb": "get", "resource": "pods", "namespace": "default"}}
    }))
    .unwrap();
    Api::<SelfSubjectAccessReview>::all(client.clone())
        .create(&PostParams::default(), &review)
        .await
        .is_ok()
}

fn skipped(env: &Env, what: &str) {
    eprintln!(
        "SKIPPED on the {}: {what} (runs against the real control plane with KOCKPIT_TEST_KUBECONFIG)",
        env.cluster_name()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_rollout_action_goes_through_the_gate_and_the_journal() {
    let env = Env::start(ENV).await;
    let ns = env.namespace("actions").await;
    let gate = env.gate();
    create(
        &env.client,
        &deployment_json(
            &ns,
            "web",
            2,
            json!({"app": "web"}),
            &format!("{IMAGE}:1.0.0"),
        ),
    )
    .await;
    wait_rolled_out(&env.client, &ns, "web", None).await;
    let (n, d) = req_deploy(&ns, "web");

    // Set image with a change-cause in the same patch.
    let msg = run(
        &gate,
        OpRequest::SetImages {
            namespace: n.clone(),
            deployment: d.clone(),
            images: vec![("app".into(), format!("{IMAGE}:1.1.0"))],
            change_cause: Some("bump to 1.1.0".into()),
        },
    )
    .await
    .unwrap();
    assert!(msg.contains("set image"), "{msg}");
    let dep = wait_rolled_out(&env.client, &ns, "web", None).await;
    assert_eq!(image_of(&dep), format!("{IMAGE}:1.1.0"));
    assert_eq!(
        annotation(&dep, "kubernetes.io/change-cause").as_deref(),
        Some("bump to 1.1.0")
    );

    // Restart stamps the template.
    run(
        &gate,
        OpRequest::Restart {
            namespace: n.clone(),
            deployment: d.clone(),
        },
    )
    .await
    .unwrap();
    let dep = wait_rolled_out(&env.client, &ns, "web", None).await;
    let stamp = dep
        .spec
        .as_ref()
        .unwrap()
        .template
        .metadata
        .as_ref()
        .unwrap()
        .annotations
        .as_ref()
        .unwrap()["kubectl.kubernetes.io/restartedAt"]
        .clone();
    assert!(stamp.ends_with('Z') && stamp.len() == 20, "{stamp}");

    // Scale.
    run(
        &gate,
        OpRequest::Scale {
            namespace: n.clone(),
            deployment: d.clone(),
            replicas: "3".into(),
        },
    )
    .await
    .unwrap();
    let dep = wait_rolled_out(&env.client, &ns, "web", None).await;
    assert_eq!(dep.spec.as_ref().unwrap().replicas, Some(3));

    // Strategy.
    run(
        &gate,
        OpRequest::Strategy {
            namespace: n.clone(),
            deployment: d.clone(),
            max_surge: "1".into(),
            max_unavailable: "0".into(),
        },
    )
    .await
    .unwrap();
    let dep = get(&env.client, &ns, "web").await;
    let ru = dep
        .spec
        .as_ref()
        .unwrap()
        .strategy
        .as_ref()
        .unwrap()
        .rolling_update
        .clone()
        .unwrap();
    assert_eq!(
        serde_json::to_value(&ru).unwrap(),
        json!({"maxSurge": 1, "maxUnavailable": 0})
    );

    // Pause, twice; restart refused while paused; resume, twice.
    run(
        &gate,
        OpRequest::Pause {
            namespace: n.clone(),
            deployment: d.clone(),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        get(&env.client, &ns, "web").await.spec.unwrap().paused,
        Some(true)
    );
    let again = run(
        &gate,
        OpRequest::Pause {
            namespace: n.clone(),
            deployment: d.clone(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(
        again.to_string(),
        "deployments.apps \"web\" is already paused"
    );
    let restart = run(
        &gate,
        OpRequest::Restart {
            namespace: n.clone(),
            deployment: d.clone(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(
        restart.to_string(),
        "can't restart paused deployment (run rollout resume first)"
    );
    run(
        &gate,
        OpRequest::Resume {
            namespace: n.clone(),
            deployment: d.clone(),
        },
    )
    .await
    .unwrap();
    assert_ne!(
        get(&env.client, &ns, "web").await.spec.unwrap().paused,
        Some(true)
    );
    let again = run(
        &gate,
        OpRequest::Resume {
            namespace: n.clone(),
            deployment: d.clone(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(again.to_string(), "deployments.apps \"web\" is not paused");

    // Change-cause on its own.
    run(
        &gate,
        OpRequest::ChangeCause {
            namespace: n.clone(),
            deployment: d.clone(),
            text: "incident 42".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        annotation(
            &get(&env.client, &ns, "web").await,
            "kubernetes.io/change-cause"
        )
        .as_deref(),
        Some("incident 42")
    );

    // The journal has every attempt, refused ones included, and no secret.
    let entries = journal(&env);
    let applied: Vec<&str> = entries
        .iter()
        .rev()
        .filter(|e| e.outcome == Outcome::Applied && e.ok())
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(
        applied,
        [
            "set image",
            "restart",
            "scale",
            "set strategy",
            "pause",
            "resume",
            "set change-cause"
        ]
    );
    let refused = entries
        .iter()
        .filter(|e| e.outcome == Outcome::Refused)
        .count();
    assert_eq!(refused, 3);
    let scale = entries.iter().find(|e| e.action == "scale").unwrap();
    assert_eq!(
        (scale.before.as_str(), scale.after.as_str()),
        ("replicas 2", "replicas 3")
    );
    assert_eq!(scale.namespace, ns);
    assert_eq!(scale.object, "Deployment/web");
    assert_eq!(scale.context, env.context);
    assert!(!scale.user.is_empty());
    let text = std::fs::read_to_string(env.journal_path()).unwrap();
    assert!(!text.contains("BEGIN") && !text.to_lowercase().contains("token"));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(env.journal_path())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    env.stop(&[&ns]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_input_is_refused_before_the_server_and_422_is_reported() {
    let env = Env::start(ENV).await;
    let ns = env.namespace("invalid").await;
    let gate = env.gate();
    create(
        &env.client,
        &deployment_json(
            &ns,
            "web",
            2,
            json!({"app": "web"}),
            &format!("{IMAGE}:1.0.0"),
        ),
    )
    .await;
    let (n, d) = req_deploy(&ns, "web");
    let before = get(&env.client, &ns, "web").await;

    for (image, want) in [
        ("ghcr.io/Kockpit/API:2", "repository name must be lowercase"),
        ("nginx 1.25", "whitespace"),
        ("nginx:-bad", "bad tag"),
        ("nginx@sha256:abc", "bad digest"),
    ] {
        let e = run(
            &gate,
            OpRequest::SetImages {
                namespace: n.clone(),
                deployment: d.clone(),
                images: vec![("app".into(), image.into())],
                change_cause: None,
            },
        )
        .await
        .unwrap_err();
        assert!(
            matches!(&e, OpError::Refused(m) if m.contains(want)),
            "{image}: {e}"
        );
    }
    for (count, want) in [
        ("-1", "cannot be negative"),
        ("100000", "more than kockpit allows"),
        ("five", "not a whole number"),
        ("2.5", "not a whole number"),
    ] {
        let e = run(
            &gate,
            OpRequest::Scale {
                namespace: n.clone(),
                deployment: d.clone(),
                replicas: count.into(),
            },
        )
        .await
        .unwrap_err();
        assert!(e.to_string().contains(want), "{count}: {e}");
    }
    let e = run(
        &gate,
        OpRequest::Strategy {
            namespace: n.clone(),
            deployment: d.clone(),
            max_surge: "0".into(),
            max_unavailable: "0%".into(),
        },
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("cannot both be 0"), "{e}");
    let e = run(
        &gate,
        OpRequest::SetImages {
            namespace: n.clone(),
            deployment: d.clone(),
            images: vec![("nope".into(), "nginx:1".into())],
            change_cause: None,
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.to_string(), "unable to find container named \"nope\"");

    // Had a bad value got past the checks, the server's 422 comes back with
    // its reason: send one by hand through the gate.
    let bad = Change {
        action: "scale".into(),
        target: Target::deployment(&ns, "web"),
        patch: PatchBody::Merge(json!({"spec": {"replicas": -1}})),
        before: serde_json::to_value(&before).unwrap(),
        after: serde_json::to_value(&before).unwrap(),
        summary_before: "replicas 2".into(),
        summary_after: "replicas -1".into(),
    };
    let prepared = gate
        .prepare(Plan::single("scale to -1", bad))
        .await
        .unwrap();
    let e = gate.apply(&prepared).await.unwrap_err();
    assert!(
        matches!(&e, OpError::Invalid(m) if m.contains("spec.replicas")),
        "{e}"
    );

    // Nothing changed (the controller's status writes aside), and every
    // attempt is in the journal.
    let after = get(&env.client, &ns, "web").await;
    assert_eq!(after.metadata.generation, before.metadata.generation);
    assert_eq!(
        serde_json::to_value(&after.spec).unwrap(),
        serde_json::to_value(&before.spec).unwrap()
    );
    let entries = journal(&env);
    assert_eq!(
        entries
            .iter()
            .filter(|e| e.outcome == Outcome::Refused)
            .count(),
        10
    );
    let dry = entries
        .iter()
        .find(|e| e.outcome == Outcome::DryRun)
        .unwrap();
    assert!(dry.result.starts_with("invalid:"), "{}", dry.result);
    env.stop(&[&ns]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_concurrent_update_gives_409_and_nothing_is_applied() {
    let env = Env::start(ENV).await;
    let ns = env.namespace("conflict").await;
    let gate = env.gate();
    create(
        &env.client,
        &deployment_json(
            &ns,
            "web",
            2,
            json!({"app": "web"}),
            &format!("{IMAGE}:1.0.0"),
        ),
    )
    .await;
    // The first revision exists before the story starts.
    wait_rolled_out(&env.client, &ns, "web", None).await;
    let req = OpRequest::SetImages {
        namespace: ns.clone(),
        deployment: "web".into(),
        images: vec![("app".into(), format!("{IMAGE}:2.0.0"))],
        change_cause: None,
    };
    let Planned::Ready(prepared) = plan(&gate, &req, &slot_keys()).await.unwrap() else {
        panic!("expected a plan")
    };
    // While the operator reads the preview, someone else scales it.
    Api::<Deployment>::namespaced(env.client.clone(), &ns)
        .patch(
            "web",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 4}})),
        )
        .await
        .unwrap();
    let e = gate.apply(&prepared).await.unwrap_err();
    assert!(matches!(e, OpError::Conflict(_)), "{e}");
    assert!(e.retryable());
    assert!(e.to_string().contains("was changed by someone else"), "{e}");
    assert!(e.to_string().ends_with("reload and retry"), "{e}");
    let now = get(&env.client, &ns, "web").await;
    assert_eq!(image_of(&now), format!("{IMAGE}:1.0.0"), "nothing applied");
    assert_eq!(
        now.spec.as_ref().unwrap().replicas,
        Some(4),
        "their change kept"
    );
    // Reload and retry: planned again from a fresh read, it goes through
    // and keeps their replicas.
    run(&gate, req).await.unwrap();
    let now = get(&env.client, &ns, "web").await;
    assert_eq!(image_of(&now), format!("{IMAGE}:2.0.0"));
    assert_eq!(now.spec.as_ref().unwrap().replicas, Some(4));

    // The same for kubectl's rollback JSON patch (precondition as a
    // `replace` of /metadata/resourceVersion).
    wait_rolled_out(&env.client, &ns, "web", None).await;
    let Planned::Ready(undo) = plan(
        &gate,
        &OpRequest::Rollback {
            namespace: ns.clone(),
            deployment: "web".into(),
            to_revision: 0,
        },
        &slot_keys(),
    )
    .await
    .unwrap() else {
        panic!("expected a rollback plan")
    };
    Api::<Deployment>::namespaced(env.client.clone(), &ns)
        .patch(
            "web",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 3}})),
        )
        .await
        .unwrap();
    let e = gate.apply(&undo).await.unwrap_err();
    assert!(
        matches!(&e, OpError::Conflict(m) if m.contains("/spec/replicas")),
        "{e}"
    );
    assert_eq!(
        image_of(&get(&env.client, &ns, "web").await),
        format!("{IMAGE}:2.0.0")
    );
    let entries = journal(&env);
    let conflict = entries
        .iter()
        .find(|e| e.result.starts_with("conflict:"))
        .unwrap();
    assert_eq!(conflict.outcome, Outcome::DryRun);
    env.stop(&[&ns]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_mode_and_timeouts_refuse_with_a_clear_line() {
    let env = Env::start(ENV).await;
    let ns = env.namespace("readonly").await;
    create(
        &env.client,
        &deployment_json(
            &ns,
            "web",
            1,
            json!({"app": "web"}),
            &format!("{IMAGE}:1.0.0"),
        ),
    )
    .await;
    let ro = env.gate_with(env.client.clone(), true);
    assert_eq!(
        ro.can("patch", "apps", "deployments", &ns).await,
        Permission::Denied("read-only mode (--readonly)".into())
    );
    let e = run(
        &ro,
        OpRequest::Restart {
            namespace: ns.clone(),
            deployment: "web".into(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e, OpError::ReadOnly);
    assert_eq!(
        e.to_string(),
        "read-only mode: kockpit was started with --readonly"
    );
    // An API server that accepts connections and never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = silent.local_addr().unwrap();
    let hold = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((sock, _)) = silent.accept().await {
            open.push(sock);
        }
    });
    let config = Config::new(format!("http://{addr}").parse().unwrap());
    let slow = env
        .gate_with(Client::try_from(config).unwrap(), false)
        .with_timeout(Duration::from_millis(500));
    let e = run(
        &slow,
        OpRequest::Restart {
            namespace: ns.clone(),
            deployment: "web".into(),
        },
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&e, OpError::Timeout(m) if m.contains("no answer from the API server")),
        "{e}"
    );
    hold.abort();
    let entries = journal(&env);
    assert_eq!(entries.len(), 2);
    assert!(
        entries.iter().all(|e| e.outcome == Outcome::Refused),
        "{entries:?}"
    );
    env.stop(&[&ns]).await;
}

/// A client for a ServiceAccount that may read Deployments but not change
/// them (real cluster: RBAC + a TokenRequest).
async fn viewer_client(env: &Env, ns: &str) -> Client {
    use k8s_openapi::api::core::v1::ServiceAccount;
    use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
    let pp = PostParams::default();
    let sa: ServiceAccount =
        serde_json::from_value(json!({"metadata": {"name": "viewer"}})).unwrap();
    Api::<ServiceAccount>::namespaced(env.client.clone(), ns)
        .create(&pp, &sa)
        .await
        .unwrap();
    let role: Role = serde_json::from_value(json!({
        "metadata": {"name": "viewer"},
        "rules": [{"apiGroups": ["apps"], "resources": ["deployments", "replicasets"],
            "verbs": ["get", "list", "watch"]}]
    }))
    .unwrap();
    Api::<Role>::namespaced(env.client.clone(), ns)
        .create(&pp, &role)
        .await
        .unwrap();
    let rb: RoleBinding = serde_json::from_value(json!({
        "metadata": {"name": "viewer"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "viewer"},
        "subjects": [{"kind": "ServiceAccount", "name": "viewer", "namespace": ns}]
    }))
    .unwrap();
    Api::<RoleBinding>::namespaced(env.client.clone(), ns)
        .create(&pp, &rb)
        .await
        .unwrap();
    let tr: Value = Api::<ServiceAccount>::namespaced(env.client.clone(), ns)
        .create_subresource(
            "token",
            "viewer",
            &pp,
            &json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
                "spec": {"expirationSeconds": 600}}),
        )
        .await
        .unwrap();
    let token = tr["status"]["token"].as_str().unwrap().to_string();
    let kc = Kubeconfig::read_from(&env.kubeconfig).unwrap();
    let mut config = Config::from_custom_kubeconfig(kc, &KubeConfigOptions::default())
        .await
        .unwrap();
    config.auth_info = kube::config::AuthInfo {
        token: Some(token.into()),
        ..Default::default()
    };
    Client::try_from(config).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forbidden_user_sees_actions_disabled_and_gets_a_403_with_the_reason() {
    let env = Env::start(ENV).await;
    let ns = env.namespace("forbidden").await;
    if !env.real() {
        // The demo has no users yet: no RBAC, no SelfSubjectAccessReview,
        // no forbidden-user fault. Prove at least what it does serve.
        let served = serves_access_reviews(&env.client).await;
        skipped(
            &env,
            &format!("forbidden user (SelfSubjectAccessReview served: {served}; no forbidden-user fault injection)"),
        );
        let gate = env.gate();
        let p = gate.can("patch", "apps", "deployments", &ns).await;
        assert!(
            p.allows(),
            "an unanswered permission check must not block: {p:?}"
        );
        env.stop(&[&ns]).await;
        return;
    }
    create(
        &env.client,
        &deployment_json(
            &ns,
            "web",
            1,
            json!({"app": "web"}),
            &format!("{IMAGE}:1.0.0"),
        ),
    )
    .await;
    let viewer = viewer_client(&env, &ns).await;
    let gate = env.gate_with(viewer, false);
    assert_eq!(
        gate.can("get", "apps", "deployments", &ns).await,
        Permission::Allowed
    );
    let denied = gate.can("patch", "apps", "deployments", &ns).await;
    let Permission::Denied(why) = &denied else {
        panic!("{denied:?}")
    };
    assert!(
        why.contains("may not patch deployments.apps in namespace"),
        "{why}"
    );
    // The panel path: planned through the gate, refused at the permission step.
    let e = run(
        &gate,
        OpRequest::Scale {
            namespace: ns.clone(),
            deployment: "web".into(),
            replicas: "3".into(),
        },
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&e, OpError::Forbidden(m) if m.contains("may not patch")),
        "{e}"
    );
    // The server's own 403 (as if the permission check had been skipped):
    // a plan prepared by an admin, applied with the viewer's credentials.
    let admin = env.gate();
    let Planned::Ready(prepared) = plan(
        &admin,
        &OpRequest::Scale {
            namespace: ns.clone(),
            deployment: "web".into(),
            replicas: "3".into(),
        },
        &slot_keys(),
    )
    .await
    .unwrap() else {
        panic!()
    };
    let e = gate.apply(&prepared).await.unwrap_err();
    assert!(
        matches!(&e, OpError::Forbidden(m) if m.contains("cannot patch resource \"deployments\"")),
        "{e}"
    );
    assert_eq!(
        get(&env.client, &ns, "web").await.spec.unwrap().replicas,
        Some(1)
    );
    let entries = journal(&env);
    assert!(entries
        .iter()
        .any(|e| e.outcome == Outcome::Refused && e.result.starts_with("forbidden:")));
    assert!(entries
        .iter()
        .any(|e| e.outcome == Outcome::DryRun && e.result.starts_with("forbidden:")));
    env.stop(&[&ns]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_refusals_and_skips_are_kubectls() {
    let env = Env::start(ENV).await;
    let ns = env.namespace("undo").await;
    let gate = env.gate();
    create(
        &env.client,
        &deployment_json(
            &ns,
            "web",
            1,
            json!({"app": "web"}),
            &format!("{IMAGE}:1.0.0"),
        ),
    )
    .await;
    wait_rolled_out(&env.client, &ns, "web", None).await;
    let undo = |rev: i64| OpRequest::Rollback {
        namespace: ns.clone(),
        deployment: "web".into(),
        to_revision: rev,
    };
    let e = run(&gate, undo(0)).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "no rollout history found for deployment \"web\""
    );
    run(
        &gate,
        OpRequest::SetImages {
            namespace: ns.clone(),
            deployment: "web".into(),
            images: vec![("app".into(), format!("{IMAGE}:2.0.0"))],
            change_cause: None,
        },
    )
    .await
    .unwrap();
    wait_rolled_out(&env.client, &ns, "web", None).await;
    assert_eq!(
        run(&gate, undo(9)).await.unwrap_err().to_string(),
        "unable to find specified revision 9 in history"
    );
    assert_eq!(
        run(&gate, undo(2)).await.unwrap(),
        "skipped rollback (current template already matches revision 2)"
    );
    run(
        &gate,
        OpRequest::Pause {
            namespace: ns.clone(),
            deployment: "web".into(),
        },
    )
    .await
    .unwrap();
    let e = run(&gate, undo(0)).await.unwrap_err();
    let ours = e.to_string();
    assert_eq!(
        ours,
        "you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again"
    );
    assert_eq!(
        image_of(&get(&env.client, &ns, "web").await),
        format!("{IMAGE}:2.0.0")
    );
    if Path::new(KUBECTL).exists() {
        let out = env.kubectl(&["-n", &ns, "rollout", "undo", "deployment/web"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        if stderr.contains("unknown format") || stderr.contains("protobuf") {
            skipped(
                &env,
                &format!(
                    "kubectl wording check: kubectl could not talk to it ({})",
                    stderr.trim()
                ),
            );
        } else {
            assert!(!out.status.success());
            assert_eq!(
                stderr.trim(),
                format!("error: {ours}"),
                "kubectl said something else"
            );
        }
    }
    let entries = journal(&env);
    assert!(entries
        .iter()
        .any(|e| e.outcome == Outcome::Skipped && e.result.starts_with("skipped rollback")));
    assert!(entries
        .iter()
        .any(|e| e.outcome == Outcome::Refused && e.result.contains("paused deployment")));
    env.stop(&[&ns]).await;
}

/// The object without what differs between twins and between runs: names,
/// uids, times, resourceVersions, generations, status, managed fields.
fn comparable(d: &Deployment, own: &str) -> Value {
    let mut v = serde_json::to_value(d).unwrap();
    let meta = v["metadata"].as_object_mut().unwrap();
    for k in [
        "name",
        "uid",
        "resourceVersion",
        "creationTimestamp",
        "generation",
        "managedFields",
        "selfLink",
    ] {
        meta.remove(k);
    }
    if let Some(a) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
        a.remove("kubectl.kubernetes.io/last-applied-configuration");
    }
    v.as_object_mut().unwrap().remove("status");
    let text = serde_json::to_string(&v).unwrap().replace(own, "twin");
    serde_json::from_str(&text).unwrap()
}

/// Revision annotations of a twin's ReplicaSets by image:
/// (revision, revision-history).
async fn rs_revisions(env: &Env, ns: &str, twin: &str) -> Vec<(String, String, String)> {
    let rss = Api::<ReplicaSet>::namespaced(env.client.clone(), ns)
        .list(&ListParams::default().labels(&format!("app={twin}")))
        .await
        .unwrap();
    let mut out: Vec<(String, String, String)> = rss
        .items
        .iter()
        .map(|rs| {
            let image = template_image(rs.spec.as_ref().unwrap().template.as_ref().unwrap());
            let a = rs.metadata.annotations.clone().unwrap_or_default();
            (
                image,
                a.get("deployment.kubernetes.io/revision")
                    .cloned()
                    .unwrap_or_default(),
                a.get("deployment.kubernetes.io/revision-history")
                    .cloned()
                    .unwrap_or_default(),
            )
        })
        .collect();
    out.sort();
    out
}

/// Waits until the twin's controller has caught up after an undo.
async fn wait_observed(env: &Env, ns: &str, name: &str, revision: &str) -> Deployment {
    let start = Instant::now();
    loop {
        let d = wait_rolled_out(&env.client, ns, name, None).await;
        if annotation(&d, "deployment.kubernetes.io/revision").as_deref() == Some(revision) {
            return d;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{name} never reached revision {revision}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_leaves_the_same_object_as_kubectl_rollout_undo() {
    if !Path::new(KUBECTL).exists() {
        eprintln!("SKIPPED: {KUBECTL} is not installed; the proof test needs the real kubectl");
        return;
    }
    let env = Env::start(ENV).await;
    let ns = env.namespace("proof").await;
    let gate = env.gate();
    // Two identical twins with the same history: v1 → v2 (with a
    // change-cause) → v3, and a team annotation only on the Deployment.
    for twin in ["twin-a", "twin-b"] {
        create(
            &env.client,
            &deployment_json(
                &ns,
                twin,
                2,
                json!({"app": twin}),
                &format!("{IMAGE}:1.0.0"),
            ),
        )
        .await;
    }
    for (version, cause) in [("2.0.0", Some("release 2")), ("3.0.0", None)] {
        for twin in ["twin-a", "twin-b"] {
            wait_rolled_out(&env.client, &ns, twin, None).await;
            run(
                &gate,
                OpRequest::SetImages {
                    namespace: ns.clone(),
                    deployment: twin.into(),
                    images: vec![("app".into(), format!("{IMAGE}:{version}"))],
                    change_cause: cause.map(str::to_string),
                },
            )
            .await
            .unwrap();
        }
    }
    for twin in ["twin-a", "twin-b"] {
        wait_observed(&env, &ns, twin, "3").await;
    }
    // Undo to an explicit revision, then undo to "previous".
    for (step, to_revision, expect) in [(1, 1i64, "4"), (2, 0, "5")] {
        run(
            &gate,
            OpRequest::Rollback {
                namespace: ns.clone(),
                deployment: "twin-a".into(),
                to_revision,
            },
        )
        .await
        .unwrap();
        let mut args = vec!["-n", ns.as_str(), "rollout", "undo", "deployment/twin-b"];
        let flag = format!("--to-revision={to_revision}");
        args.push(&flag);
        let out = env.kubectl(&args);
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        if !out.status.success() && !env.real() {
            skipped(
                &env,
                &format!(
                    "proof step {step}: kubectl rollout undo failed against it: {}",
                    stderr.trim()
                ),
            );
            env.stop(&[&ns]).await;
            return;
        }
        assert!(out.status.success(), "kubectl rollout undo: {stderr}");
        let a = wait_observed(&env, &ns, "twin-a", expect).await;
        let b = wait_observed(&env, &ns, "twin-b", expect).await;
        assert_eq!(
            comparable(&a, "twin-a"),
            comparable(&b, "twin-b"),
            "step {step}: objects differ"
        );
        assert_eq!(
            rs_revisions(&env, &ns, "twin-a").await,
            rs_revisions(&env, &ns, "twin-b").await,
            "step {step}: revision handling differs"
        );
    }
    let a = get(&env.client, &ns, "twin-a").await;
    // After undo to 1 and undo to previous (revision 4 = v1 → back to v3's
    // template, the second-highest): the change-cause and the team
    // annotation follow kubectl's rule.
    assert_eq!(image_of(&a), format!("{IMAGE}:3.0.0"));
    let revs = rs_revisions(&env, &ns, "twin-a").await;
    assert!(
        revs.iter()
            .any(|(i, r, h)| i.ends_with(":1.0.0") && r == "4" && h == "1"),
        "{revs:?}"
    );
    assert!(
        revs.iter()
            .any(|(i, r, h)| i.ends_with(":3.0.0") && r == "5" && h == "3"),
        "{revs:?}"
    );
    env.stop(&[&ns]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guarded_rollout_to_a_crashing_image_rolls_back_by_itself() {
    let env = Env::start(ENV).await;
    let ns = env.namespace("guard").await;
    let gate = env.gate();
    create(
        &env.client,
        &deployment_json(
            &ns,
            "web",
            2,
            json!({"app": "web"}),
            &format!("{IMAGE}:1.0.0"),
        ),
    )
    .await;
    wait_rolled_out(&env.client, &ns, "web", None).await;
    // The demo's kubelet crash-loops a `crash` tag. The real control plane's
    // kwok pods never crash, so there the new pods cannot be scheduled
    // (too much CPU) and fail readiness instead.
    let bad_image = format!("{IMAGE}:2.0.0-crash");
    let Planned::Ready(prepared) = plan(
        &gate,
        &OpRequest::SetImages {
            namespace: ns.clone(),
            deployment: "web".into(),
            images: vec![("app".into(), bad_image.clone())],
            change_cause: Some("2.0.0, guarded".into()),
        },
        &slot_keys(),
    )
    .await
    .unwrap() else {
        panic!()
    };
    let mut prepared = *prepared;
    if env.real() {
        let c = &mut prepared.plan.changes[0];
        if let PatchBody::Strategic(p) = &mut c.patch {
            p["spec"]["template"]["spec"]["containers"][0]["resources"] =
                json!({"requests": {"cpu": "1000"}});
        }
    }
    let target = prepared
        .plan
        .guard
        .clone()
        .expect("a set image plan carries its guard target");
    gate.apply(&prepared).await.unwrap();
    let budget = GuardBudget {
        time: Duration::from_secs(120),
        restarts: 2,
        ready_grace: Duration::from_secs(if env.real() { 5 } else { 60 }),
        poll: Duration::from_millis(500),
    };
    let handle = guard::start(gate.clone(), target, budget);
    let mut views = handle.subscribe();
    let mut counted_down = false;
    let deadline = Instant::now() + Duration::from_secs(150);
    while !views.borrow().state.finished() && Instant::now() < deadline {
        let _ = tokio::time::timeout(Duration::from_secs(2), views.changed()).await;
        let v = views.borrow().clone();
        counted_down |= v.state == GuardState::Watching && v.seconds_left < 120;
    }
    let v = handle.wait().await;
    assert_eq!(v.state, GuardState::RolledBack, "{v:?}");
    assert!(counted_down, "the countdown never moved");
    let why = v.reason.clone().unwrap();
    if env.real() {
        assert!(why.contains("is not ready after"), "{why}");
    } else {
        assert!(
            why.contains("crash-looping") || why.contains("restarted"),
            "{why}"
        );
    }
    let d = wait_rolled_out(&env.client, &ns, "web", None).await;
    assert_eq!(image_of(&d), format!("{IMAGE}:1.0.0"));
    assert_eq!(
        annotation(&d, "kubernetes.io/change-cause").as_deref(),
        Some("initial")
    );
    let entries = journal(&env);
    let auto = entries
        .iter()
        .find(|e| e.action.starts_with("auto rollback"))
        .unwrap();
    assert!(auto.ok(), "{auto:?}");
    assert_eq!(auto.note.as_deref(), Some(format!("guard: {why}").as_str()));
    env.stop(&[&ns]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_a_guard_undoes_nothing() {
    let env = Env::start(ENV).await;
    let ns = env.namespace("guardcancel").await;
    let gate = env.gate();
    create(
        &env.client,
        &deployment_json(
            &ns,
            "web",
            1,
            json!({"app": "web"}),
            &format!("{IMAGE}:1.0.0"),
        ),
    )
    .await;
    wait_rolled_out(&env.client, &ns, "web", None).await;
    let target = kockpit::cluster::ops::GuardTarget::Rollout {
        namespace: ns.clone(),
        deployment: "web".into(),
        rollback_to: 1,
    };
    let handle = guard::start(
        gate.clone(),
        target,
        GuardBudget {
            time: Duration::from_secs(60),
            ..GuardBudget::default()
        },
    );
    // A healthy, finished rollout ends the guard as healthy at once; cancel
    // races it, and either way nothing is rolled back.
    handle.cancel();
    let v = handle.wait().await;
    assert!(
        matches!(v.state, GuardState::Cancelled | GuardState::Healthy),
        "{v:?}"
    );
    assert!(journal(&env).iter().all(|e| e.outcome != Outcome::Applied));
    env.stop(&[&ns]).await;
}

async fn create_service(client: &Client, ns: &str, selector: Value) {
    let svc: Service = serde_json::from_value(json!({
        "metadata": {"name": "frontend", "namespace": ns},
        "spec": {"selector": selector, "ports": [{"port": 80, "targetPort": 8080}]}
    }))
    .unwrap();
    Api::<Service>::namespaced(client.clone(), ns)
        .create(&PostParams::default(), &svc)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blue_green_prepare_switch_verify_and_switch_back() {
    let env = Env::start(ENV).await;
    let ns = env.namespace("bg").await;
    if !serves_services(&env.client, &ns).await {
        skipped(
            &env,
            "blue-green (the demo serves no Services or EndpointSlices)",
        );
        env.stop(&[&ns]).await;
        return;
    }
    let gate = env.gate();
    let fe = "ghcr.io/kockpit-demo/frontend";
    for (slot, replicas, version) in [("blue", 2, "2.4.1"), ("green", 0, "2.4.0")] {
        let mut d = deployment_json(
            &ns,
            &format!("frontend-{slot}"),
            replicas,
            json!({"app": "frontend", "slot": slot}),
            &format!("{fe}:{version}"),
        );
        d.spec
            .as_mut()
            .unwrap()
            .template
            .spec
            .as_mut()
            .unwrap()
            .containers[0]
            .ports = Some(serde_json::from_value(json!([{"containerPort": 8080}])).unwrap());
        create(&env.client, &d).await;
    }
    create_service(&env.client, &ns, json!({"app": "frontend", "slot": "blue"})).await;
    wait_rolled_out(&env.client, &ns, "frontend-blue", None).await;

    // Switching to green (0 replicas) is refused without force.
    let e = run(
        &gate,
        OpRequest::Switch {
            namespace: ns.clone(),
            service: "frontend".into(),
            to: "green".into(),
            force: false,
        },
    )
    .await
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("slot green (frontend-green) is not fully available"),
        "{e}"
    );
    // Forced, the plan demands the slot's name typed.
    let Planned::Ready(forced) = plan(
        &gate,
        &OpRequest::Switch {
            namespace: ns.clone(),
            service: "frontend".into(),
            to: "green".into(),
            force: true,
        },
        &slot_keys(),
    )
    .await
    .unwrap() else {
        panic!()
    };
    assert_eq!(forced.plan.confirm_word.as_deref(), Some("green"));
    gate.record_cancelled(&forced);

    // Prepare green: new image, blue's replica count, one patch.
    run(
        &gate,
        OpRequest::PrepareIdle {
            namespace: ns.clone(),
            service: "frontend".into(),
            slot: "green".into(),
            images: vec![("app".into(), format!("{fe}:2.5.0"))],
        },
    )
    .await
    .unwrap();
    let green = wait_rolled_out(&env.client, &ns, "frontend-green", None).await;
    assert_eq!(green.spec.as_ref().unwrap().replicas, Some(2));
    assert_eq!(image_of(&green), format!("{fe}:2.5.0"));

    let svc_pair = |svc: &Service, ds: &[Arc<Deployment>]| pair_of(svc, ds, &slot_keys()).unwrap();
    // Switch to green and verify the endpoints.
    run(
        &gate,
        OpRequest::Switch {
            namespace: ns.clone(),
            service: "frontend".into(),
            to: "green".into(),
            force: false,
        },
    )
    .await
    .unwrap();
    let svc = gate.fetch().service(&ns, "frontend").await.unwrap();
    assert_eq!(
        svc.spec.as_ref().unwrap().selector.as_ref().unwrap()["slot"],
        "green"
    );
    assert_eq!(
        svc.metadata.annotations.as_ref().unwrap()["kockpit.dev/previous-slot"],
        "blue"
    );
    let ds = gate.fetch().deployments(&ns).await.unwrap();
    let pair = svc_pair(&svc, &ds);
    let check = bluegreen::verify_switch(gate.fetch(), &pair, "green", Duration::from_secs(60))
        .await
        .unwrap();
    assert!(check.only_slot(), "{}", check.sentence("green"));
    assert_eq!(
        check.sentence("green"),
        "verified: all 2 ready endpoints are on slot green"
    );

    // Switch back goes to the remembered slot; verified the way the UI
    // verifies it (and journaled).
    let Planned::Ready(back) = plan(
        &gate,
        &OpRequest::SwitchBack {
            namespace: ns.clone(),
            service: "frontend".into(),
            force: false,
        },
        &slot_keys(),
    )
    .await
    .unwrap() else {
        panic!("expected a switch-back plan")
    };
    gate.apply(&back).await.unwrap();
    let svc = gate.fetch().service(&ns, "frontend").await.unwrap();
    assert_eq!(
        svc.spec.as_ref().unwrap().selector.as_ref().unwrap()["slot"],
        "blue"
    );
    assert_eq!(
        svc.metadata.annotations.as_ref().unwrap()["kockpit.dev/previous-slot"],
        "green"
    );
    let (check, sentence) = bluegreen::verify_after_switch(
        &gate,
        back.plan.guard.as_ref().unwrap(),
        Duration::from_secs(60),
    )
    .await
    .unwrap();
    assert!(check.only_slot(), "{sentence}");
    assert_eq!(sentence, "verified: all 2 ready endpoints are on slot blue");
    assert!(journal(&env)
        .iter()
        .any(|e| e.action == "verify switch" && e.result == "ok"));

    // Scale down the idle slot; the active one is refused.
    let e = run(
        &gate,
        OpRequest::ScaleDownIdle {
            namespace: ns.clone(),
            service: "frontend".into(),
            slot: "blue".into(),
        },
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("is active"), "{e}");
    run(
        &gate,
        OpRequest::ScaleDownIdle {
            namespace: ns.clone(),
            service: "frontend".into(),
            slot: "green".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        get(&env.client, &ns, "frontend-green")
            .await
            .spec
            .unwrap()
            .replicas,
        Some(0)
    );

    let actions: Vec<String> = journal(&env)
        .iter()
        .rev()
        .filter(|e| e.outcome == Outcome::Applied && e.ok())
        .map(|e| format!("{} {}", e.object, e.action))
        .collect();
    assert_eq!(
        actions,
        [
            "Deployment/frontend-green prepare slot green",
            "Service/frontend switch",
            "Service/frontend switch back",
            "Deployment/frontend-green scale down slot green",
        ]
    );
    env.stop(&[&ns]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guarded_switch_to_a_crashing_slot_switches_back() {
    let env = Env::start(ENV).await;
    let ns = env.namespace("bgguard").await;
    if !serves_services(&env.client, &ns).await {
        skipped(&env, "guarded switch (the demo serves no Services)");
        env.stop(&[&ns]).await;
        return;
    }
    let gate = env.gate();
    for slot in ["blue", "green"] {
        create(
            &env.client,
            &deployment_json(
                &ns,
                &format!("web-{slot}"),
                1,
                json!({"app": "web", "slot": slot}),
                &format!("{IMAGE}:1.0.0"),
            ),
        )
        .await;
        wait_rolled_out(&env.client, &ns, &format!("web-{slot}"), None).await;
    }
    let svc: Service = serde_json::from_value(json!({
        "metadata": {"name": "web", "namespace": ns},
        "spec": {"selector": {"app": "web", "slot": "blue"}, "ports": [{"port": 80}]}
    }))
    .unwrap();
    Api::<Service>::namespaced(env.client.clone(), &ns)
        .create(&PostParams::default(), &svc)
        .await
        .unwrap();
    let Planned::Ready(prepared) = plan(
        &gate,
        &OpRequest::Switch {
            namespace: ns.clone(),
            service: "web".into(),
            to: "green".into(),
            force: false,
        },
        &slot_keys(),
    )
    .await
    .unwrap() else {
        panic!()
    };
    gate.apply(&prepared).await.unwrap();
    let handle = guard::start(
        gate.clone(),
        prepared.plan.guard.clone().unwrap(),
        GuardBudget {
            time: Duration::from_secs(60),
            ready_grace: Duration::from_secs(3),
            ..GuardBudget::default()
        },
    );
    // Green goes bad under traffic: its pod is replaced by one that never
    // gets ready (unschedulable on the real cluster, crashing on the demo).
    let mut patch = json!({"spec": {"template": {"spec": {"containers": [{"name": "app", "image": format!("{IMAGE}:1.0.0-crash")}]}}}});
    if env.real() {
        patch["spec"]["template"]["spec"]["containers"][0]["resources"] =
            json!({"requests": {"cpu": "1000"}});
    }
    Api::<Deployment>::namespaced(env.client.clone(), &ns)
        .patch(
            "web-green",
            &PatchParams::default(),
            &Patch::Strategic(patch),
        )
        .await
        .unwrap();
    let v = tokio::time::timeout(Duration::from_secs(90), handle.wait())
        .await
        .unwrap();
    assert_eq!(v.state, GuardState::RolledBack, "{v:?}");
    let svc = gate.fetch().service(&ns, "web").await.unwrap();
    assert_eq!(svc.spec.unwrap().selector.unwrap()["slot"], "blue");
    let entries = journal(&env);
    assert!(
        entries
            .iter()
            .any(|e| e.action == "auto switch back" && e.ok()),
        "{entries:?}"
    );
    env.stop(&[&ns]).await;
}

/// `--as`: a change made while impersonating is refused or made with the
/// impersonated user's permissions, and the journal says who asked as whom.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn impersonated_changes_are_journaled_as_such() {
    use kockpit::cli::ConnectionFlags;
    use kockpit::cluster::ops::{Gate, Identity};
    use kockpit::cluster::{connect, ConnectOptions};

    let env = Env::start(ENV).await;
    if env.real() {
        skipped(&env, "impersonates the demo's restricted user");
        env.stop(&[]).await;
        return;
    }
    // The demo's restricted user may not patch in its protected namespace.
    let ns = "shop".to_string();
    let name = format!("as-web-{}", std::process::id());
    create(
        &env.client,
        &deployment_json(
            &ns,
            &name,
            1,
            json!({"app": name.clone()}),
            &format!("{IMAGE}:1.0.0"),
        ),
    )
    .await;
    let conn = connect(&ConnectOptions {
        kubeconfig: Some(env.kubeconfig.clone()),
        flags: ConnectionFlags {
            impersonate: Some("demo-restricted".into()),
            ..ConnectionFlags::default()
        },
        ..ConnectOptions::default()
    })
    .await
    .unwrap();
    assert_eq!(conn.impersonating.as_deref(), Some("demo-restricted"));
    let id = Identity::new(
        conn.user.as_deref(),
        &conn.context,
        conn.impersonating.clone(),
    );
    let gate = Gate::new(conn.client.clone(), id, false, Some(env.journal.clone()));
    let (n, d) = req_deploy(&ns, &name);
    let refused = run(
        &gate,
        OpRequest::Restart {
            namespace: n,
            deployment: d,
        },
    )
    .await;
    assert!(matches!(refused, Err(OpError::Forbidden(_))), "{refused:?}");
    let entries = journal(&env);
    let last = entries.first().expect("the refused attempt is journaled");
    assert_eq!(last.user, "demo as demo-restricted", "{last:?}");
    env.stop(&[]).await;
}
