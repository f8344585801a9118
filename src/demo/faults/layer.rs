//! The middleware that delays responses and fails a seeded fraction of
//! requests with a real `Status`, before any handler runs.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use super::Faults;
use crate::demo::api::status;
use crate::demo::error::ApiError;

pub async fn layer(State(faults): State<Arc<Faults>>, req: Request, next: Next) -> Response {
    // The admin endpoint stays reachable whatever is injected, so a test
    // can always switch the faults off again.
    if req.uri().path().starts_with(super::admin::PREFIX) {
        return next.run(req).await;
    }
    let read = req.method() == axum::http::Method::GET;
    let (delay, error) = faults.next_request(read);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    match error {
        Some(code) => status::error(&injected(code)),
        None => next.run(req).await,
    }
}

/// What the API server answers when it is overloaded or a storage call
/// fails.
fn injected(code: u16) -> ApiError {
    if code == 503 {
        ApiError {
            code: 503,
            reason: "ServiceUnavailable",
            message: "the server is currently unable to handle the request (demo fault)".into(),
            details: None,
        }
    } else {
        ApiError::internal("Internal error occurred: demo fault injected")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn injected_errors_are_real_statuses() {
        let s = injected(503).to_status();
        assert_eq!(
            (s["code"].as_u64(), s["reason"].as_str()),
            (Some(503), Some("ServiceUnavailable"))
        );
        let s = injected(500).to_status();
        assert_eq!(
            (s["code"].as_u64(), s["reason"].as_str()),
            (Some(500), Some("InternalError"))
        );
        assert_eq!(s["kind"], "Status");
    }
}
