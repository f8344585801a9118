#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Bad connection input ends with one clear line on stderr and a non-zero
//! exit, before the terminal is touched (no escape sequences on stdout).

use std::process::Command;

fn kockpit(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kockpit"));
    cmd.args(args)
        .env_clear()
        .env("HOME", home.path())
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn assert_one_clear_line(code: i32, stdout: &str, stderr: &str, needle: &str) {
    assert_ne!(code, 0);
    assert!(stdout.is_empty(), "stdout must stay clean: {stdout:?}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr:?}");
    assert!(stderr.starts_with("kockpit: "), "{stderr:?}");
    assert!(
        stderr.contains(needle),
        "{stderr:?} should mention {needle:?}"
    );
    assert!(!stderr.contains("panicked"), "{stderr:?}");
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
}

fn write_kubeconfig(dir: &std::path::Path, server: &str) -> std::path::PathBuf {
    let path = dir.join("config");
    let text = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: one\nclusters:\n- name: c\n  cluster:\n    server: {server}\n\
         contexts:\n- name: one\n  context:\n    cluster: c\n    user: u\n- name: two\n  context:\n    cluster: c\n    user: u\n\
         users:\n- name: u\n  user: {{}}\n"
    );
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn no_kubeconfig_at_all() {
    let (code, out, err) = kockpit(&[], &[]);
    assert_one_clear_line(code, &out, &err, "no kubeconfig found");
    assert!(err.contains("--demo"), "suggests the demo: {err}");
}

#[test]
fn kubeconfig_flag_pointing_nowhere() {
    let (code, out, err) = kockpit(&["--kubeconfig", "/nonexistent/kubeconfig"], &[]);
    assert_one_clear_line(code, &out, &err, "/nonexistent/kubeconfig");
}

#[test]
fn unparsable_kubeconfig() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    std::fs::write(&path, "clusters: [this is: not: yaml").unwrap();
    let (code, out, err) = kockpit(&["--kubeconfig", path.to_str().unwrap()], &[]);
    assert_one_clear_line(code, &out, &err, "cannot read kubeconfig");
}

#[test]
fn unknown_context_lists_the_known_ones() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_kubeconfig(dir.path(), "https://127.0.0.1:1");
    let (code, out, err) = kockpit(
        &["--kubeconfig", path.to_str().unwrap(), "--context", "nope"],
        &[],
    );
    assert_one_clear_line(code, &out, &err, "context \"nope\" not found");
    assert!(err.contains("one, two"), "{err}");
}

#[test]
fn unreachable_server_names_the_url() {
    // Bind then drop a listener so the port is (almost certainly) closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let path = write_kubeconfig(dir.path(), &url);
    let (code, out, err) = kockpit(&[], &[("KUBECONFIG", path.to_str().unwrap())]);
    assert_one_clear_line(code, &out, &err, "cannot reach the API server");
    assert!(err.contains(&port.to_string()), "{err}");
}
