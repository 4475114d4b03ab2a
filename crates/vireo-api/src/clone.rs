//! Cloning a VM, for the list, the VM page and the CLI: linked or full, with the copy's
//! progress (the create-progress event) and a Cancel that removes what was made.

use crate::create::create_error;
use crate::{ApiError, VmRef};
use serde::Deserialize;
use ts_rs::TS;
use vireo_create::{Cancel, CloneRequest, Cloned, Progress};
use vireo_libvirt::Inventory;

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VmCloneRequest {
    pub vm: VmRef,
    pub clone: CloneRequest,
}

fn clone_cancel_slot() -> &'static std::sync::Mutex<Cancel> {
    static SLOT: std::sync::OnceLock<std::sync::Mutex<Cancel>> = std::sync::OnceLock::new();
    SLOT.get_or_init(Default::default)
}

/// Clones a shut-off VM; a full copy reports its progress and can be cancelled
/// ([`vm_clone_cancel`]). Nothing is left behind when it fails.
pub fn vm_clone(
    inv: &Inventory,
    progress: &dyn Fn(Progress),
    req: VmCloneRequest,
) -> Result<Cloned, ApiError> {
    let cancel = Cancel::default();
    *clone_cancel_slot()
        .lock()
        .unwrap_or_else(|p| p.into_inner()) = cancel.clone();
    inv.change_vm(&req.vm.connection, &req.vm.uuid, |conn| {
        vireo_create::clone_vm(conn, &req.vm.uuid, &req.clone, progress, &cancel)
    })
    .map_err(create_error)
}

/// Cancels the clone under way; what it made is removed.
pub fn vm_clone_cancel() {
    clone_cancel_slot()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .cancel();
}

/// The VMs built on this VM's disks (its linked clones), by name: while there are any, it
/// is a template and does not start.
pub fn vm_linked_clones(inv: &Inventory, vm: VmRef) -> Result<Vec<String>, ApiError> {
    let conn = inv.open_connection(&vm.connection)?;
    Ok(vireo_libvirt::vm_disks::linked_clones(&conn, &vm.uuid)?)
}

/// The CLI's clone, by URI and VM name.
pub fn clone_by_name(
    uri: &str,
    source: &str,
    req: &CloneRequest,
    progress: &dyn Fn(Progress),
    cancel: &Cancel,
) -> Result<Cloned, ApiError> {
    let conn = vireo_libvirt::open(uri)?;
    let uuid = vireo_libvirt::vm::uuid_by_name(&conn, source)?;
    vireo_create::clone_vm(&conn, &uuid, req, progress, cancel).map_err(create_error)
}
