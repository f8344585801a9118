"""One cockpit, one run: every figure of the bench, in one sequence.

  start ─► first complete pods screen ─► settle ─► RSS "after sync"
        ─► idle window (CPU, bytes/s) ─► churn on ─► churn window (CPU, bytes/s)
        ─► filter `probe-` ─► probes under churn (create→on screen, delete→gone)
        ─► churn off ─► ... ─► RSS at `late` seconds after start ─► quit
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from dataclasses import asdict, dataclass, field

from . import procstat
from .cluster import Churn, Kube, ProbeWatch, delete_probes, probe_pod
from .term import PtyTool
from .tools import POD_ROW, Tool, tool_env


@dataclass
class Config:
    cols: int = 200
    rows: int = 50
    first_timeout: float = 300.0
    settle: float = 10.0
    idle: float = 30.0
    churn_rate: float = 100.0
    churn_warmup: float = 5.0
    churn_secs: float = 30.0
    probes: int = 60
    probe_gap: tuple[float, float] = (0.3, 0.6)
    probe_hold: float = 1.0
    probe_timeout: float = 15.0
    late: float = 300.0
    transcripts: bool = False


@dataclass
class Figures:
    tool: str
    version: str
    run: int
    cluster: str
    expected_pods: int = 0
    ok: bool = False
    first_screen_s: float | None = None
    rss_sync_mib: float | None = None
    rss_late_mib: float | None = None
    late_s: float = 0.0
    cpu_idle_pct: float | None = None
    cpu_churn_pct: float | None = None
    cpu_steady_pct: float | None = None
    bytes_steady_per_s: float | None = None
    machine_busy_steady_pct: float | None = None
    steady_s: float | None = None
    bytes_idle_per_s: float | None = None
    bytes_churn_per_s: float | None = None
    lat_p50_ms: float | None = None
    lat_p99_ms: float | None = None
    lat_max_ms: float | None = None
    lat_n: int = 0
    lat_missed: int = 0
    del_p50_ms: float | None = None
    del_p99_ms: float | None = None
    del_n: int = 0
    api_p50_ms: float | None = None
    api_p99_ms: float | None = None
    churn_achieved_per_s: float | None = None
    churn_errors: int = 0
    machine_busy_idle_pct: float | None = None
    machine_busy_churn_pct: float | None = None
    loadavg: str = ""
    threads: int | None = None
    errors: list[str] = field(default_factory=list)

    def dict(self) -> dict:
        return asdict(self)


def percentile(xs: list[float], p: float) -> float | None:
    if not xs:
        return None
    s = sorted(xs)
    k = (len(s) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def machine_busy() -> tuple[float, float]:
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    return sum(v) - idle, sum(v)


def busy_pct(a: tuple[float, float], b: tuple[float, float]) -> float:
    d_busy, d_all = b[0] - a[0], b[1] - a[1]
    return 100.0 * d_busy / d_all if d_all else 0.0


def complete(lines: list[str], tool: Tool, expected: int) -> bool:
    m = None
    for line in lines[:8]:
        m = tool.count_re.search(line) or m
    if m is None:
        for line in lines:
            m = tool.count_re.search(line)
            if m:
                break
    if m is None or int(m.group(1).replace(",", "")) < expected:
        return False
    return sum(1 for line in lines if POD_ROW.search(line)) >= tool.min_rows


class Window:
    """CPU seconds of the tool, bytes it wrote and machine busy time over an interval."""

    def __init__(self, pty: PtyTool):
        self.pty = pty
        self.t = time.monotonic()
        self.cpu = procstat.cpu_seconds(pty.pid)
        self.bytes = pty.bytes_total
        self.machine = machine_busy()

    def close(self) -> tuple[float, float, float]:
        dt = time.monotonic() - self.t
        cpu = procstat.cpu_seconds(self.pty.pid) - self.cpu
        b = self.pty.bytes_total - self.bytes
        return 100.0 * cpu / dt, b / dt, busy_pct(self.machine, machine_busy())


def dump(pty: PtyTool, outdir: str | None, name: str) -> None:
    if outdir:
        with open(os.path.join(outdir, name + ".txt"), "w") as f:
            f.write(pty.text() + "\n")


def sleep_alive(pty: PtyTool, secs: float) -> bool:
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if not pty.alive():
            return False
        time.sleep(min(0.5, max(0.0, end - time.monotonic())))
    return pty.alive()


def run_tool(tool: Tool, kube: Kube, kubeconfig: str, ns: str, expected: int,
             churn_pods: list[str], cfg: Config, outdir: str | None, run: int,
             cluster: str) -> Figures:
    fig = Figures(tool=tool.name, version=tool.version, run=run, cluster=cluster,
                  expected_pods=expected, late_s=cfg.late)
    tag = f"{tool.name}{run}"
    if outdir:
        home = os.path.join(outdir, f"home-{tag}")
        os.makedirs(home, exist_ok=True)
    else:
        home = tempfile.mkdtemp(prefix=f"kockperf-{tool.name}-")
    env = tool_env(tool, home, kubeconfig)
    transcript = os.path.join(outdir, f"{tag}.raw") if (outdir and cfg.transcripts) else None
    pty = PtyTool(tool.argv(kubeconfig, ns), env, cfg.cols, cfg.rows, cwd=home,
                  transcript=transcript)
    churn = None
    try:
        t0 = pty.started_at
        if tool.to_pods:
            end = t0 + 60
            while pty.first_output_at is None and time.monotonic() < end and pty.alive():
                time.sleep(0.005)
            for k in tool.to_pods:
                pty.send(k)
        t_done = pty.wait_until(lambda ls: complete(ls, tool, expected), cfg.first_timeout)
        if t_done is None:
            fig.errors.append(f"no complete pods screen ({expected} pods) within "
                              f"{cfg.first_timeout:.0f}s (alive={pty.alive()})")
            dump(pty, outdir, f"{tag}-first-FAILED")
            return fig
        fig.first_screen_s = t_done - t0
        dump(pty, outdir, f"{tag}-first")
        print(f"    {tool.name}: first complete screen {fig.first_screen_s:.2f}s", flush=True)

        if not sleep_alive(pty, cfg.settle):
            fig.errors.append("exited after the first screen")
            return fig
        fig.rss_sync_mib = procstat.rss_kib(pty.pid) / 1024
        fig.threads = procstat.threads(pty.pid)

        w = Window(pty)
        sleep_alive(pty, cfg.idle)
        fig.cpu_idle_pct, fig.bytes_idle_per_s, fig.machine_busy_idle_pct = w.close()
        print(f"    {tool.name}: rss {fig.rss_sync_mib:.0f} MiB, cpu after sync {fig.cpu_idle_pct:.2f}%,"
              f" {fig.bytes_idle_per_s:.0f} B/s", flush=True)

        if cfg.churn_rate > 0:
            churn = Churn(kube, ns, churn_pods, cfg.churn_rate).start()
            sleep_alive(pty, cfg.churn_warmup)
            w = Window(pty)
            sleep_alive(pty, cfg.churn_secs)
            fig.cpu_churn_pct, fig.bytes_churn_per_s, fig.machine_busy_churn_pct = w.close()
            print(f"    {tool.name}: churn cpu {fig.cpu_churn_pct:.1f}%,"
                  f" {fig.bytes_churn_per_s:.0f} B/s, churn {churn.achieved():.0f}/s", flush=True)

        if cfg.probes > 0:
            probe(pty, tool, kube, ns, tag, cfg, fig, outdir)

        if churn:
            churn.stop()
            fig.churn_achieved_per_s = churn.achieved()
            fig.churn_errors = churn.errors
            if churn.errors:
                fig.errors.append(f"churn: {churn.errors} errors, last: {churn.last_error}")
            churn = None
        n = delete_probes(kube, ns)
        if n:
            fig.errors.append(f"{n} probe pods were left and deleted")

        # Back to the full pods screen (rows, AGE columns ticking) for the
        # steady-state window.
        for k in tool.clear_filter_keys:
            pty.send(k, 0.2)
        if pty.wait_until(lambda ls: sum(1 for l in ls if POD_ROW.search(l)) >= tool.min_rows,
                          30) is None:
            fig.errors.append("clearing the filter did not bring the pod rows back within 30 s")
        dump(pty, outdir, f"{tag}-unfiltered")
        # Steady state until `late` s after start: CPU and bytes over the
        # whole stretch (minutes in a full run, so minute-boundary redraws
        # such as AGE columns are averaged in), then the second RSS sample.
        sleep_alive(pty, 10)
        w = Window(pty)
        sleep_alive(pty, max(5.0, t0 + cfg.late - time.monotonic()))
        fig.cpu_steady_pct, fig.bytes_steady_per_s, fig.machine_busy_steady_pct = w.close()
        fig.steady_s = time.monotonic() - w.t
        if pty.alive():
            fig.rss_late_mib = procstat.rss_kib(pty.pid) / 1024
            fig.late_s = time.monotonic() - t0
        else:
            fig.errors.append(f"exited before {cfg.late:.0f}s (code {pty.exited})")
        print(f"    {tool.name}: steady {fig.steady_s:.0f}s: cpu {fig.cpu_steady_pct:.2f}%, "
              f"{fig.bytes_steady_per_s:.0f} B/s; rss at {fig.late_s:.0f}s "
              f"{fig.rss_late_mib or 0:.0f} MiB", flush=True)
        dump(pty, outdir, f"{tag}-end")
        fig.ok = fig.first_screen_s is not None and pty.alive()
        with open("/proc/loadavg") as f:
            fig.loadavg = " ".join(f.read().split()[:3])
        return fig
    except Exception as e:  # noqa: BLE001 - one tool failing must not stop the others
        fig.errors.append(f"{type(e).__name__}: {e}")
        dump(pty, outdir, f"{tag}-error")
        return fig
    finally:
        if churn:
            churn.stop()
        pty.stop(tool.quit_keys)
        if not fig.ok and pty.exited not in (None, 0):
            fig.errors.append(f"exit code {pty.exited}")


def probe(pty: PtyTool, tool: Tool, kube: Kube, ns: str, tag: str, cfg: Config,
          fig: Figures, outdir: str | None) -> None:
    """Filters the pods screen to `probe-` and times, open loop, `cfg.probes`
    pod creations until their name is on screen, and their deletions until it
    is gone. Names count down, so in every tool's name order the newest probe
    is the top row and never scrolled out of sight."""
    for k in tool.filter_keys("probe-"):
        pty.send(k, 0.1)
    if pty.wait_until(lambda ls: not any(POD_ROW.search(l) for l in ls), 30) is None:
        fig.errors.append("filter `probe-` did not hide the other pods within 30 s")
        dump(pty, outdir, f"{tag}-filter-FAILED")
        return
    dump(pty, outdir, f"{tag}-filtered")
    try:
        floor = ProbeWatch(kube, ns)
    except Exception as ex:  # noqa: BLE001 - the floor is extra information
        fig.errors.append(f"probe watch: {ex}")
        floor = None
    try:
        _probe_loop(pty, tool, kube, ns, tag, cfg, fig, outdir, floor)
    finally:
        if floor:
            floor.stop()


def _probe_loop(pty: PtyTool, tool: Tool, kube: Kube, ns: str, tag: str, cfg: Config,
                fig: Figures, outdir: str | None, floor) -> None:
    base = f"/api/v1/namespaces/{ns}/pods"
    created: list[dict] = []  # {name, t, e, deleted, de, dt}
    next_at = time.monotonic()
    i = 0
    deadline_all = None
    while True:
        now = time.monotonic()
        if i < cfg.probes and now >= next_at:
            name = f"probe-{tag}-{999 - i:03d}"
            e = pty.expect(name, True)
            t = time.monotonic()
            try:
                kube.create(base, probe_pod(ns, name))
                created.append({"name": name, "t": t, "e": e, "deleted": False})
            except Exception as ex:  # noqa: BLE001
                pty.cancel(e)
                fig.errors.append(f"probe create {name}: {ex}")
            i += 1
            next_at = t + random.uniform(*cfg.probe_gap)
            if i == cfg.probes:
                deadline_all = time.monotonic() + cfg.probe_timeout + cfg.probe_hold + 2
        for c in created:
            if c["deleted"]:
                continue
            met = c["e"].met_at
            timed_out = met is None and now - c["t"] > cfg.probe_timeout
            if timed_out:
                pty.cancel(c["e"])
            if timed_out or (met is not None and now - met >= cfg.probe_hold):
                de = pty.expect(c["name"], False) if met is not None else None
                dt = time.monotonic()
                try:
                    kube.delete(f"{base}/{c['name']}?gracePeriodSeconds=0")
                except Exception as ex:  # noqa: BLE001
                    fig.errors.append(f"probe delete {c['name']}: {ex}")
                c.update(deleted=True, de=de, dt=dt)
        if i >= cfg.probes and all(c["deleted"] for c in created):
            # wait for the last disappearances
            end = time.monotonic() + cfg.probe_timeout
            for c in created:
                if c.get("de") is not None:
                    c["de"].event.wait(max(0.0, end - time.monotonic()))
            break
        if deadline_all is not None and time.monotonic() > deadline_all + cfg.probe_timeout:
            break
        time.sleep(0.01)
    lat = [(c["e"].met_at - c["t"]) * 1000 for c in created if c["e"].met_at is not None]
    dl = [(c["de"].met_at - c["dt"]) * 1000 for c in created
          if c.get("de") is not None and c["de"].met_at is not None]
    for c in created:
        if c.get("de") is not None and c["de"].met_at is None:
            pty.cancel(c["de"])
    fig.lat_n = len(lat)
    fig.lat_missed = len(created) - len(lat)
    fig.lat_p50_ms, fig.lat_p99_ms = percentile(lat, 50), percentile(lat, 99)
    fig.lat_max_ms = max(lat) if lat else None
    fig.del_n = len(dl)
    fig.del_p50_ms, fig.del_p99_ms = percentile(dl, 50), percentile(dl, 99)
    api = []
    if floor:
        api = [(floor.seen[("ADDED", c["name"])] - c["t"]) * 1000 for c in created
               if ("ADDED", c["name"]) in floor.seen]
        fig.api_p50_ms, fig.api_p99_ms = percentile(api, 50), percentile(api, 99)
    if outdir:
        with open(os.path.join(outdir, f"{tag}-latencies.txt"), "w") as f:
            f.write("create_ms " + " ".join(f"{x:.1f}" for x in lat) + "\n")
            f.write("delete_ms " + " ".join(f"{x:.1f}" for x in dl) + "\n")
            f.write("api_watch_ms " + " ".join(f"{x:.1f}" for x in api) + "\n")
    p50 = f"{fig.lat_p50_ms:.0f}" if fig.lat_p50_ms is not None else "-"
    p99 = f"{fig.lat_p99_ms:.0f}" if fig.lat_p99_ms is not None else "-"
    print(f"    {tool.name}: change→screen p50 {p50} ms p99 {p99} ms "
          f"({fig.lat_n} probes, {fig.lat_missed} missed); API watch floor p50 "
          f"{fig.api_p50_ms or 0:.0f} p99 {fig.api_p99_ms or 0:.0f} ms", flush=True)
