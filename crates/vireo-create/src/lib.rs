//! # vireo-create
//!
//! Creating a VM the way the wizard describes it: validate everything first, then create the
//! storage, define the domain and optionally start it — and if any step fails, undo every step
//! already taken, so nothing is left half-created and no file of the user's is modified.
//!
//! The modules follow that story: `request` is what is asked, `validate` checks it, `plan`
//! turns it into disks and a domain, `network` and `storage` create what it needs, `steps`
//! runs the creation in order, and `rollback` undoes it when a step fails. `disk` adds a disk
//! to a VM that exists, with the same inspection, storage steps and rollback.
//!
//! ```no_run
//! use vireo_create::*;
//! let conn = vireo_libvirt::open("qemu:///system").unwrap();
//! let req = CreateRequest::empty("scratch", 2048, 2, 20);
//! let host = HostLimits { memory: 16 << 30, cpus: 8, domain_type: vireo_domain::DomainType::Qemu };
//! let created = create(&conn, &req, &host, &|_| {}, &Cancel::default()).unwrap();
//! println!("{}", created.uuid);
//! ```
#![forbid(unsafe_code)]

mod clone;
mod disk;
mod error;
mod network;
mod plan;
mod request;
mod rollback;
mod steps;
mod storage;
mod validate;

pub use clone::{clone_vm, CloneMode, CloneRequest, Cloned};
pub use disk::{add_disk, AddedDisk, DiskAddRequest, NewDiskSource};
pub use error::CreateError;
pub use plan::preview_xml;
pub use request::{
    Cancel, CreateRequest, Created, HostLimits, ImportMode, NetworkChoice, Progress, Source,
};
pub use validate::{pool_warnings, qemu_can_read, shared_disk_warning, validate, MIN_MEMORY_MIB};

use rollback::Rollback;
use virt::connect::Connect;

/// Creates the VM. On any failure (or cancel) everything this call created is removed again.
pub fn create(
    conn: &Connect,
    req: &CreateRequest,
    host: &HostLimits,
    progress: &dyn Fn(Progress),
    cancel: &Cancel,
) -> Result<Created, CreateError> {
    let image = validate(conn, req, host)?;
    let mut undo = Rollback::default();
    match steps::create_steps(conn, req, host, image, progress, cancel, &mut undo) {
        Ok(created) => Ok(created),
        Err(e) => {
            undo.run();
            Err(e)
        }
    }
}
