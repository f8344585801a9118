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

#[test]
fn kubeconfig_without_a_current_context_lists_the_contexts() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_kubeconfig(dir.path(), "https://127.0.0.1:1");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("current-context: one\n", "");
    std::fs::write(&path, text).unwrap();
    let (code, out, err) = kockpit(&["--kubeconfig", path.to_str().unwrap()], &[]);
    assert_one_clear_line(code, &out, &err, "no current context");
    assert!(err.contains("one, two"), "{err}");
}

#[test]
fn context_naming_a_missing_cluster() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_kubeconfig(dir.path(), "https://127.0.0.1:1");
    let text = std::fs::read_to_string(&path).unwrap().replace(
        "    cluster: c\n    user: u\n- name: two",
        "    cluster: gone\n    user: u\n- name: two",
    );
    std::fs::write(&path, text).unwrap();
    let (code, out, err) = kockpit(&["--kubeconfig", path.to_str().unwrap()], &[]);
    assert_one_clear_line(code, &out, &err, "cannot use context \"one\"");
}

#[test]
fn kubeconfig_that_is_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = kockpit(&["--kubeconfig", dir.path().to_str().unwrap()], &[]);
    assert_one_clear_line(code, &out, &err, "cannot read kubeconfig");
}

#[test]
fn kubeconfig_env_with_a_missing_file() {
    let (code, out, err) = kockpit(&[], &[("KUBECONFIG", "/nonexistent/kc")]);
    assert_one_clear_line(code, &out, &err, "/nonexistent/kc");
}

/// A server that is not a (healthy) API server answers every request with
/// `reply`; the body's text is the server's to choose, escapes included.
fn serve(reply: &'static str) -> u16 {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { return };
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = s.write_all(reply.as_bytes());
        }
    });
    port
}

#[test]
fn server_errors_are_one_line_without_the_servers_escapes() {
    let body = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\
                \"message\":\"\\u001b]0;pwned\\u0007\\u001b[2Jinternal\\nerror\\r\",\"reason\":\"InternalError\",\"code\":500}";
    let reply: &'static str = Box::leak(
        format!(
            "HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/json\r\n\
             content-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_boxed_str(),
    );
    let port = serve(reply);
    let dir = tempfile::tempdir().unwrap();
    let path = write_kubeconfig(dir.path(), &format!("http://127.0.0.1:{port}"));
    let (code, out, err) = kockpit(&["--kubeconfig", path.to_str().unwrap()], &[]);
    assert_one_clear_line(code, &out, &err, "cannot reach the API server");
    assert!(err.contains("internal error"), "{err:?}");
    assert!(
        !err.trim_end().chars().any(char::is_control),
        "control characters from the server reached stderr: {err:?}"
    );
}

#[test]
fn a_server_that_is_not_kubernetes() {
    let port =
        serve("HTTP/1.1 200 OK\r\ncontent-length: 9\r\nconnection: close\r\n\r\n<html>\u{1b}[2J");
    let dir = tempfile::tempdir().unwrap();
    let path = write_kubeconfig(dir.path(), &format!("http://127.0.0.1:{port}"));
    let (code, out, err) = kockpit(&["--kubeconfig", path.to_str().unwrap()], &[]);
    assert_one_clear_line(code, &out, &err, "cannot reach the API server");
}

#[test]
fn hostile_context_names_are_not_echoed_raw() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_kubeconfig(dir.path(), "https://127.0.0.1:1");
    let (code, out, err) = kockpit(
        &[
            "--kubeconfig",
            path.to_str().unwrap(),
            "--context",
            "\u{1b}]52;c;aGk=\u{7}evil\u{9b}2J",
        ],
        &[],
    );
    assert_one_clear_line(
        code,
        &out,
        &err,
        "context \"\u{FFFD}evil\u{FFFD}\" not found",
    );
}

/// Bad config files are reported as one `file:line: reason` and the
/// defaults stay in force (the cockpit shows this on its status line; the
/// keymap case is also driven through the real binary in tmux_e2e).
#[test]
fn bad_keymap_and_theme_files_name_the_line_and_keep_the_defaults() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use kockpit::config::keymap::Keymap;
    use kockpit::config::theme::{ColorDepth, Theme};

    let q = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE);
    let default_q = Keymap::builtin().action_for(&q);
    for (text, line, reason) in [
        (
            "[[bind]]\nkeys = [\"q\"]\naction = \"explode\"\n",
            3,
            "unknown action",
        ),
        (
            "[[bind]]\nkeys = [\"ctrl-\"]\naction = \"help\"\n",
            2,
            "unknown key",
        ),
        ("\n\n[[bind]]\nkeys = \"q\"\naction = \"help\"\n", 4, ""),
        ("base = \"emacs\"\n", 1, "unknown keymap"),
        (
            "[[bind]]\nkeys = [\"q\"]\naction = \"help\"\ncolour = 1\n",
            4,
            "unknown field",
        ),
        ("[[bind]\nkeys = [\"q\"]\n", 1, ""),
    ] {
        let (keymap, problem) = Keymap::load("default", Some(("/home/u/keymap.toml", text)));
        let p = problem.unwrap_or_else(|| panic!("no problem reported for {text:?}"));
        let msg = p.to_string();
        assert!(
            msg.starts_with(&format!("/home/u/keymap.toml:{line}: ")),
            "{text:?}: {msg}"
        );
        assert!(
            msg.contains(reason) && !msg.contains('\n'),
            "{text:?}: {msg:?}"
        );
        assert_eq!(keymap.action_for(&q), default_q, "{text:?}: defaults kept");
    }
    for (text, line, reason) in [
        ("[colors]\nok = \"#12345\"\n", 2, "bad colour"),
        ("[colors]\n\nsparkle = \"red\"\n", 3, "unknown colour role"),
        ("base = \"neon\"\n", 1, "unknown theme"),
        ("[colors]\nok = 3\n", 2, ""),
        ("[colors\n", 1, ""),
    ] {
        let (theme, problem) = Theme::load(
            "dark",
            Some(("/home/u/theme.toml", text)),
            ColorDepth::TrueColor,
        );
        let p = problem.unwrap_or_else(|| panic!("no problem reported for {text:?}"));
        let msg = p.to_string();
        assert!(
            msg.starts_with(&format!("/home/u/theme.toml:{line}: ")),
            "{text:?}: {msg}"
        );
        assert!(
            msg.contains(reason) && !msg.contains('\n'),
            "{text:?}: {msg:?}"
        );
        assert_eq!(theme, Theme::builtin(), "{text:?}: defaults kept");
    }
}
