"""The cockpits under test: how to start each one on the pods of a namespace,
how to recognise its complete pods screen, filter it and quit it.

Peers are built into a cache outside git (never committed):
  kdash: cargo install kdash --version V --locked --root CACHE/peers/kdash-V
  k9s:   GOBIN=CACHE/peers/k9s-V go install github.com/derailed/k9s@V
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from typing import Callable

KDASH_VERSION = "2.1.1"
K9S_VERSION = "v0.50.16"

# kwok pod names of the bench deployments: app-0042-<rs hash>-<5 chars>
POD_ROW = re.compile(r"\bapp-\d{4}-[a-z0-9]{5,10}-[a-z0-9]{5}\b")


@dataclass
class Tool:
    name: str
    binary: str
    version: str
    # argv after the binary; {kubeconfig} and {ns} are substituted
    args: list[str]
    # the pods table title with the number of rows: group(1) is the count
    count_re: re.Pattern
    # the table rows that must be drawn for the screen to count as complete
    min_rows: int
    # keys sent once the tool has drawn anything, to reach the pods screen
    to_pods: list[bytes] = field(default_factory=list)
    filter_keys: Callable[[str], list[bytes]] = lambda t: [b"/", *[c.encode() for c in t], b"\r"]
    clear_filter_keys: list[bytes] = field(default_factory=lambda: [b"\x1b"])
    quit_keys: list[bytes] = field(default_factory=lambda: [b"q"])
    extra_env: dict[str, str] = field(default_factory=dict)
    note: str = ""

    def argv(self, kubeconfig: str, ns: str) -> list[str]:
        return [self.binary] + [a.format(kubeconfig=kubeconfig, ns=ns) for a in self.args]


def cache_root() -> str:
    return os.environ.get("KOCKPIT_CACHE", os.path.expanduser("~/.cache/kockpit"))


def peers_dir() -> str:
    return os.path.join(cache_root(), "peers")


def kockpit(binary: str, env: list[str] | None = None) -> Tool:
    version = "?"
    try:
        version = subprocess.run([binary, "--version"], capture_output=True, text=True,
                                 timeout=10).stdout.strip().split()[-1]
    except (OSError, subprocess.SubprocessError, IndexError):
        pass
    return Tool(
        name="kockpit", binary=binary, version=version,
        args=["--kubeconfig", "{kubeconfig}", "-n", "{ns}"],
        count_re=re.compile(r"pods\([^)]*\)\[(\d+)\]"),
        min_rows=40,
        to_pods=[b"3"],
        quit_keys=[b"\x1b", b"\x1b", b"q"],
        extra_env=dict(kv.split("=", 1) for kv in (env or [])),
        note=" ".join(env or []),
    )


def k9s(home: str) -> Tool | None:
    binary = os.path.join(peers_dir(), f"k9s-{K9S_VERSION}", "k9s")
    if not os.access(binary, os.X_OK):
        return None
    cfg = os.path.join(home, "k9s-config")
    os.makedirs(cfg, exist_ok=True)
    with open(os.path.join(cfg, "config.yaml"), "w") as f:
        # Defaults, except: no call to GitHub for the latest release (no
        # network here; it would only add noise).
        f.write("k9s:\n  skipLatestRevCheck: true\n  refreshRate: 2\n")
    return Tool(
        name="k9s", binary=binary, version=K9S_VERSION,
        args=["--kubeconfig", "{kubeconfig}", "-n", "{ns}", "-c", "pods"],
        count_re=re.compile(r"[Pp]ods\([^)]*\)\[([\d,]+)\]"),  # k9s writes 10,000
        min_rows=35,
        filter_keys=lambda t: [b"/", *[c.encode() for c in t], b"\r"],
        quit_keys=[b"\x1b", b":", b"q", b"\r"],
        extra_env={"K9S_CONFIG_DIR": cfg},
        note="refreshRate 2 s (its default and minimum)",
    )


def kdash(home: str) -> Tool | None:
    binary = os.path.join(peers_dir(), f"kdash-{KDASH_VERSION}", "bin", "kdash")
    if not os.access(binary, os.X_OK):
        return None
    return Tool(
        name="kdash", binary=binary, version=KDASH_VERSION,
        args=["-n", "{ns}"],
        count_re=re.compile(r"Pods \(ns: [^)]*\) \[(\d+)\]"),
        min_rows=15,
        # kdash filters as you type; Enter would open the selected pod
        filter_keys=lambda t: [b"/", *[c.encode() for c in t]],
        quit_keys=[b"\x1b", b"\x1b", b"q"],
        note="defaults: poll 5 s, tick 250 ms",
    )


def tool_env(tool: Tool, home: str, kubeconfig: str) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": home,
        "XDG_CONFIG_HOME": os.path.join(home, ".config"),
        "XDG_STATE_HOME": os.path.join(home, ".local/state"),
        "XDG_DATA_HOME": os.path.join(home, ".local/share"),
        "XDG_CACHE_HOME": os.path.join(home, ".cache"),
        "KUBECONFIG": kubeconfig,
        "TERM": "xterm-256color",
        "COLORTERM": "truecolor",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
    }
    env.update(tool.extra_env)
    return env


def build_peers() -> None:
    """Builds the peers into the cache with `nice` (prints, never raises)."""
    root = peers_dir()
    os.makedirs(os.path.join(root, "logs"), exist_ok=True)
    kd = os.path.join(root, f"kdash-{KDASH_VERSION}")
    if not os.access(os.path.join(kd, "bin", "kdash"), os.X_OK):
        log = os.path.join(root, "logs", "kdash-build.log")
        print(f"building kdash {KDASH_VERSION} into {kd} (log: {log})", flush=True)
        with open(log, "w") as out:
            rc = subprocess.call(["nice", "-n", "15", "cargo", "install", "kdash", "--version",
                                  KDASH_VERSION, "--locked", "--root", kd],
                                 stdout=out, stderr=subprocess.STDOUT, cwd="/tmp")
        if rc != 0:
            print(f"kdash build FAILED (rc {rc}); last lines of {log}:")
            print("".join(open(log).readlines()[-15:]))
    k9 = os.path.join(root, f"k9s-{K9S_VERSION}")
    if not os.access(os.path.join(k9, "k9s"), os.X_OK):
        log = os.path.join(root, "logs", "k9s-build.log")
        go = shutil.which("go") or "/usr/local/go/bin/go"
        print(f"building k9s {K9S_VERSION} into {k9} (log: {log})", flush=True)
        env = dict(os.environ, GOBIN=k9, GOFLAGS="-p=2")
        with open(log, "w") as out:
            rc = subprocess.call(["nice", "-n", "15", go, "install",
                                  f"github.com/derailed/k9s@{K9S_VERSION}"],
                                 stdout=out, stderr=subprocess.STDOUT, cwd="/tmp", env=env)
        if rc != 0:
            print(f"k9s build FAILED (rc {rc}); last lines of {log}:")
            print("".join(open(log).readlines()[-15:]))
