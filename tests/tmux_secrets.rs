#![allow(clippy::unwrap_used, clippy::expect_used)]
//! A revealed Secret value, as the operator meets it in the real binary: on
//! its pod page only, counting down, gone when the Secret is rotated (seen
//! with the real kubectl) and never on another pod's page.

use std::time::Duration;

mod support;
use support::kubectl::DemoServer;
use support::tmux::TmuxSetup;

const TMUX: TmuxSetup = TmuxSetup {
    socket_prefix: "kockpit-secrets",
    key_pause: Duration::from_millis(200),
};

const T: Duration = Duration::from_secs(20);

fn open_pod(t: &support::tmux::Tmux, filter: &str) -> String {
    t.keys(&["3", "/"]);
    t.type_text(filter);
    t.keys(&["Enter", "Enter"]);
    t.wait_for("Secrets (x: reveal one key)", T)
}

#[test]
fn a_revealed_value_stays_on_its_page_and_ends_when_the_secret_is_rotated() {
    let demo = DemoServer::start();
    let args = format!("--kubeconfig {} -n shop", demo.kubeconfig.display());
    let Some(t) = TMUX.start(&args, 150, 40) else {
        return;
    };
    t.wait_for("● live", T);
    let s = open_pod(&t, "api-");
    assert!(s.contains("[DB_PASSWORD] = ••••••••"), "{s}");

    // The first secret line lists keys; the second is DB_PASSWORD.
    t.keys(&["Down", "x"]);
    let s = t.wait_for("= demo-password  (hidden in", T);
    assert!(s.contains("[PAYMENT_API_KEY] = ••••••••"), "{s}");

    // Rotated from outside: the old value leaves the screen at once.
    demo.ok(&[
        "-n",
        "shop",
        "patch",
        "secret",
        "api-secrets",
        "-p",
        r#"{"stringData":{"DB_PASSWORD":"rotated-1"}}"#,
    ]);
    let s = t.wait_for("secret api-secrets changed", T);
    assert!(!s.contains("demo-password"), "{s}");
    assert!(s.contains("[DB_PASSWORD] = ••••••••"), "{s}");

    // A new reveal shows the new value; another pod's page never does.
    t.keys(&["x"]);
    t.wait_for("= rotated-1  (hidden in", T);
    t.keys(&["Escape", "Escape"]);
    let s = t.wait_for("pods(shop)", T);
    assert!(!s.contains("rotated-1"), "{s}");
    t.keys(&["Escape"]);
    let s = open_pod(&t, "worker-");
    assert!(!s.contains("rotated-1"), "{s}");
    t.keys(&["Escape", "Escape", "Escape"]);
    let s = open_pod(&t, "api-");
    assert!(
        !s.contains("rotated-1"),
        "back on its page, it needs a new reveal:\n{s}"
    );

    // Deleted while shown: gone too.
    t.keys(&["Down", "x"]);
    t.wait_for("= rotated-1  (hidden in", T);
    demo.ok(&["-n", "shop", "delete", "secret", "api-secrets"]);
    let s = t.wait_for("secret api-secrets was deleted", T);
    assert!(!s.contains("rotated-1"), "{s}");

    t.keys(&["q"]);
    assert!(t.wait_for("EXITED=", T).contains("EXITED=0"));
}

#[test]
fn a_revealed_value_hides_itself_after_thirty_seconds() {
    let Some(t) = TMUX.start("--demo", 150, 40) else {
        return;
    };
    t.wait_for("● live", T);
    open_pod(&t, "api-");
    t.keys(&["Down", "x"]);
    t.wait_for("= demo-password  (hidden in", T);
    t.wait_for("(hidden in 5s)", Duration::from_secs(35));
    let s = t.wait_for("[DB_PASSWORD] = ••••••••", Duration::from_secs(10));
    assert!(!s.contains("demo-password"), "{s}");
    t.keys(&["q"]);
    assert!(t.wait_for("EXITED=", T).contains("EXITED=0"));
}
