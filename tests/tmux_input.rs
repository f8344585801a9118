#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Input and signal storms against the real binary in tmux: a 100,000
//! character paste (bracketed and raw) leaves the UI responsive with its
//! prompt capped, quit keys still work mid-storm, and every catchable
//! signal restores the terminal and exits with 128+signal.

use std::time::{Duration, Instant};

mod support;
use support::tmux::{Tmux, TmuxSetup};

const TMUX: TmuxSetup = TmuxSetup {
    socket_prefix: "kockpit-input",
    key_pause: Duration::from_millis(150),
};

const T: Duration = Duration::from_secs(20);
/// A storm must be over in this long; before the fix it took 15 minutes.
const STORM: Duration = Duration::from_secs(10);

fn storm_text(n: usize) -> String {
    // Letters and digits only: no key a raw paste would act on (Enter, Esc).
    "abcdefghijklmnopqrstuvwxyz0123456789"
        .chars()
        .cycle()
        .take(n)
        .collect()
}

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
fn a_paste_storm_is_capped_and_the_ui_stays_responsive() {
    let Some(t) = TMUX.start("--demo", 120, 30) else {
        return;
    };
    t.wait_for("● live", T);
    t.keys(&["2"]);
    t.wait_for("deployments(shop)", T);

    // A bracketed paste outside a prompt is not a string of commands
    // (unbracketed, its `q` would quit).
    t.paste("q3\n", true);
    t.wait_for("paste ignored", T);
    assert!(t.screen().contains("deployments(shop)"));

    // 100,000 characters pasted into `/`, as one bracketed paste.
    t.keys(&["/"]);
    let start = Instant::now();
    t.paste(&storm_text(100_000), true);
    t.wait_for("cut at 600 characters", STORM);
    let bracketed = start.elapsed();
    // Esc alone, then the next key: sent together behind a backlog, a
    // terminal reads them as Alt-3.
    t.keys(&["Escape"]);
    t.wait_for("?:help", T);
    t.keys(&["3"]);
    t.wait_for("pods(shop)", T);

    // The same amount typed raw (a terminal without bracketed paste, or
    // a stuck key), in chunks tmux accepts.
    t.keys(&["2", "/"]);
    t.wait_for(" /▏", T);
    let start = Instant::now();
    for chunk in storm_text(100_000).as_bytes().chunks(10_000) {
        t.tmux(&[
            "send-keys",
            "-t",
            "t",
            "-l",
            std::str::from_utf8(chunk).unwrap(),
        ]);
    }
    t.wait_for("cut at 600 characters", STORM);
    let raw = start.elapsed();
    eprintln!("100k-char paste handled in {bracketed:?} bracketed, {raw:?} raw");
    t.keys(&["Escape"]);
    t.wait_for("?:help", STORM);
    t.keys(&["q"]);
    let s = t.wait_for("EXITED=", T);
    assert!(s.contains("EXITED=0"), "{s}");
    assert_restored(&t, "q after the storm");
}

#[test]
fn ctrl_c_quits_in_the_middle_of_a_raw_storm() {
    let Some(t) = TMUX.start("--demo", 120, 30) else {
        return;
    };
    t.wait_for("● live", T);
    t.keys(&["2", "/"]);
    t.wait_for(" /▏", T);
    for chunk in storm_text(100_000).as_bytes().chunks(10_000) {
        t.tmux(&[
            "send-keys",
            "-t",
            "t",
            "-l",
            std::str::from_utf8(chunk).unwrap(),
        ]);
    }
    // Right behind the storm, without waiting for it to be handled.
    t.tmux(&["send-keys", "-t", "t", "C-c"]);
    let s = t.wait_for("EXITED=", STORM);
    assert!(s.contains("EXITED=0"), "{s}");
    assert_restored(&t, "ctrl-c mid-storm");
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
