//! The HPA controller scaling on pod usage, seen in kockpit's HPA rows.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hpa_controller_scales_on_pod_usage_and_kockpit_shows_it() {
    let env = Env::start(ENV).await;
    let ns = env.namespace("hpa").await;
    if env
        .lacks(
            &[
                ("autoscaling/v2", "horizontalpodautoscalers"),
                ("metrics.k8s.io/v1beta1", "pods"),
            ],
            "HPA scaling on pod usage",
        )
        .await
    {
        eprintln!("(the lead should know: the demo serves no HPAs/pod metrics yet)");
        env.stop(&[&ns]).await;
        return;
    }
    // Pod usage is simulated differently: kwok reads each pod's own
    // annotation (90m per pod, whatever the pod count); the demo splits a
    // Deployment's total load across its ready pods (180m = 90m each at 2
    // pods). Both start at 90 % of the 100m request against a 50 % target,
    // so the controller wants 4 pods, the maximum.
    let extra = json!({
        "metadata": {"annotations": {"demo.kockpit.dev/load": "constant(180m)"}},
        "spec": {"template": {
            "metadata": {"annotations": {"kwok.x-k8s.io/usage-cpu": "90m", "kwok.x-k8s.io/usage-memory": "50Mi"}},
            "spec": {"containers": [{"name": "app", "image": format!("{IMAGE}:1.0.0"),
                "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}}}]}
        }}
    });
    create(
        &env.client,
        &deployment(&ns, "busy", 2, json!({"app": "busy"}), "", extra),
    )
    .await;
    let hpa: HorizontalPodAutoscaler = serde_json::from_value(json!({
        "metadata": {"name": "busy", "namespace": ns},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "busy"},
            "minReplicas": 2, "maxReplicas": 4,
            "metrics": [{"type": "Resource", "resource": {"name": "cpu",
                "target": {"type": "Utilization", "averageUtilization": 50}}}]
        }
    }))
    .unwrap();
    Api::<HorizontalPodAutoscaler>::namespaced(env.client.clone(), &ns)
        .create(&PostParams::default(), &hpa)
        .await
        .unwrap();

    let mut live = Live::start(&env.client, &ns);
    let row = |d: &Data| {
        d.hpas
            .iter()
            .find(|h| h.row.name == "busy")
            .map(|h| h.row.clone())
    };
    let describe = |d: &Data| format!("{:?}", row(d));
    // First the metric arrives (metrics-server needs two scrapes).
    live.until(
        Duration::from_secs(120),
        "the HPA row to show a CPU reading",
        |d| row(d).is_some_and(|r| r.metrics.first().is_some_and(|m| m.current.is_some())),
        describe,
    )
    .await;
    let r = row(&live.data).unwrap();
    assert_eq!(r.reference, "Deployment/busy");
    assert_eq!((r.min, r.max), (2, 4));
    let m = &r.metrics[0];
    assert_eq!(m.target, "50%");
    let pct = m.current_value.unwrap();
    assert!(
        (85.0..=95.0).contains(&pct),
        "cpu reading {pct}% ({})",
        r.targets
    );
    assert_eq!(
        r.targets,
        format!("cpu: {}/50%", m.current.clone().unwrap())
    );
    assert!(
        r.targets.starts_with("cpu: 9") || r.targets.starts_with("cpu: 8"),
        "{}",
        r.targets
    );

    // Then the controller scales up to the maximum, and kockpit says so.
    live.until(
        Duration::from_secs(180),
        "the HPA at 4/4 replicas and the Deployment 4/4 ready",
        |d| {
            row(d).is_some_and(|r| r.replicas == 4 && r.desired == 4 && r.at_max)
                && d.deployments
                    .iter()
                    .any(|it| it.row.name == "busy" && it.row.ready == "4/4")
        },
        describe,
    )
    .await;
    let r = row(&live.data).unwrap();
    assert!(r.last_scale.is_some(), "{r:?}");
    let hpa = live
        .data
        .hpas
        .iter()
        .find(|h| h.row.name == "busy")
        .unwrap()
        .obj
        .clone();
    let conds = hpa_conditions(&hpa);
    let cond = |t: &str| {
        conds
            .iter()
            .find(|c| c.type_ == t)
            .map(|c| (c.status.clone(), c.reason.clone()))
    };
    assert_eq!(
        cond("ScalingActive"),
        Some(("True".into(), "ValidMetricFound".into()))
    );
    assert_eq!(cond("AbleToScale").map(|c| c.0), Some("True".into()));

    // kockpit's own usage poll (metrics.k8s.io) agrees with the HPA: every
    // pod's CPU is the HPA's utilization of its 100m request.
    let agree = |d: &Data| {
        let Some(pct) = row(d).and_then(|r| r.metrics.first().and_then(|m| m.current_value)) else {
            return false;
        };
        let want = pct / 100.0 * 0.1;
        let cpus: Vec<f64> = d
            .pods
            .iter()
            .filter(|p| p.row.name.starts_with("busy-"))
            .filter_map(|p| p.row.cpu)
            .collect();
        cpus.len() == 4 && cpus.iter().all(|c| (c - want).abs() <= want * 0.15)
    };
    live.until(
        Duration::from_secs(120),
        "pod CPU in the pod rows matching the HPA's reading",
        agree,
        |d| {
            format!(
                "hpa {:?}, pods {:?}",
                row(d).map(|r| r.targets),
                d.pods
                    .iter()
                    .map(|p| (&p.row.name, p.row.cpu))
                    .collect::<Vec<_>>()
            )
        },
    )
    .await;
    drop(live);
    env.stop(&[&ns]).await;
}
