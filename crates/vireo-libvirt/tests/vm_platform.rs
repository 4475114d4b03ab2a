//! Firmware, TPM and VNC display of a VM on libvirt's test driver (`fixtures/vm-page.xml`):
//! each change as libvirt stores it for the stopped VM, refused for a running one with the
//! state table's words, and nothing changed by a refusal.

use std::path::PathBuf;
use vireo_domain::hardware::{self, FirmwareKind};
use vireo_libvirt::vm_platform;
use virt::connect::Connect;

const WEB: &str = "44444444-4444-4444-8444-444444444444";
const STORE: &str = "55555555-5555-4555-8555-555555555555";

fn open() -> Connect {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vm-page.xml");
    vireo_libvirt::open(&format!("test://{}", path.display())).unwrap()
}

fn stored(conn: &Connect, uuid: &str) -> String {
    vireo_libvirt::vm_config::stored_xml(conn, uuid).unwrap()
}

#[test]
fn a_stopped_vm_changes_firmware_tpm_and_display() {
    let conn = open();
    vm_platform::set_firmware(&conn, STORE, FirmwareKind::Uefi).unwrap();
    assert_eq!(
        hardware::read(&stored(&conn, STORE)).unwrap().firmware,
        FirmwareKind::Uefi
    );
    vm_platform::set_firmware(&conn, STORE, FirmwareKind::Bios).unwrap();
    let h = hardware::read(&stored(&conn, STORE)).unwrap();
    assert_eq!(h.firmware, FirmwareKind::Bios);

    vm_platform::set_tpm(&conn, STORE, true).unwrap();
    assert!(stored(&conn, STORE).contains("<backend type='emulator' version='2.0'/>"));
    vm_platform::set_tpm(&conn, STORE, false).unwrap();
    assert!(!stored(&conn, STORE).contains("<tpm"));

    vm_platform::set_vnc(&conn, STORE, true).unwrap();
    let g = hardware::read(&stored(&conn, STORE)).unwrap().graphics;
    assert!(g.iter().any(|g| g.kind == "vnc"), "{g:?}");
    vm_platform::set_vnc(&conn, STORE, false).unwrap();
    let g = hardware::read(&stored(&conn, STORE)).unwrap().graphics;
    assert!(g.iter().all(|g| g.kind != "vnc"), "{g:?}");
}

#[test]
fn a_running_vm_keeps_what_it_booted_with() {
    let conn = open();
    let before = stored(&conn, WEB);
    let refusals = [
        vm_platform::set_firmware(&conn, WEB, FirmwareKind::Uefi),
        vm_platform::set_tpm(&conn, WEB, true),
        vm_platform::set_vnc(&conn, WEB, false),
    ];
    for r in refusals {
        let e = r.unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot change the firmware, TPM or display of a VM that is running (shut it down \
             first)"
        );
    }
    assert_eq!(stored(&conn, WEB), before);
}
