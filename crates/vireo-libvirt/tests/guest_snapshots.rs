//! Snapshots of the test guest on `qemu:///system` (libvirt 9.0 here: internal snapshots),
//! seen from inside the guest through its serial console: a disk snapshot brings back a
//! file removed after it, and a memory snapshot resumes the running guest where it was (a
//! counter it prints continues from the snapshot's value).

use std::time::{Duration, Instant};
use vireo_libvirt::snapshots::{self, NewSnapshot, SnapshotMechanism};
use vireo_test_support::{wait_for_text, GuestShell, TestGuest, SYSTEM_URI};

fn new(name: &str, memory: bool) -> NewSnapshot {
    NewSnapshot {
        name: name.into(),
        description: String::new(),
        memory,
    }
}

/// The guest's boot partition (ext2) at /mnt, with `command` run in it, unmounted and
/// synced, so the disk holds the change before the VM is forced off.
fn in_boot_partition(shell: &GuestShell, command: &str) -> String {
    shell.shows(
        &format!(
            "mkdir -p /mnt && mount /dev/vda1 /mnt && cd /mnt && {command}; cd /; umount /mnt; \
             sync; echo D$((5+5))"
        ),
        "D10",
        30,
    )
}

#[test]
fn a_disk_snapshot_brings_back_a_removed_file() {
    let _serial = vireo_test_support::serial();
    let guest = TestGuest::booted("vireo-it-snapdisk");
    let conn = vireo_libvirt::open(SYSTEM_URI).unwrap();
    let dom = conn.lookup_domain_by_uuid_string(&guest.uuid).unwrap();
    let support = snapshots::list(&conn, &guest.uuid).unwrap().support;
    assert_eq!(
        support.mechanism,
        Some(SnapshotMechanism::Internal),
        "{support:?}"
    );

    let shell = GuestShell::open(&guest);
    in_boot_partition(&shell, "echo marker-one > marker");
    drop(shell);
    dom.destroy().unwrap();
    let snap = snapshots::create(&conn, &guest.uuid, &new("with-marker", false)).unwrap();
    assert!(!snap.has_memory && snap.current);

    std::fs::write(guest.serial_log(), b"").unwrap();
    guest.boot();
    let shell = GuestShell::open(&guest);
    let gone = in_boot_partition(&shell, "rm marker; ls");
    assert!(!gone.contains("marker"), "{gone}");
    drop(shell);
    dom.destroy().unwrap();

    snapshots::revert(&conn, &guest.uuid, "with-marker").unwrap();
    std::fs::write(guest.serial_log(), b"").unwrap();
    guest.boot();
    let shell = GuestShell::open(&guest);
    let back = in_boot_partition(&shell, "cat marker");
    assert!(back.contains("marker-one"), "the file is back: {back}");
}

/// The highest `C<n>.` the guest's counter has printed in `text`.
fn last_count(text: &str) -> u32 {
    text.split('C')
        .filter_map(|p| p.split_once('.'))
        .filter_map(|(n, _)| n.parse().ok())
        .max()
        .unwrap_or(0)
}

#[test]
fn a_memory_snapshot_resumes_the_guest_where_it_was() {
    let _serial = vireo_test_support::serial();
    let guest = TestGuest::booted("vireo-it-snapmem");
    let conn = vireo_libvirt::open(SYSTEM_URI).unwrap();
    let shell = GuestShell::open(&guest);
    // A counter in the background, one line a second, into the serial log.
    shell
        .console
        .send(b"(i=0; while :; do i=$((i+1)); echo C$i.; sleep 1; done) &\n")
        .unwrap();
    wait_for_text(guest.serial_log(), "C3.", 30);
    let read = || std::fs::read_to_string(guest.serial_log()).unwrap();
    let snap = snapshots::create(&conn, &guest.uuid, &new("counting", true)).unwrap();
    assert!(snap.has_memory, "{snap:?}");
    let at_snapshot = last_count(&read());

    // Let it count on well past the snapshot, then go back.
    let start = Instant::now();
    while last_count(&read()) < at_snapshot + 6 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the counter stopped"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    let highest = last_count(&read());
    snapshots::revert(&conn, &guest.uuid, "counting").unwrap();
    let dom = conn.lookup_domain_by_uuid_string(&guest.uuid).unwrap();
    assert_eq!(
        dom.state().unwrap().0.to_raw(),
        virt::sys::VIR_DOMAIN_RUNNING,
        "it runs on"
    );
    // What the guest printed after the highest count (all of the log if QEMU started it
    // afresh): the first count there is where the reverted guest went on.
    let start = Instant::now();
    let after = loop {
        let text = read();
        let mark = format!("C{highest}.");
        let fresh = text
            .rfind(&mark)
            .map_or(&text[..], |p| &text[p + mark.len()..]);
        let first = fresh
            .split('C')
            .filter_map(|p| p.split_once('.'))
            .find_map(|(n, _)| n.parse::<u32>().ok());
        if let Some(n) = first {
            break n;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no output after the revert; the log ends {:?}",
            &text[text.len().saturating_sub(300)..]
        );
        std::thread::sleep(Duration::from_millis(300));
    };
    assert!(
        after >= at_snapshot && after < highest,
        "the count continues from the snapshot's {at_snapshot} (it had reached {highest}), \
         not from where it was: {after}"
    );
}

#[test]
fn the_tree_follows_create_create_revert_create_and_delete_takes_the_children() {
    let _serial = vireo_test_support::serial();
    let guest = TestGuest::define("vireo-it-snaptree");
    let conn = vireo_libvirt::open(SYSTEM_URI).unwrap();
    for name in ["s1", "s2"] {
        snapshots::create(&conn, &guest.uuid, &new(name, false)).unwrap();
    }
    snapshots::revert(&conn, &guest.uuid, "s1").unwrap();
    snapshots::create(&conn, &guest.uuid, &new("s3", false)).unwrap();
    let tree: Vec<(String, Option<String>, bool)> = snapshots::list(&conn, &guest.uuid)
        .unwrap()
        .snapshots
        .into_iter()
        .map(|s| (s.name, s.parent, s.current))
        .collect();
    let row = |n: &str, p: Option<&str>, c: bool| (n.to_string(), p.map(str::to_string), c);
    assert_eq!(
        tree,
        [
            row("s1", None, false),
            row("s2", Some("s1"), false),
            row("s3", Some("s1"), true)
        ]
    );

    // Deleted with its children, from libvirt and from the qcow2 file itself.
    snapshots::delete(
        &conn,
        &guest.uuid,
        "s1",
        snapshots::SnapshotDelete::WithChildren,
    )
    .unwrap();
    assert!(snapshots::list(&conn, &guest.uuid)
        .unwrap()
        .snapshots
        .is_empty());
    let xml = vireo_libvirt::vm_config::stored_xml(&conn, &guest.uuid).unwrap();
    let disk = vireo_domain::hardware::read(&xml)
        .unwrap()
        .disks
        .into_iter()
        .find(|d| d.device == "disk")
        .and_then(|d| d.source)
        .unwrap();
    let listed = std::process::Command::new("qemu-img")
        .args(["snapshot", "-l", "-U", &disk])
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&listed.stdout);
    for name in ["s1", "s2", "s3"] {
        assert!(!listed.contains(name), "{name} left in the disk: {listed}");
    }
}
