"""Resident memory and CPU time of a process and all its descendants, from
/proc (VmRSS; utime+stime in clock ticks)."""

from __future__ import annotations

import os

TICK = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            s = f.read()
    except OSError:
        return None
    # comm may contain spaces and parentheses: split after the last ')'
    return s[s.rindex(")") + 2:].split()


def descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        f = _stat_fields(int(d))
        if f is None:
            continue
        children.setdefault(int(f[1]), []).append(int(d))
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def rss_kib(root: int) -> int:
    total = 0
    for pid in descendants(root):
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            pass
    return total


def cpu_seconds(root: int) -> float:
    """utime+stime of the tree (live processes; children that exited and were
    waited for are counted by their parent's cutime/cstime)."""
    ticks = 0
    for pid in descendants(root):
        f = _stat_fields(pid)
        if f is None:
            continue
        # fields after comm: state=0 ppid=1 ... utime=11 stime=12 cutime=13 cstime=14
        ticks += int(f[11]) + int(f[12])
        if pid != root:
            continue
        ticks += int(f[13]) + int(f[14])
    return ticks / TICK


def threads(root: int) -> int:
    n = 0
    for pid in descendants(root):
        try:
            n += len(os.listdir(f"/proc/{pid}/task"))
        except OSError:
            pass
    return n
