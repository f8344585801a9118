#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The write side in a real terminal: `kockpit --demo` inside tmux. A
//! guarded rollout of an image the demo crash-loops (tag containing
//! `crash`) is caught and rolled back by itself, and the screen says why;
//! the journal file holds every step, mode 0600.

use std::os::unix::fs::PermissionsExt;
use std::process::Command;
use std::time::{Duration, Instant};

mod support;
use support::tmux::TmuxSetup;

const TMUX: TmuxSetup = TmuxSetup {
    socket_prefix: "kockpit-write",
    key_pause: Duration::from_millis(120),
};

const T: Duration = Duration::from_secs(30);

#[test]
fn a_guarded_bad_rollout_is_caught_and_rolled_back_on_screen() {
    let Some(t) = TMUX.start("--demo --speed 4", 140, 40) else {
        return;
    };
    t.wait_for("● live", T);
    t.keys(&["2"]);
    t.wait_for("deployments(shop)", T);
    // Rows sort by name: api is the first.
    t.keys(&["g", "u"]);
    let s = t.wait_for("rollout · shop/api", T);
    assert!(s.contains("ghcr.io/kockpit-demo/api:1.12.3"), "{s}");
    for _ in 0..40 {
        t.tmux(&["send-keys", "-t", "t", "BSpace"]);
    }
    t.type_text("ghcr.io/kockpit-demo/api:1.13-crash");
    t.keys(&["C-g"]);
    t.wait_for("⛨ guarded", T);
    t.keys(&["Enter"]);
    // The confirm panel: the exact diff, and that the change is guarded.
    let s = t.wait_for("guarded: kockpit watches the new pods", T);
    assert!(s.contains("ghcr.io/kockpit-demo/api:1.13-crash"), "{s}");
    assert!(s.contains("ghcr.io/kockpit-demo/api:1.12.3"), "{s}");
    t.keys(&["y"]);
    let s = t.wait_for("guarding the rollout of shop/api", T);
    assert!(s.contains("left"), "the countdown:\n{s}");
    // Caught: the guard rolls back through the gate and says why.
    let s = t.wait_for("rolled back", Duration::from_secs(90));
    assert!(
        s.contains("crash-looping") || s.contains("restarted") || s.contains("not ready"),
        "the reason is on screen:\n{s}"
    );
    assert!(s.contains("why"), "{s}");
    // The countdown hides, then the rolling update panel under it; the
    // header keeps the verdict while navigating.
    t.keys(&["Escape"]);
    t.wait_for("rollout · shop/api", T);
    t.keys(&["Escape", "3"]);
    let s = t.wait_for("pods(shop)", T);
    assert!(s.contains("⛨ the rollout of shop/api: rolled back"), "{s}");
    // The deployment is back on its old image.
    t.keys(&["2"]);
    t.wait_for("deployments(shop)", T);
    let start = Instant::now();
    loop {
        let s = t.screen();
        let api = s.lines().find(|l| l.contains("│api ")).unwrap_or("");
        if api.contains("api:1.12.3") && !api.contains("crash") {
            break;
        }
        assert!(start.elapsed() < T, "api not back on 1.12.3:\n{s}");
        std::thread::sleep(Duration::from_millis(200));
    }
    // The journal, in the terminal and on disk.
    t.keys(&[":", "journal", "Enter"]);
    let s = t.wait_for("journal ·", T);
    assert!(s.contains("auto rollback"), "{s}");
    t.keys(&["Escape", "q"]);
    let s = t.wait_for("EXITED=", T);
    assert!(s.contains("EXITED=0"), "{s}");
    let path = t.journal();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{}", path.display());
    let text = std::fs::read_to_string(&path).unwrap();
    // The undo is journaled with the guard's reason as its note.
    for want in ["\"set image\"", "\"auto rollback", "\"note\":\"guard: pod "] {
        assert!(text.contains(want), "journal lacks {want}:\n{text}");
    }
}

#[test]
fn readonly_refuses_and_says_so_on_screen() {
    let Some(t) = TMUX.start("--demo --readonly", 140, 36) else {
        return;
    };
    t.wait_for("● live", T);
    let s = t.screen();
    assert!(s.contains("[read-only]"), "{s}");
    t.keys(&["2"]);
    t.wait_for("deployments(shop)", T);
    t.keys(&["g", "r"]);
    let s = t.wait_for("read-only", T);
    assert!(s.contains("nothing was sent"), "{s}");
    t.keys(&["u"]);
    let s = t.wait_for("disabled: read-only mode (--readonly)", T);
    assert!(s.contains("rollout · shop/api"), "{s}");
    t.keys(&["Escape", "q"]);
    let s = t.wait_for("EXITED=", T);
    assert!(s.contains("EXITED=0"), "{s}");
}

#[test]
fn sighup_while_guarding_stops_the_guard_and_the_journal_keeps_everything() {
    let Some(t) = TMUX.start("--demo", 140, 40) else {
        return;
    };
    t.wait_for("● live", T);
    t.keys(&["2"]);
    t.wait_for("deployments(shop)", T);
    t.keys(&["g", "u"]);
    t.wait_for("rollout · shop/api", T);
    for _ in 0..40 {
        t.tmux(&["send-keys", "-t", "t", "BSpace"]);
    }
    // Healthy but slow to get ready: the guard is still watching when the
    // SSH session drops.
    t.type_text("ghcr.io/kockpit-demo/api:1.13-slow");
    t.keys(&["C-g", "Enter"]);
    t.wait_for("guarded: kockpit watches the new pods", T);
    t.keys(&["y"]);
    let s = t.wait_for("left of 5m", T);
    assert!(s.contains("watching"), "{s}");
    let pid = t.kockpit_pid();
    assert!(!pid.is_empty());
    Command::new("kill").args(["-HUP", &pid]).status().unwrap();
    let s = t.wait_for("EXITED=", T);
    assert!(!s.contains("kockpit  ctx:"), "terminal not restored:\n{s}");
    let text = std::fs::read_to_string(t.journal()).unwrap();
    assert!(text.contains("\"set image\""), "{text}");
    assert!(
        text.contains("kockpit exited while guarding; nothing was undone"),
        "the stopped guard is journaled:\n{text}"
    );
}
