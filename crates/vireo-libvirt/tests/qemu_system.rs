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

fn inventory() -> (Inventory, Receiver<InventoryEvent>) {
    inventory_on("sys", URI)
}

#[test]
fn lifecycle_through_the_api_with_events() {
    let _serial = vireo_test_support::serial();
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
    // How fast is a benchmark's question (make bench); here the event only has to come.
    println!("start → Started event in the inventory: {:?}", seen - sent);

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

fn libvirtd_pid() -> Option<String> {
    let out = Command::new("pgrep")
        .args(["-x", "libvirtd"])
        .output()
        .ok()?;
    let pid = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()?
        .trim()
        .to_string();
    (!pid.is_empty()).then_some(pid)
}

fn signal_libvirtd(signal: &str) {
    if systemd() {
        let ok = Command::new("systemctl")
            .args(["kill", "-s", signal, "libvirtd"])
            .status()
            .unwrap()
            .success();
        assert!(ok, "systemctl kill -s {signal} libvirtd");
        return;
    }
    let pid = libvirtd_pid().expect("libvirtd runs");
    let ok = Command::new("kill")
        .args([&format!("-{signal}"), &pid])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -{signal} libvirtd");
}

fn start_libvirtd() {
    let ok = if systemd() {
        Command::new("systemctl")
            .args(["start", "libvirtd"])
            .status()
    } else {
        Command::new("libvirtd").arg("-d").status()
    }
    .unwrap()
    .success();
    assert!(ok, "start libvirtd");
}

/// Waits for `want` in the connection's state, the whole way ignoring other events.
fn wait_conn(rx: &Receiver<InventoryEvent>, secs: u64, what: &str, want: ConnState) -> Instant {
    wait_for(rx, secs, what, |e| conn_state(e, want))
}

#[test]
fn a_crashed_libvirtd_is_reconnected_as_soon_as_it_answers_again() {
    let _serial = vireo_test_support::serial();
    let runner = TestDomain::define("crash");
    let (inv, rx) = inventory();
    wait_conn(&rx, 10, "connected", ConnState::Connected);
    inv.perform("sys", &runner.uuid, Action::Start).unwrap();
    wait_for(&rx, 5, "running", |e| {
        is_state(e, &runner.uuid, VmState::Running)
    });

    signal_libvirtd("KILL");
    wait_conn(&rx, 10, "connection lost", ConnState::Lost);
    // A call in the moment the daemon is gone says so, as unavailable.
    let err = inv.perform("sys", &runner.uuid, Action::Pause).unwrap_err();
    assert_eq!(err.kind(), vireo_libvirt::ErrorKind::Unavailable, "{err}");
    // A long outage: the old schedule would retry only at 14.5 s, then 30.5 s.
    std::thread::sleep(Duration::from_secs(9));
    let blinks_before = std::iter::from_fn(|| rx.try_recv().ok())
        .filter(|e| matches!(e, InventoryEvent::Connection { .. }))
        .count();
    std::thread::sleep(Duration::from_secs(3));
    let blinks = std::iter::from_fn(|| rx.try_recv().ok())
        .filter(|e| matches!(e, InventoryEvent::Connection { .. }))
        .count();
    assert_eq!(
        blinks, 0,
        "failed retries of a daemon that is away send no events ({blinks_before} before)"
    );
    start_libvirtd();
    let mut answered = None;
    let deadline = Instant::now() + Duration::from_secs(15);
    while answered.is_none() {
        if libvirtd_answers() {
            answered = Some(Instant::now());
        }
        assert!(Instant::now() < deadline, "libvirtd did not come back");
        std::thread::sleep(Duration::from_millis(20));
    }
    let connected = wait_conn(&rx, 15, "reconnected", ConnState::Connected);
    let after = connected.saturating_duration_since(answered.unwrap());
    println!("reconnected {after:?} after libvirtd answered again (12 s outage)");
    assert!(after < Duration::from_secs(1), "{after:?}");
    let vm = inv
        .snapshot()
        .vms
        .into_iter()
        .find(|r| r.vm.uuid == runner.uuid);
    assert_eq!(
        vm.map(|r| r.vm.state),
        Some(VmState::Running),
        "the VM survived"
    );
    inv.perform("sys", &runner.uuid, Action::ForceOff).unwrap();
}

#[test]
fn an_inventory_opened_before_libvirtd_connects_when_it_starts() {
    let _serial = vireo_test_support::serial();
    signal_libvirtd("KILL");
    let deadline = Instant::now() + Duration::from_secs(10);
    while libvirtd_answers() {
        assert!(Instant::now() < deadline, "libvirtd did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
    let (inv, rx) = inventory();
    wait_conn(&rx, 10, "the first connect fails", ConnState::Failed);
    let started = Instant::now();
    start_libvirtd();
    let connected = wait_conn(
        &rx,
        15,
        "connected once libvirtd runs",
        ConnState::Connected,
    );
    assert_eq!(inv.connection("sys").unwrap().state, ConnState::Connected);
    println!(
        "connected {:?} after starting libvirtd",
        connected - started
    );
}

#[test]
fn a_frozen_libvirtd_is_shown_and_calls_do_not_hang() {
    let _serial = vireo_test_support::serial();
    let dom = TestDomain::define("frozen");
    let (inv, rx) = inventory();
    wait_conn(&rx, 10, "connected", ConnState::Connected);
    signal_libvirtd("STOP");
    // Thaw whatever happens below, or every later test would hang.
    struct Thaw;
    impl Drop for Thaw {
        fn drop(&mut self) {
            signal_libvirtd("CONT");
        }
    }
    let thaw = Thaw;
    let frozen = Instant::now();
    let (tx, done) = std::sync::mpsc::channel();
    let (inv2, uuid) = (inv.clone(), dom.uuid.clone());
    std::thread::spawn(move || {
        let _ = tx.send(inv2.perform("sys", &uuid, Action::Start));
    });
    let lost = wait_for(&rx, 20, "the daemon shown as not answering", |e| {
        matches!(e, InventoryEvent::Connection { connection }
            if connection.state == ConnState::Lost
                && connection.error.as_deref().is_some_and(|m| m.contains("does not answer")))
    });
    println!("frozen libvirtd shown after {:?}", lost - frozen);
    let result = done
        .recv_timeout(Duration::from_secs(10))
        .expect("the call blocked on the frozen daemon returned");
    let err = result.expect_err("the call failed");
    assert_eq!(err.kind(), vireo_libvirt::ErrorKind::Unavailable, "{err}");
    drop(thaw);
    // libvirt 9.0's daemon sometimes segfaults when it resumes with clients gone (seen here,
    // in dmesg): then it is started again, and Vireo must still come back to it.
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline && libvirtd_pid().is_some() && !libvirtd_answers() {
        std::thread::sleep(Duration::from_millis(100));
    }
    if libvirtd_pid().is_none() {
        println!("libvirtd died after SIGCONT; starting it again");
        start_libvirtd();
    }
    wait_conn(&rx, 30, "reconnected after the thaw", ConnState::Connected);
}

#[test]
fn libvirtd_restart_reconnects_and_reconciles() {
    let _serial = vireo_test_support::serial();
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
    let _serial = vireo_test_support::serial();
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
    let _serial = vireo_test_support::serial();
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
