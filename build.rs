//! Puts the commit and the Kubernetes API version into `--version`.
//! Without git (a source tarball, `cargo install` from a registry) the
//! commit reads "unknown" instead of failing the build.

use std::process::Command;

fn main() {
    let commit = git(&["rev-parse", "--short=12", "HEAD"]).unwrap_or_else(|| "unknown".into());
    // Rebuild when HEAD moves (a commit, a checkout); in a worktree the
    // git dir is elsewhere, so ask git where it is.
    if let Some(dir) = git(&["rev-parse", "--git-dir"]) {
        println!("cargo:rerun-if-changed={dir}/HEAD");
        println!("cargo:rerun-if-changed={dir}/logs/HEAD");
    }
    println!("cargo:rerun-if-changed=Cargo.toml");
    let api = api_version().unwrap_or_else(|| "unknown".into());
    println!(
        "cargo:rustc-env=KOCKPIT_VERSION={} (commit {commit}, Kubernetes API {api})",
        std::env::var("CARGO_PKG_VERSION").unwrap_or_default()
    );
}

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!text.is_empty()).then_some(text)
}

/// The `v1_NN` feature of k8s-openapi in Cargo.toml, as `v1.NN`.
fn api_version() -> Option<String> {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").ok()?;
    let text = std::fs::read_to_string(format!("{manifest}/Cargo.toml")).ok()?;
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("k8s-openapi"))?;
    let at = line.find("\"v1_")?;
    let minor: String = line[at + 4..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    (!minor.is_empty()).then(|| format!("v1.{minor}"))
}
