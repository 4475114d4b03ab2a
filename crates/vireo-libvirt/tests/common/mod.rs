//! Shared by the qemu:///system test files.
#![allow(dead_code)]

use std::sync::mpsc::{channel, Receiver};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use vireo_libvirt::{ConnState, Inventory, InventoryEvent, VmState};

pub const URI: &str = "qemu:///system";

/// A domain defined for one test and removed afterwards, whatever happens.
pub struct TestDomain {
    pub name: String,
    pub uuid: String,
}

impl TestDomain {
    pub fn define(tag: &str) -> Self {
        let name = format!("vireo-it-{}-{tag}", std::process::id());
        let xml = format!(
            "<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory>\
             <vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>\
             <features><acpi/></features><devices><graphics type='vnc'>\
             <listen type='none'/></graphics></devices></domain>"
        );
        let conn = vireo_libvirt::open(URI).expect("qemu:///system reachable");
        let dom = conn.define_domain_xml(&xml).expect("define");
        TestDomain {
            uuid: dom.uuid_string().unwrap(),
            name,
        }
    }
}

impl Drop for TestDomain {
    fn drop(&mut self) {
        remove_domain(&self.name);
    }
}

pub fn remove_domain(name: &str) {
    if let Ok(conn) = vireo_libvirt::open(URI) {
        if let Ok(dom) = conn.lookup_domain_by_name(name) {
            let _ = dom.destroy();
            let _ = dom.undefine_flags(virt::sys::VIR_DOMAIN_UNDEFINE_MANAGED_SAVE);
        }
    }
}

pub fn inventory_on(id: &str, uri: &str) -> (Inventory, Receiver<InventoryEvent>) {
    let (tx, rx) = channel();
    let tx = Mutex::new(tx);
    let inv = Inventory::with_config_dir(move |e| drop(tx.lock().unwrap().send(e)), None);
    inv.open_transient(id, id, uri);
    (inv, rx)
}

pub fn wait_for(
    rx: &Receiver<InventoryEvent>,
    secs: u64,
    what: &str,
    until: impl Fn(&InventoryEvent) -> bool,
) -> Instant {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while let Ok(ev) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        if until(&ev) {
            return Instant::now();
        }
    }
    panic!("{what}: not seen within {secs} s");
}

pub fn is_state(ev: &InventoryEvent, uuid: &str, state: VmState) -> bool {
    matches!(ev, InventoryEvent::VmUpserted { vm, .. } if vm.uuid == uuid && vm.state == state)
}

pub fn conn_state(ev: &InventoryEvent, state: ConnState) -> bool {
    matches!(ev, InventoryEvent::Connection { connection } if connection.state == state)
}
