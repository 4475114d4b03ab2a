"""Xvfb: the display of `make test` when there is none (or on CI), and private displays of a
chosen size for the tests and benchmarks that need a larger screen or one of their own."""

import contextlib
import os
import subprocess
import time

from lib.proc import stop


def launch_xvfb(size, displays):
    """Xvfb at `size` (WxH, 24 bits) on the first free display number of `displays` where it
    comes up within 5 s; returns (process, ":n")."""
    for n in displays:
        if os.path.exists(f"/tmp/.X11-unix/X{n}") or os.path.exists(f"/tmp/.X{n}-lock"):
            continue
        proc = subprocess.Popen(
            ["Xvfb", f":{n}", "-screen", "0", f"{size}x24", "-nolisten", "tcp"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(50):
            if os.path.exists(f"/tmp/.X11-unix/X{n}"):
                return proc, f":{n}"
            time.sleep(0.1)
        proc.kill()
    raise RuntimeError("could not start Xvfb")


def start_xvfb():
    """Starts a private Xvfb when there is no display (CI) or when CI=true.
    Returns (process, display); process is None when an existing display is used."""
    if os.environ.get("DISPLAY") and not os.environ.get("CI"):
        return None, os.environ["DISPLAY"]
    return launch_xvfb("1280x800", range(99, 140))


@contextlib.contextmanager
def private_xvfb(size="2560x1700", displays=range(160, 200)):
    """A private Xvfb (by default large enough for a 1920×1080 window or a 2× one); yields its
    DISPLAY."""
    proc, display = launch_xvfb(size, displays)
    try:
        yield display
    finally:
        stop(proc, timeout=5)
