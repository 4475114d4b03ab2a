"""X11 for the benchmarks: Xlib through ctypes (XGetImage to sample a window's pixels, XTEST
to press keys, DAMAGE to count the frames drawn into a window), and finding windows and their
geometry with xdotool."""

import ctypes
import ctypes.util
import os
import select
import subprocess
import threading


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
