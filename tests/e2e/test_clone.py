"""A linked clone made in the real window boots, and its source, now a template, does not
start. The source is the test guest (shut off) on an overlay in a storage pool of its own,
as a VM made by the wizard has it."""

import functools
import os
import subprocess

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from lib.libvirt import READY, TEST_GUEST, linked_overlay, overlay_disk_xml, serial_log_shows, virsh

NAME = f"vireo-e2e-clone-{os.getpid()}"
CLONE = f"{NAME}-clone"
POOL = f"{NAME}-pool"
WORK = f"/var/tmp/{NAME}"

virsh = functools.partial(virsh, check=True)


def wait_for(driver, selector, timeout=20):
    return WebDriverWait(driver, timeout).until(
        EC.presence_of_element_located((By.CSS_SELECTOR, selector)))


def click(driver, selector, timeout=20):
    WebDriverWait(driver, timeout).until(
        EC.element_to_be_clickable((By.CSS_SELECTOR, selector))).click()


@pytest.fixture
def source_vm():
    os.makedirs(WORK, exist_ok=True)
    os.chmod(WORK, 0o755)
    overlay = os.path.join(WORK, f"{NAME}.qcow2")
    linked_overlay(TEST_GUEST, overlay, 0o644)
    virsh("pool-create-as", POOL, "dir", "--target", WORK)
    path = os.path.join(WORK, "domain.xml")
    with open(path, "w") as f:
        f.write(f"""<domain type='qemu'><name>{NAME}</name><memory unit='MiB'>256</memory>
<vcpu>1</vcpu><os><type arch='x86_64' machine='q35'>hvm</type></os><features><acpi/></features>
<devices>{overlay_disk_xml(overlay, TEST_GUEST)}
<serial type='pty'><log file='{WORK}/serial.log' append='off'/></serial>
<graphics type='vnc'><listen type='none'/></graphics></devices></domain>""")
    virsh("define", path)
    yield NAME
    for vm in (CLONE, NAME):
        virsh("destroy", vm, check=False)
        virsh("undefine", vm, check=False)
    virsh("pool-destroy", POOL, check=False)
    subprocess.run(["rm", "-rf", WORK], check=False)


def test_a_linked_clone_boots_and_its_source_becomes_a_template(source_vm, app, artifacts):
    box = WebDriverWait(app, 20).until(
        EC.element_to_be_clickable((By.CSS_SELECTOR, '[data-testid="filter"]')))
    box.send_keys(NAME)
    wait_for(app, f'[data-vm-name="{NAME}"][data-vm-state="shut-off"]')
    click(app, f'[data-vm-name="{NAME}"] button.vm-name')
    click(app, '[data-testid="vm-page-clone"]')
    dialog = wait_for(app, '[data-testid="clone-dialog"]')
    WebDriverWait(app, 10).until(
        lambda d: d.find_element(By.CSS_SELECTOR, '[data-testid="clone-linked"]').is_selected(),
        message="linked is the default for a qcow2 disk")
    assert app.find_element(By.CSS_SELECTOR, '[data-testid="clone-name"]').get_attribute(
        "value") == CLONE
    app.save_screenshot(os.path.join(artifacts, "clone-dialog.png"))
    click(app, '[data-testid="clone-submit"]')
    WebDriverWait(app, 60).until(EC.staleness_of(dialog), message="the clone is made")
    assert not app.find_elements(By.CSS_SELECTOR, '[data-testid="clone-error"]')
    WebDriverWait(app, 20).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid="vm-page-template"]'),
        message="the source is marked as a template")
    assert CLONE in app.find_element(By.CSS_SELECTOR, '[data-testid="vm-page-template"]').text
    app.save_screenshot(os.path.join(artifacts, "clone-template.png"))

    # The clone boots from its overlay on the source's disk, logging to its own file.
    virsh("start", CLONE)
    assert serial_log_shows(os.path.join(WORK, f"{CLONE}-serial.log"), READY, timeout=120,
                            every=0.5), "the clone boots"

    # The source does not start while its clone exists; the list says why.
    click(app, '[data-testid="vm-page-back"]')
    box = wait_for(app, '[data-testid="filter"]')
    box.clear()
    box.send_keys(NAME)
    row = wait_for(app, f'[data-vm-name="{NAME}"]')
    row.click()
    row.find_element(By.CSS_SELECTOR, '[data-action="start"]').click()
    error = wait_for(app, '[data-testid="action-error"]', timeout=30)
    assert "has linked clones" in error.text, error.text
    assert "shut off" in virsh("domstate", NAME).stdout
