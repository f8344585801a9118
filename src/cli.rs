//! Command-line flags, named as kubectl and k9s name them.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

/// `--help`'s last section: what the environment changes.
const ENVIRONMENT: &str = "\
Environment:
  KUBECONFIG          kubeconfig files, ':'-separated; missing ones are skipped, the first to set a value wins
  HTTPS_PROXY, HTTP_PROXY, NO_PROXY
                      proxies as kubectl uses them (a kubeconfig's proxy-url wins; localhost is never proxied)
  KOCKPIT_LOG         write a log, e.g. debug or kockpit=trace,kube=info ($XDG_STATE_HOME/kockpit/kockpit.DATE.log)
  KOCKPIT_SLOT_KEYS   default for --slot-keys
  NO_COLOR            no colours
  XDG_CONFIG_HOME     keymap.toml and theme.toml in $XDG_CONFIG_HOME/kockpit (default ~/.config)
  XDG_STATE_HOME      the journal of changes and the log in $XDG_STATE_HOME/kockpit (default ~/.local/state)";

#[derive(Parser, Debug)]
#[command(
    name = "kockpit",
    version = crate::build_info::VERSION,
    about = "A terminal cockpit for Kubernetes operators",
    after_help = ENVIRONMENT
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
    #[arg(long, value_name = "NAME", add = crate::cluster::completions::contexts())]
    pub context: Option<String>,

    /// How long an exec credential plugin may run before kockpit gives up
    /// (kubectl waits forever; a login in a browser fits in the default).
    #[arg(long, value_name = "DURATION", default_value = "2m", value_parser = parse_duration)]
    pub exec_timeout: Duration,

    /// Namespace to watch (default: the context's namespace, else "default").
    #[arg(short = 'n', long, value_name = "NAME", add = crate::cluster::completions::namespaces())]
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

    #[command(flatten)]
    pub connection: ConnectionFlags,
}

pub use crate::cluster::overrides::ConnectionFlags;

#[derive(Subcommand, Debug)]
pub enum Command {
    /// The built-in demo cluster.
    Demo {
        #[command(subcommand)]
        command: DemoCommand,
    },
    /// Print a shell completion script; contexts, namespaces, clusters and
    /// users complete from the kubeconfig. bash: `source <(kockpit
    /// completions bash)`; zsh: `source <(kockpit completions zsh)`; fish:
    /// `kockpit completions fish | source`.
    Completions {
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Print the manual page (roff): `kockpit man | man -l -`.
    Man,
}

pub use crate::cluster::completions::Shell;

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

pub use crate::cluster::overrides::parse_duration;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_kubectl_reads_them() {
        for (text, ms) in [
            ("0", 0),
            ("5", 5000),
            ("30s", 30_000),
            ("1m30s", 90_000),
            ("1.5h", 5_400_000),
            ("500ms", 500),
        ] {
            assert_eq!(
                parse_duration(text),
                Ok(Duration::from_millis(ms)),
                "{text}"
            );
        }
        for bad in ["", "s", "5x", "-1s", "1m30", "ms5"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
