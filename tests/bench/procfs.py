"""What the benchmarks read from /proc: a process's tree of children, its name, CPU ticks
(per process or per thread) and memory (PSS, RSS)."""

import os

# CPU ticks per second of /proc's utime and stime.
HZ = os.sysconf("SC_CLK_TCK")


def children_map():
    children = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(pid))
        except (OSError, IndexError, ValueError):
            continue
    return children


def process_tree(*roots):
    children = children_map()
    tree, todo = [], [r for r in roots if r]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return "?"


def cpu_ticks(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            continue
    return total


def thread_ticks(pids):
    """CPU ticks per (process name, thread name): where a client's CPU goes."""
    ticks = {}
    for pid in pids:
        name = comm(pid)
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tids:
            try:
                with open(f"/proc/{pid}/task/{tid}/stat") as f:
                    head, rest = f.read().rsplit(")", 1)
                fields = rest.split()
                key = (name, head.split("(", 1)[1])
                ticks[key] = ticks.get(key, 0) + int(fields[11]) + int(fields[12])
            except (OSError, IndexError, ValueError):
                continue
    return ticks


def pss_mib(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def memory_kib(pid):
    """(PSS, RSS) in KiB from smaps_rollup."""
    pss = rss = 0
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith("Pss:"):
                pss = int(line.split()[1])
            elif line.startswith("Rss:"):
                rss = int(line.split()[1])
    return pss, rss
