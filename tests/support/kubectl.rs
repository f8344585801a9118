//! The real kubectl against `kockpit demo serve`, run as its own process
//! with a kubeconfig, HOME and kubectl cache of its own.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

pub const KUBECTL: &str = "/usr/bin/kubectl";

/// Says why and returns true where kubectl is not installed, so the test
/// can skip.
pub fn kubectl_missing() -> bool {
    if Path::new(KUBECTL).exists() {
        return false;
    }
    eprintln!("SKIPPED: {KUBECTL} is not installed; the kubectl fidelity tests need it");
    true
}

/// Lines of a child's stdout, readable with a timeout.
pub fn line_reader(stdout: ChildStdout) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Cells of a kubectl table line, split on the runs of (3+) spaces kubectl
/// pads columns with.
pub fn columns(line: &str) -> Vec<&str> {
    line.split("   ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect()
}

/// A `kockpit demo serve` process; killed when dropped.
pub struct DemoServer {
    child: Child,
    pub dir: tempfile::TempDir,
    pub kubeconfig: PathBuf,
}

impl DemoServer {
    /// The default scenario at the default speed.
    pub fn start() -> DemoServer {
        DemoServer::start_with(&[], Duration::from_secs(30))
    }

    /// `scenario` with simulated time `speed` times faster; these take
    /// longer to come up.
    pub fn start_scenario(scenario: &str, speed: &str) -> DemoServer {
        DemoServer::start_with(
            &["--scenario", scenario, "--speed", speed],
            Duration::from_secs(60),
        )
    }

    /// Serves on a free loopback port with `args` added, and waits up to
    /// `startup` for it to print its kubeconfig and then its address.
    pub fn start_with(args: &[&str], startup: Duration) -> DemoServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let kubeconfig = dir.path().join("kubeconfig");
        let mut child = Command::new(env!("CARGO_BIN_EXE_kockpit"))
            .args(["demo", "serve", "--addr", "127.0.0.1:0"])
            .args(args)
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn kockpit demo serve");
        let lines = line_reader(child.stdout.take().expect("stdout"));
        let deadline = Instant::now() + startup;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines.recv_timeout(left) {
                Ok(line) if line.starts_with("listening on ") => break,
                Ok(line) => seen.push(line),
                Err(_) => {
                    let _ = child.kill();
                    panic!("demo server did not report its address; stdout so far: {seen:?}");
                }
            }
        }
        assert!(
            seen.iter()
                .any(|l| l == &format!("kubeconfig: {}", kubeconfig.display())),
            "expected the kubeconfig line first, got {seen:?}"
        );
        DemoServer {
            child,
            dir,
            kubeconfig,
        }
    }

    /// kubectl against this server, not yet run.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(KUBECTL);
        cmd.env("KUBECONFIG", &self.kubeconfig)
            .env("HOME", self.dir.path())
            .arg("--cache-dir")
            .arg(self.dir.path().join("cache"))
            .arg("--request-timeout=20s")
            .args(args);
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run kubectl")
    }

    /// Runs kubectl and returns stdout, failing the test on a non-zero exit.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "kubectl {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs kubectl and returns stderr, failing the test on success.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(!out.status.success(), "kubectl {args:?} should fail");
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    /// Writes `text` to a file in the server's directory; returns its path.
    pub fn file(&self, name: &str, text: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
