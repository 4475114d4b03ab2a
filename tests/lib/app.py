"""The built Vireo app in a real window, driven through tauri-driver (which runs Debian's
WebKitWebDriver): used by the end-to-end tests' fixtures and by the benchmarks. The display
comes from the caller's DISPLAY."""

import contextlib
import os
import shutil
import socket
import subprocess
import time

from selenium import webdriver
from selenium.webdriver.common.options import ArgOptions
from selenium.webdriver.remote.file_detector import UselessFileDetector

from lib.net import free_port
from lib.paths import APP, ARTIFACTS, TOP
from lib.proc import stop


def wait_for_port(port, proc, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"tauri-driver exited with {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"tauri-driver did not listen on {port}")


@contextlib.contextmanager
def running_tauri_driver(extra_env=None):
    """tauri-driver on a free port; yields its URL."""
    assert os.environ.get("DISPLAY"), "the end-to-end tests need DISPLAY (Xvfb)"
    os.makedirs(ARTIFACTS, exist_ok=True)
    assert os.access(APP, os.X_OK), f"build the app first: {APP}"
    exe = shutil.which("tauri-driver") or os.path.expanduser("~/.cargo/bin/tauri-driver")
    port, native = free_port(), free_port()
    log = open(os.path.join(TOP, "target", "tauri-driver.log"), "w")
    # The app inherits tauri-driver's environment (DISPLAY, PATH); its saved connections go
    # to a private directory, never the user's.
    env = dict(os.environ, VIREO_CONFIG_DIR=os.path.join(ARTIFACTS, "config"))
    env.update(extra_env or {})
    proc = subprocess.Popen(
        [exe, "--port", str(port), "--native-port", str(native)], stdout=log, stderr=log, env=env
    )
    try:
        wait_for_port(port, proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)
        log.close()


@contextlib.contextmanager
def open_app(driver_url):
    """Launches the app in a new WebDriver session; yields the driver."""
    options = ArgOptions()
    options.set_capability("browserName", "wry")
    options.set_capability("tauri:options", {"application": APP})
    driver = webdriver.Remote(command_executor=driver_url, options=options)
    # Typed paths are text for the app, not files to upload to the driver.
    driver.file_detector = UselessFileDetector()
    try:
        yield driver
    finally:
        driver.quit()
