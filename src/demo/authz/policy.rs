//! The one authorization policy. The demo's administrator may do anything;
//! the restricted user reads everywhere (except listing namespaces
//! cluster-wide), changes nothing in the protected namespace, and may create
//! access reviews about itself like every authenticated user.

use axum::http::Method;
use serde_json::json;

use super::{User, PROTECTED_NAMESPACE};
use crate::demo::error::ApiError;

/// What a request wants to do, as the API server's request-info resolver
/// sees it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Attributes {
    pub verb: String,
    pub group: String,
    pub resource: String,
    pub subresource: String,
    /// Empty for cluster scope.
    pub namespace: String,
    /// Empty for a collection.
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    /// Why, phrased like RBAC's reasons.
    pub reason: String,
}

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

/// The verb of a resource request.
pub fn request_verb(method: &Method, named: bool, watch: bool) -> &'static str {
    match *method {
        Method::GET | Method::HEAD if watch => "watch",
        Method::GET | Method::HEAD if named => "get",
        Method::GET | Method::HEAD => "list",
        Method::POST => "create",
        Method::PUT => "update",
        Method::PATCH => "patch",
        Method::DELETE if named => "delete",
        Method::DELETE => "deletecollection",
        _ => "unknown",
    }
}

/// Checks a request; the 403 carries the API server's exact wording.
pub fn authorize(user: &User, a: &Attributes) -> Result<(), ApiError> {
    if decide(user, a).allowed {
        Ok(())
    } else {
        Err(forbidden(user, a))
    }
}

pub fn forbidden(user: &User, a: &Attributes) -> ApiError {
    let resource = if a.subresource.is_empty() {
        a.resource.clone()
    } else {
        format!("{}/{}", a.resource, a.subresource)
    };
    let scope = if a.namespace.is_empty() {
        "at the cluster scope".to_string()
    } else {
        format!("in the namespace \"{}\"", a.namespace)
    };
    let why = format!(
        "User \"{}\" cannot {} resource \"{resource}\" in API group \"{}\" {scope}",
        user.name, a.verb, a.group
    );
    let qualified = if a.group.is_empty() {
        a.resource.clone()
    } else {
        format!("{}.{}", a.resource, a.group)
    };
    let message = if a.name.is_empty() {
        format!("{qualified} is forbidden: {why}")
    } else {
        format!("{qualified} \"{}\" is forbidden: {why}", a.name)
    };
    let mut details = json!({"group": a.group, "kind": a.resource});
    if !a.name.is_empty() {
        details["name"] = json!(a.name);
    }
    ApiError {
        code: 403,
        reason: "Forbidden",
        message,
        details: Some(details),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(verb: &str, group: &str, resource: &str, ns: &str, name: &str) -> Attributes {
        Attributes {
            verb: verb.into(),
            group: group.into(),
            resource: resource.into(),
            namespace: ns.into(),
            name: name.into(),
            ..Attributes::default()
        }
    }

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
    fn forbidden_messages_match_the_api_server() {
        let u = User::restricted();
        let e = forbidden(&u, &attrs("patch", "apps", "deployments", "shop", "x"));
        assert_eq!(
            e.message,
            "deployments.apps \"x\" is forbidden: User \"demo-restricted\" cannot patch resource \"deployments\" in API group \"apps\" in the namespace \"shop\""
        );
        let s = e.to_status();
        assert_eq!(
            (s["code"].as_u64(), s["reason"].as_str()),
            (Some(403), Some("Forbidden"))
        );
        assert_eq!(
            s["details"],
            json!({"name": "x", "group": "apps", "kind": "deployments"})
        );
        let e = forbidden(&u, &attrs("list", "", "namespaces", "", ""));
        assert_eq!(
            e.message,
            "namespaces is forbidden: User \"demo-restricted\" cannot list resource \"namespaces\" in API group \"\" at the cluster scope"
        );
    }

    #[test]
    fn verbs_follow_the_request_info_resolver() {
        assert_eq!(request_verb(&Method::GET, false, true), "watch");
        assert_eq!(request_verb(&Method::GET, true, true), "watch");
        assert_eq!(request_verb(&Method::GET, true, false), "get");
        assert_eq!(request_verb(&Method::GET, false, false), "list");
        assert_eq!(
            request_verb(&Method::DELETE, false, false),
            "deletecollection"
        );
        assert_eq!(request_verb(&Method::PATCH, true, false), "patch");
    }

    #[test]
    fn discovery_is_public() {
        let u = User::restricted();
        assert!(decide_path(&u, "get", "/apis").allowed);
        assert!(decide_path(&u, "get", "/version").allowed);
        assert!(!decide_path(&u, "get", "/metrics").allowed);
        assert!(!decide_path(&u, "post", "/apis").allowed);
    }
}
