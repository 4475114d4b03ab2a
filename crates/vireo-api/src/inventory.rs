//! Inventory operations: connections, the VM list, lifecycle actions, deletion.

use crate::ApiError;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use vireo_libvirt::{
    Action, ConnectionInfo, ConnectionPatch, DiskChoice, Inventory, InventorySnapshot,
    NewConnection,
};

/// One VM, by connection id and UUID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VmRef {
    pub connection: String,
    pub uuid: String,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VmActionRequest {
    pub vm: VmRef,
    pub action: Action,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BulkActionRequest {
    pub vms: Vec<VmRef>,
    pub action: Action,
}

/// The outcome for one VM of a bulk action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BulkOutcome {
    pub vm: VmRef,
    pub error: Option<ApiError>,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeleteRequest {
    pub vm: VmRef,
    /// Disk targets (`vda`) to remove with the VM.
    pub remove_disks: Vec<String>,
    /// The second confirmation, for disks outside a pool or used by another VM.
    pub confirmed_risky: bool,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConnectionUpdate {
    pub id: String,
    pub patch: ConnectionPatch,
}

pub fn inventory_snapshot(inv: &Inventory) -> InventorySnapshot {
    inv.snapshot()
}

pub fn vm_action(inv: &Inventory, req: VmActionRequest) -> Result<(), ApiError> {
    Ok(inv.perform(&req.vm.connection, &req.vm.uuid, req.action)?)
}

/// Runs one action on several VMs; each gets its own outcome, one failure stops nothing.
pub fn vm_action_many(inv: &Inventory, req: BulkActionRequest) -> Vec<BulkOutcome> {
    req.vms
        .into_iter()
        .map(|vm| {
            let error = inv
                .perform(&vm.connection, &vm.uuid, req.action)
                .err()
                .map(ApiError::from);
            BulkOutcome { vm, error }
        })
        .collect()
}

pub fn vm_delete_preview(inv: &Inventory, vm: VmRef) -> Result<Vec<DiskChoice>, ApiError> {
    Ok(inv.delete_preview(&vm.connection, &vm.uuid)?)
}

pub fn vm_delete(inv: &Inventory, req: DeleteRequest) -> Result<(), ApiError> {
    Ok(inv.delete(
        &req.vm.connection,
        &req.vm.uuid,
        &req.remove_disks,
        req.confirmed_risky,
    )?)
}

pub fn set_stats_active(inv: &Inventory, on: bool) {
    inv.set_stats_active(on)
}

pub fn connection_add(
    inv: &Inventory,
    connection: NewConnection,
) -> Result<ConnectionInfo, ApiError> {
    Ok(inv.add_connection(connection)?)
}

pub fn connection_update(
    inv: &Inventory,
    req: ConnectionUpdate,
) -> Result<ConnectionInfo, ApiError> {
    Ok(inv.update_connection(&req.id, req.patch)?)
}

pub fn connection_remove(inv: &Inventory, id: String) -> Result<(), ApiError> {
    Ok(inv.remove_connection(&id)?)
}

pub fn connection_retry(inv: &Inventory, id: String) -> Result<(), ApiError> {
    Ok(inv.reconnect(&id)?)
}

/// Every VM on `uri`, without a long-lived inventory (the CLI's `vireo list`).
pub fn list_vms(uri: &str) -> Result<Vec<vireo_libvirt::VmSummary>, ApiError> {
    let conn = vireo_libvirt::open(uri)?;
    Ok(vireo_libvirt::vm::list(
        &conn,
        &mut vireo_libvirt::vm::DetailsCache::new(),
    )?)
}

/// One action on the VM called `name` on `uri` (the CLI's `vireo vm ACTION NAME`).
pub fn vm_action_by_name(uri: &str, name: &str, action: Action) -> Result<(), ApiError> {
    let conn = vireo_libvirt::open(uri)?;
    let uuid = vireo_libvirt::vm::uuid_by_name(&conn, name)?;
    Ok(vireo_libvirt::vm::perform(&conn, &uuid, action)?)
}
