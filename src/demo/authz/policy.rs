//! The one authorization policy. The demo's administrator may do anything;
//! the restricted user reads everywhere (except listing namespaces
//! cluster-wide), changes nothing in the protected namespace, and may create
//! access reviews about itself like every authenticated user.

use super::PROTECTED_NAMESPACE;
use crate::demo::api::access::{Attributes, Authorizer, Decision};
use crate::demo::api::user::User;

const READ: &[&str] = &["get", "list", "watch"];
const CHANGE_DENIED_IN_PROTECTED: &[&str] = &["patch", "update", "delete", "deletecollection"];

pub fn decide(user: &User, a: &Attributes) -> Decision {
    let allow = |why: &str| Decision {
        allowed: true,
        reason: format!("RBAC: allowed by {why} to User \"{}\"", user.name),
    };
    let deny = Decision {
        allowed: false,
        reason: String::new(),
    };
    if user.admin {
        return allow("ClusterRoleBinding \"cluster-admin\" of ClusterRole \"cluster-admin\"");
    }
    if a.group == "authorization.k8s.io" && a.resource.starts_with("self") && a.verb == "create" {
        return allow(
            "ClusterRoleBinding \"system:basic-user\" of ClusterRole \"system:basic-user\"",
        );
    }
    let verb = a.verb.as_str();
    let cluster_scoped_kind = matches!(a.resource.as_str(), "namespaces" | "nodes");
    if READ.contains(&verb) {
        // The namespace list is the one read this user may not do.
        if a.resource == "namespaces" && a.name.is_empty() && a.subresource.is_empty() {
            return deny;
        }
        return allow("ClusterRoleBinding \"demo-readers\" of ClusterRole \"view\"");
    }
    if cluster_scoped_kind || a.namespace.is_empty() {
        return deny;
    }
    if a.namespace == PROTECTED_NAMESPACE && CHANGE_DENIED_IN_PROTECTED.contains(&verb) {
        return deny;
    }
    allow("RoleBinding \"demo-editors\" of ClusterRole \"edit\"")
}

/// Non-resource URLs: discovery and health for everyone, the rest for the
/// administrator.
pub fn decide_path(user: &User, verb: &str, path: &str) -> Decision {
    let public = matches!(
        path,
        "/api" | "/api/*" | "/apis" | "/apis/*" | "/version" | "/healthz" | "/livez" | "/readyz"
    ) || path.starts_with("/api/")
        || path.starts_with("/apis/");
    let allowed = user.admin || (verb == "get" && public);
    Decision {
        allowed,
        reason: if allowed {
            format!(
                "RBAC: allowed by ClusterRoleBinding \"system:discovery\" of ClusterRole \"system:discovery\" to User \"{}\"",
                user.name
            )
        } else {
            String::new()
        },
    }
}

/// The demo's authorizer: [`decide`] and [`decide_path`].
pub struct Policy;

impl Authorizer for Policy {
    fn decide(&self, user: &User, a: &Attributes) -> Decision {
        decide(user, a)
    }

    fn decide_path(&self, user: &User, verb: &str, path: &str) -> Decision {
        decide_path(user, verb, path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::api::access::attrs;

    #[test]
    fn the_restricted_user_reads_everywhere_but_changes_nothing_in_shop() {
        let u = User::restricted();
        let ok = |a: Attributes| decide(&u, &a).allowed;
        for verb in ["get", "list", "watch"] {
            assert!(ok(attrs(verb, "apps", "deployments", "shop", "")), "{verb}");
            assert!(
                ok(attrs(verb, "", "pods", "", "")),
                "{verb} across namespaces"
            );
        }
        for verb in ["patch", "update", "delete", "deletecollection"] {
            assert!(
                !ok(attrs(verb, "apps", "deployments", "shop", "web")),
                "{verb}"
            );
            assert!(
                ok(attrs(verb, "apps", "deployments", "default", "web")),
                "{verb}"
            );
        }
        let mut scale = attrs("patch", "apps", "deployments", "shop", "web");
        scale.subresource = "scale".into();
        assert!(!ok(scale));
        assert!(!ok(attrs("list", "", "namespaces", "", "")));
        assert!(!ok(attrs("watch", "", "namespaces", "", "")));
        assert!(ok(attrs("get", "", "namespaces", "", "shop")));
        assert!(!ok(attrs("create", "", "namespaces", "", "")));
        assert!(!ok(attrs("delete", "", "nodes", "", "n1")));
        assert!(ok(attrs(
            "create",
            "authorization.k8s.io",
            "selfsubjectaccessreviews",
            "",
            ""
        )));
    }

    #[test]
    fn the_admin_may_do_anything() {
        let u = User::admin();
        assert!(decide(&u, &attrs("delete", "apps", "deployments", "shop", "web")).allowed);
        assert!(decide(&u, &attrs("list", "", "namespaces", "", "")).allowed);
        assert!(decide_path(&u, "post", "/logs").allowed);
    }

    #[test]
    fn discovery_is_public() {
        let u = User::restricted();
        assert!(decide_path(&u, "get", "/apis").allowed);
        assert!(decide_path(&u, "get", "/version").allowed);
        assert!(!decide_path(&u, "get", "/metrics").allowed);
        assert!(!decide_path(&u, "post", "/apis").allowed);
    }

    /// SelfSubjectAccessReviews, answered by this policy.
    mod reviews {
        use axum::http::Method;
        use serde_json::json;

        use super::super::Policy;
        use crate::demo::api::review::{review, serve};
        use crate::demo::api::user::User;

        fn ask(user: &User, verb: &str, resource: &str, group: &str, ns: &str) -> bool {
            let body = json!({
                "kind": "SelfSubjectAccessReview",
                "apiVersion": "authorization.k8s.io/v1",
                "spec": {"resourceAttributes": {"verb": verb, "resource": resource, "group": group, "namespace": ns}},
            });
            let out = review(&Policy, user, &body).unwrap();
            assert_eq!(out["kind"], "SelfSubjectAccessReview");
            assert_eq!(out["spec"], body["spec"]);
            out["status"]["allowed"].as_bool().unwrap()
        }

        #[test]
        fn answers_from_the_policy() {
            let r = User::restricted();
            assert!(!ask(&r, "patch", "deployments", "apps", "shop"));
            assert!(ask(&r, "patch", "deployments", "apps", "default"));
            assert!(ask(&r, "list", "pods", "", "shop"));
            assert!(!ask(&r, "list", "namespaces", "", ""));
            assert!(ask(&User::admin(), "list", "namespaces", "", ""));
        }

        #[test]
        fn exactly_one_kind_of_attributes() {
            let u = User::restricted();
            let e = review(&Policy, &u, &json!({"spec": {}})).unwrap_err();
            assert_eq!(e.code, 422);
            let both = json!({"spec": {"resourceAttributes": {}, "nonResourceAttributes": {}}});
            assert_eq!(review(&Policy, &u, &both).unwrap_err().code, 422);
            let path =
                json!({"spec": {"nonResourceAttributes": {"verb": "get", "path": "/version"}}});
            assert_eq!(
                review(&Policy, &u, &path).unwrap()["status"]["allowed"],
                true
            );
            assert_eq!(
                review(&Policy, &u, &json!({"kind": "Pod"}))
                    .unwrap_err()
                    .code,
                400
            );
        }

        #[test]
        fn only_create() {
            let u = User::admin();
            let e = serve(&Policy, &u, &Method::GET, false, || Ok(json!({}))).unwrap_err();
            assert_eq!(e.code, 405);
            let ok = serve(&Policy, &u, &Method::POST, false, || {
                Ok(json!({"spec": {"resourceAttributes": {"verb": "get", "resource": "pods"}}}))
            })
            .unwrap();
            assert_eq!(ok.status(), 201);
        }
    }
}
