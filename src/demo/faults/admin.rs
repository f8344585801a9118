//! `GET/POST /_demo/faults`: the fault injector's control endpoint. It sits
//! outside `/api` and `/apis`, so no Kubernetes client ever reaches it.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::Method;
use axum::response::Response;
use axum::routing::any;
use axum::Router;

use super::{FaultSpec, Faults};
use crate::demo::api::status;
use crate::demo::error::ApiError;

pub const PREFIX: &str = "/_demo/";
pub const PATH: &str = "/_demo/faults";

/// The endpoint, to merge into the served routes.
pub fn router(faults: Arc<Faults>) -> Router {
    Router::new().route(PATH, any(handle)).with_state(faults)
}

async fn handle(State(faults): State<Arc<Faults>>, method: Method, body: Bytes) -> Response {
    match method {
        Method::GET => status::json(200, &faults.snapshot()),
        Method::POST => {
            let spec: FaultSpec = match serde_json::from_slice(&body) {
                Ok(s) => s,
                Err(e) => {
                    return status::error(&ApiError::bad_request(format!(
                        "invalid fault spec: {e}"
                    )))
                }
            };
            match faults.apply(&spec) {
                Ok(now) => status::json(200, &now),
                Err(e) => status::error(&ApiError::bad_request(e)),
            }
        }
        other => status::error(&ApiError::method_not_allowed(other.as_str(), PATH)),
    }
}
