"""The app's own figures for `make bench`: the core crates' benchmarks, `vireo check --json` as
a whole process, start-up (spawn -> window mapped, launch -> machines list connected), memory
of the process tree, idle CPU with 50 defined VMs, and 1000 test-driver VMs listed and updated
by libvirt events."""

import os
import statistics
import subprocess
import time

from bench.procfs import comm, cpu_ticks, memory_kib, process_tree
from bench.stats import ms
from lib.libvirt import virsh
from lib.paths import APP, CLI, TOP


def bench_rust():
    """The core crates' own benchmarks (each prints its figures on its last lines)."""
    for crate, bench in [("vireo-host", "check"), ("vireo-osinfo", "load"),
                         ("vireo-libvirt", "list"), ("vireo-create", "create")]:
        out = subprocess.run(
            ["cargo", "bench", "-p", crate, "--bench", bench, "--quiet"],
            cwd=TOP, capture_output=True, text=True, check=True,
        )
        for line in out.stdout.strip().splitlines():
            if not line.startswith(("running", "test result")) and line.strip():
                print(line)


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
    """Launch through WebDriver until the machines list is connected, and the page clock."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    from lib.app import open_app, running_tauri_driver

    os.environ["DISPLAY"] = display
    launch, page = [], []
    with running_tauri_driver() as url:
        for _ in range(runs):
            t = time.perf_counter()
            with open_app(url) as driver:
                WebDriverWait(driver, 20, poll_frequency=0.01).until(
                    EC.presence_of_element_located(
                        (By.CSS_SELECTOR, '[data-connection-id="system"][data-connection-state="connected"]')))
                launch.append(time.perf_counter() - t)
                page.append(driver.execute_script("return performance.now()") / 1000)
    print(f"launch (WebDriver session) -> machines list connected: median {ms(statistics.median(launch))}; "
          f"page load -> list connected: median {ms(statistics.median(page))} ({runs} runs)")


def define_idle_vms(count, prefix):
    for i in range(count):
        name = f"{prefix}-{i:03d}"
        xml = (f"<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory>"
               "<vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type></os></domain>")
        path = os.path.join(TOP, "target", "bench-domain.xml")
        with open(path, "w") as f:
            f.write(xml)
        virsh("define", path)


def undefine_vms(prefix):
    for name in virsh("list", "--all", "--name").stdout.split():
        if name.startswith(prefix):
            virsh("destroy", name)
            virsh("undefine", name)


def bench_idle_cpu(display, seconds=20):
    """50 defined VMs on qemu:///system, the list on screen; CPU of the whole tree."""
    prefix = f"vireo-bench-{os.getpid()}"
    define_idle_vms(50, prefix)
    try:
        proc = subprocess.Popen([APP], env=dict(os.environ, DISPLAY=display,
                                                VIREO_CONFIG_DIR=os.path.join(TOP, "target", "bench-config")),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(8)
        tree = process_tree(proc.pid)
        hz = os.sysconf("SC_CLK_TCK")
        t0, c0 = time.monotonic(), cpu_ticks(tree)
        time.sleep(seconds)
        t1, c1 = time.monotonic(), cpu_ticks(tree)
        proc.terminate()
        proc.wait(timeout=10)
        pct = (c1 - c0) / hz / (t1 - t0) * 100
        print(f"idle CPU with 50 defined VMs, list visible (stats every 2 s): {pct:.2f} % of one "
              f"core over {seconds} s (whole process tree)")
    finally:
        undefine_vms(prefix)


def bench_list_and_events(display):
    """1000 test-driver VMs painted, and libvirt event → row updated, in the real window."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from lib.app import open_app, running_tauri_driver

    fixture = os.path.join(TOP, "target", "bench-1000.xml")
    with open(fixture, "w") as f:
        f.write("<node>\n")
        for i in range(1000):
            f.write(f"<domain type='test'><name>bulk-{i:04d}</name><memory>65536</memory>"
                    "<vcpu>1</vcpu><os><type>hvm</type></os></domain>\n")
        f.write("</node>\n")
    os.environ["DISPLAY"] = display
    name = f"vireo-bench-ev-{os.getpid()}"
    define_idle_vms(1, name)
    name = f"{name}-000"
    try:
        with running_tauri_driver() as url, open_app(url) as driver:
            WebDriverWait(driver, 30).until(
                lambda d: d.find_elements(By.CSS_SELECTOR, f'[data-vm-name="{name}"]'))
            paint, ui_paint = [], []
            for attempt in range(3):
                uri = f"test://{fixture}"
                took = driver.execute_async_script("""
                    const [uri, done] = arguments;
                    const invoke = window.__TAURI_INTERNALS__.invoke;
                    const list = () => document.querySelector('[data-testid="vm-list"]');
                    const before = Number(list().getAttribute('data-row-count'));
                    const t0 = performance.now();
                    invoke('connection_add', {connection: {uri, name: 'bench'}}).then((c) => {
                      const tick = () => {
                        const n = Number(list().getAttribute('data-row-count'));
                        const painted = document.querySelector('[data-vm-name^="bulk-"]');
                        if (n >= before + 1000 && painted) {
                          const now = performance.now();
                          const mark = performance.getEntriesByName(`vireo:vms-replaced:${c.id}`)[0];
                          done({ms: now - t0, paint: mark ? now - mark.startTime : null, id: c.id});
                        } else { requestAnimationFrame(tick); }
                      };
                      requestAnimationFrame(tick);
                    }, (e) => done({error: String(e.message ?? e)}));
                """, uri)
                if "error" in took:
                    raise RuntimeError(took["error"])
                paint.append(took["ms"])
                ui_paint.append(took["paint"])
                driver.execute_async_script("""
                    const [id, done] = arguments;
                    window.__TAURI_INTERNALS__.invoke('connection_remove', {id}).then(done, done);
                """, took["id"])
                time.sleep(0.5)
            print(f"1000 test-driver VMs: connection added → list painted: median "
                  f"{statistics.median(paint):.0f} ms ({len(paint)} runs: "
                  f"{', '.join(f'{p:.0f}' for p in paint)} ms); of that, the whole-list event "
                  f"received → painted: median {statistics.median(ui_paint):.0f} ms "
                  f"({', '.join(f'{p:.0f}' for p in ui_paint)} ms)")

            lat = []
            for i in range(6):
                target = "paused" if i % 2 == 0 else "running"
                driver.execute_script("""
                    const [name, target] = arguments;
                    window.__seen = null;
                    const el = () => document.querySelector(`[data-vm-name="${name}"]`);
                    const obs = new MutationObserver(() => {
                      if (el()?.getAttribute('data-vm-state') === target && !window.__seen) {
                        window.__seen = performance.timeOrigin + performance.now();
                        obs.disconnect();
                      }
                    });
                    obs.observe(document.body, {subtree: true, attributes: true, childList: true});
                """, name, target)
                if i == 0:
                    virsh("start", name)
                    time.sleep(1)
                t_before = time.time() * 1000
                virsh("suspend" if target == "paused" else "resume", name)
                t_after = time.time() * 1000
                WebDriverWait(driver, 10, poll_frequency=0.01).until(
                    lambda d: d.execute_script("return window.__seen"))
                seen = driver.execute_script("return window.__seen")
                lat.append((seen - t_after, seen - t_before))
            print(f"libvirt event → row updated: median {statistics.median(x[0] for x in lat):.0f} ms "
                  f"after virsh returned ({statistics.median(x[1] for x in lat):.0f} ms after "
                  f"it was called), {len(lat)} suspend/resume events")
    finally:
        undefine_vms(f"vireo-bench-ev-{os.getpid()}")
