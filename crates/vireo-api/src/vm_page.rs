//! The VM page's operations: its details and IP addresses, and every change to a VM after
//! it exists (memory and vCPUs, disks added, removed and grown, firmware, TPM, display, CD-ROM media, network interfaces, boot order,
//! notes, name, XML), and the live stats its graphs draw. Each is also a `vireo vm` subcommand, through the `*_by_name`
//! functions at the end.

use crate::create::create_error;
use crate::{ApiError, Code, VmRef};
use serde::Deserialize;
use std::path::Path;
use std::time::Duration;
use ts_rs::TS;
use vireo_create::{AddedDisk, Cancel, DiskAddRequest, Progress};
use vireo_domain::edit::ResourcePatch;
use vireo_domain::hardware::FirmwareKind;
use vireo_domain::nic::NewNic;
use vireo_libvirt::vm_disks::RemovedFile;
use vireo_libvirt::{
    addresses, vm_config, vm_disks, vm_nics, vm_platform, Apply, Inventory, VmAddresses, VmDetails,
    VmStats, VmStatsHistory,
};
use virt::connect::Connect;

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VmResourcesRequest {
    pub vm: VmRef,
    pub patch: ResourcePatch,
    pub apply: Apply,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VmCdromRequest {
    pub vm: VmRef,
    /// The drive (`sda`).
    pub target: String,
    /// The ISO to insert; None ejects.
    pub iso: Option<String>,
    pub apply: Apply,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VmNicAddRequest {
    pub vm: VmRef,
    pub nic: NewNic,
    pub apply: Apply,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VmNicRemoveRequest {
    pub vm: VmRef,
    pub mac: String,
    pub apply: Apply,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VmNicLinkRequest {
    pub vm: VmRef,
    pub mac: String,
    /// The cable plugged in (true) or pulled out.
    pub up: bool,
    pub apply: Apply,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VmDiskGrowRequest {
    pub vm: VmRef,
    /// The disk (`vda`).
    pub target: String,
    /// Its new size in bytes: more than it has.
    pub bytes: u64,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VmDiskAddRequest {
    pub vm: VmRef,
    pub disk: DiskAddRequest,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VmDiskRemoveRequest {
    pub vm: VmRef,
    /// The disk (`vdb`).
    pub target: String,
    /// Delete its file too (a volume in a pool, used by no other VM, unless confirmed).
    pub delete_file: bool,
    /// The second confirmation: the file lies outside every pool or another VM uses it.
    pub confirmed_risky: bool,
    pub apply: Apply,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VmFirmwareRequest {
    pub vm: VmRef,
    pub firmware: FirmwareKind,
}

/// A TPM or a VNC display on (true) or off.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VmToggleRequest {
    pub vm: VmRef,
    pub on: bool,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VmBootRequest {
    pub vm: VmRef,
    /// Disk targets and NIC MAC addresses, first first.
    pub order: Vec<String>,
    pub menu: Option<bool>,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VmNotesRequest {
    pub vm: VmRef,
    pub text: String,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VmRenameRequest {
    pub vm: VmRef,
    pub name: String,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VmDefineXmlRequest {
    pub vm: VmRef,
    pub xml: String,
}

pub fn vm_details(inv: &Inventory, vm: VmRef) -> Result<VmDetails, ApiError> {
    let conn = inv.open_connection(&vm.connection)?;
    Ok(vm_config::details(&conn, &vm.uuid)?)
}

/// Not part of [`vm_details`]: the agent may take seconds to answer, and details are read
/// on every event about the VM.
pub fn vm_addresses(inv: &Inventory, vm: VmRef) -> Result<VmAddresses, ApiError> {
    let conn = inv.open_connection(&vm.connection)?;
    Ok(addresses::addresses(&conn, &vm.uuid)?)
}

pub fn vm_set_resources(inv: &Inventory, req: VmResourcesRequest) -> Result<(), ApiError> {
    Ok(inv.change_vm(&req.vm.connection, &req.vm.uuid, |conn| {
        vm_config::set_resources(conn, &req.vm.uuid, &req.patch, req.apply)
    })?)
}

/// An ISO for a CD-ROM drive is judged like the wizard's: the path first, then its content
/// (an ISO, not a disk image), then whether the system daemon's QEMU may read it. Returns
/// the real path (links resolved): what the drive is given.
fn judge_iso(conn: &Connect, path: &str) -> Result<String, ApiError> {
    let refused = |e: &dyn std::error::Error| ApiError::from_chain(Code::InvalidInput, e);
    let image = vireo_storage::inspect(Path::new(path), &[]).map_err(|e| refused(&e))?;
    if image.format != vireo_storage::ImageFormat::Iso {
        return Err(ApiError::new(
            Code::InvalidInput,
            format!(
                "{} is not an ISO image: only ISO images go in a CD-ROM drive",
                vireo_text::shown(path)
            ),
        ));
    }
    let system = conn.uri().map(|u| u.ends_with("/system")).unwrap_or(false);
    if system {
        vireo_create::qemu_can_read(Path::new(&image.path)).map_err(|e| refused(&e))?;
    }
    Ok(image.path)
}

pub fn vm_set_cdrom(inv: &Inventory, req: VmCdromRequest) -> Result<(), ApiError> {
    let iso = match &req.iso {
        Some(chosen) => Some(judge_iso(
            &inv.open_connection(&req.vm.connection)?,
            chosen,
        )?),
        None => None,
    };
    Ok(inv.change_vm(&req.vm.connection, &req.vm.uuid, |conn| {
        vm_config::set_cdrom(conn, &req.vm.uuid, &req.target, iso.as_deref(), req.apply)
    })?)
}

/// Grows a disk (never shrinks it); returns the size it had, in bytes.
pub fn vm_grow_disk(inv: &Inventory, req: VmDiskGrowRequest) -> Result<u64, ApiError> {
    Ok(inv.change_vm(&req.vm.connection, &req.vm.uuid, |conn| {
        vm_disks::grow_disk(conn, &req.vm.uuid, &req.target, req.bytes)
    })?)
}

/// The cancel of the disk copy under way: its own, so cancelling it never stops a creation
/// in the wizard, nor the reverse.
fn disk_cancel_slot() -> &'static std::sync::Mutex<Cancel> {
    static SLOT: std::sync::OnceLock<std::sync::Mutex<Cancel>> = std::sync::OnceLock::new();
    SLOT.get_or_init(Default::default)
}

/// Adds a disk: a new volume, or an image judged as the wizard judges it; a copy reports
/// its progress and can be cancelled ([`vm_add_disk_cancel`]). Nothing is left behind when
/// it fails.
pub fn vm_add_disk(
    inv: &Inventory,
    progress: &dyn Fn(Progress),
    req: VmDiskAddRequest,
) -> Result<AddedDisk, ApiError> {
    let cancel = Cancel::default();
    *disk_cancel_slot().lock().unwrap_or_else(|p| p.into_inner()) = cancel.clone();
    inv.change_vm(&req.vm.connection, &req.vm.uuid, |conn| {
        vireo_create::add_disk(conn, &req.vm.uuid, &req.disk, progress, &cancel)
    })
    .map_err(create_error)
}

/// Cancels the disk copy of a [`vm_add_disk`] under way; its volume is removed.
pub fn vm_add_disk_cancel() {
    disk_cancel_slot()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .cancel();
}

fn removed_file(delete: bool, confirmed_risky: bool) -> RemovedFile {
    if delete {
        RemovedFile::Delete { confirmed_risky }
    } else {
        RemovedFile::Keep
    }
}

/// Removes a disk, and deletes its file if asked (by the rules of deleting a VM).
pub fn vm_remove_disk(inv: &Inventory, req: VmDiskRemoveRequest) -> Result<(), ApiError> {
    let file = removed_file(req.delete_file, req.confirmed_risky);
    Ok(inv.change_vm(&req.vm.connection, &req.vm.uuid, |conn| {
        vm_disks::remove_disk(conn, &req.vm.uuid, &req.target, file, req.apply)
    })?)
}

/// Adds a network interface; returns its MAC address.
pub fn vm_add_nic(inv: &Inventory, req: VmNicAddRequest) -> Result<String, ApiError> {
    Ok(inv.change_vm(&req.vm.connection, &req.vm.uuid, |conn| {
        vm_nics::add_nic(conn, &req.vm.uuid, &req.nic, req.apply)
    })?)
}

pub fn vm_remove_nic(inv: &Inventory, req: VmNicRemoveRequest) -> Result<(), ApiError> {
    Ok(inv.change_vm(&req.vm.connection, &req.vm.uuid, |conn| {
        vm_nics::remove_nic(conn, &req.vm.uuid, &req.mac, req.apply)
    })?)
}

pub fn vm_set_nic_link(inv: &Inventory, req: VmNicLinkRequest) -> Result<(), ApiError> {
    Ok(inv.change_vm(&req.vm.connection, &req.vm.uuid, |conn| {
        vm_nics::set_nic_link(conn, &req.vm.uuid, &req.mac, req.up, req.apply)
    })?)
}

pub fn vm_set_boot(inv: &Inventory, req: VmBootRequest) -> Result<(), ApiError> {
    Ok(inv.change_vm(&req.vm.connection, &req.vm.uuid, |conn| {
        vm_config::set_boot(conn, &req.vm.uuid, &req.order, req.menu)
    })?)
}

/// BIOS or UEFI, for a shut-off VM.
pub fn vm_set_firmware(inv: &Inventory, req: VmFirmwareRequest) -> Result<(), ApiError> {
    Ok(inv.change_vm(&req.vm.connection, &req.vm.uuid, |conn| {
        vm_platform::set_firmware(conn, &req.vm.uuid, req.firmware)
    })?)
}

/// An emulated TPM 2.0 on or off, for a shut-off VM.
pub fn vm_set_tpm(inv: &Inventory, req: VmToggleRequest) -> Result<(), ApiError> {
    Ok(inv.change_vm(&req.vm.connection, &req.vm.uuid, |conn| {
        vm_platform::set_tpm(conn, &req.vm.uuid, req.on)
    })?)
}

/// A VNC display (no TCP listener) on or off, for a shut-off VM.
pub fn vm_set_vnc(inv: &Inventory, req: VmToggleRequest) -> Result<(), ApiError> {
    Ok(inv.change_vm(&req.vm.connection, &req.vm.uuid, |conn| {
        vm_platform::set_vnc(conn, &req.vm.uuid, req.on)
    })?)
}

pub fn vm_set_notes(inv: &Inventory, req: VmNotesRequest) -> Result<(), ApiError> {
    Ok(inv.change_vm(&req.vm.connection, &req.vm.uuid, |conn| {
        vm_config::set_description(conn, &req.vm.uuid, &req.text)
    })?)
}

pub fn vm_rename(inv: &Inventory, req: VmRenameRequest) -> Result<(), ApiError> {
    Ok(inv.change_vm(&req.vm.connection, &req.vm.uuid, |conn| {
        vm_config::rename(conn, &req.vm.uuid, &req.name)
    })?)
}

pub fn vm_xml(inv: &Inventory, vm: VmRef) -> Result<String, ApiError> {
    let conn = inv.open_connection(&vm.connection)?;
    Ok(vm_config::stored_xml(&conn, &vm.uuid)?)
}

pub fn vm_define_xml(inv: &Inventory, req: VmDefineXmlRequest) -> Result<(), ApiError> {
    Ok(inv.change_vm(&req.vm.connection, &req.vm.uuid, |conn| {
        vm_config::define_xml(conn, &req.vm.uuid, &req.xml)
    })?)
}

/// The VM page opened: its VM is sampled with disk and network rates until
/// [`vm_stats_unwatch`]; returns the history the backend kept.
pub fn vm_stats_watch(inv: &Inventory, vm: VmRef) -> Result<VmStatsHistory, ApiError> {
    Ok(inv.watch_stats(&vm.connection, &vm.uuid)?)
}

/// The VM page closed.
pub fn vm_stats_unwatch(inv: &Inventory, vm: VmRef) {
    inv.unwatch_stats(&vm.connection, &vm.uuid)
}

/// The same operations for the CLI, by URI and VM name, without a long-lived inventory.
pub mod by_name {
    use super::*;

    fn open(uri: &str, name: &str) -> Result<(Connect, String), ApiError> {
        let conn = vireo_libvirt::open(uri)?;
        let uuid = vireo_libvirt::vm::uuid_by_name(&conn, name)?;
        Ok((conn, uuid))
    }

    pub fn details(uri: &str, name: &str) -> Result<VmDetails, ApiError> {
        let (conn, uuid) = open(uri, name)?;
        Ok(vm_config::details(&conn, &uuid)?)
    }

    /// CPU, memory, disk and network rates over `interval` (the page's arithmetic).
    pub fn stats(uri: &str, name: &str, interval: Duration) -> Result<VmStats, ApiError> {
        let (conn, uuid) = open(uri, name)?;
        vireo_libvirt::sample_vm_stats(&conn, &uuid, interval)?.ok_or_else(|| {
            ApiError::new(
                Code::InvalidState,
                format!("{name} is not running: start it to see its statistics"),
            )
        })
    }

    pub fn addresses(uri: &str, name: &str) -> Result<VmAddresses, ApiError> {
        let (conn, uuid) = open(uri, name)?;
        Ok(addresses::addresses(&conn, &uuid)?)
    }

    pub fn set_resources(
        uri: &str,
        name: &str,
        patch: &ResourcePatch,
        apply: Apply,
    ) -> Result<(), ApiError> {
        let (conn, uuid) = open(uri, name)?;
        Ok(vm_config::set_resources(&conn, &uuid, patch, apply)?)
    }

    pub fn set_cdrom(
        uri: &str,
        name: &str,
        target: &str,
        iso: Option<&str>,
        apply: Apply,
    ) -> Result<(), ApiError> {
        let (conn, uuid) = open(uri, name)?;
        let iso = iso.map(|chosen| judge_iso(&conn, chosen)).transpose()?;
        Ok(vm_config::set_cdrom(
            &conn,
            &uuid,
            target,
            iso.as_deref(),
            apply,
        )?)
    }

    pub fn set_boot(
        uri: &str,
        name: &str,
        order: &[String],
        menu: Option<bool>,
    ) -> Result<(), ApiError> {
        let (conn, uuid) = open(uri, name)?;
        Ok(vm_config::set_boot(&conn, &uuid, order, menu)?)
    }

    pub fn grow_disk(uri: &str, name: &str, target: &str, bytes: u64) -> Result<u64, ApiError> {
        let (conn, uuid) = open(uri, name)?;
        Ok(vm_disks::grow_disk(&conn, &uuid, target, bytes)?)
    }

    pub fn add_disk(
        uri: &str,
        name: &str,
        disk: &DiskAddRequest,
        progress: &dyn Fn(Progress),
        cancel: &Cancel,
    ) -> Result<AddedDisk, ApiError> {
        let (conn, uuid) = open(uri, name)?;
        vireo_create::add_disk(&conn, &uuid, disk, progress, cancel).map_err(create_error)
    }

    pub fn remove_disk(
        uri: &str,
        name: &str,
        target: &str,
        delete_file: bool,
        confirmed_risky: bool,
        apply: Apply,
    ) -> Result<(), ApiError> {
        let (conn, uuid) = open(uri, name)?;
        let file = removed_file(delete_file, confirmed_risky);
        Ok(vm_disks::remove_disk(&conn, &uuid, target, file, apply)?)
    }

    pub fn add_nic(uri: &str, name: &str, nic: &NewNic, apply: Apply) -> Result<String, ApiError> {
        let (conn, uuid) = open(uri, name)?;
        Ok(vm_nics::add_nic(&conn, &uuid, nic, apply)?)
    }

    pub fn remove_nic(uri: &str, name: &str, mac: &str, apply: Apply) -> Result<(), ApiError> {
        let (conn, uuid) = open(uri, name)?;
        Ok(vm_nics::remove_nic(&conn, &uuid, mac, apply)?)
    }

    pub fn set_nic_link(
        uri: &str,
        name: &str,
        mac: &str,
        up: bool,
        apply: Apply,
    ) -> Result<(), ApiError> {
        let (conn, uuid) = open(uri, name)?;
        Ok(vm_nics::set_nic_link(&conn, &uuid, mac, up, apply)?)
    }

    pub fn set_firmware(uri: &str, name: &str, firmware: FirmwareKind) -> Result<(), ApiError> {
        let (conn, uuid) = open(uri, name)?;
        Ok(vm_platform::set_firmware(&conn, &uuid, firmware)?)
    }

    pub fn set_tpm(uri: &str, name: &str, on: bool) -> Result<(), ApiError> {
        let (conn, uuid) = open(uri, name)?;
        Ok(vm_platform::set_tpm(&conn, &uuid, on)?)
    }

    pub fn set_vnc(uri: &str, name: &str, on: bool) -> Result<(), ApiError> {
        let (conn, uuid) = open(uri, name)?;
        Ok(vm_platform::set_vnc(&conn, &uuid, on)?)
    }

    pub fn set_notes(uri: &str, name: &str, text: &str) -> Result<(), ApiError> {
        let (conn, uuid) = open(uri, name)?;
        Ok(vm_config::set_description(&conn, &uuid, text)?)
    }

    pub fn rename(uri: &str, name: &str, new_name: &str) -> Result<(), ApiError> {
        let (conn, uuid) = open(uri, name)?;
        Ok(vm_config::rename(&conn, &uuid, new_name)?)
    }

    pub fn xml(uri: &str, name: &str) -> Result<String, ApiError> {
        let (conn, uuid) = open(uri, name)?;
        Ok(vm_config::stored_xml(&conn, &uuid)?)
    }

    pub fn define_xml(uri: &str, name: &str, xml: &str) -> Result<(), ApiError> {
        let (conn, uuid) = open(uri, name)?;
        Ok(vm_config::define_xml(&conn, &uuid, xml)?)
    }
}
