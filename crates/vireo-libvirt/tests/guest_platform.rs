//! Firmware and TPM of the test guest on `qemu:///system`: switched to UEFI with a TPM, the
//! VM starts with OVMF (libvirt chose the image and made its NVRAM) and swtpm; switched back
//! to BIOS, every UEFI part is gone from its configuration and it boots its disk again.

use vireo_domain::hardware::{self, FirmwareKind};
use vireo_libvirt::vm_platform;
use vireo_test_support::{TestGuest, SYSTEM_URI};

#[test]
fn a_stopped_guest_goes_to_uefi_with_a_tpm_and_back_to_bios() {
    let _serial = vireo_test_support::serial();
    let guest = TestGuest::define("vireo-it-firmware");
    let conn = vireo_libvirt::open(SYSTEM_URI).unwrap();
    let dom = conn.lookup_domain_by_uuid_string(&guest.uuid).unwrap();
    let stored = || vireo_libvirt::vm_config::stored_xml(&conn, &guest.uuid).unwrap();

    vm_platform::set_firmware(&conn, &guest.uuid, FirmwareKind::Uefi).unwrap();
    vm_platform::set_tpm(&conn, &guest.uuid, true).unwrap();
    let h = hardware::read(&stored()).unwrap();
    assert_eq!(h.firmware, FirmwareKind::Uefi);
    assert!(h.tpm.is_some());

    // Starting proves libvirt accepted both: it picked OVMF, made the NVRAM, ran swtpm.
    dom.create().unwrap();
    let live = dom.xml_desc(0).unwrap();
    assert!(live.contains("type='pflash'"), "{live}");
    let nvram = live
        .split("<nvram")
        .nth(1)
        .and_then(|r| r.split('>').nth(1))
        .and_then(|r| r.split('<').next())
        .expect("a UEFI VM has an NVRAM file")
        .to_string();
    assert!(
        live.contains("<backend type='emulator' version='2.0'"),
        "{live}"
    );
    let e = vm_platform::set_firmware(&conn, &guest.uuid, FirmwareKind::Bios).unwrap_err();
    assert!(e.to_string().contains("shut it down first"), "{e}");
    dom.destroy().unwrap();

    vm_platform::set_firmware(&conn, &guest.uuid, FirmwareKind::Bios).unwrap();
    vm_platform::set_tpm(&conn, &guest.uuid, false).unwrap();
    let bios = stored();
    for uefi_part in ["<loader", "<nvram", "firmware='efi'", "<tpm"] {
        assert!(!bios.contains(uefi_part), "{uefi_part} left: {bios}");
    }
    // The NVRAM file stays (DESIGN.md, "Firmware changes"); this test removes its own.
    let _ = std::fs::remove_file(&nvram);
    let _ = std::fs::remove_file(guest.serial_log());
    // BIOS again: the guest's GRUB (i386-pc) boots and says it is ready, or boot() fails.
    guest.boot();
}
