//! The HTTP side: an axum server on loopback speaking the Kubernetes API.

pub mod age;
pub mod discovery;
pub mod event_routes;
pub mod hpa_table;
pub mod logs;
pub mod metrics;
pub mod openapi;
pub mod protobuf;
pub mod request;
pub mod routes;
pub mod status;
pub mod table;
pub mod table_net;
pub mod watch;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::routing::{any, get};
use axum::{middleware, Router};
use tokio::net::TcpListener;
use tokio::sync::watch as signal;
use tokio::task::JoinHandle;

use super::authz::Auth;
use super::clock::Clock;
use super::faults::Faults;
use super::registry::Registry;
use super::{authz, faults};

pub struct ServerState {
    pub registry: Arc<Registry>,
    pub clock: Arc<Clock>,
    pub addr: SocketAddr,
    pub shutdown: signal::Receiver<bool>,
    pub bookmark_interval: Duration,
    /// Injected faults (none by default), see `demo::faults`.
    pub faults: Arc<Faults>,
    /// Who may do what, see `demo::authz`.
    pub auth: Arc<Auth>,
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
        .route(faults::admin::PATH, any(faults::admin::handle))
        .fallback(routes::fallback)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            faults::layer::layer,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            authz::authn::layer,
        ))
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

/// Serves until shutdown; a restart fault makes it go away and come back
/// on the same address (see `faults::restart`).
pub fn spawn(listener: TcpListener, state: Arc<ServerState>) -> JoinHandle<()> {
    tokio::spawn(faults::restart::serve(listener, state))
}
