//! Disks of an existing VM: growing one. A running VM's disk grows through QEMU
//! (`virDomainBlockResize`), so the guest sees the new size at once; a stopped VM's through
//! its storage volume. Never smaller: shrinking cuts off whatever the guest keeps at the end.
//! The partition and filesystem inside stay as they are; the guest grows those.

use crate::error::BackendError;
use crate::state::Action;
use crate::vm;
use crate::vm_config::xml;
use vireo_domain::hardware;
use virt::connect::Connect;
use virt::sys;

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
