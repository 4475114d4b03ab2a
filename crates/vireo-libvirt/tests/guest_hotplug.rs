//! Hot-plug on `qemu:///system` with the test guest, seen from inside it through its serial
//! console: a NIC plugged into the running VM appears in `/sys/class/net`, a disk in
//! `/sys/block`, and both leave again.

use std::time::{Duration, Instant};
use vireo_domain::nic::{NewNic, NicModel, NicSource};
use vireo_libvirt::vm_config::Apply;
use vireo_libvirt::vm_nics;
use vireo_test_support::{GuestShell, TestGuest, SYSTEM_URI};

/// The test guest booted, a connection, and its shell on the serial console.
fn booted_with_console(prefix: &str) -> (TestGuest, virt::connect::Connect, GuestShell) {
    let guest = TestGuest::booted(prefix);
    let conn = vireo_libvirt::open(SYSTEM_URI).unwrap();
    let shell = GuestShell::open(&guest);
    (guest, conn, shell)
}

#[test]
fn a_nic_plugged_into_the_running_guest_appears_and_leaves() {
    let _serial = vireo_test_support::serial();
    let (guest, conn, shell) = booted_with_console("vireo-it-hotplug");
    let before = shell.shows("ls /sys/class/net", "lo", 20);
    assert!(
        !before.contains("eth0"),
        "the test guest starts without a NIC: {before}"
    );

    let nic = NewNic {
        source: NicSource::User,
        model: NicModel::Virtio,
        mac: Some("52:54:00:3c:00:01".into()),
    };
    let mac = vm_nics::add_nic(&conn, &guest.uuid, &nic, Apply::NowAndNextBoot).unwrap();
    let seen = shell.shows("cat /sys/class/net/*/address", &mac, 60);
    assert!(seen.contains(&mac), "{seen}");
    let stored = vireo_libvirt::vm_config::stored_xml(&conn, &guest.uuid).unwrap();
    assert!(stored.contains(&mac), "kept for the next boot too");

    vm_nics::remove_nic(&conn, &guest.uuid, &mac, Apply::NowAndNextBoot).unwrap();
    let start = Instant::now();
    loop {
        let now = shell.shows("cat /sys/class/net/*/address", "00:00:00:00:00:00", 10);
        if !now.contains(&mac) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the NIC is still in the guest: {now}"
        );
    }
    let stored = vireo_libvirt::vm_config::stored_xml(&conn, &guest.uuid).unwrap();
    assert!(!stored.contains(&mac));
}

#[test]
fn a_disk_grows_under_the_running_guest_and_never_shrinks() {
    use vireo_libvirt::vm_disks;
    let _serial = vireo_test_support::serial();
    let (guest, conn, shell) = booted_with_console("vireo-it-grow");
    let dom = conn.lookup_domain_by_uuid_string(&guest.uuid).unwrap();
    let disk = vireo_domain::hardware::read(&dom.xml_desc(0).unwrap())
        .unwrap()
        .disks
        .into_iter()
        .find(|d| d.device == "disk")
        .unwrap();
    let had = dom.block_info(&disk.target, 0).unwrap().capacity;
    let sectors = |bytes: u64| (bytes / 512).to_string();
    shell.shows(
        &format!("cat /sys/block/{}/size", disk.target),
        &sectors(had),
        20,
    );

    // Smaller or equal is refused, and so is a CD-ROM or an unknown drive.
    for (target, bytes, says) in [
        (disk.target.as_str(), had, "disks only grow"),
        (disk.target.as_str(), had / 2, "disks only grow"),
        ("vdz", had * 2, "no disk vdz"),
    ] {
        let e = vm_disks::grow_disk(&conn, &guest.uuid, target, bytes).unwrap_err();
        assert!(e.to_string().contains(says), "{e}");
    }
    let grown = had + (64 << 20);
    assert_eq!(
        vm_disks::grow_disk(&conn, &guest.uuid, &disk.target, grown).unwrap(),
        had
    );
    let seen = shell.shows(
        &format!("cat /sys/block/{}/size", disk.target),
        &sectors(grown),
        30,
    );
    assert!(seen.contains(&sectors(grown)), "{seen}");

    // Stopped: through the volume, and the next boot sees it.
    drop(shell);
    dom.destroy().unwrap();
    let again = grown + (32 << 20);
    assert_eq!(
        vm_disks::grow_disk(&conn, &guest.uuid, &disk.target, again).unwrap(),
        grown
    );
    let vol = conn
        .lookup_storage_vol_by_path(disk.source.as_deref().unwrap())
        .unwrap();
    assert_eq!(vol.info().unwrap().capacity, again);
}

#[test]
fn a_disk_plugged_into_the_running_guest_appears_and_leaves_with_its_volume() {
    use vireo_create::{add_disk, Cancel, DiskAddRequest, NewDiskSource};
    use vireo_domain::disk::DiskBus;
    use vireo_libvirt::vm_disks::{self, RemovedFile};
    let _serial = vireo_test_support::serial();
    let (guest, conn, shell) = booted_with_console("vireo-it-diskplug");
    let boot = vireo_domain::disk::boot_disk(
        &vireo_domain::hardware::read(
            &conn
                .lookup_domain_by_uuid_string(&guest.uuid)
                .unwrap()
                .xml_desc(0)
                .unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    shell.shows("ls /sys/block", &boot, 20);

    let req = DiskAddRequest {
        source: NewDiskSource::Empty { gib: 1 },
        bus: DiskBus::Virtio,
        pool: None,
        apply: Apply::NowAndNextBoot,
        acknowledged: Vec::new(),
    };
    let added = add_disk(&conn, &guest.uuid, &req, &|_| {}, &Cancel::default()).unwrap();
    assert_ne!(added.target, boot);
    let size = shell.shows(
        &format!("cat /sys/block/{}/size", added.target),
        &((1u64 << 30) / 512).to_string(),
        60,
    );
    assert!(size.contains("2097152"), "{size}");
    let stored = vireo_libvirt::vm_config::stored_xml(&conn, &guest.uuid).unwrap();
    assert!(stored.contains(&added.path), "kept for the next boot too");

    // The disk the guest runs from stays.
    let e = vm_disks::remove_disk(
        &conn,
        &guest.uuid,
        &boot,
        RemovedFile::Keep,
        Apply::NowAndNextBoot,
    )
    .unwrap_err();
    assert!(e.to_string().contains("runs from"), "{e}");

    // Unplugged now and for the next boot, and its volume deleted once the guest let go.
    let delete = RemovedFile::Delete {
        confirmed_risky: false,
    };
    vm_disks::remove_disk(
        &conn,
        &guest.uuid,
        &added.target,
        delete,
        Apply::NowAndNextBoot,
    )
    .unwrap();
    let listing = shell.shows("ls /sys/block", &boot, 20);
    assert!(!listing.contains(&added.target), "{listing}");
    let stored = vireo_libvirt::vm_config::stored_xml(&conn, &guest.uuid).unwrap();
    assert!(!stored.contains(&added.path));
    assert!(
        conn.lookup_storage_vol_by_path(&added.path).is_err(),
        "the volume is deleted"
    );
}
