"""Tables: per run, and the median over runs with the spread and the ratios
peer / kockpit (how many times kockpit is better; > 1 means better)."""

from __future__ import annotations

import statistics

# (key, label, unit, lower is better)
FIGURES = [
    ("first_screen_s", "first complete pods screen", "s", True),
    ("rss_sync_mib", "RSS after sync", "MiB", True),
    ("rss_late_mib", "RSS at 5 min", "MiB", True),
    ("cpu_steady_pct", "CPU idle (steady, minutes)", "% core", True),
    ("cpu_idle_pct", "CPU idle, first 30 s after sync", "% core", True),
    ("cpu_churn_pct", "CPU at 100 pod changes/s", "% core", True),
    ("lat_p50_ms", "change→screen p50", "ms", True),
    ("lat_p99_ms", "change→screen p99", "ms", True),
    ("del_p99_ms", "delete→gone p99", "ms", True),
    ("api_p99_ms", "floor: API watch event p99 (same probes)", "ms", True),
    ("bytes_steady_per_s", "bytes to terminal idle (steady)", "B/s", True),
    ("bytes_churn_per_s", "bytes to terminal at churn", "B/s", True),
]

TARGETS = {
    "first_screen_s": 1.5,
    "rss_sync_mib": 100,
    "rss_late_mib": 100,
    "cpu_steady_pct": 1.0,
    "lat_p99_ms": 150,
}


def fmt(v: float | None, unit: str) -> str:
    if v is None:
        return "—"
    if unit == "s":
        return f"{v:.2f}"
    if unit == "B/s":
        return f"{v:,.0f}"
    if unit == "% core":
        return f"{v:.2f}" if v < 10 else f"{v:.1f}"
    return f"{v:.0f}" if v >= 10 else f"{v:.1f}"


def medians(results: list[dict], tool: str, cluster: str) -> dict[str, tuple]:
    """key -> (median, min, max, n)"""
    out = {}
    rows = [r for r in results if r["tool"] == tool and r["cluster"] == cluster]
    for key, _, _, _ in FIGURES:
        xs = [r[key] for r in rows if r.get(key) is not None]
        if xs:
            out[key] = (statistics.median(xs), min(xs), max(xs), len(xs))
    return out


def table(results: list[dict], cluster: str) -> str:
    tools = []
    for r in results:
        if r["cluster"] == cluster and r["tool"] not in tools:
            tools.append(r["tool"])
    if not tools:
        return ""
    meds = {t: medians(results, t, cluster) for t in tools}
    versions = {r["tool"]: r["version"] for r in results if r["cluster"] == cluster}
    peers = [t for t in tools if t != "kockpit"]
    head = ["figure", "target (kockpit)"] + [f"{t} {versions[t]}" for t in tools] + \
        [f"{p} ÷ kockpit" for p in peers if "kockpit" in tools]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    late = {r.get("late_s") for r in results if r["cluster"] == cluster}
    for key, label, unit, _ in FIGURES:
        if key == "rss_late_mib" and late and not all(295 <= x <= 330 for x in late):
            label = "RSS at " + "–".join(f"{x:.0f}" for x in sorted({min(late), max(late)})) + " s"
        row = [f"{label} ({unit})", f"≤ {TARGETS[key]}" if key in TARGETS else "—"]
        for t in tools:
            m = meds[t].get(key)
            if m is None:
                row.append("—")
            elif m[3] > 1:
                row.append(f"{fmt(m[0], unit)} [{fmt(m[1], unit)}–{fmt(m[2], unit)}]")
            else:
                row.append(fmt(m[0], unit))
        if "kockpit" in tools:
            k = meds["kockpit"].get(key)
            for p in peers:
                m = meds[p].get(key)
                if key.startswith("api_"):
                    row.append("(floor)")
                    continue
                if k is None or m is None or k[0] == 0:
                    row.append("—" if not (k and m and m[0] > 0) else "∞")
                else:
                    row.append(f"{m[0] / k[0]:.1f}×")
        lines.append("| " + " | ".join(row) + " |")
    # probes missed, runs
    runs = {t: len({r['run'] for r in results if r['tool'] == t and r['cluster'] == cluster})
            for t in tools}
    missed = {t: sum(r.get("lat_missed", 0) for r in results
                     if r["tool"] == t and r["cluster"] == cluster) for t in tools}
    lines.append("")
    lines.append("runs: " + ", ".join(f"{t} {runs[t]}" for t in tools) +
                 "; probes never seen: " + ", ".join(f"{t} {missed[t]}" for t in tools) +
                 ". Cells: median [min–max] over runs.")
    return "\n".join(lines)


def verdict(results: list[dict], cluster: str) -> list[str]:
    out = []
    k = medians(results, "kockpit", cluster)
    if not k:
        return out
    for key, target in TARGETS.items():
        m = k.get(key)
        if m is None:
            out.append(f"kockpit {key}: not measured")
        elif m[0] > target:
            out.append(f"kockpit MISSES {key}: {m[0]:.2f} > {target}")
    tools = {r["tool"] for r in results if r["cluster"] == cluster} - {"kockpit"}
    for t in sorted(tools):
        p = medians(results, t, cluster)
        for key, label, unit, _ in FIGURES:
            if key.startswith("api_"):
                continue
            if key in k and key in p and k[key][0] > p[key][0]:
                out.append(f"kockpit is WORSE than {t} on {label}: "
                           f"{fmt(k[key][0], unit)} vs {fmt(p[key][0], unit)} {unit}")
    return out
