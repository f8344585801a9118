"""A minimal Kubernetes API client for the harness: one keep-alive HTTPS (or
HTTP) connection per thread, credentials read from a kubeconfig through
`kubectl config view --raw`. It refuses any server that is not on loopback,
so no request loop of the harness can ever leave the machine."""

from __future__ import annotations

import atexit
import base64
import http.client
import json
import os
import shutil
import ssl
import subprocess
import tempfile
import threading
import urllib.parse

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


class ApiError(Exception):
    def __init__(self, status: int, body: str, what: str):
        super().__init__(f"{what}: HTTP {status}: {body[:300]}")
        self.status = status


def _data_file(data_b64: str, tmpdir: str, name: str) -> str:
    path = os.path.join(tmpdir, name)
    with open(path, "wb") as f:
        f.write(base64.b64decode(data_b64))
    os.chmod(path, 0o600)
    return path


class Kube:
    def __init__(self, kubeconfig: str):
        self.kubeconfig = kubeconfig
        raw = subprocess.run(
            ["kubectl", "config", "view", "--raw", "--minify", "-o", "json",
             "--kubeconfig", kubeconfig],
            check=True, capture_output=True, text=True, timeout=30,
        ).stdout
        cfg = json.loads(raw)
        cluster = cfg["clusters"][0]["cluster"]
        user = cfg["users"][0].get("user", {}) if cfg.get("users") else {}
        url = urllib.parse.urlsplit(cluster["server"])
        if url.hostname not in LOOPBACK:
            raise SystemExit(f"refusing non-loopback API server {cluster['server']}")
        self.scheme = url.scheme
        self.host = url.hostname
        self.port = url.port or (443 if url.scheme == "https" else 80)
        self.base = url.path.rstrip("/")
        self._tmp = tempfile.mkdtemp(prefix="kockperf-cred-")
        atexit.register(shutil.rmtree, self._tmp, True)
        self.headers = {"Accept": "application/json", "User-Agent": "kockpit-perf"}
        if user.get("token"):
            self.headers["Authorization"] = f"Bearer {user['token']}"
        self.ctx = None
        if self.scheme == "https":
            ctx = ssl.create_default_context()
            if cluster.get("insecure-skip-tls-verify"):
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
            elif cluster.get("certificate-authority-data"):
                ctx.load_verify_locations(
                    _data_file(cluster["certificate-authority-data"], self._tmp, "ca.crt"))
            elif cluster.get("certificate-authority"):
                ctx.load_verify_locations(cluster["certificate-authority"])
            cert = user.get("client-certificate") or (
                user.get("client-certificate-data")
                and _data_file(user["client-certificate-data"], self._tmp, "client.crt"))
            key = user.get("client-key") or (
                user.get("client-key-data")
                and _data_file(user["client-key-data"], self._tmp, "client.key"))
            if cert and key:
                ctx.load_cert_chain(cert, key)
            self.ctx = ctx
        self._local = threading.local()

    def _conn(self) -> http.client.HTTPConnection:
        c = getattr(self._local, "conn", None)
        if c is None:
            if self.scheme == "https":
                c = http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=30)
            else:
                c = http.client.HTTPConnection(self.host, self.port, timeout=30)
            self._local.conn = c
        return c

    def request(self, method: str, path: str, body=None, content_type="application/json",
                ok=(200, 201, 202), allow=()):
        data = None if body is None else json.dumps(body).encode()
        headers = dict(self.headers)
        if data is not None:
            headers["Content-Type"] = content_type
        for attempt in range(2):
            c = self._conn()
            try:
                c.request(method, self.base + path, body=data, headers=headers)
                r = c.getresponse()
                payload = r.read()
                break
            except (http.client.HTTPException, OSError):
                c.close()
                self._local.conn = None
                if attempt == 1:
                    raise
        if r.status in allow:
            return r.status, None
        if r.status not in ok:
            raise ApiError(r.status, payload.decode(errors="replace"), f"{method} {path}")
        return r.status, (json.loads(payload) if payload else None)

    def get(self, path: str):
        return self.request("GET", path)[1]

    def list_names(self, path: str, selector: str | None = None, limit: int = 500) -> list[str]:
        names: list[str] = []
        cont = ""
        for _ in range(1000):  # bounded: 500k objects at most
            q = {"limit": str(limit)}
            if selector:
                q["labelSelector"] = selector
            if cont:
                q["continue"] = cont
            obj = self.get(path + "?" + urllib.parse.urlencode(q))
            names += [i["metadata"]["name"] for i in obj.get("items", [])]
            cont = obj.get("metadata", {}).get("continue") or ""
            if not cont:
                break
        return names

    def list_items(self, path: str, selector: str | None = None, limit: int = 500) -> list[dict]:
        items: list[dict] = []
        cont = ""
        for _ in range(1000):
            q = {"limit": str(limit)}
            if selector:
                q["labelSelector"] = selector
            if cont:
                q["continue"] = cont
            obj = self.get(path + "?" + urllib.parse.urlencode(q))
            items += obj.get("items", [])
            cont = obj.get("metadata", {}).get("continue") or ""
            if not cont:
                break
        return items

    def create(self, path: str, obj: dict):
        return self.request("POST", path, obj, allow=(409,))

    def delete(self, path: str):
        return self.request("DELETE", path, allow=(404,))

    def patch_merge(self, path: str, patch: dict):
        return self.request("PATCH", path, patch, content_type="application/merge-patch+json")
