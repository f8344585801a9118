#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The real kubectl against `kockpit demo serve`: discovery, Table columns,
//! scale, set image + rollout, watch and errors must look like a real cluster.
//! Skipped (with a message) only where /usr/bin/kubectl is absent.

use std::process::Stdio;
use std::time::{Duration, Instant};

mod support;
use support::kubectl::{columns, kubectl_missing, line_reader, DemoServer};
use support::poll::eventually;

#[test]
fn get_prints_the_real_columns() {
    if kubectl_missing() {
        return;
    }
    let demo = DemoServer::start();
    let out = demo.ok(&["get", "deploy,rs,pods", "-A"]);
    let headers: Vec<Vec<&str>> = out
        .lines()
        .filter(|l| l.starts_with("NAMESPACE"))
        .map(columns)
        .collect();
    assert_eq!(
        headers,
        vec![
            vec![
                "NAMESPACE",
                "NAME",
                "READY",
                "UP-TO-DATE",
                "AVAILABLE",
                "AGE"
            ],
            vec!["NAMESPACE", "NAME", "DESIRED", "CURRENT", "READY", "AGE"],
            vec!["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"],
        ],
        "{out}"
    );
    let api = out
        .lines()
        .find(|l| l.contains("deployment.apps/api "))
        .expect("api deployment row");
    assert_eq!(
        columns(api)[..5],
        ["shop", "deployment.apps/api", "3/3", "3", "3"],
        "{api}"
    );
    let running = out
        .lines()
        .filter(|l| l.contains("pod/") && columns(l).get(3) == Some(&"Running"))
        // The crash-looping canary is Running only between its crashes.
        .filter(|l| !l.contains("pod/canary-"))
        .count();
    // Nine Deployment pods and the redis StatefulSet's redis-0.
    assert_eq!(running, 10, "{out}");

    let wide = demo.ok(&["get", "pods", "-n", "shop", "-o", "wide"]);
    let header = columns(wide.lines().next().unwrap_or(""));
    assert_eq!(
        header,
        [
            "NAME",
            "READY",
            "STATUS",
            "RESTARTS",
            "AGE",
            "IP",
            "NODE",
            "NOMINATED NODE",
            "READINESS GATES"
        ],
        "{wide}"
    );
    assert!(wide.contains("10.244."), "pods have IPs: {wide}");

    let namespaces = demo.ok(&["get", "ns"]);
    assert_eq!(
        columns(namespaces.lines().next().unwrap_or("")),
        ["NAME", "STATUS", "AGE"]
    );
    for ns in ["default", "kube-system", "shop"] {
        assert!(
            namespaces
                .lines()
                .any(|l| columns(l).first() == Some(&ns) && l.contains("Active")),
            "{namespaces}"
        );
    }
    // The short names come from discovery.
    demo.ok(&[
        "get",
        "deploy",
        "-n",
        "shop",
        "frontend-blue",
        "frontend-green",
    ]);
}

#[test]
fn scale_brings_five_running_pods() {
    if kubectl_missing() {
        return;
    }
    let demo = DemoServer::start();
    let out = demo.ok(&[
        "-n",
        "shop",
        "scale",
        "deploy/frontend-blue",
        "--replicas=5",
    ]);
    assert_eq!(out.trim(), "deployment.apps/frontend-blue scaled");
    eventually(
        "5 ready frontend-blue pods",
        Duration::from_secs(30),
        || {
            let pods = demo.ok(&[
                "-n",
                "shop",
                "get",
                "pods",
                "-l",
                "app=frontend,slot=blue",
                "--no-headers",
            ]);
            let ready = pods
                .lines()
                .filter(|l| columns(l).get(1..3) == Some(&["1/1", "Running"]))
                .count();
            if ready == 5 && pods.lines().count() == 5 {
                Ok(())
            } else {
                Err(pods)
            }
        },
    );
    let deploy = demo.ok(&[
        "-n",
        "shop",
        "get",
        "deploy",
        "frontend-blue",
        "--no-headers",
    ]);
    assert_eq!(
        columns(&deploy)[..4],
        ["frontend-blue", "5/5", "5", "5"],
        "{deploy}"
    );
}

#[test]
fn set_image_rolls_out_a_new_replicaset() {
    if kubectl_missing() {
        return;
    }
    let demo = DemoServer::start();
    let out = demo.ok(&[
        "-n",
        "shop",
        "set",
        "image",
        "deploy/api",
        "api=ghcr.io/kockpit-demo/api:1.13.0",
    ]);
    assert_eq!(out.trim(), "deployment.apps/api image updated");
    let status = demo.ok(&[
        "-n",
        "shop",
        "rollout",
        "status",
        "deploy/api",
        "--timeout=60s",
    ]);
    assert!(
        status
            .trim_end()
            .ends_with("deployment \"api\" successfully rolled out"),
        "{status}"
    );
    assert!(
        status.contains("new replicas have been updated"),
        "{status}"
    );

    let rs = demo.ok(&[
        "-n",
        "shop",
        "get",
        "rs",
        "-l",
        "app=api",
        "-o",
        "wide",
        "--no-headers",
    ]);
    let rows: Vec<Vec<&str>> = rs.lines().map(columns).collect();
    assert_eq!(rows.len(), 2, "{rs}");
    assert!(
        rows.iter()
            .any(|r| r[1..4] == ["3", "3", "3"] && r[6] == "ghcr.io/kockpit-demo/api:1.13.0"),
        "{rs}"
    );
    assert!(
        rows.iter()
            .any(|r| r[1..4] == ["0", "0", "0"] && r[6] == "ghcr.io/kockpit-demo/api:1.12.3"),
        "{rs}"
    );
    // Old pods terminate for a moment after the rollout completes, as on a real cluster.
    eventually("only new pods", Duration::from_secs(60), || {
        let jsonpath = "jsonpath={.items[*].spec.containers[0].image}";
        let images = demo.ok(&["-n", "shop", "get", "pods", "-l", "app=api", "-o", jsonpath]);
        if images.split_whitespace().collect::<Vec<_>>()
            == vec!["ghcr.io/kockpit-demo/api:1.13.0"; 3]
        {
            Ok(())
        } else {
            Err(images)
        }
    });
    let history = demo.ok(&["-n", "shop", "rollout", "history", "deploy/api"]);
    assert!(
        history.lines().any(|l| l.starts_with("1 "))
            && history.lines().any(|l| l.starts_with("2 ")),
        "{history}"
    );
}

#[test]
fn get_watch_streams_new_pods() {
    if kubectl_missing() {
        return;
    }
    let demo = DemoServer::start();
    let mut watch = demo
        .command(&["-n", "shop", "get", "pods", "-w", "-l", "app=worker"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("kubectl get -w");
    let lines = line_reader(watch.stdout.take().expect("stdout"));
    let first = lines
        .recv_timeout(Duration::from_secs(20))
        .expect("watch header");
    assert_eq!(
        columns(&first),
        ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    );
    demo.ok(&["-n", "shop", "scale", "deploy/worker", "--replicas=3"]);
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut phases = Vec::new();
    while Instant::now() < deadline {
        let Ok(line) = lines.recv_timeout(Duration::from_millis(500)) else {
            continue;
        };
        let cols: Vec<String> = columns(&line).into_iter().map(String::from).collect();
        seen.push(line);
        let (Some(name), Some(ready), Some(status)) = (cols.first(), cols.get(1), cols.get(2))
        else {
            continue;
        };
        if name.starts_with("worker-")
            && cols
                .get(4)
                .is_some_and(|age| age.ends_with('s') && !age.contains('d'))
        {
            phases.push(status.clone());
            if ready == "1/1" && status == "Running" {
                break;
            }
        }
    }
    let _ = watch.kill();
    let _ = watch.wait();
    assert!(
        phases.last().is_some_and(|p| p == "Running"),
        "new pod never became ready: {seen:#?}"
    );
    assert!(
        phases
            .iter()
            .any(|p| p == "Pending" || p == "ContainerCreating"),
        "no intermediate phase seen: {seen:#?}"
    );
}

#[test]
fn errors_read_like_a_real_cluster() {
    if kubectl_missing() {
        return;
    }
    let demo = DemoServer::start();
    let out = demo.run(&["-n", "shop", "get", "pod", "nope"]);
    assert!(!out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "Error from server (NotFound): pods \"nope\" not found"
    );
    let out = demo.run(&["-n", "shop", "scale", "deploy/api", "--replicas=-1"]);
    assert!(!out.status.success());
    let out = demo.run(&["get", "widgets"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("the server doesn't have a resource type \"widgets\""),
        "{err}"
    );
}

#[test]
fn failing_images_logs_and_events_read_like_a_real_cluster() {
    if kubectl_missing() {
        return;
    }
    let demo = DemoServer::start();
    let ns = ["-n", "shop"];
    let crash = "ghcr.io/kockpit-demo/worker:1.13.0-crash";
    demo.ok(&[
        ns[0],
        ns[1],
        "set",
        "image",
        "deploy/worker",
        &format!("worker={crash}"),
    ]);
    demo.ok(&[
        ns[0],
        ns[1],
        "set",
        "image",
        "deploy/frontend-green",
        "web=nginx:missing",
    ]);
    // STATUS and RESTARTS as kubectl prints them for a crash loop and a
    // failed pull.
    let crashing = eventually("a CrashLoopBackOff row", Duration::from_secs(40), || {
        let out = demo.ok(&["-n", "shop", "get", "pods"]);
        let crash_row = out.lines().map(columns).find(|c| {
            c.first().is_some_and(|n| n.starts_with("worker-"))
                && c.get(2) == Some(&"CrashLoopBackOff")
                && c.get(3)
                    .is_some_and(|r| r.starts_with("1 (") && r.ends_with(" ago)"))
        });
        let pull_row = out.lines().map(columns).any(|c| {
            c.first().is_some_and(|n| n.starts_with("frontend-green-"))
                && c.get(1) == Some(&"0/1")
                && c.get(2) == Some(&"ImagePullBackOff")
        });
        match crash_row {
            Some(c) if pull_row => Ok(c[0].to_string()),
            _ => Err(out),
        }
    });
    let previous = demo.ok(&["-n", "shop", "logs", &crashing, "--previous"]);
    assert!(previous.contains("\npanic: runtime error: "), "{previous}");
    let events = demo.ok(&[
        "-n",
        "shop",
        "get",
        "events",
        "--field-selector",
        "reason=BackOff",
    ]);
    assert!(
        events.contains(&format!(
            "Back-off restarting failed container worker in pod {crashing}_shop("
        )),
        "{events}"
    );
    assert!(
        events.contains("Back-off pulling image \"nginx:missing\""),
        "{events}"
    );

    // logs -f --tail prints the tail, then new lines as they come.
    let mut follow = demo
        .command(&["-n", "shop", "logs", "-f", "--tail=2", "deploy/api"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("kubectl logs -f");
    let lines = line_reader(follow.stdout.take().expect("stdout"));
    let mut got = Vec::new();
    while got.len() < 4 {
        match lines.recv_timeout(Duration::from_secs(10)) {
            Ok(l) => got.push(l),
            Err(_) => break,
        }
    }
    let _ = follow.kill();
    let _ = follow.wait();
    assert_eq!(got.len(), 4, "{got:?}");
    assert!(got.iter().all(|l| l.starts_with("{\"ts\":")), "{got:?}");
}
