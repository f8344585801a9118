#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Services, ConfigMaps, Secrets, EndpointSlices and the events.k8s.io view
//! of the demo cluster, checked with kube-rs (in process) and with the real
//! kubectl against `kockpit demo serve` (skipped, with a message, only where
//! /usr/bin/kubectl is absent).

use std::collections::BTreeSet;
use std::net::Ipv4Addr;
use std::thread;
use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Event, Pod, Secret, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::events::v1::Event as EventV1;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kockpit::demo::{DemoCluster, DemoOptions};
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::Client;
use serde_json::json;

mod support;
use support::client::demo_client;
use support::kubectl::{columns, kubectl_missing, DemoServer};

// ---------------------------------------------------------------- kube-rs

async fn start() -> (DemoCluster, Client) {
    let cluster = DemoCluster::start(DemoOptions {
        speed: 4.0,
        ..Default::default()
    })
    .await
    .expect("demo cluster starts");
    let client = demo_client(&cluster).await;
    (cluster, client)
}

fn api_error(e: kube::Error) -> (u16, String, String) {
    match e {
        kube::Error::Api(s) => (s.code, s.reason.clone(), s.message.clone()),
        other => panic!("expected an API error, got {other:?}"),
    }
}

async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        match probe().await {
            Ok(v) => return v,
            Err(last) if Instant::now() > deadline => {
                panic!("timed out waiting for {what}; last seen: {last}")
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

fn ready(p: &Pod) -> bool {
    p.metadata.deletion_timestamp.is_none()
        && p.status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

async fn ready_pods(pods: &Api<Pod>, selector: &str) -> BTreeSet<String> {
    pods.list(&ListParams::default().labels(selector))
        .await
        .unwrap()
        .items
        .iter()
        .filter(|p| ready(p))
        .filter_map(|p| p.metadata.name.clone())
        .collect()
}

/// Pod names of the ready endpoints of a service's slices.
async fn endpoint_pods(slices: &Api<EndpointSlice>, service: &str) -> BTreeSet<String> {
    let list = slices
        .list(&ListParams::default().labels(&format!("kubernetes.io/service-name={service}")))
        .await
        .unwrap();
    list.items
        .iter()
        .flat_map(|s| s.endpoints.iter())
        .filter(|e| e.conditions.as_ref().and_then(|c| c.ready) == Some(true))
        .filter_map(|e| e.target_ref.as_ref().and_then(|r| r.name.clone()))
        .collect()
}

#[tokio::test]
async fn services_get_defaults_and_slices_follow_a_selector_switch() {
    let (cluster, client) = start().await;
    let services = Api::<Service>::namespaced(client.clone(), "shop");
    let frontend = services.get("frontend").await.unwrap();
    let spec = frontend.spec.clone().unwrap();
    assert_eq!(spec.type_.as_deref(), Some("ClusterIP"));
    assert_eq!(spec.session_affinity.as_deref(), Some("None"));
    let ip: Ipv4Addr = spec.cluster_ip.as_deref().unwrap().parse().unwrap();
    assert_eq!(
        u32::from(ip) >> 20,
        u32::from(Ipv4Addr::new(10, 96, 0, 0)) >> 20,
        "{ip} in 10.96.0.0/12"
    );
    assert_eq!(spec.cluster_ips, Some(vec![ip.to_string()]));
    let port = &spec.ports.unwrap()[0];
    assert_eq!((port.port, port.protocol.as_deref()), (80, Some("TCP")));
    assert_eq!(port.target_port, Some(IntOrString::Int(8080)));
    let kubernetes = Api::<Service>::namespaced(client.clone(), "default")
        .get("kubernetes")
        .await
        .unwrap();
    assert_eq!(
        kubernetes.spec.unwrap().cluster_ip.as_deref(),
        Some("10.96.0.1")
    );

    let pods = Api::<Pod>::namespaced(client.clone(), "shop");
    let slices = Api::<EndpointSlice>::namespaced(client.clone(), "shop");
    let blue = ready_pods(&pods, "app=frontend,slot=blue").await;
    let green = ready_pods(&pods, "app=frontend,slot=green").await;
    assert_eq!((blue.len(), green.len()), (2, 2));
    assert_eq!(endpoint_pods(&slices, "frontend").await, blue);
    let slice = slices
        .list(&ListParams::default().labels("kubernetes.io/service-name=frontend"))
        .await
        .unwrap()
        .items
        .remove(0);
    assert!(slice
        .metadata
        .name
        .as_deref()
        .unwrap()
        .starts_with("frontend-"));
    assert_eq!(slice.address_type, "IPv4");
    let ports = slice.ports.clone().unwrap();
    assert_eq!(
        (ports[0].name.as_deref(), ports[0].port),
        (Some("http"), Some(8080))
    );
    let owner = &slice.metadata.owner_references.as_ref().unwrap()[0];
    assert_eq!(
        (owner.kind.as_str(), owner.name.as_str()),
        ("Service", "frontend")
    );
    for e in &slice.endpoints {
        let c = e.conditions.clone().unwrap();
        assert_eq!(
            (c.ready, c.serving, c.terminating),
            (Some(true), Some(true), Some(false))
        );
        assert!(e
            .node_name
            .as_deref()
            .is_some_and(|n| n.starts_with("kockpit-")));
        assert_eq!(e.target_ref.as_ref().unwrap().kind.as_deref(), Some("Pod"));
    }

    // Blue-green switch: one patch of the selector.
    let switched = Instant::now();
    services
        .patch(
            "frontend",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"selector": {"slot": "green"}}})),
        )
        .await
        .unwrap();
    eventually(
        "slices to list the green pods",
        Duration::from_secs(10),
        || async {
            let now = endpoint_pods(&slices, "frontend").await;
            if now == green {
                Ok(())
            } else {
                Err(format!("{now:?}"))
            }
        },
    )
    .await;
    eprintln!(
        "endpointslice followed the selector switch in {:?}",
        switched.elapsed()
    );
    let after = slices
        .list(&ListParams::default().labels("kubernetes.io/service-name=frontend"))
        .await
        .unwrap();
    assert_eq!(after.items.len(), 1, "the slice is updated in place");
    assert_eq!(after.items[0].metadata.name, slice.metadata.name);

    // A terminating green pod stays listed, not ready, until it is gone.
    let victim = green.iter().next().unwrap().clone();
    pods.delete(&victim, &DeleteParams::default())
        .await
        .unwrap();
    eventually(
        "the deleted pod to be terminating",
        Duration::from_secs(10),
        || async {
            let list = slices
                .list(&ListParams::default().labels("kubernetes.io/service-name=frontend"))
                .await
                .unwrap();
            let ep = list
                .items
                .iter()
                .flat_map(|s| s.endpoints.iter())
                .find(|e| e.target_ref.as_ref().and_then(|r| r.name.as_deref()) == Some(&victim));
            match ep.and_then(|e| e.conditions.clone()) {
                Some(c) if c.terminating == Some(true) && c.ready == Some(false) => Ok(()),
                other => Err(format!("{other:?}")),
            }
        },
    )
    .await;

    // Deleting the service garbage-collects its slices.
    services
        .delete("frontend", &DeleteParams::default())
        .await
        .unwrap();
    eventually("the slices to go", Duration::from_secs(10), || async {
        let left = slices
            .list(&ListParams::default().labels("kubernetes.io/service-name=frontend"))
            .await
            .unwrap();
        if left.items.is_empty() {
            Ok(())
        } else {
            Err(format!("{} left", left.items.len()))
        }
    })
    .await;
    cluster.shutdown().await;
}

#[tokio::test]
async fn writes_have_conflicts_validation_and_secret_semantics() {
    let (cluster, client) = start().await;
    let services = Api::<Service>::namespaced(client.clone(), "shop");
    let original = services.get("api").await.unwrap();
    let mut labelled = original.clone();
    labelled
        .metadata
        .labels
        .get_or_insert_with(Default::default)
        .insert("tier".into(), "backend".into());
    let stored = services
        .replace("api", &PostParams::default(), &labelled)
        .await
        .unwrap();
    assert_eq!(
        stored.spec.as_ref().unwrap().cluster_ip,
        original.spec.as_ref().unwrap().cluster_ip
    );
    let (code, reason, message) = api_error(
        services
            .replace("api", &PostParams::default(), &labelled)
            .await
            .unwrap_err(),
    );
    assert_eq!((code, reason.as_str()), (409, "Conflict"));
    assert_eq!(
        message,
        "Operation cannot be fulfilled on services \"api\": the object has been modified; please apply your changes to the latest version and try again"
    );

    // The cluster IP is allocated once.
    let (code, _, message) = api_error(
        services
            .patch(
                "api",
                &PatchParams::default(),
                &Patch::Merge(
                    json!({"spec": {"clusterIP": "10.96.9.9", "clusterIPs": ["10.96.9.9"]}}),
                ),
            )
            .await
            .unwrap_err(),
    );
    assert_eq!(code, 422, "{message}");

    // fieldValidation=Strict refuses unknown fields; the default (Warn) drops them.
    let unknown = Patch::Merge(json!({"spec": {"foo": 1}}));
    let (code, reason, message) = api_error(
        services
            .patch("api", &PatchParams::default().validation_strict(), &unknown)
            .await
            .unwrap_err(),
    );
    assert_eq!((code, reason.as_str()), (400, "BadRequest"));
    assert!(
        message.contains("strict decoding error: unknown field \"spec.foo\""),
        "{message}"
    );
    services
        .patch("api", &PatchParams::default(), &unknown)
        .await
        .unwrap();
    let raw: serde_json::Value = Api::<kube::api::DynamicObject>::namespaced_with(
        client.clone(),
        "shop",
        &kube::api::ApiResource::erase::<Service>(&()),
    )
    .get("api")
    .await
    .map(|o| serde_json::to_value(o).unwrap())
    .unwrap();
    assert!(
        raw["spec"].get("foo").is_none(),
        "unknown fields are not stored"
    );

    // Secrets: stringData is folded into base64 data.
    let secrets = Api::<Secret>::namespaced(client.clone(), "shop");
    let secret: Secret = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "db"},
        "data": {"user": "YWRtaW4="},
        "stringData": {"password": "s3cret", "user": "root"},
    }))
    .unwrap();
    let created = secrets
        .create(&PostParams::default(), &secret)
        .await
        .unwrap();
    assert!(created.string_data.is_none());
    assert_eq!(created.type_.as_deref(), Some("Opaque"));
    let data = created.data.unwrap();
    assert_eq!(data["password"].0, b"s3cret");
    assert_eq!(data["user"].0, b"root", "stringData wins over data");
    let api_secret = secrets.get("api-secrets").await.unwrap();
    assert_eq!(api_secret.data.unwrap()["DB_PASSWORD"].0, b"demo-password");

    // ConfigMaps: dry run, pagination, label selectors, key validation.
    let config_maps = Api::<ConfigMap>::namespaced(client.clone(), "shop");
    for i in 0..3 {
        let cm: ConfigMap = serde_json::from_value(json!({
            "metadata": {"name": format!("page-{i}"), "labels": {"batch": "pages"}},
            "data": {"n": i.to_string()},
        }))
        .unwrap();
        config_maps
            .create(&PostParams::default(), &cm)
            .await
            .unwrap();
    }
    let first = config_maps
        .list(&ListParams::default().labels("batch=pages").limit(2))
        .await
        .unwrap();
    assert_eq!(first.items.len(), 2);
    let rest = config_maps
        .list(
            &ListParams::default()
                .labels("batch=pages")
                .limit(2)
                .continue_token(first.metadata.continue_.as_deref().unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(rest.items[0].metadata.name.as_deref(), Some("page-2"));
    let dry: ConfigMap =
        serde_json::from_value(json!({"metadata": {"name": "dry"}, "data": {"a": "1"}})).unwrap();
    config_maps
        .create(
            &PostParams {
                dry_run: true,
                ..Default::default()
            },
            &dry,
        )
        .await
        .unwrap();
    assert_eq!(api_error(config_maps.get("dry").await.unwrap_err()).0, 404);
    let bad: ConfigMap =
        serde_json::from_value(json!({"metadata": {"name": "bad"}, "data": {"not ok": "1"}}))
            .unwrap();
    let (code, _, message) = api_error(
        config_maps
            .create(&PostParams::default(), &bad)
            .await
            .unwrap_err(),
    );
    assert_eq!(code, 422);
    assert!(
        message.contains("data[not ok]: Invalid value: \"not ok\": a valid config key"),
        "{message}"
    );
    cluster.shutdown().await;
}

#[tokio::test]
async fn events_are_served_in_both_groups_from_one_store() {
    let (cluster, client) = start().await;
    Api::<Deployment>::namespaced(client.clone(), "shop")
        .patch(
            "worker",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 3}})),
        )
        .await
        .unwrap();
    let v1 = Api::<EventV1>::namespaced(client.clone(), "shop");
    let scaled = eventually(
        "a ScalingReplicaSet event",
        Duration::from_secs(20),
        || async {
            let list = v1
                .list(
                    &ListParams::default()
                        .fields("regarding.kind=Deployment,regarding.name=worker"),
                )
                .await
                .map_err(|e| e.to_string())?;
            list.items
                .into_iter()
                .find(|e| e.reason.as_deref() == Some("ScalingReplicaSet"))
                .ok_or_else(|| "none yet".to_string())
        },
    )
    .await;
    assert!(scaled
        .note
        .as_deref()
        .unwrap()
        .starts_with("Scaled up replica set worker-"));
    assert_eq!(
        scaled.reporting_controller.as_deref(),
        Some("deployment-controller")
    );
    assert_eq!(scaled.deprecated_count, Some(1));
    assert!(scaled.deprecated_last_timestamp.is_some());
    let core = Api::<Event>::namespaced(client.clone(), "shop");
    let same = core
        .get(scaled.metadata.name.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(same.message, scaled.note);
    assert_eq!(same.involved_object.name.as_deref(), Some("worker"));
    // The core field names are not selectable through events.k8s.io.
    let (code, _, message) = api_error(
        v1.list(&ListParams::default().fields("involvedObject.kind=Pod"))
            .await
            .unwrap_err(),
    );
    assert_eq!(
        (code, message.as_str()),
        (400, "field label not supported: involvedObject.kind")
    );

    // A new-style event written through events.k8s.io reads back through core/v1.
    let ev: EventV1 = serde_json::from_value(json!({
        "metadata": {"name": "checkout.1"},
        "eventTime": "2026-01-01T00:00:00.000000Z",
        "reportingController": "example.com/checkout",
        "reportingInstance": "checkout-1",
        "action": "Charge",
        "reason": "PaymentDeclined",
        "type": "Warning",
        "note": "card declined",
        "regarding": {"kind": "Service", "name": "api", "namespace": "shop"},
    }))
    .unwrap();
    v1.create(&PostParams::default(), &ev).await.unwrap();
    let as_core = core.get("checkout.1").await.unwrap();
    assert_eq!(as_core.message.as_deref(), Some("card declined"));
    assert_eq!(
        as_core.reporting_component.as_deref(),
        Some("example.com/checkout")
    );
    assert_eq!(as_core.involved_object.kind.as_deref(), Some("Service"));
    let patched = v1
        .patch(
            "checkout.1",
            &PatchParams::default(),
            &Patch::Merge(json!({"note": "card declined twice"})),
        )
        .await
        .unwrap();
    assert_eq!(patched.note.as_deref(), Some("card declined twice"));
    assert_eq!(
        core.get("checkout.1").await.unwrap().message.as_deref(),
        Some("card declined twice")
    );
    let (code, _, message) = api_error(
        v1.patch(
            "checkout.1",
            &PatchParams::default().validation_strict(),
            &Patch::Merge(json!({"message": "core name"})),
        )
        .await
        .unwrap_err(),
    );
    assert_eq!(
        (code, message.as_str()),
        (400, "strict decoding error: unknown field \"message\"")
    );
    let incomplete: EventV1 =
        serde_json::from_value(json!({"metadata": {"name": "bad"}, "reason": "X"})).unwrap();
    let (code, _, message) = api_error(
        v1.create(&PostParams::default(), &incomplete)
            .await
            .unwrap_err(),
    );
    assert_eq!(code, 422);
    assert!(
        message.starts_with("Event.events.k8s.io \"bad\" is invalid"),
        "{message}"
    );
    cluster.shutdown().await;
}

// ---------------------------------------------------------------- kubectl

fn wait_for(what: &str, timeout: Duration, mut probe: impl FnMut() -> Result<(), String>) {
    let deadline = Instant::now() + timeout;
    loop {
        match probe() {
            Ok(()) => return,
            Err(last) if Instant::now() > deadline => {
                panic!("timed out waiting for {what}: {last}")
            }
            Err(_) => thread::sleep(Duration::from_millis(200)),
        }
    }
}

fn words(s: &str) -> BTreeSet<String> {
    s.split_whitespace().map(String::from).collect()
}

#[test]
fn kubectl_prints_the_real_columns_for_services_config_and_slices() {
    if kubectl_missing() {
        return;
    }
    let demo = DemoServer::start();
    let out = demo.ok(&["get", "svc,cm,secret,endpointslices", "-n", "shop"]);
    let headers: Vec<Vec<&str>> = out
        .lines()
        .filter(|l| l.starts_with("NAME"))
        .map(columns)
        .collect();
    assert_eq!(
        headers,
        vec![
            vec![
                "NAME",
                "TYPE",
                "CLUSTER-IP",
                "EXTERNAL-IP",
                "PORT(S)",
                "AGE"
            ],
            vec!["NAME", "DATA", "AGE"],
            vec!["NAME", "TYPE", "DATA", "AGE"],
            vec!["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"],
        ],
        "{out}"
    );
    let frontend = out
        .lines()
        .map(columns)
        .find(|c| c.first() == Some(&"service/frontend"))
        .expect("frontend row");
    assert_eq!(frontend[1], "ClusterIP");
    assert!(frontend[2].starts_with("10."), "{frontend:?}");
    assert_eq!(frontend[3..5], ["<none>", "80/TCP"]);
    assert_eq!(frontend[5], "9d");
    assert!(
        out.lines()
            .map(columns)
            .any(|c| c.get(..3) == Some(&["configmap/api-config", "3", "14d"][..])),
        "{out}"
    );
    assert!(
        out.lines()
            .map(columns)
            .any(|c| c.get(..4) == Some(&["secret/api-secrets", "Opaque", "2", "14d"][..])),
        "{out}"
    );
    let slice = out
        .lines()
        .map(columns)
        .find(|c| {
            c.first()
                .is_some_and(|n| n.starts_with("endpointslice.discovery.k8s.io/frontend-"))
        })
        .expect("frontend slice row");
    assert_eq!(slice[1..3], ["IPv4", "8080"]);
    assert_eq!(slice[3].split(',').count(), 2, "{slice:?}");

    let wide = demo.ok(&["get", "svc", "-n", "shop", "-o", "wide"]);
    assert_eq!(
        columns(wide.lines().next().unwrap()),
        [
            "NAME",
            "TYPE",
            "CLUSTER-IP",
            "EXTERNAL-IP",
            "PORT(S)",
            "AGE",
            "SELECTOR"
        ]
    );
    assert!(
        wide.lines()
            .any(|l| l.starts_with("frontend") && l.ends_with("app=frontend,slot=blue")),
        "{wide}"
    );

    let resources = demo.ok(&["api-resources", "--no-headers"]);
    for (name, short, version) in [
        ("services", Some("svc"), "v1"),
        ("configmaps", Some("cm"), "v1"),
        ("secrets", None, "v1"),
        ("endpointslices", None, "discovery.k8s.io/v1"),
        ("events", Some("ev"), "events.k8s.io/v1"),
    ] {
        assert!(
            resources
                .lines()
                .map(|l| l.split_whitespace().collect::<Vec<_>>())
                .any(|w| {
                    w.first() == Some(&name)
                        && w.contains(&version)
                        && short.is_none_or(|s| w.get(1) == Some(&s))
                }),
            "{name} missing from {resources}"
        );
    }
    let events = demo.ok(&["get", "events.events.k8s.io", "-A"]);
    assert!(
        events.is_empty() || events.starts_with("NAMESPACE"),
        "{events}"
    );
}

#[test]
fn kubectl_blue_green_switch_moves_the_endpoints() {
    if kubectl_missing() {
        return;
    }
    let demo = DemoServer::start();
    let ips = |slot: &str| {
        words(&demo.ok(&[
            "-n",
            "shop",
            "get",
            "pods",
            "-l",
            &format!("app=frontend,slot={slot}"),
            "-o",
            "jsonpath={.items[*].status.podIP}",
        ]))
    };
    let slice_ips = || {
        words(&demo.ok(&[
            "-n",
            "shop",
            "get",
            "endpointslices",
            "-l",
            "kubernetes.io/service-name=frontend",
            "-o",
            "jsonpath={.items[*].endpoints[*].addresses[*]}",
        ]))
    };
    let (blue, green) = (ips("blue"), ips("green"));
    assert_eq!((blue.len(), green.len()), (2, 2));
    assert_eq!(slice_ips(), blue);
    let out = demo.ok(&[
        "-n",
        "shop",
        "patch",
        "svc",
        "frontend",
        "-p",
        r#"{"spec":{"selector":{"slot":"green"}}}"#,
    ]);
    assert_eq!(out.trim(), "service/frontend patched");
    wait_for("green endpoints", Duration::from_secs(10), || {
        let now = slice_ips();
        if now == green {
            Ok(())
        } else {
            Err(format!("{now:?}"))
        }
    });
    let selector = demo.ok(&[
        "-n",
        "shop",
        "get",
        "svc",
        "frontend",
        "-o",
        "jsonpath={.spec.selector}",
    ]);
    assert_eq!(selector, r#"{"app":"frontend","slot":"green"}"#);
}

#[test]
fn kubectl_typed_creates_send_protobuf_and_are_understood() {
    if kubectl_missing() {
        return;
    }
    let demo = DemoServer::start();
    let ns = ["-n", "shop"];
    let create = |args: &[&str]| {
        demo.ok(&[ns[0], ns[1], "create"]
            .iter()
            .chain(args)
            .copied()
            .collect::<Vec<_>>())
    };
    assert_eq!(
        create(&[
            "deployment",
            "cart",
            "--image=ghcr.io/kockpit-demo/cart:1.0",
            "--replicas=2",
            "--port=8080"
        ])
        .trim(),
        "deployment.apps/cart created"
    );
    assert_eq!(
        create(&["configmap", "cart-config", "--from-literal=MODE=fast"]).trim(),
        "configmap/cart-config created"
    );
    assert_eq!(
        create(&[
            "secret",
            "generic",
            "cart-secret",
            "--from-literal=token=t0k3n"
        ])
        .trim(),
        "secret/cart-secret created"
    );
    assert_eq!(
        create(&["service", "clusterip", "cart", "--tcp=80:8080"]).trim(),
        "service/cart created"
    );
    assert_eq!(
        demo.ok(&["create", "namespace", "staging"]).trim(),
        "namespace/staging created"
    );
    // `auth can-i` posts a protobuf SelfSubjectAccessReview.
    let can = demo.ok(&["auth", "can-i", "create", "services", "-n", "shop"]);
    assert_eq!(can.trim(), "yes");

    let deploy = demo.ok(&[ns[0], ns[1], "get", "deploy", "cart", "-o", "jsonpath={.spec.replicas} {.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].ports[0].containerPort}"]);
    assert_eq!(deploy, "2 ghcr.io/kockpit-demo/cart:1.0 8080");
    let token = demo.ok(&[
        ns[0],
        ns[1],
        "get",
        "secret",
        "cart-secret",
        "-o",
        "jsonpath={.data.token}",
    ]);
    assert_eq!(token, "dDBrM24=");
    let cm = demo.ok(&[
        ns[0],
        ns[1],
        "get",
        "cm",
        "cart-config",
        "-o",
        "jsonpath={.data.MODE}",
    ]);
    assert_eq!(cm, "fast");
    // kubectl create service selects app=<name>: the deployment's pods.
    wait_for("cart endpoints", Duration::from_secs(30), || {
        let slices = demo.ok(&[
            ns[0],
            ns[1],
            "get",
            "endpointslices",
            "-l",
            "kubernetes.io/service-name=cart",
            "--no-headers",
        ]);
        match slices.lines().map(columns).next() {
            Some(c)
                if c.get(2) == Some(&"8080")
                    && c.get(3).is_some_and(|e| e.split(',').count() == 2) =>
            {
                Ok(())
            }
            _ => Err(slices),
        }
    });
    // Server-side dry run of a typed create stores nothing.
    create(&[
        "configmap",
        "ghost",
        "--from-literal=a=b",
        "--dry-run=server",
    ]);
    let err = demo.fails(&[ns[0], ns[1], "get", "cm", "ghost"]);
    assert!(err.contains("configmaps \"ghost\" not found"), "{err}");
}

#[test]
fn kubectl_sees_strict_validation_conflicts_and_string_data() {
    if kubectl_missing() {
        return;
    }
    let demo = DemoServer::start();
    let bad = demo.file(
        "bad.json",
        r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"bad"},"spec":{"foo":1,
            "selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},
            "spec":{"containers":[{"name":"c","image":"i","bogus":true}]}}}}"#,
    );
    let err = demo.fails(&[
        "create",
        "--raw",
        "/apis/apps/v1/namespaces/shop/deployments?fieldValidation=Strict",
        "-f",
        &bad,
    ]);
    assert_eq!(
        err.trim(),
        r#"Error from server (BadRequest): Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.foo", unknown field "spec.template.spec.containers[0].bogus""#
    );
    // Without Strict the server warns and drops the fields.
    let out = demo.run(&[
        "create",
        "--raw",
        "/apis/apps/v1/namespaces/shop/deployments",
        "-f",
        &bad,
    ]);
    assert!(out.status.success());
    let warnings = String::from_utf8_lossy(&out.stderr);
    assert!(
        warnings.contains(r#"Warning: unknown field "spec.foo""#),
        "{warnings}"
    );

    let saved = demo.file(
        "frontend.json",
        &demo.ok(&["-n", "shop", "get", "svc", "frontend", "-o", "json"]),
    );
    demo.ok(&["-n", "shop", "label", "svc", "frontend", "tier=web"]);
    let err = demo.fails(&["replace", "-f", &saved]);
    assert!(
        err.contains("Error from server (Conflict)")
            && err.contains(r#"Operation cannot be fulfilled on services "frontend": the object has been modified; please apply your changes to the latest version and try again"#),
        "{err}"
    );

    let secret = demo.file(
        "secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: login, namespace: shop}\nstringData: {user: admin}\n",
    );
    // Plain `kubectl apply`: kubectl finds fieldValidation in /openapi/v3
    // and leaves validation to the server.
    demo.ok(&["apply", "-f", &secret]);
    assert_eq!(
        demo.ok(&[
            "-n",
            "shop",
            "get",
            "secret",
            "login",
            "-o",
            "jsonpath={.data.user}"
        ]),
        "YWRtaW4="
    );
    let row = demo.ok(&["-n", "shop", "get", "secret", "login", "--no-headers"]);
    assert_eq!(columns(&row)[..3], ["login", "Opaque", "1"]);
    let typo = demo.file(
        "typo.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: typo, namespace: shop}\ndata: {a: b}\ndatta: {c: d}\n",
    );
    let err = demo.fails(&["create", "-f", &typo]);
    assert_eq!(
        err.trim(),
        format!(
            r#"Error from server (BadRequest): error when creating "{typo}": ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "datta""#
        )
    );
    let fixed = demo.file(
        "typo.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: typo, namespace: shop}\ndata: {a: b}\n",
    );
    assert_eq!(
        demo.ok(&["apply", "-f", &fixed]).trim(),
        "configmap/typo created"
    );
    let changed = demo.file(
        "typo.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: typo, namespace: shop}\ndata: {a: c}\n",
    );
    assert_eq!(
        demo.ok(&["apply", "-f", &changed]).trim(),
        "configmap/typo configured"
    );
    assert_eq!(
        demo.ok(&[
            "-n",
            "shop",
            "get",
            "cm",
            "typo",
            "-o",
            "jsonpath={.data.a}"
        ]),
        "c"
    );
}
