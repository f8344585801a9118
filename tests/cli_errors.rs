#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Bad connection input ends with one clear line on stderr and a non-zero
//! exit, before the terminal is touched (no escape sequences on stdout).

mod support;

use support::cli::{self, assert_one_clear_line, serve, write_kubeconfig};

#[test]
fn no_kubeconfig_at_all() {
    let r = cli::run(&[], &[]);
    assert_one_clear_line(&r, "no kubeconfig found");
    assert!(
        r.stderr.contains("--demo"),
        "suggests the demo: {}",
        r.stderr
    );
}

#[test]
fn kubeconfig_flag_pointing_nowhere() {
    let r = cli::run(&["--kubeconfig", "/nonexistent/kubeconfig"], &[]);
    assert_one_clear_line(&r, "/nonexistent/kubeconfig");
}

#[test]
fn unparsable_kubeconfig() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    std::fs::write(&path, "clusters: [this is: not: yaml").unwrap();
    let r = cli::run(&["--kubeconfig", path.to_str().unwrap()], &[]);
    assert_one_clear_line(&r, "cannot read kubeconfig");
}

#[test]
fn unknown_context_lists_the_known_ones() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_kubeconfig(dir.path(), "https://127.0.0.1:1");
    let r = cli::run(
        &["--kubeconfig", path.to_str().unwrap(), "--context", "nope"],
        &[],
    );
    assert_one_clear_line(&r, "context \"nope\" not found");
    assert!(r.stderr.contains("one, two"), "{}", r.stderr);
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
    let r = cli::run(&[], &[("KUBECONFIG", path.to_str().unwrap())]);
    assert_one_clear_line(&r, "cannot reach the API server");
    assert!(r.stderr.contains(&port.to_string()), "{}", r.stderr);
}

#[test]
fn kubeconfig_without_a_current_context_lists_the_contexts() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_kubeconfig(dir.path(), "https://127.0.0.1:1");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("current-context: one\n", "");
    std::fs::write(&path, text).unwrap();
    let r = cli::run(&["--kubeconfig", path.to_str().unwrap()], &[]);
    assert_one_clear_line(&r, "no current context");
    assert!(r.stderr.contains("one, two"), "{}", r.stderr);
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
    let r = cli::run(&["--kubeconfig", path.to_str().unwrap()], &[]);
    assert_one_clear_line(&r, "cannot use context \"one\"");
}

#[test]
fn kubeconfig_that_is_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let r = cli::run(&["--kubeconfig", dir.path().to_str().unwrap()], &[]);
    assert_one_clear_line(&r, "cannot read kubeconfig");
}

#[test]
fn kubeconfig_env_with_a_missing_file() {
    let r = cli::run(&[], &[("KUBECONFIG", "/nonexistent/kc")]);
    assert_one_clear_line(&r, "/nonexistent/kc");
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
    let r = cli::run(&["--kubeconfig", path.to_str().unwrap()], &[]);
    // The server did answer: say what it answered (#15), not that it
    // could not be reached.
    assert_one_clear_line(&r, "the API server answered 500 Internal Server Error");
    assert!(r.stderr.contains("internal error"), "{:?}", r.stderr);
    assert!(
        !r.stderr.trim_end().chars().any(char::is_control),
        "control characters from the server reached stderr: {:?}",
        r.stderr
    );
}

#[test]
fn a_server_that_is_not_kubernetes() {
    let port =
        serve("HTTP/1.1 200 OK\r\ncontent-length: 9\r\nconnection: close\r\n\r\n<html>\u{1b}[2J");
    let dir = tempfile::tempdir().unwrap();
    let path = write_kubeconfig(dir.path(), &format!("http://127.0.0.1:{port}"));
    let r = cli::run(&["--kubeconfig", path.to_str().unwrap()], &[]);
    assert_one_clear_line(&r, "cannot reach the API server");
}

#[test]
fn hostile_context_names_are_not_echoed_raw() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_kubeconfig(dir.path(), "https://127.0.0.1:1");
    let r = cli::run(
        &[
            "--kubeconfig",
            path.to_str().unwrap(),
            "--context",
            "\u{1b}]52;c;aGk=\u{7}evil\u{9b}2J",
        ],
        &[],
    );
    assert_one_clear_line(&r, "context \"\u{FFFD}evil\u{FFFD}\" not found");
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

// ---- Credential material never reaches the operator's screen ----------

/// Stands for any credential: whatever path an error takes, this string
/// must not come out of the binary.
const SECRET: &str = "SUPERSECRET-TOKEN-abc123";

fn credential(extra: &str) -> String {
    format!(
        "{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"{SECRET}\"}}}}{extra}"
    )
}

/// A kubeconfig whose user gets its credential from a plugin running
/// `body`; the server is a closed port, so only the plugin can fail first.
fn with_plugin(dir: &std::path::Path, body: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let plugin = cli::script(dir, "cred-plugin", body);
    let server = format!("https://127.0.0.1:{}", cli::closed_port());
    let kc = cli::write_kubeconfig_with_user(dir, &server, &cli::exec_user(&plugin));
    (kc, plugin)
}

fn leak(r: &cli::Run, case: &str) -> Option<String> {
    for (stream, text) in [("stdout", &r.stdout), ("stderr", &r.stderr)] {
        if text.contains(SECRET) || text.contains("SUPERSECRET") {
            return Some(format!("{case}: the credential reached {stream}: {text:?}"));
        }
        // Debug dumps of a process's output carry its stdout.
        if text.contains("Output {") || text.contains("stdout:") {
            return Some(format!("{case}: a debug dump reached {stream}: {text:?}"));
        }
    }
    None
}

fn assert_no_secret(r: &cli::Run, case: &str) {
    if let Some(problem) = leak(r, case) {
        panic!("{problem}");
    }
}

#[test]
fn a_plugin_credential_with_trailing_data_is_refused_as_kubectl_does_without_echoing_it() {
    // kubectl 1.32 refuses this output too ("decoding stdout: couldn't get
    // version/kind; json parse error: invalid character '}' after
    // top-level value"): the decoder reads exactly one JSON value.
    let dir = tempfile::tempdir().unwrap();
    let (kc, plugin) = with_plugin(dir.path(), &format!("echo '{}'", credential("}")));
    let r = cli::run(&["--kubeconfig", kc.to_str().unwrap()], &[]);
    assert_one_clear_line(&r, &plugin.display().to_string());
    assert_no_secret(&r, "trailing bracket");
    assert!(
        r.stderr.contains("after the ExecCredential"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_failing_plugin_is_reported_by_path_exit_status_and_stderr_never_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let (kc, plugin) = with_plugin(
        dir.path(),
        &format!(
            "echo '{}'\necho 'login failed: \x1b[31mno browser\x1b[0m' >&2\nexit 1",
            credential("")
        ),
    );
    let r = cli::run(&["--kubeconfig", kc.to_str().unwrap()], &[]);
    assert_one_clear_line(&r, &plugin.display().to_string());
    assert_no_secret(&r, "exit 1");
    assert!(r.stderr.contains("exit code 1"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("login failed: \u{FFFD}no browser\u{FFFD}"),
        "its stderr, cleaned: {}",
        r.stderr
    );
}

#[test]
fn a_plugin_that_is_not_installed_names_itself_and_its_install_hint() {
    let dir = tempfile::tempdir().unwrap();
    let server = format!("https://127.0.0.1:{}", cli::closed_port());
    let user = "\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: /nonexistent/kubelogin\n      \
                installHint: install kubelogin from your IT portal\n      interactiveMode: Never";
    let kc = cli::write_kubeconfig_with_user(dir.path(), &server, user);
    let r = cli::run(&["--kubeconfig", kc.to_str().unwrap()], &[]);
    assert_one_clear_line(&r, "/nonexistent/kubelogin");
    assert!(r.stderr.contains("not found"), "{}", r.stderr);
    assert!(r.stderr.contains("install kubelogin"), "{}", r.stderr);
}

/// Every way a start can fail while holding a credential: the plugin's
/// output in each wrong shape, a plugin that fails, a token a server
/// rejects or a header cannot carry, kubeconfigs that do not parse around
/// a token, and TLS material that is not what it claims.
#[test]
fn no_error_path_shows_credential_material() {
    let mut problems: Vec<String> = Vec::new();
    let b64 = |s: &str| {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(s.as_bytes())
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let closed = format!("https://127.0.0.1:{}", cli::closed_port());
    let rejecting = serve(
        "HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
    );
    let plugin_cases: Vec<(&str, String)> = vec![
        ("trailing bracket", format!("echo '{}'", credential("}"))),
        ("trailing text", format!("echo '{}'", credential(" and more"))),
        ("valid output, exit 1", format!("echo '{}'; exit 1", credential(""))),
        ("valid output, killed", format!("echo '{}'; kill -9 $$", credential(""))),
        (
            "status is a string",
            format!("echo '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":\"{SECRET}\"}}'"),
        ),
        (
            "token is a number",
            format!("echo '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":{{\"{SECRET}\":1}}}}}}'"),
        ),
        (
            "wrong apiVersion",
            format!("echo '{{\"apiVersion\":\"{SECRET}\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"{SECRET}\"}}}}'"),
        ),
        (
            "bad expiry",
            format!("echo '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"x\",\"expirationTimestamp\":\"{SECRET}\"}}}}'"),
        ),
        (
            "broken YAML",
            format!("printf 'kind: ExecCredential\\nstatus:\\n  token: {SECRET}\\n   - [\\n'"),
        ),
        ("token with a newline", format!("printf '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"{SECRET}\\\\nx\"}}}}'")),
        ("not UTF-8", format!("printf '{SECRET}\\377\\376'")),
    ];
    for (case, body) in &plugin_cases {
        let case_dir = tempfile::tempdir_in(d).unwrap();
        let (kc, _) = with_plugin(case_dir.path(), body);
        let r = cli::run(&["--kubeconfig", kc.to_str().unwrap()], &[]);
        assert_ne!(r.code, 0, "{case}: {}", r.stderr);
        problems.extend(leak(&r, case));
    }
    // The server says no to a credential that was delivered.
    let case_dir = tempfile::tempdir_in(d).unwrap();
    let plugin = cli::script(
        case_dir.path(),
        "ok-plugin",
        &format!("echo '{}'", credential("")),
    );
    let kc = cli::write_kubeconfig_with_user(
        case_dir.path(),
        &format!("http://127.0.0.1:{rejecting}"),
        &cli::exec_user(&plugin),
    );
    let r = cli::run(&["--kubeconfig", kc.to_str().unwrap()], &[]);
    assert_ne!(r.code, 0, "401: {}", r.stderr);
    problems.extend(leak(&r, "401 after a plugin credential"));

    let token_file = d.join("token");
    std::fs::write(&token_file, format!("{SECRET}\nsecond line\n")).unwrap();
    let user_cases: Vec<(&str, String, String)> = vec![
        (
            "inline token rejected",
            format!("http://127.0.0.1:{rejecting}"),
            format!("{{token: {SECRET}}}"),
        ),
        (
            "inline token with a newline",
            closed.clone(),
            format!("{{token: \"{SECRET}\\nx\"}}"),
        ),
        (
            "token file with two lines",
            format!("http://127.0.0.1:{rejecting}"),
            format!("{{tokenFile: {}}}", token_file.display()),
        ),
        (
            "token file is a directory",
            closed.clone(),
            format!("{{tokenFile: {}}}", d.display()),
        ),
        (
            "client key that is not a key",
            closed.clone(),
            format!(
                "{{client-certificate-data: {}, client-key-data: {}}}",
                b64(SECRET),
                b64(SECRET)
            ),
        ),
        (
            "client key that is not base64",
            closed.clone(),
            format!("{{client-certificate-data: {SECRET}, client-key-data: {SECRET}}}"),
        ),
        (
            "PEM key without a certificate",
            closed.clone(),
            format!(
                "{{client-key-data: {}}}",
                b64(&format!(
                    "-----BEGIN PRIVATE KEY-----\n{SECRET}\n-----END PRIVATE KEY-----\n"
                ))
            ),
        ),
        (
            "username and password",
            format!("http://127.0.0.1:{rejecting}"),
            format!("{{username: admin, password: {SECRET}}}"),
        ),
    ];
    for (case, server, user) in &user_cases {
        let case_dir = tempfile::tempdir_in(d).unwrap();
        let kc = cli::write_kubeconfig_with_user(case_dir.path(), server, user);
        let r = cli::run(&["--kubeconfig", kc.to_str().unwrap()], &[]);
        assert_ne!(r.code, 0, "{case}: {}", r.stderr);
        problems.extend(leak(&r, case));
    }

    // Kubeconfigs that do not parse, with a credential next to the mistake.
    let broken: Vec<(&str, String)> = vec![
        ("unclosed flow", format!("users:\n- name: u\n  user:\n    token: {SECRET}\n    as: [unclosed\n")),
        ("token is a map", format!("users:\n- name: u\n  user:\n    token: {{x: {SECRET}}}\n")),
        ("token is a list", format!("users:\n- name: u\n  user:\n    token: [{SECRET}]\n")),
        ("bad indentation", format!("users:\n- name: u\n  user:\n    token: {SECRET}\n   password: {SECRET}\n")),
        ("tab", format!("users:\n- name: u\n  user:\n\ttoken: {SECRET}\n")),
        ("duplicate key", format!("users:\n- name: u\n  user:\n    token: {SECRET}\n    token: {SECRET}\n")),
        ("key data not base64", format!("clusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:1\n    certificate-authority-data: {SECRET}\ncontexts:\n- name: one\n  context: {{cluster: c, user: u}}\ncurrent-context: one\nusers:\n- name: u\n  user: {{client-key-data: {SECRET}}}\n")),
        ("CA that is not a certificate", format!("clusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:1\n    certificate-authority-data: {}\ncontexts:\n- name: one\n  context: {{cluster: c, user: u}}\ncurrent-context: one\nusers:\n- name: u\n  user: {{token: {SECRET}}}\n", b64(SECRET))),
    ];
    for (case, text) in &broken {
        let path = d.join("broken-kubeconfig");
        std::fs::write(&path, text).unwrap();
        let r = cli::run(&["--kubeconfig", path.to_str().unwrap()], &[]);
        assert_ne!(r.code, 0, "{case}: {}", r.stderr);
        problems.extend(leak(&r, case));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---- Start-up needs a terminal -----------------------------------------

#[test]
fn without_a_terminal_kockpit_says_it_needs_one() {
    // Connected (the demo needs nothing), then no terminal to draw on: the
    // raw-mode error was "No such device or address (os error 6)".
    let r = cli::run_without_terminal(&["--demo"], &[], std::time::Duration::from_secs(60));
    assert_one_clear_line(&r, "kockpit needs a terminal");
}

// ---- A credential plugin that hangs ------------------------------------

/// A plugin that records its pid and then sleeps (as itself, via exec, so
/// killing it leaves nothing behind).
fn hanging_plugin(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let pid_file = dir.join("plugin.pid");
    let body = format!("echo $$ > {}\nexec sleep 600", pid_file.display());
    let (kc, _) = with_plugin(dir, &body);
    (kc, pid_file)
}

fn plugin_gone(pid_file: &std::path::Path) -> Result<(), String> {
    let pid = std::fs::read_to_string(pid_file).map_err(|e| e.to_string())?;
    let stat = format!("/proc/{}/stat", pid.trim());
    match std::fs::read_to_string(&stat) {
        Err(_) => Ok(()),
        // Killed but not yet reaped is gone too.
        Ok(s) if s.split_whitespace().nth(2) == Some("Z") => Ok(()),
        Ok(s) => Err(format!("plugin still running: {s}")),
    }
}

#[test]
fn a_hanging_plugin_is_named_while_it_runs_and_given_up_on_at_the_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let (kc, pid_file) = hanging_plugin(dir.path());
    let started = std::time::Instant::now();
    let r = cli::run_without_terminal(
        &["--kubeconfig", kc.to_str().unwrap(), "--exec-timeout", "4s"],
        &[],
        std::time::Duration::from_secs(30),
    );
    let took = started.elapsed();
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "a notice, then the error: {:?}", r.stderr);
    assert!(
        lines[0].starts_with("kockpit: waiting for credential plugin ")
            && lines[0].contains("cred-plugin")
            && lines[0].contains("ctrl-c"),
        "{:?}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("kockpit: ") && lines[1].contains("gave no credential within 4s"),
        "{:?}",
        lines[1]
    );
    assert_ne!(r.code, 0);
    assert!(r.stdout.is_empty(), "{:?}", r.stdout);
    assert!(took < std::time::Duration::from_secs(10), "took {took:?}");
    support::poll::eventually(
        "the plugin to be killed",
        std::time::Duration::from_secs(5),
        || plugin_gone(&pid_file),
    );
}

#[test]
fn ctrl_c_while_a_plugin_hangs_ends_kockpit_and_the_plugin() {
    use std::io::Read;
    use std::os::unix::process::CommandExt;
    let dir = tempfile::tempdir().unwrap();
    let (kc, pid_file) = hanging_plugin(dir.path());
    let home = tempfile::tempdir().unwrap();
    let mut cmd = cli::command(&["--kubeconfig", kc.to_str().unwrap()], &[], home.path());
    // A process group of its own, as a shell gives a foreground job: the
    // terminal's ctrl-c is a SIGINT to the whole group.
    cmd.process_group(0)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 256];
    while !String::from_utf8_lossy(&seen).contains("waiting for credential plugin") {
        let n = stderr.read(&mut buf).unwrap();
        assert_ne!(
            n,
            0,
            "kockpit ended early: {}",
            String::from_utf8_lossy(&seen)
        );
        seen.extend_from_slice(&buf[..n]);
    }
    let pgid = child.id() as i32;
    let sent = std::time::Instant::now();
    // SAFETY: a plain kill(2) of the group we just made.
    assert_eq!(unsafe { libc::kill(-pgid, libc::SIGINT) }, 0);
    let r = cli::wait_or_kill(child, std::time::Duration::from_secs(10));
    assert!(
        sent.elapsed() < std::time::Duration::from_secs(2),
        "{:?}",
        sent.elapsed()
    );
    assert_ne!(r.code, 0);
    support::poll::eventually(
        "the plugin to end",
        std::time::Duration::from_secs(5),
        || plugin_gone(&pid_file),
    );
}

// ---- A busy server at start --------------------------------------------

fn demo_with_faults(faults: &[&str]) -> support::kubectl::DemoServer {
    let mut args = Vec::new();
    for f in faults {
        args.extend(["--fault", f]);
    }
    support::kubectl::DemoServer::start_with(&args, std::time::Duration::from_secs(30))
}

#[test]
fn starts_ride_out_a_server_failing_half_its_requests_with_503() {
    // Before: one 503 on /version ended the start ("cannot reach the API
    // server" plus a Debug dump of the Status).
    let demo = demo_with_faults(&["error-rate=0.5", "error-code=503", "seed=7"]);
    let kc = demo.kubeconfig.to_str().unwrap().to_string();
    for start in 0..8 {
        let r = cli::run_without_terminal(
            &["--kubeconfig", &kc],
            &[],
            std::time::Duration::from_secs(30),
        );
        // Connected: what stops it is the missing terminal.
        assert_one_clear_line(&r, "kockpit needs a terminal");
        assert!(
            !r.stderr.contains("Status {"),
            "start {start}: {}",
            r.stderr
        );
    }
}

#[test]
fn a_server_that_always_answers_503_is_one_line_within_the_deadline() {
    let demo = demo_with_faults(&["error-rate=1", "error-code=503", "seed=1"]);
    let kc = demo.kubeconfig.to_str().unwrap().to_string();
    let started = std::time::Instant::now();
    let r = cli::run_without_terminal(
        &["--kubeconfig", &kc],
        &[],
        std::time::Duration::from_secs(30),
    );
    let took = started.elapsed();
    assert_one_clear_line(&r, "the API server answered 503 Service Unavailable");
    assert!(r.stderr.contains("tries in 8s"), "{}", r.stderr);
    assert!(
        !r.stderr.contains("Status {") && r.stderr.len() < 300,
        "{}",
        r.stderr
    );
    assert!(
        took < std::time::Duration::from_secs(10),
        "the 8 s deadline held: {took:?}"
    );
}

// ---- A plugin's credential is used, and asked for once ------------------

#[test]
fn a_plugin_token_reaches_the_server_and_the_plugin_runs_once() {
    let demo = support::kubectl::DemoServer::start();
    let kc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&demo.kubeconfig).unwrap()).unwrap();
    let server = kc["clusters"][0]["cluster"]["server"]
        .as_str()
        .unwrap()
        .to_string();
    let token = kc["users"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|u| u["user"]["token"].as_str())
        .unwrap()
        .to_string();
    let dir = tempfile::tempdir().unwrap();
    let runs = dir.path().join("runs");
    for (tok, expect) in [
        (token.as_str(), "kockpit needs a terminal"),
        ("not-the-token", "the API server answered 401 Unauthorized"),
    ] {
        let _ = std::fs::remove_file(&runs);
        let plugin = cli::script(
            dir.path(),
            "cred-plugin",
            &format!(
                "echo run >> {}\necho '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"{tok}\",\"expirationTimestamp\":\"2099-01-01T00:00:00Z\"}}}}'",
                runs.display()
            ),
        );
        let path = cli::write_kubeconfig_with_user(dir.path(), &server, &cli::exec_user(&plugin));
        let r = cli::run_without_terminal(
            &["--kubeconfig", path.to_str().unwrap()],
            &[],
            std::time::Duration::from_secs(30),
        );
        // Connected with the restricted user's token; refused with another.
        assert_one_clear_line(&r, expect);
        assert!(!r.stderr.contains(&token), "{}", r.stderr);
        let count = std::fs::read_to_string(&runs).unwrap().lines().count();
        assert_eq!(count, 1, "the plugin ran {count} times for one start");
    }
}

// ---- kockpit's own log ----------------------------------------------------

#[test]
fn a_bad_log_directive_is_reported_once_in_a_dated_private_log() {
    let state = tempfile::tempdir().unwrap();
    let r = cli::run(
        &["--kubeconfig", "/nonexistent/kc"],
        &[
            ("KOCKPIT_LOG", "debug,kube=[[,kockpit=trace"),
            ("XDG_STATE_HOME", state.path().to_str().unwrap()),
        ],
    );
    assert_one_clear_line(&r, "/nonexistent/kc");
    let dir = state.path().join("kockpit");
    let logs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("kockpit.") && n.ends_with(".log"))
        .collect();
    assert_eq!(logs.len(), 1, "{logs:?}");
    // kockpit.YYYY-MM-DD.log: rotated daily, the last week kept.
    assert_eq!(logs[0].len(), "kockpit.2026-01-01.log".len(), "{logs:?}");
    let text = std::fs::read_to_string(dir.join(&logs[0])).unwrap();
    assert_eq!(
        text.matches("KOCKPIT_LOG: ignored").count(),
        1,
        "said once: {text}"
    );
    assert!(text.contains("kube=[["), "{text}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700, "the log directory is private");
}

// ---- Proxies, as kubectl uses them ------------------------------------

/// The demo's kubeconfig with its server rewritten to `server` (`{port}`
/// is the demo's port) and an optional proxy-url.
fn demo_kubeconfig_via(
    demo: &support::kubectl::DemoServer,
    server: &str,
    proxy_url: Option<&str>,
) -> std::path::PathBuf {
    let mut kc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&demo.kubeconfig).unwrap()).unwrap();
    let real = kc["clusters"][0]["cluster"]["server"]
        .as_str()
        .unwrap()
        .to_string();
    let port = real
        .rsplit(':')
        .next()
        .unwrap()
        .trim_end_matches('/')
        .to_string();
    kc["clusters"][0]["cluster"]["server"] = server.replace("{port}", &port).into();
    if let Some(p) = proxy_url {
        kc["clusters"][0]["cluster"]["proxy-url"] = p.into();
    }
    let path = demo
        .dir
        .path()
        .join(format!("via-{}", support::cli::closed_port()));
    std::fs::write(&path, kc.to_string()).unwrap();
    path
}

fn connected(r: &cli::Run, case: &str) {
    assert!(
        r.stderr.contains("kockpit needs a terminal") && r.stderr.lines().count() == 1,
        "{case}: expected to connect, got {:?}",
        r.stderr
    );
}

#[test]
fn proxy_variables_set_do_not_stop_a_loopback_cluster_as_with_kubectl() {
    // #14: with HTTPS_PROXY set, `--kubeconfig K` and `--demo` exited 1
    // ("requires the disabled feature kube/http-proxy"). Go, and so
    // kubectl, never proxies localhost or a loopback address.
    let dead = format!("http://127.0.0.1:{}", cli::closed_port());
    let env = [
        ("HTTPS_PROXY", dead.as_str()),
        ("HTTP_PROXY", dead.as_str()),
        ("https_proxy", dead.as_str()),
        ("http_proxy", dead.as_str()),
    ];
    let r = cli::run_without_terminal(&["--demo"], &env, std::time::Duration::from_secs(60));
    connected(&r, "--demo");
    let demo = support::kubectl::DemoServer::start();
    for server in ["http://127.0.0.1:{port}", "http://localhost:{port}"] {
        let kc = demo_kubeconfig_via(&demo, server, None);
        let r = cli::run_without_terminal(
            &["--kubeconfig", kc.to_str().unwrap()],
            &env,
            std::time::Duration::from_secs(30),
        );
        connected(&r, server);
    }
}

#[test]
fn requests_go_through_a_real_proxy_and_no_proxy_bypasses_it() {
    if support::proxy::tinyproxy_missing() {
        return;
    }
    let proxy = support::proxy::TinyProxy::start();
    let demo = support::kubectl::DemoServer::start();
    let run = |kc: &std::path::Path, env: &[(&str, &str)]| {
        cli::run_without_terminal(
            &["--kubeconfig", kc.to_str().unwrap()],
            env,
            std::time::Duration::from_secs(30),
        )
    };

    // A kubeconfig's proxy-url is used as it is, loopback server or not.
    let kc = demo_kubeconfig_via(&demo, "http://127.0.0.1:{port}", Some(&proxy.url()));
    connected(&run(&kc, &[]), "proxy-url");
    let seen = proxy.requests();
    assert!(
        seen.iter().any(|r| r.starts_with("CONNECT 127.0.0.1:")),
        "through the proxy: {seen:?}"
    );

    // HTTP_PROXY for an http server that is not loopback to Go (0.0.0.0
    // reaches the demo's 127.0.0.1 on Linux).
    let kc = demo_kubeconfig_via(&demo, "http://0.0.0.0:{port}", None);
    let before = proxy.requests().len();
    connected(&run(&kc, &[("HTTP_PROXY", &proxy.url())]), "HTTP_PROXY");
    let seen = proxy.requests();
    assert!(
        seen[before..]
            .iter()
            .any(|r| r.starts_with("CONNECT 0.0.0.0:")),
        "HTTP_PROXY used: {seen:?}"
    );

    // NO_PROXY by address and by CIDR: straight to the server.
    for no_proxy in ["0.0.0.0", "10.0.0.0/8,0.0.0.0/32", "*"] {
        let before = proxy.requests().len();
        let r = run(&kc, &[("HTTP_PROXY", &proxy.url()), ("NO_PROXY", no_proxy)]);
        connected(&r, no_proxy);
        assert_eq!(
            proxy.requests().len(),
            before,
            "NO_PROXY={no_proxy} bypasses the proxy"
        );
    }
}

#[test]
fn a_dead_proxy_is_one_clear_line_naming_it() {
    let demo = support::kubectl::DemoServer::start();
    let port = cli::closed_port();
    let dead = format!("http://user:s3cr3t@127.0.0.1:{port}");
    let kc = demo_kubeconfig_via(&demo, "http://0.0.0.0:{port}", None);
    let started = std::time::Instant::now();
    let r = cli::run_without_terminal(
        &[
            "--kubeconfig",
            kc.to_str().unwrap(),
            "--request-timeout",
            "2s",
        ],
        &[("HTTP_PROXY", &dead)],
        std::time::Duration::from_secs(30),
    );
    assert_one_clear_line(
        &r,
        &format!("through the proxy http://127.0.0.1:{port} (HTTP_PROXY)"),
    );
    assert!(
        !r.stderr.contains("s3cr3t"),
        "the proxy's password: {}",
        r.stderr
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(6),
        "--request-timeout 2s: {:?}",
        started.elapsed()
    );
}

// ---- KUBECONFIG merging, as client-go merges -----------------------------

#[test]
fn kubeconfig_lists_skip_missing_files_and_the_first_file_wins() {
    let demo = support::kubectl::DemoServer::start();
    let kc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&demo.kubeconfig).unwrap()).unwrap();
    let good = kc["clusters"][0]["cluster"]["server"]
        .as_str()
        .unwrap()
        .to_string();
    let dead = format!("http://127.0.0.1:{}", cli::closed_port());
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str, current: &str, contexts: &[(&str, &str)]| {
        let mut text =
            format!("apiVersion: v1\nkind: Config\ncurrent-context: {current}\nclusters:\n");
        for (ctx, server) in contexts {
            text += &format!("- name: {name}-{ctx}\n  cluster:\n    server: {server}\n");
        }
        text += "contexts:\n";
        for (ctx, _) in contexts {
            text += &format!("- name: {ctx}\n  context:\n    cluster: {name}-{ctx}\n    user: u\n");
        }
        text += "users:\n- name: u\n  user: {}\n";
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    };
    // a: context one (good), current-context one.
    // b: context one (dead) and two (good), current-context two.
    let a = file("a", "one", &[("one", &good)]);
    let b = file("b", "two", &[("one", &dead), ("two", &good)]);
    let missing = dir.path().join("missing").display().to_string();
    let list = format!("{a}:{missing}:{b}");
    let run = |args: &[&str]| {
        cli::run_without_terminal(
            args,
            &[("KUBECONFIG", &list)],
            std::time::Duration::from_secs(30),
        )
    };
    // current-context and "one" both come from a, the first to set them.
    connected(&run(&[]), "a's current context, a's one");
    // b's own context is there too.
    connected(&run(&["--context", "two"]), "b's two");
    // Nothing but missing files: one line naming them.
    let none = format!("{missing}:{missing}-too");
    let r = cli::run(&[], &[("KUBECONFIG", &none)]);
    assert_one_clear_line(&r, "none of the files in KUBECONFIG exist");
    assert!(r.stderr.contains(&missing), "{}", r.stderr);
    // An explicit --kubeconfig must exist, KUBECONFIG or not.
    let r = cli::run(&["--kubeconfig", &missing], &[("KUBECONFIG", &list)]);
    assert_one_clear_line(&r, &missing);
}

// ---- kubectl's connection flags ------------------------------------------

#[test]
fn connection_flags_mean_what_they_mean_to_kubectl() {
    let demo = support::kubectl::DemoServer::start();
    let kc = demo.kubeconfig.to_str().unwrap().to_string();
    let good: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&demo.kubeconfig).unwrap()).unwrap();
    let good = good["clusters"][0]["cluster"]["server"]
        .as_str()
        .unwrap()
        .to_string();
    let run = |extra: &[&str]| {
        let mut args = vec!["--kubeconfig", kc.as_str()];
        args.extend_from_slice(extra);
        cli::run_without_terminal(&args, &[], std::time::Duration::from_secs(30))
    };
    // --as: the demo lets its admin act as the restricted user, and
    // refuses anyone else, so the header did reach the server.
    connected(&run(&["--as", "demo-restricted"]), "--as demo-restricted");
    let r = run(&["--as", "nobody", "--as-group", "ops"]);
    assert_one_clear_line(&r, "the API server answered 403 Forbidden");
    assert!(r.stderr.contains("nobody"), "{}", r.stderr);
    let r = run(&["--as-group", "ops"]);
    assert_one_clear_line(&r, "need --as");
    // --cluster and --user name kubeconfig entries, which must exist.
    let r = run(&["--cluster", "nope"]);
    assert_one_clear_line(
        &r,
        "cluster \"nope\" not found in kubeconfig (available: kockpit-demo)",
    );
    let r = run(&["--user", "nope"]);
    assert_one_clear_line(&r, "user \"nope\" not found in kubeconfig");
    connected(
        &run(&["--user", "demo-restricted"]),
        "--user demo-restricted",
    );
    // --server replaces the cluster's address.
    let dead_dir = tempfile::tempdir().unwrap();
    let dead = cli::write_kubeconfig(
        dead_dir.path(),
        &format!("http://127.0.0.1:{}", cli::closed_port()),
    );
    let r = cli::run_without_terminal(
        &["--kubeconfig", dead.to_str().unwrap(), "--server", &good],
        &[],
        std::time::Duration::from_secs(30),
    );
    connected(&r, "--server");
    // --certificate-authority and --client-certificate name files that
    // must be readable.
    let https = cli::write_kubeconfig(dead_dir.path(), "https://127.0.0.1:1");
    for flag in ["--certificate-authority", "--client-certificate"] {
        let r = cli::run(
            &[
                "--kubeconfig",
                https.to_str().unwrap(),
                flag,
                "/nonexistent/pem",
            ],
            &[],
        );
        assert_ne!(r.code, 0, "{flag}");
        assert_eq!(r.stderr.lines().count(), 1, "{flag}: {}", r.stderr);
        assert!(
            r.stderr.contains("/nonexistent/pem"),
            "{flag}: {}",
            r.stderr
        );
    }
}

#[test]
fn request_timeout_bounds_the_wait_for_a_silent_server() {
    // Accepts connections and never answers (k9s#2645: over a minute).
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming() {
            held.push(s);
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let kc = cli::write_kubeconfig(dir.path(), &format!("http://127.0.0.1:{port}"));
    let started = std::time::Instant::now();
    let r = cli::run(
        &[
            "--kubeconfig",
            kc.to_str().unwrap(),
            "--request-timeout",
            "1500ms",
        ],
        &[],
    );
    assert_one_clear_line(&r, "no answer within 1.5s");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
}
