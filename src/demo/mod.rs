//! The built-in demo cluster (being built: this placeholder refuses to start).
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

pub struct DemoOptions {
    pub addr: SocketAddr,
    pub scenario: String,
    pub speed: f64,
    pub kubeconfig_path: Option<PathBuf>,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            scenario: "shop".to_string(),
            speed: 1.0,
            kubeconfig_path: None,
        }
    }
}

pub struct DemoCluster {
    addr: SocketAddr,
    kubeconfig: PathBuf,
}

impl DemoCluster {
    pub async fn start(_opts: DemoOptions) -> anyhow::Result<DemoCluster> {
        anyhow::bail!("the demo cluster is not implemented yet")
    }
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
    pub fn kubeconfig_path(&self) -> &Path {
        &self.kubeconfig
    }
    pub async fn shutdown(self) {}
}

pub async fn serve_forever(opts: DemoOptions) -> anyhow::Result<()> {
    DemoCluster::start(opts).await.map(|_| ())
}
