#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Signal storms against the real binary in tmux: every catchable signal
//! that ends kockpit restores the terminal and exits with 128+signal.

use std::time::Duration;

mod support;
use support::tmux::{Tmux, TmuxSetup};

const TMUX: TmuxSetup = TmuxSetup {
    socket_prefix: "kockpit-input",
    key_pause: Duration::from_millis(150),
};

const T: Duration = Duration::from_secs(20);

/// The terminal is handed back: main screen, cursor shown, no UI left.
fn assert_restored(t: &Tmux, what: &str) {
    let s = t.screen();
    assert_eq!(
        t.pane("#{alternate_on}"),
        "0",
        "{what}: still on the alternate screen:\n{s}"
    );
    assert_eq!(
        t.pane("#{cursor_flag}"),
        "1",
        "{what}: cursor left hidden:\n{s}"
    );
    assert!(
        !s.contains("kockpit  ctx:"),
        "{what}: UI left on the terminal:\n{s}"
    );
}

#[test]
fn a_signal_storm_restores_the_terminal_and_exits_128_plus_n() {
    for (name, number) in [
        ("INT", libc::SIGINT),
        ("QUIT", libc::SIGQUIT),
        ("TERM", libc::SIGTERM),
    ] {
        let Some(t) = TMUX.start("--demo", 100, 30) else {
            return;
        };
        t.wait_for("● live", T);
        t.keys(&["2"]);
        t.wait_for("deployments(shop)", T);
        let pid: libc::pid_t = t.kockpit_pid().parse().unwrap();
        // Resizes, real and signalled, with the fatal signal in the middle
        // and more of it while kockpit shuts down.
        for i in 0..400 {
            unsafe { libc::kill(pid, libc::SIGWINCH) };
            if i % 50 == 0 {
                let w = (80 + i / 10).to_string();
                t.tmux(&["resize-window", "-t", "t", "-x", &w, "-y", "30"]);
            }
            if i >= 200 && i % 40 == 0 {
                unsafe { libc::kill(pid, number) };
            }
        }
        let s = t.wait_for("EXITED=", T);
        let code = 128 + number;
        assert!(
            s.contains(&format!("EXITED={code}")),
            "SIG{name}: want {code}:\n{s}"
        );
        assert_restored(&t, &format!("SIG{name}"));
    }
}
