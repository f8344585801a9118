"""Soak (issue 7 item 6): kockpit on the 10,000-pod control plane for
`--minutes` with `--churn-rate` pod changes/s and the log view of a
20-pod deployment (20 live streams). Every `--sample` seconds: RSS, CPU and
the log status line (streams attached, dropped count). At the end:

- memory: bounded (max) and flat (least-squares slope after warm-up);
- lines: every line the cluster sent is either held (cap) or counted as
  dropped on screen — `20 × (initial tail + lines appended)` against
  `held + dropped` (what is missing was lost silently);
- log line → screen latency of marked lines;
- no crash, streams still attached, no error on the status line.

On this control plane every pod's log is one CRI file (kwok ClusterLogs,
`$WORKDIR/pod.log`): a line appended there reaches every one of the 20
streams, so `--log-rate` lines/s means 20 × that many lines/s into kockpit."""

from __future__ import annotations

import csv
import datetime
import json
import os
import re
import tempfile
import threading
import time

from . import cluster, procstat, tools
from .kube import Kube
from .measure import Window, complete, percentile
from .term import PtyTool

STATUS = re.compile(r"logs (\S+) · (\d+) streams?")
DROPPED = re.compile(r"dropped (\d+) \(cap (\d+)\)")
RECONNECTING = re.compile(r"(\d+) reconnecting")


class LogWriter:
    """Appends CRI lines `soak seq=NNNNNNNN ...` to the cluster log file at
    a fixed rate; every `mark_every`-th line's on-screen latency is timed."""

    def __init__(self, path: str, rate: float, pty: PtyTool, mark_every: int = 25,
                 max_seconds: float = 7200):
        self.path, self.rate, self.pty = path, rate, pty
        self.mark_every, self.max_seconds = mark_every, max_seconds
        self.written = 0
        self.marks: list[tuple[float, object]] = []
        # unique per soak: the log file keeps the lines of earlier runs
        self.token = f"{os.getpid() % 0xfff:03x}{int(time.time()) % 0xfff:03x}"
        self._stop = threading.Event()
        self._th = threading.Thread(target=self._run, daemon=True)

    def start(self) -> "LogWriter":
        self._th.start()
        return self

    def _run(self) -> None:
        start = time.monotonic()
        pad = "x" * 60
        with open(self.path, "a", buffering=1) as f:
            k = 0
            while not self._stop.is_set() and k < int(self.rate * self.max_seconds):
                due = start + k / self.rate
                d = due - time.monotonic()
                if d > 0 and self._stop.wait(d):
                    break
                now = datetime.datetime.now(datetime.timezone.utc)
                ts = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond:06d}000Z"
                mark = f"run={self.token} seq={k:08d}"
                text = f"soak {mark} level=info msg=\"request served\" {pad}"
                e = None
                if k % self.mark_every == 0:
                    e = self.pty.expect(mark, True)
                f.write(f"{ts} stdout F {text}\n")
                f.flush()
                if e is not None:
                    self.marks.append((time.monotonic(), e))
                self.written += 1
                k += 1

    def stop(self) -> None:
        self._stop.set()
        self._th.join(10)

    def latencies_ms(self) -> tuple[list[float], int]:
        lat, missed = [], 0
        for t, e in self.marks:
            if e.met_at is not None:
                lat.append(max(0.0, (e.met_at - t) * 1000))
            else:
                missed += 1
                self.pty.cancel(e)
        return lat, missed


def status_of(lines: list[str]) -> dict:
    st = {"streams": None, "dropped": 0, "cap": None, "reconnecting": 0, "line": ""}
    for line in lines:
        m = STATUS.search(line)
        if m:
            st["line"] = line.strip()
            st["streams"] = int(m.group(2))
            d = DROPPED.search(line)
            if d:
                st["dropped"], st["cap"] = int(d.group(1)), int(d.group(2))
            r = RECONNECTING.search(line)
            if r:
                st["reconnecting"] = int(r.group(1))
    return st


def check_saved(pty: PtyTool, home: str, token: str) -> dict:
    """ctrl-s saves the held lines; per pod, the marked lines held must be
    consecutive (a gap is a line lost without being counted) and unique."""
    logs_dir = os.path.join(home, ".local", "state", "kockpit", "logs")
    before = set(os.listdir(logs_dir)) if os.path.isdir(logs_dir) else set()
    pty.send(b"\x13")  # ctrl-s
    path = None
    end = time.monotonic() + 15
    while time.monotonic() < end and path is None:
        time.sleep(0.5)
        if os.path.isdir(logs_dir):
            new = sorted(set(os.listdir(logs_dir)) - before)
            if new:
                path = os.path.join(logs_dir, new[-1])
    if path is None:
        return {"saved_file": None}
    time.sleep(1)  # let the write finish
    saved = re.compile(r"^(?:\S+\s+)?(\S+?)/\S+ .*\brun=" + token + r" seq=(\d{8})\b")
    per_pod: dict[str, list[int]] = {}
    lines = 0
    with open(path, errors="replace") as f:
        for line in f:
            lines += 1
            m = saved.search(line)
            if m:
                per_pod.setdefault(m.group(1), []).append(int(m.group(2)))
    dups = gaps = 0
    for seqs in per_pod.values():
        dups += len(seqs) - len(set(seqs))
        u = sorted(set(seqs))
        if u:
            gaps += (u[-1] - u[0] + 1) - len(u)
    return {"saved_file": path, "saved_lines": lines, "saved_pods": len(per_pod),
            "saved_duplicates": dups, "saved_gaps": gaps}


def slope_mib_per_min(samples: list[tuple[float, float]]) -> float | None:
    if len(samples) < 3:
        return None
    n = len(samples)
    mx = sum(t for t, _ in samples) / n
    my = sum(v for _, v in samples) / n
    sxx = sum((t - mx) ** 2 for t, _ in samples)
    if sxx == 0:
        return None
    return sum((t - mx) * (v - my) for t, v in samples) / sxx * 60


def cmd_soak(args, binary: str) -> int:
    duration = args.minutes * 60
    kc = cluster.control_plane_up(args.nodes)
    started_cp = True
    kube = Kube(kc)
    pty = None
    writer = None
    churn = None
    result: dict = {"minutes": args.minutes, "streams_wanted": args.streams,
                    "log_rate": args.log_rate, "churn_rate": args.churn_rate, "ok": False,
                    "problems": []}
    try:
        cluster.fill(kube, args.ns, args.deployments, args.replicas)
        cluster.delete_probes(kube, args.ns)
        # the 20-pod deployment whose logs are followed
        kube.create(f"/apis/apps/v1/namespaces/{args.ns}/deployments",
                    cluster.deployment(args.ns, "soak-logs", args.streams, {"role": "soak"}))
        t = time.monotonic()
        while time.monotonic() - t < 300:
            n, running = cluster.count_ready(kube, args.ns, "app=soak-logs")
            if running >= args.streams and n == args.streams:
                break
            time.sleep(2)
        else:
            raise SystemExit(f"soak-logs: {running}/{args.streams} pods running after 300 s")
        cluster.settle(kube, args.ns, quiet_for=10, timeout=120)
        kc_ns = cluster.namespaced_kubeconfig(kc, args.ns, os.path.join(args.out, "soak.kubeconfig"))
        kube = Kube(kc_ns)
        expected = len(cluster.pod_names(kube, args.ns))
        churn_pods = [p for p in cluster.pod_names(kube, args.ns) if p.startswith("app-")]
        log_path = os.path.join(cluster.cp_workdir(), "pod.log")

        tool = tools.kockpit(binary, args.kockpit_env)
        home = os.path.join(args.out, "home-soak")
        os.makedirs(home, exist_ok=True)
        cols, rows = (int(x) for x in args.size.lower().split("x"))
        pty = PtyTool(tool.argv(kc_ns, args.ns), tools.tool_env(tool, home, kc_ns), cols, rows,
                      cwd=home)
        while pty.first_output_at is None and time.monotonic() - pty.started_at < 60:
            time.sleep(0.01)
        pty.send("3")
        if pty.wait_until(lambda ls: complete(ls, tool, expected), 300) is None:
            raise SystemExit("soak: no complete pods screen within 300 s:\n" + pty.text())
        print(f"soak: pods screen complete after {time.monotonic() - pty.started_at:.1f}s", flush=True)
        with open(log_path) as f:
            lines_before = sum(1 for _ in f)
        pty.type(":logs deploy/soak-logs", 0.03)
        pty.send("\r")
        if pty.wait_until(lambda ls: (status_of(ls)["streams"] or 0) >= args.streams, 120) is None:
            raise SystemExit("soak: the log view did not attach "
                             f"{args.streams} streams within 120 s:\n" + pty.text())
        time.sleep(3)  # the initial tails (merge window) land
        tail = min(100, lines_before)
        print(f"soak: {args.streams} streams attached; {tail} tail lines each; running "
              f"{args.minutes:g} min", flush=True)

        churn = cluster.Churn(kube, args.ns, churn_pods, args.churn_rate,
                              max_seconds=duration + 60).start()
        writer = LogWriter(log_path, args.log_rate, pty, max_seconds=duration + 60).start()
        t0 = time.monotonic()
        samples = []
        csv_path = os.path.join(args.out, "soak-samples.csv")
        with open(csv_path, "w", newline="") as cf:
            w = csv.writer(cf)
            w.writerow(["t_s", "rss_mib", "cpu_pct", "bytes_per_s", "streams", "dropped",
                        "reconnecting", "lines_written", "churn_done"])
            win = Window(pty)
            k = 1
            while time.monotonic() - t0 < duration:
                time.sleep(max(0.0, t0 + k * args.sample - time.monotonic()))
                k += 1
                if not pty.alive():
                    result["problems"].append(f"kockpit exited (code {pty.exited}) at "
                                              f"{time.monotonic() - t0:.0f}s")
                    break
                cpu, bps, _ = win.close()
                win = Window(pty)
                rss = procstat.rss_kib(pty.pid) / 1024
                st = status_of(pty.snapshot())
                row = [round(time.monotonic() - t0, 1), round(rss, 1), round(cpu, 1), round(bps),
                       st["streams"], st["dropped"], st["reconnecting"], writer.written, churn.done]
                w.writerow(row)
                cf.flush()
                samples.append(row)
                print(f"  t={row[0]:>6.0f}s rss={rss:6.1f} MiB cpu={cpu:5.1f}% "
                      f"out={bps:7.0f} B/s streams={st['streams']} dropped={st['dropped']} "
                      f"lines={writer.written} churn={churn.done}", flush=True)
        churn.stop()
        writer.stop()
        time.sleep(5)  # let the last lines reach the buffer (merge window, follow delay)
        alive = pty.alive()
        st = status_of(pty.snapshot())
        lat, missed = writer.latencies_ms()
        rss = [(r[0], r[1]) for r in samples]
        warm = [x for x in rss if x[0] >= 60] or rss
        # every stream also puts one "+ pod/container" line in the buffer
        # when it attaches (more on re-attach: see reconnects in the samples)
        received = args.streams * (tail + writer.written + 1)
        cap = st["cap"] or 10000
        held = min(cap, received)
        result.update({
            "alive_at_end": alive,
            "duration_s": round(time.monotonic() - t0),
            "rss_first_mib": rss[0][1] if rss else None,
            "rss_max_mib": max(v for _, v in rss) if rss else None,
            "rss_last_mib": rss[-1][1] if rss else None,
            "rss_slope_mib_per_min_after_60s": slope_mib_per_min(warm),
            "cpu_mean_pct": sum(r[2] for r in samples) / len(samples) if samples else None,
            "bytes_mean_per_s": sum(r[3] for r in samples) / len(samples) if samples else None,
            "lines_appended": writer.written,
            "lines_sent_to_kockpit": received,
            "dropped_on_screen": st["dropped"],
            "dropped_expected": max(0, received - cap),
            "unaccounted_lines": received - held - st["dropped"],
            "streams_at_end": st["streams"],
            "status_line_at_end": st["line"],
            "log_latency_p50_ms": percentile(lat, 50),
            "log_latency_p99_ms": percentile(lat, 99),
            "log_marks_seen": len(lat),
            "log_marks_missed": missed,
            "churn_achieved_per_s": churn.achieved(),
            "churn_errors": churn.errors,
        })
        if not alive:
            result["problems"].append("kockpit is not running at the end")
        if st["streams"] != args.streams:
            result["problems"].append(f"{st['streams']} streams attached at the end")
        if result["unaccounted_lines"] != 0:
            result["problems"].append(f"{result['unaccounted_lines']} lines neither held nor "
                                      "counted as dropped (negative: duplicates or lag)")
        s = result["rss_slope_mib_per_min_after_60s"]
        if s is not None and s > 1.0:
            result["problems"].append(f"RSS grows {s:.2f} MiB/min")
        result.update(check_saved(pty, home, writer.token))
        if result.get("saved_duplicates"):
            result["problems"].append(f"{result['saved_duplicates']} duplicated lines in the "
                                      "saved log buffer")
        if result.get("saved_gaps"):
            result["problems"].append(f"{result['saved_gaps']} lines missing inside the held "
                                      "window (lost without being counted)")
        result["ok"] = not result["problems"]
        with open(os.path.join(args.out, "soak-end.txt"), "w") as f:
            f.write(pty.text() + "\n")
        return 0 if result["ok"] else 1
    finally:
        if churn:
            churn.stop()
        if writer:
            writer.stop()
        if pty:
            pty.stop([b"\x1b", b"\x1b", b"q"])
        try:
            kube.delete(f"/apis/apps/v1/namespaces/{args.ns}/deployments/soak-logs")
        except Exception:  # noqa: BLE001 - cleanup is best effort
            pass
        with open(os.path.join(args.out, "soak.json"), "w") as f:
            json.dump(result, f, indent=1)
        print(json.dumps(result, indent=1), flush=True)
        if started_cp and not args.keep_cluster:
            cluster.control_plane_down()
