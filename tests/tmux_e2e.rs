#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The real binary in a real terminal: `kockpit --demo` inside tmux, keys
//! sent with send-keys, the screen read back with capture-pane.

use std::process::Command;
use std::time::Duration;

mod support;
use support::kubectl::DemoServer;
use support::tmux::TmuxSetup;

const TMUX: TmuxSetup = TmuxSetup {
    socket_prefix: "kockpit-test",
    key_pause: Duration::from_millis(150),
};

const T: Duration = Duration::from_secs(20);

#[test]
fn walkthrough_of_the_demo() {
    let Some(t) = TMUX.start("--demo", 140, 36) else {
        return;
    };
    let s = t.wait_for("● live", T);
    assert!(s.contains("overview(shop)"), "{s}");
    assert!(s.contains("Deployments ("), "{s}");
    assert_eq!(
        mouse_reporting(&t),
        "0",
        "the mouse is the terminal's unless --mouse"
    );

    t.keys(&["2"]);
    let s = t.wait_for("deployments(shop)", T);
    for name in ["api", "worker", "frontend-blue", "frontend-green"] {
        assert!(s.contains(name), "{name} missing:\n{s}");
    }

    t.keys(&["/", "front", "Enter"]);
    let s = t.wait_for("</front>", T);
    assert!(
        !s.lines().any(|l| l.contains("│api ")),
        "filter should hide api:\n{s}"
    );

    t.keys(&["Escape", "3"]);
    let s = t.wait_for("pods(shop)", T);
    assert!(s.contains("Running"), "{s}");

    t.keys(&["?"]);
    let s = t.wait_for("help — esc or ? to close", T);
    assert!(s.contains("quit"), "{s}");

    t.keys(&["Escape", "q"]);
    let s = t.wait_for("EXITED=", T);
    assert!(s.contains("EXITED=0"), "{s}");
    // The alternate screen is gone: none of the UI is left on the terminal.
    assert!(!s.contains("kockpit  ctx:"), "terminal not restored:\n{s}");
}

#[test]
fn sigterm_and_sighup_restore_the_terminal() {
    for signal in ["TERM", "HUP"] {
        let Some(t) = TMUX.start("--demo", 100, 30) else {
            return;
        };
        t.wait_for("● live", T);
        let pid = t.kockpit_pid();
        assert!(!pid.is_empty());
        Command::new("kill")
            .args([format!("-{signal}"), pid])
            .status()
            .unwrap();
        let s = t.wait_for("EXITED=", T);
        assert!(
            !s.contains("kockpit  ctx:"),
            "SIG{signal}: terminal not restored:\n{s}"
        );
    }
}

#[test]
fn a_panic_restores_the_terminal_and_says_why() {
    let Some(t) = TMUX.start_env("--demo", "KOCKPIT_TEST_PANIC=1 RUST_BACKTRACE=0", 100, 30) else {
        return;
    };
    let s = t.wait_for("EXITED=", T);
    assert!(s.contains("KOCKPIT_TEST_PANIC was set"), "{s}");
    assert!(!s.contains("EXITED=0"), "{s}");
    assert!(!s.contains("kockpit  ctx:"), "terminal not restored:\n{s}");
}

#[test]
fn a_bad_keymap_file_is_reported_with_its_line_and_defaults_apply() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join(".config/kockpit");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("keymap.toml"),
        "[[bind]]\nkeys = [\"x\"]\naction = \"explode\"\n",
    )
    .unwrap();
    let env = format!("HOME={}", home.path().display());
    let Some(t) = TMUX.start_env("--demo", &env, 140, 30) else {
        return;
    };
    let s = t.wait_for("keymap.toml:3: unknown action", T);
    assert!(s.contains("using the defaults"), "{s}");
    t.keys(&["2"]);
    t.wait_for("deployments(shop)", T);
}

/// An exec credential plugin that writes to stderr (as login helpers do)
/// must not scribble over the cockpit while it refreshes a token.
#[test]
fn an_exec_auth_plugin_cannot_corrupt_the_screen() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    // Stopped when dropped, even when an assertion fails.
    let serve = DemoServer::start();
    let demo: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&serve.kubeconfig).unwrap()).unwrap();
    let server = demo["clusters"][0]["cluster"]["server"]
        .as_str()
        .unwrap()
        .to_string();
    // The demo answers an unknown bearer token with 401 like a real API
    // server, so the plugin hands out the one token the demo issues (its
    // restricted user, who may read the shop namespace).
    let token = demo["users"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|u| u["user"]["token"].as_str())
        .expect("the demo kubeconfig has a token user")
        .to_string();

    let calls = dir.path().join("calls");
    let plugin = dir.path().join("plugin.sh");
    let mut f = std::fs::File::create(&plugin).unwrap();
    writeln!(
        f,
        "#!/bin/sh\necho x >> {}\nprintf '\\033[2J\\033[HGARBAGE-FROM-PLUGIN\\n' >&2\n\
         exp=$(date -u -d '+1 seconds' +%Y-%m-%dT%H:%M:%SZ)\n\
         printf '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"{token}\",\"expirationTimestamp\":\"%s\"}}}}' \"$exp\"",
        calls.display()
    )
    .unwrap();
    drop(f);
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let kc = dir.path().join("exec.kubeconfig");
    std::fs::write(
        &kc,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: c\n  cluster:\n    server: {server}\n\
             contexts:\n- name: c\n  context:\n    cluster: c\n    user: u\n    namespace: shop\n\
             users:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: {}\n      interactiveMode: IfAvailable\n",
            plugin.display()
        ),
    )
    .unwrap();

    let t = TMUX.start(&format!("--kubeconfig {}", kc.display()), 120, 30);
    if let Some(t) = t {
        t.wait_for("● live", T);
        // Switching namespaces restarts every watch: new requests, and the
        // expired token makes the plugin run again, now behind our screen.
        std::thread::sleep(Duration::from_millis(1500));
        t.keys(&[":", "ns default", "Enter"]);
        t.wait_for("ns:default", T);
        std::thread::sleep(Duration::from_millis(1500));
        t.keys(&["0"]);
        std::thread::sleep(Duration::from_millis(1500));
        let s = t.screen();
        let runs = std::fs::read_to_string(&calls)
            .unwrap_or_default()
            .lines()
            .count();
        assert!(
            runs >= 2,
            "the plugin should have refreshed the token (ran {runs} times)"
        );
        assert!(
            !s.contains("GARBAGE"),
            "plugin output reached the screen:\n{s}"
        );
        assert!(
            s.contains("kockpit  ctx:c"),
            "screen cleared by the plugin:\n{s}"
        );
    }
}

/// `--mouse`: a click highlights the row under it, a second click opens it,
/// and the wheel moves the highlight like the arrow keys. The reports are
/// typed into the pane exactly as a terminal sends them once the program
/// has asked for the mouse (SGR encoding, 1-based cells).
#[test]
fn with_mouse_a_click_opens_the_row_under_it_and_the_wheel_moves() {
    let Some(t) = TMUX.start("--demo --mouse", 140, 36) else {
        return;
    };
    t.wait_for("● live", T);
    assert_eq!(
        mouse_reporting(&t),
        "1",
        "--mouse asks the terminal for SGR mouse reports"
    );
    t.keys(&["3"]);
    let s = t.wait_for("pods(shop)", T);
    // Line 3 of the screen (0-based) is the table's first row.
    let name_on = |line: usize| -> String {
        s.lines()
            .nth(line)
            .and_then(|l| l.trim_start_matches('│').split_whitespace().next())
            .unwrap_or_else(|| panic!("no row on line {line}:\n{s}"))
            .to_string()
    };
    let (fifth, eighth) = (name_on(7), name_on(10));

    let click_line_8 = "\x1b[<0;20;8M\x1b[<0;20;8m";
    t.type_text(click_line_8);
    t.type_text(click_line_8);
    let detail = t.wait_for(&format!("pod shop/{fifth}"), T);
    assert!(detail.contains("Containers"), "{detail}");

    t.keys(&["Escape"]);
    t.wait_for("pods(shop)", T);
    // One notch down from the fifth row is the eighth.
    t.type_text("\x1b[<65;20;8M");
    t.keys(&["Enter"]);
    t.wait_for(&format!("pod shop/{eighth}"), T);

    t.keys(&["q"]);
    t.wait_for("EXITED=0", T);
    assert_eq!(mouse_reporting(&t), "0", "the mouse is handed back on exit");
}

/// Whether the program in the pane has asked for SGR mouse reports.
fn mouse_reporting(t: &support::tmux::Tmux) -> String {
    let out = t.tmux(&["display-message", "-p", "-t", "t", "#{mouse_sgr_flag}"]);
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}
