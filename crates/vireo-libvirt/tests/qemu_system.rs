//! Real integration on `qemu:///system`: TCG guests (`<domain type='qemu'>`) with no disk, so
//! they sit in SeaBIOS. Needs a running libvirtd (`make test` starts it) and root or the
//! libvirt group. The tests in this file run one at a time: one of them restarts libvirtd.

mod common;

use common::{conn_state, inventory_on, is_state, remove_domain, wait_for, TestDomain, URI};
use std::process::Command;
use std::sync::mpsc::Receiver;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use vireo_libvirt::{Action, ConnState, Inventory, InventoryEvent, VmState};

static SERIAL: Mutex<()> = Mutex::new(());

fn inventory() -> (Inventory, Receiver<InventoryEvent>) {
    inventory_on("sys", URI)
}

#[test]
fn lifecycle_through_the_api_with_events() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let (inv, rx) = inventory();
    wait_for(&rx, 10, "connected", |e| {
        conn_state(e, ConnState::Connected)
    });
    assert!(inv.connection("sys").unwrap().live_events);

    let dom = TestDomain::define("life");
    // Defined elsewhere: only libvirt's event can bring it in.
    wait_for(&rx, 5, "defined VM appears", |e| {
        is_state(e, &dom.uuid, VmState::ShutOff)
    });

    let sent = Instant::now();
    inv.perform("sys", &dom.uuid, Action::Start).unwrap();
    let seen = wait_for(&rx, 5, "running", |e| {
        is_state(e, &dom.uuid, VmState::Running)
    });
    let latency = seen - sent;
    println!("start → Started event in the inventory: {latency:?}");
    assert!(latency < Duration::from_secs(1), "{latency:?}");

    let err = inv.perform("sys", &dom.uuid, Action::Start).unwrap_err();
    assert_eq!(err.to_string(), "cannot start a VM that is running");

    inv.perform("sys", &dom.uuid, Action::Pause).unwrap();
    wait_for(&rx, 5, "paused", |e| {
        is_state(e, &dom.uuid, VmState::Paused)
    });
    inv.perform("sys", &dom.uuid, Action::Resume).unwrap();
    wait_for(&rx, 5, "resumed", |e| {
        is_state(e, &dom.uuid, VmState::Running)
    });

    // ACPI shutdown is a request: a guest sitting in SeaBIOS never answers it, which is
    // exactly when the UI offers force off.
    inv.perform("sys", &dom.uuid, Action::Shutdown).unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let vm = inv
        .snapshot()
        .vms
        .into_iter()
        .find(|r| r.vm.uuid == dom.uuid)
        .unwrap();
    assert_eq!(vm.vm.state, VmState::Running);
    assert!(vm.vm.allowed.contains(&Action::ForceOff));

    inv.perform("sys", &dom.uuid, Action::ForceOff).unwrap();
    wait_for(&rx, 5, "shut off", |e| {
        is_state(e, &dom.uuid, VmState::ShutOff)
    });

    inv.perform("sys", &dom.uuid, Action::EnableAutostart)
        .unwrap();
    wait_for(
        &rx,
        5,
        "autostart shown",
        |e| matches!(e, InventoryEvent::VmUpserted { vm, .. } if vm.uuid == dom.uuid && vm.autostart),
    );
    inv.perform("sys", &dom.uuid, Action::DisableAutostart)
        .unwrap();

    inv.delete("sys", &dom.uuid, &[], false).unwrap();
    wait_for(
        &rx,
        5,
        "removed",
        |e| matches!(e, InventoryEvent::VmRemoved { uuid, .. } if *uuid == dom.uuid),
    );
}

fn systemd() -> bool {
    std::fs::read_to_string("/proc/1/comm").is_ok_and(|c| c.trim() == "systemd")
}

fn libvirtd_answers() -> bool {
    Command::new("virsh")
        .args(["-q", "-c", URI, "uri"])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn restart_libvirtd() {
    if systemd() {
        let ok = Command::new("systemctl")
            .args(["restart", "libvirtd"])
            .status()
            .unwrap()
            .success();
        assert!(ok, "systemctl restart libvirtd");
    } else {
        let _ = Command::new("pkill").args(["-x", "libvirtd"]).status();
        let deadline = Instant::now() + Duration::from_secs(15);
        while Command::new("pgrep")
            .args(["-x", "libvirtd"])
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap()
            .success()
        {
            assert!(Instant::now() < deadline, "libvirtd did not stop");
            std::thread::sleep(Duration::from_millis(50));
        }
        let ok = Command::new("libvirtd")
            .arg("-d")
            .status()
            .unwrap()
            .success();
        assert!(ok, "libvirtd -d");
    }
    let deadline = Instant::now() + Duration::from_secs(15);
    while !libvirtd_answers() {
        assert!(Instant::now() < deadline, "libvirtd did not come back");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn libvirtd_restart_reconnects_and_reconciles() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let runner = TestDomain::define("keep");
    let doomed = TestDomain::define("doomed");
    let (inv, rx) = inventory();
    wait_for(&rx, 10, "connected", |e| {
        conn_state(e, ConnState::Connected)
    });
    inv.perform("sys", &runner.uuid, Action::Start).unwrap();
    wait_for(&rx, 5, "running", |e| {
        is_state(e, &runner.uuid, VmState::Running)
    });

    restart_libvirtd();
    // Changed while Vireo may still be reconnecting: one VM removed, one added.
    remove_domain(&doomed.name);
    let newcomer = TestDomain::define("new");

    wait_for(&rx, 30, "connection lost", |e| {
        conn_state(e, ConnState::Lost) || conn_state(e, ConnState::Reconnecting)
    });
    wait_for(&rx, 30, "reconnected", |e| {
        conn_state(e, ConnState::Connected)
    });

    // The list converges on the truth: the running VM survived, the change is reflected.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let snap = inv.snapshot();
        let mine: Vec<&vireo_libvirt::VmRow> = snap
            .vms
            .iter()
            .filter(|r| {
                r.vm.name
                    .starts_with(&format!("vireo-it-{}-", std::process::id()))
            })
            .collect();
        let has = |uuid: &str| mine.iter().find(|r| r.vm.uuid == uuid);
        let ok = has(&runner.uuid).is_some_and(|r| r.vm.state == VmState::Running)
            && has(&newcomer.uuid).is_some()
            && has(&doomed.uuid).is_none();
        if ok {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "inventory did not converge: {mine:#?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(inv.connection("sys").unwrap().state, ConnState::Connected);
    while rx.try_recv().is_ok() {}
    // Events flow again on the new connection.
    inv.perform("sys", &runner.uuid, Action::ForceOff).unwrap();
    wait_for(&rx, 5, "event after reconnect", |e| {
        is_state(e, &runner.uuid, VmState::ShutOff)
    });
}

fn define_with_disks(conn: &virt::connect::Connect, name: &str, disks: &[(&str, &str)]) -> String {
    let devices: String = disks
        .iter()
        .map(|(dev, path)| {
            format!(
                "<disk type='file' device='disk'><driver name='qemu' type='raw'/>\
                 <source file='{path}'/><target dev='{dev}' bus='virtio'/></disk>"
            )
        })
        .collect();
    let xml = format!(
        "<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>\
         <os><type arch='x86_64' machine='pc'>hvm</type></os><devices>{devices}</devices></domain>"
    );
    conn.define_domain_xml(&xml).unwrap().uuid_string().unwrap()
}

#[test]
fn delete_asks_about_disks_and_keeps_what_it_must() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let pid = std::process::id();
    let dir = std::env::temp_dir().join(format!("vireo-it-pool-{pid}"));
    std::fs::create_dir_all(&dir).unwrap();
    let conn = vireo_libvirt::open(URI).unwrap();
    let pool_xml = format!(
        "<pool type='dir'><name>vireo-it-pool-{pid}</name><target><path>{}</path></target></pool>",
        dir.display()
    );
    let pool = conn.create_storage_pool_xml(&pool_xml, 0).unwrap();
    let vol = |name: &str| {
        let xml = format!(
            "<volume><name>{name}</name><capacity unit='KiB'>64</capacity>\
             <target><format type='raw'/></target></volume>"
        );
        virt::storage_vol::StorageVol::create_xml(&pool, &xml, 0)
            .unwrap()
            .path()
            .unwrap()
    };
    let own = vol("own.img");
    let shared = vol("shared.img");
    let outside = std::env::temp_dir().join(format!("vireo-it-outside-{pid}.img"));
    std::fs::write(&outside, vec![0u8; 65536]).unwrap();
    let outside = outside.to_string_lossy().into_owned();
    let a_name = format!("vireo-it-{pid}-disks");
    let b_name = format!("vireo-it-{pid}-sharer");
    let a = define_with_disks(
        &conn,
        &a_name,
        &[("vda", &own), ("vdb", &outside), ("vdc", &shared)],
    );
    define_with_disks(&conn, &b_name, &[("vda", &shared)]);

    let (inv, rx) = inventory();
    wait_for(&rx, 10, "connected", |e| {
        conn_state(e, ConnState::Connected)
    });
    let preview = inv.delete_preview("sys", &a).unwrap();
    let disk = |t: &str| preview.iter().find(|d| d.target == t).unwrap();
    assert_eq!(
        disk("vda").pool.as_deref(),
        Some(format!("vireo-it-pool-{pid}").as_str())
    );
    assert!(disk("vda").remove_by_default && !disk("vda").needs_confirmation);
    assert_eq!(disk("vdb").pool, None);
    assert!(!disk("vdb").remove_by_default && disk("vdb").needs_confirmation);
    assert_eq!(disk("vdc").shared_with, std::slice::from_ref(&b_name));
    assert!(disk("vdc").needs_confirmation);

    // Outside a pool without the second confirmation: refused, nothing touched.
    let targets = ["vda".to_string(), "vdb".to_string()];
    let err = inv.delete("sys", &a, &targets, false).unwrap_err();
    assert!(
        err.to_string().contains("outside every storage pool"),
        "{err}"
    );
    assert!(conn.lookup_domain_by_name(&a_name).is_ok());
    assert!(std::path::Path::new(&own).exists() && std::path::Path::new(&outside).exists());

    inv.delete("sys", &a, &targets, true).unwrap();
    assert!(conn.lookup_domain_by_name(&a_name).is_err());
    assert!(!std::path::Path::new(&own).exists(), "pool volume removed");
    assert!(
        !std::path::Path::new(&outside).exists(),
        "confirmed outside file removed"
    );
    assert!(
        std::path::Path::new(&shared).exists(),
        "unchosen shared disk kept"
    );

    remove_domain(&b_name);
    let _ = pool.destroy();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn drivers_without_events_are_polled() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let (tx, rx) = std::sync::mpsc::channel();
    let tx = Mutex::new(tx);
    let inv = Inventory::with_config_dir(move |e| drop(tx.lock().unwrap().send(e)), None);
    inv.open_transient_polling("poll", "Polled", URI);
    wait_for(&rx, 10, "connected", |e| {
        conn_state(e, ConnState::Connected)
    });
    assert!(!inv.connection("poll").unwrap().live_events);
    // Defined behind the inventory's back: only the poll can find it.
    let dom = TestDomain::define("polled");
    let found = Instant::now();
    wait_for(&rx, 10, "found by polling", |e| {
        is_state(e, &dom.uuid, VmState::ShutOff)
    });
    println!("polling found the new VM after {:?}", found.elapsed());
    remove_domain(&dom.name);
    wait_for(
        &rx,
        10,
        "removal found by polling",
        |e| matches!(e, InventoryEvent::VmRemoved { uuid, .. } if *uuid == dom.uuid),
    );
}
