//! A real forward proxy on loopback for the proxy tests: Debian's
//! tinyproxy, started with a config and a log of the test's own (.ci/run
//! installs it when missing).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const TINYPROXY: &str = "/usr/bin/tinyproxy";

/// Says why and returns true where tinyproxy is not installed, so the test
/// can skip.
pub fn tinyproxy_missing() -> bool {
    if Path::new(TINYPROXY).exists() {
        return false;
    }
    eprintln!("SKIPPED: {TINYPROXY} is not installed (apt-get install tinyproxy); the proxy tests need it");
    true
}

/// A running tinyproxy; stopped when dropped.
pub struct TinyProxy {
    child: Child,
    pub port: u16,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl TinyProxy {
    pub fn start() -> TinyProxy {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = super::cli::closed_port();
        let log = dir.path().join("tinyproxy.log");
        let conf = dir.path().join("tinyproxy.conf");
        std::fs::write(
            &conf,
            format!(
                "Port {port}\nListen 127.0.0.1\nTimeout 30\nLogFile \"{}\"\nLogLevel Connect\nMaxClients 20\nAllow 127.0.0.1\n",
                log.display()
            ),
        )
        .expect("write tinyproxy.conf");
        let child = Command::new(TINYPROXY)
            .arg("-d")
            .arg("-c")
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start tinyproxy");
        let proxy = TinyProxy {
            child,
            port,
            log,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "tinyproxy did not start on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        proxy
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The requests it was asked to forward (`CONNECT host:port` lines).
    pub fn requests(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split_once("): ").map(|(_, r)| r.to_string()))
            .filter(|r| r.starts_with("CONNECT ") || r.starts_with("GET "))
            .collect()
    }
}

impl Drop for TinyProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
