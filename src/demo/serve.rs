//! The served stack, put together here because its parts do not know each
//! other: the API routes (`server`), wrapped in fault injection (`faults`)
//! and, outermost, authentication (`authz`), plus the injector's own
//! endpoint, run by the listener loop that a restart fault bounces.

use std::sync::Arc;

use axum::{middleware, Router};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use super::authz::{self, Auth};
use super::faults::{self, Faults};
use super::server::{self, ServerState};

/// Outermost first: who is asking (a bad token is a 401 before anything
/// else), then injected delays and errors, then the routes.
pub fn app(state: Arc<ServerState>, faults: Arc<Faults>, auth: Arc<Auth>) -> Router {
    server::router(state)
        .merge(faults::admin::router(faults.clone()))
        .layer(middleware::from_fn_with_state(faults, faults::layer::layer))
        .layer(middleware::from_fn_with_state(auth, authz::authn::layer))
}

/// Serves until shutdown; a restart fault makes the server go away and
/// come back on the same address (see `faults::restart`).
pub fn spawn(
    listener: TcpListener,
    state: Arc<ServerState>,
    faults: Arc<Faults>,
    auth: Arc<Auth>,
) -> JoinHandle<()> {
    let (addr, shutdown) = (state.addr, state.shutdown.clone());
    let app = app(state, faults.clone(), auth);
    tokio::spawn(faults::restart::serve(
        listener, addr, shutdown, faults, app,
    ))
}
