#![allow(clippy::unwrap_used, clippy::expect_used)]
//! kockpit installs like a CLI tool: completions that know the kubeconfig,
//! a man page, a version that names its commit, help that names the
//! environment it reads.

mod support;

use support::cli;

fn kubeconfig(dir: &std::path::Path) -> String {
    let path = dir.join("config");
    std::fs::write(
        &path,
        "apiVersion: v1\nkind: Config\ncurrent-context: prod\nclusters:\n- name: east\n  cluster: {server: \"https://127.0.0.1:1\"}\n\
         contexts:\n- name: prod\n  context: {cluster: east, user: alice, namespace: shop}\n- name: dev\n  context: {cluster: east, user: bob, namespace: web}\n\
         - name: \"pre\\e[2Jx\"\n  context: {cluster: east}\n\
         users:\n- name: alice\n  user: {}\n- name: bob\n  user: {}\n",
    )
    .unwrap();
    path.display().to_string()
}

/// What a TAB after `line` offers, through fish's protocol (one candidate
/// a line).
fn complete(line: &[&str], env: &[(&str, &str)]) -> Vec<String> {
    let mut args = vec!["--", "kockpit"];
    args.extend_from_slice(line);
    let mut env = env.to_vec();
    env.push(("KOCKPIT_COMPLETE", "fish"));
    let r = cli::run(&args, &env);
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.stdout
        .lines()
        .map(|l| l.split('\t').next().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn contexts_namespaces_clusters_and_users_complete_from_the_kubeconfig() {
    let dir = tempfile::tempdir().unwrap();
    let kc = kubeconfig(dir.path());
    let env = [("KUBECONFIG", kc.as_str())];
    // The context with an escape in its name is not handed to the shell.
    assert_eq!(complete(&["--context", ""], &env), ["dev", "prod"]);
    assert_eq!(complete(&["--context", "p"], &env), ["prod"]);
    assert_eq!(complete(&["-n", ""], &env), ["default", "shop", "web"]);
    assert_eq!(complete(&["--cluster", ""], &env), ["east"]);
    assert_eq!(complete(&["--user", ""], &env), ["alice", "bob"]);
    // --kubeconfig on the line wins over KUBECONFIG.
    assert_eq!(
        complete(
            &["--kubeconfig", &kc, "--context", "d"],
            &[("KUBECONFIG", "/nonexistent")]
        ),
        ["dev"]
    );
}

#[test]
fn completion_scripts_and_the_man_page_are_printed() {
    for shell in ["bash", "zsh", "fish"] {
        let r = cli::run(&["completions", shell], &[]);
        assert_eq!(r.code, 0, "{shell}: {}", r.stderr);
        assert!(
            r.stdout.contains("KOCKPIT_COMPLETE"),
            "{shell}: {}",
            r.stdout
        );
        assert!(r.stderr.is_empty(), "{shell}: {}", r.stderr);
    }
    let r = cli::run(&["man"], &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.starts_with(".ie") || r.stdout.contains(".TH kockpit 1"),
        "{}",
        &r.stdout[..200.min(r.stdout.len())]
    );
    for flag in ["\\-\\-as", "\\-\\-request\\-timeout", "\\-\\-kubeconfig"] {
        assert!(r.stdout.contains(flag), "the man page lists {flag}");
    }
}

#[test]
fn version_names_the_commit_and_the_api_version() {
    let r = cli::run(&["--version"], &[]);
    assert_eq!(r.code, 0);
    let line = r.stdout.trim();
    assert!(
        line.starts_with(&format!("kockpit {}", env!("CARGO_PKG_VERSION"))),
        "{line}"
    );
    assert!(line.contains("(commit "), "{line}");
    assert!(line.contains("Kubernetes API v1."), "{line}");
}

#[test]
fn help_lists_the_environment() {
    let r = cli::run(&["--help"], &[]);
    assert_eq!(r.code, 0);
    for var in [
        "KUBECONFIG",
        "KOCKPIT_LOG",
        "NO_COLOR",
        "KOCKPIT_SLOT_KEYS",
        "XDG_CONFIG_HOME",
        "XDG_STATE_HOME",
        "HTTPS_PROXY",
        "HTTP_PROXY",
        "NO_PROXY",
    ] {
        assert!(r.stdout.contains(var), "--help names {var}");
    }
}

#[test]
fn the_license_file_matches_cargo_toml() {
    let manifest =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")).unwrap();
    assert!(manifest.contains("license = \"Apache-2.0\""));
    let license = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/LICENSE")).unwrap();
    assert!(license.contains("Apache License") && license.contains("Version 2.0, January 2004"));
    assert!(license.contains("END OF TERMS AND CONDITIONS"));
}
