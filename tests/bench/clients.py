"""The console clients the console benchmark compares, one class each: Vireo (its native X11
surface, and the page painting), noVNC (+ websockify) in Chromium, headless or on the X
display, gtk-vnc's gvncviewer, and Vireo's console engine alone (painting nothing).

Each has `label`, `draws_on_x`, `missing()` (what is not installed), `open(guest, display,
tmp)` (a context manager that connects it to the guest), `painted()`, `own_updates()` and
`pids()`; those drawing on X also `window`, `damage`, `prepare_keys(xd)` and `screen_area()`.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from bench.cdp import Cdp
from bench.procfs import comm, process_tree
from bench.xlib import DamageFrames, biggest_window, xdotool
from lib.net import free_port
from lib.paths import APP, TOP
from lib.wait import wait_until

NOVNC = "/usr/share/novnc"


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
        try:
            import selenium  # noqa: F401
        except ImportError:
            return ["selenium (run under target/e2e-venv)"]
        return [] if os.access(APP, os.X_OK) else ["target/release/vireo-app (make app)"]

    @contextlib.contextmanager
    def open(self, guest, display, tmp):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as EC
        from selenium.webdriver.support.ui import WebDriverWait

        from lib.app import open_app, running_tauri_driver

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
