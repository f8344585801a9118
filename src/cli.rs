//! Command-line flags, named as kubectl and k9s name them.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "kockpit",
    version,
    about = "A terminal cockpit for Kubernetes operators"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Start the built-in demo cluster and connect to it.
    #[arg(long)]
    pub demo: bool,

    #[command(flatten)]
    pub demo_opts: DemoArgs,

    /// Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).
    #[arg(long, value_name = "PATH")]
    pub kubeconfig: Option<PathBuf>,

    /// The kubeconfig context to use (default: the current context).
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,

    /// Namespace to watch (default: the context's namespace, else "default").
    #[arg(short = 'n', long, value_name = "NAME")]
    pub namespace: Option<String>,

    /// Watch all namespaces.
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,

    /// Never change anything in the cluster.
    #[arg(long)]
    pub readonly: bool,

    /// Use the mouse: the wheel scrolls, a click highlights a row, a second
    /// click opens it. Off by default so the terminal keeps text selection.
    #[arg(long)]
    pub mouse: bool,

    /// Service selector keys that name a blue-green slot, in order of preference.
    #[arg(
        long,
        value_name = "KEYS",
        value_delimiter = ',',
        default_value = "version,color,slot,track",
        env = "KOCKPIT_SLOT_KEYS"
    )]
    pub slot_keys: Vec<String>,

    /// Colour theme (shipped: dark, light, high-contrast, dracula, gruvbox).
    #[arg(long, value_name = "NAME", default_value = "dark")]
    pub theme: String,

    /// Keymap (shipped: default, vim).
    #[arg(long, value_name = "NAME", default_value = "default")]
    pub keymap: String,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// The built-in demo cluster.
    Demo {
        #[command(subcommand)]
        command: DemoCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum DemoCommand {
    /// Serve the demo cluster until interrupted; kubectl can use it.
    Serve {
        /// Address to listen on (loopback only).
        #[arg(long, default_value = "127.0.0.1:0")]
        addr: SocketAddr,
        /// Where to write the kubeconfig for this cluster.
        #[arg(long, value_name = "PATH")]
        kubeconfig: Option<PathBuf>,
        /// Inject a fault from the start (repeatable): delay=MS,
        /// error-rate=0..1, error-code=500|503, seed=N, gone=N,
        /// no-bookmarks, reads-only. At runtime: POST /_demo/faults.
        #[arg(long = "fault", value_name = "FAULT")]
        faults: Vec<String>,
        #[command(flatten)]
        demo_opts: DemoArgs,
    },
}

#[derive(Args, Debug, Clone)]
pub struct DemoArgs {
    /// Demo scenario: shop, bad-rollout, traffic-spike, or
    /// scale[:DEPLOYMENTSxPODS[xNODES]] (e.g. scale:1000x10).
    #[arg(long, value_name = "NAME", default_value = "shop")]
    pub scenario: String,

    /// Simulated time runs this many times faster.
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
}
