//! `authorization.k8s.io/v1` `SelfSubjectAccessReview`: "may I?", answered
//! by the same authorizer that guards every request. Create only, never
//! stored.

use axum::http::Method;
use axum::response::Response;
use serde_json::{json, Value};

use super::access::{Attributes, Authorizer};
use super::status;
use super::user::User;
use crate::demo::error::{ApiError, FieldCause};
use crate::demo::resources::{ResourceDef, SELF_SUBJECT_ACCESS_REVIEWS};

pub fn serves(res: &ResourceDef) -> bool {
    *res == SELF_SUBJECT_ACCESS_REVIEWS
}

/// `body` is only read for a create.
pub fn serve(
    authorizer: &dyn Authorizer,
    user: &User,
    method: &Method,
    named: bool,
    body: impl FnOnce() -> Result<Value, ApiError>,
) -> Result<Response, ApiError> {
    if *method != Method::POST || named {
        return Err(ApiError::method_not_allowed(
            method.as_str(),
            &SELF_SUBJECT_ACCESS_REVIEWS.group_resource(),
        ));
    }
    Ok(status::json(201, &review(authorizer, user, &body()?)?))
}

pub fn review(authorizer: &dyn Authorizer, user: &User, obj: &Value) -> Result<Value, ApiError> {
    let res = &SELF_SUBJECT_ACCESS_REVIEWS;
    if let Some(kind) = obj.get("kind").and_then(Value::as_str) {
        if kind != res.kind {
            return Err(ApiError::bad_request(format!(
                "the API version in the data (authorization.k8s.io/v1) does not match the expected kind: got {kind:?}, expected {:?}",
                res.kind
            )));
        }
    }
    let spec = obj.get("spec").cloned().unwrap_or(Value::Null);
    let resource = spec.get("resourceAttributes").filter(|v| !v.is_null());
    let non_resource = spec.get("nonResourceAttributes").filter(|v| !v.is_null());
    let field = |v: &Value, k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let decision = match (resource, non_resource) {
        (Some(r), None) => {
            let a = Attributes {
                verb: field(r, "verb"),
                group: field(r, "group"),
                resource: field(r, "resource"),
                subresource: field(r, "subresource"),
                namespace: field(r, "namespace"),
                name: field(r, "name"),
            };
            authorizer.decide(user, &a)
        }
        (None, Some(n)) => authorizer.decide_path(user, &field(n, "verb"), &field(n, "path")),
        (Some(_), Some(_)) => {
            return Err(invalid(
                "spec.nonResourceAttributes",
                "cannot be specified in combination with resourceAttributes",
            ))
        }
        (None, None) => {
            return Err(invalid(
                "spec.resourceAttributes",
                "exactly one of nonResourceAttributes or resourceAttributes must be specified",
            ))
        }
    };
    let mut status = json!({"allowed": decision.allowed});
    if !decision.reason.is_empty() {
        status["reason"] = json!(decision.reason);
    }
    Ok(json!({
        "kind": res.kind,
        "apiVersion": res.api_version(),
        "metadata": {"creationTimestamp": null},
        "spec": spec,
        "status": status,
    }))
}

fn invalid(field: &str, detail: &str) -> ApiError {
    ApiError::invalid(
        &SELF_SUBJECT_ACCESS_REVIEWS,
        "",
        vec![FieldCause::invalid(field, "null", detail)],
    )
}
