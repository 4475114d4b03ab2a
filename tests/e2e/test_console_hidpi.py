"""The console on a HiDPI display, and after the VM is stopped and started again.

HiDPI: the app runs with GDK_SCALE=2 on its own Xvfb (devicePixelRatio 2). At 1:1 each guest
pixel must be exactly one device pixel: the window's real pixels, read back from the X server
with xwd, equal the canvas's pixels (no blur, no offset), and the X pointer on a device pixel
maps to that guest pixel within the webview's precision (WebKitGTK 2.50 reports whole CSS
pixels, so within one guest pixel at 1:1 on 2x). WebKitGTK only scales by whole factors;
fractional ratios (1.5) are covered by the Vitest tests of the scaling maths.

Reconnect: `virsh destroy` then `virsh start` under an open console: the panel says it waits,
then shows the new boot's screen by itself.
"""

import os
import struct
import subprocess
import time
import zlib

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait
from test_console import NAME, open_console, running_guest  # noqa: F401  (a fixture)

from lib.app import open_app, running_tauri_driver
from lib.libvirt import READY, serial_log_shows, virsh
from lib.xvfb import private_xvfb


@pytest.fixture(params=["native", "page"])
def hidpi_app(request):
    """The app on a private 2560×1700 Xvfb with GDK_SCALE=2; its console painted by the native
    X11 surface (the default on X11) or by the page (VIREO_CONSOLE_SURFACE=web, as elsewhere)."""
    env = {"GDK_SCALE": "2"}
    if request.param == "page":
        env["VIREO_CONSOLE_SURFACE"] = "web"
    with private_xvfb() as display:
        env["DISPLAY"] = display
        with running_tauri_driver(env) as url:
            with open_app(url) as driver:
                yield driver, display, request.param


def screenshot_rows(path):
    """libvirt's screenshot (PNG from QEMU 7.2, PPM from older ones) as (width, height, rows of
    (r, g, b)). Only what QEMU writes: 8-bit RGB(A), not interlaced."""
    with open(path, "rb") as f:
        data = f.read()
    if data.startswith(b"P6"):
        fields = data.split(maxsplit=4)
        width, height = int(fields[1]), int(fields[2])
        pixels, bpp = fields[4], 3
        rows = [pixels[y * width * 3:(y + 1) * width * 3] for y in range(height)]
    else:
        assert data.startswith(b"\x89PNG"), "neither PNG nor PPM"
        at, idat = 8, b""
        while at < len(data):
            length, kind = struct.unpack(">I4s", data[at:at + 8])
            body = data[at + 8:at + 8 + length]
            if kind == b"IHDR":
                width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
                assert depth == 8 and color in (2, 6) and interlace == 0, "unexpected PNG"
                bpp = 3 if color == 2 else 4
            elif kind == b"IDAT":
                idat += body
            at += 12 + length
        raw, stride, rows, prev = zlib.decompress(idat), width * bpp, [], bytearray(width * bpp)
        for y in range(height):
            kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = prev[i], prev[i - bpp] if i >= bpp else 0
                if kind == 1:
                    line[i] = (line[i] + a) & 255
                elif kind == 2:
                    line[i] = (line[i] + b) & 255
                elif kind == 3:
                    line[i] = (line[i] + (a + b) // 2) & 255
                elif kind == 4:
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
            rows.append(bytes(line))
            prev = line
    return width, height, [[tuple(r[x * bpp:x * bpp + 3]) for x in range(width)] for r in rows]


def xwd_window(display, name="Vireo"):
    """The named top-level window's pixels as (width, height, rows of (r, g, b))."""
    raw = subprocess.run(["xwd", "-silent", "-name", name, "-display", display],
                         capture_output=True, check=True).stdout
    header = struct.unpack(">25I", raw[:100])
    header_size, depth, width, height = header[0], header[3], header[4], header[5]
    byte_order, bpp, stride, ncolors = header[7], header[11], header[12], header[19]
    assert depth == 24 and bpp == 32, f"unexpected X visual: depth {depth}, {bpp} bpp"
    data = raw[header_size + ncolors * 12:]
    rows = []
    for y in range(height):
        line = data[y * stride:y * stride + width * 4]
        if byte_order == 0:  # LSBFirst: B, G, R, X
            rows.append([(line[i + 2], line[i + 1], line[i]) for i in range(0, len(line), 4)])
        else:
            rows.append([(line[i + 1], line[i + 2], line[i + 3]) for i in range(0, len(line), 4)])
    return width, height, rows


def test_one_to_one_is_one_device_pixel_per_guest_pixel(running_guest, hidpi_app, artifacts):  # noqa: F811
    app, display, painter = hidpi_app
    assert app.execute_script("return window.devicePixelRatio") == 2
    canvas = open_console(app)
    actual = app.find_element(By.CSS_SELECTOR, '[data-action="scale-actual"]')
    actual.click()
    css_width = lambda: app.execute_script(  # noqa: E731
        "return arguments[0].getBoundingClientRect().width", canvas)
    deadline = time.monotonic() + 10
    while css_width() != 360:
        assert time.monotonic() < deadline, (
            f"at 1:1 the 720 px screen is {css_width()} CSS px wide: "
            + str(app.execute_script("const c = arguments[0]; return [c.style.cssText, c.className,"
                                     " window.devicePixelRatio, c.width]", canvas)))
        time.sleep(0.1)
    rect = app.execute_script("""
        const c = arguments[0];
        const r = c.getBoundingClientRect();
        return [r.left, r.top, r.width, r.height, c.width, c.height];""", canvas)
    left, top, css_w, css_h, fb_w, fb_h = rect
    assert (css_w * 2, css_h * 2) == (fb_w, fb_h), "1:1 means CSS size = guest size / 2"
    surface_frames = "return window.vireoConsoleStats.surfaceFrames"
    if painter == "native":
        # The native surface shows the screen over the canvas: once it has painted, the canvas
        # beneath is painted magenta and the window must still show the guest's pixels.
        WebDriverWait(app, 10).until(lambda d: d.execute_script(surface_frames) > 0,
                                     message="the native surface painted")
        app.execute_script("""
            const c = arguments[0], g = c.getContext('2d');
            g.fillStyle = '#ff00ff';
            g.fillRect(0, 0, c.width, c.height);""", canvas)
    else:
        assert app.execute_script(surface_frames) == 0, "the page paints every frame"
    time.sleep(0.5)  # let the last frame reach the screen
    # The guest's own screen, from libvirt (the screen is idle: the guest waits at its prompt).
    shot = os.path.join(artifacts, f"console-hidpi-{painter}-guest.png")
    virsh("screenshot", NAME, "--file", shot, check=True)
    guest_w, guest_h, guest = screenshot_rows(shot)
    assert (guest_w, guest_h) == (fb_w, fb_h)
    width, height, window = xwd_window(display)
    subprocess.run(["xwd", "-silent", "-name", "Vireo", "-display", display,
                    "-out", os.path.join(artifacts, "console-hidpi.xwd")], check=False)

    def mismatches(ox, oy, limit):
        bad = 0
        for y in range(0, fb_h, 3):
            row = window[oy + y]
            for x in range(0, fb_w, 3):
                if row[ox + x] != guest[y][x]:
                    bad += 1
                    if bad > limit:
                        return bad
        return bad

    # The canvas's device-pixel origin, allowing for a window frame of a few pixels.
    x0, y0 = round(left * 2), round(top * 2)
    best = min((mismatches(x0 + dx, y0 + dy, 50), dx, dy)
               for dx in range(-4, 5) for dy in range(-4, 5)
               if 0 <= x0 + dx and x0 + dx + fb_w <= width and 0 <= y0 + dy and y0 + dy + fb_h <= height)
    # The text cursor may blink between the two reads: a handful of samples may differ.
    assert best[0] <= 20, (f"the window's pixels differ from the guest's at 1:1 ({best[0]} samples, "
                           f"{painter} painting)")

    # The pointer: the X pointer put on a given device pixel of the screen maps to that guest
    # pixel, within the precision the webview reports.
    env = dict(os.environ, DISPLAY=display)
    wid = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "^Vireo$"], env=env,
                         capture_output=True, text=True, check=True).stdout.split()[0]
    geo = dict(line.split("=", 1) for line in subprocess.run(
        ["xdotool", "getwindowgeometry", "--shell", wid], env=env,
        capture_output=True, text=True, check=True).stdout.split())
    origin_x, origin_y = int(geo["X"]) + x0 + best[1], int(geo["Y"]) + y0 + best[2]
    app.execute_script("""
        window.__pointer = null;
        arguments[0].addEventListener('pointermove', (e) => {
          const r = arguments[0].getBoundingClientRect();
          window.__pointer = [(e.clientX - r.left) * devicePixelRatio,
                              (e.clientY - r.top) * devicePixelRatio];
        });""", canvas)
    seen = []
    for gx, gy in [(101, 57), (102, 58), (0, 0), (fb_w - 1, fb_h - 1)]:
        app.execute_script("window.__pointer = null")
        subprocess.run(["xdotool", "mousemove", str(origin_x + gx), str(origin_y + gy)], env=env,
                       check=True)
        deadline = time.monotonic() + 5
        while (got := app.execute_script("return window.__pointer")) is None:
            assert time.monotonic() < deadline, "the page saw the pointer move"
            time.sleep(0.05)
        seen.append(([gx, gy], [round(v, 3) for v in got]))
    # WebKitGTK 2.50 reports pointer events in whole CSS pixels (its fractional coordinates came
    # later), so at 1:1 on a 2x screen a guest pixel is half a CSS pixel: the pointer lands on
    # the guest pixel it is over or its neighbour, never further.
    assert all(abs(w - g) <= 1 for want, got in seen for w, g in zip(want, got)), (
        f"pointer positions (wanted, seen): {seen}")


def test_console_reconnects_after_the_vm_is_stopped_and_started(running_guest, app):  # noqa: F811
    log = running_guest
    open_console(app)
    marker = app.execute_script("window.__reconnectMarker = 1; return 1")
    virsh("destroy", NAME, check=True)
    WebDriverWait(app, 20).until(EC.visibility_of_element_located(
        (By.CSS_SELECTOR, '[data-testid="console-waiting"]')))
    open(log, "w").close()
    virsh("start", NAME, check=True)
    # The new boot's screen arrives without any click.
    WebDriverWait(app, 60).until(EC.invisibility_of_element_located(
        (By.CSS_SELECTOR, '[data-testid="console-closed"]')))
    assert serial_log_shows(log, READY, timeout=120, every=0.5), "the guest booted again"
    canvas = app.find_element(By.CSS_SELECTOR, '[data-testid="console-canvas"]')

    def lit_on_screen():
        # What the window shows where the canvas is (painted by the page or the native surface).
        left, top, w, h = app.execute_script(
            "const r = arguments[0].getBoundingClientRect(); return [r.left, r.top, r.width, r.height];",
            canvas)
        width, height, window = xwd_window(os.environ["DISPLAY"])
        rows = window[int(top):min(height, int(top + h))]
        return sum(1 for row in rows for px in row[int(left):min(width, int(left + w))] if px != (0, 0, 0))

    deadline = time.monotonic() + 20
    while (lit := lit_on_screen()) <= 500:
        assert time.monotonic() < deadline, f"the new boot's screen is painted ({lit} lit pixels)"
        time.sleep(0.5)
    assert app.execute_script("return window.__reconnectMarker") == marker, "no page reload"
