"""kockpit performance harness: `perf/bench` (kockpit vs k9s vs kdash on one
cluster) and `perf/soak` (kockpit for minutes under churn and log streams).
See perf/README.md."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import time

from . import cluster, report, tools
from .kube import Kube
from .measure import Config, run_tool

REPO = cluster.REPO


def stamp() -> str:
    return datetime.datetime.now().strftime("%Y%m%d-%H%M%S")


def machine() -> str:
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, {platform.system()} {platform.release()}"


def kockpit_binary(args) -> str:
    """A snapshot of the release binary, so a rebuild by someone else during
    the run does not change what is measured."""
    if args.kockpit:
        return os.path.abspath(args.kockpit)
    if not args.no_build:
        print("cargo build --release (nice)…", flush=True)
        r = subprocess.run(["nice", "-n", "10", "cargo", "build", "--release", "--bin", "kockpit"],
                           cwd=REPO, capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit("cargo build --release failed:\n" + r.stderr[-3000:])
    src = os.path.join(REPO, "target", "release", "kockpit")
    dst = os.path.join(args.out, "kockpit")
    shutil.copy2(src, dst)
    rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                         text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                           capture_output=True, text=True).stdout.strip()
    with open(os.path.join(args.out, "kockpit.rev"), "w") as f:
        f.write(rev + (" + uncommitted changes\n" if dirty else "\n"))
    return dst


def add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--kockpit", help="kockpit binary (default: cargo build --release, snapshot)")
    p.add_argument("--no-build", action="store_true", help="use target/release/kockpit as is")
    p.add_argument("--out", help="results directory (default: $KOCKPIT_CACHE/perf/<stamp>)")
    p.add_argument("--nodes", type=int, default=100)
    p.add_argument("--deployments", type=int, default=1000)
    p.add_argument("--replicas", type=int, default=10)
    p.add_argument("--ns", default="perf")
    p.add_argument("--size", default="200x50", help="terminal COLSxROWS")
    p.add_argument("--keep-cluster", action="store_true",
                   help="leave the control plane up afterwards (the next run reuses it)")
    p.add_argument("--churn-rate", type=float, default=100.0, help="pod changes per second")
    p.add_argument("--kockpit-env", action="append", default=[], metavar="K=V",
                   help="extra environment for kockpit (repeatable), e.g. MALLOC_ARENA_MAX=2")


def setup_out(args) -> None:
    args.out = os.path.abspath(args.out or os.path.join(tools.cache_root(), "perf", stamp()))
    os.makedirs(args.out, exist_ok=True)
    print(f"results: {args.out}", flush=True)


def cp_cluster(args) -> tuple[Kube, str]:
    kc = cluster.control_plane_up(args.nodes)
    kube = Kube(kc)
    cluster.fill(kube, args.ns, args.deployments, args.replicas)
    cluster.delete_probes(kube, args.ns)
    return kube, kc


def cmd_bench(args) -> int:
    setup_out(args)
    cols, rows = (int(x) for x in args.size.lower().split("x"))
    cfg = Config(cols=cols, rows=rows, idle=args.idle, churn_rate=args.churn_rate,
                 churn_secs=args.churn_secs, probes=args.probes, late=args.late,
                 first_timeout=args.first_timeout, transcripts=args.transcripts)
    binary = kockpit_binary(args)
    if not args.no_peers:
        tools.build_peers()
    home = os.path.join(args.out, "home")
    os.makedirs(home, exist_ok=True)
    wanted = [t.strip() for t in args.tools.split(",") if t.strip()]
    toolset: list[tools.Tool] = []
    skipped: list[str] = []
    for name in wanted:
        t = {"kockpit": lambda: tools.kockpit(binary, args.kockpit_env), "k9s": lambda: tools.k9s(home),
             "kdash": lambda: tools.kdash(home)}[name]()
        if t is None:
            skipped.append(f"{name}: not built (see {tools.peers_dir()}/logs/{name}-build.log)")
        else:
            toolset.append(t)
    for s in skipped:
        print("SKIP " + s, flush=True)

    wall0, cpu0 = time.monotonic(), os.times()
    meta = {"machine": machine(), "started": stamp(), "config": cfg.__dict__,
            "kockpit": binary, "skipped": skipped, "argv": sys.argv}
    results: list[dict] = []
    clusters = ["cp", "demo"] if args.cluster == "both" else [args.cluster]
    cp_started = False
    try:
        for which in clusters:
            demo = None
            if which == "cp":
                kube, kc_src = cp_cluster(args)
                cp_started = True
                ns = args.ns
            else:
                demo = cluster.Demo(binary, os.path.join(args.out, "demo.kubeconfig"))
                if demo.proc is None:
                    msg = f"demo cluster skipped: {demo.reason}"
                    print("SKIP " + msg, flush=True)
                    meta["skipped"].append(msg)
                    continue
                kc_src = demo.kubeconfig
                kube = Kube(kc_src)
                ns, n = demo.busiest_namespace(kube)
                print(f"demo scale scenario: namespace {ns} with {n} pods", flush=True)
            try:
                kc = cluster.namespaced_kubeconfig(kc_src, ns, os.path.join(args.out, f"{which}.kubeconfig"))
                kube = Kube(kc)
                churn_pods = [p for p in cluster.pod_names(kube, ns) if p.startswith("app-")] \
                    or cluster.pod_names(kube, ns)
                for run in range(1, args.runs + 1):
                    order = toolset[:]
                    # rotate the order so no tool always goes first (warm caches)
                    k = (run - 1) % len(order)
                    order = order[k:] + order[:k]
                    for t in order:
                        cluster.settle(kube, ns, quiet_for=10, timeout=120)
                        expected = len(cluster.pod_names(kube, ns))
                        print(f"[{which} run {run}/{args.runs}] {t.name} {t.version} "
                              f"({expected} pods in {ns})", flush=True)
                        fig = run_tool(t, kube, kc, ns, expected, churn_pods, cfg, args.out, run, which)
                        for e in fig.errors:
                            print(f"    {t.name}: {e}", flush=True)
                        results.append(fig.dict())
                        with open(os.path.join(args.out, "results.json"), "w") as f:
                            json.dump({"meta": meta, "results": results}, f, indent=1)
            finally:
                if demo:
                    demo.stop()
    finally:
        if cp_started and not args.keep_cluster:
            cluster.control_plane_down()

    notes = "; ".join(f"{t.name}: {t.note}" for t in toolset if t.note)
    text = [f"# kockpit perf bench {meta['started']}", "", f"machine: {meta['machine']}",
            f"kockpit binary: {binary}" + (f" ({open(os.path.join(args.out, 'kockpit.rev')).read().strip()})"
                                            if os.path.exists(os.path.join(args.out, "kockpit.rev")) else ""),
            f"tools: {notes}" if notes else "",
            f"load average at the end of each tool run: " +
            ", ".join(f"{r['tool']}#{r['run']} {r['loadavg']}" for r in results), ""]
    for which in clusters:
        tb = report.table(results, which)
        if not tb:
            continue
        text += [f"## cluster: {which}", "", tb, ""]
        v = report.verdict(results, which)
        text += [("- " + x) for x in v] or ["- kockpit meets every target and beats every peer"]
        text.append("")
    cpu1 = os.times()
    own = (cpu1.user + cpu1.system - cpu0.user - cpu0.system) / max(time.monotonic() - wall0, 1) * 100
    text.append(f"harness (Python: pty reader, terminal emulator, churn, probes) used {own:.1f} % "
                "of a core on average over the run")
    busy = [r["machine_busy_idle_pct"] for r in results if r.get("machine_busy_idle_pct") is not None]
    if busy:
        text.append(f"noise: whole machine busy {min(busy):.0f}–{max(busy):.0f} % (both cores) "
                    "during the idle windows (other builds, the control plane)")
    text += [f"skipped: {s}" for s in meta["skipped"]]
    out = "\n".join(text) + "\n"
    with open(os.path.join(args.out, "summary.md"), "w") as f:
        f.write(out)
    print("\n" + out, flush=True)
    return 0


def cmd_peers(args) -> int:
    tools.build_peers()
    return 0


def cmd_cluster(args) -> int:
    if args.action == "down":
        cluster.control_plane_down()
        return 0
    kube, kc = cp_cluster(args)
    print(kc)
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="perf/bench", description=__doc__)
    sub = ap.add_subparsers(dest="cmd")

    b = sub.add_parser("bench", help="kockpit vs k9s vs kdash (default)")
    add_common(b)
    b.add_argument("--cluster", choices=["cp", "demo", "both"], default="both")
    b.add_argument("--tools", default="kockpit,k9s,kdash")
    b.add_argument("--runs", type=int, default=3)
    b.add_argument("--idle", type=float, default=30.0, help="idle window, s")
    b.add_argument("--churn-secs", type=float, default=30.0, help="churn window, s")
    b.add_argument("--probes", type=int, default=60, help="timed changes per tool run")
    b.add_argument("--late", type=float, default=300.0, help="second RSS sample, s after start")
    b.add_argument("--first-timeout", type=float, default=300.0)
    b.add_argument("--no-peers", action="store_true", help="do not build missing peers")
    b.add_argument("--transcripts", action="store_true", help="keep raw terminal output")
    b.add_argument("--quick", action="store_true",
                   help="1 run, 10 s windows, 20 probes, second RSS at 60 s (a smoke test)")

    s = sub.add_parser("soak", help="kockpit under churn and 20 log streams for minutes")
    add_common(s)
    s.add_argument("--minutes", type=float, default=10.0)
    s.add_argument("--streams", type=int, default=20)
    s.add_argument("--log-rate", type=float, default=20.0,
                   help="lines/s appended to the log file (each line reaches every stream)")
    s.add_argument("--sample", type=float, default=10.0, help="RSS sample interval, s")

    sub.add_parser("peers", help="build k9s and kdash into the cache")
    c = sub.add_parser("cluster", help="start and fill, or stop, the bench control plane")
    c.add_argument("action", choices=["up", "down"])
    add_common(c)

    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) > 1 and argv[0] == "bench" and argv[1] in ("soak", "peers", "cluster"):
        argv = argv[1:]  # perf/bench cluster down, perf/bench peers
    if not argv or argv[0] not in ("bench", "soak", "peers", "cluster", "-h", "--help"):
        argv = ["bench", *argv]
    args = ap.parse_args(argv)
    if getattr(args, "quick", False):
        args.runs, args.idle, args.churn_secs, args.probes, args.late = 1, 10, 10, 20, 60
    random.seed(1)
    if args.cmd == "bench":
        return cmd_bench(args)
    if args.cmd == "soak":
        from .soak import cmd_soak
        setup_out(args)
        return cmd_soak(args, kockpit_binary(args))
    if args.cmd == "peers":
        return cmd_peers(args)
    if args.cmd == "cluster":
        return cmd_cluster(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
