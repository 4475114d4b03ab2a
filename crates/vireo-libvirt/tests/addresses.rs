//! Finding a running VM's IP addresses on libvirt's test driver (`fixtures/addresses.xml`):
//! the first source that names one answers, and every source asked says what it found.

use std::path::PathBuf;
use vireo_libvirt::addresses::{self, AddressSource};
use virt::connect::Connect;

const WEB: &str = "44444444-4444-4444-8444-444444444444";
const OFFLINE: &str = "88888888-8888-4888-8888-888888888888";
const STOPPED: &str = "99999999-9999-4999-8999-999999999999";

fn open() -> Connect {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/addresses.xml");
    vireo_libvirt::open(&format!("test://{}", path.display())).unwrap()
}

#[test]
fn the_first_source_with_an_address_answers() {
    let found = addresses::addresses(&open(), WEB).unwrap();
    assert_eq!(found.source, Some(AddressSource::Agent));
    assert_eq!(found.tried.len(), 1, "{:?}", found.tried);
    assert_eq!(found.tried[0].outcome, "1 address");
    let a = &found.addresses[0];
    assert_eq!(a.mac.as_deref(), Some("52:54:00:00:00:01"));
    assert_eq!((a.family.as_str(), a.prefix), ("ipv4", 24));
    assert!(a.address.starts_with("192.168.122."), "{a:?}");
}

#[test]
fn without_an_address_every_source_says_what_it_found() {
    let found = addresses::addresses(&open(), OFFLINE).unwrap();
    assert_eq!(found.source, None);
    assert!(found.addresses.is_empty());
    let asked: Vec<_> = found.tried.iter().map(|t| t.source).collect();
    assert_eq!(
        asked,
        [
            AddressSource::Agent,
            AddressSource::Lease,
            AddressSource::Arp
        ]
    );
    assert!(found.tried.iter().all(|t| t.outcome == "no addresses"));
}

#[test]
fn a_stopped_vm_has_none_and_nothing_is_asked() {
    let found = addresses::addresses(&open(), STOPPED).unwrap();
    assert_eq!(
        (found.source, found.addresses.len(), found.tried.len()),
        (None, 0, 0)
    );
}

#[test]
fn an_unknown_vm_is_not_found() {
    let e = addresses::addresses(&open(), "00000000-0000-4000-8000-000000000000").unwrap_err();
    assert_eq!(e.kind(), vireo_libvirt::ErrorKind::NotFound);
}
