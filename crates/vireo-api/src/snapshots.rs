//! A VM's snapshots, for the page and the CLI: list (with what this VM and libvirt allow),
//! create, revert, delete, describe. Each calls [`vireo_libvirt::snapshots`], which checks
//! the state table and the mechanism table first.

use crate::{ApiError, VmRef};
use serde::Deserialize;
use ts_rs::TS;
use vireo_libvirt::snapshots::{
    self, NewSnapshot, SnapshotDelete, SnapshotInfo, SnapshotMechanism, VmSnapshots,
};
use vireo_libvirt::Inventory;
use vireo_storage::snapshots::internal_snapshots;

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VmSnapshotCreateRequest {
    pub vm: VmRef,
    pub snapshot: NewSnapshot,
}

/// One snapshot of one VM, by name.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VmSnapshotRequest {
    pub vm: VmRef,
    pub name: String,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VmSnapshotDeleteRequest {
    pub vm: VmRef,
    pub name: String,
    #[serde(default)]
    pub which: SnapshotDelete,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VmSnapshotDescribeRequest {
    pub vm: VmRef,
    pub name: String,
    pub description: String,
}

/// The list, with each internal snapshot's memory size read from the VM's qcow2 files when
/// they are on this machine and readable (a remote host's paths are not ours to open).
fn listed(conn: &virt::connect::Connect, uuid: &str) -> Result<VmSnapshots, ApiError> {
    let mut all = snapshots::list(conn, uuid)?;
    let local = conn
        .uri()
        .map(|u| {
            u.split_once("://")
                .is_some_and(|(_, rest)| rest.starts_with('/'))
        })
        .unwrap_or(false);
    if local {
        let mut sizes: Vec<(String, u64)> = Vec::new();
        for disk in snapshots::qcow2_disks(conn, uuid)? {
            for s in internal_snapshots(std::path::Path::new(&disk)).unwrap_or_default() {
                sizes.push((s.name, s.vm_state_size));
            }
        }
        for snap in &mut all.snapshots {
            if snap.mechanism == SnapshotMechanism::Internal {
                snap.memory_size = sizes
                    .iter()
                    .filter(|(n, _)| n == &snap.name)
                    .map(|(_, s)| *s)
                    .max();
            }
        }
    }
    Ok(all)
}

pub fn vm_snapshots(inv: &Inventory, vm: VmRef) -> Result<VmSnapshots, ApiError> {
    let conn = inv.open_connection(&vm.connection)?;
    listed(&conn, &vm.uuid)
}

pub fn vm_snapshot_create(
    inv: &Inventory,
    req: VmSnapshotCreateRequest,
) -> Result<SnapshotInfo, ApiError> {
    Ok(inv.change_vm(&req.vm.connection, &req.vm.uuid, |conn| {
        snapshots::create(conn, &req.vm.uuid, &req.snapshot)
    })?)
}

pub fn vm_snapshot_revert(inv: &Inventory, req: VmSnapshotRequest) -> Result<(), ApiError> {
    Ok(inv.change_vm(&req.vm.connection, &req.vm.uuid, |conn| {
        snapshots::revert(conn, &req.vm.uuid, &req.name)
    })?)
}

pub fn vm_snapshot_delete(inv: &Inventory, req: VmSnapshotDeleteRequest) -> Result<(), ApiError> {
    Ok(inv.change_vm(&req.vm.connection, &req.vm.uuid, |conn| {
        snapshots::delete(conn, &req.vm.uuid, &req.name, req.which)
    })?)
}

pub fn vm_snapshot_describe(
    inv: &Inventory,
    req: VmSnapshotDescribeRequest,
) -> Result<(), ApiError> {
    Ok(inv.change_vm(&req.vm.connection, &req.vm.uuid, |conn| {
        snapshots::describe(conn, &req.vm.uuid, &req.name, &req.description)
    })?)
}

/// The same operations for the CLI, by URI and VM name.
pub mod by_name {
    use super::*;

    fn open(uri: &str, name: &str) -> Result<(virt::connect::Connect, String), ApiError> {
        let conn = vireo_libvirt::open(uri)?;
        let uuid = vireo_libvirt::vm::uuid_by_name(&conn, name)?;
        Ok((conn, uuid))
    }

    pub fn list(uri: &str, vm: &str) -> Result<VmSnapshots, ApiError> {
        let (conn, uuid) = open(uri, vm)?;
        listed(&conn, &uuid)
    }

    pub fn create(uri: &str, vm: &str, snapshot: &NewSnapshot) -> Result<SnapshotInfo, ApiError> {
        let (conn, uuid) = open(uri, vm)?;
        Ok(snapshots::create(&conn, &uuid, snapshot)?)
    }

    pub fn revert(uri: &str, vm: &str, name: &str) -> Result<(), ApiError> {
        let (conn, uuid) = open(uri, vm)?;
        Ok(snapshots::revert(&conn, &uuid, name)?)
    }

    pub fn delete(uri: &str, vm: &str, name: &str, which: SnapshotDelete) -> Result<(), ApiError> {
        let (conn, uuid) = open(uri, vm)?;
        Ok(snapshots::delete(&conn, &uuid, name, which)?)
    }

    pub fn describe(uri: &str, vm: &str, name: &str, description: &str) -> Result<(), ApiError> {
        let (conn, uuid) = open(uri, vm)?;
        Ok(snapshots::describe(&conn, &uuid, name, description)?)
    }
}
