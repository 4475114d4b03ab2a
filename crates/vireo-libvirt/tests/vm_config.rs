//! Changing a VM after it exists, on libvirt's test driver (`fixtures/vm-page.xml`, a private
//! driver per test): every change's result as libvirt stores it, and every refusal leaving
//! the VM exactly as it was.

use std::path::PathBuf;
use vireo_domain::edit::ResourcePatch;
use vireo_libvirt::vm_config::{self, Apply};
use vireo_libvirt::{BackendError, ErrorKind};
use virt::connect::Connect;

const WEB: &str = "44444444-4444-4444-8444-444444444444";
const STORE: &str = "55555555-5555-4555-8555-555555555555";
const FIXED: &str = "66666666-6666-4666-8666-666666666666";

fn open() -> Connect {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vm-page.xml");
    vireo_libvirt::open(&format!("test://{}", path.display())).unwrap()
}

fn stored(conn: &Connect, uuid: &str) -> String {
    vm_config::stored_xml(conn, uuid).unwrap()
}

fn live(conn: &Connect, uuid: &str) -> String {
    conn.lookup_domain_by_uuid_string(uuid)
        .unwrap()
        .xml_desc(0)
        .unwrap()
}

fn refused(result: Result<(), BackendError>, says: &str) {
    let e = result.expect_err("must be refused");
    assert!(
        matches!(e.kind(), ErrorKind::InvalidInput | ErrorKind::InvalidState),
        "a refusal of the user's input, not a failure: {e:?}"
    );
    assert!(e.to_string().contains(says), "{e:?} should say {says:?}");
}

fn memory(mib: u64) -> ResourcePatch {
    ResourcePatch {
        memory_mib: Some(mib),
        ..ResourcePatch::default()
    }
}

#[test]
fn details_show_hardware_and_the_host() {
    let conn = open();
    let d = vm_config::details(&conn, WEB).unwrap();
    assert_eq!(d.summary.name, "web");
    assert_eq!(d.hardware.memory_mib, 1024);
    assert_eq!(d.hardware.max_memory_mib, 2048);
    assert_eq!((d.hardware.vcpus, d.hardware.max_vcpus), (1, 2));
    assert_eq!(d.hardware.description, "front end");
    assert!(d.hardware.balloon);
    let cdrom = d.hardware.disks.iter().find(|k| k.target == "sda").unwrap();
    assert_eq!(cdrom.device, "cdrom");
    assert_eq!(cdrom.source, None);
    assert_eq!(d.hardware.nics[0].mac.as_deref(), Some("52:54:00:00:00:01"));
    assert!(d.pending.is_empty() && d.next_boot.is_none());
    assert_eq!(d.host_cpus, 16);
    assert!(d.host_memory_mib > 0);
}

#[test]
fn next_boot_memory_is_pending_until_restart() {
    let conn = open();
    let patch = ResourcePatch {
        memory_mib: Some(1536),
        vcpus: Some(2),
        ..ResourcePatch::default()
    };
    vm_config::set_resources(&conn, WEB, &patch, Apply::NextBoot).unwrap();
    let d = vm_config::details(&conn, WEB).unwrap();
    assert_eq!(d.hardware.memory_mib, 1024, "the running VM is unchanged");
    assert_eq!(d.next_boot.as_ref().unwrap().memory_mib, 1536);
    assert_eq!(d.pending, ["memory", "vcpus"]);
    // Another tool's metadata and the notes survive the define.
    let xml = stored(&conn, WEB);
    assert!(xml.contains("https://example.org/other-tool/1"), "{xml}");
    assert!(
        xml.contains("<description>front end</description>"),
        "{xml}"
    );
    let dom = conn.lookup_domain_by_uuid_string(WEB).unwrap();
    dom.destroy().unwrap();
    dom.create().unwrap();
    let d = vm_config::details(&conn, WEB).unwrap();
    assert_eq!((d.hardware.memory_mib, d.hardware.vcpus), (1536, 2));
    assert!(d.pending.is_empty());
}

#[test]
fn live_memory_and_vcpus_change_now_only() {
    let conn = open();
    let patch = ResourcePatch {
        memory_mib: Some(1800),
        vcpus: Some(2),
        ..ResourcePatch::default()
    };
    vm_config::set_resources(&conn, WEB, &patch, Apply::Now).unwrap();
    let d = vm_config::details(&conn, WEB).unwrap();
    assert_eq!((d.hardware.memory_mib, d.hardware.vcpus), (1800, 2));
    // The next boot is as before, so the page says what goes back.
    let next = d.next_boot.expect("the next boot differs");
    assert_eq!((next.memory_mib, next.vcpus), (1024, 1));
    assert_eq!(d.pending, ["memory", "vcpus"]);
}

#[test]
fn now_and_next_boot_leaves_nothing_pending() {
    let conn = open();
    vm_config::set_resources(&conn, WEB, &memory(1200), Apply::NowAndNextBoot).unwrap();
    let d = vm_config::details(&conn, WEB).unwrap();
    assert_eq!(d.hardware.memory_mib, 1200);
    assert!(d.pending.is_empty(), "{:?}", d.pending);
}

#[test]
fn bad_resources_are_refused_and_change_nothing() {
    let conn = open();
    let before = (stored(&conn, WEB), live(&conn, WEB));
    refused(
        vm_config::set_resources(&conn, WEB, &memory(0), Apply::NextBoot),
        "MiB",
    );
    refused(
        vm_config::set_resources(&conn, WEB, &memory(4096), Apply::Now),
        "maximum",
    );
    refused(
        vm_config::set_resources(
            &conn,
            WEB,
            &ResourcePatch {
                max_memory_mib: Some(64 << 20),
                memory_mib: Some(1024),
                ..ResourcePatch::default()
            },
            Apply::NextBoot,
        ),
        "more memory than the host has",
    );
    refused(
        vm_config::set_resources(
            &conn,
            WEB,
            &ResourcePatch {
                max_vcpus: Some(64),
                ..ResourcePatch::default()
            },
            Apply::NextBoot,
        ),
        "more than the host's 16 CPUs",
    );
    refused(
        vm_config::set_resources(
            &conn,
            WEB,
            &ResourcePatch {
                vcpus: Some(0),
                ..ResourcePatch::default()
            },
            Apply::NextBoot,
        ),
        "vCPU",
    );
    refused(
        vm_config::set_resources(
            &conn,
            WEB,
            &ResourcePatch {
                max_memory_mib: Some(4096),
                ..ResourcePatch::default()
            },
            Apply::Now,
        ),
        "cannot change while the VM runs",
    );
    refused(
        vm_config::set_resources(&conn, WEB, &ResourcePatch::default(), Apply::Now),
        "nothing to change",
    );
    // A stopped VM has nothing to change now; a VM without a balloon keeps its memory.
    refused(
        vm_config::set_resources(&conn, STORE, &memory(512), Apply::Now),
        "",
    );
    refused(
        vm_config::set_resources(&conn, FIXED, &memory(256), Apply::Now),
        "no memory balloon",
    );
    assert_eq!((stored(&conn, WEB), live(&conn, WEB)), before);
}

#[test]
fn a_stopped_vms_cdrom_is_ejected_and_refilled() {
    let conn = open();
    vm_config::set_cdrom(&conn, STORE, "sda", None, Apply::NextBoot).unwrap();
    let d = vm_config::details(&conn, STORE).unwrap();
    let cdrom = d.hardware.disks.iter().find(|k| k.target == "sda").unwrap();
    assert_eq!(cdrom.source, None);
    vm_config::set_cdrom(&conn, STORE, "sda", Some("/isos/new.iso"), Apply::NextBoot).unwrap();
    let xml = stored(&conn, STORE);
    assert!(xml.contains("<source file='/isos/new.iso'>"), "{xml}");
    // Vireo never relabels a file the user chose.
    assert!(xml.contains("relabel='no'"), "{xml}");
    refused(
        vm_config::set_cdrom(&conn, STORE, "vda", None, Apply::NextBoot),
        "vda",
    );
    refused(
        vm_config::set_cdrom(&conn, STORE, "sdz", None, Apply::NextBoot),
        "sdz",
    );
}

#[test]
fn a_failed_live_media_change_keeps_the_configuration() {
    // The test driver has no device update: the live half fails before the stored half.
    let conn = open();
    let before = stored(&conn, WEB);
    let e = vm_config::set_cdrom(
        &conn,
        WEB,
        "sda",
        Some("/isos/a.iso"),
        Apply::NowAndNextBoot,
    )
    .expect_err("the test driver cannot update devices");
    assert!(
        e.to_string().contains("insert the ISO into sda of web"),
        "{e}"
    );
    assert_eq!(stored(&conn, WEB), before);
}

#[test]
fn boot_order_and_menu_are_stored() {
    let conn = open();
    vm_config::set_boot(
        &conn,
        STORE,
        &["sda".to_string(), "vda".to_string()],
        Some(true),
    )
    .unwrap();
    let d = vm_config::details(&conn, STORE).unwrap();
    let order = |t: &str| {
        d.hardware
            .disks
            .iter()
            .find(|k| k.target == t)
            .unwrap()
            .boot_order
    };
    assert_eq!((order("sda"), order("vda")), (Some(1), Some(2)));
    assert!(d.hardware.boot_menu);
    refused(vm_config::set_boot(&conn, STORE, &[], None), "at least one");
    refused(
        vm_config::set_boot(&conn, STORE, &["vdq".to_string()], None),
        "vdq",
    );
}

#[test]
fn notes_are_stored_and_capped() {
    let conn = open();
    vm_config::set_description(&conn, WEB, "line one\n<b>two</b> & three").unwrap();
    let d = vm_config::details(&conn, WEB).unwrap();
    assert_eq!(d.hardware.description, "line one\n<b>two</b> & three");
    assert!(stored(&conn, WEB).contains("&lt;b&gt;two"));
    refused(
        vm_config::set_description(&conn, WEB, &"x".repeat(10_001)),
        "at most 10000",
    );
    vm_config::set_description(&conn, WEB, "").unwrap();
    assert_eq!(
        vm_config::details(&conn, WEB).unwrap().hardware.description,
        ""
    );
}

#[test]
fn rename_needs_a_stopped_vm_and_a_free_valid_name() {
    let conn = open();
    refused(vm_config::rename(&conn, WEB, "web2"), "");
    refused(vm_config::rename(&conn, STORE, "web"), "already exists");
    refused(
        vm_config::rename(&conn, STORE, "store"),
        "already this VM's name",
    );
    refused(vm_config::rename(&conn, STORE, "bad/name"), "");
    vm_config::rename(&conn, STORE, "archive").unwrap();
    let d = vm_config::details(&conn, STORE).unwrap();
    assert_eq!(d.summary.name, "archive");
    assert_eq!(d.summary.uuid, STORE);
}

#[test]
fn edited_xml_must_stay_the_same_vm_and_valid() {
    let conn = open();
    let before = stored(&conn, STORE);
    refused(
        vm_config::define_xml(
            &conn,
            STORE,
            &before.replace("<name>store<", "<name>other<"),
        ),
        "name",
    );
    refused(
        vm_config::define_xml(&conn, STORE, &before.replace(STORE, WEB)),
        "UUID",
    );
    refused(
        vm_config::define_xml(&conn, STORE, &"<!-- -->".repeat(200_000)),
        "larger than",
    );
    refused(vm_config::define_xml(&conn, STORE, "<domain"), "");
    // Schema-invalid XML is libvirt's refusal, shown as it said it.
    let invalid = before.replace("<vcpu", "<vcpu bogus='1'");
    let e = vm_config::define_xml(&conn, STORE, &invalid).expect_err("invalid XML");
    assert_ne!(e.kind(), ErrorKind::Internal, "{e}");
    assert_eq!(stored(&conn, STORE), before);
    // A real edit is kept.
    let edited = before.replace(
        "<vcpu placement='static'>1</vcpu>",
        "<vcpu placement='static'>2</vcpu>",
    );
    assert_ne!(edited, before, "the fixture's vcpu line: {before}");
    vm_config::define_xml(&conn, STORE, &edited).unwrap();
    assert_eq!(
        vm_config::details(&conn, STORE).unwrap().hardware.max_vcpus,
        2
    );
}

/// A change made through the inventory tells an open page to read the VM again, even when
/// the list's summary is unchanged (notes), and a change to the list's figures updates it.
#[test]
fn inventory_changes_announce_themselves() {
    use std::sync::mpsc::channel;
    use std::time::{Duration, Instant};
    use vireo_libvirt::{ConnState, Inventory, InventoryEvent};
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vm-page.xml");
    let (tx, rx) = channel();
    let sink = std::sync::Mutex::new(tx);
    let inv = Inventory::with_config_dir(move |e| drop(sink.lock().unwrap().send(e)), None);
    inv.open_transient("t", "Test", &format!("test://{}", path.display()));
    let wait = |what: &str, until: &dyn Fn(&InventoryEvent) -> bool| {
        let deadline = Instant::now() + Duration::from_secs(5);
        while let Ok(ev) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            if until(&ev) {
                return;
            }
        }
        panic!("{what}: not seen within 5 s");
    };
    wait(
        "connected",
        &|e| matches!(e, InventoryEvent::Connection { connection } if connection.state == ConnState::Connected),
    );
    inv.change_vm("t", STORE, |conn| {
        vm_config::set_description(conn, STORE, "archive box")
    })
    .unwrap();
    wait(
        "config changed",
        &|e| matches!(e, InventoryEvent::VmConfigChanged { uuid, .. } if uuid == STORE),
    );
    inv.change_vm("t", STORE, |conn| {
        vm_config::set_resources(conn, STORE, &memory(768), Apply::NextBoot)
    })
    .unwrap();
    wait(
        "memory in the list",
        &|e| matches!(e, InventoryEvent::VmUpserted { vm, .. } if vm.uuid == STORE && vm.memory == 768 << 20),
    );
    // A refused change says why, through the inventory as directly.
    let e = inv
        .change_vm("t", STORE, |conn| {
            vm_config::set_resources(conn, STORE, &memory(1), Apply::NextBoot)
        })
        .unwrap_err();
    assert!(e.to_string().contains("MiB"), "{e}");
}
