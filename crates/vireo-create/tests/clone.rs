//! Clones of the test guest on `qemu:///system`: a linked clone boots and writes while the
//! source's disk stays byte-for-byte the same, and the source cannot start while the clone
//! exists; a full clone boots and keeps working once the source is deleted; bad input and a
//! cancel leave nothing behind; a paused VM is cloned once saved, and resumes where it was.

use vireo_create::{clone_vm, Cancel, CloneMode, CloneRequest, CreateError};
use vireo_test_support::{GuestShell, TestGuest, SYSTEM_URI};
use virt::connect::Connect;

fn request(name: &str, mode: CloneMode) -> CloneRequest {
    CloneRequest {
        name: name.into(),
        mode,
        pool: None,
    }
}

fn disk_of(conn: &Connect, uuid: &str) -> String {
    let xml = vireo_libvirt::vm_config::stored_xml(conn, uuid).unwrap();
    let h = vireo_domain::hardware::read(&xml).unwrap();
    h.disks
        .iter()
        .find(|d| d.device == "disk")
        .and_then(|d| d.source.clone())
        .unwrap()
}

/// The clone, removed with its disks when the test ends, however it ends.
struct Clone<'c> {
    conn: &'c Connect,
    uuid: String,
    disks: Vec<String>,
}

impl Drop for Clone<'_> {
    fn drop(&mut self) {
        if let Ok(dom) = self.conn.lookup_domain_by_uuid_string(&self.uuid) {
            let _ = dom.destroy();
            let _ = dom.undefine();
        }
        for d in &self.disks {
            if let Ok(v) = self.conn.lookup_storage_vol_by_path(d) {
                let _ = v.delete(0);
            }
        }
    }
}

/// A clone made with no progress to watch and nothing cancelled.
fn clone_of<'c>(conn: &'c Connect, uuid: &str, name: &str, mode: CloneMode) -> Clone<'c> {
    let made = clone_vm(
        conn,
        uuid,
        &request(name, mode),
        &|_| {},
        &Cancel::default(),
    )
    .unwrap();
    Clone {
        conn,
        uuid: made.uuid,
        disks: made.disks,
    }
}

/// Why a clone with no progress to watch and nothing cancelled was refused.
fn refusal(conn: &Connect, uuid: &str, name: &str, mode: CloneMode) -> CreateError {
    clone_vm(
        conn,
        uuid,
        &request(name, mode),
        &|_| {},
        &Cancel::default(),
    )
    .unwrap_err()
}

fn boot_and_write(conn: &Connect, uuid: &str) {
    conn.lookup_domain_by_uuid_string(uuid)
        .unwrap()
        .create()
        .unwrap();
    let shell = GuestShell::open_uuid(uuid);
    shell.shows("echo up-$((1+2))", "up-3", 120);
    shell.shows(
        "mkdir -p /mnt && mount /dev/vda1 /mnt && echo clone > /mnt/written; umount /mnt; sync; \
         echo W$((2+3))",
        "W5",
        30,
    );
}

#[test]
fn a_linked_clone_boots_and_writes_without_touching_its_source() {
    let _serial = vireo_test_support::serial();
    let guest = TestGuest::define("vireo-it-linked");
    let conn = vireo_libvirt::open(SYSTEM_URI).unwrap();
    let source_disk = disk_of(&conn, &guest.uuid);
    // A snapshot of the source from before: going back to it later would rewrite the base.
    let snap = vireo_libvirt::snapshots::NewSnapshot {
        name: "before".into(),
        description: String::new(),
        memory: false,
    };
    vireo_libvirt::snapshots::create(&conn, &guest.uuid, &snap).unwrap();
    let before = std::fs::read(&source_disk).unwrap();

    let name = format!("{}-linked", guest.name);
    let clone = clone_of(&conn, &guest.uuid, &name, CloneMode::Linked);
    assert_ne!(clone.uuid, guest.uuid);
    let xml = vireo_libvirt::vm_config::stored_xml(&conn, &clone.uuid).unwrap();
    assert!(
        xml.contains(&format!("<source file='{source_disk}'")),
        "based on the source: {xml}"
    );

    boot_and_write(&conn, &clone.uuid);
    assert_eq!(
        std::fs::read(&source_disk).unwrap(),
        before,
        "the source's disk is unchanged"
    );

    // The source is now a template: starting it would write under the clone.
    let e =
        vireo_libvirt::vm::perform(&conn, &guest.uuid, vireo_libvirt::Action::Start).unwrap_err();
    assert!(
        e.to_string()
            .contains(&format!("has linked clones ({name})")),
        "{e}"
    );
    // Nor with the host, nor back to its snapshot; and deleting its disk asks twice.
    let e = vireo_libvirt::vm::perform(&conn, &guest.uuid, vireo_libvirt::Action::EnableAutostart)
        .unwrap_err();
    assert!(e.to_string().contains("start it with the host"), "{e}");
    let e = vireo_libvirt::snapshots::revert(&conn, &guest.uuid, "before").unwrap_err();
    assert!(e.to_string().contains("to revert it"), "{e}");
    let choices = vireo_libvirt::vm::delete_preview(&conn, &guest.uuid).unwrap();
    let vda = choices.iter().find(|c| c.device == "disk").unwrap();
    assert!(vda.needs_confirmation && !vda.remove_by_default, "{vda:?}");
    assert_eq!(vda.shared_with, std::slice::from_ref(&name));
    assert_eq!(
        std::fs::read(&source_disk).unwrap(),
        before,
        "none of that changed it"
    );
    drop(clone);
    vireo_libvirt::vm::perform(&conn, &guest.uuid, vireo_libvirt::Action::Start)
        .expect("without clones it starts again");
}

#[test]
fn a_full_clone_works_on_after_its_source_is_deleted() {
    let _serial = vireo_test_support::serial();
    let guest = TestGuest::define("vireo-it-full");
    let conn = vireo_libvirt::open(SYSTEM_URI).unwrap();
    let name = format!("{}-full", guest.name);
    let seen = std::cell::RefCell::new(Vec::new());
    let made = clone_vm(
        &conn,
        &guest.uuid,
        &request(&name, CloneMode::Full),
        &|p| seen.borrow_mut().push((p.done, p.total)),
        &Cancel::default(),
    )
    .unwrap();
    let clone = Clone {
        conn: &conn,
        uuid: made.uuid.clone(),
        disks: made.disks.clone(),
    };
    let last = *seen.borrow().last().unwrap();
    assert_eq!(last.0, last.1, "progress ends at 100 %");
    let xml = vireo_libvirt::vm_config::stored_xml(&conn, &clone.uuid).unwrap();
    assert!(
        !xml.contains("<backingStore type='file'>"),
        "stands alone: {xml}"
    );

    // The source goes, disk and all: the copy still boots.
    let source_disk = disk_of(&conn, &guest.uuid);
    let dom = conn.lookup_domain_by_uuid_string(&guest.uuid).unwrap();
    dom.undefine().unwrap();
    conn.lookup_storage_vol_by_path(&source_disk)
        .unwrap()
        .delete(0)
        .unwrap();
    boot_and_write(&conn, &clone.uuid);
    drop(clone);
}

#[test]
fn bad_input_and_a_cancel_leave_nothing() {
    let _serial = vireo_test_support::serial();
    let guest = TestGuest::define("vireo-it-clonebad");
    let conn = vireo_libvirt::open(SYSTEM_URI).unwrap();
    let pool = conn.lookup_storage_pool_by_name(&guest.pool).unwrap();
    let volumes = || {
        pool.refresh(0).unwrap();
        // The guest's serial log lives in the pool's directory too; it is not a disk.
        let mut v: Vec<String> = pool
            .list_volumes()
            .unwrap()
            .into_iter()
            .filter(|v| !v.ends_with(".log"))
            .collect();
        v.sort();
        v
    };
    let before = volumes();

    let e = refusal(&conn, &guest.uuid, &guest.name, CloneMode::Linked);
    assert!(matches!(e, CreateError::NameTaken(_)), "{e}");
    let e = refusal(&conn, &guest.uuid, "a/b", CloneMode::Full);
    assert!(e.is_input(), "{e}");

    // Cancelled while the copy runs: the copy finishes its disk, then everything goes.
    let name = format!("{}-cancelled", guest.name);
    let cancel = Cancel::default();
    let e = clone_vm(
        &conn,
        &guest.uuid,
        &request(&name, CloneMode::Full),
        &|_| cancel.cancel(),
        &cancel,
    )
    .unwrap_err();
    assert!(matches!(e, CreateError::Cancelled), "{e}");
    assert!(conn.lookup_domain_by_name(&name).is_err(), "no domain");
    assert_eq!(volumes(), before, "no volume left");

    let dom = conn.lookup_domain_by_uuid_string(&guest.uuid).unwrap();
    // A source that starts with the host cannot be a linked clone's base.
    dom.set_autostart(true).unwrap();
    let e = refusal(&conn, &guest.uuid, &name, CloneMode::Linked);
    assert!(
        e.to_string().contains("starts with the host (autostart)"),
        "{e}"
    );
    dom.set_autostart(false).unwrap();
    assert_eq!(volumes(), before);

    dom.create().unwrap();
    let e = refusal(&conn, &guest.uuid, &name, CloneMode::Linked);
    assert!(e.to_string().contains("shut it down first"), "{e}");
    dom.destroy().unwrap();
    assert_eq!(volumes(), before);
}

#[test]
fn a_paused_vm_is_saved_then_cloned_and_resumes_where_it_was() {
    let _serial = vireo_test_support::serial();
    let guest = TestGuest::booted("vireo-it-clonesaved");
    let conn = vireo_libvirt::open(SYSTEM_URI).unwrap();
    let shell = GuestShell::open(&guest);
    // A shell variable lives only in the guest's memory: seeing it again proves a restore.
    shell.shows("KEPT=kept-$((40+2)); echo set-$((1+1))", "set-2", 30);
    drop(shell);
    let dom = conn.lookup_domain_by_uuid_string(&guest.uuid).unwrap();
    dom.suspend().unwrap();
    let name = format!("{}-copy", guest.name);
    let e = refusal(&conn, &guest.uuid, &name, CloneMode::Full);
    assert!(e.to_string().contains("save it"), "{e}");

    dom.managed_save(0).unwrap();
    let clone = clone_of(&conn, &guest.uuid, &name, CloneMode::Full);
    boot_and_write(&conn, &clone.uuid);

    // Started again, it is restored as it was saved: paused, with its memory.
    dom.create().unwrap();
    assert!(
        !dom.has_managed_save(0).unwrap(),
        "restored from its saved memory"
    );
    let (state, _) = dom.state().unwrap();
    assert_eq!(
        state.to_raw(),
        virt::sys::VIR_DOMAIN_PAUSED,
        "paused, as it was saved"
    );
    dom.resume().unwrap();
    let shell = GuestShell::open(&guest);
    shell.shows("echo $KEPT", "kept-42", 60);
    drop(clone);
}

/// The `<nvram>` path of a domain's XML.
fn nvram_of(xml: &str) -> Option<String> {
    let start = xml.find("<nvram")?;
    let rest = &xml[start..];
    let open_end = rest.find('>')?;
    if rest[..open_end].ends_with('/') {
        return None;
    }
    let close = rest.find("</nvram>")?;
    Some(rest[open_end + 1..close].trim().to_string())
}

#[test]
fn a_uefi_clone_gets_a_copy_of_the_sources_nvram() {
    let _serial = vireo_test_support::serial();
    let guest = TestGuest::define("vireo-it-cloneuefi");
    let conn = vireo_libvirt::open(SYSTEM_URI).unwrap();
    vireo_libvirt::vm_platform::set_firmware(
        &conn,
        &guest.uuid,
        vireo_domain::hardware::FirmwareKind::Uefi,
    )
    .unwrap();
    let dom = conn.lookup_domain_by_uuid_string(&guest.uuid).unwrap();
    // Its first start makes its NVRAM (libvirt names it only in the running XML).
    dom.create().unwrap();
    let source_nvram =
        nvram_of(&dom.xml_desc(0).unwrap()).expect("the running source has an NVRAM");
    dom.destroy().unwrap();
    let before = std::fs::read(&source_nvram).unwrap();

    let name = format!("{}-uefi", guest.name);
    let clone = clone_of(&conn, &guest.uuid, &name, CloneMode::Linked);
    let clone_dom = conn.lookup_domain_by_uuid_string(&clone.uuid).unwrap();
    let stored = vireo_libvirt::vm_config::stored_xml(&conn, &clone.uuid).unwrap();
    let copied = nvram_of(&stored).expect("the clone names its NVRAM copy");
    assert_eq!(
        std::fs::read(&copied).unwrap(),
        before,
        "a copy of the source's"
    );
    clone_dom.create().expect("the clone starts under OVMF");
    let live = clone_dom.xml_desc(0).unwrap();
    let clone_nvram = nvram_of(&live).expect("the clone has an NVRAM");
    assert_ne!(clone_nvram, source_nvram, "{live}");
    assert!(std::path::Path::new(&clone_nvram).exists());
    clone_dom.destroy().unwrap();
    assert_eq!(
        std::fs::read(&source_nvram).unwrap(),
        before,
        "the source's NVRAM is untouched"
    );
    let _ = clone_dom.undefine_flags(virt::sys::VIR_DOMAIN_UNDEFINE_NVRAM);
    drop(clone);
}
