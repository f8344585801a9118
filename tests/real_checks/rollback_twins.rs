//! kockpit's rollback against `kubectl rollout undo` on a twin Deployment.

use super::*;

/// The object without what differs between twins and between runs.
fn comparable(d: &Deployment, own: &str) -> Value {
    let mut v = serde_json::to_value(d).unwrap();
    let meta = v["metadata"].as_object_mut().unwrap();
    for k in [
        "name",
        "uid",
        "resourceVersion",
        "creationTimestamp",
        "managedFields",
        "selfLink",
    ] {
        meta.remove(k);
    }
    v.as_object_mut().unwrap().remove("status");
    let text = serde_json::to_string(&v).unwrap().replace(own, "twin");
    serde_json::from_str(&text).unwrap()
}

/// A twin's ReplicaSets as kubectl's history sees them, by image:
/// (image, revision, revision-history, change-cause, desired replicas).
async fn rs_revisions(
    client: &Client,
    ns: &str,
    twin: &str,
) -> Vec<(String, String, String, String, i32)> {
    let rss = Api::<ReplicaSet>::namespaced(client.clone(), ns)
        .list(&ListParams::default().labels(&format!("app={twin}")))
        .await
        .unwrap();
    let mut out: Vec<_> = rss
        .items
        .iter()
        .map(|rs| {
            let spec = rs.spec.as_ref().unwrap();
            let image = template_image(spec.template.as_ref().unwrap());
            let a = rs.metadata.annotations.clone().unwrap_or_default();
            let get = |k: &str| a.get(k).cloned().unwrap_or_default();
            (
                image,
                get("deployment.kubernetes.io/revision"),
                get("deployment.kubernetes.io/revision-history"),
                get("kubernetes.io/change-cause"),
                spec.replicas.unwrap_or(0),
            )
        })
        .collect();
    out.sort();
    out
}

/// `kubectl rollout history` as (revision, change-cause) pairs.
fn kubectl_history(env: &Env, ns: &str, name: &str) -> Vec<(i64, Option<String>)> {
    let out = env.kubectl(&[
        "-n",
        ns,
        "rollout",
        "history",
        &format!("deployment/{name}"),
    ]);
    assert!(
        out.status.success(),
        "kubectl rollout history: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .skip_while(|l| !l.starts_with("REVISION"))
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (rev, cause) = l
                .trim()
                .split_once(char::is_whitespace)
                .unwrap_or((l.trim(), ""));
            let cause = cause.trim();
            (
                rev.parse().unwrap(),
                (cause != "<none>" && !cause.is_empty()).then(|| cause.to_string()),
            )
        })
        .collect()
}

/// kockpit's history view of a twin, oldest first like kubectl's.
async fn kockpit_history(client: &Client, ns: &str, name: &str) -> Vec<(i64, Option<String>)> {
    let d = get(client, ns, name).await;
    let rss: Vec<Arc<ReplicaSet>> = Api::<ReplicaSet>::namespaced(client.clone(), ns)
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(Arc::new)
        .collect();
    let mut h: Vec<_> = history(&d, &rss)
        .into_iter()
        .map(|r| (r.revision, r.change_cause))
        .collect();
    h.reverse();
    h
}

/// Both twins, compared the way an operator would: the Deployment objects,
/// their ReplicaSets' revisions, and `rollout history`.
async fn assert_twins_equal(env: &Env, ns: &str, step: &str) {
    let a = get(&env.client, ns, "twin-a").await;
    let b = get(&env.client, ns, "twin-b").await;
    assert_eq!(
        comparable(&a, "twin-a"),
        comparable(&b, "twin-b"),
        "{step}: kockpit's twin-a and kubectl's twin-b differ"
    );
    assert_eq!(
        rs_revisions(&env.client, ns, "twin-a").await,
        rs_revisions(&env.client, ns, "twin-b").await,
        "{step}: ReplicaSet revisions differ"
    );
    let kh = kubectl_history(env, ns, "twin-b");
    assert_eq!(
        kubectl_history(env, ns, "twin-a"),
        kh,
        "{step}: rollout history differs"
    );
    assert_eq!(
        kockpit_history(&env.client, ns, "twin-b").await,
        kh,
        "{step}: kockpit's history view is not kubectl's"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_is_kubectl_rollout_undo_on_a_twin() {
    if !Path::new(KUBECTL).exists() {
        panic!("{KUBECTL} is needed: this check compares with the real kubectl");
    }
    // Only end states matter here, so the demo's time may run faster.
    let env = Env::start(EnvOptions { speed: 4.0, ..ENV }).await;
    let ns = env.namespace("twins").await;
    let gate = env.gate();
    let extra = json!({"metadata": {"annotations": {"kubernetes.io/change-cause": "release 1", "team": "shop"}}});
    for twin in ["twin-a", "twin-b"] {
        create(
            &env.client,
            &deployment(
                &ns,
                twin,
                2,
                json!({"app": twin}),
                &format!("{IMAGE}:1.0.0"),
                extra.clone(),
            ),
        )
        .await;
    }
    // The same history on both: three image changes, the last without a
    // change-cause of its own (so the Deployment's old one is copied on).
    for (rev, version, cause) in [
        ("2", "2.0.0", Some("release 2")),
        ("3", "3.0.0", Some("release 3")),
        ("4", "4.0.0", None),
    ] {
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
        for twin in ["twin-a", "twin-b"] {
            wait_rolled_out(&env.client, &ns, twin, Some(rev)).await;
        }
    }
    assert_twins_equal(&env, &ns, "before any undo").await;

    // Undo to an old revision, to "previous", and back and forth: kockpit
    // on twin-a, kubectl on twin-b.
    for (to_revision, expect, image) in [
        (2i64, "5", "2.0.0"),
        (0, "6", "4.0.0"),
        (3, "7", "3.0.0"),
        (0, "8", "4.0.0"),
    ] {
        let step = format!("undo --to-revision={to_revision}");
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
        let out = env.kubectl(&[
            "-n",
            &ns,
            "rollout",
            "undo",
            "deployment/twin-b",
            &format!("--to-revision={to_revision}"),
        ]);
        assert!(
            out.status.success(),
            "{step}: kubectl rollout undo failed on the {}: {}",
            env.cluster_name(),
            String::from_utf8_lossy(&out.stderr)
        );
        for twin in ["twin-a", "twin-b"] {
            let d = wait_rolled_out(&env.client, &ns, twin, Some(expect)).await;
            assert_eq!(image_of(&d), format!("{IMAGE}:{image}"), "{step}: {twin}");
        }
        assert_twins_equal(&env, &ns, &step).await;
    }
    // The change-cause went back with each template (kubectl's rule): the
    // last undo restored revision 4's, which was copied from release 3.
    let a = get(&env.client, &ns, "twin-a").await;
    assert_eq!(
        annotation(&a, "kubernetes.io/change-cause").as_deref(),
        Some("release 3")
    );
    assert_eq!(annotation(&a, "team").as_deref(), Some("shop"));

    // Undo to the revision already running: skipped by both, nothing sent.
    let before_a = get(&env.client, &ns, "twin-a").await;
    let before_b = get(&env.client, &ns, "twin-b").await;
    let ours = run(
        &gate,
        OpRequest::Rollback {
            namespace: ns.clone(),
            deployment: "twin-a".into(),
            to_revision: 8,
        },
    )
    .await
    .unwrap();
    assert_eq!(
        ours,
        "skipped rollback (current template already matches revision 8)"
    );
    let out = env.kubectl(&[
        "-n",
        &ns,
        "rollout",
        "undo",
        "deployment/twin-b",
        "--to-revision=8",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("deployment.apps/twin-b {ours}"),
        "kubectl said something else"
    );
    // A revision that is not there: the same error.
    let ours = run(
        &gate,
        OpRequest::Rollback {
            namespace: ns.clone(),
            deployment: "twin-a".into(),
            to_revision: 99,
        },
    )
    .await
    .unwrap_err()
    .to_string();
    let out = env.kubectl(&[
        "-n",
        &ns,
        "rollout",
        "undo",
        "deployment/twin-b",
        "--to-revision=99",
    ]);
    assert!(!out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        format!("error: {ours}")
    );

    // Paused: refused by both, with the same words, and nothing changes.
    run(
        &gate,
        OpRequest::Pause {
            namespace: ns.clone(),
            deployment: "twin-a".into(),
        },
    )
    .await
    .unwrap();
    let out = env.kubectl(&["-n", &ns, "rollout", "pause", "deployment/twin-b"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ours = run(
        &gate,
        OpRequest::Rollback {
            namespace: ns.clone(),
            deployment: "twin-a".into(),
            to_revision: 0,
        },
    )
    .await
    .unwrap_err()
    .to_string();
    let out = env.kubectl(&["-n", &ns, "rollout", "undo", "deployment/twin-b"]);
    assert!(!out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        format!("error: {ours}")
    );
    assert!(ours.contains("paused"), "{ours}");
    let after_a = get(&env.client, &ns, "twin-a").await;
    let after_b = get(&env.client, &ns, "twin-b").await;
    for (before, after) in [(&before_a, &after_a), (&before_b, &after_b)] {
        // The pause bumped the generation; the refused undo sent nothing.
        let mut want = comparable(before, "x");
        want["spec"]["paused"] = json!(true);
        want["metadata"]["generation"] = json!(before.metadata.generation.unwrap() + 1);
        assert_eq!(comparable(after, "x"), want, "only spec.paused changed");
    }
    assert_twins_equal(&env, &ns, "after the refused undo").await;
    env.stop(&[&ns]).await;
}
