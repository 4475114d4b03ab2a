"""Hostile disk images in the real window: the wizard refuses them at the source step with
the reason, escaped (a backing file name with a newline, ESC and a bidi override arrives as
text, never as control characters), and nothing is created."""

import os
import shutil
import struct

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait
from test_wizard import click, fill, next_step

from lib.libvirt import virsh

CLUSTER = 1 << 16


def qcow2(incompat=0, backing=b"", extensions=()):
    """A qcow2 v3 header (64 KiB clusters, 64 MiB) written byte by byte from the spec."""
    b = bytearray(4 * CLUSTER)
    struct.pack_into(">4sIQIIQIIQQIIQ", b, 0, b"QFI\xfb", 3, 0, 0, 16, 64 << 20, 0, 1,
                     2 * CLUSTER, CLUSTER, 1, 0, 0)
    struct.pack_into(">QQQII", b, 72, incompat, 0, 0, 4, 112)
    at = 112
    for kind, data in extensions:
        struct.pack_into(">II", b, at, kind, len(data))
        b[at + 8:at + 8 + len(data)] = data
        at += 8 + (len(data) + 7) // 8 * 8
    at += 8
    if backing:
        struct.pack_into(">QI", b, 8, at, len(backing))
        b[at:at + len(backing)] = backing
    struct.pack_into(">Q", b, CLUSTER, 3 * CLUSTER)
    for i in range(4):
        struct.pack_into(">H", b, 3 * CLUSTER + 2 * i, 1)
    return bytes(b)


@pytest.fixture
def image_dir():
    d = f"/var/tmp/vireo-e2e-hostile-{os.getpid()}"
    os.makedirs(d, exist_ok=True)
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def state():
    vols = virsh("vol-list", "default").stdout
    return virsh("list", "--all", "--name").stdout, vols


def source_error(driver, path):
    fill(driver, '[data-field="path"]', path)
    next_step(driver)
    error = WebDriverWait(driver, 20).until(
        EC.visibility_of_element_located((By.CSS_SELECTOR, '[data-testid="source-error"]')))
    assert driver.find_element(By.CSS_SELECTOR, "[data-step]").get_attribute("data-step") == "source"
    return error.text


def test_hostile_images_are_refused_at_the_source_step_escaped(app, artifacts, image_dir):
    hostile = os.path.join(image_dir, "hostile.qcow2")
    with open(hostile, "wb") as f:
        f.write(qcow2(backing="base\n\x1b[2K\u202eevil.qcow2".encode()))
    external = os.path.join(image_dir, "external.qcow2")
    with open(external, "wb") as f:
        f.write(qcow2(incompat=4, extensions=[(0x44415441, b"/etc/shadow")]))
    before = state()

    click(app, '[data-action="new-vm"]')
    WebDriverWait(app, 20).until(EC.presence_of_element_located((By.CSS_SELECTOR, '[data-step="source"]')))
    click(app, '[data-source="import"]')

    text = source_error(app, hostile)
    assert "base\\n\\u{1b}[2K\\u{202e}evil.qcow2" in text, text
    assert not any(ord(c) < 0x20 or 0x202a <= ord(c) <= 0x202e for c in text), repr(text)
    app.save_screenshot(os.path.join(artifacts, "wizard-hostile-backing.png"))

    text = source_error(app, external)
    assert "external data file" in text and "/etc/shadow" in text, text

    assert state() == before, "no domain or volume was created"
