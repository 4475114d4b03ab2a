//! Network interfaces of an existing VM on libvirt's test driver (`fixtures/nics.xml`): each
//! change as libvirt stores it, and each refusal leaving every VM as it was.

use std::path::PathBuf;
use vireo_domain::nic::{NewNic, NicModel, NicSource};
use vireo_libvirt::vm_config::Apply;
use vireo_libvirt::{vm_nics, BackendError, ErrorKind};
use virt::connect::Connect;

const WEB: &str = "44444444-4444-4444-8444-444444444444";
const STOPPED: &str = "99999999-9999-4999-8999-999999999999";

fn open() -> Connect {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/nics.xml");
    vireo_libvirt::open(&format!("test://{}", path.display())).unwrap()
}

fn stored(conn: &Connect, uuid: &str) -> String {
    vireo_libvirt::vm_config::stored_xml(conn, uuid).unwrap()
}

fn nic(source: NicSource, mac: Option<&str>) -> NewNic {
    NewNic {
        source,
        model: NicModel::Virtio,
        mac: mac.map(str::to_string),
    }
}

fn default_net() -> NicSource {
    NicSource::Network {
        name: "default".into(),
    }
}

fn refused<T: std::fmt::Debug>(r: Result<T, BackendError>, says: &str) {
    let e = r.expect_err("must be refused");
    assert!(
        matches!(e.kind(), ErrorKind::InvalidInput | ErrorKind::InvalidState),
        "a refusal, not a failure: {e:?}"
    );
    assert!(e.to_string().contains(says), "{e} should say {says:?}");
}

#[test]
fn a_nic_is_added_for_the_next_boot_with_a_fresh_mac() {
    let conn = open();
    let mac = vm_nics::add_nic(&conn, STOPPED, &nic(default_net(), None), Apply::NextBoot).unwrap();
    assert!(mac.starts_with("52:54:00:"), "{mac}");
    assert_ne!(mac, "52:54:00:00:00:02");
    let xml = stored(&conn, STOPPED);
    assert!(xml.contains(&format!("<mac address='{mac}'/>")), "{xml}");
    assert!(xml.contains("<model type='virtio'/>"), "{xml}");
}

#[test]
fn removing_and_unplugging_change_the_stored_vm() {
    let conn = open();
    vm_nics::set_nic_link(&conn, STOPPED, "52:54:00:00:00:02", false, Apply::NextBoot).unwrap();
    assert!(stored(&conn, STOPPED).contains("<link state='down'/>"));
    vm_nics::remove_nic(&conn, STOPPED, "52:54:00:00:00:02", Apply::NextBoot).unwrap();
    assert!(!stored(&conn, STOPPED).contains("52:54:00:00:00:02"));
}

#[test]
fn bad_input_is_refused_and_nothing_changes() {
    let conn = open();
    let before = (stored(&conn, WEB), stored(&conn, STOPPED));
    // Another VM's address, in any case.
    refused(
        vm_nics::add_nic(
            &conn,
            STOPPED,
            &nic(default_net(), Some("52:54:00:00:00:01")),
            Apply::NextBoot,
        ),
        "already used by web",
    );
    refused(
        vm_nics::add_nic(
            &conn,
            STOPPED,
            &nic(default_net(), Some("52:54:00:00:00:0X")),
            Apply::NextBoot,
        ),
        "not a MAC address",
    );
    refused(
        vm_nics::add_nic(
            &conn,
            STOPPED,
            &nic(
                NicSource::Network {
                    name: "nosuch".into(),
                },
                None,
            ),
            Apply::NextBoot,
        ),
        "there is no network nosuch",
    );
    refused(
        vm_nics::add_nic(
            &conn,
            STOPPED,
            &nic(
                NicSource::Bridge {
                    name: "br0 ; rm".into(),
                },
                None,
            ),
            Apply::NextBoot,
        ),
        "not a bridge name",
    );
    // A stopped VM cannot change now.
    refused(
        vm_nics::add_nic(&conn, STOPPED, &nic(default_net(), None), Apply::Now),
        "",
    );
    refused(
        vm_nics::remove_nic(&conn, WEB, "52:54:00:00:00:99", Apply::NextBoot),
        "no network interface 52:54:00:00:00:99",
    );
    assert_eq!((stored(&conn, WEB), stored(&conn, STOPPED)), before);
}
