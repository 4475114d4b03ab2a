"""Snapshots and clones for `make bench`, each beside the tool a user would pick instead, in
the same run on the same test guest (qemu:///system, TCG):

- snapshot create and revert, disk-only (shut off) and with memory (running):
  `vireo snapshot` against `virsh snapshot-create-as` / `snapshot-revert`;
- linked clone create -> running (the clone's shell ready on its serial port): `vireo clone
  --linked` against `virt-clone --auto-clone` (a full copy, virt-clone has no linked clones);
- full clone throughput of a 512 MiB raw disk holding 256 MiB of data: `vireo clone --full`
  against `cp --sparse=always` of the same file and `virt-clone`.
"""

import os
import shutil
import statistics
import subprocess
import time

from lib.libvirt import READY, TEST_GUEST, linked_overlay, overlay_disk_xml, serial_log_shows, virsh
from lib.paths import CLI

NAME = f"vireo-bench-snap-{os.getpid()}"
POOL = f"{NAME}-pool"
WORK = f"/var/tmp/{NAME}"
ROUNDS = 3


def run(*cmd):
    """Seconds one command takes; it must succeed."""
    t0 = time.monotonic()
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    return time.monotonic() - t0


def vireo(*args):
    return run(CLI, "-c", "qemu:///system", *args)


def define(name, disk_xml, log):
    path = os.path.join(WORK, f"{name}.xml")
    with open(path, "w") as f:
        f.write(f"""<domain type='qemu'><name>{name}</name><memory unit='MiB'>256</memory>
<vcpu>1</vcpu><os><type arch='x86_64' machine='q35'>hvm</type></os><features><acpi/></features>
<devices>{disk_xml}<serial type='pty'><log file='{log}' append='off'/></serial>
<graphics type='vnc'><listen type='none'/></graphics></devices></domain>""")
    virsh("define", path, check=True)


def remove(name):
    virsh("destroy", name)
    virsh("undefine", "--snapshots-metadata", name)


def boot(name, log, timeout=120):
    t0 = time.monotonic()
    virsh("start", name, check=True)
    if not serial_log_shows(log, READY, timeout=timeout, every=0.1):
        raise RuntimeError(f"{name} did not boot")
    return time.monotonic() - t0


def ms(values):
    return f"median {statistics.median(values) * 1000:.0f} ms ({', '.join(f'{v * 1000:.0f}' for v in values)})"


def guest_vm():
    """The test guest, shut off, on a fresh overlay in the bench's pool: (overlay, log)."""
    log = os.path.join(WORK, "serial.log")
    overlay = os.path.join(WORK, f"{NAME}.qcow2")
    linked_overlay(TEST_GUEST, overlay, 0o644)
    virsh("pool-refresh", POOL)
    define(NAME, overlay_disk_xml(overlay, TEST_GUEST), log)
    return overlay, log


def bench_snapshots():
    overlay, log = guest_vm()
    figures = {k: [] for k in ("v-disk", "x-disk", "v-disk-revert", "x-disk-revert")}
    for i in range(ROUNDS):
        figures["v-disk"].append(vireo("snapshot", "create", NAME, f"vd{i}"))
        figures["x-disk"].append(run("virsh", "-q", "snapshot-create-as", NAME, f"xd{i}"))
        figures["v-disk-revert"].append(vireo("snapshot", "revert", NAME, f"vd{i}"))
        figures["x-disk-revert"].append(run("virsh", "-q", "snapshot-revert", NAME, f"xd{i}"))
    print(f"snapshot, disk-only (shut off): vireo {ms(figures['v-disk'])}; virsh "
          f"{ms(figures['x-disk'])}")
    print(f"revert, disk-only: vireo {ms(figures['v-disk-revert'])}; virsh "
          f"{ms(figures['x-disk-revert'])}")
    boot(NAME, log)
    mem = {k: [] for k in ("v", "x", "v-revert", "x-revert")}
    for i in range(ROUNDS):
        mem["v"].append(vireo("snapshot", "create", NAME, f"vm{i}", "--memory"))
        mem["x"].append(run("virsh", "-q", "snapshot-create-as", NAME, f"xm{i}"))
        mem["v-revert"].append(vireo("snapshot", "revert", NAME, f"vm{i}"))
        mem["x-revert"].append(run("virsh", "-q", "snapshot-revert", NAME, f"xm{i}"))
    print(f"snapshot with memory (running, 256 MiB guest): vireo {ms(mem['v'])}; virsh "
          f"{ms(mem['x'])}")
    print(f"revert with memory: vireo {ms(mem['v-revert'])}; virsh {ms(mem['x-revert'])}")
    virsh("destroy", NAME)
    virsh("undefine", "--snapshots-metadata", NAME)
    os.unlink(overlay)
    virsh("pool-refresh", POOL)


def bench_linked_clone():
    _, log = guest_vm()
    made = vireo("clone", NAME, f"{NAME}-linked", "--linked")
    up = boot(f"{NAME}-linked", os.path.join(WORK, f"{NAME}-linked-serial.log"))
    remove(f"{NAME}-linked")
    virt_clone_log = log
    t0 = time.monotonic()
    subprocess.run(["virt-clone", "--connect", "qemu:///system", "-o", NAME, "-n",
                    f"{NAME}-vc", "--auto-clone"], check=True, capture_output=True)
    vc_made = time.monotonic() - t0
    # virt-clone keeps the source's serial log path; the clone writes there.
    if os.path.exists(virt_clone_log):
        os.unlink(virt_clone_log)
    vc_up = boot(f"{NAME}-vc", virt_clone_log)
    remove(f"{NAME}-vc")
    print(f"linked clone: vireo clone --linked {made * 1000:.0f} ms, then running in "
          f"{up * 1000:.0f} ms (total {(made + up) * 1000:.0f} ms); virt-clone --auto-clone "
          f"(full copy) {vc_made * 1000:.0f} ms, then running in {vc_up * 1000:.0f} ms (total "
          f"{(vc_made + vc_up) * 1000:.0f} ms)")
    remove(NAME)


def bench_full_clone():
    raw = os.path.join(WORK, f"{NAME}-data.img")
    with open(raw, "wb") as f:
        f.truncate(512 << 20)
        for i in range(256):
            f.seek(i * (2 << 20))
            f.write(os.urandom(1 << 20))
    virsh("pool-refresh", POOL)
    disk = (f"<disk type='file' device='disk'><driver name='qemu' type='raw'/>"
            f"<source file='{raw}'/><target dev='vda' bus='virtio'/></disk>")
    define(f"{NAME}-raw", disk, os.path.join(WORK, "raw.log"))
    data_mb = 256 * 1.048576
    copy = os.path.join(WORK, "cp-copy.img")
    t_cp = run("cp", "--sparse=always", raw, copy)
    os.unlink(copy)
    t_vireo = vireo("clone", f"{NAME}-raw", f"{NAME}-rawfull", "--full")
    remove(f"{NAME}-rawfull")
    t_vc = run("virt-clone", "--connect", "qemu:///system", "-o", f"{NAME}-raw", "-n",
               f"{NAME}-rawvc", "--auto-clone")
    remove(f"{NAME}-rawvc")
    remove(f"{NAME}-raw")
    print(f"full clone of a 512 MiB raw disk with 256 MiB of data: vireo clone --full "
          f"{data_mb / t_vireo:.0f} MB/s ({t_vireo:.2f} s); cp --sparse=always "
          f"{data_mb / t_cp:.0f} MB/s ({t_cp:.2f} s); virt-clone {data_mb / t_vc:.0f} MB/s "
          f"({t_vc:.2f} s)")


def main():
    os.makedirs(WORK, exist_ok=True)
    os.chmod(WORK, 0o755)
    virsh("pool-create-as", POOL, "dir", "--target", WORK, check=True)
    try:
        bench_snapshots()
        bench_linked_clone()
        bench_full_clone()
    finally:
        for suffix in ("", "-linked", "-vc", "-raw", "-rawfull", "-rawvc"):
            remove(f"{NAME}{suffix}")
        virsh("pool-destroy", POOL)
        shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
