//! The HTTP side: an axum server on loopback speaking the Kubernetes API.

pub mod discovery;
pub mod logs;
pub mod request;
pub mod routes;
pub mod status;
pub mod table;
pub mod watch;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::routing::{any, get};
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch as signal;
use tokio::task::JoinHandle;

use super::clock::Clock;
use super::registry::Registry;

pub struct ServerState {
    pub registry: Arc<Registry>,
    pub clock: Arc<Clock>,
    pub addr: SocketAddr,
    pub shutdown: signal::Receiver<bool>,
    pub bookmark_interval: Duration,
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

pub fn spawn(listener: TcpListener, state: Arc<ServerState>) -> JoinHandle<()> {
    let mut shutdown = state.shutdown.clone();
    let app = router(state);
    tokio::spawn(async move {
        let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
            let _ = shutdown.wait_for(|stop| *stop).await;
        });
        if let Err(e) = serve.await {
            tracing::warn!("demo cluster server stopped: {e}");
        }
    })
}
