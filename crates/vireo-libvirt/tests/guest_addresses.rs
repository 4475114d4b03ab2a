//! A real guest's address on `qemu:///system`: the test guest on libvirt's NAT network asks
//! for a DHCP lease at boot, has no guest agent, and its address is found in the lease.

use std::time::{Duration, Instant};
use vireo_create::NetworkChoice;
use vireo_libvirt::addresses::{self, AddressSource};
use vireo_test_support::{TestGuest, SYSTEM_URI};

#[test]
fn a_guest_on_the_nat_network_is_found_by_its_lease() {
    let _serial = vireo_test_support::serial();
    let guest = TestGuest::define_with("vireo-it-addr", |req| {
        req.network = NetworkChoice::Nat;
        req.setup_network = true;
    });
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
}
