//! Every resource request passes here before it is served.

use axum::http::Method;

use super::policy::{authorize, request_verb, Attributes};
use super::User;
use crate::demo::error::ApiError;
use crate::demo::server::request::Target;

pub fn check(user: &User, method: &Method, t: &Target, watch: bool) -> Result<(), ApiError> {
    let named = t.name.is_some();
    let attrs = Attributes {
        verb: request_verb(method, named, watch).into(),
        group: t.resource.group.into(),
        resource: t.resource.plural.into(),
        subresource: t.subresource.clone().unwrap_or_default(),
        namespace: t.namespace.clone().unwrap_or_default(),
        name: t.name.clone().unwrap_or_default(),
    };
    authorize(user, &attrs)
}
