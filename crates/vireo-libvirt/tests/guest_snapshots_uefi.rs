//! Snapshots of the test guest under OVMF (UEFI) on `qemu:///system`, with the mechanism
//! the table names for this libvirt (DESIGN.md, "Snapshots"): on 9.0 the stopped VM's disks,
//! and a running one refused with the table's reason before libvirt is asked.

use vireo_domain::hardware::FirmwareKind;
use vireo_libvirt::snapshots::{self, NewSnapshot, SnapshotMechanism};
use vireo_libvirt::vm_platform;
use vireo_test_support::{TestGuest, SYSTEM_URI};

fn new(name: &str, memory: bool) -> NewSnapshot {
    NewSnapshot {
        name: name.into(),
        description: String::new(),
        memory,
    }
}

#[test]
fn a_uefi_guest_snapshots_and_reverts_as_the_table_says() {
    let _serial = vireo_test_support::serial();
    let guest = TestGuest::define("vireo-it-snapuefi");
    let conn = vireo_libvirt::open(SYSTEM_URI).unwrap();
    vm_platform::set_firmware(&conn, &guest.uuid, FirmwareKind::Uefi).unwrap();
    let dom = conn.lookup_domain_by_uuid_string(&guest.uuid).unwrap();
    let version = conn.lib_version().unwrap();
    let support = |conn| snapshots::list(conn, &guest.uuid).unwrap().support;
    let stopped = support(&conn);
    match stopped.mechanism {
        Some(SnapshotMechanism::Internal) => assert!(version < 9_002_000, "{stopped:?}"),
        Some(SnapshotMechanism::External) => assert!(version >= 9_007_000, "{stopped:?}"),
        None => {
            // 9.2–9.6: no mechanism, and the page says so (the table's unit test).
            assert!((9_002_000..9_007_000).contains(&version), "{stopped:?}");
            return;
        }
    }
    // Stopped: the disks, then the VM runs on and comes back to them.
    snapshots::create(&conn, &guest.uuid, &new("off", false)).unwrap();
    dom.create().unwrap();
    let running = support(&conn);
    if version < 9_002_000 {
        // libvirt refuses a running pflash VM's internal snapshot; the table says why first.
        assert_eq!(running.mechanism, None);
        let e = snapshots::create(&conn, &guest.uuid, &new("on", true)).unwrap_err();
        assert_eq!(Some(e.to_string()), running.reason);
    } else {
        assert!(
            snapshots::create(&conn, &guest.uuid, &new("on", true))
                .unwrap()
                .has_memory
        );
    }
    snapshots::revert(&conn, &guest.uuid, "off").unwrap();
    assert!(!dom.is_active().unwrap(), "back to the stopped snapshot");
    let all = snapshots::list(&conn, &guest.uuid).unwrap().snapshots;
    assert!(all.iter().any(|s| s.name == "off" && s.current), "{all:?}");
}
