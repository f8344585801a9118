//! May this user do this? A request's attributes as the API server's
//! request-info resolver sees them, the decision, and the `Authorizer` the
//! server asks. Which policy answers is wired in from outside (the demo's is
//! `demo::authz::policy`).

use axum::http::Method;
use serde_json::json;

use super::request::Target;
use super::user::User;
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

impl Attributes {
    /// The attributes of a resource request.
    pub fn of_request(method: &Method, t: &Target, watch: bool) -> Attributes {
        let named = t.name.is_some();
        Attributes {
            verb: request_verb(method, named, watch).into(),
            group: t.resource.group.into(),
            resource: t.resource.plural.into(),
            subresource: t.subresource.clone().unwrap_or_default(),
            namespace: t.namespace.clone().unwrap_or_default(),
            name: t.name.clone().unwrap_or_default(),
        }
    }
}

pub trait Authorizer: Send + Sync {
    fn decide(&self, user: &User, a: &Attributes) -> Decision;

    /// Non-resource URLs (`/version`, `/healthz`, ...).
    fn decide_path(&self, user: &User, verb: &str, path: &str) -> Decision;

    /// Checks a request; the 403 carries the API server's exact wording.
    fn authorize(&self, user: &User, a: &Attributes) -> Result<(), ApiError> {
        if self.decide(user, a).allowed {
            Ok(())
        } else {
            Err(forbidden(user, a))
        }
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

/// A request's attributes, for tests: `verb` on `resource` of `group`.
#[cfg(test)]
pub(crate) fn attrs(verb: &str, group: &str, resource: &str, ns: &str, name: &str) -> Attributes {
    Attributes {
        verb: verb.into(),
        group: group.into(),
        resource: resource.into(),
        namespace: ns.into(),
        name: name.into(),
        ..Attributes::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_messages_match_the_api_server() {
        let u = User {
            name: "demo-restricted".into(),
            groups: vec!["system:authenticated".into()],
            admin: false,
        };
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
}
