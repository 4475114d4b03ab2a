#!/usr/bin/env python3
"""`make bench`: Vireo's speed and memory figures on this machine.

- the host check itself (cargo bench -p vireo-host --bench check);
- `vireo check --json` as a whole process;
- app start-up: spawn -> window mapped (xwininfo), and launch -> host check shown (WebDriver);
- memory of the app's whole process tree (UI process + WebKit processes) 5 s after start.

Figures are printed, not asserted: targets are judged by people reading them.
"""

import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "e2e")]
from xvfb import start_xvfb  # noqa: E402

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
APP = os.path.join(TOP, "target", "release", "vireo-app")
CLI = os.path.join(TOP, "target", "release", "vireo")


def ms(seconds):
    return f"{seconds * 1000:.0f} ms"


def bench_check():
    out = subprocess.run(
        ["cargo", "bench", "-p", "vireo-host", "--bench", "check", "--quiet"],
        cwd=TOP, capture_output=True, text=True, check=True,
    )
    print(out.stdout.strip().splitlines()[-1])


def bench_cli(runs=20):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([CLI, "check", "--json"], capture_output=True, check=False)
        times.append(time.perf_counter() - t)
    print(f"vireo check --json (whole process): median {ms(statistics.median(times))}, "
          f"max {ms(max(times))} ({runs} runs)")


def window_mapped(display):
    out = subprocess.run(["xwininfo", "-root", "-tree"], env=dict(os.environ, DISPLAY=display),
                         capture_output=True, text=True, check=False).stdout
    return '"Vireo"' in out


def process_tree(root):
    children = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(pid))
        except (OSError, IndexError, ValueError):
            continue
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


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


def comm(pid):
    with open(f"/proc/{pid}/comm") as f:
        return f.read().strip()


def bench_startup_and_memory(display, runs=5):
    mapped = []
    for i in range(runs):
        t = time.perf_counter()
        proc = subprocess.Popen([APP], env=dict(os.environ, DISPLAY=display),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while not window_mapped(display):
            if time.perf_counter() - t > 20:
                raise RuntimeError("window never mapped")
            time.sleep(0.005)
        mapped.append(time.perf_counter() - t)
        if i == runs - 1:
            time.sleep(5)
            print("memory of the process tree 5 s after start:")
            total_pss = total_rss = 0
            for pid in process_tree(proc.pid):
                try:
                    pss, rss = memory_kib(pid)
                except OSError:
                    continue
                total_pss += pss
                total_rss += rss
                print(f"  {comm(pid):24} PSS {pss / 1024:7.1f} MiB  RSS {rss / 1024:7.1f} MiB")
            print(f"  {'total':24} PSS {total_pss / 1024:7.1f} MiB  RSS {total_rss / 1024:7.1f} MiB")
        proc.terminate()
        proc.wait(timeout=10)
    print(f"app spawn -> window mapped: median {ms(statistics.median(mapped))}, "
          f"min {ms(min(mapped))}, max {ms(max(mapped))} ({runs} runs)")


def bench_first_render(display, runs=3):
    """Launch through WebDriver until the verdict is on screen, and the page's own clock."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait
    from conftest import open_app, running_tauri_driver

    os.environ["DISPLAY"] = display
    launch, page = [], []
    with running_tauri_driver() as url:
        for _ in range(runs):
            t = time.perf_counter()
            with open_app(url) as driver:
                WebDriverWait(driver, 20, poll_frequency=0.01).until(
                    EC.presence_of_element_located((By.CSS_SELECTOR, '[data-check-count="1"]')))
                launch.append(time.perf_counter() - t)
                page.append(driver.execute_script("return performance.now()") / 1000)
    print(f"launch (WebDriver session) -> host check shown: median {ms(statistics.median(launch))}; "
          f"page load -> host check shown: median {ms(statistics.median(page))} ({runs} runs)")


def main():
    bench_check()
    bench_cli()
    xvfb, display = start_xvfb()
    try:
        bench_startup_and_memory(display)
        bench_first_render(display)
    finally:
        if xvfb:
            xvfb.terminate()


if __name__ == "__main__":
    main()
