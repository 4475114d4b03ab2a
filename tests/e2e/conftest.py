"""End-to-end fixtures: the built Vireo app in a real window, driven through tauri-driver
(which runs Debian's WebKitWebDriver). The display comes from the caller (tests/run_all.py
starts Xvfb when there is none)."""

import contextlib
import os
import shutil
import socket
import subprocess
import time

import pytest
from selenium import webdriver
from selenium.webdriver.common.options import ArgOptions
from selenium.webdriver.remote.file_detector import UselessFileDetector

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
APP = os.path.join(TOP, "target", "release", "vireo-app")
ARTIFACTS = os.path.join(TOP, "target", "e2e")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


@pytest.fixture(scope="session")
def artifacts():
    os.makedirs(ARTIFACTS, exist_ok=True)
    return ARTIFACTS


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
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
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


@contextlib.contextmanager
def private_xvfb(size="2560x1700"):
    """A private Xvfb large enough for a 1920×1080 window or a 2× one; yields its DISPLAY."""
    for n in range(160, 200):
        if os.path.exists(f"/tmp/.X11-unix/X{n}") or os.path.exists(f"/tmp/.X{n}-lock"):
            continue
        xvfb = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", f"{size}x24", "-nolisten", "tcp"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(50):
            if os.path.exists(f"/tmp/.X11-unix/X{n}"):
                try:
                    yield f":{n}"
                finally:
                    xvfb.terminate()
                return
            time.sleep(0.1)
        xvfb.kill()
    raise RuntimeError("could not start Xvfb")


@pytest.fixture(scope="session")
def tauri_driver():
    with running_tauri_driver() as url:
        yield url


@pytest.fixture
def app(tauri_driver):
    """A fresh Vireo window per test."""
    with open_app(tauri_driver) as driver:
        yield driver
