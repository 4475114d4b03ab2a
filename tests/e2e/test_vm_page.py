"""A VM's page in the real window: open it from the list, change its memory for the next
boot and see it marked pending, restart the VM and see it applied, eject its CD. The VM is a
TCG guest with no disk on qemu:///system, with a memory balloon and an IDE CD-ROM holding a
tiny ISO written here. Then the serial console: the test guest's shell answers a command
typed in the page's terminal, and lists a NIC and a disk the page hot-plugs (the disk
removed again with its volume)."""

import functools
import os
import re
import subprocess
import time

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from lib.libvirt import READY, TEST_GUEST, linked_overlay, overlay_disk_xml, serial_log_shows, virsh

NAME = f"vireo-e2e-page-{os.getpid()}"
# In libvirt's images folder, so the system daemon's QEMU may read it.
ISO = f"/var/lib/libvirt/images/{NAME}.iso"

virsh = functools.partial(virsh, check=True)


def tiny_iso(path):
    """The 17 sectors an ISO 9660 reader checks: a primary volume descriptor at 0x8000."""
    data = bytearray(17 * 2048)
    data[0x8000] = 1
    data[0x8001:0x8006] = b"CD001"
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, 0o644)


@pytest.fixture
def page_vm(tmp_path):
    tiny_iso(ISO)
    xml = tmp_path / "domain.xml"
    xml.write_text(f"""<domain type='qemu'><name>{NAME}</name>
<memory unit='MiB'>128</memory><currentMemory unit='MiB'>128</currentMemory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type></os><features><acpi/></features>
<devices><disk type='file' device='cdrom'><driver name='qemu' type='raw'/>
<source file='{ISO}'/><target dev='hdc' bus='ide'/><readonly/></disk>
<graphics type='vnc'><listen type='none'/></graphics><memballoon model='virtio'/>
</devices></domain>""")
    virsh("define", str(xml))
    virsh("start", NAME)
    yield NAME
    virsh("destroy", NAME, check=False)
    virsh("undefine", NAME, check=False)
    os.unlink(ISO)


def wait_for(driver, selector, timeout=20):
    return WebDriverWait(driver, timeout).until(
        EC.presence_of_element_located((By.CSS_SELECTOR, selector)))


def click(driver, selector):
    """Clicks once the element holds still: the page re-renders when the VM's details
    arrive again, which can replace a node between finding and clicking it."""
    def attempt(d):
        try:
            wait_for(d, selector).click()
            return True
        except StaleElementReferenceException:
            return False
    WebDriverWait(driver, 20).until(attempt, message=f"could not click {selector}")


def text(driver, selector):
    """The element's text as the page holds it (WebKitWebDriver's visible text of a sticky
    header can read empty while it is on screen); read in the page, so a node replaced
    between finding and reading cannot go stale."""
    wait_for(driver, selector)
    return driver.execute_script(
        "const e = document.querySelector(arguments[0]); return e ? e.textContent : '';",
        selector)


def memory_kib(*flags, element="currentMemory"):
    xml = virsh("dumpxml", *flags, NAME).stdout
    return int(re.search(rf"<{element} unit='KiB'>(\d+)<", xml).group(1))


def open_page(app, name):
    """Finds the running VM in the list and opens its page by its name, as a user would."""
    box = WebDriverWait(app, 20).until(
        EC.element_to_be_clickable((By.CSS_SELECTOR, '[data-testid="filter"]')))
    box.clear()
    box.send_keys(name)
    wait_for(app, f'[data-vm-name="{name}"][data-vm-state="running"]')
    click(app, f'[data-vm-name="{name}"] button.vm-name')


def test_memory_for_the_next_boot_and_a_cd_eject(page_vm, app, artifacts):
    open_page(app, page_vm)
    wait_for(app, '[data-testid="vm-page"]')
    WebDriverWait(app, 20).until(
        lambda d: text(d, '[data-testid="vm-page-name"]') == page_vm
        and text(d, '[data-testid="vm-page-state"]') == "Running",
        message="the page shows the VM, running")
    app.save_screenshot(os.path.join(artifacts, "vm-page-open.png"))

    # The usage graphs fill from the backend's samples of this VM (every 2 s).
    WebDriverWait(app, 20).until(
        lambda d: int(wait_for(d, '[data-testid="vm-graph-cpu"]').get_attribute("data-samples")) >= 2,
        message="the graphs receive samples")
    assert re.fullmatch(r"\d+ %", text(app, '[data-testid="vm-graph-cpu-value"]'))
    assert "MiB of 128 MiB" in text(app, '[data-testid="vm-graph-memory-value"]')
    assert re.fullmatch(r"read (—|.+/s) · write (—|.+/s)", text(app, '[data-testid="vm-graph-disk-value"]'))

    # Memory and its maximum: the guest has no balloon driver, so what it gets at boot is
    # the maximum; both go to 96 MiB.
    for field in ("memory-input", "max-memory-input"):
        box = wait_for(app, f'[data-testid="{field}"]')
        assert box.get_attribute("value") == "128"
        box.send_keys(Keys.CONTROL, "a")
        box.send_keys("96")
    click(app, '[data-testid="vm-resources"] input[value="next-boot"]')
    click(app, '[data-testid="resources-apply"]')

    # Pending: the running VM keeps 128 MiB, the next boot gets 96.
    wait_for(app, '[data-testid="pending-memory"]')
    assert "now 128 MiB" in text(app, '[data-testid="pending-memory"]')
    assert "memory" in text(app, '[data-testid="vm-page-pending"]')
    assert "maximum memory" in text(app, '[data-testid="vm-page-pending"]')
    assert memory_kib("--inactive") == memory_kib("--inactive", element="memory") == 96 * 1024
    assert memory_kib(element="memory") == 128 * 1024
    app.save_screenshot(os.path.join(artifacts, "vm-page-pending.png"))

    # A restart (outside Vireo: the page follows libvirt's events) applies it.
    virsh("destroy", page_vm)
    virsh("start", page_vm)
    WebDriverWait(app, 30).until(
        lambda d: not d.find_elements(By.CSS_SELECTOR, '[data-testid="vm-page-pending"]')
        and wait_for(d, '[data-testid="memory-input"]').get_attribute("value") == "96",
        message="the page shows the restarted VM's memory with nothing pending")
    assert memory_kib(element="memory") == 96 * 1024

    # Eject the CD on the running VM: now and at every boot.
    click(app, '[data-testid="eject-hdc"]')
    WebDriverWait(app, 30).until(
        lambda d: "Empty" in text(d, '[data-testid="cdrom-hdc"]'),
        message="the drive shows no medium")
    for flags in ((), ("--inactive",)):
        assert ISO not in virsh("dumpxml", *flags, page_vm).stdout, flags

    # Back to the list, the row still there.
    click(app, '[data-testid="vm-page-back"]')
    WebDriverWait(app, 10).until(
        lambda d: not d.find_elements(By.CSS_SELECTOR, '[data-testid="vm-page"]'))
    wait_for(app, f'[data-vm-name="{page_vm}"]')


SHELL_NAME = f"vireo-e2e-serial-{os.getpid()}"
SHELL_WORK = f"/var/tmp/{SHELL_NAME}"


@pytest.fixture
def shell_vm():
    """The test guest with its serial port on a pty (what the console attaches to), logged,
    and PCIe root ports beyond what its own devices take, to hot-plug into."""
    os.makedirs(SHELL_WORK, exist_ok=True)
    os.chmod(SHELL_WORK, 0o755)
    overlay = os.path.join(SHELL_WORK, "overlay.qcow2")
    linked_overlay(TEST_GUEST, overlay, 0o644)
    log = os.path.join(SHELL_WORK, "serial.log")
    path = os.path.join(SHELL_WORK, "domain.xml")
    with open(path, "w") as f:
        f.write(f"""<domain type='qemu'><name>{SHELL_NAME}</name><memory unit='MiB'>256</memory>
<vcpu>1</vcpu><os><type arch='x86_64' machine='q35'>hvm</type></os><features><acpi/></features>
<devices>{overlay_disk_xml(overlay, TEST_GUEST)}
<controller type='pci' index='0' model='pcie-root'/>
{"<controller type='pci' model='pcie-root-port'/>" * 6}
<serial type='pty'><log file='{log}' append='off'/></serial>
<graphics type='vnc'><listen type='none'/></graphics></devices></domain>""")
    virsh("define", path)
    virsh("start", SHELL_NAME)
    if not serial_log_shows(log, READY, timeout=120, every=0.5):
        pytest.fail("the test guest did not boot")
    yield SHELL_NAME
    virsh("destroy", SHELL_NAME, check=False)
    virsh("undefine", "--snapshots-metadata", SHELL_NAME, check=False)
    subprocess.run(["rm", "-rf", SHELL_WORK], check=False)


def terminal_text(driver):
    return driver.execute_script(
        "const r = document.querySelector('[data-testid=\"serial-terminal\"] .xterm-rows');"
        "return r ? r.textContent : '';")


def test_the_serial_console_runs_a_command_in_the_guest(shell_vm, app, artifacts):
    open_page(app, shell_vm)
    wait_for(app, '[data-testid="vm-page"]')
    click(app, '[data-testid="serial-connect"]')
    WebDriverWait(app, 20).until(
        lambda d: text(d, '[data-testid="serial-status"]') == "Connected",
        message="the serial console connects")
    keys = wait_for(app, '[data-testid="serial-terminal"] .xterm-helper-textarea')
    # The guest computes the answer, so what shows is not the echo of what was typed.
    keys.send_keys(Keys.ENTER)
    keys.send_keys("echo page-$((6*7))-ok" + Keys.ENTER)
    WebDriverWait(app, 30).until(
        lambda d: "page-42-ok" in terminal_text(d).replace("echo page-$((6*7))-ok", ""),
        message="the guest's shell answers in the terminal")
    app.save_screenshot(os.path.join(artifacts, "vm-page-serial.png"))

    # A NIC added on the page is hot-plugged: the guest sees its address.
    kind = wait_for(app, '[data-testid="nic-kind"]')
    app.execute_script("arguments[0].scrollIntoView({block: 'center'})", kind)
    Select(kind).select_by_value("user")
    click(app, '[data-testid="nic-add-submit"]')
    time.sleep(1)
    app.save_screenshot(os.path.join(artifacts, "vm-page-nic.png"))
    WebDriverWait(app, 30).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid^="nic-52:54:00:"]'),
        message="the new NIC is listed (see vm-page-nic.png)")
    row = wait_for(app, '[data-testid^="nic-52:54:00:"]')
    mac = row.get_attribute("data-testid").removeprefix("nic-")
    assert mac in virsh("dumpxml", "--inactive", shell_vm).stdout, "kept for the next boot"

    def guest_lists_mac(d):
        keys.send_keys("cat /sys/class/net/*/address | tr a-f A-F" + Keys.ENTER)
        time.sleep(1)
        return mac.upper() in terminal_text(d)
    WebDriverWait(app, 60, poll_frequency=2).until(
        guest_lists_mac, message="the guest sees the hot-plugged NIC")

    # A new disk added on the page is hot-plugged too; removed with its file, it leaves the
    # guest, the VM's configuration and the pool.
    size = wait_for(app, '[data-testid="disk-add-size"]')
    app.execute_script("arguments[0].scrollIntoView({block: 'center'})", size)
    size.clear()
    size.send_keys("1")
    click(app, '[data-testid="disk-add-submit"]')
    WebDriverWait(app, 60).until(
        lambda d: "Added vdb" in text(d, '[data-testid="disk-added"]'),
        message="the page says the disk was added")
    volume = text(app, '[data-testid="disk-added"]').split(": ", 1)[1]
    assert volume in virsh("dumpxml", "--inactive", shell_vm).stdout, "kept for the next boot"

    def guest_says(d, command, answer):
        keys.send_keys(command + Keys.ENTER)
        time.sleep(1)
        return answer in terminal_text(d)
    WebDriverWait(app, 60, poll_frequency=2).until(
        lambda d: guest_says(d, "[ -e /sys/block/vdb ] && echo disk-$((3+4))-here", "disk-7-here"),
        message="the guest sees the hot-plugged disk")
    app.save_screenshot(os.path.join(artifacts, "vm-page-disk.png"))
    click(app, '[data-testid="disk-remove-vdb"]')
    click(app, '[data-testid="disk-remove-file-vdb"]')
    click(app, '[data-testid="disk-remove-confirm-vdb"]')
    WebDriverWait(app, 60).until(
        lambda d: not d.find_elements(By.CSS_SELECTOR, '[data-testid="disk-vdb"]'),
        message="the disk leaves the page")
    WebDriverWait(app, 60, poll_frequency=2).until(
        lambda d: guest_says(d, "[ -e /sys/block/vdb ] || echo disk-$((4+5))-gone", "disk-9-gone"),
        message="the guest lets go of the disk")
    assert volume not in virsh("dumpxml", "--inactive", shell_vm).stdout
    assert not os.path.exists(volume), "its volume is deleted"

    # A snapshot of the running guest keeps its memory: a file made in RAM after it is gone
    # once the page reverts to it, and the guest runs on.
    name = wait_for(app, '[data-testid="snapshot-name"]')
    app.execute_script("arguments[0].scrollIntoView({block: 'center'})", name)
    name.clear()
    name.send_keys("e2e-before")
    click(app, '[data-testid="snapshot-submit"]')
    wait_for(app, '[data-testid="snapshot-row-e2e-before"]', timeout=120)
    # Its size of its own: the saved memory, read from the disk's snapshot table.
    assert re.search(r"with memory · \d+(\.\d)? MiB",
                     text(app, '[data-testid="snapshot-row-e2e-before"]')), \
        text(app, '[data-testid="snapshot-row-e2e-before"]')
    assert "e2e-before" in virsh("snapshot-list", "--name", shell_vm).stdout
    WebDriverWait(app, 60, poll_frequency=2).until(
        lambda d: guest_says(d, "touch /run/after && echo made-$((2+2))", "made-4"),
        message="the guest makes a file after the snapshot")
    click(app, '[data-testid="snapshot-revert-e2e-before"]')
    dialog = wait_for(app, '[data-testid="confirm-dialog"]')
    assert "current running state" in dialog.text, dialog.text
    app.save_screenshot(os.path.join(artifacts, "vm-page-snapshot-revert.png"))
    click(app, '[data-confirm="snapshot-revert"]')
    WebDriverWait(app, 120).until(
        lambda d: not d.find_elements(By.CSS_SELECTOR, '[data-testid="confirm-dialog"]'),
        message="the revert finishes")
    assert not app.find_elements(By.CSS_SELECTOR, '[data-testid="snapshots-error"]')
    if text(app, '[data-testid="serial-status"]') != "Connected":
        click(app, '[data-testid="serial-connect"]')
    keys = wait_for(app, '[data-testid="serial-terminal"] .xterm-helper-textarea')
    WebDriverWait(app, 60, poll_frequency=2).until(
        lambda d: guest_says(d, "[ -e /run/after ] || echo back-$((3+3))", "back-6"),
        message="after the revert the guest is as it was at the snapshot")
    assert "running" in virsh("domstate", shell_vm).stdout

    # The VM stops: the page says so; started again, the console comes back by itself.
    virsh("destroy", shell_vm)
    WebDriverWait(app, 30).until(
        lambda d: "Start the VM" in text(d, '[data-testid="serial-status"]')
        or "Disconnected" in text(d, '[data-testid="serial-status"]'),
        message="the page says the console ended")
    virsh("start", shell_vm)
    WebDriverWait(app, 60).until(
        lambda d: text(d, '[data-testid="serial-status"]') == "Connected",
        message="the console reconnects when the VM runs again")
