"""Click through the create-VM wizard to a running VM: the test guest imported as a linked
overlay on qemu:///system (TCG). The original image must be unchanged afterwards."""

import hashlib
import os

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from lib.libvirt import TEST_GUEST, virsh

NAME = f"vireo-e2e-wizard-{os.getpid()}"


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


@pytest.fixture
def cleanup():
    yield
    virsh("destroy", NAME)
    virsh("undefine", NAME, "--nvram")
    virsh("vol-delete", "--pool", "default", f"{NAME}.qcow2")


def click(driver, css):
    WebDriverWait(driver, 20).until(EC.element_to_be_clickable((By.CSS_SELECTOR, css))).click()


def next_step(driver):
    WebDriverWait(driver, 20).until(EC.element_to_be_clickable(
        (By.XPATH, "//button[normalize-space()='Next']"))).click()


def fill(driver, css, text):
    field = WebDriverWait(driver, 20).until(
        EC.element_to_be_clickable((By.CSS_SELECTOR, css)))
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(Keys.DELETE)
    field.send_keys(text)


def test_wizard_imports_the_test_guest_and_starts_it(app, artifacts, cleanup):
    assert os.path.exists(TEST_GUEST), "make test builds the test guest first"
    original = sha256(TEST_GUEST)
    owner = os.stat(TEST_GUEST)[4:6]
    click(app, '[data-action="new-vm"]')

    WebDriverWait(app, 20).until(EC.presence_of_element_located((By.CSS_SELECTOR, '[data-step="source"]')))
    click(app, '[data-source="import"]')
    fill(app, '[data-field="path"]', TEST_GUEST)
    next_step(app)

    WebDriverWait(app, 20).until(EC.presence_of_element_located((By.CSS_SELECTOR, '[data-step="os"]')))
    click(app, '[data-os-id="http://libosinfo.org/linux/2022"]')
    next_step(app)

    WebDriverWait(app, 20).until(EC.presence_of_element_located((By.CSS_SELECTOR, '[data-step="resources"]')))
    fill(app, '[data-field="memory"]', "256")
    fill(app, '[data-field="vcpus"]', "1")
    next_step(app)

    WebDriverWait(app, 20).until(EC.presence_of_element_located((By.CSS_SELECTOR, '[data-step="options"]')))
    click(app, '[data-network="none"]')
    next_step(app)

    WebDriverWait(app, 20).until(EC.presence_of_element_located((By.CSS_SELECTOR, '[data-step="review"]')))
    fill(app, '[data-field="name"]', NAME)
    app.save_screenshot(os.path.join(artifacts, "wizard-review.png"))
    click(app, '[data-action="create-start"]')

    WebDriverWait(app, 60).until(EC.presence_of_element_located(
        (By.CSS_SELECTOR, f'[data-vm-name="{NAME}"][data-vm-state="running"]')))
    assert virsh("domstate", NAME).stdout.strip() == "running"
    # "Create and start" goes on to the VM's screen.
    WebDriverWait(app, 20).until(EC.visibility_of_element_located(
        (By.CSS_SELECTOR, '[data-testid="console-canvas"]')))
    xml = virsh("dumpxml", NAME).stdout
    assert "<domain type='qemu'" in xml, "TCG on this host (kvm_pvm)"
    assert TEST_GUEST in xml and "relabel='no'" in xml, "a linked overlay of the original"
    app.save_screenshot(os.path.join(artifacts, "wizard-created.png"))
    virsh("destroy", NAME)
    assert sha256(TEST_GUEST) == original, "the imported image was never written"
    assert os.stat(TEST_GUEST)[4:6] == owner, "nor chowned"
