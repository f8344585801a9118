//! The kockpit binary run as a user runs it from a shell, for tests of what
//! it says before the terminal is touched: a clean environment, a HOME of
//! its own, kubeconfigs, credential plugins and fake servers to point it at.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// What one run printed and how it ended.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// The binary with a cleared environment (only HOME and PATH), so a
/// developer's KUBECONFIG or proxy never leaks into a test; `env` adds back
/// what the test means to set.
pub fn command(args: &[&str], env: &[(&str, &str)], home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kockpit"));
    cmd.args(args)
        .env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// Runs the binary to its end in a fresh HOME.
pub fn run(args: &[&str], env: &[(&str, &str)]) -> Run {
    let home = tempfile::tempdir().expect("temp HOME");
    command(args, env, home.path())
        .output()
        .expect("run kockpit")
        .into()
}

/// The rule for every start-up failure: a non-zero exit, nothing on
/// stdout, one `kockpit: ` line on stderr that names `needle`, no panic and
/// no escape sequence.
pub fn assert_one_clear_line(run: &Run, needle: &str) {
    let Run {
        code,
        stdout,
        stderr,
    } = run;
    assert_ne!(*code, 0, "{stderr:?}");
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

/// A kubeconfig with contexts `one` (current) and `two`, both on cluster
/// `c` at `server` and user `u` with no credentials.
pub fn write_kubeconfig(dir: &Path, server: &str) -> PathBuf {
    write_kubeconfig_with_user(dir, server, "{}")
}

/// As [`write_kubeconfig`], with user `u` set to `user` (a YAML block,
/// indented under `user:` by the caller, or a flow mapping).
pub fn write_kubeconfig_with_user(dir: &Path, server: &str, user: &str) -> PathBuf {
    let path = dir.join("config");
    let text = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: one\nclusters:\n- name: c\n  cluster:\n    server: {server}\n\
         contexts:\n- name: one\n  context:\n    cluster: c\n    user: u\n- name: two\n  context:\n    cluster: c\n    user: u\n\
         users:\n- name: u\n  user: {user}\n"
    );
    std::fs::write(&path, text).expect("write kubeconfig");
    path
}

/// An executable shell script `name` in `dir` running `body`.
pub fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

/// A user entry whose credential comes from the exec plugin `command`.
pub fn exec_user(command: &Path) -> String {
    format!(
        "\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: {}\n      interactiveMode: IfAvailable",
        command.display()
    )
}

/// A server that is not a (healthy) API server answers every request with
/// `reply`; the body's text is the server's to choose, escapes included.
pub fn serve(reply: &'static str) -> u16 {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
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

/// A loopback port with nothing listening (bound, then released).
pub fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind")
        .port()
}

/// Runs the binary in a session of its own, so it has no controlling
/// terminal whatever the test runner has, with stdin from /dev/null; kills
/// it after `timeout`.
pub fn run_without_terminal(args: &[&str], env: &[(&str, &str)], timeout: Duration) -> Run {
    use std::os::unix::process::CommandExt;
    let home = tempfile::tempdir().expect("temp HOME");
    let mut cmd = command(args, env, home.path());
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: setsid is async-signal-safe and touches no memory of ours.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = cmd.spawn().expect("spawn kockpit");
    wait_or_kill(child, timeout)
}

/// Waits for `child` to end; kills it (and fails the test) after `timeout`.
pub fn wait_or_kill(mut child: Child, timeout: Duration) -> Run {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait().expect("wait for kockpit") {
            Some(_) => return child.wait_with_output().expect("collect output").into(),
            None if Instant::now() > deadline => {
                let _ = child.kill();
                let out = child.wait_with_output().expect("collect output");
                panic!(
                    "kockpit still running after {timeout:?}; stderr: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            None => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}
