//! Creating VMs on qemu:///system (TCG), through the same function the wizard calls.
//! Bad input: the error is the expected one and nothing was created or changed — checked.
//! Real boots use the test guest built by tests/fixtures/build-test-guest.sh.

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use vireo_create::*;
use vireo_domain::{DomainType, Firmware};

const URI: &str = "qemu:///system";

fn host() -> HostLimits {
    HostLimits {
        memory: 8 << 30,
        cpus: 2,
        domain_type: DomainType::Qemu,
    }
}

fn conn() -> virt::connect::Connect {
    vireo_libvirt::open(URI).expect("qemu:///system is reachable")
}

/// A private pool in a world-readable temp dir, removed afterwards.
struct TestPool {
    name: String,
    dir: PathBuf,
}

impl TestPool {
    fn new(tag: &str) -> Self {
        let name = format!("vireo-ct-{}-{tag}", std::process::id());
        let dir = PathBuf::from("/var/tmp").join(&name);
        std::fs::create_dir_all(&dir).unwrap();
        let xml = format!(
            "<pool type='dir'><name>{name}</name><target><path>{}</path></target></pool>",
            dir.display()
        );
        conn()
            .create_storage_pool_xml(&xml, 0)
            .expect("transient pool");
        TestPool { name, dir }
    }

    fn files(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(&self.dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }
}

impl Drop for TestPool {
    fn drop(&mut self) {
        if let Ok(pool) = conn().lookup_storage_pool_by_name(&self.name) {
            let _ = pool.destroy();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn remove_vm(name: &str) {
    if let Ok(dom) = conn().lookup_domain_by_name(name) {
        let _ = dom.destroy();
        let _ = dom.undefine_flags(virt::sys::VIR_DOMAIN_UNDEFINE_NVRAM);
    }
}

fn vm_name(tag: &str) -> String {
    format!("vireo-ct-{}-{tag}", std::process::id())
}

fn request(tag: &str, pool: &TestPool) -> CreateRequest {
    let mut r = CreateRequest::empty(&vm_name(tag), 256, 1, 1);
    r.pool = Some(pool.name.clone());
    r
}

/// Runs a request that must be refused; checks nothing was left behind.
fn refused(req: &CreateRequest, pool: &TestPool, expect: &str) -> CreateError {
    let before = pool.files();
    let err =
        create(&conn(), req, &host(), &|_| {}, &Cancel::default()).expect_err("must be refused");
    assert!(
        err.to_string().contains(expect),
        "expected '{expect}' in: {err}"
    );
    assert!(
        conn().lookup_domain_by_name(&req.name).is_err(),
        "no domain may be left defined"
    );
    assert_eq!(pool.files(), before, "no file may be left behind");
    err
}

fn scratch() -> PathBuf {
    let d = PathBuf::from("/var/tmp").join(format!("vireo-ct-files-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn bad_names_are_refused() {
    let _s = vireo_test_support::serial();
    let pool = TestPool::new("names");
    let mut req = request("x", &pool);
    for (name, expect) in [
        ("", "needs a name"),
        (&"a".repeat(65)[..], "at most 64"),
        ("web<script>", "'<' is not allowed"),
        ("a;rm -rf ~", "';' is not allowed"),
        ("-rf", "cannot start with"),
        ("../etc", "'/' is not allowed"),
        ("sub/dir", "'/' is not allowed"),
        ("it's", "''' is not allowed"),
    ] {
        req.name = name.to_string();
        refused(&req, &pool, expect);
    }
    // A duplicate: define one, then ask for the same name.
    let taken = vm_name("taken");
    conn()
        .define_domain_xml(&format!(
            "<domain type='qemu'><name>{taken}</name><memory>65536</memory>\
             <os><type arch='x86_64'>hvm</type></os></domain>"
        ))
        .unwrap();
    req.name = taken.clone();
    let before = pool.files();
    let err = create(&conn(), &req, &host(), &|_| {}, &Cancel::default()).unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err}");
    assert_eq!(pool.files(), before);
    remove_vm(&taken);
}

#[test]
fn bad_resources_are_refused() {
    let _s = vireo_test_support::serial();
    let pool = TestPool::new("res");
    let mut req = request("res", &pool);
    req.memory_mib = 0;
    refused(&req, &pool, "at least 64 MiB");
    req.memory_mib = 1;
    refused(&req, &pool, "no operating system starts in less");
    req.memory_mib = 1 << 30; // 1 TiB
    refused(&req, &pool, "more memory than this host has");
    req.memory_mib = 256;
    req.source = Source::Empty { disk_gib: 0 };
    refused(&req, &pool, "between 1 GiB");
    req.source = Source::Empty {
        disk_gib: 1_000_000_000,
    };
    refused(&req, &pool, "between 1 GiB");
    req.source = Source::Empty { disk_gib: 1 };
    req.vcpus = 0;
    refused(&req, &pool, "vCPUs must be between");
    // A typo in the pool's name is refused before anything is created, never a new pool.
    req.vcpus = 1;
    req.pool = Some(format!("{}-typo", pool.name));
    refused(&req, &pool, "there is no storage pool called");
    assert!(conn()
        .lookup_storage_pool_by_name(&format!("{}-typo", pool.name))
        .is_err());
}

#[test]
fn bad_images_are_refused_and_left_untouched() {
    let _s = vireo_test_support::serial();
    let pool = TestPool::new("img");
    let dir = scratch();
    let text = dir.join("notes.qcow2");
    std::fs::write(&text, "not a disk\n".repeat(200_000)).unwrap();
    let trunc = dir.join("trunc.qcow2");
    let ok = Command::new("qemu-img")
        .args(["create", "-q", "-f", "qcow2"])
        .arg(&trunc)
        .arg("1G")
        .status()
        .unwrap();
    assert!(ok.success());
    let full = std::fs::read(&trunc).unwrap();
    std::fs::write(&trunc, &full[..4096]).unwrap();
    let shadow = dir.join("shadow.qcow2");
    let ok = Command::new("qemu-img")
        .args([
            "create",
            "-q",
            "-f",
            "qcow2",
            "-u",
            "-F",
            "raw",
            "-b",
            "/etc/shadow",
        ])
        .arg(&shadow)
        .arg("1G")
        .status()
        .unwrap();
    assert!(ok.success());
    let sums: Vec<Vec<u8>> = [&text, &trunc, &shadow]
        .iter()
        .map(|p| Sha256::digest(std::fs::read(p).unwrap()).to_vec())
        .collect();

    let mut req = request("img", &pool);
    let import = |p: &Path| Source::Import {
        path: p.display().to_string(),
        mode: ImportMode::Overlay,
    };
    req.source = import(&dir.join("missing.qcow2"));
    refused(&req, &pool, "does not exist");
    req.source = import(&dir);
    refused(&req, &pool, "is a directory");
    req.source = import(&text);
    refused(&req, &pool, "is not a disk image");
    req.source = import(&trunc);
    refused(&req, &pool, "truncated");
    req.source = import(&shadow);
    let err = refused(&req, &pool, "/etc/shadow");
    assert!(err
        .to_string()
        .contains("outside the image's own directory"));
    let good = dir.join("good.qcow2");
    let ok = Command::new("qemu-img")
        .args(["create", "-q", "-f", "qcow2"])
        .arg(&good)
        .arg("1G")
        .status()
        .unwrap();
    assert!(ok.success());
    req.source = Source::Iso {
        path: good.display().to_string(),
        disk_gib: 1,
    };
    refused(&req, &pool, "is not an ISO");

    let after: Vec<Vec<u8>> = [&text, &trunc, &shadow]
        .iter()
        .map(|p| Sha256::digest(std::fs::read(p).unwrap()).to_vec())
        .collect();
    assert_eq!(sums, after, "the user's files are unchanged");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_iso_qemu_cannot_read_is_explained() {
    let _s = vireo_test_support::serial();
    let pool = TestPool::new("perm");
    let private = scratch().join("private");
    std::fs::create_dir_all(&private).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o700)).unwrap();
    let iso = private.join("install.iso");
    let mut data = vec![0u8; 17 * 2048];
    data[0x8001..0x8006].copy_from_slice(b"CD001");
    std::fs::write(&iso, data).unwrap();
    let mut req = request("perm", &pool);
    req.source = Source::Iso {
        path: iso.display().to_string(),
        disk_gib: 1,
    };
    let err = refused(&req, &pool, "cannot search");
    assert!(err.to_string().contains("chmod o+x"), "{err}");
    assert!(err.is_input());
    std::fs::remove_dir_all(scratch()).unwrap();
}

#[test]
fn a_failure_after_creating_storage_rolls_everything_back() {
    let _s = vireo_test_support::serial();
    let pool = TestPool::new("rollback");
    let mut req = request("rollback", &pool);
    // Defining works; starting fails: the serial log's directory does not exist.
    req.serial_log = Some("/nonexistent-dir/serial.log".into());
    req.start = true;
    let err = create(&conn(), &req, &host(), &|_| {}, &Cancel::default()).unwrap_err();
    assert!(err.to_string().contains("could not start"), "{err}");
    assert!(
        conn().lookup_domain_by_name(&req.name).is_err(),
        "domain undefined again"
    );
    assert!(
        pool.files().is_empty(),
        "volume deleted again: {:?}",
        pool.files()
    );
}

fn test_guest() -> PathBuf {
    vireo_test_support::test_guest_image()
}

fn shutdown_and_wait(name: &str) -> Duration {
    let dom = conn().lookup_domain_by_name(name).unwrap();
    let start = Instant::now();
    dom.shutdown().unwrap();
    while start.elapsed() < Duration::from_secs(60) {
        if !dom.is_active().unwrap_or(true) {
            return start.elapsed();
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("{name} did not shut off after an ACPI shutdown");
}

/// Boots a request, checks the serial marker, then shuts it down through the inventory
/// (ACPI) and waits for libvirt's event to say shut off; cleans up.
fn boot(req: &mut CreateRequest, pool: &TestPool) {
    use vireo_libvirt::{Action, ConnState, Inventory, InventoryEvent, VmState};
    let (tx, rx) = std::sync::mpsc::channel();
    let tx = Mutex::new(tx);
    let inv = Inventory::with_config_dir(move |e| drop(tx.lock().unwrap().send(e)), None);
    inv.open_transient("sys", "System", URI);
    let wait = |what: &str, until: &dyn Fn(&InventoryEvent) -> bool| {
        let deadline = Instant::now() + Duration::from_secs(60);
        while let Ok(e) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            if until(&e) {
                return;
            }
        }
        panic!("{what}: not seen");
    };
    wait(
        "connected",
        &|e| matches!(e, InventoryEvent::Connection { connection } if connection.state == ConnState::Connected),
    );

    let log = pool.dir.join(format!("{}.log", req.name));
    req.serial_log = Some(log.display().to_string());
    req.start = true;
    let t = Instant::now();
    let created = create(&conn(), req, &host(), &|_| {}, &Cancel::default()).unwrap();
    println!("{}: create and start {:?}", req.name, t.elapsed());
    assert!(created.started);
    let up = vireo_test_support::wait_for_text(&log, "VIREO-TEST-GUEST-READY", 120);
    println!("{}: boot marker after {up:?}", req.name);

    let t = Instant::now();
    inv.perform("sys", &created.uuid, Action::Shutdown).unwrap();
    let uuid = created.uuid.clone();
    wait(
        "shut off after ACPI shutdown",
        &|e| matches!(e, InventoryEvent::VmUpserted { vm, .. } if vm.uuid == uuid && vm.state == VmState::ShutOff),
    );
    println!(
        "{}: ACPI shutdown → shut off event in {:?}",
        req.name,
        t.elapsed()
    );
    remove_vm(&req.name);
}

#[test]
fn a_linked_overlay_import_boots_and_never_writes_the_original() {
    let _s = vireo_test_support::serial();
    let pool = TestPool::new("overlay");
    let guest = test_guest();
    let before = Sha256::digest(std::fs::read(&guest).unwrap());
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(&guest).unwrap();
    let owner = (meta.uid(), meta.gid(), meta.mode());
    let mut req = request("overlay", &pool);
    req.source = Source::Import {
        path: guest.display().to_string(),
        mode: ImportMode::Overlay,
    };
    boot(&mut req, &pool);
    let after = Sha256::digest(std::fs::read(&guest).unwrap());
    assert_eq!(before, after, "the original image is unchanged");
    let meta = std::fs::metadata(&guest).unwrap();
    assert_eq!(
        owner,
        (meta.uid(), meta.gid(), meta.mode()),
        "not even chowned"
    );
}

/// Types `line` on the guest's serial console until the log holds `want` (the guest may still
/// be booting, or probing a device).
fn type_until(
    console: &vireo_libvirt::serial::SerialConsole,
    log: &Path,
    line: &str,
    want: &str,
    secs: u64,
) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(secs) {
        console.send(format!("{line}\n").as_bytes()).unwrap();
        std::thread::sleep(Duration::from_secs(2));
        if std::fs::read_to_string(log)
            .unwrap_or_default()
            .contains(want)
        {
            return;
        }
    }
    panic!("'{want}' not in the serial log after typing '{line}' for {secs} s");
}

/// The ISO install, end to end: the new disk boots first, so the blank disk falls through to
/// the CD; the "installer" (the ISO's shell) writes a bootable system onto the disk and
/// reboots the guest, and the VM then starts from its disk with the CD still inserted.
#[test]
fn an_iso_install_reboots_into_its_disk() {
    let _s = vireo_test_support::serial();
    let pool = TestPool::new("iso");
    let iso = test_guest().with_extension("iso");
    let mut req = request("iso", &pool);
    req.source = Source::Iso {
        path: iso.display().to_string(),
        disk_gib: 1,
    };
    let log = pool.dir.join(format!("{}.log", req.name));
    req.serial_log = Some(log.display().to_string());
    req.start = true;
    let created = create(&conn(), &req, &host(), &|_| {}, &Cancel::default()).unwrap();
    let name = req.name.clone();
    let _cleanup = Cleanup(name.clone());
    let dom = conn().lookup_domain_by_uuid_string(&created.uuid).unwrap();
    let xml = dom.xml_desc(0).unwrap();
    let disk_at = xml.find("device='disk'").unwrap();
    let cd_at = xml.find("device='cdrom'").unwrap();
    let order_after = |at: usize| {
        xml[at..]
            .find("<boot order='")
            .map(|i| &xml[at + i + 13..at + i + 14])
    };
    assert_eq!(
        (order_after(disk_at), order_after(cd_at)),
        (Some("1"), Some("2")),
        "{xml}"
    );
    vireo_test_support::wait_for_text(&log, "VIREO-TEST-GUEST-READY", 120);

    // What an installer has: the system to install, here the test guest's disk, attached
    // read-only as vdb (a copy: libvirt may relabel what it attaches).
    let source = pool.dir.join("system.qcow2");
    std::fs::copy(test_guest(), &source).unwrap();
    dom.attach_device(&format!(
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>\
         <source file='{}'/><target dev='vdb' bus='virtio'/><readonly/></disk>",
        source.display()
    ))
    .unwrap();
    let conn = conn();
    let console =
        vireo_libvirt::serial::SerialConsole::open(&conn, &created.uuid, false, |_| {}).unwrap();
    type_until(&console, &log, "cat /proc/cmdline", "vireo.from=cdrom", 30);
    type_until(
        &console,
        &log,
        "[ -b /dev/vdb ] && dd if=/dev/vdb of=/dev/vda bs=1M 2>/dev/null && sync && echo I$((6*7))",
        "I42",
        60,
    );
    console.send(b"reboot -f\n").unwrap();
    // Same QEMU, firmware again: the disk is first and now bootable.
    type_until(&console, &log, "cat /proc/cmdline", "vireo.from=disk", 120);
    let xml = dom.xml_desc(0).unwrap();
    assert!(
        xml.contains(&iso.display().to_string()),
        "the CD stays inserted, after the disk"
    );
}

/// Removes the VM (and its storage) however the test ends.
struct Cleanup(String);

impl Drop for Cleanup {
    fn drop(&mut self) {
        remove_vm(&self.0);
    }
}

#[test]
fn a_copy_import_reports_progress_and_boots() {
    let _s = vireo_test_support::serial();
    let pool = TestPool::new("copy");
    let mut req = request("copy", &pool);
    req.source = Source::Import {
        path: test_guest().display().to_string(),
        mode: ImportMode::Copy,
    };
    let seen = Mutex::new(Vec::new());
    let log = pool.dir.join("copy.log");
    req.serial_log = Some(log.display().to_string());
    req.start = true;
    create(
        &conn(),
        &req,
        &host(),
        &|p| seen.lock().unwrap().push(p),
        &Cancel::default(),
    )
    .unwrap();
    let seen = seen.into_inner().unwrap();
    assert!(seen.len() > 3, "several progress reports: {}", seen.len());
    assert!(seen.windows(2).all(|w| w[0].done <= w[1].done));
    let last = seen.last().unwrap();
    assert_eq!(last.done, last.total);
    vireo_test_support::wait_for_text(&log, "VIREO-TEST-GUEST-READY", 120);
    shutdown_and_wait(&req.name);
    remove_vm(&req.name);
}

#[test]
fn a_cancelled_copy_leaves_nothing() {
    let _s = vireo_test_support::serial();
    let pool = TestPool::new("cancel");
    let mut req = request("cancel", &pool);
    req.source = Source::Import {
        path: test_guest().display().to_string(),
        mode: ImportMode::Copy,
    };
    let cancel = Cancel::default();
    let trigger = cancel.clone();
    let err = create(&conn(), &req, &host(), &move |_| trigger.cancel(), &cancel).unwrap_err();
    assert!(matches!(err, CreateError::Cancelled), "{err}");
    assert!(conn().lookup_domain_by_name(&req.name).is_err());
    assert!(pool.files().is_empty(), "{:?}", pool.files());
}

#[test]
fn uefi_and_tpm_vms_define() {
    let _s = vireo_test_support::serial();
    let pool = TestPool::new("uefi");
    let mut req = request("uefi", &pool);
    req.firmware = Firmware::Uefi;
    req.tpm = true;
    req.start = true;
    let created = create(&conn(), &req, &host(), &|_| {}, &Cancel::default()).unwrap();
    // libvirt resolves firmware auto-selection when the VM starts: the live XML names it.
    let xml = conn()
        .lookup_domain_by_uuid_string(&created.uuid)
        .unwrap()
        .xml_desc(0)
        .unwrap();
    assert!(
        xml.contains("<loader") && xml.contains("OVMF"),
        "libvirt chose OVMF: {xml}"
    );
    assert!(xml.contains("<tpm model='tpm-crb'>"));
    assert!(
        xml.contains("<backend type='emulator' version='2.0'"),
        "swtpm runs: {xml}"
    );
    remove_vm(&req.name);
}

#[test]
fn the_preview_is_exactly_what_gets_defined() {
    let _s = vireo_test_support::serial();
    let pool = TestPool::new("preview");
    let mut req = request("preview", &pool);
    req.source = Source::Import {
        path: test_guest().display().to_string(),
        mode: ImportMode::Overlay,
    };
    let image = validate(&conn(), &req, &host()).unwrap();
    let preview = preview_xml(
        &req,
        &host(),
        image.as_ref(),
        &pool.dir.display().to_string(),
    );
    assert!(
        preview.contains("<seclabel model='dac' relabel='no'/>"),
        "{preview}"
    );
    let created = create(&conn(), &req, &host(), &|_| {}, &Cancel::default()).unwrap();
    assert_eq!(created.xml, preview);
    remove_vm(&req.name);
}

#[test]
fn the_nat_network_is_only_started_with_consent() {
    let _s = vireo_test_support::serial();
    let pool = TestPool::new("nat");
    let net = conn()
        .lookup_network_by_name("default")
        .expect("libvirt's default network is defined");
    let was_active = net.is_active().unwrap();
    if was_active {
        net.destroy().unwrap();
    }
    let mut req = request("nat", &pool);
    req.network = NetworkChoice::Nat;
    req.setup_network = false;
    refused(&req, &pool, "allow Vireo to start it");
    assert!(!net.is_active().unwrap(), "not started without consent");

    req.setup_network = true;
    let created = create(&conn(), &req, &host(), &|_| {}, &Cancel::default()).unwrap();
    assert!(net.is_active().unwrap(), "started with consent");
    assert!(created.xml.contains("<source network='default'/>"));
    remove_vm(&req.name);
    if !was_active {
        let _ = net.destroy();
    }
}

/// A 64 MiB qcow2 v3 written byte by byte, with incompatible feature bits and header
/// extensions of our choosing.
fn qcow2_bytes(incompat: u64, extensions: &[(u32, &[u8])]) -> Vec<u8> {
    vireo_storage::testing::Qcow2 {
        size: 64 << 20,
        l1_size: 1,
        incompat,
        extensions: extensions.iter().map(|(k, d)| (*k, d.to_vec())).collect(),
        ..Default::default()
    }
    .bytes()
}

fn volumes(pool: &TestPool) -> Vec<String> {
    let p = conn().lookup_storage_pool_by_name(&pool.name).unwrap();
    let _ = p.refresh(0);
    let mut names = p.list_volumes().unwrap();
    names.sort();
    names
}

#[test]
fn an_external_data_file_on_a_host_file_is_refused_before_anything_exists() {
    let _s = vireo_test_support::serial();
    let pool = TestPool::new("datafile");
    let dir = scratch().join("datafile");
    std::fs::create_dir_all(&dir).unwrap();
    let evil = dir.join("evil.qcow2");
    std::fs::write(&evil, qcow2_bytes(4, &[(0x4441_5441, b"/etc/passwd")])).unwrap();
    let sum = Sha256::digest(std::fs::read(&evil).unwrap()).to_vec();
    let vols = volumes(&pool);
    for mode in [ImportMode::Overlay, ImportMode::Copy, ImportMode::InPlace] {
        let mut req = request("datafile", &pool);
        req.source = Source::Import {
            path: evil.display().to_string(),
            mode,
        };
        let err = refused(&req, &pool, "external data file");
        assert!(err.is_input(), "{err}");
        assert!(err.to_string().contains("/etc/passwd"), "{err}");
        assert_eq!(volumes(&pool), vols, "{mode:?}: no volume was created");
    }
    assert_eq!(Sha256::digest(std::fs::read(&evil).unwrap()).to_vec(), sum);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_dirty_image_needs_its_warning_acknowledged() {
    let _s = vireo_test_support::serial();
    let pool = TestPool::new("dirty");
    let dir = scratch().join("dirty");
    std::fs::create_dir_all(&dir).unwrap();
    let dirty = dir.join("dirty.qcow2");
    std::fs::write(&dirty, qcow2_bytes(1, &[])).unwrap();
    let before = std::fs::read(&dirty).unwrap();
    let mut req = request("dirty", &pool);
    req.source = Source::Import {
        path: dirty.display().to_string(),
        mode: ImportMode::Overlay,
    };
    let err = refused(&req, &pool, "not closed cleanly");
    assert!(err.to_string().contains("confirm this warning"), "{err}");
    // In place, QEMU would repair the user's file: refused even when acknowledged.
    req.acknowledged = vec![vireo_storage::WarningId::DirtyImage];
    req.source = Source::Import {
        path: dirty.display().to_string(),
        mode: ImportMode::InPlace,
    };
    refused(&req, &pool, "repair it in place");
    req.source = Source::Import {
        path: dirty.display().to_string(),
        mode: ImportMode::Overlay,
    };
    let created = create(&conn(), &req, &host(), &|_| {}, &Cancel::default()).unwrap();
    assert!(created.xml.contains(&dirty.display().to_string()));
    remove_vm(&req.name);
    for v in volumes(&pool) {
        let p = conn().lookup_storage_pool_by_name(&pool.name).unwrap();
        let _ = p.lookup_storage_vol_by_name(&v).map(|v| v.delete(0));
    }
    assert_eq!(
        std::fs::read(&dirty).unwrap(),
        before,
        "never repaired in place"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_copy_of_an_image_with_a_backing_file_is_refused() {
    let _s = vireo_test_support::serial();
    let pool = TestPool::new("copy-chain");
    let dir = scratch().join("copy-chain");
    std::fs::create_dir_all(&dir).unwrap();
    let base = dir.join("base.qcow2");
    let top = dir.join("top.qcow2");
    for args in [
        vec!["create", "-q", "-f", "qcow2", base.to_str().unwrap(), "64M"],
        vec![
            "create",
            "-q",
            "-f",
            "qcow2",
            "-F",
            "qcow2",
            "-b",
            "base.qcow2",
            top.to_str().unwrap(),
        ],
    ] {
        assert!(Command::new("qemu-img")
            .args(&args)
            .status()
            .unwrap()
            .success());
    }
    let mut req = request("copy-chain", &pool);
    req.source = Source::Import {
        path: top.display().to_string(),
        mode: ImportMode::Copy,
    };
    // Copied byte for byte, its relative backing name would point into the pool.
    refused(&req, &pool, "a copy would lose it");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_image_larger_than_its_pool_needs_the_warning_acknowledged() {
    let _s = vireo_test_support::serial();
    let pool = TestPool::new("big");
    let dir = scratch().join("big");
    std::fs::create_dir_all(&dir).unwrap();
    let big = dir.join("big.qcow2");
    // 1 PiB of virtual size in a 256 KiB file: larger than any pool here, nothing allocated.
    let bytes = vireo_storage::testing::Qcow2 {
        size: 1 << 50,
        l1_size: 1 << 21,
        l1_offset: 4 * vireo_storage::testing::CLUSTER,
        file_len: 4 * vireo_storage::testing::CLUSTER + (8 << 21),
        ..Default::default()
    }
    .bytes();
    std::fs::write(&big, bytes).unwrap();
    let mut req = request("big", &pool);
    req.source = Source::Import {
        path: big.display().to_string(),
        mode: ImportMode::Overlay,
    };
    let err = refused(&req, &pool, "more than the whole storage pool");
    assert!(err.to_string().contains("confirm this warning"), "{err}");
    req.acknowledged = vec![vireo_storage::WarningId::LargerThanPool];
    let image = validate(&conn(), &req, &host()).unwrap().unwrap();
    assert_eq!(
        image.warnings[0].id,
        vireo_storage::WarningId::LargerThanPool
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
