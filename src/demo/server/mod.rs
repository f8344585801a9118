//! The HTTP side: an axum server on loopback speaking the Kubernetes API.
//! It asks an `Authorizer` and calls `StreamFaults` hooks (`demo::api`)
//! without knowing who answers; `demo::serve` wraps its routes in
//! authentication and fault injection.

pub mod age;
pub mod discovery;
pub mod event_routes;
pub mod hpa_table;
pub mod logs;
pub mod metrics;
pub mod openapi;
pub mod protobuf;
pub mod routes;
pub mod table;
pub mod table_net;
pub mod watch;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::routing::{any, get};
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch as signal;

use super::api::access::Authorizer;
use super::api::status;
use super::api::stream_faults::StreamFaults;
use super::clock::Clock;
use super::registry::Registry;

pub struct ServerState {
    pub registry: Arc<Registry>,
    pub clock: Arc<Clock>,
    pub addr: SocketAddr,
    pub shutdown: signal::Receiver<bool>,
    pub bookmark_interval: Duration,
    /// Where streams may break (the fault injector, `demo::faults`).
    pub faults: Arc<dyn StreamFaults>,
    /// Who may do what (the demo's policy, `demo::authz`).
    pub authorizer: Arc<dyn Authorizer>,
}

pub fn router(state: Arc<ServerState>) -> Router {
    let addr = state.addr;
    Router::new()
        .route(
            "/version",
            get(|| async { status::json(200, &discovery::version()) }),
        )
        .route(
            "/api",
            get(move || async move { status::json(200, &discovery::api_versions(addr)) }),
        )
        .route(
            "/apis",
            get(|| async { status::json(200, &discovery::api_groups()) }),
        )
        .route("/api/{*rest}", any(routes::handle))
        .route(
            "/openapi/v3",
            get(|| async { status::json(200, &openapi::root()) }),
        )
        .route("/openapi/v3/{*rest}", get(openapi::document))
        .route("/apis/events.k8s.io/{*rest}", any(event_routes::handle))
        .route("/apis/{*rest}", any(routes::handle))
        .fallback(routes::fallback)
        .with_state(state)
}

/// Binds, refusing anything but loopback: the demo cluster has no
/// authentication and must never be reachable from another machine.
pub async fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    if !addr.ip().is_loopback() {
        anyhow::bail!(
            "refusing to serve the demo cluster on {addr}: it has no authentication, so only loopback addresses (127.0.0.0/8, ::1) are allowed"
        );
    }
    TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))
}
