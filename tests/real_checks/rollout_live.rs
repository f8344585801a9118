//! A rolling update driven by the deployment controller, followed step by
//! step through kockpit's watchers and rollout view.

use super::*;

/// One moment of a rollout as kockpit shows it: per revision, the
/// ReplicaSet's desired replicas and the pods the tree hangs under it.
type Moment = BTreeMap<i64, (i32, usize)>;

fn moment(d: &Data, name: &str) -> Option<(Moment, Phase)> {
    let dep = d.deployments.iter().find(|it| it.row.name == name)?;
    let view = view_of(d, name)?;
    let pods_of: BTreeMap<i64, usize> = view
        .tree
        .revisions
        .iter()
        .filter_map(|r| Some((r.revision?, r.replica_set.pods.len())))
        .collect();
    let m = history(&dep.obj, &d.replicasets)
        .into_iter()
        .map(|r| {
            (
                r.revision,
                (r.replicas, pods_of.get(&r.revision).copied().unwrap_or(0)),
            )
        })
        .collect();
    Some((m, view.tree.status.phase))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolling_update_is_seen_step_by_step_through_the_watchers() {
    let env = Env::start(ENV).await;
    let ns = env.namespace("rolling").await;
    // maxSurge 1 / maxUnavailable 0 and minReadySeconds: the controller
    // moves one pod at a time and holds every step for a second, so each
    // step reaches the watchers on its own.
    let strategy = json!({"spec": {
        "minReadySeconds": 1,
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}
    }});
    create(
        &env.client,
        &deployment(
            &ns,
            "web",
            4,
            json!({"app": "web"}),
            &format!("{IMAGE}:1.0.0"),
            strategy,
        ),
    )
    .await;
    let mut live = Live::start(&env.client, &ns);
    let describe = |d: &Data| format!("{:?}", moment(d, "web"));
    live.until(
        Duration::from_secs(60),
        "revision 1 complete with 4 pods",
        |d| {
            moment(d, "web").is_some_and(|(m, phase)| {
                phase == Phase::Complete && m.get(&1) == Some(&(4, 4)) && m.len() == 1
            })
        },
        describe,
    )
    .await;

    Api::<Deployment>::namespaced(env.client.clone(), &ns)
        .patch(
            "web",
            &PatchParams::default(),
            &Patch::Strategic(json!({"spec": {"template": {"spec": {"containers": [
                {"name": "app", "image": format!("{IMAGE}:2.0.0")}]}}}})),
        )
        .await
        .unwrap();

    let mut seen: Vec<(Moment, Phase)> = Vec::new();
    live.until(
        Duration::from_secs(90),
        "revision 2 complete with 4 pods, revision 1 scaled to 0",
        |d| {
            let Some(now) = moment(d, "web") else {
                return false;
            };
            if seen.last() != Some(&now) {
                seen.push(now.clone());
            }
            let (m, phase) = now;
            phase == Phase::Complete && m.get(&2) == Some(&(4, 4)) && m.get(&1) == Some(&(0, 0))
        },
        describe,
    )
    .await;
    let trace = format!("{seen:#?}");
    let replicas = |rev: i64| -> Vec<i32> {
        seen.iter()
            .filter_map(|(m, _)| m.get(&rev).map(|r| r.0))
            .collect()
    };
    let (old, new) = (replicas(1), replicas(2));
    // The controller only ever scales the old ReplicaSet down and the new
    // one up, one pod at a time, and never above replicas + maxSurge.
    assert!(old.windows(2).all(|w| w[0] >= w[1]), "old went up: {trace}");
    assert!(
        new.windows(2).all(|w| w[0] <= w[1]),
        "new went down: {trace}"
    );
    let old_seen: BTreeSet<i32> = old.iter().copied().collect();
    let new_seen: BTreeSet<i32> = new.iter().copied().collect();
    assert!(
        [4, 3, 2, 1, 0].iter().all(|n| old_seen.contains(n)),
        "old ReplicaSet steps missing: {trace}"
    );
    assert!(
        [1, 2, 3, 4].iter().all(|n| new_seen.contains(n)),
        "new ReplicaSet steps missing: {trace}"
    );
    for (m, _) in &seen {
        let total: i32 = m.values().map(|r| r.0).sum();
        assert!(total <= 5, "more than replicas + maxSurge desired: {trace}");
    }
    // Mid-rollout both revisions had pods under them in the tree, and the
    // view said the rollout was progressing.
    assert!(
        seen.iter().any(|(m, phase)| {
            *phase == Phase::Progressing
                && m.get(&1).is_some_and(|r| r.1 > 0)
                && m.get(&2).is_some_and(|r| r.1 > 0)
        }),
        "never saw pods of both revisions mid-rollout: {trace}"
    );
    let view = view_of(&live.data, "web").unwrap();
    assert_eq!(view.progress.updated, 4);
    assert_eq!(view.progress.old_pending_termination, 0);
    assert_eq!(view.tree.revisions[0].revision, Some(2), "newest first");
    drop(live);
    env.stop(&[&ns]).await;
}
