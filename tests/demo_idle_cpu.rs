#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Measures (does not assert) the idle CPU of `kockpit demo serve --scenario
//! scale:1000x10`: after start-up it should sleep until something changes.
//! A measurement, so ignored by default; run it on a release build:
//! `cargo test --release --test demo_idle_cpu -- --ignored --nocapture`.
//! Target: under 3 % of one core over 30 s (figures in PERFORMANCE.md).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// utime + stime of a process, in clock ticks (/proc/<pid>/stat fields 14, 15).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // The command name (field 2) may contain spaces: count after its ')'.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

fn ticks_per_second() -> f64 {
    let out = Command::new("getconf").arg("CLK_TCK").output();
    out.ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

#[test]
#[ignore = "a 30-second measurement; run with --ignored --nocapture on a release build"]
fn idle_cpu_of_the_scale_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kockpit"))
        .args([
            "demo",
            "serve",
            "--scenario",
            "scale:1000x10",
            "--kubeconfig",
        ])
        .arg(dir.path().join("kubeconfig"))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    for line in BufReader::new(stdout).lines() {
        if line.unwrap().starts_with("listening on ") {
            break;
        }
    }
    let startup = started.elapsed();
    let pid = child.id();
    let startup_cpu = cpu_ticks(pid) as f64 / ticks_per_second();
    // Let the first controller passes finish before measuring.
    std::thread::sleep(Duration::from_secs(5));
    let before = cpu_ticks(pid);
    let window = Duration::from_secs(30);
    std::thread::sleep(window);
    let after = cpu_ticks(pid);
    let alive = child.try_wait().unwrap().is_none();
    let _ = child.kill();
    let _ = child.wait();
    assert!(alive, "demo serve exited during the measurement");
    let busy = (after - before) as f64 / ticks_per_second();
    println!(
        "scale:1000x10: start-up {:.1} s wall, {startup_cpu:.1} s CPU; idle {:.2} % of a core over {} s",
        startup.as_secs_f64(),
        busy / window.as_secs_f64() * 100.0,
        window.as_secs()
    );
}
