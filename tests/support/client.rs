//! Which cluster a test runs against, and a kube-rs client for it built the
//! way any kube-rs program builds one from a kubeconfig (tests that mean to
//! exercise kockpit's own `cluster::connect` call that instead).

use std::path::{Path, PathBuf};

use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

use kockpit::demo::{DemoCluster, DemoOptions};

/// A client for the current context of `kubeconfig`.
pub async fn client_for(kubeconfig: &Path) -> Client {
    client_in_context(kubeconfig, None).await
}

/// A client for `context` of `kubeconfig` (`None`: its current context).
pub async fn client_in_context(kubeconfig: &Path, context: Option<&str>) -> Client {
    let kc = Kubeconfig::read_from(kubeconfig).expect("kubeconfig parses");
    let opts = KubeConfigOptions {
        context: context.map(String::from),
        ..KubeConfigOptions::default()
    };
    let config = Config::from_custom_kubeconfig(kc, &opts)
        .await
        .expect("kubeconfig is usable");
    Client::try_from(config).expect("client")
}

/// A client for the demo cluster, reached through its kubeconfig like any
/// cluster.
pub async fn demo_client(cluster: &DemoCluster) -> Client {
    client_for(cluster.kubeconfig_path()).await
}

/// The real control plane when KOCKPIT_TEST_KUBECONFIG names its kubeconfig
/// (tests/controlplane/cp.sh up), else a demo cluster of the test's own
/// whose simulated time runs `speed` times faster.
pub async fn demo_or_real(speed: f64) -> (Option<DemoCluster>, PathBuf) {
    match std::env::var_os("KOCKPIT_TEST_KUBECONFIG") {
        Some(p) => (None, PathBuf::from(p)),
        None => {
            let demo = DemoCluster::start(DemoOptions {
                speed,
                ..DemoOptions::default()
            })
            .await
            .unwrap();
            let path = demo.kubeconfig_path().to_path_buf();
            (Some(demo), path)
        }
    }
}
