#!/usr/bin/env bash
# Real Kubernetes control plane on 127.0.0.1 for kockpit's integration tests.
#
#   cp.sh build              build (once per machine) into the cache, outside git
#   cp.sh up [--nodes N]     start etcd, kube-apiserver, kube-controller-manager,
#                            kube-scheduler, kwok and metrics-server; print kubeconfig path
#   cp.sh down               stop everything, leave no process running
#   cp.sh kubeconfig         print the kubeconfig path
#   cp.sh restart [COMPONENT] restart one component in place (default kube-apiserver)
#   cp.sh status             show the cluster's components
#   cp.sh bindir             print the directory holding the built binaries
#
# Environment:
#   KOCKPIT_CACHE       cache root (default $HOME/.cache/kockpit); binaries go to
#                       $KOCKPIT_CACHE/controlplane/<versions>/bin
#   KOCKPIT_CP_WORKDIR  runtime dir (default /tmp/kockpit-cp): kubeconfig, logs, etcd data
#   KOCKPIT_GO_P        parallel Go build jobs (default 2; this is a 2-core machine)
#   GO                  go binary (default: go on PATH, else /usr/local/go/bin/go)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE_ROOT="${KOCKPIT_CACHE:-$HOME/.cache/kockpit}"
WORKDIR="$(realpath -m "${KOCKPIT_CP_WORKDIR:-/tmp/kockpit-cp}")"
CLUSTER="kockpit"
KWOK_WORKDIR="$WORKDIR/kwok"
CLUSTER_DIR="$KWOK_WORKDIR/clusters/$CLUSTER"
KUBECONFIG_PATH="$WORKDIR/kubeconfig.yaml"

GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
KUBECTL="${KUBECTL:-$(command -v kubectl || echo /usr/bin/kubectl)}"

# Versions come from the wrapper modules' go.mod files, so a bump there
# changes the cache key and triggers a rebuild.
modver() { # <go.mod> <module path>
  awk -v m="$2" '$1 == m && $2 ~ /^v/ { print $2; exit } $1 == "require" && $2 == m { print $3; exit }' "$1"
}
K8S_VERSION="$(modver "$HERE/k8s/go.mod" k8s.io/kubernetes)"
KWOK_VERSION="$(modver "$HERE/kwok/go.mod" sigs.k8s.io/kwok)"
MS_VERSION="$(modver "$HERE/metrics/go.mod" sigs.k8s.io/metrics-server)"
ETCD_VERSION="$(modver "$HERE/etcd/go.mod" go.etcd.io/etcd/server/v3)"
[[ -n "$K8S_VERSION" && -n "$KWOK_VERSION" && -n "$MS_VERSION" && -n "$ETCD_VERSION" ]] || {
  echo "cp.sh: cannot read versions from $HERE/*/go.mod" >&2; exit 1; }
KEY="k8s-${K8S_VERSION}_etcd-${ETCD_VERSION}_kwok-${KWOK_VERSION}_metrics-server-${MS_VERSION}"
BIN="$CACHE_ROOT/controlplane/$KEY/bin"

log() { echo "cp.sh: $*" >&2; }
die() { echo "cp.sh: error: $*" >&2; exit 1; }

# ---------------------------------------------------------------- build

gobuild() { # <module dir> <ldflags> <out dir> <pkg>...
  local dir="$1" ldflags="$2" out="$3"; shift 3
  (
    cd "$dir"
    # nice: other engineers compile Rust on the same 2 cores.
    # -p limits parallel package builds; GOMAXPROCS stays unrestricted.
    CGO_ENABLED=0 GOFLAGS="-p=${KOCKPIT_GO_P:-2} -mod=readonly" \
      nice -n 15 "$GO" build -trimpath -ldflags "$ldflags" -o "$out/" "$@"
  )
}

have_bins() { local b; for b in "$@"; do [[ -x "$BIN/$b" ]] || return 1; done; }

cmd_build() {
  [[ -x "$GO" ]] || command -v "$GO" >/dev/null || die "go not found (set GO=)"
  mkdir -p "$BIN"
  local start=$SECONDS date
  date="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  BUILD_TMP="$(mktemp -d "$BIN/../build.XXXXXX")"
  trap 'rm -rf "$BUILD_TMP"' EXIT
  local tmp="$BUILD_TMP"

  if ! have_bins kwok kwokctl; then
    log "building kwok, kwokctl $KWOK_VERSION"
    gobuild "$HERE/kwok" "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=${KWOK_VERSION#v} -X sigs.k8s.io/kwok/pkg/consts.KubeVersion=${K8S_VERSION#v}" \
      "$tmp" sigs.k8s.io/kwok/cmd/kwok sigs.k8s.io/kwok/cmd/kwokctl
    mv -f "$tmp/kwok" "$tmp/kwokctl" "$BIN/"
  fi

  if ! have_bins metrics-server; then
    log "building metrics-server $MS_VERSION"
    gobuild "$HERE/metrics" "-s -w -X k8s.io/client-go/pkg/version.gitVersion=$MS_VERSION -X k8s.io/client-go/pkg/version.buildDate=$date" \
      "$tmp" sigs.k8s.io/metrics-server/cmd/metrics-server
    mv -f "$tmp/metrics-server" "$BIN/"
  fi

  if ! have_bins etcd; then
    # Not Debian's etcd-server 3.4: kube-apiserver v1.34 needs etcd >= 3.5.13
    # (RequestWatchProgress) for streaming watch-lists and consistent reads from
    # its cache; with 3.4 kwok v0.7.0's watches fail and it panics.
    log "building etcd $ETCD_VERSION"
    gobuild "$HERE/etcd" "-s -w" "$tmp" .
    mv -f "$tmp/etcd" "$BIN/"
  fi

  if ! have_bins kube-apiserver kube-controller-manager kube-scheduler; then
    log "building kube-apiserver, kube-controller-manager, kube-scheduler $K8S_VERSION (slow the first time: about 5-10 min on 2 cores)"
    local major minor ld="-s -w" p
    major="$(echo "${K8S_VERSION#v}" | cut -d. -f1)"
    minor="$(echo "${K8S_VERSION#v}" | cut -d. -f2)"
    for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      ld+=" -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=$major -X $p.gitMinor=$minor"
      ld+=" -X $p.gitTreeState=clean -X $p.buildDate=$date"
    done
    gobuild "$HERE/k8s" "$ld" "$tmp" \
      k8s.io/kubernetes/cmd/kube-apiserver \
      k8s.io/kubernetes/cmd/kube-controller-manager \
      k8s.io/kubernetes/cmd/kube-scheduler
    mv -f "$tmp/kube-apiserver" "$tmp/kube-controller-manager" "$tmp/kube-scheduler" "$BIN/"
  fi

  log "binaries in $BIN ($((SECONDS - start))s)"
  local b
  for b in kube-apiserver kube-controller-manager kube-scheduler etcd kwok kwokctl metrics-server; do
    printf '  %-24s %s\n' "$b" "$("$BIN/$b" --version 2>&1 | head -n1)" >&2
  done
}

# ---------------------------------------------------------------- up / down

kwokctl() {
  KWOK_WORKDIR="$KWOK_WORKDIR" "$BIN/kwokctl" --name "$CLUSTER" "$@"
}
kc() { "$KUBECTL" --kubeconfig "$KUBECONFIG_PATH" "$@"; }

wait_for() { # <seconds> <description> <command...>
  local timeout="$1" what="$2" deadline; shift 2
  deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "timed out after ${timeout}s waiting for $what"
    sleep 1
  done
}

nodes_ready() { # <n>
  local ready
  ready="$(kc get nodes -l type=kwok --no-headers 2>/dev/null | awk '$2 == "Ready"' | wc -l)"
  [[ "$ready" -ge "$1" ]]
}

apiserver_up() { [[ -f "$KUBECONFIG_PATH" ]] && kc get --raw /readyz >/dev/null 2>&1; }

write_config() {
  # One multi-document kwokctl config: the cluster options plus kwok objects.
  cat >"$WORKDIR/kwokctl.yaml" <<EOF
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokctlConfiguration
options:
  runtime: binary
  bindAddress: 127.0.0.1
  kubeApiserverCertSANs: [127.0.0.1, localhost]
  enableMetricsServer: true
  kubeApiserverBinary: $BIN/kube-apiserver
  kubeControllerManagerBinary: $BIN/kube-controller-manager
  kubeSchedulerBinary: $BIN/kube-scheduler
  kwokControllerBinary: $BIN/kwok
  metricsServerBinary: $BIN/metrics-server
  etcdBinary: $BIN/etcd
  kubectlBinary: $KUBECTL
  # Logs objects (namespaced, named like the pod) are read from the API server,
  # so a test can give one pod its own log file; the ClusterLogs below is the
  # fallback for every other pod.
  enableCRDs: [Logs]
componentsPatches:
- name: kube-apiserver
  extraArgs:
  # no default route on this machine: the apiserver cannot pick an address itself
  - key: advertise-address
    value: 127.0.0.1
  # on SIGTERM stop waiting for open watches after 2s, else it hangs >40s
  # until clients go away (matters for cp.sh restart and down)
  - key: shutdown-watch-termination-grace-period
    value: 2s
- name: kube-controller-manager
  extraArgs:
  # a single instance: without this it exits ("leaderelection lost") when the
  # API server is away for more than 10s, e.g. across cp.sh restart
  - key: leader-elect
    value: "false"
  - key: horizontal-pod-autoscaler-sync-period
    value: 5s
- name: kube-scheduler
  extraArgs:
  - key: leader-elect
    value: "false"
---
# kubectl logs for every pod (every container) reads this CRI-format file.
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterLogs
metadata:
  name: all-pods
spec:
  selector: {}
  logs:
  - logsFile: $WORKDIR/pod.log
    follow: true
EOF
  # Pod CPU/memory for metrics-server: kwokctl adds kwok's default
  # ClusterResourceUsage "usage-from-annotation" by itself when metrics-server is
  # enabled (annotations kwok.x-k8s.io/usage-cpu / kwok.x-k8s.io/usage-memory,
  # default 1m / 1Mi per container).
}

seed_pod_log() {
  [[ -f "$WORKDIR/pod.log" ]] && return
  local t
  t="$(date -u +%Y-%m-%dT%H:%M:%S)"
  {
    echo "${t}.000000000Z stdout F kwok: container started"
    echo "${t}.100000000Z stdout F listening on :80"
    echo "${t}.200000000Z stderr F warning: this is a simulated pod (kwok)"
    echo "${t}.300000000Z stdout F GET / 200"
  } >"$WORKDIR/pod.log"
}

cmd_up() {
  local nodes=2
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --nodes) nodes="${2:-}"; shift $(( $# > 1 ? 2 : 1 )) ;;
      --nodes=*) nodes="${1#--nodes=}"; shift ;;
      *) die "up: unknown argument $1" ;;
    esac
  done
  [[ "$nodes" =~ ^[0-9]+$ ]] || die "up: --nodes needs a number"
  have_bins kube-apiserver kube-controller-manager kube-scheduler kwok kwokctl metrics-server etcd ||
    die "binaries missing in $BIN; run: $0 build"

  if apiserver_up; then
    log "cluster already up; scaling to $nodes nodes"
  else
    [[ -d "$CLUSTER_DIR" ]] && { log "removing stale cluster state"; cmd_down; }
    mkdir -p "$WORKDIR"
    write_config
    seed_pod_log
    local start=$SECONDS
    # --kubeconfig "": leave ~/.kube/config alone.
    if ! kwokctl -c "$WORKDIR/kwokctl.yaml" create cluster --kubeconfig "" --wait 3m >"$WORKDIR/kwokctl-create.log" 2>&1; then
      tail -n 30 "$WORKDIR/kwokctl-create.log" >&2
      die "kwokctl create cluster failed (full log: $WORKDIR/kwokctl-create.log; component logs: $CLUSTER_DIR/logs)"
    fi
    ln -sfn "$CLUSTER_DIR/kubeconfig.yaml" "$KUBECONFIG_PATH"
    log "control plane started in $((SECONDS - start))s"
  fi

  kwokctl scale node --replicas "$nodes" >>"$WORKDIR/kwokctl-create.log" 2>&1 ||
    die "kwokctl scale node failed (see $WORKDIR/kwokctl-create.log)"
  wait_for 180 "$nodes Ready kwok nodes" nodes_ready "$nodes"
  wait_for 180 "ServiceAccount default/default" kc get serviceaccount default -n default
  wait_for 180 "APIService v1beta1.metrics.k8s.io Available" \
    kc wait --for=condition=Available apiservice/v1beta1.metrics.k8s.io --timeout=5s
  echo "$KUBECONFIG_PATH"
}

# A component that exited but was not reaped yet (zombie) counts as gone.
alive() { [[ -r "/proc/$1/stat" ]] && [[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]]; }

# Only a process running one of this cluster's binaries is ours to stop (a
# stale pid file could name an unrelated process by now).
ours() {
  local argv0
  argv0="$(tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null | head -n1)" || return 1
  [[ "$argv0" == "$CLUSTER_DIR/bin/"* ]]
}

# pid files of the components kwokctl started (etcd, kube-apiserver, ...)
component_pids() {
  local f
  for f in "$CLUSTER_DIR"/pids/*.pid; do [[ -f "$f" ]] && cat "$f" && echo; done
}

cmd_down() {
  local pids pid i
  pids=""
  for pid in $(component_pids 2>/dev/null | grep -E '^[0-9]+$' || true); do
    ours "$pid" && pids+=" $pid"
  done
  if [[ -d "$CLUSTER_DIR" ]]; then
    # --kubeconfig: a throwaway file, so kwokctl leaves ~/.kube/config alone.
    kwokctl delete cluster --kubeconfig "$WORKDIR/.kwokctl-delete-kubeconfig" >"$WORKDIR/kwokctl-delete.log" 2>&1 ||
      log "kwokctl delete cluster failed (see $WORKDIR/kwokctl-delete.log); killing components"
  fi
  # Make sure every component we started is gone, even if kwokctl failed.
  for pid in $pids; do
    alive "$pid" || continue
    kill -TERM "$pid" 2>/dev/null || true
  done
  for i in $(seq 1 30); do
    local left=""
    for pid in $pids; do alive "$pid" && left+=" $pid"; done
    [[ -z "$left" ]] && break
    [[ $i -eq 30 ]] && { log "force-killing$left"; for pid in $left; do kill -KILL "$pid" 2>/dev/null || true; done; }
    sleep 1
  done
  # They were children of kwokctl, now of pid 1, which reaps them: wait for
  # that too, so that pgrep shows nothing once down returns.
  for i in $(seq 1 20); do
    local left=""
    for pid in $pids; do [[ -e "/proc/$pid" ]] && left+=" $pid"; done
    [[ -z "$left" ]] && break
    sleep 0.5
  done
  rm -rf "$KWOK_WORKDIR" "$KUBECONFIG_PATH" "$WORKDIR/kwokctl.yaml" "$WORKDIR/pod.log" \
    "$WORKDIR/.kwokctl-delete-kubeconfig"
  log "down"
}

# Restart one component in place (same flags, same port): e.g. to check that
# watches survive an API server restart. Default: kube-apiserver.
cmd_restart() {
  local name="${1:-kube-apiserver}" pidfile pid dir i
  pidfile="$CLUSTER_DIR/pids/$name.pid"
  [[ -f "$pidfile" ]] || die "restart: no pid file $pidfile (is the cluster up?)"
  pid="$(cat "$pidfile")"
  alive "$pid" && ours "$pid" || die "restart: $name (pid $pid) is not running"
  local -a argv=()
  mapfile -d '' argv <"/proc/$pid/cmdline"
  dir="$(readlink "/proc/$pid/cwd")"
  kill -TERM "$pid"
  for i in $(seq 1 60); do alive "$pid" || break; sleep 0.5; done
  if alive "$pid"; then kill -KILL "$pid"; fi
  # exec: the pid written below is the component's own pid (as kwokctl does).
  (cd "$dir" || exit 1; exec setsid "${argv[@]}" >>"$CLUSTER_DIR/logs/$name.log" 2>&1 </dev/null) &
  # No newline: kwokctl parses the file with strconv.Atoi, and an unparsable
  # pid makes `kwokctl delete` skip the component (down then waits ~20 s
  # for the API server's own graceful shutdown without etcd).
  printf '%s' "$!" >"$pidfile"
  log "$name restarted (pid $(cat "$pidfile"))"
  if [[ "$name" == kube-apiserver ]]; then
    wait_for 120 "kube-apiserver /readyz" apiserver_up
  fi
}

cmd_status() {
  [[ -d "$CLUSTER_DIR" ]] || { echo "down"; return 1; }
  local f
  for f in "$CLUSTER_DIR"/pids/*.pid; do
    [[ -f "$f" ]] || continue
    if alive "$(cat "$f")"; then echo "$(basename "$f" .pid) running (pid $(cat "$f"))"
    else echo "$(basename "$f" .pid) NOT running"; fi
  done
  apiserver_up && echo "apiserver ready: $KUBECONFIG_PATH"
}

cmd_kubeconfig() { echo "$KUBECONFIG_PATH"; }

main() {
  local cmd="${1:-}"; shift || true
  case "$cmd" in
    build) cmd_build "$@" ;;
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    restart) cmd_restart "$@" ;;
    status) cmd_status ;;
    kubeconfig) cmd_kubeconfig ;;
    bindir) echo "$BIN" ;;
    *) sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
  esac
}
main "$@"; exit $?  # one line: bash must not read on if this file changes meanwhile
