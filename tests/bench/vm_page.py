"""The VM page's figures for `make bench`, in the real window on qemu:///system, with
virt-manager's details window (its Performance tab) beside it in the same run:

- page opened -> overview painted (click on the VM's name until the overview's frame);
- one edit -> libvirt event -> page updated (Apply memory for the next boot until the
  "pending" mark is painted, and back);
- idle CPU of the whole process tree with the page and its graphs visible, a running VM.
"""

import os
import shutil
import statistics
import subprocess
import time

from bench.procfs import HZ, cpu_ticks, process_tree, thread_ticks
from lib.libvirt import virsh
from lib.paths import APP, TOP
from lib.proc import stop

PREFIX = f"vireo-bench-page-{os.getpid()}"
NAME = f"{PREFIX}-vm"
IDLE_SECONDS = 40
SETTLE_SECONDS = 20


def define_vm():
    """A diskless VM: it runs (SeaBIOS waits for a boot device) and its stats flow."""
    xml = (f"<domain type='qemu'><name>{NAME}</name><memory unit='MiB'>128</memory>"
           "<vcpu>1</vcpu>"
           "<os><type arch='x86_64' machine='pc'>hvm</type></os>"
           "<devices><graphics type='vnc'><listen type='none'/></graphics></devices></domain>")
    path = os.path.join(TOP, "target", "bench-page-domain.xml")
    with open(path, "w") as f:
        f.write(xml)
    virsh("define", path, check=True)
    virsh("start", NAME, check=True)


def remove_vm():
    virsh("destroy", NAME)
    virsh("undefine", NAME)


def app_pids():
    """The app processes started for this run (tauri-driver's WebKitWebDriver starts them)."""
    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.readlink(f"/proc/{pid}/exe") == os.path.realpath(APP):
                pids.append(int(pid))
        except OSError:
            continue
    return pids


def idle_cpu(pids, seconds):
    """% of one core over `seconds`, and the three busiest threads (process, thread, %)."""
    tree = process_tree(*pids)
    t0, c0, th0 = time.monotonic(), cpu_ticks(tree), thread_ticks(tree)
    time.sleep(seconds)
    tree = process_tree(*pids)
    t1, c1, th1 = time.monotonic(), cpu_ticks(tree), thread_ticks(tree)
    wall = t1 - t0
    busiest = sorted(((th1[k] - th0.get(k, 0), k) for k in th1), reverse=True)[:3]
    top = ", ".join(f"{p}/{t} {n / HZ / wall * 100:.2f} %" for n, (p, t) in busiest if n > 0)
    return (c1 - c0) / HZ / wall * 100, top


OPEN_PAGE = """
const [name, done] = arguments;
const t0 = performance.now();
document.querySelector(`[data-vm-name="${name}"] button.vm-name`).click();
const tick = () => {
  const state = document.querySelector('[data-testid="vm-page-state"]');
  if (document.querySelector('[data-testid="vm-overview"]') && state && state.textContent) {
    // The next frame has the overview painted.
    requestAnimationFrame(() => done(performance.now() - t0));
  } else { requestAnimationFrame(tick); }
};
requestAnimationFrame(tick);
"""

CLOSE_PAGE = """
const done = arguments[0];
document.querySelector('[data-testid="vm-page-back"]').click();
const tick = () => document.querySelector('[data-testid="vm-page"]')
  ? requestAnimationFrame(tick) : done(true);
requestAnimationFrame(tick);
"""

# Types the memory for the next boot as a user does (input events), applies, and waits
# until the pending mark appears (or goes, when set back to the running value).
EDIT_MEMORY = """
const [mib, pending, done] = arguments;
const input = document.querySelector('[data-testid="memory-input"]');
const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
setter.call(input, String(mib));
input.dispatchEvent(new Event('input', {bubbles: true}));
const next = document.querySelector('[data-testid="vm-resources"] input[value="next-boot"]');
next.click();
const t0 = performance.now();
document.querySelector('[data-testid="resources-apply"]').click();
const tick = () => {
  const mark = !!document.querySelector('[data-testid="pending-memory"]');
  if (mark === pending) requestAnimationFrame(() => done(performance.now() - t0));
  else if (performance.now() - t0 > 10000) done(null);
  else requestAnimationFrame(tick);
};
requestAnimationFrame(tick);
"""


def bench_vireo(display):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from lib.app import open_app, running_tauri_driver

    os.environ["DISPLAY"] = display
    with running_tauri_driver() as url, open_app(url) as driver:
        WebDriverWait(driver, 30).until(lambda d: d.find_elements(
            By.CSS_SELECTOR, f'[data-vm-name="{NAME}"][data-vm-state="running"]'))
        opened = []
        for _ in range(5):
            opened.append(driver.execute_async_script(OPEN_PAGE, NAME))
            driver.execute_async_script(CLOSE_PAGE)
            time.sleep(0.3)
        print(f"VM page: click on the name -> overview painted: median "
              f"{statistics.median(opened):.0f} ms ({', '.join(f'{t:.0f}' for t in opened)} ms)")

        driver.execute_async_script(OPEN_PAGE, NAME)
        WebDriverWait(driver, 10).until(lambda d: d.find_elements(
            By.CSS_SELECTOR, '[data-testid="memory-input"]'))
        edits = []
        for i in range(6):
            pending = i % 2 == 0
            took = driver.execute_async_script(EDIT_MEMORY, 96 if pending else 128, pending)
            if took is None:
                section = driver.find_element(By.CSS_SELECTOR, '[data-testid="vm-resources"]')
                raise RuntimeError(f"the page never showed the edit: {section.text!r}")
            edits.append(took)
            time.sleep(0.3)
        print(f"VM page: Apply (memory, next boot) -> libvirt event -> pending mark painted: "
              f"median {statistics.median(edits):.0f} ms ({', '.join(f'{t:.0f}' for t in edits)} ms)")

        # Let the page settle (the first ~15 s after opening cost 3 % of a core here: JIT,
        # the first address reads), then measure with nothing but sampling going on.
        WebDriverWait(driver, 20).until(lambda d: int(d.find_element(
            By.CSS_SELECTOR, '[data-testid="vm-graph-cpu"]').get_attribute("data-samples")) >= 3)
        time.sleep(SETTLE_SECONDS)
        pct, top = idle_cpu(app_pids(), IDLE_SECONDS)
        samples = driver.find_element(
            By.CSS_SELECTOR, '[data-testid="vm-graph-cpu"]').get_attribute("data-samples")
        print(f"Vireo idle CPU, VM page with its 4 graphs visible (2 s samples): {pct:.2f} % of "
              f"one core over {IDLE_SECONDS} s (app process tree; {samples} samples drawn; busiest: {top})")


def bench_virt_manager(display):
    """virt-manager's details window on its Performance tab (graphs), same VM, same Xvfb."""
    exe = shutil.which("virt-manager")
    if not exe:
        print("virt-manager: not installed (scripts/setup.sh bench installs it)")
        return
    env = dict(os.environ, DISPLAY=display, NO_AT_BRIDGE="1")
    t = time.perf_counter()
    proc = subprocess.Popen([exe, "--no-fork", "--connect", "qemu:///system",
                             "--show-domain-performance", NAME],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            out = subprocess.run(["xwininfo", "-root", "-tree"], env=env, capture_output=True,
                                 text=True, check=False).stdout
            if f'"{NAME} on QEMU/KVM"' in out:
                break
            if time.perf_counter() - t > 30 or proc.poll() is not None:
                print("virt-manager: its details window never mapped")
                return
            time.sleep(0.01)
        mapped = time.perf_counter() - t
        time.sleep(SETTLE_SECONDS)
        pct, top = idle_cpu([proc.pid], IDLE_SECONDS)
        print(f"virt-manager: spawn -> details window mapped {mapped * 1000:.0f} ms (a new process; "
              f"Vireo's figure above is inside a running app); idle CPU on its Performance tab "
              f"(graphs): {pct:.2f} % of one core over {IDLE_SECONDS} s (busiest: {top})")
    finally:
        stop(proc)


def main(display):
    define_vm()
    try:
        bench_vireo(display)
        bench_virt_manager(display)
    finally:
        remove_vm()
