"""The clusters the cockpits are measured on, and the load put on them.

- The real control plane (tests/controlplane/cp.sh, kwok nodes) in its own
  work directory, so the integration tests' cluster is left alone.
- The built-in demo cluster's `scale` scenario, when the binary has one.

Load: `Churn` patches pod annotations at a fixed rate; `probe_pod` makes the
named pods whose appearance on screen is timed. Every loop here is bounded in
count and time, and `Kube` only ever talks to loopback."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.parse

from .kube import ApiError, Kube

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CP_SH = os.path.join(REPO, "tests", "controlplane", "cp.sh")
BENCH_LABEL = "bench=kockpit"


def cp_workdir() -> str:
    return os.environ.get("KOCKPIT_PERF_CP_WORKDIR", "/tmp/kockpit-perf-cp")


def cp(*args: str, check: bool = True) -> str:
    env = dict(os.environ, KOCKPIT_CP_WORKDIR=cp_workdir())
    r = subprocess.run([CP_SH, *args], env=env, capture_output=True, text=True, timeout=900)
    if check and r.returncode != 0:
        raise SystemExit(f"cp.sh {' '.join(args)} failed:\n{r.stderr[-2000:]}")
    return r.stdout.strip()


def control_plane_up(nodes: int) -> str:
    t = time.monotonic()
    path = cp("up", "--nodes", str(nodes)).splitlines()[-1]
    print(f"control plane up ({cp_workdir()}, {nodes} nodes) in {time.monotonic() - t:.0f}s", flush=True)
    return path


def control_plane_down() -> None:
    cp("down", check=False)
    print(f"control plane down ({cp_workdir()})", flush=True)


def namespaced_kubeconfig(src: str, ns: str, out: str) -> str:
    """A copy of `src` whose current context has namespace `ns` (for tools
    that take the namespace from the kubeconfig)."""
    raw = subprocess.run(["kubectl", "config", "view", "--raw", "--flatten", "-o", "json",
                          "--kubeconfig", src], check=True, capture_output=True, text=True,
                         timeout=30).stdout
    cfg = json.loads(raw)
    cur = cfg.get("current-context")
    for c in cfg.get("contexts", []):
        if c["name"] == cur:
            c["context"]["namespace"] = ns
    with open(out, "w") as f:
        json.dump(cfg, f)
    os.chmod(out, 0o600)
    return out


def deployment(ns: str, name: str, replicas: int, labels: dict[str, str] | None = None) -> dict:
    lab = {"app": name, "bench": "kockpit", **(labels or {})}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns, "labels": lab},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": lab, "annotations": {
                    "kwok.x-k8s.io/usage-cpu": "5m", "kwok.x-k8s.io/usage-memory": "20Mi"}},
                "spec": {"containers": [{
                    "name": "app", "image": "registry.local/app:1.0",
                    "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}}}]},
            },
        },
    }


def count_ready(kube: Kube, ns: str, selector: str) -> tuple[int, int]:
    """(pods, Running pods) matching `selector` in `ns`."""
    items = kube.list_items(f"/api/v1/namespaces/{ns}/pods", selector)
    running = sum(1 for p in items if p.get("status", {}).get("phase") == "Running"
                  and not p["metadata"].get("deletionTimestamp"))
    return len(items), running


def fill(kube: Kube, ns: str, deployments: int, replicas: int, timeout: float = 3600) -> None:
    """Creates `deployments` × `replicas` pods (idempotent) and waits until
    they all run. kwok on this machine makes about 15-20 pods/s, so a cold
    fill of 10,000 pods takes about 10 minutes; the cluster is then reused."""
    want = deployments * replicas
    kube.create("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                       "metadata": {"name": ns}})
    have = set(kube.list_names(f"/apis/apps/v1/namespaces/{ns}/deployments", BENCH_LABEL))
    made = 0
    for i in range(deployments):
        name = f"app-{i:04d}"
        if name not in have:
            kube.create(f"/apis/apps/v1/namespaces/{ns}/deployments", deployment(ns, name, replicas))
            made += 1
    if made:
        print(f"created {made} deployments in {ns}", flush=True)
    start = time.monotonic()
    last = -1
    while True:
        total, running = count_ready(kube, ns, BENCH_LABEL + ",app!=soak-logs")
        if running != last:
            print(f"  {running}/{want} pods running ({total} exist) after "
                  f"{time.monotonic() - start:.0f}s", flush=True)
            last = running
        if running >= want and total == want:
            return
        if time.monotonic() - start > timeout:
            raise SystemExit(f"timed out filling {ns}: {running}/{want} pods running")
        time.sleep(15)


def settle(kube: Kube, ns: str, quiet_for: float = 10, timeout: float = 120) -> bool:
    """Waits until no pod in `ns` changed for `quiet_for` seconds: a watch
    from the current resourceVersion that the server closes after
    `quiet_for` s without having sent an event."""
    import http.client
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        rv = kube.get(f"/api/v1/namespaces/{ns}/pods?limit=1")["metadata"]["resourceVersion"]
        if kube.scheme == "https":
            c = http.client.HTTPSConnection(kube.host, kube.port, context=kube.ctx,
                                            timeout=quiet_for + 10)
        else:
            c = http.client.HTTPConnection(kube.host, kube.port, timeout=quiet_for + 10)
        q = urllib.parse.urlencode({"watch": "true", "resourceVersion": rv,
                                    "timeoutSeconds": str(int(quiet_for))})
        try:
            c.request("GET", f"{kube.base}/api/v1/namespaces/{ns}/pods?{q}", headers=kube.headers)
            r = c.getresponse()
            events = 0
            while True:
                line = r.readline()
                if not line:
                    break
                if b'"BOOKMARK"' not in line[:40]:
                    events += 1
                    break
            if events == 0:
                return True
        except (OSError, http.client.HTTPException):
            time.sleep(1)
        finally:
            c.close()
    return False


class Demo:
    """`kockpit demo serve --scenario scale` in the background, when offered."""

    def __init__(self, kockpit: str, kubeconfig: str):
        self.proc = None
        self.kubeconfig = kubeconfig
        self.reason = ""
        try:
            help_text = subprocess.run([kockpit, "demo", "serve", "--help"], capture_output=True,
                                       text=True, timeout=10).stdout
        except (OSError, subprocess.SubprocessError) as e:
            self.reason = f"cannot run {kockpit} demo serve --help: {e}"
            return
        if "scale" not in help_text:
            self.reason = ("`kockpit demo serve --help` lists no `scale` scenario "
                           "(the demo cluster's scale scenario is not there yet)")
            return
        if os.path.exists(kubeconfig):
            os.unlink(kubeconfig)
        self.proc = subprocess.Popen(
            [kockpit, "demo", "serve", "--scenario", "scale", "--kubeconfig", kubeconfig],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                out = self.proc.stdout.read().decode(errors="replace") if self.proc.stdout else ""
                self.reason = f"demo serve --scenario scale exited {self.proc.returncode}: {out[-500:]}"
                self.proc = None
                return
            if os.path.exists(kubeconfig):
                try:
                    Kube(kubeconfig).get("/api/v1/namespaces")
                    return
                except (ApiError, OSError, SystemExit, subprocess.SubprocessError):
                    pass
            time.sleep(0.5)
        self.reason = "demo serve --scenario scale: no kubeconfig / API after 120 s"
        self.stop()

    def busiest_namespace(self, kube: Kube) -> tuple[str, int]:
        counts: dict[str, int] = {}
        for p in kube.list_items("/api/v1/pods"):
            ns = p["metadata"]["namespace"]
            counts[ns] = counts.get(ns, 0) + 1
        ns = max(counts, key=counts.get)
        return ns, counts[ns]

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self.proc = None


class Churn:
    """Patches an annotation of existing pods at `rate` per second (round
    robin over `pods`), on `threads` keep-alive connections, until stopped
    or `max_seconds` passed. A label/annotation change is a real watch event
    for every client but changes no visible cell, so it measures the cost of
    keeping up, not of drawing."""

    ANNOTATION = "bench.kockpit.dev/churn"

    def __init__(self, kube: Kube, ns: str, pods: list[str], rate: float,
                 threads: int = 2, max_seconds: float = 1800):
        self.kube, self.ns, self.pods, self.rate = kube, ns, pods, rate
        self.threads_n = threads
        self.max_seconds = max_seconds
        self.done = 0
        self.errors = 0
        self.last_error = ""
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self.started_at = 0.0
        self.stopped_at = 0.0
        # unique per Churn: re-applying a value a pod already has is a no-op
        # for the API server (no new resourceVersion, no watch event)
        self.token = f"{os.getpid()}-{time.time_ns()}"

    def start(self) -> "Churn":
        if self.rate <= 0 or not self.pods:
            return self
        self.started_at = time.monotonic()
        for t in range(self.threads_n):
            th = threading.Thread(target=self._run, args=(t,), daemon=True)
            th.start()
            self._threads.append(th)
        return self

    def _run(self, t: int) -> None:
        per = self.rate / self.threads_n
        k = 0
        start = self.started_at + t / self.rate
        max_count = int(per * self.max_seconds) + 1
        while not self._stop.is_set() and k < max_count:
            due = start + k / per
            delay = due - time.monotonic()
            if delay > 0:
                if self._stop.wait(delay):
                    break
            idx = (k * self.threads_n + t) % len(self.pods)
            name = self.pods[idx]
            try:
                self.kube.patch_merge(
                    f"/api/v1/namespaces/{self.ns}/pods/{name}",
                    {"metadata": {"annotations": {self.ANNOTATION: f"{self.token}-{k}"}}})
                with self._lock:
                    self.done += 1
            except (ApiError, OSError) as e:
                with self._lock:
                    self.errors += 1
                    self.last_error = str(e)[:200]
            k += 1

    def stop(self) -> None:
        self._stop.set()
        for th in self._threads:
            th.join(10)
        self.stopped_at = time.monotonic()

    def achieved(self) -> float:
        end = self.stopped_at or time.monotonic()
        return self.done / max(end - self.started_at, 1e-9) if self.started_at else 0.0


class ProbeWatch:
    """A plain watch on the probe pods, opened by the harness itself: when the
    API server delivered each ADDED/DELETED event. Their delay after the
    request is the floor no client can beat (API server, etcd, loopback);
    what a cockpit adds on top is its own latency."""

    def __init__(self, kube: Kube, ns: str, selector: str = "bench=probe"):
        self.seen: dict[tuple[str, str], float] = {}
        self._stop = False
        rv = kube.get(f"/api/v1/namespaces/{ns}/pods?limit=1&labelSelector="
                      f"{urllib.parse.quote(selector)}")["metadata"]["resourceVersion"]
        import http.client
        if kube.scheme == "https":
            self.conn = http.client.HTTPSConnection(kube.host, kube.port, context=kube.ctx, timeout=5)
        else:
            self.conn = http.client.HTTPConnection(kube.host, kube.port, timeout=5)
        q = urllib.parse.urlencode({"watch": "true", "resourceVersion": rv,
                                    "labelSelector": selector, "timeoutSeconds": "900"})
        self.conn.request("GET", f"{kube.base}/api/v1/namespaces/{ns}/pods?{q}", headers=kube.headers)
        self.resp = self.conn.getresponse()
        self._th = threading.Thread(target=self._run, daemon=True)
        self._th.start()

    def _run(self) -> None:
        while not self._stop:
            try:
                line = self.resp.readline()
            except (OSError, ValueError):
                if self._stop:
                    return
                continue  # read timeout: check the stop flag, read on
            except Exception:  # noqa: BLE001 - the connection went away
                return
            if not line:
                return
            now = time.monotonic()
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            name = ev.get("object", {}).get("metadata", {}).get("name")
            if name and ev.get("type") in ("ADDED", "DELETED"):
                self.seen.setdefault((ev["type"], name), now)

    def stop(self) -> None:
        self._stop = True
        try:
            self.conn.sock and self.conn.sock.shutdown(2)
        except OSError:
            pass
        self.conn.close()
        self._th.join(5)


def probe_pod(ns: str, name: str) -> dict:
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": {"bench": "probe"}},
        "spec": {"containers": [{"name": "app", "image": "registry.local/probe:1.0"}],
                 "terminationGracePeriodSeconds": 0},
    }


def delete_probes(kube: Kube, ns: str) -> int:
    names = kube.list_names(f"/api/v1/namespaces/{ns}/pods", "bench=probe")
    for n in names:
        kube.delete(f"/api/v1/namespaces/{ns}/pods/{n}?gracePeriodSeconds=0")
    return len(names)


def pod_names(kube: Kube, ns: str, selector: str | None = None) -> list[str]:
    return kube.list_names(f"/api/v1/namespaces/{ns}/pods", selector)


def quote(s: str) -> str:
    return urllib.parse.quote(s, safe="")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def jitter(a: float, b: float) -> float:
    return random.uniform(a, b)
