"""Starts a private Xvfb when there is no display (CI) or when CI=true."""

import os
import subprocess
import time


def start_xvfb():
    """Returns (process, display); process is None when an existing display is used."""
    if os.environ.get("DISPLAY") and not os.environ.get("CI"):
        return None, os.environ["DISPLAY"]
    for n in range(99, 140):
        if os.path.exists(f"/tmp/.X11-unix/X{n}") or os.path.exists(f"/tmp/.X{n}-lock"):
            continue
        proc = subprocess.Popen(
            ["Xvfb", f":{n}", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(50):
            if os.path.exists(f"/tmp/.X11-unix/X{n}"):
                return proc, f":{n}"
            time.sleep(0.1)
        proc.kill()
    raise RuntimeError("could not start Xvfb")
