//! A real guest on `qemu:///system`'s NAT network: it asks for a DHCP lease at boot, has no
//! guest agent, and its address is found in the lease; while it boots, the VM page's stats
//! (watched through the inventory) see its CPU, disk reads and network traffic.

use std::time::{Duration, Instant};
use vireo_create::NetworkChoice;
use vireo_libvirt::addresses::{self, AddressSource};
use vireo_libvirt::{ConnState, Inventory, InventoryEvent};
use vireo_test_support::{TestGuest, SYSTEM_URI};

/// An inventory on qemu:///system, connected.
fn system_inventory() -> Inventory {
    let (tx, rx) = std::sync::mpsc::channel();
    let sink = std::sync::Mutex::new(tx);
    let inv = Inventory::with_config_dir(move |e| drop(sink.lock().unwrap().send(e)), None);
    inv.open_transient("s", "System", SYSTEM_URI);
    let deadline = Instant::now() + Duration::from_secs(10);
    while let Ok(e) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        if matches!(&e, InventoryEvent::Connection { connection }
            if connection.state == ConnState::Connected)
        {
            return inv;
        }
    }
    panic!("qemu:///system did not connect");
}

#[test]
fn a_guest_on_the_nat_network_is_found_by_its_lease() {
    let _serial = vireo_test_support::serial();
    let guest = TestGuest::define_with("vireo-it-addr", |req| {
        req.network = NetworkChoice::Nat;
        req.setup_network = true;
    });
    let inv = system_inventory();
    assert!(inv
        .watch_stats("s", &guest.uuid)
        .unwrap()
        .samples
        .is_empty());
    guest.boot();
    let conn = vireo_libvirt::open(SYSTEM_URI).unwrap();
    let start = Instant::now();
    let found = loop {
        let found = addresses::addresses(&conn, &guest.uuid).unwrap();
        if found.source.is_some() || start.elapsed() > Duration::from_secs(60) {
            break found;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    assert_eq!(found.source, Some(AddressSource::Lease), "{found:?}");
    // The agent was asked first and said why it could not answer.
    assert_eq!(found.tried[0].source, AddressSource::Agent);
    assert_ne!(found.tried[0].outcome, "no addresses", "{found:?}");
    let a = &found.addresses[0];
    assert!(a.address.starts_with("192.168.122."), "{a:?}");
    assert_eq!((a.family.as_str(), a.prefix), ("ipv4", 24));
    eprintln!(
        "lease found {:?} after the guest was ready",
        start.elapsed()
    );

    // The page's history: the booting guest used CPU, read its disk, sent its DHCP request
    // and reported its memory, each from the connection's bulk call.
    let history = inv.watch_stats("s", &guest.uuid).unwrap();
    inv.unwatch_stats("s", &guest.uuid);
    inv.unwatch_stats("s", &guest.uuid);
    let samples = &history.samples;
    assert!(samples.len() >= 2, "{samples:?}");
    let most = |f: fn(&vireo_libvirt::VmIoRates) -> Option<f64>| {
        samples
            .iter()
            .filter_map(|s| s.io.as_ref().and_then(f))
            .fold(0.0, f64::max)
    };
    assert!(samples.iter().any(|s| s.cpu_percent > 0.0), "{samples:?}");
    assert!(
        samples.iter().all(|s| s.memory_used.unwrap_or(0) > 0),
        "{samples:?}"
    );
    // New VMs' balloons have a stats period: the guest's driver reports its own use, less
    // than the 256 MiB it has.
    let guest_used = samples
        .iter()
        .filter_map(|s| s.guest_memory_used)
        .next_back();
    assert!(
        guest_used.is_some_and(|b| b > 0 && b < 256 << 20),
        "{samples:?}"
    );
    assert!(most(|io| io.disk_read) > 0.0, "{samples:?}");
    assert!(most(|io| io.net_tx) > 0.0, "{samples:?}");
    assert!(samples.windows(2).all(|w| w[0].at < w[1].at));
}
