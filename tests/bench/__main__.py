"""`make bench`: Vireo's speed and memory figures on this machine.

- the core benchmarks: host check, osinfo-db load, listing 1000 VMs, create and start;
- `vireo check --json` as a whole process;
- app start-up: spawn -> window mapped (xwininfo), and launch -> host check shown (WebDriver);
- memory of the app's whole process tree (UI process + WebKit processes) 5 s after start;
- idle CPU of the app with 50 defined VMs on qemu:///system;
- 1000 test-driver VMs: connection added -> list painted; libvirt event -> row updated;
- the VM page: opened -> overview painted, edit -> event -> page updated, idle CPU with its
  graphs, beside virt-manager's details window (bench/vm_page.py);
- snapshots and clones beside virsh, virt-clone and cp (bench/snapshots.py);
- WebKit's paint ceiling: a 1920x1080 canvas repainted over the list (bench/paint.py);
- the console against noVNC and gvncviewer on a flooding guest (bench/console.py).

Figures are printed, not asserted: targets are judged by people reading them.
"""

from bench import app, console, paint, snapshots, vm_page
from lib.xvfb import start_xvfb


def main():
    app.bench_rust()
    app.bench_cli()
    xvfb, display = start_xvfb()
    try:
        app.bench_startup_and_memory(display)
        app.bench_first_render(display)
        app.bench_idle_cpu(display)
        app.bench_list_and_events(display)
        vm_page.main(display)
    finally:
        if xvfb:
            xvfb.terminate()
    snapshots.main()
    paint.main()
    console.main()


if __name__ == "__main__":
    main()
