//! Fast integration tests on libvirt's own test driver: a fixture XML per test, a private
//! in-memory driver per connection (never the shared test:///default).

use std::path::PathBuf;
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};
use vireo_libvirt::vm::{self, DetailsCache};
use vireo_libvirt::{
    Action, BackendError, ConnState, ErrorKind, Inventory, InventoryEvent, NewConnection, VmState,
};

const WEB: &str = "11111111-1111-4111-8111-111111111111";
const DB: &str = "22222222-2222-4222-8222-222222222222";
const SAVED: &str = "33333333-3333-4333-8333-333333333333";

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    format!("test://{}", path.display())
}

fn state_of(conn: &virt::connect::Connect, uuid: &str) -> VmState {
    vm::refresh(conn, uuid, &mut DetailsCache::new(), false)
        .unwrap()
        .expect("VM exists")
        .state
}

#[test]
fn lists_every_vm_with_details() {
    let conn = vireo_libvirt::open(&fixture("lifecycle.xml")).unwrap();
    let vms = vm::list(&conn, &mut DetailsCache::new()).unwrap();
    let names: Vec<&str> = vms.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["db", "saved-one", "web"]);
    let web = vms.iter().find(|v| v.uuid == WEB).unwrap();
    assert_eq!(web.state, VmState::Running);
    assert_eq!(web.vcpus, 2);
    assert_eq!(web.memory, 1 << 30);
    assert_eq!(web.os.as_deref(), Some("Debian 12"));
    assert!(web.persistent);
    assert!(web.allowed.contains(&Action::Shutdown));
    assert!(!web.allowed.contains(&Action::Start));
    let db = vms.iter().find(|v| v.uuid == DB).unwrap();
    assert_eq!(db.state, VmState::ShutOff);
    assert_eq!(db.memory, 4 << 30);
    assert_eq!(db.os, None);
    let saved = vms.iter().find(|v| v.uuid == SAVED).unwrap();
    assert_eq!(saved.state, VmState::Saved);
    assert!(saved.allowed.contains(&Action::DiscardSave));
}

#[test]
fn each_action_moves_the_vm() {
    let conn = vireo_libvirt::open(&fixture("lifecycle.xml")).unwrap();
    let steps = [
        (DB, Action::Start, VmState::Running),
        (DB, Action::Pause, VmState::Paused),
        (DB, Action::Resume, VmState::Running),
        (DB, Action::Reboot, VmState::Running),
        (DB, Action::Reset, VmState::Running),
        (DB, Action::Save, VmState::Saved),
        (DB, Action::Start, VmState::Running),
        (DB, Action::Shutdown, VmState::ShutOff),
        (WEB, Action::ForceOff, VmState::ShutOff),
        (SAVED, Action::DiscardSave, VmState::ShutOff),
    ];
    for (uuid, action, expected) in steps {
        vm::perform(&conn, uuid, action).unwrap_or_else(|e| panic!("{action:?}: {e}"));
        assert_eq!(state_of(&conn, uuid), expected, "after {action:?}");
    }
    vm::perform(&conn, DB, Action::EnableAutostart).unwrap();
    let db = vm::refresh(&conn, DB, &mut DetailsCache::new(), false)
        .unwrap()
        .unwrap();
    assert!(db.autostart);
    assert!(db.allowed.contains(&Action::DisableAutostart));
    vm::perform(&conn, DB, Action::DisableAutostart).unwrap();
}

#[test]
fn disallowed_actions_are_rejected_by_the_backend() {
    let conn = vireo_libvirt::open(&fixture("lifecycle.xml")).unwrap();
    let err = vm::perform(&conn, WEB, Action::Start).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidState);
    assert_eq!(err.to_string(), "cannot start a VM that is running");
    let err = vm::perform(&conn, DB, Action::Pause).unwrap_err();
    assert_eq!(err.to_string(), "cannot pause a VM that is shut off");
    let err = vm::delete(&conn, WEB, &[], false).unwrap_err();
    assert!(
        err.to_string()
            .contains("shut it down or force it off first"),
        "{err}"
    );
    // Nothing changed.
    assert_eq!(state_of(&conn, WEB), VmState::Running);
    assert_eq!(state_of(&conn, DB), VmState::ShutOff);
}

#[test]
fn unknown_vm_is_not_found() {
    let conn = vireo_libvirt::open(&fixture("lifecycle.xml")).unwrap();
    let err =
        vm::perform(&conn, "99999999-9999-4999-8999-999999999999", Action::Start).unwrap_err();
    assert!(matches!(err, BackendError::NoSuchVm(_)));
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[test]
fn delete_removes_the_definition() {
    let conn = vireo_libvirt::open(&fixture("lifecycle.xml")).unwrap();
    vm::delete(&conn, DB, &[], false).unwrap();
    assert!(vm::refresh(&conn, DB, &mut DetailsCache::new(), false)
        .unwrap()
        .is_none());
    let names: Vec<String> = vm::list(&conn, &mut DetailsCache::new())
        .unwrap()
        .into_iter()
        .map(|v| v.name)
        .collect();
    assert_eq!(names, ["saved-one", "web"]);
}

fn collect(
    rx: &Receiver<InventoryEvent>,
    until: impl Fn(&InventoryEvent) -> bool,
) -> Vec<InventoryEvent> {
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut seen = Vec::new();
    while let Ok(ev) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        let done = until(&ev);
        seen.push(ev);
        if done {
            return seen;
        }
    }
    panic!("condition not met within 5 s; saw {seen:#?}");
}

fn inventory_on(uri: &str) -> (Inventory, Receiver<InventoryEvent>) {
    let (tx, rx) = channel();
    let sink = std::sync::Mutex::new(tx);
    let inv = Inventory::with_config_dir(move |e| drop(sink.lock().unwrap().send(e)), None);
    inv.open_transient("t", "Test", uri);
    (inv, rx)
}

fn connected(ev: &InventoryEvent) -> bool {
    matches!(ev, InventoryEvent::Connection { connection } if connection.state == ConnState::Connected)
}

#[test]
fn inventory_follows_lifecycle_events() {
    let (inv, rx) = inventory_on(&fixture("lifecycle.xml"));
    let initial = collect(&rx, connected);
    let listed: Vec<usize> = initial
        .iter()
        .filter_map(|e| match e {
            InventoryEvent::VmsReplaced { vms, .. } => Some(vms.len()),
            _ => None,
        })
        .collect();
    assert_eq!(listed, [3], "one batch with the whole list");
    assert_eq!(inv.snapshot().vms.len(), 3);
    assert!(inv.connection("t").unwrap().live_events);

    // The inventory does not refresh after lifecycle actions itself: this update can only
    // come from libvirt's event.
    let started = Instant::now();
    inv.perform("t", DB, Action::Start).unwrap();
    collect(
        &rx,
        |e| matches!(e, InventoryEvent::VmUpserted { vm, .. } if vm.uuid == DB && vm.state == VmState::Running),
    );
    assert!(started.elapsed() < Duration::from_secs(1));

    let refused = inv.delete("t", DB, &[], false).unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::InvalidState);
    inv.perform("t", DB, Action::ForceOff).unwrap();
    collect(
        &rx,
        |e| matches!(e, InventoryEvent::VmUpserted { vm, .. } if vm.uuid == DB && vm.state == VmState::ShutOff),
    );
    inv.delete("t", DB, &[], false).unwrap();
    collect(
        &rx,
        |e| matches!(e, InventoryEvent::VmRemoved { uuid, .. } if uuid == DB),
    );
    assert_eq!(inv.snapshot().vms.len(), 2);
}

#[test]
fn stats_flow_only_while_active() {
    let (inv, rx) = inventory_on(&fixture("lifecycle.xml"));
    collect(&rx, connected);
    assert_eq!(inv.stats_bulk_calls(), 0);
    inv.set_stats_active(true);
    let seen = collect(&rx, |e| matches!(e, InventoryEvent::Stats { .. }));
    let InventoryEvent::Stats {
        connection,
        at,
        stats,
    } = seen.last().unwrap()
    else {
        unreachable!()
    };
    assert_eq!(connection, "t");
    assert!(
        *at > 1_600_000_000_000,
        "a wall-clock timestamp in ms: {at}"
    );
    // The test driver reports state only: no CPU time, so no rows, but the call was made.
    assert!(stats.is_empty(), "{stats:?}");
    assert_eq!(inv.stats_bulk_calls(), 1);
    inv.set_stats_active(false);
    while rx.recv_timeout(Duration::from_millis(100)).is_ok() {}
    assert!(
        rx.recv_timeout(Duration::from_millis(2500)).is_err(),
        "no stats may arrive while inactive"
    );
}

#[test]
fn failed_connection_says_why_and_the_rest_keeps_working() {
    let (inv, rx) = inventory_on("qemu:///system?socket=/nonexistent/sock");
    inv.open_transient("ok", "Fixture", &fixture("lifecycle.xml"));
    let seen = collect(
        &rx,
        |e| matches!(e, InventoryEvent::Connection { connection } if connection.id == "t" && connection.state == ConnState::Failed),
    );
    let failed = inv.connection("t").unwrap();
    assert!(
        failed.error.as_deref().unwrap().contains("cannot connect"),
        "{failed:?}"
    );
    assert!(failed
        .hint
        .as_deref()
        .unwrap()
        .contains("libvirtd is not running"));
    // The two connections race: "ok" may have connected before "t" failed.
    let ok_connected = |e: &InventoryEvent| matches!(e, InventoryEvent::Connection { connection } if connection.id == "ok" && connection.state == ConnState::Connected);
    if !seen.iter().any(ok_connected) {
        collect(&rx, ok_connected);
    }
    assert_eq!(inv.snapshot().vms.len(), 3);
    let err = inv.perform("t", DB, Action::Start).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
}

#[test]
fn custom_connections_are_saved_restored_renamed_and_removed() {
    let dir = std::env::temp_dir().join(format!("vireo-conns-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let inv = Inventory::with_config_dir(|_| {}, Some(dir.clone()));
    let added = inv
        .add_connection(NewConnection {
            uri: fixture("lifecycle.xml"),
            name: Some("Lab".into()),
        })
        .unwrap();
    let dup = inv.add_connection(NewConnection {
        uri: fixture("lifecycle.xml"),
        name: None,
    });
    assert!(dup.unwrap_err().to_string().contains("already in the list"));
    inv.update_connection(
        &added.id,
        vireo_libvirt::ConnectionPatch {
            name: Some("Lab 2".into()),
        },
    )
    .unwrap();
    let saved = std::fs::read_to_string(dir.join("connections.json")).unwrap();
    assert!(
        saved.contains("Lab 2") && saved.contains("lifecycle.xml"),
        "{saved}"
    );
    drop(inv);

    let restored = Inventory::with_config_dir(|_| {}, Some(dir.clone()));
    restored.open_builtin();
    let snap = restored.snapshot();
    assert!(snap
        .connections
        .iter()
        .any(|c| c.id == "system" && c.builtin));
    let lab = snap
        .connections
        .iter()
        .find(|c| c.name == "Lab 2")
        .expect("restored");
    let err = restored.remove_connection("system").unwrap_err();
    assert!(err.to_string().contains("built in"));
    restored.remove_connection(&lab.id).unwrap();
    let saved = std::fs::read_to_string(dir.join("connections.json")).unwrap();
    assert!(!saved.contains("lifecycle.xml"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_thousand_domains() {
    let mut xml = String::from("<node>\n");
    for i in 0..1000 {
        xml.push_str(&format!(
            "<domain type='test'><name>vm-{i:04}</name><memory>65536</memory><vcpu>1</vcpu>\
             <os><type>hvm</type></os></domain>\n"
        ));
    }
    xml.push_str("</node>\n");
    let path = std::env::temp_dir().join(format!("vireo-1000-{}.xml", std::process::id()));
    std::fs::write(&path, xml).unwrap();
    let conn = vireo_libvirt::open(&format!("test://{}", path.display())).unwrap();
    let vms = vm::list(&conn, &mut DetailsCache::new()).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(vms.len(), 1000);
    assert_eq!(vms[0].name, "vm-0000");
    assert_eq!(vms[999].name, "vm-0999");
    assert!(vms
        .iter()
        .all(|v| v.state == VmState::Running && v.memory == 64 << 20));
}
