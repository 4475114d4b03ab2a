//! Adding and removing disks of existing VMs on libvirt's test driver (`fixtures/disks.xml`,
//! a fresh in-memory node per test): each change as libvirt stores it, every refusal
//! leaving the VMs and the pool as they were, and a failed attach leaving no volume.

use std::path::PathBuf;
use vireo_create::{add_disk, Cancel, CreateError, DiskAddRequest, ImportMode, NewDiskSource};
use vireo_domain::disk::DiskBus;
use vireo_libvirt::vm_disks::{self, RemovedFile};
use vireo_libvirt::Apply;
use vireo_storage::WarningId;
use virt::connect::Connect;

const STOPPED: &str = "99999999-9999-4999-8999-999999999999";
const OTHER: &str = "88888888-8888-4888-8888-888888888888";
const WEB: &str = "44444444-4444-4444-8444-444444444444";

fn open() -> Connect {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/disks.xml");
    vireo_libvirt::open(&format!("test://{}", path.display())).unwrap()
}

fn stored(conn: &Connect, uuid: &str) -> String {
    vireo_libvirt::vm_config::stored_xml(conn, uuid).unwrap()
}

fn volumes(conn: &Connect) -> Vec<String> {
    let pool = conn.lookup_storage_pool_by_name("default").unwrap();
    let mut names = pool.list_volumes().unwrap();
    names.sort();
    names
}

fn empty(gib: u64, bus: DiskBus, apply: Apply) -> DiskAddRequest {
    DiskAddRequest {
        source: NewDiskSource::Empty { gib },
        bus,
        pool: None,
        apply,
        acknowledged: Vec::new(),
    }
}

fn import(path: &std::path::Path, mode: ImportMode) -> DiskAddRequest {
    DiskAddRequest {
        source: NewDiskSource::Import {
            path: path.display().to_string(),
            mode,
        },
        bus: DiskBus::Virtio,
        pool: None,
        apply: Apply::NextBoot,
        acknowledged: Vec::new(),
    }
}

fn add(
    conn: &Connect,
    uuid: &str,
    req: &DiskAddRequest,
) -> Result<vireo_create::AddedDisk, CreateError> {
    add_disk(conn, uuid, req, &|_| {}, &Cancel::default())
}

/// A small valid qcow2 in a directory of this test's own.
fn image(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vireo-disk-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("data.qcow2");
    vireo_storage::testing::Qcow2::default().write(&path);
    path
}

fn refused<T: std::fmt::Debug>(r: Result<T, CreateError>, says: &str) {
    let e = r.expect_err("must be refused");
    assert!(e.is_input(), "the user's input, not a failure: {e:?}");
    assert!(e.to_string().contains(says), "{e} should say {says:?}");
}

#[test]
fn an_empty_disk_becomes_a_new_volume_under_the_next_free_name() {
    let conn = open();
    let added = add(&conn, STOPPED, &empty(2, DiskBus::Virtio, Apply::NextBoot)).unwrap();
    assert_eq!(added.target, "vdb");
    assert_eq!(added.path, "/vireo-test-pool/stopped-vdb.qcow2");
    assert_eq!(volumes(&conn), ["stopped-vdb.qcow2"]);
    let vol = conn.lookup_storage_vol_by_path(&added.path).unwrap();
    assert_eq!(vol.info().unwrap().capacity, 2 << 30);
    let xml = stored(&conn, STOPPED);
    assert!(
        xml.contains("<source file='/vireo-test-pool/stopped-vdb.qcow2'/>"),
        "{xml}"
    );
    assert!(xml.contains("<target dev='vdb' bus='virtio'/>"), "{xml}");
    // A SATA disk is named in its own series.
    let sata = add(&conn, STOPPED, &empty(1, DiskBus::Sata, Apply::NextBoot)).unwrap();
    assert_eq!(sata.target, "sda");
    assert!(stored(&conn, STOPPED).contains("<target dev='sda' bus='sata'/>"));
}

#[test]
fn an_image_is_added_in_place_once_and_shared_only_when_confirmed() {
    let conn = open();
    let path = image("shared");
    let added = add(&conn, STOPPED, &import(&path, ImportMode::InPlace)).unwrap();
    assert_eq!(added.path, path.display().to_string());
    assert!(volumes(&conn).is_empty(), "in place makes no volume");
    assert!(stored(&conn, STOPPED).contains(&format!("<source file='{}'/>", path.display())));
    // The same file again on the same VM: refused, whatever the mode.
    for mode in [ImportMode::InPlace, ImportMode::Overlay] {
        refused(
            add(&conn, STOPPED, &import(&path, mode)),
            "is already disk vdb of stopped",
        );
    }
    // On another VM: a warning to confirm, then allowed.
    let before = stored(&conn, OTHER);
    match add(&conn, OTHER, &import(&path, ImportMode::InPlace)) {
        Err(CreateError::Unacknowledged(m)) => {
            assert!(m.contains("is disk vdb of stopped"), "{m}");
            assert!(m.contains("corrupt"), "{m}");
        }
        other => panic!("a shared disk needs confirming, got {other:?}"),
    }
    assert_eq!(stored(&conn, OTHER), before);
    let mut confirmed = import(&path, ImportMode::InPlace);
    confirmed.acknowledged = vec![WarningId::SharedDisk];
    assert_eq!(add(&conn, OTHER, &confirmed).unwrap().target, "vda");
}

#[test]
fn an_overlay_is_a_new_volume_backed_by_the_image() {
    let conn = open();
    let path = image("overlay");
    let added = add(&conn, OTHER, &import(&path, ImportMode::Overlay)).unwrap();
    assert_eq!(added.path, "/vireo-test-pool/other-vda.qcow2");
    let xml = stored(&conn, OTHER);
    assert!(xml.contains("<backingStore type='file'>"), "{xml}");
    assert!(
        xml.contains(&format!("<source file='{}'>", path.display())),
        "{xml}"
    );
    assert!(
        xml.contains("relabel='no'"),
        "the user's image keeps its owner: {xml}"
    );
}

#[test]
fn bad_input_is_refused_before_anything_is_made() {
    let conn = open();
    let before = (stored(&conn, STOPPED), stored(&conn, WEB));
    refused(
        add(&conn, STOPPED, &empty(0, DiskBus::Virtio, Apply::NextBoot)),
        "between 1 GiB and",
    );
    refused(
        add(
            &conn,
            STOPPED,
            &empty(1 << 20, DiskBus::Virtio, Apply::NextBoot),
        ),
        "between 1 GiB and",
    );
    refused(
        add(&conn, WEB, &empty(1, DiskBus::Sata, Apply::NowAndNextBoot)),
        "SATA disk cannot be plugged into a running VM",
    );
    let mut no_pool = empty(1, DiskBus::Virtio, Apply::NextBoot);
    no_pool.pool = Some("nowhere'/>".into());
    refused(add(&conn, STOPPED, &no_pool), "no storage pool called");
    let missing = std::env::temp_dir().join("vireo-no-such-image.qcow2");
    refused(
        add(&conn, STOPPED, &import(&missing, ImportMode::InPlace)),
        "does not exist",
    );
    // An image with a backing file cannot be copied without losing it.
    let dir = image("backed").parent().unwrap().to_path_buf();
    let backed = dir.join("backed.qcow2");
    vireo_storage::testing::Qcow2::backed_by("data.qcow2", "qcow2").write(&backed);
    refused(
        add(&conn, STOPPED, &import(&backed, ImportMode::Copy)),
        "has a backing file",
    );
    // A stopped VM cannot be changed "now".
    let e = add(&conn, STOPPED, &empty(1, DiskBus::Virtio, Apply::Now)).unwrap_err();
    assert!(e.to_string().contains("that is shut off"), "{e}");
    assert_eq!((stored(&conn, STOPPED), stored(&conn, WEB)), before);
    assert!(volumes(&conn).is_empty(), "no volume left behind");
}

#[test]
fn a_failed_attach_removes_the_volume_it_made() {
    let conn = open();
    let before = stored(&conn, WEB);
    // The test driver cannot hot-plug: the live half fails after the volume exists.
    let e = add(
        &conn,
        WEB,
        &empty(1, DiskBus::Virtio, Apply::NowAndNextBoot),
    )
    .unwrap_err();
    assert!(e.to_string().contains("plug a disk into web"), "{e}");
    assert!(
        volumes(&conn).is_empty(),
        "rolled back: {:?}",
        volumes(&conn)
    );
    assert_eq!(stored(&conn, WEB), before);
}

#[test]
fn a_removed_disk_keeps_its_file_unless_asked_and_by_the_delete_rules() {
    let conn = open();
    add(&conn, STOPPED, &empty(1, DiskBus::Virtio, Apply::NextBoot)).unwrap();
    vm_disks::remove_disk(&conn, STOPPED, "vdb", RemovedFile::Keep, Apply::NextBoot).unwrap();
    assert!(!stored(&conn, STOPPED).contains("stopped-vdb"));
    assert_eq!(volumes(&conn), ["stopped-vdb.qcow2"], "kept");

    // A new disk gets the free target again, and a volume name of its own.
    let again = add(&conn, STOPPED, &empty(1, DiskBus::Virtio, Apply::NextBoot)).unwrap();
    assert_eq!(again.target, "vdb");
    assert_eq!(again.path, "/vireo-test-pool/stopped-vdb-2.qcow2");
    let delete = RemovedFile::Delete {
        confirmed_risky: false,
    };
    vm_disks::remove_disk(&conn, STOPPED, "vdb", delete, Apply::NextBoot).unwrap();
    assert_eq!(volumes(&conn), ["stopped-vdb.qcow2"], "only its own volume");

    // A file outside every pool needs the second confirmation; nothing changes without it.
    let before = stored(&conn, STOPPED);
    let e = vm_disks::remove_disk(&conn, STOPPED, "vda", delete, Apply::NextBoot).unwrap_err();
    assert!(
        e.to_string().contains("lies outside every storage pool"),
        "{e}"
    );
    assert_eq!(stored(&conn, STOPPED), before);
}

#[test]
fn a_running_vm_keeps_its_boot_disk_and_deletes_only_what_it_no_longer_uses() {
    let conn = open();
    let before = stored(&conn, WEB);
    let e = vm_disks::remove_disk(&conn, WEB, "vda", RemovedFile::Keep, Apply::NowAndNextBoot)
        .unwrap_err();
    assert!(
        e.to_string().contains("vda is the disk web runs from"),
        "{e}"
    );
    let delete = RemovedFile::Delete {
        confirmed_risky: true,
    };
    for apply in [Apply::Now, Apply::NextBoot] {
        let e = vm_disks::remove_disk(&conn, WEB, "vdb", delete, apply).unwrap_err();
        assert!(e.to_string().contains("the VM would still use it"), "{e}");
    }
    let e =
        vm_disks::remove_disk(&conn, WEB, "vdz", RemovedFile::Keep, Apply::NextBoot).unwrap_err();
    assert!(e.to_string().contains("no disk vdz"), "{e}");
    // For the next boot only, a data disk goes; the running VM still has it.
    vm_disks::remove_disk(&conn, WEB, "vdb", RemovedFile::Keep, Apply::NextBoot).unwrap();
    assert!(!stored(&conn, WEB).contains("web-data"));
    assert_ne!(stored(&conn, WEB), before);
}

#[test]
fn the_wizard_warns_about_an_image_another_vm_has_too() {
    let conn = open();
    let path = image("wizard");
    add(&conn, STOPPED, &import(&path, ImportMode::InPlace)).unwrap();
    let mut req = vireo_create::CreateRequest::empty("newvm", 256, 1, 1);
    req.source = vireo_create::Source::Import {
        path: path.display().to_string(),
        mode: ImportMode::Overlay,
    };
    let host = vireo_create::HostLimits {
        memory: 4 << 30,
        cpus: 4,
        domain_type: vireo_domain::DomainType::Qemu,
    };
    match vireo_create::validate(&conn, &req, &host) {
        Err(CreateError::Unacknowledged(m)) => {
            assert!(m.contains("is disk vdb of stopped"), "{m}");
            assert!(m.contains("overlay breaks"), "{m}");
        }
        other => panic!("the shared image needs confirming, got {other:?}"),
    }
    req.acknowledged = vec![WarningId::SharedDisk];
    let info = vireo_create::validate(&conn, &req, &host).unwrap().unwrap();
    assert_eq!(info.path, path.display().to_string());
}

#[test]
fn a_base_image_is_shared_for_reading_and_warned_about_for_writing() {
    let conn = open();
    let path = image("base");
    // OTHER gets an overlay on the image: the image is now its base.
    add(&conn, OTHER, &import(&path, ImportMode::Overlay)).unwrap();
    // Another overlay on it (a linked clone's layout) and a copy of it: no warning.
    let overlay = add(&conn, STOPPED, &import(&path, ImportMode::Overlay)).unwrap();
    assert_eq!(overlay.target, "vdb");
    // Written in place: a warning naming the VM whose disk it is under.
    match add(&conn, WEB, &import(&path, ImportMode::InPlace)) {
        Err(CreateError::Unacknowledged(m)) => {
            assert!(m.contains("is the base image under disk"), "{m}");
            assert!(m.contains("corrupts that disk"), "{m}");
        }
        other => panic!("writing a base image needs confirming, got {other:?}"),
    }
    // And on a VM of its own overlay: refused.
    refused(
        add(&conn, OTHER, &import(&path, ImportMode::InPlace)),
        "is the base image under disk vda of other",
    );
}
