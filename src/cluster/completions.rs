//! Shell completion. The script `kockpit completions SHELL` prints calls
//! back into kockpit when TAB is pressed (clap_complete's dynamic engine),
//! so contexts, namespaces, clusters and users come from the kubeconfig as
//! it is at that moment: `--kubeconfig` on the line being completed, else
//! KUBECONFIG, else ~/.kube/config.

use std::ffi::{OsStr, OsString};
use std::path::PathBuf;

use clap_complete::engine::{ArgValueCompleter, CompletionCandidate};
use clap_complete::env::EnvCompleter;
use kube::config::Kubeconfig;

/// The variable the script sets when it asks kockpit for candidates.
pub const VAR: &str = "KOCKPIT_COMPLETE";

/// Writes the script that registers kockpit's completion with `shell`.
pub fn write_script(shell: Shell, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let (name, bin) = ("kockpit", "kockpit");
    match shell {
        Shell::Bash => clap_complete::env::Bash.write_registration(VAR, name, bin, bin, out),
        Shell::Zsh => clap_complete::env::Zsh.write_registration(VAR, name, bin, bin, out),
        Shell::Fish => clap_complete::env::Fish.write_registration(VAR, name, bin, bin, out),
    }
}

pub fn contexts() -> ArgValueCompleter {
    from_kubeconfig(|kc| kc.contexts.iter().map(|c| c.name.clone()).collect())
}

/// The namespaces the kubeconfig's contexts name (the cluster is not asked:
/// TAB must answer at once, even offline).
pub fn namespaces() -> ArgValueCompleter {
    from_kubeconfig(|kc| {
        kc.contexts
            .iter()
            .filter_map(|c| c.context.as_ref()?.namespace.clone())
            .chain(["default".to_string()])
            .collect()
    })
}

pub fn clusters() -> ArgValueCompleter {
    from_kubeconfig(|kc| kc.clusters.iter().map(|c| c.name.clone()).collect())
}

pub fn users() -> ArgValueCompleter {
    from_kubeconfig(|kc| kc.auth_infos.iter().map(|u| u.name.clone()).collect())
}

fn from_kubeconfig(names: fn(&Kubeconfig) -> Vec<String>) -> ArgValueCompleter {
    ArgValueCompleter::new(move |current: &OsStr| {
        let Some(prefix) = current.to_str() else {
            return Vec::new();
        };
        let explicit = kubeconfig_on_line(std::env::args_os());
        let Ok(kc) = crate::cluster::kubeconfig::load(explicit.as_deref()) else {
            return Vec::new();
        };
        candidates(names(&kc), prefix)
    })
}

/// Sorted, unique names starting with `prefix`; a name the sanitizer would
/// change (escapes, controls) is not handed to the shell.
fn candidates(mut names: Vec<String>, prefix: &str) -> Vec<CompletionCandidate> {
    names.sort();
    names.dedup();
    names
        .into_iter()
        .filter(|n| !n.is_empty() && n.starts_with(prefix))
        .filter(|n| crate::model::sanitize::clean(n) == n.as_str())
        .map(CompletionCandidate::new)
        .collect()
}

/// `--kubeconfig PATH` or `--kubeconfig=PATH` on the command line being
/// completed.
fn kubeconfig_on_line(args: impl Iterator<Item = OsString>) -> Option<PathBuf> {
    let mut args = args.peekable();
    let mut found = None;
    while let Some(arg) = args.next() {
        let text = arg.to_string_lossy();
        if text == "--kubeconfig" {
            found = args.next().map(PathBuf::from);
        } else if let Some(path) = text.strip_prefix("--kubeconfig=") {
            found = Some(PathBuf::from(path));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_are_sorted_unique_prefixed_and_clean() {
        let names = ["prod", "dev", "prod", "pre\u{1b}[2Jx", "staging"].map(String::from);
        let got: Vec<String> = candidates(names.to_vec(), "p")
            .iter()
            .map(|c| c.get_value().to_string_lossy().into_owned())
            .collect();
        assert_eq!(got, ["prod"]);
    }

    #[test]
    fn the_kubeconfig_flag_on_the_line_is_used() {
        let line = [
            "kockpit",
            "--",
            "kockpit",
            "--kubeconfig",
            "/k",
            "--context",
            "",
        ];
        assert_eq!(
            kubeconfig_on_line(line.iter().map(OsString::from)),
            Some(PathBuf::from("/k"))
        );
        let line = ["kockpit", "--kubeconfig=/j", "-n"];
        assert_eq!(
            kubeconfig_on_line(line.iter().map(OsString::from)),
            Some(PathBuf::from("/j"))
        );
    }
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}
