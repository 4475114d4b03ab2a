"""The Host check screen shows what the real probe found, as `vireo check` does."""

import json
import os
import subprocess

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from lib.paths import CLI, TOP


def cli_report():
    """The same check from the CLI: the window must agree with it."""
    exe = CLI
    if not os.access(exe, os.X_OK):
        exe = os.path.join(TOP, "target", "debug", "vireo")
    out = subprocess.run([exe, "check", "--json"], capture_output=True, text=True, check=False)
    return json.loads(out.stdout)


def open_host_check(driver):
    """The window opens on Machines; the Host check is one click away."""
    WebDriverWait(driver, 20).until(
        EC.element_to_be_clickable((By.CSS_SELECTOR, '[data-view="host-check"]'))
    ).click()
    return WebDriverWait(driver, 20).until(
        EC.presence_of_element_located((By.CSS_SELECTOR, '[data-testid="host-check"]'))
    )


def finding_row(driver, finding_id):
    return WebDriverWait(driver, 20).until(
        EC.visibility_of_element_located((By.CSS_SELECTOR, f'[data-finding-id="{finding_id}"]'))
    )


def test_host_check_shows_the_kvm_and_libvirt_lines(app, artifacts):
    open_host_check(app)
    assert app.title == "Vireo"
    expected = {f["id"]: f for f in cli_report()["findings"]}

    kvm = finding_row(app, "kvm")
    assert kvm.get_attribute("data-status") == expected["kvm"]["status"]
    assert "KVM" in kvm.text
    # The summary the user reads is the probe's, word for word.
    assert expected["kvm"]["summary"] in kvm.text
    if expected["kvm"]["fix"]:
        assert expected["kvm"]["fix"] in kvm.text

    for conn in ("libvirt-system", "libvirt-session"):
        row = finding_row(app, conn)
        assert row.get_attribute("data-status") == expected[conn]["status"]
        assert expected[conn]["summary"] in row.text

    verdict = app.find_element(By.CSS_SELECTOR, '[data-testid="verdict"]')
    assert cli_report()["verdict"]["summary"] in verdict.text
    app.save_screenshot(os.path.join(artifacts, "host-check.png"))


def test_check_again_reruns_the_probe(app):
    root = open_host_check(app)
    finding_row(app, "kvm")
    # data-check-count counts completed checks: the click must run the probe once more.
    assert root.get_attribute("data-check-count") == "1"
    app.find_element(By.XPATH, "//button[contains(., 'Check again')]").click()
    WebDriverWait(app, 20).until(lambda d: root.get_attribute("data-check-count") == "2")
    finding_row(app, "kvm")
    verdict = app.find_element(By.CSS_SELECTOR, '[data-testid="verdict"]')
    assert "checked in" in verdict.text, verdict.text
