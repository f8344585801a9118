//! A blue-green switch verified through the EndpointSlices the
//! endpointslice controller writes.

use super::*;

/// The pods behind the Service's EndpointSlices, read straight from the
/// API: (pod name, address), ready endpoints only.
async fn slice_endpoints(client: &Client, ns: &str, svc: &str) -> BTreeSet<(String, String)> {
    let slices = Api::<EndpointSlice>::namespaced(client.clone(), ns)
        .list(&ListParams::default().labels(&format!("kubernetes.io/service-name={svc}")))
        .await
        .unwrap();
    slices
        .items
        .iter()
        .flat_map(|s| s.endpoints.iter())
        .filter(|e| e.conditions.as_ref().and_then(|c| c.ready).unwrap_or(true))
        .flat_map(|e| {
            let pod = e
                .target_ref
                .as_ref()
                .and_then(|t| t.name.clone())
                .unwrap_or_default();
            e.addresses.iter().map(move |a| (pod.clone(), a.clone()))
        })
        .collect()
}

/// The Running pods of a slot as (name, pod IP).
async fn slot_pods(client: &Client, ns: &str, slot: &str) -> BTreeSet<(String, String)> {
    Api::<Pod>::namespaced(client.clone(), ns)
        .list(&ListParams::default().labels(&format!("app=web,slot={slot}")))
        .await
        .unwrap()
        .items
        .iter()
        .filter(|p| p.metadata.deletion_timestamp.is_none())
        .map(|p| {
            (
                p.metadata.name.clone().unwrap(),
                p.status
                    .as_ref()
                    .and_then(|s| s.pod_ip.clone())
                    .unwrap_or_default(),
            )
        })
        .collect()
}

/// Waits until the EndpointSlices list exactly the slot's pods, at their IPs.
async fn wait_slices_on(client: &Client, ns: &str, slot: &str) {
    let start = Instant::now();
    loop {
        let want = slot_pods(client, ns, slot).await;
        let got = slice_endpoints(client, ns, "web").await;
        if got == want && !want.is_empty() && want.iter().all(|(_, ip)| !ip.is_empty()) {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "EndpointSlices of web never pointed only at slot {slot}: {got:?}, pods {want:?}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blue_green_switch_is_verified_through_the_endpointslices() {
    let env = Env::start(ENV).await;
    let ns = env.namespace("bluegreen").await;
    if env
        .lacks(
            &[
                ("v1", "services"),
                ("discovery.k8s.io/v1", "endpointslices"),
            ],
            "blue-green through EndpointSlices",
        )
        .await
    {
        eprintln!("(the lead should know: the demo serves no Services/EndpointSlices yet)");
        env.stop(&[&ns]).await;
        return;
    }
    let gate = env.gate();
    let port = json!({"spec": {"template": {"spec": {"containers": [
        {"name": "app", "image": "x", "ports": [{"containerPort": 8080}]}]}}}});
    for (slot, version) in [("blue", "1.0.0"), ("green", "2.0.0")] {
        let mut extra = port.clone();
        extra["spec"]["template"]["spec"]["containers"][0]["image"] =
            json!(format!("{IMAGE}:{version}"));
        create(
            &env.client,
            &deployment(
                &ns,
                &format!("web-{slot}"),
                2,
                json!({"app": "web", "slot": slot}),
                "",
                extra,
            ),
        )
        .await;
    }
    let svc: Service = serde_json::from_value(json!({
        "metadata": {"name": "web", "namespace": ns},
        "spec": {"selector": {"app": "web", "slot": "blue"}, "ports": [{"port": 80, "targetPort": 8080}]}
    }))
    .unwrap();
    Api::<Service>::namespaced(env.client.clone(), &ns)
        .create(&PostParams::default(), &svc)
        .await
        .unwrap();
    for slot in ["blue", "green"] {
        wait_rolled_out(&env.client, &ns, &format!("web-{slot}"), None).await;
    }
    wait_slices_on(&env.client, &ns, "blue").await;

    // What the blue-green panel shows, from kockpit's own watchers.
    let mut live = Live::start(&env.client, &ns);
    let panel = |d: &Data| {
        let svc = d
            .services
            .iter()
            .find(|s| s.metadata.name.as_deref() == Some("web"))?;
        let ds: Vec<_> = d.deployments.iter().map(|it| it.obj.clone()).collect();
        let pods: Vec<_> = d.pods.iter().map(|it| it.obj.clone()).collect();
        let pair = pair_of(svc, &ds, &slot_keys())?;
        Some(bluegreen_view(&pair, &ds, &pods, &d.endpointslices))
    };
    let on = |slot: &'static str| {
        move |d: &Data| {
            panel(d).is_some_and(|v| {
                v.active == slot && v.endpoints.on_slot == 2 && v.endpoints.elsewhere.is_empty()
            })
        }
    };
    let describe = |d: &Data| format!("{:?}", panel(d));
    live.until(
        Duration::from_secs(30),
        "the panel: blue serves",
        on("blue"),
        describe,
    )
    .await;

    // Verification can fail: asked about green while blue serves.
    let f = gate.fetch();
    let pair = pair_of(
        &f.service(&ns, "web").await.unwrap(),
        &f.deployments(&ns).await.unwrap(),
        &slot_keys(),
    )
    .unwrap();
    let check = bluegreen::verify_switch(f, &pair, "green", Duration::from_millis(1))
        .await
        .unwrap();
    assert!(!check.only_slot(), "{check:?}");
    assert_eq!(check.elsewhere.len(), 2, "{check:?}");

    // Switch to green through the gate; the verdict comes from the slices.
    for (to, from) in [("green", "blue"), ("blue", "green")] {
        let svc = f.service(&ns, "web").await.unwrap();
        let pair = pair_of(&svc, &f.deployments(&ns).await.unwrap(), &slot_keys()).unwrap();
        assert_eq!(pair.active, from);
        let target = f.deployment(&ns, &format!("web-{to}")).await.unwrap();
        let plan = if to == "green" {
            bluegreen::switch(&svc, &pair, to, &target, false, "switch").unwrap()
        } else {
            bluegreen::switch_back(&svc, &pair, &target, false).unwrap()
        };
        let prepared = gate.prepare(plan).await.unwrap();
        gate.apply(&prepared).await.unwrap();
        let (check, sentence) = bluegreen::verify_after_switch(
            &gate,
            prepared.plan.guard.as_ref().unwrap(),
            Duration::from_secs(60),
        )
        .await
        .unwrap();
        assert!(check.only_slot(), "{sentence}");
        assert_eq!(
            sentence,
            format!("verified: all 2 ready endpoints are on slot {to}")
        );
        // The slices themselves: exactly the new slot's pods, at their IPs.
        wait_slices_on(&env.client, &ns, to).await;
        let got = slice_endpoints(&env.client, &ns, "web").await;
        assert!(
            got.iter()
                .all(|(pod, _)| pod.starts_with(&format!("web-{to}-"))),
            "{got:?}"
        );
        eprintln!("switched to {to}: {sentence}; EndpointSlices: {got:?}");
        live.until(
            Duration::from_secs(30),
            &format!("the panel: {to} serves"),
            on(to),
            describe,
        )
        .await;
    }
    drop(live);
    env.stop(&[&ns]).await;
}
