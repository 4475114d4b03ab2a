//! # vireo-libvirt
//!
//! Vireo's libvirt backend. It opens connections with libvirt's event loop running, keeps a
//! live inventory of every VM on every open connection from lifecycle events (no polling,
//! except for drivers that have no events), reconnects when a daemon goes away, and runs
//! lifecycle actions after checking them against the VM state machine ([`state`]).
//!
//! ```no_run
//! use vireo_libvirt::{Inventory, InventoryEvent};
//! let inventory = Inventory::new(|event: InventoryEvent| println!("{event:?}"));
//! inventory.open_builtin();
//! ```

pub mod addresses;
pub mod domain_xml;
mod error;
mod ffi;
pub mod inventory;
pub mod screenshot;
pub mod serial;
pub mod snapshots;
pub mod state;
pub mod vm;
pub mod vm_config;
pub mod vm_disks;
pub mod vm_nics;
pub mod vm_platform;

pub use addresses::{AddressSource, GuestAddress, SourceTried, VmAddresses};
pub use error::{classify, BackendError, ErrorKind};
pub use inventory::sample_vm_stats;
pub use inventory::{
    ConnState, ConnectionInfo, ConnectionPatch, Inventory, InventoryEvent, InventorySnapshot,
    NewConnection, StatsSample, VmIoRates, VmRow, VmStats, VmStatsHistory,
};
pub use state::{Action, TransitionError, VmFlags, VmState};
pub use vm::{DiskChoice, VmSummary};
pub use vm_config::{Apply, VmDetails};

/// Opens a connection with the event loop registered first (libvirt requires that order for
/// events to flow) and libvirt's stderr printing silenced.
pub fn open(uri: &str) -> Result<virt::connect::Connect, BackendError> {
    ffi::ensure_event_loop();
    virt::connect::Connect::open(Some(uri)).map_err(|source| BackendError::Connect {
        uri: uri.to_string(),
        source,
    })
}

/// A connected socket to the VM's first graphics device (VNC), handed over by libvirt: no
/// TCP port, no password, and it works for `<listen type='none'/>`. Local connections only:
/// a descriptor cannot cross an ssh link.
pub fn open_graphics_socket(
    dom: &virt::domain::Domain,
) -> Result<std::os::unix::net::UnixStream, virt::error::Error> {
    ffi::open_graphics(dom)
}
