//! The listener loop: serves until shutdown, and on a restart fault stops
//! listening, lets every connection go, stays down, then binds the same
//! address again. The store lives on, so objects and resourceVersions are
//! the same afterwards, like an API server restarted over the same etcd.

use std::future::IntoFuture;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::Faults;

/// How long to keep trying to get the port back after a restart.
const REBIND_ATTEMPTS: u32 = 50;
const REBIND_PAUSE: Duration = Duration::from_millis(100);
/// While going down, streams are cut again this often.
const RECUT: Duration = Duration::from_millis(100);

/// Serves `app` on `listener` (bound to `addr`) until `shutdown` says stop.
pub async fn serve(
    listener: TcpListener,
    addr: SocketAddr,
    shutdown: watch::Receiver<bool>,
    faults: Arc<Faults>,
    app: Router,
) {
    let mut listener = Some(listener);
    loop {
        let Some(l) = listener.take() else {
            return;
        };
        let (tx, rx) = tokio::sync::oneshot::channel::<Option<Duration>>();
        let mut stopping = shutdown.clone();
        let injector = faults.clone();
        let stop = async move {
            let outcome = tokio::select! {
                _ = stopping.wait_for(|stop| *stop) => None,
                down = injector.restart_requested() => {
                    // Streams would hold their connections open forever.
                    injector.close_streams();
                    injector.set_down(true);
                    Some(down)
                }
            };
            let _ = tx.send(outcome);
        };
        let serving = axum::serve(l, app.clone()).with_graceful_shutdown(stop);
        let mut serving = std::pin::pin!(serving.into_future());
        let mut tick = tokio::time::interval(RECUT);
        let served = loop {
            tokio::select! {
                r = &mut serving => break r,
                // A watch that started while the shutdown began would keep
                // its connection, and the shutdown, waiting forever.
                _ = tick.tick() => if faults.snapshot().down {
                    faults.cut();
                },
            }
        };
        if let Err(e) = served {
            tracing::warn!("demo cluster server stopped: {e}");
            return;
        }
        let Ok(Some(down)) = rx.await else {
            return;
        };
        let mut stopping = shutdown.clone();
        tokio::select! {
            _ = tokio::time::sleep(down) => {}
            _ = stopping.wait_for(|stop| *stop) => return,
        }
        listener = rebind(addr).await;
        faults.set_down(false);
    }
}

async fn rebind(addr: SocketAddr) -> Option<TcpListener> {
    for _ in 0..REBIND_ATTEMPTS {
        match TcpListener::bind(addr).await {
            Ok(l) => return Some(l),
            Err(e) => {
                tracing::debug!("demo cluster: cannot rebind {addr} yet: {e}");
                tokio::time::sleep(REBIND_PAUSE).await;
            }
        }
    }
    tracing::warn!("demo cluster: could not listen on {addr} again after a restart");
    None
}
