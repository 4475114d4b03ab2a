"""The live VM list in the real window: start and stop a VM from the UI and watch its state
change with no reload. The VM is a TCG guest with no disk on qemu:///system, defined here."""

import functools
import os

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from lib.libvirt import virsh

NAME = f"vireo-e2e-{os.getpid()}"
DOMAIN_XML = f"""<domain type='qemu'><name>{NAME}</name><memory unit='MiB'>64</memory>
<vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type></os><features><acpi/></features>
<devices><graphics type='vnc'><listen type='none'/></graphics></devices></domain>"""


# Here a virsh command that fails fails the test, unless the call says otherwise.
virsh = functools.partial(virsh, check=True)


@pytest.fixture
def test_vm(tmp_path):
    xml = tmp_path / "domain.xml"
    xml.write_text(DOMAIN_XML)
    virsh("define", str(xml))
    yield NAME
    virsh("destroy", NAME, check=False)
    virsh("undefine", NAME, check=False)


def show_only(driver, name):
    """Rows outside the visible window are not in the DOM: filter to the test VM."""
    box = WebDriverWait(driver, 20).until(
        EC.element_to_be_clickable((By.CSS_SELECTOR, '[data-testid="filter"]')))
    box.clear()
    box.send_keys(name)


def row(driver, name):
    return WebDriverWait(driver, 20).until(
        EC.presence_of_element_located((By.CSS_SELECTOR, f'[data-vm-name="{name}"]')))


def wait_state(driver, name, state, timeout=20):
    WebDriverWait(driver, timeout).until(
        lambda d: row(d, name).get_attribute("data-vm-state") == state,
        message=f"{name} never showed {state}")


def test_start_and_stop_from_the_ui(test_vm, app, artifacts):
    WebDriverWait(app, 20).until(
        EC.presence_of_element_located((By.CSS_SELECTOR, '[data-testid="vm-list"]')))
    show_only(app, test_vm)
    wait_state(app, test_vm, "shut-off")
    # One VM, one row (as root, qemu:///session is the system instance: not listed twice).
    assert len(app.find_elements(By.CSS_SELECTOR, f'[data-vm-name="{test_vm}"]')) == 1
    marker = app.execute_script("window.__noReload = 'still here'; return window.__noReload")

    row(app, test_vm).click()
    start = row(app, test_vm).find_element(By.CSS_SELECTOR, '[data-action="start"]')
    start.click()
    wait_state(app, test_vm, "running")
    assert virsh("domstate", test_vm).stdout.strip() == "running"
    # The running VM's row shows its screen (libvirt's screenshot, scaled) as a decoded image.
    WebDriverWait(app, 20).until(
        lambda d: d.execute_script(
            "const img = arguments[0].querySelector('.cell-thumb img');"
            "return img !== null && img.complete && img.naturalWidth > 0 && img.naturalHeight > 0;",
            row(d, test_vm)),
        message="the running VM's row shows a thumbnail")
    app.save_screenshot(os.path.join(artifacts, "machines-running.png"))

    row(app, test_vm).find_element(By.CSS_SELECTOR, '[data-action="force-off"]').click()
    confirm = WebDriverWait(app, 10).until(
        EC.element_to_be_clickable((By.CSS_SELECTOR, '[data-confirm="force-off"]')))
    confirm.click()
    wait_state(app, test_vm, "shut-off")
    assert virsh("domstate", test_vm).stdout.strip() == "shut off"
    # The same page all along: the list followed libvirt's events.
    assert app.execute_script("return window.__noReload") == marker


def test_state_changes_made_outside_vireo_appear(test_vm, app):
    WebDriverWait(app, 20).until(
        EC.presence_of_element_located((By.CSS_SELECTOR, '[data-testid="vm-list"]')))
    show_only(app, test_vm)
    wait_state(app, test_vm, "shut-off")
    virsh("start", test_vm)
    wait_state(app, test_vm, "running")
    virsh("suspend", test_vm)
    wait_state(app, test_vm, "paused")
    virsh("destroy", test_vm)
    wait_state(app, test_vm, "shut-off")
