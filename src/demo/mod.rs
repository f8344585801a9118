//! The built-in demo cluster: a real HTTP server on loopback speaking the
//! Kubernetes API (discovery, namespaces, nodes, pods with logs, events in
//! both groups, deployments, replicasets, services, endpointslices,
//! configmaps, secrets: get, list, watch, create, update, patch, delete,
//! scale; JSON, and protobuf bodies for the kinds kubectl creates), with
//! simulated controllers and kubelets that make rollouts,
//! scaling and failures (by image tag, see `controllers::container`) animate
//! and report events. Clients reach
//! it only through the kubeconfig it writes, exactly like a real cluster.
//!
//! Layers, bottom up: the vocabulary (`resources`, `meta`, `error`, ...) ->
//! `store` (generic objects, resourceVersions, watch history) -> `registry`
//! (per-kind write rules) -> `api` (requests, answers, users, and the
//! interfaces the server calls) and the simulation (`events`, `usage`,
//! `controllers`) -> `server` (HTTP), `authz` and `faults`, which import
//! `api` but not each other -> `serve`, which plugs them together.
//! tests/layering.rs holds the exact order. Of the rest of kockpit, only the
//! pure `model` functions are used (the quantity parser).

pub mod api;
pub mod authz;
pub mod clock;
pub mod controllers;
pub mod error;
pub mod event_view;
pub mod events;
pub mod faults;
pub mod ids;
pub mod intstr;
pub mod kubeconfig;
pub mod logs;
pub mod meta;
pub mod patch;
pub mod registry;
pub mod resources;
pub mod scenarios;
pub mod selectors;
pub mod serve;
pub mod server;
pub mod store;
pub mod usage;
#[cfg(test)]
mod watch_fault_tests;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use clock::Clock;
use controllers::Sim;
use kubeconfig::KubeconfigFile;
use registry::Registry;
use store::Store;

/// How many changes a watch can resume from; older resourceVersions get
/// 410 Gone.
const WATCH_HISTORY: usize = 50_000;
const BOOKMARK_INTERVAL: Duration = Duration::from_secs(15);

#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Must be a loopback address; port 0 picks a free port.
    pub addr: SocketAddr,
    pub scenario: String,
    /// Multiplies simulated time (2.0 = pods start twice as fast).
    pub speed: f64,
    /// Where to write the kubeconfig; `None` = a private temporary file
    /// removed when the cluster stops.
    pub kubeconfig_path: Option<PathBuf>,
    /// Faults injected from the start (none by default).
    pub faults: faults::FaultSpec,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            scenario: "shop".to_string(),
            speed: 1.0,
            kubeconfig_path: None,
            faults: faults::FaultSpec::default(),
        }
    }
}

pub struct DemoCluster {
    addr: SocketAddr,
    kubeconfig: KubeconfigFile,
    faults: Arc<faults::Faults>,
    stop: watch::Sender<bool>,
    server: Option<JoinHandle<()>>,
    controllers: Option<JoinHandle<()>>,
}

impl DemoCluster {
    /// Binds, seeds the scenario, starts the server and the controllers and
    /// writes the kubeconfig.
    pub async fn start(opts: DemoOptions) -> anyhow::Result<DemoCluster> {
        if !(opts.speed.is_finite() && opts.speed > 0.0) {
            anyhow::bail!("demo speed must be a positive number, got {}", opts.speed);
        }
        let scenario = scenarios::load(&opts.scenario)?;
        let listener = server::bind(opts.addr).await?;
        let addr = listener.local_addr()?;

        let clock = Arc::new(Clock::new(opts.speed));
        let store = Arc::new(Store::new(WATCH_HISTORY));
        let registry = Arc::new(Registry::new(store, clock.clone()));
        let mut sim = Sim::new(registry.clone(), clock.clone());
        scenarios::seed(&scenario, &registry, &clock, &mut sim)?;

        let auth = Arc::new(authz::Auth::generate()?);
        let kubeconfig = KubeconfigFile::write(opts.kubeconfig_path.as_deref(), addr, &auth)?;
        let (stop, stopped) = watch::channel(false);
        let faults = Arc::new(faults::Faults::default());
        faults
            .apply(&opts.faults)
            .map_err(|e| anyhow::anyhow!("bad demo fault: {e}"))?;
        let state = Arc::new(server::ServerState {
            registry,
            clock,
            addr,
            shutdown: stopped.clone(),
            bookmark_interval: BOOKMARK_INTERVAL,
            faults: faults.clone(),
            authorizer: Arc::new(authz::Policy),
        });
        let server = serve::spawn(listener, state, faults.clone(), auth);
        let controllers = sim.spawn(stopped);
        Ok(DemoCluster {
            addr,
            kubeconfig,
            faults,
            stop,
            server: Some(server),
            controllers: Some(controllers),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn kubeconfig_path(&self) -> &Path {
        self.kubeconfig.path()
    }

    /// The fault injector (also reachable over HTTP at `/_demo/faults`).
    pub fn faults(&self) -> &faults::Faults {
        &self.faults
    }

    /// Stops serving (open watches end) and the controllers; removes a
    /// temporary kubeconfig.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        for task in [self.server.take(), self.controllers.take()]
            .into_iter()
            .flatten()
        {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

impl Drop for DemoCluster {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        for task in [self.server.take(), self.controllers.take()]
            .into_iter()
            .flatten()
        {
            task.abort();
        }
    }
}

/// `kockpit demo serve`: runs until Ctrl-C or SIGTERM.
pub async fn serve_forever(opts: DemoOptions) -> anyhow::Result<()> {
    let cluster = DemoCluster::start(opts).await?;
    println!("kubeconfig: {}", cluster.kubeconfig_path().display());
    println!("listening on {}", cluster.addr());
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r?,
        _ = term.recv() => {}
    }
    cluster.shutdown().await;
    Ok(())
}
