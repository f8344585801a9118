//! The real binary in a real terminal: kockpit inside a tmux server of the
//! test's own, keys sent with send-keys, the screen read with capture-pane.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// How a test file drives tmux.
#[derive(Clone, Copy)]
pub struct TmuxSetup {
    /// Starts the tmux socket's name, so a leftover server shows which
    /// suite started it.
    pub socket_prefix: &'static str,
    /// The pause after each key, so the UI has handled one before the next.
    pub key_pause: Duration,
}

impl TmuxSetup {
    /// `kockpit {args}` in a `width`×`height` pane; `None` (after saying
    /// so) where tmux is not installed, which CI does not allow.
    pub fn start(self, args: &str, width: u16, height: u16) -> Option<Tmux> {
        self.start_env(args, "", width, height)
    }

    /// Like `start`, with `env` (`NAME=value ...`) added to kockpit's
    /// environment.
    pub fn start_env(self, args: &str, env: &str, width: u16, height: u16) -> Option<Tmux> {
        if Command::new("tmux").arg("-V").output().is_err() {
            assert!(
                std::env::var_os("CI").is_none(),
                "tmux is required in CI (.ci/run installs it)"
            );
            eprintln!("skipping: tmux is not installed");
            return None;
        }
        let home = tempfile::tempdir().unwrap();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let socket = format!("{}-{}-{nanos}", self.socket_prefix, std::process::id());
        // The pane outlives kockpit so the test can read how it exited.
        let cmd = format!(
            "env HOME={} XDG_CONFIG_HOME= XDG_STATE_HOME= TERM=xterm-256color {env} {} {args}; echo EXITED=$?; sleep 30",
            home.path().display(),
            env!("CARGO_BIN_EXE_kockpit")
        );
        let out = Command::new("tmux")
            .args(["-L", &socket, "new-session", "-d", "-s", "t"])
            .args(["-x", &width.to_string(), "-y", &height.to_string(), &cmd])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "tmux: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Some(Tmux {
            socket,
            home,
            key_pause: self.key_pause,
        })
    }
}

/// One tmux server with one session `t`; killed when dropped.
pub struct Tmux {
    socket: String,
    /// kockpit's HOME: its config and state live under it.
    pub home: tempfile::TempDir,
    key_pause: Duration,
}

impl Tmux {
    pub fn tmux(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .unwrap()
    }

    /// Sends each of `keys` by tmux key name.
    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.tmux(&["send-keys", "-t", "t", k]);
            std::thread::sleep(self.key_pause);
        }
    }

    /// Types text literally (no key-name lookup).
    pub fn type_text(&self, text: &str) {
        self.tmux(&["send-keys", "-t", "t", "-l", text]);
        std::thread::sleep(Duration::from_millis(200));
    }

    /// Pastes `text` as the terminal would: through a tmux buffer, wrapped
    /// in bracketed-paste markers when `bracketed` and the application
    /// asked for them (`paste-buffer -p`), raw otherwise.
    pub fn paste(&self, text: &str, bracketed: bool) {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), text).unwrap();
        let path = file.path().to_string_lossy().into_owned();
        let out = self.tmux(&["load-buffer", "-b", "paste", &path]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut args = vec!["paste-buffer", "-d", "-b", "paste", "-t", "t"];
        if bracketed {
            args.push("-p");
        }
        let out = self.tmux(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// A pane variable (`#{alternate_on}`, `#{cursor_flag}`...).
    pub fn pane(&self, format: &str) -> String {
        String::from_utf8_lossy(
            &self
                .tmux(&["display-message", "-p", "-t", "t", format])
                .stdout,
        )
        .trim()
        .to_string()
    }

    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-t", "t"]).stdout).into_owned()
    }

    /// Waits until the screen contains `needle`; panics with the screen.
    pub fn wait_for(&self, needle: &str, timeout: Duration) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if s.contains(needle) {
                return s;
            }
            if start.elapsed() > timeout {
                panic!("timed out waiting for {needle:?}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The pid of kockpit in the pane: the pane's shell runs `env ...
    /// kockpit` and env execs it, so it is the shell's only child (never a
    /// process of another test).
    pub fn kockpit_pid(&self) -> String {
        let shell = String::from_utf8_lossy(
            &self
                .tmux(&["display", "-p", "-t", "t", "#{pane_pid}"])
                .stdout,
        )
        .trim()
        .to_string();
        let out = Command::new("pgrep").args(["-P", &shell]).output().unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_string()
    }

    /// The write journal kockpit keeps under its HOME.
    pub fn journal(&self) -> PathBuf {
        self.home.path().join(".local/state/kockpit/journal.jsonl")
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.tmux(&["kill-server"]);
    }
}
