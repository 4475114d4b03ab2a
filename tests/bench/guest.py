"""The console benchmark's guest: the test guest as a transient domain on qemu:///system, its
VNC on a unix socket and a shell on its serial port through which the bench types commands
(floods that keep the screen changing), and QEMU's count of the FramebufferUpdates it sent."""

import os
import re
import shutil
import socket
import threading
import time

from lib.libvirt import READY, linked_overlay, overlay_disk_xml, virsh
from lib.wait import wait_until


class Guest:
    """A transient test-guest domain with VNC and a serial shell on unix sockets."""

    def __init__(self, stack, image, tag, xres=None, yres=None):
        self.name = f"vireo-bench-console-{os.getpid()}-{tag}"
        self.work = f"/var/tmp/{self.name}"
        self.vnc = f"{self.work}/vnc.sock"
        self.log = f"/var/log/libvirt/qemu/{self.name}.log"
        self.out = b""
        self.lock = threading.Lock()
        self.seq = 0
        shutil.rmtree(self.work, ignore_errors=True)
        os.makedirs(self.work)
        os.chmod(self.work, 0o777)
        stack.callback(shutil.rmtree, self.work, True)
        overlay = f"{self.work}/overlay.qcow2"
        linked_overlay(image, overlay, 0o666)
        qemu_args = ""
        if xres:
            # The mode bochs-drm picks is the one QEMU's std VGA prefers in its EDID.
            qemu_args = ("<qemu:commandline>"
                         f"<qemu:arg value='-global'/><qemu:arg value='VGA.xres={xres}'/>"
                         f"<qemu:arg value='-global'/><qemu:arg value='VGA.yres={yres}'/>"
                         "</qemu:commandline>")
        xml = f"""<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
<name>{self.name}</name><memory unit='MiB'>256</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type></os><features><acpi/></features><devices>
{overlay_disk_xml(overlay, image)}
<serial type='unix'><source mode='bind' path='{self.work}/serial.sock'/></serial>
<graphics type='vnc' socket='{self.vnc}'/><video><model type='vga' vram='16384'/></video>
</devices>{qemu_args}</domain>"""
        path = f"{self.work}/domain.xml"
        with open(path, "w") as f:
            f.write(xml)
        stack.callback(virsh, "destroy", self.name)
        out = virsh("create", path)
        if out.returncode != 0:
            raise RuntimeError(f"virsh create failed: {out.stderr.strip()}")
        wait_until("the serial socket", lambda: os.path.exists(f"{self.work}/serial.sock"))
        self.serial = socket.socket(socket.AF_UNIX)
        self.serial.connect(f"{self.work}/serial.sock")
        stack.callback(self.serial.close)
        threading.Thread(target=self._drain, daemon=True).start()
        wait_until("the guest to boot", lambda: READY.encode() in self.out, timeout=180, every=0.2)
        out = virsh("qemu-monitor-command", "--hmp", self.name, "trace-event vnc_job_nrects on")
        if out.returncode != 0:
            raise RuntimeError(f"enabling QEMU's VNC trace failed: {out.stderr.strip()}")
        self.run("stty -echo")
        self.rows, self.cols = map(int, self.run("stty -F /dev/tty1 size").split()[-2:])
        self.fb = self.run("cat /sys/class/graphics/fb0/virtual_size 2>/dev/null || echo none").split()[-1]

    def _drain(self):
        while True:
            try:
                data = self.serial.recv(65536)
            except OSError:
                return
            if not data:
                return
            with self.lock:
                self.out = (self.out + data)[-65536:]

    def run(self, command, timeout=30):
        """Runs a command in the serial shell; returns its output."""
        self.seq += 1
        # The marker is computed by the shell, so the echo of the typed line never matches.
        marker = f"@@{self.seq + 1000}@@"
        with self.lock:
            self.out = b""
        self.serial.sendall(f"{command}; echo @@$(({self.seq} + 1000))@@\n".encode())
        wait_until(f"guest command {command!r}", lambda: marker.encode() in self.out, timeout)
        with self.lock:
            text = self.out.decode(errors="replace")
        text = text.split(marker)[0]
        return text.replace("\r", "")

    def flood(self, kind):
        self.stop_flood()
        if kind == "scroll":
            width = self.cols - 1
            self.run(f"L=; while [ ${{#L}} -lt {width} ]; do L=\"${{L}}abcdefghijklmnopqrstuvwxyz0123456789"
                     f"ABCDEFGHIJKLMNOPQRSTUVWXYZ \"; done; L=${{L:0:{width - 9}}}")
            self.run("(i=0; while :; do i=$((i+1)); echo \"$i $L\"; done) >/dev/tty1 2>&1 & "
                     "echo $! >/run/flood.pid")
        elif kind == "noise":
            # Random bytes are slow to make in an emulated guest: 1 MiB of them repeated (far
            # beyond zlib's 32 KiB window, so no less work for the VNC encoders), and a second
            # screen shifted by 4099 bytes.
            self.run("set -- $(tr , ' ' </sys/class/graphics/fb0/virtual_size); "
                     "S=$(( $1 * $2 * $(cat /sys/class/graphics/fb0/bits_per_pixel) / 8 )); "
                     "head -c 1048576 /dev/urandom >/run/r; "
                     "(n=0; while [ $n -le $S ]; do cat /run/r; n=$((n + 1048576)); done) | head -c $S >/run/n0; "
                     "(tail -c +4100 /run/n0; head -c 4099 /run/n0) >/run/n1; rm /run/r", timeout=180)
            self.run("(while :; do cat /run/n0 >/dev/fb0; cat /run/n1 >/dev/fb0; done) 2>/dev/null & "
                     "echo $! >/run/flood.pid")
        else:
            raise ValueError(kind)

    def stop_flood(self):
        # The loop, then the writer it may be in the middle of (a screen of noise takes a while
        # under TCG and would land after the clear).
        self.run("[ -f /run/flood.pid ] && kill $(cat /run/flood.pid) 2>/dev/null; rm -f /run/flood.pid; "
                 "killall cat 2>/dev/null; sleep 0.2; true")

    def quiet_screen(self):
        """Stops the flood; tty1 cleared, its cursor hidden and not blinking (keys then are the
        only thing that changes the screen)."""
        self.stop_flood()
        time.sleep(0.3)
        self.run("echo 0 >/sys/class/graphics/fbcon/cursor_blink 2>/dev/null; "
                 "printf '\\033[H\\033[2J\\033[?25l' >/dev/tty1")

    def updates_since(self, offset, t0, t1):
        """FramebufferUpdates QEMU sent between wall-clock t0 and t1 (its trace lines)."""
        count = 0
        with open(self.log, errors="replace") as f:
            f.seek(offset)
            for line in f:
                m = re.match(r"\d+@(\d+\.\d+):vnc_job_nrects .* nrects=(\d+)", line)
                if m and int(m.group(2)) > 0 and t0 <= float(m.group(1)) <= t1:
                    count += 1
        return count

    def log_offset(self):
        return os.path.getsize(self.log)
