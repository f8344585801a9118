//! A followed log stream cut mid-stream resumes by time (sinceTime, lines
//! already seen in that second skipped): every line the server wrote in the
//! window arrives exactly once, in order.

use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{ListParams, LogParams};
use kube::Api;

use kockpit::cluster::logs::{LogOptions, LogSession, LogTarget};
use kockpit::model::logs::LineKind;

use super::support::*;

fn normal_lines(s: &LogSession) -> Vec<(DateTime<Utc>, String)> {
    s.with_buffer(|b| {
        b.lines()
            .iter()
            .filter(|l| l.kind == LineKind::Normal)
            .filter_map(|l| l.at.map(|at| (at, l.text.clone())))
            .collect()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_log_stream_resumes_without_duplicates_or_gaps() {
    let cluster = Cluster::start().await;
    let Some(faults) = cluster.demo_faults(
        "the real control plane's logs are a static kwok file, so nothing flows across a break",
    ) else {
        return;
    };
    let client = cluster.client().await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), "shop");
    let started = std::time::Instant::now();
    let pod = loop {
        let list = pods
            .list(&ListParams::default().labels("app=api"))
            .await
            .unwrap();
        let running = list
            .items
            .into_iter()
            .find(|p| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running"))
            .and_then(|p| p.metadata.name);
        if let Some(name) = running {
            break name;
        }
        assert!(started.elapsed() < DEADLINE, "no api pod ever ran");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let session = LogSession::start(
        client.clone(),
        LogTarget::container("shop", &pod, None),
        LogOptions {
            tail_lines: Some(3),
            ..LogOptions::default()
        },
    );
    wait_until("the first lines", || normal_lines(&session).len() >= 5).await;

    let killed = faults.snapshot().streams_killed;
    faults.close_streams();
    assert_eq!(faults.snapshot().streams_killed, killed + 1);
    let at_cut = normal_lines(&session).len();
    wait_until("lines after the cut", || {
        normal_lines(&session).len() >= at_cut + 8
    })
    .await;

    let got = normal_lines(&session);
    let text = pods
        .logs(
            &pod,
            &LogParams {
                timestamps: true,
                ..LogParams::default()
            },
        )
        .await
        .unwrap();
    let (first, last) = (got[0].0, got[got.len() - 1].0);
    let written: Vec<(DateTime<Utc>, String)> = text
        .lines()
        .filter_map(|l| {
            let (ts, rest) = l.split_once(' ')?;
            let at = DateTime::parse_from_rfc3339(ts).ok()?.with_timezone(&Utc);
            Some((at, rest.to_string()))
        })
        .filter(|(at, _)| *at >= first && *at <= last)
        .collect();
    assert!(written.len() >= 13, "{written:#?}");
    assert_eq!(
        got, written,
        "the session's lines differ from what the server wrote"
    );
    drop(session);
    cluster.stop().await;
}
