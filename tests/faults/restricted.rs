//! A user with limited rights: what a SelfSubjectAccessReview answers and
//! what the server then does must agree, the 403s read like the API
//! server's, and the cockpit still works where the user may look.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::authorization::v1::SelfSubjectAccessReview;
use k8s_openapi::api::core::v1::{Namespace, Pod};
use kube::api::{DeleteParams, ListParams, Patch, PatchParams, PostParams, WatchParams};
use kube::{Api, Client};

use kockpit::cluster::watch::Scope;
use kockpit::cluster::{Kind, Watchers};
use kockpit::demo::authz::{RESTRICTED_CONTEXT, RESTRICTED_USER};

use super::shared::client::client_in_context;
use super::support::*;

async fn may(client: &Client, verb: &str, group: &str, resource: &str, ns: &str) -> bool {
    let review: SelfSubjectAccessReview = serde_json::from_value(serde_json::json!({
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "spec": {"resourceAttributes": {"verb": verb, "group": group, "resource": resource, "namespace": ns}},
    }))
    .unwrap();
    let api: Api<SelfSubjectAccessReview> = Api::all(client.clone());
    let answer = api.create(&PostParams::default(), &review).await.unwrap();
    answer.status.unwrap().allowed
}

/// (verb, group, resource, namespace, allowed by the policy, what the
/// server did)
type Case<'a> = (&'a str, &'a str, &'a str, &'a str, bool, Result<(), String>);

/// `Ok` when the server did it, `Err(message)` on 403; anything else fails.
fn outcome<T>(r: Result<T, kube::Error>) -> Result<(), String> {
    match r {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(s)) if s.code == 403 => {
            assert_eq!(s.reason, "Forbidden");
            Err(s.message)
        }
        Err(e) => panic!("unexpected error: {e}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_reviews_and_403s_agree_for_the_restricted_user() {
    let cluster = Cluster::start().await;
    if cluster
        .demo_faults("the real control plane's user is system:masters; there is no restricted user")
        .is_none()
    {
        return;
    }
    let admin = cluster.client().await;
    let own = namespace(&admin, "authz").await;
    Api::<Deployment>::namespaced(admin.clone(), &own)
        .create(&PostParams::default(), &deployment(&own, "web", 1))
        .await
        .unwrap();
    let user = cluster.client_for(Some(RESTRICTED_CONTEXT)).await;
    let deploys = |ns: &str| Api::<Deployment>::namespaced(user.clone(), ns);
    let dry = PatchParams {
        dry_run: true,
        ..PatchParams::default()
    };
    let patch = Patch::Merge(serde_json::json!({"metadata": {"labels": {"touched": "yes"}}}));
    let del = DeleteParams {
        dry_run: true,
        ..DeleteParams::default()
    };

    // (verb, group, resource, namespace, what the user should be able to do,
    // what actually happens when it tries)
    let cases: Vec<Case> = vec![
        (
            "patch",
            "apps",
            "deployments",
            "shop",
            false,
            outcome(deploys("shop").patch("api", &dry, &patch).await),
        ),
        (
            "patch",
            "apps",
            "deployments",
            &own,
            true,
            outcome(deploys(&own).patch("web", &dry, &patch).await),
        ),
        (
            "delete",
            "apps",
            "deployments",
            "shop",
            false,
            outcome(deploys("shop").delete("api", &del).await),
        ),
        (
            "delete",
            "apps",
            "deployments",
            &own,
            true,
            outcome(deploys(&own).delete("web", &del).await),
        ),
        ("update", "apps", "deployments", "shop", false, {
            let current = deploys("shop").get("api").await.unwrap();
            outcome(
                deploys("shop")
                    .replace(
                        "api",
                        &PostParams {
                            dry_run: true,
                            ..PostParams::default()
                        },
                        &current,
                    )
                    .await,
            )
        }),
        (
            "create",
            "apps",
            "deployments",
            "shop",
            true,
            outcome(
                deploys("shop")
                    .create(
                        &PostParams {
                            dry_run: true,
                            ..PostParams::default()
                        },
                        &deployment("shop", "probe", 1),
                    )
                    .await,
            ),
        ),
        (
            "list",
            "",
            "pods",
            "shop",
            true,
            outcome(
                Api::<Pod>::namespaced(user.clone(), "shop")
                    .list(&ListParams::default())
                    .await,
            ),
        ),
        (
            "list",
            "",
            "pods",
            "",
            true,
            outcome(
                Api::<Pod>::all(user.clone())
                    .list(&ListParams::default())
                    .await,
            ),
        ),
        (
            "list",
            "",
            "namespaces",
            "",
            false,
            outcome(
                Api::<Namespace>::all(user.clone())
                    .list(&ListParams::default())
                    .await,
            ),
        ),
        (
            "watch",
            "",
            "namespaces",
            "",
            false,
            outcome(
                Api::<Namespace>::all(user.clone())
                    .watch(&WatchParams::default().timeout(1), "0")
                    .await,
            ),
        ),
    ];
    for (verb, group, resource, ns, expected, actual) in cases {
        let answer = may(&user, verb, group, resource, ns).await;
        let case = format!("{verb} {resource} in {ns:?}");
        assert_eq!(answer, expected, "review for {case}");
        assert_eq!(
            actual.is_ok(),
            answer,
            "review and request disagree for {case}: {actual:?}"
        );
    }

    // The 403 reads exactly like the API server's.
    let denied = outcome(deploys("shop").patch("api", &dry, &patch).await).unwrap_err();
    assert_eq!(
        denied,
        format!("deployments.apps \"api\" is forbidden: User \"{RESTRICTED_USER}\" cannot patch resource \"deployments\" in API group \"apps\" in the namespace \"shop\"")
    );
    let denied = outcome(
        Api::<Namespace>::all(user.clone())
            .list(&ListParams::default())
            .await,
    )
    .unwrap_err();
    assert_eq!(
        denied,
        format!("namespaces is forbidden: User \"{RESTRICTED_USER}\" cannot list resource \"namespaces\" in API group \"\" at the cluster scope")
    );
    // Nothing denied was done: the label is not there.
    let api = Api::<Deployment>::namespaced(admin.clone(), "shop")
        .get("api")
        .await
        .unwrap();
    assert!(!api
        .metadata
        .labels
        .unwrap_or_default()
        .contains_key("touched"));
    // The administrator may do it all.
    assert!(may(&admin, "list", "", "namespaces", "").await);
    assert!(may(&admin, "patch", "apps", "deployments", "shop").await);
    cluster.stop().await;
}

/// On a real control plane: a service account bound to `view` in one
/// namespace only, in a kubeconfig of its own (token auth, like the demo's
/// restricted user). Returns the kubeconfig, its context and namespace.
async fn real_viewer(
    cluster: &Cluster,
    dir: &std::path::Path,
) -> (std::path::PathBuf, String, String) {
    use k8s_openapi::api::authentication::v1::TokenRequest;
    use k8s_openapi::api::core::v1::ServiceAccount;
    use k8s_openapi::api::rbac::v1::RoleBinding;
    let admin = cluster.client().await;
    let ns = namespace(&admin, "viewer").await;
    let sa: ServiceAccount =
        serde_json::from_value(serde_json::json!({"metadata": {"name": "viewer"}})).unwrap();
    let sas: Api<ServiceAccount> = Api::namespaced(admin.clone(), &ns);
    sas.create(&PostParams::default(), &sa).await.unwrap();
    let rb: RoleBinding = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "viewer-view"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
        "subjects": [{"kind": "ServiceAccount", "name": "viewer", "namespace": ns}],
    }))
    .unwrap();
    Api::<RoleBinding>::namespaced(admin.clone(), &ns)
        .create(&PostParams::default(), &rb)
        .await
        .unwrap();
    let tr: TokenRequest = serde_json::from_value(
        serde_json::json!({"spec": {"audiences": [], "expirationSeconds": 3600}}),
    )
    .unwrap();
    let token = sas
        .create_token_request("viewer", &PostParams::default(), &tr)
        .await
        .unwrap()
        .status
        .unwrap()
        .token;
    let kc = kube::config::Kubeconfig::read_from(&cluster.kubeconfig).unwrap();
    let current = kc.current_context.clone().unwrap();
    let cluster_name = kc
        .contexts
        .iter()
        .find(|c| c.name == current)
        .and_then(|c| c.context.as_ref())
        .map(|c| c.cluster.clone())
        .unwrap();
    let mut v = serde_json::to_value(&kc).unwrap();
    v["users"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"name": "viewer", "user": {"token": token}}));
    v["contexts"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "name": "viewer",
            "context": {"cluster": cluster_name, "user": "viewer", "namespace": ns},
        }));
    let path = dir.join("kubeconfig");
    std::fs::write(&path, serde_json::to_string(&v).unwrap()).unwrap();
    (path, "viewer".to_string(), ns)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cockpit_works_for_a_user_who_cannot_list_namespaces() {
    let cluster = Cluster::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (kubeconfig, context, ns) = match cluster.faults() {
        Some(_) => (
            cluster.kubeconfig.clone(),
            RESTRICTED_CONTEXT.to_string(),
            "shop".to_string(),
        ),
        None => real_viewer(&cluster, dir.path()).await,
    };
    let conn = kockpit::cluster::connect(&kockpit::cluster::ConnectOptions {
        kubeconfig: Some(kubeconfig),
        context: Some(context),
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(conn.namespace, ns);
    let namespaces = Api::<Namespace>::all(conn.client.clone())
        .list(&ListParams::default())
        .await;
    assert!(matches!(namespaces, Err(kube::Error::Api(s)) if s.code == 403));

    let watchers = Watchers::start(
        conn.client.clone(),
        Scope::Namespace(conn.namespace.clone()),
    );
    wait_for(&watchers, "every kind listed", Watchers::all_synced).await;
    wait_healthy(&watchers).await;
    for kind in Kind::RESOURCES {
        let h = watchers.health.get(kind);
        assert!(h.unavailable.is_none(), "{kind:?}: {:?}", h.unavailable);
    }
    // Something of its own shows up through the watches.
    let admin = cluster.client().await;
    Api::<Deployment>::namespaced(admin, &ns)
        .create(&PostParams::default(), &deployment(&ns, "seen", 1))
        .await
        .unwrap();
    wait_for(&watchers, "the new deployment", |w| {
        w.stores
            .deployments
            .state()
            .iter()
            .any(|d| d.metadata.name.as_deref() == Some("seen"))
    })
    .await;
    cluster.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_token_is_refused_with_401() {
    let cluster = Cluster::start().await;
    if cluster
        .demo_faults("the real control plane's user authenticates with a client certificate")
        .is_none()
    {
        return;
    }
    let text = std::fs::read_to_string(&cluster.kubeconfig).unwrap();
    let mut config: serde_json::Value = serde_json::from_str(&text).unwrap();
    let users = config["users"].as_array_mut().unwrap();
    let restricted = users
        .iter_mut()
        .find(|u| u["name"] == RESTRICTED_USER)
        .unwrap();
    assert!(restricted["user"]["token"]
        .as_str()
        .is_some_and(|t| t.len() >= 32));
    restricted["user"]["token"] = serde_json::json!("not-the-token");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kubeconfig");
    std::fs::write(&path, serde_json::to_string(&config).unwrap()).unwrap();
    let client = client_in_context(&path, Some(RESTRICTED_CONTEXT)).await;
    let err = Api::<Pod>::namespaced(client, "shop")
        .list(&ListParams::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, kube::Error::Api(s) if s.code == 401 && s.reason == "Unauthorized"),
        "{err}"
    );
    cluster.stop().await;
}

/// kubectl sends no bearer token over plain http, so it speaks for the
/// restricted user with `--as` (impersonation, which the admin may do).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_auth_can_i_answers_from_the_same_policy() {
    let cluster = Cluster::start().await;
    if cluster
        .demo_faults("the real control plane's user is system:masters; there is no restricted user")
        .is_none()
    {
        return;
    }
    let kubectl = std::env::var("KUBECTL").unwrap_or_else(|_| "kubectl".into());
    if std::process::Command::new(&kubectl)
        .arg("version")
        .arg("--client")
        .output()
        .is_err()
    {
        eprintln!("skipping: no kubectl on PATH");
        return;
    }
    let user = cluster.client_for(Some(RESTRICTED_CONTEXT)).await;
    let cases = [
        ("patch", "apps", "deployments", "shop", false),
        ("patch", "apps", "deployments", "default", true),
        ("delete", "", "pods", "shop", false),
        ("list", "", "pods", "shop", true),
        ("list", "", "namespaces", "", false),
    ];
    for (verb, group, resource, ns, expected) in cases {
        let qualified = if group.is_empty() {
            resource.to_string()
        } else {
            format!("{resource}.{group}")
        };
        let mut args = vec![
            "--kubeconfig".to_string(),
            cluster.kubeconfig.display().to_string(),
            "--as".into(),
            RESTRICTED_USER.into(),
            "auth".into(),
            "can-i".into(),
            verb.into(),
            qualified,
        ];
        if !ns.is_empty() {
            args.extend(["-n".to_string(), ns.to_string()]);
        }
        let cmd = kubectl.clone();
        let out = tokio::task::spawn_blocking(move || {
            std::process::Command::new(cmd).args(&args).output()
        })
        .await
        .unwrap()
        .unwrap();
        let said = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let case = format!("{verb} {resource} in {ns:?}");
        assert_eq!(
            said,
            if expected { "yes" } else { "no" },
            "kubectl for {case}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            out.status.success(),
            expected,
            "kubectl's exit status for {case}"
        );
        assert_eq!(
            may(&user, verb, group, resource, ns).await,
            expected,
            "review for {case}"
        );
    }
    cluster.stop().await;
}
