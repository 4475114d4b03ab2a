//! Adding a disk to a VM that exists: a new empty volume, or an existing image through the
//! same inspection and overlay / copy / in-place choices as the wizard. Everything is judged
//! before anything is made; the storage is made with the same rollback as a creation, so a
//! refused attach or a cancelled copy leaves no volume behind.

use crate::rollback::Rollback;
use crate::storage::{copy_into, ensure_pool, new_volume, volume_xml};
use crate::validate::{judge_and_inspect, pool_warnings, shared_disk_warning, MAX_DISK_GIB};
use crate::{Cancel, CreateError, ImportMode, Progress};
use serde::{Deserialize, Serialize};
use std::path::Path;
use ts_rs::TS;
use vireo_domain::disk::{self, DiskBus};
use vireo_domain::{DiskFormat, DiskKind, DiskSpec};
use vireo_libvirt::vm_disks::{self, DiskSlot};
use vireo_libvirt::Apply;
use vireo_storage::{ImageFormat, ImageInfo, WarningId};
use virt::connect::Connect;

/// What the new disk is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(
    tag = "kind",
    rename_all = "kebab-case",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
pub enum NewDiskSource {
    /// A new empty qcow2 volume of this many GiB.
    Empty { gib: u64 },
    /// An existing disk image, used as the wizard's import uses it.
    Import { path: String, mode: ImportMode },
}

/// A disk to add to an existing VM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DiskAddRequest {
    pub source: NewDiskSource,
    pub bus: DiskBus,
    /// Storage pool for a new volume, an overlay or a copy; `default` when absent.
    pub pool: Option<String>,
    pub apply: Apply,
    /// Warnings the user confirmed (the image's, the pool's, a disk shared with another VM).
    pub acknowledged: Vec<WarningId>,
}

/// The disk that was added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AddedDisk {
    pub target: String,
    pub path: String,
}

/// Adds the disk; on any failure (or cancel) every volume this call made is removed again.
pub fn add_disk(
    conn: &Connect,
    uuid: &str,
    req: &DiskAddRequest,
    progress: &dyn Fn(Progress),
    cancel: &Cancel,
) -> Result<AddedDisk, CreateError> {
    let slot = vm_disks::prepare_disk_add(conn, uuid, req.bus, req.apply)?;
    let image = judge(conn, uuid, &slot, req)?;
    let mut undo = Rollback::default();
    match add_steps(conn, uuid, &slot, req, image, progress, cancel, &mut undo) {
        Ok(added) => Ok(added),
        Err(e) => {
            undo.run();
            Err(e)
        }
    }
}

/// Every check that needs nothing created: the size, the pool, the image, its users.
fn judge(
    conn: &Connect,
    uuid: &str,
    slot: &DiskSlot,
    req: &DiskAddRequest,
) -> Result<Option<ImageInfo>, CreateError> {
    let pool = req.pool.as_deref().unwrap_or("default");
    let in_place = matches!(
        req.source,
        NewDiskSource::Import {
            mode: ImportMode::InPlace,
            ..
        }
    );
    if !in_place && pool != "default" && conn.lookup_storage_pool_by_name(pool).is_err() {
        return Err(CreateError::Invalid(format!(
            "there is no storage pool called {}",
            vireo_text::shown(pool)
        )));
    }
    let (path, mode) = match &req.source {
        NewDiskSource::Empty { gib } => {
            if *gib == 0 || *gib > MAX_DISK_GIB {
                return Err(CreateError::Invalid(format!(
                    "a new disk must be between 1 GiB and {MAX_DISK_GIB} GiB"
                )));
            }
            return Ok(None);
        }
        NewDiskSource::Import { path, mode } => (path, *mode),
    };
    let system = conn.uri().map(|u| u.ends_with("/system")).unwrap_or(false);
    let mut info = judge_and_inspect(Path::new(path), system && mode == ImportMode::Overlay)?;
    let shown = vireo_text::shown(&info.path);
    if info.format == ImageFormat::Iso {
        return Err(CreateError::Invalid(format!(
            "{shown} is an ISO: insert it into the CD-ROM drive instead"
        )));
    }
    if mode == ImportMode::Copy && !info.backing_chain.is_empty() {
        return Err(CreateError::Invalid(format!(
            "{shown} has a backing file, so a copy would lose it: add it as an overlay, or \
             flatten it first (qemu-img convert -O qcow2)"
        )));
    }
    let dirty = info.warnings.iter().any(|w| w.id == WarningId::DirtyImage);
    if dirty && mode == ImportMode::InPlace {
        return Err(CreateError::Invalid(format!(
            "{shown} was not closed cleanly, and QEMU would repair it in place: add it as an \
             overlay or a copy instead"
        )));
    }
    let mine = (uuid, slot.vm_name.as_str());
    info.warnings
        .extend(shared_disk_warning(conn, &info, mode, Some(mine))?);
    info.warnings
        .extend(pool_warnings(conn, req.pool.as_deref(), mode, &info)?);
    if let Some(w) = info
        .warnings
        .iter()
        .find(|w| !req.acknowledged.contains(&w.id))
    {
        return Err(CreateError::Unacknowledged(w.message.clone()));
    }
    Ok(Some(info))
}

/// A volume name in the pool for the VM's new disk: `NAME-TARGET.EXT`, numbered when taken.
fn free_volume_name(pool: &virt::storage_pool::StoragePool, slot: &DiskSlot, ext: &str) -> String {
    let stem = format!("{}-{}", slot.vm_name, slot.target);
    (1..100)
        .map(|n| {
            if n == 1 {
                format!("{stem}.{ext}")
            } else {
                format!("{stem}-{n}.{ext}")
            }
        })
        .find(|name| pool.lookup_storage_vol_by_name(name).is_err())
        .unwrap_or_else(|| format!("{stem}-{}.{ext}", std::process::id()))
}

fn format_of(f: ImageFormat) -> DiskFormat {
    if f == ImageFormat::Qcow2 {
        DiskFormat::Qcow2
    } else {
        DiskFormat::Raw
    }
}

#[allow(clippy::too_many_arguments)]
fn add_steps(
    conn: &Connect,
    uuid: &str,
    slot: &DiskSlot,
    req: &DiskAddRequest,
    image: Option<ImageInfo>,
    progress: &dyn Fn(Progress),
    cancel: &Cancel,
    undo: &mut Rollback,
) -> Result<AddedDisk, CreateError> {
    let pool_name = req.pool.as_deref().unwrap_or("default");
    let (path, format, backing) = match (&req.source, image) {
        (NewDiskSource::Empty { gib }, _) => {
            let pool = ensure_pool(conn, pool_name, undo)?;
            let name = free_volume_name(&pool, slot, "qcow2");
            let xml = volume_xml(&name, gib << 30, None);
            let (_, path) = new_volume(&pool, &xml, "the disk", undo)?;
            (path, DiskFormat::Qcow2, None)
        }
        (
            NewDiskSource::Import {
                mode: ImportMode::Overlay,
                ..
            },
            Some(info),
        ) => {
            let pool = ensure_pool(conn, pool_name, undo)?;
            let name = free_volume_name(&pool, slot, "qcow2");
            let xml = volume_xml(&name, info.virtual_size, Some((&info.path, info.format)));
            let (_, path) = new_volume(&pool, &xml, "the overlay disk", undo)?;
            let backing = (info.path.clone(), format_of(info.format));
            (path, DiskFormat::Qcow2, Some(backing))
        }
        (
            NewDiskSource::Import {
                mode: ImportMode::Copy,
                ..
            },
            Some(info),
        ) => {
            let pool = ensure_pool(conn, pool_name, undo)?;
            let ext = if info.format == ImageFormat::Qcow2 {
                "qcow2"
            } else {
                "img"
            };
            let name = free_volume_name(&pool, slot, ext);
            let xml = format!(
                "<volume><name>{}</name><capacity unit='bytes'>{}</capacity>\
                 <allocation unit='bytes'>0</allocation><target><format type='raw'/></target></volume>",
                vireo_domain::xml::escape(&name),
                info.file_size
            );
            let (vol, path) = new_volume(&pool, &xml, "the copy", undo)?;
            copy_into(conn, &vol, &info, progress, cancel)?;
            (path, format_of(info.format), None)
        }
        (
            NewDiskSource::Import {
                mode: ImportMode::InPlace,
                ..
            },
            Some(info),
        ) => (info.path.clone(), format_of(info.format), None),
        (NewDiskSource::Import { .. }, None) => {
            return Err(CreateError::Invalid("the image was not inspected".into()))
        }
    };
    if cancel.requested() {
        return Err(CreateError::Cancelled);
    }
    let spec = DiskSpec {
        kind: DiskKind::Disk,
        path: path.clone(),
        format,
        virtio: req.bus == DiskBus::Virtio,
        boot_order: None,
        backing,
        keep_owner: false,
    };
    let fragment = disk::disk_xml(&spec, &slot.target, req.bus);
    vm_disks::attach_disk(conn, uuid, &fragment, req.apply)?;
    Ok(AddedDisk {
        target: slot.target.clone(),
        path,
    })
}
