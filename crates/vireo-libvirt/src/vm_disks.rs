//! Disks of an existing VM: adding one (its storage is made by `vireo-create`, which calls
//! [`prepare_disk_add`] and [`attach_disk`] here), removing one, growing one.
//!
//! A running VM's disk grows through QEMU (`virDomainBlockResize`), so the guest sees the
//! new size at once; a stopped VM's through its storage volume. Never smaller: shrinking
//! cuts off whatever the guest keeps at the end. The partition and filesystem inside stay as
//! they are; the guest grows those.

use crate::error::BackendError;
use crate::state::Action;
use crate::vm;
use crate::vm_config::{self, define, edit_error, xml, Apply};
use std::path::Path;
use vireo_domain::disk::{self, DiskBus};
use vireo_domain::hardware;
use virt::connect::Connect;
use virt::sys;

/// Where a new disk goes: the VM's name and state, and the target it gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskSlot {
    pub vm_name: String,
    pub running: bool,
    pub target: String,
}

/// A VM on the connection that uses a file as one of its disks, or as the base image
/// (backing file) under one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskUser {
    pub uuid: String,
    pub vm_name: String,
    pub target: String,
    /// Read only, under an overlay: the VM breaks if the file is written, but another
    /// overlay on it is fine.
    pub as_backing: bool,
}

fn same_file(a: &str, b: &Path) -> bool {
    let a = Path::new(a);
    a == b || std::fs::canonicalize(a).is_ok_and(|real| real == b)
}

/// Each disk's target with its own file and the files of its backing chain, from a
/// domain's XML (`<source file|dev>` and every `<backingStore>` below it).
fn disk_files(xml: &str) -> Vec<(String, Option<String>, Vec<String>)> {
    let Ok(doc) = roxmltree::Document::parse(xml) else {
        return Vec::new();
    };
    let file = |n: roxmltree::Node| {
        n.children()
            .find(|c| c.has_tag_name("source"))
            .and_then(|src| src.attribute("file").or(src.attribute("dev")))
            .map(str::to_string)
    };
    doc.descendants()
        .filter(|n| n.has_tag_name("disk") && n.parent().is_some_and(|p| p.has_tag_name("devices")))
        .filter_map(|d| {
            let target = d
                .children()
                .find(|c| c.has_tag_name("target"))?
                .attribute("dev")?
                .to_string();
            let backing = d
                .descendants()
                .filter(|n| n.has_tag_name("backingStore"))
                .filter_map(file)
                .collect();
            Some((target, file(d), backing))
        })
        .collect()
}

/// Every VM (running or stored configuration) whose disks include the file `path` (already
/// resolved: links in the VMs' XML are resolved before comparing), itself or as a base
/// image. One XML read per VM and configuration, only when a disk is added or removed.
pub fn disk_users(conn: &Connect, path: &Path) -> Result<Vec<DiskUser>, BackendError> {
    let doms = conn
        .list_all_domains(0)
        .map_err(|e| BackendError::libvirt("list the VMs", e))?;
    let mut users: Vec<DiskUser> = Vec::new();
    for dom in doms {
        let (Ok(uuid), Ok(name)) = (dom.uuid_string(), dom.name()) else {
            continue;
        };
        for flags in [0, sys::VIR_DOMAIN_XML_INACTIVE] {
            let Ok(text) = dom.xml_desc(flags) else {
                continue;
            };
            for (target, own, backing) in disk_files(&text) {
                let as_backing = if own.as_deref().is_some_and(|f| same_file(f, path)) {
                    false
                } else if backing.iter().any(|f| same_file(f, path)) {
                    true
                } else {
                    continue;
                };
                let known = users.iter().any(|u| u.uuid == uuid && u.target == target);
                if !known {
                    users.push(DiskUser {
                        uuid: uuid.clone(),
                        vm_name: name.clone(),
                        target,
                        as_backing,
                    });
                }
            }
        }
    }
    // Writers first: they are what a warning names.
    users.sort_by_key(|u| u.as_backing);
    Ok(users)
}

/// The VMs built on this VM's disks (linked clones: their overlays' base images are its
/// disks), by name. Starting this VM would write under them.
pub fn linked_clones(conn: &Connect, uuid: &str) -> Result<Vec<String>, BackendError> {
    let dom = vm::lookup(conn, uuid)?;
    let stored = xml(&dom, true)?;
    let mut names: Vec<String> = Vec::new();
    for (_, own, _) in disk_files(&stored) {
        let Some(own) = own else { continue };
        // disk_users compares with a resolved path: the clones may name the real file.
        let own = std::fs::canonicalize(&own).unwrap_or_else(|_| own.into());
        for user in disk_users(conn, &own)? {
            if user.as_backing && user.uuid != uuid && !names.contains(&user.vm_name) {
                names.push(user.vm_name);
            }
        }
    }
    names.sort();
    Ok(names)
}

/// Refuses `action` (start, autostart, a snapshot revert) for a VM other VMs are linked
/// clones of: it would change the disks they are built on.
pub fn refuse_template(
    conn: &Connect,
    uuid: &str,
    name: &str,
    action: Action,
) -> Result<(), BackendError> {
    let clones = linked_clones(conn, uuid)?;
    if clones.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = clones.iter().map(|n| vireo_text::shown(n)).collect();
    Err(BackendError::Refused(format!(
        "{} has linked clones ({}): to {} it would change the disks they are built on and \
         corrupt them; delete the clones first, or clone it in full instead",
        vireo_text::shown(name),
        names.join(", "),
        match action {
            Action::Start => "start it",
            Action::EnableAutostart => "start it with the host",
            _ => "revert it",
        }
    )))
}

/// Checks that a disk on `bus` may be added as `apply` says, and picks its target: the next
/// name free in both the running and the stored configuration.
pub fn prepare_disk_add(
    conn: &Connect,
    uuid: &str,
    bus: DiskBus,
    apply: Apply,
) -> Result<DiskSlot, BackendError> {
    let current = vm_config::allowed_for(conn, uuid, apply)?;
    if apply.live() && bus == DiskBus::Sata {
        return Err(BackendError::Refused(
            "a SATA disk cannot be plugged into a running VM (its controller has no \
             hot-plug): choose virtio, or add it for the next boot"
                .into(),
        ));
    }
    let dom = vm::lookup(conn, uuid)?;
    let mut taken = disk::targets(&xml(&dom, true)?).map_err(edit_error)?;
    if current.state.is_active() {
        taken.extend(disk::targets(&xml(&dom, false)?).map_err(edit_error)?);
    }
    let target = disk::next_target(&taken, bus).ok_or_else(|| {
        BackendError::Refused(format!(
            "{} has no free {} disk name left",
            current.name,
            bus.as_str()
        ))
    })?;
    Ok(DiskSlot {
        vm_name: current.name,
        running: current.state.is_active(),
        target,
    })
}

/// Plugs the disk `fragment` (from [`disk::disk_xml`]) in now and/or adds it to the next
/// boot's configuration. A failed live plug restores the stored configuration.
pub fn attach_disk(
    conn: &Connect,
    uuid: &str,
    fragment: &str,
    apply: Apply,
) -> Result<(), BackendError> {
    let current = vm_config::allowed_for(conn, uuid, apply)?;
    let dom = vm::lookup(conn, uuid)?;
    let next = if apply.config() {
        let stored = xml(&dom, true)?;
        let edited = disk::add_disk(&stored, fragment).map_err(edit_error)?;
        Some((stored, edited))
    } else {
        None
    };
    // The stored half first: undoing it is a define, done at once. Undoing a live plug
    // would be a detach, which only asks the guest, while the caller deletes the volume.
    if let Some((stored, edited)) = &next {
        define(conn, stored, edited)?;
    }
    if apply.live() {
        if let Err(e) = dom.attach_device_flags(fragment, sys::VIR_DOMAIN_AFFECT_LIVE) {
            if let Some((stored, edited)) = &next {
                let _ = define(conn, edited, stored);
            }
            return Err(BackendError::libvirt(
                format!("plug a disk into {}", current.name),
                e,
            ));
        }
    }
    Ok(())
}

/// Waits until the running guest has let go of `target`: libvirt's detach only asks the
/// guest, and a file QEMU still has open must not be deleted.
fn released(dom: &virt::domain::Domain, target: &str) -> Result<(), BackendError> {
    for _ in 0..100 {
        let live = xml(dom, false)?;
        if !disk::targets(&live)
            .map_err(edit_error)?
            .iter()
            .any(|t| t == target)
        {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    Err(BackendError::Refused(format!(
        "the guest has not released {target} within 10 s, so its file was kept: delete it \
         once the guest has let go of it (the VM no longer has it at the next boot)"
    )))
}

/// What to do with a removed disk's file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemovedFile {
    /// It stays where it is (the default).
    Keep,
    /// Deleted, by the same rules as deleting a VM: a file outside every pool, or used by
    /// another VM, only with `confirmed_risky`.
    Delete { confirmed_risky: bool },
}

/// Removes the disk `target` now and/or from the next boot, and deletes its file if asked.
/// The disk a running VM booted from stays: unplugging it would pull the system from under
/// the guest.
pub fn remove_disk(
    conn: &Connect,
    uuid: &str,
    target: &str,
    file: RemovedFile,
    apply: Apply,
) -> Result<(), BackendError> {
    let current = vm_config::allowed_for(conn, uuid, apply)?;
    let running = current.state.is_active();
    let dom = vm::lookup(conn, uuid)?;
    let seen = xml(&dom, !running)?;
    let hw = hardware::read(&seen)
        .map_err(|e| BackendError::Internal(format!("unreadable domain XML: {e}")))?;
    let found = hw.disks.iter().find(|d| d.target == target);
    if apply.live() {
        let Some(d) = found else {
            return Err(BackendError::Refused(format!(
                "the running VM has no disk {}",
                vireo_text::shown(target)
            )));
        };
        if disk::boot_disk(&hw).as_deref() == Some(target) {
            return Err(BackendError::Refused(format!(
                "{target} is the disk {} runs from: shut the VM down first, then remove it",
                current.name
            )));
        }
        if d.bus.as_deref() != Some("virtio") && d.bus.as_deref() != Some("scsi") {
            return Err(BackendError::Refused(format!(
                "{target} is on the {} bus, which has no hot-unplug: remove it for the next \
                 boot, or shut the VM down first",
                d.bus.as_deref().unwrap_or("?")
            )));
        }
    }
    let stored = xml(&dom, true)?;
    let delete = match file {
        RemovedFile::Keep => None,
        RemovedFile::Delete { confirmed_risky } => {
            // Deleting needs the disk gone from both halves, or a VM keeps using a deleted file.
            if running && apply != Apply::NowAndNextBoot {
                return Err(BackendError::Refused(format!(
                    "{target}'s file can only be deleted when the disk is removed now and from \
                     the next boot: the VM would still use it"
                )));
            }
            let choice = vm::delete_preview(conn, uuid)?
                .into_iter()
                .find(|c| c.target == target)
                .ok_or_else(|| BackendError::Refused(format!("{target} has no file to delete")))?;
            if choice.device != "disk" {
                return Err(BackendError::Refused(format!(
                    "{target} is a {} drive: its image is the user's, never deleted",
                    choice.device
                )));
            }
            vm::confirm_removal(&choice, confirmed_risky)?;
            choice.path
        }
    };
    let next = if apply.config() {
        let (edited, _) = disk::remove_disk(&stored, target).map_err(edit_error)?;
        Some(edited)
    } else {
        None
    };
    // The stored half first, for the same reason as in attach_disk: a failed unplug is
    // undone by a define, while re-plugging a disk the guest is still letting go of fails.
    let live_device = if apply.live() {
        Some(
            disk::remove_disk(&xml(&dom, false)?, target)
                .map_err(edit_error)?
                .1,
        )
    } else {
        None
    };
    if let Some(edited) = &next {
        define(conn, &stored, edited)?;
    }
    if let Some(device) = &live_device {
        if let Err(e) = dom.detach_device_flags(device, sys::VIR_DOMAIN_AFFECT_LIVE) {
            if let Some(edited) = &next {
                let _ = define(conn, edited, &stored);
            }
            return Err(BackendError::libvirt(
                format!("unplug {target} from {}", current.name),
                e,
            ));
        }
    }
    if let Some(path) = delete {
        if live_device.is_some() {
            released(&dom, target)?;
        }
        vm::delete_file(conn, &path).map_err(|e| {
            BackendError::Refused(format!(
                "{target} was removed from {}, but its file could not be deleted: {e}",
                current.name
            ))
        })?;
    }
    Ok(())
}

/// Larger than any disk a desktop VM gets; a typo of three zeros is caught.
pub const MAX_DISK_BYTES: u64 = 64 << 40;

fn gib(bytes: u64) -> String {
    format!("{:.1} GiB", bytes as f64 / (1u64 << 30) as f64)
}

/// Grows the disk `target` to `new_bytes`; returns the size it had.
pub fn grow_disk(
    conn: &Connect,
    uuid: &str,
    target: &str,
    new_bytes: u64,
) -> Result<u64, BackendError> {
    let current = vm::allowed_now(conn, uuid, Action::Configure)
        .or_else(|_| vm::allowed_now(conn, uuid, Action::ConfigureLive))?;
    let running = current.state.is_active();
    let dom = vm::lookup(conn, uuid)?;
    let hw = hardware::read(&xml(&dom, !running)?)
        .map_err(|e| BackendError::Internal(format!("unreadable domain XML: {e}")))?;
    let disk = hw
        .disks
        .iter()
        .find(|d| d.target == target)
        .ok_or_else(|| {
            BackendError::Refused(format!("the VM has no disk {}", vireo_text::shown(target)))
        })?;
    if disk.device != "disk" {
        return Err(BackendError::Refused(format!(
            "{target} is a {} drive: only disks can grow",
            disk.device
        )));
    }
    if disk.readonly {
        return Err(BackendError::Refused(format!("{target} is read-only")));
    }
    let path = disk
        .source
        .clone()
        .ok_or_else(|| BackendError::Refused(format!("{target} has no image to grow")))?;
    if new_bytes > MAX_DISK_BYTES {
        return Err(BackendError::Refused(format!(
            "{} is larger than the {} a disk may have",
            gib(new_bytes),
            gib(MAX_DISK_BYTES)
        )));
    }
    // Stopped: through its volume (libvirt knows the image's format and pool).
    let (had, volume) = if running {
        let info = dom
            .block_info(target, 0)
            .map_err(|e| BackendError::libvirt(format!("read the size of {target}"), e))?;
        (info.capacity, None)
    } else {
        let vol = conn.lookup_storage_vol_by_path(&path).map_err(|_| {
            BackendError::Refused(format!(
                "{} is not in a storage pool libvirt knows, so it can only grow while the VM \
                 runs (or with qemu-img resize)",
                vireo_text::shown(&path)
            ))
        })?;
        let info = vol
            .info()
            .map_err(|e| BackendError::libvirt(format!("read the size of {target}"), e))?;
        (info.capacity, Some(vol))
    };
    if new_bytes <= had {
        return Err(BackendError::Refused(format!(
            "{target} has {} already: disks only grow (shrinking would cut off what the guest \
             keeps at the end)",
            gib(had)
        )));
    }
    match volume {
        None => dom.block_resize(target, new_bytes, sys::VIR_DOMAIN_BLOCK_RESIZE_BYTES),
        Some(vol) => vol.resize(new_bytes, 0),
    }
    .map_err(|e| BackendError::libvirt(format!("grow {target} of {}", current.name), e))?;
    Ok(had)
}
