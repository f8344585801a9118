//! Pod logs served by the node, streamed by kockpit's log session.

use super::*;

/// The demo's way to give pods exact log lines (a pod template annotation);
/// the real cluster ignores it and gets a kwok `Logs` file instead.
const DEMO_LOG_LINES: &str = "demo.kockpit.dev/log-lines";

/// Per pod, the lines the session holds: (time, text).
type Heard = BTreeMap<String, Vec<(Option<DateTime<Utc>>, String)>>;

fn cri_line(at: DateTime<Utc>, stream: &str, text: &str) -> String {
    format!(
        "{} {stream} F {text}\n",
        at.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pod_logs_from_the_node_stream_through_the_log_session() {
    let env = Env::start(ENV).await;
    let ns = env.namespace("logs").await;
    let lines = [
        "starting log-probe",
        "listening on :8080",
        "warning: slow disk",
        "GET /healthz 200",
    ];
    let extra = json!({"spec": {"template": {"metadata": {"annotations": {
        DEMO_LOG_LINES: serde_json::to_string(&lines).unwrap()}}}}});
    create(
        &env.client,
        &deployment(
            &ns,
            "logger",
            2,
            json!({"app": "logger"}),
            &format!("{IMAGE}:1.0.0"),
            extra,
        ),
    )
    .await;
    let d = wait_rolled_out(&env.client, &ns, "logger", None).await;
    let pods_api = Api::<Pod>::namespaced(env.client.clone(), &ns);
    let pods: Vec<String> = pods_api
        .list(&ListParams::default().labels("app=logger"))
        .await
        .unwrap()
        .items
        .into_iter()
        .filter_map(|p| p.metadata.name)
        .collect();
    assert_eq!(pods.len(), 2, "{pods:?}");

    // On kwok the node serves each pod's log from a file named by a `Logs`
    // object; the times written there must come back as the line times.
    let t0 = (Utc::now() - chrono::Duration::seconds(30)).trunc_subsecs(3);
    let times: Vec<DateTime<Utc>> = (0..lines.len())
        .map(|i| t0 + chrono::Duration::milliseconds(250 * i as i64))
        .collect();
    let log_file = env.dir.path().join("app.log");
    let kwok_logs = env.serves("kwok.x-k8s.io/v1alpha1", "logs").await;
    assert!(
        kwok_logs || !env.real(),
        "the real control plane has no kwok Logs CRD"
    );
    if kwok_logs {
        let mut f = std::fs::File::create(&log_file).unwrap();
        for (text, at) in lines.iter().zip(&times) {
            let stream = if text.starts_with("warning") {
                "stderr"
            } else {
                "stdout"
            };
            f.write_all(cri_line(*at, stream, text).as_bytes()).unwrap();
        }
        let ar = ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk("kwok.x-k8s.io", "v1alpha1", "Logs"),
            "logs",
        );
        let api: Api<DynamicObject> = Api::namespaced_with(env.client.clone(), &ns, &ar);
        for pod in &pods {
            let obj: DynamicObject = serde_json::from_value(json!({
                "apiVersion": "kwok.x-k8s.io/v1alpha1", "kind": "Logs",
                "metadata": {"name": pod, "namespace": ns},
                "spec": {"logs": [{"containers": ["app"], "logsFile": log_file, "follow": true}]}
            }))
            .unwrap();
            api.create(&PostParams::default(), &obj).await.unwrap();
        }
        // kwok reads Logs objects through its own watch: wait until the
        // node serves our file rather than the cluster-wide fallback.
        for pod in &pods {
            let start = Instant::now();
            loop {
                let text = pods_api
                    .logs(
                        pod,
                        &LogParams {
                            container: Some("app".into()),
                            ..Default::default()
                        },
                    )
                    .await
                    .unwrap_or_default();
                if text.starts_with(lines[0]) {
                    break;
                }
                assert!(
                    start.elapsed() < Duration::from_secs(30),
                    "{pod}: kwok still serves {text:?}"
                );
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
        }
    } else {
        eprintln!(
            "note: the {} has no kwok Logs CRD; its pods get the lines from the {DEMO_LOG_LINES} annotation",
            env.cluster_name()
        );
    }

    let session = LogSession::start(
        env.client.clone(),
        LogTarget::deployment(&d, None).unwrap(),
        LogOptions::default(),
    );
    let per_pod = |s: &LogSession| -> Heard {
        s.with_buffer(|b| {
            let mut m: BTreeMap<String, Vec<_>> = BTreeMap::new();
            for l in b.lines().iter().filter(|l| l.kind == LineKind::Normal) {
                if let Some(src) = b.sources.get(l.source) {
                    m.entry(src.pod.clone())
                        .or_default()
                        .push((l.at, l.text.clone()));
                }
            }
            m
        })
    };
    let wait = |what: String, want: usize| {
        let session = &session;
        let pods = &pods;
        async move {
            let start = Instant::now();
            loop {
                let got = per_pod(session);
                if pods
                    .iter()
                    .all(|p| got.get(p).is_some_and(|v| v.len() >= want))
                {
                    return got;
                }
                assert!(
                    start.elapsed() < Duration::from_secs(30),
                    "timed out waiting for {what}: {got:#?}; status {:?}",
                    session.with_buffer(|b| b.status.clone())
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    let got = wait("every line from both pods".into(), lines.len()).await;
    for pod in &pods {
        let texts: Vec<&str> = got[pod].iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(texts, lines, "{pod}");
        assert!(
            got[pod].iter().all(|(at, _)| at.is_some()),
            "{pod}: lines without a time"
        );
        if kwok_logs {
            let ats: Vec<DateTime<Utc>> = got[pod].iter().map(|(at, _)| at.unwrap()).collect();
            assert_eq!(ats, times, "{pod}: the file's times");
        }
    }
    session.with_buffer(|b| {
        assert_eq!(b.status.target, "deploy/logger");
        assert_eq!(b.status.attached, 2, "{:?}", b.status);
        assert_eq!(b.status.error, None);
    });

    // Following: a line the node writes now reaches the open streams.
    if kwok_logs {
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&log_file)
            .unwrap();
        f.write_all(cri_line(Utc::now(), "stdout", "appended while following").as_bytes())
            .unwrap();
        drop(f);
        let got = wait("the appended line from both pods".into(), lines.len() + 1).await;
        for pod in &pods {
            assert_eq!(
                got[pod].last().unwrap().1,
                "appended while following",
                "{pod}"
            );
        }
    } else {
        eprintln!(
            "note: the {} cannot append to a pod's log; the follow step runs on the real control plane",
            env.cluster_name()
        );
    }
    drop(session);
    env.stop(&[&ns]).await;
}
