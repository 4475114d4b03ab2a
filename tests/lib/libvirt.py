"""libvirt on qemu:///system through virsh, and the bootable test guest
(tests/fixtures/build-test-guest.sh) run from a linked overlay."""

import os
import subprocess

from lib.paths import TOP
from lib.wait import poll

TEST_GUEST = os.path.join(TOP, "target", "test-guest", "test-guest.qcow2")
# Its --graphics variant: a bochs-drm framebuffer console.
TEST_GUEST_GFX = os.path.join(TOP, "target", "test-guest", "test-guest-gfx.qcow2")
# What the guest prints on its serial port once its shell is ready.
READY = "VIREO-TEST-GUEST-READY"


def virsh(*args, check=False):
    return subprocess.run(["virsh", "-q", "-c", "qemu:///system", *args],
                          capture_output=True, text=True, check=check)


def linked_overlay(image, overlay, mode):
    """A qcow2 overlay backed by `image` (so the guest never writes the cached image), with
    permissions `mode`."""
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", image, overlay],
                   check=True)
    os.chmod(overlay, mode)


def overlay_disk_xml(overlay, image):
    """The domain's <disk> for linked_overlay(): the backing image is not relabelled (libvirt
    would chown the shared cached file)."""
    return f"""<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='{overlay}'/>
<backingStore type='file'><format type='qcow2'/><source file='{image}'>
<seclabel model='dac' relabel='no'/></source><backingStore/></backingStore>
<target dev='vda' bus='virtio'/></disk>"""


def serial_log_shows(log, text, timeout, every):
    """Whether `text` appears in the serial log file `log` within `timeout` s."""
    return bool(poll(lambda: os.path.exists(log) and text in open(log, errors="replace").read(),
                     timeout, every))
