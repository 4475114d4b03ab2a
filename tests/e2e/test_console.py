"""The embedded console in the real window: the test guest's screen appears, and text typed
into it runs in the guest (the command's output lands in the guest's serial log)."""

import os
import subprocess

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from lib.libvirt import READY, TEST_GUEST, linked_overlay, overlay_disk_xml, serial_log_shows, virsh

NAME = f"vireo-e2e-console-{os.getpid()}"
WORK = f"/var/tmp/{NAME}"


@pytest.fixture
def running_guest():
    os.makedirs(WORK, exist_ok=True)
    os.chmod(WORK, 0o755)
    overlay = os.path.join(WORK, "overlay.qcow2")
    linked_overlay(TEST_GUEST, overlay, 0o644)
    log = os.path.join(WORK, "serial.log")
    xml = f"""<domain type='qemu'><name>{NAME}</name><memory unit='MiB'>256</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='q35'>hvm</type></os><features><acpi/></features><devices>
{overlay_disk_xml(overlay, TEST_GUEST)}
<serial type='file'><source path='{log}'/></serial>
<graphics type='vnc'><listen type='none'/></graphics><video><model type='virtio'/></video>
</devices></domain>"""
    path = os.path.join(WORK, "domain.xml")
    with open(path, "w") as f:
        f.write(xml)
    virsh("define", path, check=True)
    virsh("start", NAME, check=True)
    if not serial_log_shows(log, READY, timeout=120, every=0.5):
        pytest.fail("the test guest did not boot")
    yield log
    virsh("destroy", NAME)
    virsh("undefine", NAME)
    subprocess.run(["rm", "-rf", WORK], check=False)


def open_console(app):
    """Opens the guest's console from its row; returns the canvas once the text screen shows."""
    box = WebDriverWait(app, 20).until(
        EC.element_to_be_clickable((By.CSS_SELECTOR, '[data-testid="filter"]')))
    box.send_keys(NAME)
    row = WebDriverWait(app, 20).until(EC.presence_of_element_located(
        (By.CSS_SELECTOR, f'[data-vm-name="{NAME}"][data-vm-state="running"]')))
    row.click()
    row.find_element(By.CSS_SELECTOR, '[data-action="console"]').click()
    canvas = WebDriverWait(app, 20).until(EC.visibility_of_element_located(
        (By.CSS_SELECTOR, '[data-testid="console-canvas"]')))
    # The guest's 720x400 text screen is painted, by the page or the native surface.
    WebDriverWait(app, 20).until(lambda d: d.execute_script("""
        const c = arguments[0], s = window.vireoConsoleStats;
        return c.width >= 640 && !!s && s.framesPainted > 0;""", canvas),
        message="the console shows the guest's screen")
    return canvas


def test_console_shows_the_screen_and_types_into_the_guest(running_guest, app, artifacts):
    log = running_guest
    canvas = open_console(app)
    assert canvas.get_attribute("width") == "720"
    app.save_screenshot(os.path.join(artifacts, "console.png"))

    canvas.click()
    # Shift is pressed as a key of its own, as a person would: WebDriver's '>' alone carries
    # the Period key without a Shift press, which a scancode-exact console types as '.'.
    shifted = lambda text: Keys.SHIFT + text + Keys.SHIFT  # noqa: E731
    canvas.send_keys("echo vireo-ui-keys " + shifted(".") + "/dev/tty" + shifted("s") + "0" + Keys.ENTER)
    if not serial_log_shows(log, "vireo-ui-keys", timeout=30, every=0.2):
        pytest.fail("typed text did not reach the guest: " + open(log, errors="replace").read()[-300:])
    app.save_screenshot(os.path.join(artifacts, "console-typed.png"))
    # On X11 the typed line reached the screen through the native surface, not the page.
    assert app.execute_script("return window.vireoConsoleStats.surfaceFrames") > 0

    # Fullscreen: the console fills the window and the page under it is not painted at all
    # (WebKit repaints every layer under a changed rectangle, covered or not).
    app_visibility = "return getComputedStyle(document.getElementById('app')).visibility"
    is_fullscreen = "return !!document.querySelector('.dialog-console-fullscreen')"
    assert app.execute_script(app_visibility) == "visible"
    app.find_element(By.CSS_SELECTOR, '[data-action="fullscreen"]').click()
    WebDriverWait(app, 10).until(lambda d: d.execute_script(is_fullscreen))
    assert app.execute_script(app_visibility) == "hidden"
    assert canvas.is_displayed()
    app.find_element(By.CSS_SELECTOR, '[data-action="fullscreen"]').click()
    WebDriverWait(app, 10).until(lambda d: not d.execute_script(is_fullscreen))
    assert app.execute_script(app_visibility) == "visible"
    app.find_element(By.CSS_SELECTOR, '[data-action="close-console"]').click()
