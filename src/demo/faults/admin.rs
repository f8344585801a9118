//! `GET/POST /_demo/faults`: the fault injector's control endpoint. It sits
//! outside `/api` and `/apis`, so no Kubernetes client ever reaches it.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::Method;
use axum::response::Response;

use super::FaultSpec;
use crate::demo::error::ApiError;
use crate::demo::server::{status, ServerState};

pub const PREFIX: &str = "/_demo/";
pub const PATH: &str = "/_demo/faults";

pub async fn handle(
    State(state): State<Arc<ServerState>>,
    method: Method,
    body: Bytes,
) -> Response {
    match method {
        Method::GET => status::json(200, &state.faults.snapshot()),
        Method::POST => {
            let spec: FaultSpec = match serde_json::from_slice(&body) {
                Ok(s) => s,
                Err(e) => {
                    return status::error(&ApiError::bad_request(format!(
                        "invalid fault spec: {e}"
                    )))
                }
            };
            match state.faults.apply(&spec) {
                Ok(now) => status::json(200, &now),
                Err(e) => status::error(&ApiError::bad_request(e)),
            }
        }
        other => status::error(&ApiError::method_not_allowed(other.as_str(), PATH)),
    }
}
