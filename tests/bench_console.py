#!/usr/bin/env python3
"""Console benchmark: Vireo's console pipeline against noVNC (+ websockify, in Chromium) and
gtk-vnc's gvncviewer, on the same flooding test guest, in one run (`make bench` calls main()).

Method (printed with the figures):
- The guest is the bootable test guest (text console, 720x400) and its --graphics variant
  (bochs-drm framebuffer console at 1024x768 and 1920x1080, set through the EDID of QEMU's
  std VGA), a transient `vireo-bench-*` domain on qemu:///system (TCG) with a linked overlay,
  VNC on a unix socket, and a unix-socket serial port through which the bench types commands.
- Floods: `scroll` (lines as wide as the console printed on tty1 in a loop) and, on a
  framebuffer, `noise` (two screens of random bytes written to /dev/fb0 in turn).
- Server updates: QEMU's own trace event `vnc_job_nrects` (one line per FramebufferUpdate
  sent, enabled through the monitor; it lands in libvirt's log of the domain), counted over
  the measurement window, for every client alike.
- Painted frames: noVNC — frames of the page (requestAnimationFrame) in which noVNC's Display
  copied changed pixels to its visible canvas (a hook on Display.flip); Vireo — its own
  `window.vireoConsoleStats.framesPainted`; gvncviewer — X damage on its window grouped into
  frames (a gap of >= 5 ms of X server time starts a new frame). For every client drawing on
  the X display the damage-frame count is printed too ("X frames/s").
- CPU: utime+stime of the client's whole process tree from /proc over the window (Chromium's
  processes + websockify; vireo-app + WebKit processes; gvncviewer). The TCP->unix relay
  gvncviewer needs (gtk-vnc's viewer opens no unix sockets) is socat, not counted.
- Memory: PSS (smaps_rollup) of the same tree at the end of the flood.
- Key -> changed pixel: all clients draw in X windows on one Xvfb (noVNC in a non-headless
  Chromium for this phase); the flood stops, tty1 is cleared and its cursor hidden; 'a' and
  BackSpace are pressed in turn with XTEST into the focused client window, and the client's
  console area is read with XGetImage in a tight loop until it differs from every picture
  seen in the 300 ms before the press.

Figures are printed, not asserted. Final figures need a quiet machine.
Environment: VIREO_BENCH_CONSOLE_SECONDS (per window, default 10), VIREO_BENCH_CONSOLE_RUNS
(default 3), VIREO_BENCH_CONSOLE_PRESSES (default 20), VIREO_BENCH_CONSOLE_CLIENTS
(comma list of engine,vireo,vireo-page,novnc,novnc-x,gvncviewer; vireo-page is Vireo with the page
painting the console instead of the native surface; engine is the console engine alone, painting
nothing: the server's ceiling), VIREO_BENCH_CONSOLE_SCENARIOS (text,fb1024,fb1920),
VIREO_BENCH_CONSOLE_THREADS=1 (print each window's CPU per process and thread),
VIREO_BENCH_CONSOLE_VIREO_SCALE (actual, the default: Vireo's 1:1 button, so it shows the
guest at 1x as the rivals' windows do; or fit). Vireo's window is made as large as the display
and its console fullscreen.
"""

import base64
import contextlib
import ctypes
import ctypes.util
import json
import os
import re
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
GUEST_TEXT = os.path.join(TOP, "target", "test-guest", "test-guest.qcow2")
GUEST_GFX = os.path.join(TOP, "target", "test-guest", "test-guest-gfx.qcow2")
NOVNC = "/usr/share/novnc"
HZ = os.sysconf("SC_CLK_TCK")

SECONDS = float(os.environ.get("VIREO_BENCH_CONSOLE_SECONDS", "10"))
RUNS = int(os.environ.get("VIREO_BENCH_CONSOLE_RUNS", "3"))
PRESSES = int(os.environ.get("VIREO_BENCH_CONSOLE_PRESSES", "20"))
CLIENTS = os.environ.get("VIREO_BENCH_CONSOLE_CLIENTS", "engine,vireo,vireo-page,novnc,novnc-x,gvncviewer").split(",")
THREADS = os.environ.get("VIREO_BENCH_CONSOLE_THREADS") == "1"
SCENARIOS = os.environ.get("VIREO_BENCH_CONSOLE_SCENARIOS", "text,fb1024,fb1920").split(",")


def virsh(*args):
    return subprocess.run(["virsh", "-q", "-c", "qemu:///system", *args],
                          capture_output=True, text=True, check=False)


def wait_until(what, check, timeout=30, every=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise RuntimeError(f"timed out waiting for {what}")


# --- /proc -------------------------------------------------------------------------------------

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


# --- X11 through ctypes (XGetImage, XTEST, DAMAGE) ----------------------------------------------

class XImage(ctypes.Structure):
    # The leading fields of Xlib's XImage (the rest is not read).
    _fields_ = [("width", ctypes.c_int), ("height", ctypes.c_int), ("xoffset", ctypes.c_int),
                ("format", ctypes.c_int), ("data", ctypes.c_void_p), ("byte_order", ctypes.c_int),
                ("bitmap_unit", ctypes.c_int), ("bitmap_bit_order", ctypes.c_int),
                ("bitmap_pad", ctypes.c_int), ("depth", ctypes.c_int),
                ("bytes_per_line", ctypes.c_int), ("bits_per_pixel", ctypes.c_int)]


def _lib(name):
    path = ctypes.util.find_library(name)
    if not path:
        raise RuntimeError(f"lib{name} is missing")
    return ctypes.CDLL(path)


class XDisplay:
    """One Xlib connection. Not shared between threads."""

    ALL_PLANES = ctypes.c_ulong(-1 & 0xFFFFFFFFFFFFFFFF)
    Z_PIXMAP = 2

    def __init__(self, name):
        x = self.x = _lib("X11")
        self.xtst = _lib("Xtst")
        self.xdamage = _lib("Xdamage")
        x.XInitThreads()
        x.XOpenDisplay.restype = ctypes.c_void_p
        x.XOpenDisplay.argtypes = [ctypes.c_char_p]
        self.dpy = x.XOpenDisplay(name.encode())
        if not self.dpy:
            raise RuntimeError(f"cannot open X display {name}")
        vp, ul, ui, i = ctypes.c_void_p, ctypes.c_ulong, ctypes.c_uint, ctypes.c_int
        x.XDefaultRootWindow.restype = ul
        x.XDefaultRootWindow.argtypes = [vp]
        x.XGetImage.restype = ctypes.POINTER(XImage)
        x.XGetImage.argtypes = [vp, ul, i, i, ui, ui, ul, i]
        x.XGetSubImage.restype = ctypes.POINTER(XImage)
        x.XGetSubImage.argtypes = [vp, ul, i, i, ui, ui, ul, i, ctypes.POINTER(XImage), i, i]
        x.XStringToKeysym.restype = ul
        x.XStringToKeysym.argtypes = [ctypes.c_char_p]
        x.XKeysymToKeycode.restype = ctypes.c_ubyte
        x.XKeysymToKeycode.argtypes = [vp, ul]
        x.XFlush.argtypes = [vp]
        x.XSync.argtypes = [vp, i]
        x.XSetInputFocus.argtypes = [vp, ul, i, ul]
        x.XPending.argtypes = [vp]
        x.XNextEvent.argtypes = [vp, ctypes.c_void_p]
        x.XConnectionNumber.argtypes = [vp]
        self.xtst.XTestFakeKeyEvent.argtypes = [vp, ui, i, ul]
        self.xtst.XTestFakeMotionEvent.argtypes = [vp, i, i, i, ul]
        self.xdamage.XDamageQueryExtension.argtypes = [vp, ctypes.POINTER(i), ctypes.POINTER(i)]
        self.xdamage.XDamageCreate.restype = ul
        self.xdamage.XDamageCreate.argtypes = [vp, ul, i]
        self.xdamage.XDamageDestroy.argtypes = [vp, ul]
        self.root = x.XDefaultRootWindow(self.dpy)
        self._image = None
        self._image_size = None

    def grab(self, x, y, w, h):
        """The pixels of a screen area (bytes), read into one reused XImage."""
        if self._image_size != (w, h):
            self._image = self.x.XGetImage(self.dpy, self.root, x, y, w, h, self.ALL_PLANES, self.Z_PIXMAP)
            if not self._image:
                raise RuntimeError("XGetImage failed")
            self._image_size = (w, h)
        else:
            self.x.XGetSubImage(self.dpy, self.root, x, y, w, h, self.ALL_PLANES, self.Z_PIXMAP,
                                self._image, 0, 0)
        img = self._image.contents
        return ctypes.string_at(img.data, img.bytes_per_line * img.height)

    def focus(self, window, x, y):
        self.xtst.XTestFakeMotionEvent(self.dpy, -1, x, y, 0)
        self.x.XSetInputFocus(self.dpy, window, 2, 0)  # RevertToParent, CurrentTime
        self.x.XSync(self.dpy, 0)

    def key(self, name):
        code = self.x.XKeysymToKeycode(self.dpy, self.x.XStringToKeysym(name.encode()))
        self.xtst.XTestFakeKeyEvent(self.dpy, code, 1, 0)
        self.xtst.XTestFakeKeyEvent(self.dpy, code, 0, 0)
        self.x.XFlush(self.dpy)

    def close(self):
        self.x.XCloseDisplay.argtypes = [ctypes.c_void_p]
        self.x.XCloseDisplay(self.dpy)


class DamageFrames(threading.Thread):
    """Counts frames drawn into an X window: DAMAGE raw rectangles grouped by server time."""

    GAP_MS = 5

    def __init__(self, display, window):
        super().__init__(daemon=True)
        self.xd = XDisplay(display)
        base, err = ctypes.c_int(), ctypes.c_int()
        if not self.xd.xdamage.XDamageQueryExtension(self.xd.dpy, ctypes.byref(base), ctypes.byref(err)):
            raise RuntimeError("the X server has no DAMAGE extension")
        self.event_type = base.value  # + XDamageNotify (0)
        self.damage = self.xd.xdamage.XDamageCreate(self.xd.dpy, window, 0)  # raw rectangles
        self.xd.x.XFlush(self.xd.dpy)
        self.frames = 0
        self.last_ms = None
        self.stopping = False

    def run(self):
        fd = self.xd.x.XConnectionNumber(self.xd.dpy)
        event = ctypes.create_string_buffer(192)
        while not self.stopping:
            select.select([fd], [], [], 0.1)
            while self.xd.x.XPending(self.xd.dpy):
                self.xd.x.XNextEvent(self.xd.dpy, event)
                kind = int.from_bytes(event.raw[0:4], "little")
                if kind != self.event_type:
                    continue
                stamp = int.from_bytes(event.raw[56:64], "little")  # XDamageNotifyEvent.timestamp
                if self.last_ms is None or stamp - self.last_ms >= self.GAP_MS:
                    self.frames += 1
                self.last_ms = stamp

    def stop(self):
        self.stopping = True
        self.join(timeout=2)


def xdotool(display, *args):
    out = subprocess.run(["xdotool", *args], env=dict(os.environ, DISPLAY=display),
                         capture_output=True, text=True, check=False)
    return out.stdout


def window_geometry(display, window):
    out = xdotool(display, "getwindowgeometry", "--shell", str(window))
    g = dict(line.split("=", 1) for line in out.split() if "=" in line)
    return int(g["X"]), int(g["Y"]), int(g["WIDTH"]), int(g["HEIGHT"])


def biggest_window(display, *search):
    """The largest visible window matching an xdotool search, as (id, (x, y, w, h))."""
    best = None
    for wid in xdotool(display, "search", "--onlyvisible", *search).split():
        try:
            geo = window_geometry(display, wid)
        except (KeyError, ValueError):
            continue
        if best is None or geo[2] * geo[3] > best[1][2] * best[1][3]:
            best = (int(wid), geo)
    return best


# --- the guest ---------------------------------------------------------------------------------

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
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", image, overlay],
                       check=True)
        os.chmod(overlay, 0o666)
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
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='{overlay}'/>
<backingStore type='file'><format type='qcow2'/><source file='{image}'>
<seclabel model='dac' relabel='no'/></source><backingStore/></backingStore>
<target dev='vda' bus='virtio'/></disk>
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
        wait_until("the guest to boot", lambda: b"VIREO-TEST-GUEST-READY" in self.out, timeout=180, every=0.2)
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


# --- clients -----------------------------------------------------------------------------------

class Cdp:
    """Just enough of the Chrome DevTools Protocol (over a hand-rolled WebSocket) to evaluate
    expressions in the page."""

    def __init__(self, port):
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5))
        page = next(t for t in targets if t.get("type") == "page")
        path = page["webSocketDebuggerUrl"].split(f":{port}", 1)[1]
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise RuntimeError("DevTools closed the connection")
            head += chunk
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise RuntimeError(f"DevTools refused the WebSocket: {head[:80]!r}")
        self.buf = head.split(b"\r\n\r\n", 1)[1]
        self.next_id = 0

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise RuntimeError("DevTools closed the connection")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def _message(self):
        parts = []
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = int.from_bytes(self._read(2), "big")
            elif n == 127:
                n = int.from_bytes(self._read(8), "big")
            parts.append(self._read(n))
            if b0 & 0x80:
                return b"".join(parts)

    def evaluate(self, expression):
        self.next_id += 1
        payload = json.dumps({"id": self.next_id, "method": "Runtime.evaluate", "params": {
            "expression": expression, "returnByValue": True, "awaitPromise": True}}).encode()
        mask = os.urandom(4)
        n = len(payload)
        header = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + n.to_bytes(2, "big"))
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
        while True:
            msg = json.loads(self._message())
            if msg.get("id") == self.next_id:
                result = msg.get("result", {})
                if "exceptionDetails" in result:
                    raise RuntimeError(f"page error: {result['exceptionDetails']}")
                return result.get("result", {}).get("value")


NOVNC_PAGE = """<!doctype html><meta charset="utf-8"><title>noVNC bench</title>
<style>html,body{margin:0;background:#000;overflow:hidden}#screen{position:absolute;left:0;top:0}</style>
<div id="screen"></div>
<script type="module">
import RFB from './core/rfb.js';
const st = window.benchStats = {updates: 0, flips: 0, framesPainted: 0, connected: false, error: null};
const rfb = window.benchRfb = new RFB(document.getElementById('screen'), `ws://${location.host}/websockify`);
rfb.scaleViewport = false; rfb.clipViewport = false; rfb.resizeSession = false;
rfb.addEventListener('connect', () => { st.connected = true; });
rfb.addEventListener('disconnect', (e) => { st.connected = false; st.error = 'disconnected'; });
// One FramebufferUpdate fully handled.
const fbu = rfb._framebufferUpdate.bind(rfb);
rfb._framebufferUpdate = () => { const done = fbu(); if (done) st.updates++; return done; };
// Display.flip copies the damaged area of the back buffer to the visible canvas.
const d = rfb._display;
const flip = d.flip.bind(d);
let dirty = false;
d.flip = (fromQueue) => {
  const now = fromQueue || d._renderQ.length === 0;
  const b = d._damageBounds;
  const changed = b.right > b.left && b.bottom > b.top;
  flip(fromQueue);
  if (now && changed) { st.flips++; dirty = true; }
};
const tick = () => { if (dirty) { dirty = false; st.framesPainted++; } requestAnimationFrame(tick); };
requestAnimationFrame(tick);
</script>
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spawn(stack, argv, env=None, log=None):
    out = open(log, "w") if log else subprocess.DEVNULL
    proc = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def stop():
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                return
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    stack.callback(stop)
    return proc


class NoVnc:
    """noVNC 1.3 (Debian's files) + websockify, in Chromium: headless, or on the X display."""

    def __init__(self, headless):
        self.headless = headless
        self.label = "noVNC (headless Chromium)" if headless else "noVNC (Chromium on Xvfb)"
        self.draws_on_x = not headless

    @staticmethod
    def missing():
        need = [p for p in ("chromium", "websockify") if not shutil.which(p)]
        if not os.path.exists(f"{NOVNC}/core/rfb.js"):
            need.append("novnc")
        return need

    @contextlib.contextmanager
    def open(self, guest, display, tmp):
        with contextlib.ExitStack() as stack:
            web = os.path.join(tmp, "novnc-web")
            os.makedirs(web, exist_ok=True)
            for part in ("core", "vendor"):
                if not os.path.exists(os.path.join(web, part)):
                    os.symlink(os.path.join(NOVNC, part), os.path.join(web, part))
            with open(os.path.join(web, "bench.html"), "w") as f:
                f.write(NOVNC_PAGE)
            port = free_port()
            ws = spawn(stack, ["websockify", "--web", web, f"--unix-target={guest.vnc}", f"127.0.0.1:{port}"],
                       log=os.path.join(tmp, "websockify.log"))
            wait_until("websockify", lambda: socket.socket().connect_ex(("127.0.0.1", port)) == 0)
            profile = tempfile.mkdtemp(prefix="chromium-", dir=tmp)
            url = f"http://127.0.0.1:{port}/bench.html"
            w, h = max(800, guest.width), max(600, guest.height)
            argv = ["chromium", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-default-browser-check", "--disable-features=Translate,MediaRouter",
                    f"--user-data-dir={profile}", "--remote-debugging-port=0", f"--window-size={w},{h}"]
            if self.headless:
                argv += ["--headless=new", url]
            else:
                # Kiosk: the page fills the window (no browser frame), the canvas at its corner.
                argv += ["--ozone-platform=x11", "--window-position=0,0", "--kiosk", url]
            chrome = spawn(stack, argv, env=dict(os.environ, DISPLAY=display),
                           log=os.path.join(tmp, "chromium.log"))
            port_file = os.path.join(profile, "DevToolsActivePort")
            wait_until("Chromium's DevTools port", lambda: os.path.exists(port_file) and open(port_file).read().strip())
            cdp = wait_until("the noVNC page", lambda: _try(lambda: Cdp(int(open(port_file).read().split()[0]))))
            wait_until("noVNC to connect", lambda: cdp.evaluate("window.benchStats && window.benchStats.connected"))
            wait_until("noVNC to paint", lambda: cdp.evaluate("window.benchStats.framesPainted") > 0)
            self.cdp, self.roots = cdp, [chrome.pid, ws.pid]
            self.window = None
            if self.draws_on_x:
                self.window = wait_until("Chromium's window", lambda: biggest_window(display, "--pid", str(chrome.pid)))
                self.damage = DamageFrames(display, self.window[0])
                self.damage.start()
                stack.callback(self.damage.stop)
            yield self

    def painted(self):
        return self.cdp.evaluate("window.benchStats.framesPainted")

    def own_updates(self):
        return self.cdp.evaluate("window.benchStats.updates")

    def pids(self):
        return process_tree(*self.roots)

    def prepare_keys(self, xd):
        self.cdp.evaluate("window.benchRfb.focus(), true")
        wid, (x, y, w, h) = self.window
        xd.focus(wid, x + w // 2, y + h // 2)
        return self.screen_area()

    def screen_area(self):
        wid, (x, y, w, h) = self.window
        cw, ch = self.cdp.evaluate("[window.benchRfb._fbWidth, window.benchRfb._fbHeight]")
        return x, y, min(w, cw), min(h, ch)


def _try(make):
    try:
        return make()
    except Exception:  # noqa: BLE001 - retried until the deadline
        return None


class GvncViewer:
    """gtk-vnc 1.3's gvncviewer on the X display, through a socat TCP->unix relay."""

    label = "gvncviewer (gtk-vnc)"
    draws_on_x = True

    @staticmethod
    def missing():
        return [p for p in ("gvncviewer", "socat") if not shutil.which(p)]

    @contextlib.contextmanager
    def open(self, guest, display, tmp):
        with contextlib.ExitStack() as stack:
            port = 5900 + 60 + (os.getpid() % 30)
            while socket.socket().connect_ex(("127.0.0.1", port)) == 0:
                port += 1
            spawn(stack, ["socat", f"TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork", f"UNIX-CONNECT:{guest.vnc}"])
            wait_until("socat", lambda: socket.socket().connect_ex(("127.0.0.1", port)) == 0)
            viewer = spawn(stack, ["gvncviewer", f"127.0.0.1:{port - 5900}"], env=dict(os.environ, DISPLAY=display),
                           log=os.path.join(tmp, "gvncviewer.log"))

            def window():
                found = biggest_window(display, "--pid", str(viewer.pid), "--name", "GVncViewer")
                return found if found and found[1][2] >= guest.width else None
            self.window = wait_until("gvncviewer's window at the guest's size", window)
            self.width, self.height = guest.width, guest.height
            self.roots = [viewer.pid]
            self.damage = DamageFrames(display, self.window[0])
            self.damage.start()
            stack.callback(self.damage.stop)
            wait_until("gvncviewer to paint", lambda: self.damage.frames > 0)
            yield self

    def painted(self):
        return self.damage.frames

    def own_updates(self):
        return None

    def pids(self):
        return process_tree(*self.roots)

    def prepare_keys(self, xd):
        wid, (x, y, w, h) = self.window
        xd.focus(wid, x + w // 2, y + h // 2)
        return self.screen_area()

    def screen_area(self):
        # The guest's screen is the bottom of the window, under the menu bar.
        wid, (x, y, w, h) = self.window
        return x, y + max(0, h - self.height), min(w, self.width), min(h, self.height)


class EngineOnly:
    """Vireo's console engine alone, painting nothing (vireo-vnc's `count_updates` example,
    through libvirt's graphics socket as the app): the updates the server and the guest can
    produce for a client that costs almost nothing, the ceiling for every client."""

    label = "engine only (no painting)"
    draws_on_x = False
    binary = os.path.join(TOP, "target", "release", "examples", "count_updates")

    @classmethod
    def missing(cls):
        return [] if os.access(cls.binary, os.X_OK) else [
            "target/release/examples/count_updates (cargo build --release -p vireo-vnc --example count_updates)"]

    @contextlib.contextmanager
    def open(self, guest, display, tmp):
        with contextlib.ExitStack() as stack:
            proc = subprocess.Popen([self.binary, guest.name], stdin=subprocess.PIPE,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            stack.callback(proc.wait, 10)
            stack.callback(proc.stdin.close)  # its stdin closing ends it
            self.roots = [proc.pid]
            time.sleep(1)
            if proc.poll() is not None:
                raise RuntimeError(f"count_updates exited with {proc.returncode}")
            yield self

    def painted(self):
        return None

    def own_updates(self):
        return None

    def pids(self):
        return process_tree(*self.roots)


class Vireo:
    """The real app (target/release/vireo-app) through tauri-driver, its console opened from
    the bench domain's row."""

    label = "Vireo"
    draws_on_x = True
    page_paints = False

    @staticmethod
    def missing():
        sys.path[:0] = [HERE, os.path.join(HERE, "e2e")]
        try:
            import selenium  # noqa: F401
        except ImportError:
            return ["selenium (run under target/e2e-venv)"]
        app = os.path.join(TOP, "target", "release", "vireo-app")
        return [] if os.access(app, os.X_OK) else ["target/release/vireo-app (make app)"]

    @contextlib.contextmanager
    def open(self, guest, display, tmp):
        from conftest import open_app, running_tauri_driver
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as EC
        from selenium.webdriver.support.ui import WebDriverWait

        os.environ["DISPLAY"] = display
        # The app reads it at start: the page paints the console instead of a native surface.
        if self.page_paints:
            os.environ["VIREO_CONSOLE_SURFACE"] = "web"
        else:
            os.environ.pop("VIREO_CONSOLE_SURFACE", None)
        with running_tauri_driver() as url, open_app(url) as driver:
            self.driver = driver
            box = WebDriverWait(driver, 30).until(
                EC.element_to_be_clickable((By.CSS_SELECTOR, '[data-testid="filter"]')))
            box.send_keys(guest.name)
            row = WebDriverWait(driver, 30).until(EC.presence_of_element_located(
                (By.CSS_SELECTOR, f'[data-vm-name="{guest.name}"][data-vm-state="running"]')))
            row.click()
            row.find_element(By.CSS_SELECTOR, '[data-action="console"]').click()
            self.canvas = WebDriverWait(driver, 30).until(EC.visibility_of_element_located(
                (By.CSS_SELECTOR, '[data-testid="console-canvas"]')))
            WebDriverWait(driver, 30).until(
                lambda d: int(self.canvas.get_attribute("width") or 0) == guest.width,
                message="the console canvas at the guest's size")
            # Like the rivals' windows (sized to the guest, scaling off): the window as large
            # as the display, the console in fullscreen and at 1:1.
            apps = [p for p in process_tree(os.getpid()) if comm(p) == "vireo-app"]
            if not apps:
                raise RuntimeError("no vireo-app process under tauri-driver")
            # This app's window, by its pid: a window left by an earlier run has the same name.
            def own_window():
                return biggest_window(display, "--all", "--pid", str(apps[0]), "--name", "^Vireo$")
            wid = wait_until("Vireo's window", own_window)[0]
            xdotool(display, "windowsize", str(wid), "2048", "1280")
            driver.execute_script("document.querySelector('[data-action=\"fullscreen\"]').click()")
            if os.environ.get("VIREO_BENCH_CONSOLE_VIREO_SCALE", "actual") == "actual":
                driver.execute_script(
                    "document.querySelector('[data-action=\"scale-actual\"]').click()")
                wait_until("the console at 1x", lambda: driver.execute_script(
                    "return arguments[0].getBoundingClientRect().width", self.canvas) == guest.width)
            self.roots = apps
            self.window = wait_until("Vireo's window", own_window)
            self.damage = DamageFrames(display, self.window[0])
            self.damage.start()
            try:
                self.has_stats = bool(driver.execute_script("return !!window.vireoConsoleStats"))
                yield self
            finally:
                self.damage.stop()

    def painted(self):
        """Painted frames, counted as for noVNC: animation frames in which the page painted
        (frames arriving together share one), plus the frames the native surface painted (each
        its own paint of the X window). The app keeps both counts, so the bench adds no
        animation-frame loop of its own to the page. measure_flood asks for this first: all of
        the page's counters are read here at once, so they describe the same moment."""
        if not self.has_stats:
            return None
        self.snapshot = self.driver.execute_script(
            "const s = window.vireoConsoleStats;"
            "return [s.pagePaints + s.surfaceFrames, s.serverUpdates, s.framesPainted, s.paintMs || 0]")
        return self.snapshot[0]

    def paint_ms(self):
        return self.snapshot[3] if self.has_stats else None

    def own_painted(self):
        return self.snapshot[2] if self.has_stats else None

    def own_updates(self):
        return self.snapshot[1] if self.has_stats else None

    def pids(self):
        return process_tree(*self.roots)

    def prepare_keys(self, xd):
        self.canvas.click()
        wid, (x, y, w, h) = self.window
        xd.focus(wid, x + w // 2, y + h // 2)
        return self.screen_area()

    def screen_area(self):
        wid, (x, y, w, h) = self.window
        r = self.driver.execute_script(
            "const r = arguments[0].getBoundingClientRect(); return [r.left, r.top, r.width, r.height];",
            self.canvas)
        left, top = x + int(r[0]), y + int(r[1])
        return left, top, max(1, min(int(r[2]), x + w - left)), max(1, min(int(r[3]), y + h - top))


class VireoPage(Vireo):
    """Vireo with VIREO_CONSOLE_SURFACE=web: the page paints the console (as on Wayland, macOS
    and Windows), not the native X11 surface."""

    label = "Vireo (page paints)"
    page_paints = True


# --- measurements ------------------------------------------------------------------------------

def measure_flood(client, guest, seconds):
    """One window of the flood: server updates, painted frames, CPU and PSS."""
    pids0 = client.pids()
    offset = guest.log_offset()
    p0, o0 = client.painted(), client.own_updates()
    f0 = client.own_painted() if hasattr(client, "own_painted") else None
    m0 = client.paint_ms() if hasattr(client, "paint_ms") else None
    d0 = client.damage.frames if hasattr(client, "damage") else None
    c0, t0, w0 = cpu_ticks(pids0), time.monotonic(), time.time()
    th0 = thread_ticks(pids0) if THREADS else None
    time.sleep(seconds)
    pids1 = sorted(set(pids0) | set(client.pids()))
    c1, t1, w1 = cpu_ticks(pids1), time.monotonic(), time.time()
    if THREADS:
        th1 = thread_ticks(pids1)
        spent = sorted(((v - th0.get(k, 0), k) for k, v in th1.items()), reverse=True)
        print("      threads (% of a core): " + ", ".join(
            f"{p}/{t} {d / HZ / (t1 - t0) * 100:.1f}" for d, (p, t) in spent if d > 0), flush=True)
    p1, o1 = client.painted(), client.own_updates()
    f1 = client.own_painted() if hasattr(client, "own_painted") else None
    m1 = client.paint_ms() if hasattr(client, "paint_ms") else None
    d1 = client.damage.frames if hasattr(client, "damage") else None
    pss = pss_mib(client.pids())
    time.sleep(0.3)  # QEMU's log lines reach the file through virtlogd
    elapsed = t1 - t0
    return {
        "server": guest.updates_since(offset, w0, w1) / elapsed,
        "painted": None if p0 is None or p1 is None else (p1 - p0) / elapsed,
        "own_updates": None if o0 is None or o1 is None else (o1 - o0) / elapsed,
        "own_painted": None if f0 is None or f1 is None else (f1 - f0) / elapsed,
        "xframes": None if d0 is None else (d1 - d0) / elapsed,
        # Vireo: ms of putImageData per frame applied (the engine's own painting comes after).
        "put_ms": None if m0 is None or m1 is None or f1 == f0 else (m1 - m0) / ((f1 - f0) or 1),
        "cpu": (c1 - c0) / HZ / elapsed * 100,
        "pss": pss,
    }


def key_latency(client, guest, xd, presses):
    """Key press (XTEST) -> pixels of the client's console area changed (XGetImage polling)."""
    guest.quiet_screen()
    x, y, w, h = client.prepare_keys(xd)
    # tty1 is cleared: the typed character appears in the top left corner (at 1920 pixels
    # wide the console may be shown scaled, still within this corner). A small area keeps each
    # XGetImage short.
    area = (x, y, min(w, 96), min(h, 48))
    time.sleep(1.0)
    shots = os.environ.get("VIREO_BENCH_CONSOLE_SHOTS")
    if shots:  # for checking by eye where the bench looks
        os.makedirs(shots, exist_ok=True)
        name = re.sub(r"\W+", "-", client.label).strip("-")
        subprocess.run(["import", "-display", os.environ.get("DISPLAY", ""), "-window", "root", "-crop",
                        f"{w}x{h}+{x}+{y}", os.path.join(shots, f"{name}-{guest.width}.png")], check=False)
    lat, polls, misses = [], [], 0
    for i in range(presses):
        key = "a" if i % 2 == 0 else "BackSpace"
        seen, t_end = [], time.perf_counter() + 0.3
        while time.perf_counter() < t_end:
            img = xd.grab(*area)
            if not any(img == s for s in seen):
                seen.append(img)
            time.sleep(0.01)
        n = 0
        t0 = time.perf_counter()
        xd.key(key)
        while True:
            img = xd.grab(*area)
            n += 1
            now = time.perf_counter()
            if not any(img == s for s in seen):
                lat.append((now - t0) * 1000)
                polls.append((now - t0) * 1000 / n)
                break
            if now - t0 > 3:
                misses += 1
                break
            time.sleep(0.001)
        time.sleep(0.3)
    return lat, polls, misses


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def p90(values):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(0.9 * (len(values) - 1))))] if values else None


# --- the run -----------------------------------------------------------------------------------

SCENARIO_GUESTS = {
    "text": (GUEST_TEXT, None, None, ["scroll"]),
    "fb1024": (GUEST_GFX, 1024, 768, ["scroll", "noise"]),
    "fb1920": (GUEST_GFX, 1920, 1080, ["scroll", "noise"]),
}


def start_xvfb(stack):
    for n in range(150, 200):
        if os.path.exists(f"/tmp/.X11-unix/X{n}") or os.path.exists(f"/tmp/.X{n}-lock"):
            continue
        spawn(stack, ["Xvfb", f":{n}", "-screen", "0", "2048x1280x24", "-nolisten", "tcp"])
        for _ in range(50):
            if os.path.exists(f"/tmp/.X11-unix/X{n}"):
                return f":{n}"
            time.sleep(0.1)
    raise RuntimeError("could not start Xvfb")


def fmt(value, spec, none="–"):
    return none if value is None else format(value, spec)


def print_table(rows):
    head = ["client", "scenario", "server upd/s", "painted/s", "painted %", "X frames/s", "CPU % core",
            "CPU ms/frame", "CPU ms/update", "PSS MB", "key→pixel med", "p90"]
    table = [head]
    for r in rows:
        if "error" in r:
            table.append([r["client"], r["scenario"], f"not measured: {r['error']}"] + [""] * 9)
            continue
        frames = r.get("painted") if r.get("painted") is not None else r.get("xframes")
        pct = None if frames is None or not r.get("server") else frames / r["server"] * 100
        per_frame = None if not frames or r.get("cpu") is None else r["cpu"] * 10 / frames
        # Per server update: the same denominator for every client (gtk-vnc's painted count is
        # of partial frames, which makes its per-frame figure look smaller).
        per_update = None if not r.get("server") or r.get("cpu") is None else r["cpu"] * 10 / r["server"]
        table.append([r["client"], r["scenario"], fmt(r.get("server"), ".1f"), fmt(r.get("painted"), ".1f"),
                      fmt(pct, ".1f"), fmt(r.get("xframes"), ".1f"), fmt(r.get("cpu"), ".1f"),
                      fmt(per_frame, ".2f"), fmt(per_update, ".2f"), fmt(r.get("pss"), ".0f"), fmt(r.get("lat_med"), ".0f", ""),
                      fmt(r.get("lat_p90"), ".0f", "")])
    widths = [max(len(str(row[i])) for row in table if len(row) > i and not str(row[2]).startswith("not "))
              for i in range(len(head))]
    for row in table:
        if str(row[2]).startswith("not "):
            print(f"  {row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]}")
        else:
            print("  " + "  ".join(f"{c:>{w}}" if i > 1 else f"{c:<{w}}" for i, (c, w) in enumerate(zip(row, widths))))


def run_client(client, guest, scenario, floods, display, xd, tmp, rows):
    with client.open(guest, display, tmp):
        if client.draws_on_x:
            # On top: a make bench run once measured Vireo's window at 1080p with no X frames
            # and no key reaching the screen (something covered it; cause not found).
            xdotool(display, "windowraise", str(client.window[0]))
        for flood in floods:
            guest.flood(flood)
            time.sleep(3)  # the client catches up with the flood
            runs = [measure_flood(client, guest, SECONDS) for _ in range(RUNS)]
            row = {"client": client.label, "scenario": f"{scenario} {flood}"}
            keys = ("server", "painted", "own_updates", "own_painted", "put_ms", "xframes", "cpu", "pss")
            for key in keys:
                row[key] = median([r[key] for r in runs])
            rows.append(row)
            print(f"    {client.label}, {flood}: " + ", ".join(f"{k} {fmt(row[k], '.1f')}" for k in keys), flush=True)
            if client.draws_on_x and not row["xframes"]:
                visible = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "."],
                                         capture_output=True, text=True, env=dict(os.environ, DISPLAY=display)).stdout
                print(f"    warning: no X frames on {client.label}'s window {client.window[0]}; "
                      f"visible windows: {visible.split()}", flush=True)
        if client.draws_on_x:
            lat, polls, misses = key_latency(client, guest, xd, PRESSES)
            row = {"client": client.label, "scenario": f"{scenario} keys", "lat_med": median(lat),
                   "lat_p90": p90(lat), "server": None, "cpu": None}
            rows.append(row)
            print(f"    {client.label}, key→pixel: median {fmt(median(lat), '.1f')} ms, p90 "
                  f"{fmt(p90(lat), '.1f')} ms over {len(lat)} presses ({misses} without a change in 3 s); "
                  f"one poll every {fmt(median(polls), '.2f')} ms", flush=True)


def main():
    def interrupted(*_):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, interrupted)
    clients = {"engine": EngineOnly(), "vireo": Vireo(), "vireo-page": VireoPage(), "novnc": NoVnc(headless=True), "novnc-x": NoVnc(headless=False),
               "gvncviewer": GvncViewer()}
    print("console benchmark: Vireo vs noVNC vs gvncviewer on the flooding test guest "
          f"({RUNS} x {SECONDS:.0f} s per flood, medians; {PRESSES} key presses)")
    rows = []
    with contextlib.ExitStack() as stack:
        tmp = tempfile.mkdtemp(prefix="vireo-bench-console-")
        stack.callback(shutil.rmtree, tmp, True)
        display = start_xvfb(stack)
        os.environ["DISPLAY"] = display  # tauri-driver passes it on to the app
        xd = XDisplay(display)
        stack.callback(xd.close)
        for scenario in SCENARIOS:
            image, xres, yres, floods = SCENARIO_GUESTS[scenario]
            if not os.path.exists(image):
                rows.append({"client": "(all)", "scenario": scenario,
                             "error": f"{os.path.relpath(image, TOP)} is missing "
                                      "(tests/fixtures/build-test-guest.sh" + (" --graphics)" if image == GUEST_GFX else ")")})
                continue
            with contextlib.ExitStack() as guest_stack:
                t = time.monotonic()
                try:
                    guest = Guest(guest_stack, image, scenario, xres, yres)
                except Exception as e:  # noqa: BLE001 - reported in the table
                    rows.append({"client": "(all)", "scenario": scenario, "error": f"guest: {e}"})
                    continue
                if scenario == "text":
                    guest.width, guest.height = 720, 400
                else:
                    w, h = guest.fb.split(",") if "," in guest.fb else ("0", "0")
                    guest.width, guest.height = int(w), int(h)
                    if guest.width != xres or guest.height != yres:
                        rows.append({"client": "(all)", "scenario": scenario,
                                     "error": f"the guest's framebuffer is {guest.fb}, not the mode asked for"})
                        continue
                print(f"  {scenario}: guest up in {time.monotonic() - t:.1f} s, screen {guest.width}x{guest.height}, "
                      f"tty1 {guest.cols}x{guest.rows}", flush=True)
                for key in CLIENTS:
                    client = clients[key]
                    missing = client.missing()
                    if missing:
                        rows.append({"client": client.label, "scenario": scenario,
                                     "error": "missing " + ", ".join(missing)})
                        continue
                    try:
                        run_client(client, guest, scenario, floods, display, xd, tmp, rows)
                    except KeyboardInterrupt:
                        raise
                    except Exception as e:  # noqa: BLE001 - reported in the table
                        rows.append({"client": client.label, "scenario": scenario, "error": f"{type(e).__name__}: {e}"})
                        print(f"    {client.label}: failed: {e}", flush=True)
                    finally:
                        with contextlib.suppress(Exception):
                            guest.stop_flood()
    print("\nconsole clients (server upd/s: QEMU's FramebufferUpdates to that client; painted: the client's "
          "own count of frames painted with changed pixels; X frames/s: DAMAGE bursts on its window; CPU: "
          "whole process tree, % of one core; PSS: whole tree; key→pixel in ms):")
    print_table(rows)
    print("  painted % is painted/s over server upd/s; above 100 % a client paints one update in several "
          "bursts (gtk-vnc draws rectangles as they arrive), so its frames are partial ones.")
    print("  Key→pixel: XTEST press -> XGetImage of the console's 96x48 top left corner (where the typed "
          "character lands on the cleared tty1) differs; one poll every ~1-2 ms (printed above).")
    print("  Final figures need a quiet machine: on a busy one the emulated guest, QEMU's VNC server and the "
          "clients compete for the same cores.")


if __name__ == "__main__":
    main()
