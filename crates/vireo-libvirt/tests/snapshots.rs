//! Snapshots on libvirt's test driver (`fixtures/snapshots.xml`): the tree after
//! create/create/revert/create, deleting one or with its children, the refusals (raw and
//! shared disks, a running VM without its memory, bad and duplicate names), and that a
//! refusal creates nothing.

use std::path::PathBuf;
use vireo_libvirt::snapshots::{self, NewSnapshot, SnapshotDelete, SnapshotMechanism};
use virt::connect::Connect;

const WEB: &str = "44444444-4444-4444-8444-444444444444";
const STORE: &str = "55555555-5555-4555-8555-555555555555";
const RAW: &str = "66666666-6666-4666-8666-666666666666";
const SHARER: &str = "77777777-7777-4777-8777-777777777777";

fn open() -> Connect {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/snapshots.xml");
    vireo_libvirt::open(&format!("test://{}", path.display())).unwrap()
}

fn new(name: &str, memory: bool) -> NewSnapshot {
    NewSnapshot {
        name: name.into(),
        description: String::new(),
        memory,
    }
}

/// (name, parent, current) of each snapshot, in the tree's order.
fn tree(conn: &Connect, uuid: &str) -> Vec<(String, Option<String>, bool)> {
    snapshots::list(conn, uuid)
        .unwrap()
        .snapshots
        .into_iter()
        .map(|s| (s.name, s.parent, s.current))
        .collect()
}

fn row(name: &str, parent: Option<&str>, current: bool) -> (String, Option<String>, bool) {
    (name.into(), parent.map(str::to_string), current)
}

#[test]
fn the_tree_follows_create_create_revert_create_and_deletes_with_children() {
    let conn = open();
    let support = snapshots::list(&conn, STORE).unwrap().support;
    assert_eq!(support.mechanism, Some(SnapshotMechanism::Internal));
    let s1 = snapshots::create(&conn, STORE, &new("s1", false)).unwrap();
    assert!(
        !s1.has_memory,
        "a stopped VM's snapshot holds its disks only"
    );
    snapshots::create(&conn, STORE, &new("s2", false)).unwrap();
    snapshots::revert(&conn, STORE, "s1").unwrap();
    snapshots::create(&conn, STORE, &new("s3", false)).unwrap();
    assert_eq!(
        tree(&conn, STORE),
        [
            row("s1", None, false),
            row("s2", Some("s1"), false),
            row("s3", Some("s1"), true)
        ]
    );
    snapshots::delete(&conn, STORE, "s1", SnapshotDelete::WithChildren).unwrap();
    assert!(tree(&conn, STORE).is_empty());
}

#[test]
fn deleting_one_snapshot_hands_its_children_to_its_parent() {
    let conn = open();
    snapshots::create(&conn, STORE, &new("base", false)).unwrap();
    snapshots::create(&conn, STORE, &new("mid", false)).unwrap();
    snapshots::create(&conn, STORE, &new("top", false)).unwrap();
    snapshots::delete(&conn, STORE, "mid", SnapshotDelete::One).unwrap();
    assert_eq!(
        tree(&conn, STORE),
        [row("base", None, false), row("top", Some("base"), true)]
    );
}

#[test]
fn a_running_vm_keeps_its_memory_in_an_internal_snapshot() {
    let conn = open();
    let e = snapshots::create(&conn, WEB, &new("disks", false)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "a running VM's internal snapshot always holds its memory: keep the memory, or shut \
         the VM down for a snapshot of its disks only"
    );
    assert!(tree(&conn, WEB).is_empty(), "nothing was made");
    let s = snapshots::create(&conn, WEB, &new("live", true)).unwrap();
    assert!(s.has_memory, "{s:?}");
    assert_eq!(s.state, "running");
    snapshots::revert(&conn, WEB, "live").unwrap();
}

#[test]
fn raw_and_shared_disks_are_refused_with_their_reason() {
    let conn = open();
    let raw = snapshots::list(&conn, RAW).unwrap().support;
    assert_eq!(raw.mechanism, None);
    let reason = raw.reason.unwrap();
    assert!(reason.starts_with("disk vdb is raw"), "{reason}");
    let e = snapshots::create(&conn, RAW, &new("x", false)).unwrap_err();
    assert_eq!(
        e.to_string(),
        reason,
        "the button's reason is the refusal's"
    );
    assert!(tree(&conn, RAW).is_empty());

    let shared = snapshots::list(&conn, SHARER).unwrap().support;
    assert_eq!(
        shared.reason.as_deref(),
        Some(
            "disk vda is also used by sharer-b: a snapshot of a shared disk would change it \
             under the other VM"
        )
    );
}

#[test]
fn names_are_checked_and_a_duplicate_is_refused() {
    let conn = open();
    snapshots::create(&conn, STORE, &new("same", false)).unwrap();
    let e = snapshots::create(&conn, STORE, &new("same", false)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "this VM already has a snapshot called 'same'"
    );
    let e = snapshots::create(&conn, STORE, &new("../etc", false)).unwrap_err();
    assert!(e.to_string().contains("is not a snapshot name"), "{e}");
    let e = snapshots::revert(&conn, STORE, "missing").unwrap_err();
    assert_eq!(e.to_string(), "this VM has no snapshot 'missing'");
    assert_eq!(tree(&conn, STORE).len(), 1);
}

#[test]
fn a_description_changes_and_the_current_mark_stays() {
    let conn = open();
    snapshots::create(&conn, STORE, &new("first", false)).unwrap();
    snapshots::describe(&conn, STORE, "first", "before <the> update").unwrap();
    let all = snapshots::list(&conn, STORE).unwrap().snapshots;
    assert_eq!(all[0].description, "before <the> update");
    assert!(all[0].current);
}
