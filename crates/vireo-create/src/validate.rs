//! Validation: everything that can be checked before anything is created — the name, the
//! sizes against the host, the pool, and the source image (its format, its warnings, and
//! whether the system daemon's QEMU may read it).

use crate::{CreateError, CreateRequest, HostLimits, ImportMode, Source};
use std::path::Path;
use vireo_storage::{ImageFormat, ImageInfo, ImageWarning, WarningId};
use virt::connect::Connect;

pub use vireo_domain::MIN_MEMORY_MIB;

/// Largest disk the wizard creates: 64 TiB (qcow2 allows more; nobody means it).
pub(crate) const MAX_DISK_GIB: u64 = 64 * 1024;

/// Checks everything that can be checked without creating anything.
pub fn validate(
    conn: &Connect,
    req: &CreateRequest,
    host: &HostLimits,
) -> Result<Option<ImageInfo>, CreateError> {
    vireo_domain::validate_name(&req.name)?;
    if conn.lookup_domain_by_name(&req.name).is_ok() {
        return Err(CreateError::NameTaken(req.name.clone()));
    }
    if req.memory_mib < MIN_MEMORY_MIB {
        return Err(CreateError::Invalid(format!(
            "memory must be at least {MIN_MEMORY_MIB} MiB: no operating system starts in less"
        )));
    }
    if req.memory_mib.saturating_mul(1 << 20) > host.memory {
        return Err(CreateError::Invalid(format!(
            "{} MiB is more memory than this host has ({} MiB)",
            req.memory_mib,
            host.memory >> 20
        )));
    }
    if req.vcpus == 0 || req.vcpus > host.cpus.max(1) * 4 {
        return Err(CreateError::Invalid(format!(
            "vCPUs must be between 1 and {} on this host",
            host.cpus.max(1) * 4
        )));
    }
    let disk = |gib: u64| {
        if gib == 0 || gib > MAX_DISK_GIB {
            Err(CreateError::Invalid(format!(
                "a new disk must be between 1 GiB and {MAX_DISK_GIB} GiB"
            )))
        } else {
            Ok(())
        }
    };
    let pool_name = req.pool.as_deref().unwrap_or("default");
    let needs_pool = !matches!(
        req.source,
        Source::Import {
            mode: ImportMode::InPlace,
            ..
        }
    );
    if needs_pool && pool_name != "default" && conn.lookup_storage_pool_by_name(pool_name).is_err()
    {
        return Err(CreateError::Invalid(format!(
            "there is no storage pool called {}: check the name (Vireo creates only 'default' \
             when it is missing)",
            vireo_text::shown(pool_name)
        )));
    }
    let system = conn.uri().map(|u| u.ends_with("/system")).unwrap_or(false);
    let image = match &req.source {
        Source::Empty { disk_gib } => {
            disk(*disk_gib)?;
            return Ok(None);
        }
        Source::Iso { path, disk_gib } => {
            disk(*disk_gib)?;
            let info = judge_and_inspect(Path::new(path), system)?;
            if info.format != ImageFormat::Iso {
                return Err(CreateError::Invalid(format!(
                    "{} is not an ISO image: use \"Import an existing disk image\" for disks",
                    vireo_text::shown(&info.path)
                )));
            }
            info
        }
        Source::Import { path, mode } => {
            let info = judge_and_inspect(Path::new(path), system && *mode == ImportMode::Overlay)?;
            if info.format == ImageFormat::Iso {
                return Err(CreateError::Invalid(format!(
                    "{} is an ISO: choose \"Install from an ISO\" for install media",
                    vireo_text::shown(&info.path)
                )));
            }
            // A byte-for-byte copy keeps relative backing names, which would then point into
            // the pool, at files nobody judged.
            if *mode == ImportMode::Copy && !info.backing_chain.is_empty() {
                return Err(CreateError::Invalid(format!(
                    "{} has a backing file, so a copy would lose it: import it as an overlay, \
                     or flatten it first (qemu-img convert -O qcow2)",
                    vireo_text::shown(&info.path)
                )));
            }
            let dirty = info.warnings.iter().any(|w| w.id == WarningId::DirtyImage);
            if dirty && *mode == ImportMode::InPlace {
                return Err(CreateError::Invalid(format!(
                    "{} was not closed cleanly, and QEMU would repair it in place: import it as \
                     an overlay or a copy instead",
                    vireo_text::shown(&info.path)
                )));
            }
            info
        }
    };
    let mut info = image;
    if let Source::Import { mode, .. } = &req.source {
        info.warnings
            .extend(shared_disk_warning(conn, &info, *mode, None)?);
        info.warnings
            .extend(pool_warnings(conn, req.pool.as_deref(), *mode, &info)?);
    }
    if let Some(w) = info
        .warnings
        .iter()
        .find(|w| !req.acknowledged.contains(&w.id))
    {
        return Err(CreateError::Unacknowledged(w.message.clone()));
    }
    Ok(Some(info))
}

/// Resolves and judges `path` from its metadata (and, for the system daemon, that QEMU's
/// user may read it) before the file is opened and inspected.
pub(crate) fn judge_and_inspect(path: &Path, qemu_reads: bool) -> Result<ImageInfo, CreateError> {
    if qemu_reads {
        qemu_can_read(&vireo_storage::resolve(path)?.real)?;
    }
    Ok(vireo_storage::inspect(path, &[])?)
}

/// A warning when a VM on the connection already has the image's file as a disk: two
/// writers corrupt it, an overlay breaks when its base changes, a copy may catch it half
/// written. A file that is only the base image under another VM's overlay is fine to read
/// (another overlay, a copy) and warned about only when it would be written (in place).
/// `adding_to` (uuid, name: the VM a disk is added to) having it already is refused
/// instead, as is writing in place to a base image of its own.
pub fn shared_disk_warning(
    conn: &Connect,
    info: &ImageInfo,
    mode: ImportMode,
    adding_to: Option<(&str, &str)>,
) -> Result<Option<ImageWarning>, CreateError> {
    let users = vireo_libvirt::vm_disks::disk_users(conn, Path::new(&info.path))?;
    let shown = vireo_text::shown(&info.path);
    let writes = mode == ImportMode::InPlace;
    if let Some((uuid, name)) = adding_to {
        if let Some(mine) = users
            .iter()
            .find(|u| u.uuid == uuid && (!u.as_backing || writes))
        {
            let what = if mine.as_backing {
                "the base image under disk"
            } else {
                "already disk"
            };
            return Err(CreateError::Invalid(format!(
                "{shown} is {what} {} of {}",
                vireo_text::shown(&mine.target),
                vireo_text::shown(name)
            )));
        }
    }
    let other = users
        .iter()
        .find(|u| adding_to.is_none_or(|(uuid, _)| u.uuid != uuid) && (!u.as_backing || writes));
    Ok(other.map(|other| {
        let (what, risk) = match (other.as_backing, mode) {
            (true, _) => (
                "the base image under disk",
                "writing to it corrupts that disk",
            ),
            (false, ImportMode::InPlace) => ("disk", "two VMs writing one disk corrupt it"),
            (false, ImportMode::Overlay) => {
                ("disk", "the overlay breaks when that VM writes to it")
            }
            (false, ImportMode::Copy) => (
                "disk",
                "a copy taken while that VM writes to it may be inconsistent",
            ),
        };
        ImageWarning {
            id: WarningId::SharedDisk,
            message: format!(
                "{shown} is {what} {} of {}: {risk}",
                vireo_text::shown(&other.target),
                vireo_text::shown(&other.vm_name)
            ),
        }
    }))
}

/// What the storage pool says about an imported image: warnings when its virtual size is
/// larger than the pool or its free space (nothing is preallocated, so it may fit for
/// years), a refusal when a copy cannot fit now.
pub fn pool_warnings(
    conn: &Connect,
    pool: Option<&str>,
    mode: ImportMode,
    info: &ImageInfo,
) -> Result<Vec<ImageWarning>, CreateError> {
    if mode == ImportMode::InPlace {
        return Ok(Vec::new());
    }
    let name = pool.unwrap_or("default");
    let Some(pool_info) = conn
        .lookup_storage_pool_by_name(name)
        .ok()
        .and_then(|p| p.info().ok())
    else {
        // A pool that does not exist yet ("default") is created on the host's disk.
        return Ok(Vec::new());
    };
    let gib = |b: u64| format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64);
    if mode == ImportMode::Copy && info.file_size > pool_info.available {
        return Err(CreateError::Invalid(format!(
            "the copy needs {} and the storage pool {} has {} free: free some space or \
             import as an overlay",
            gib(info.file_size),
            vireo_text::shown(name),
            gib(pool_info.available)
        )));
    }
    let mut out = Vec::new();
    if info.virtual_size > pool_info.capacity {
        out.push(ImageWarning {
            id: WarningId::LargerThanPool,
            message: format!(
                "the disk can grow to {}, more than the whole storage pool {} ({}): the VM \
                 stops with an I/O error if it fills the pool",
                gib(info.virtual_size),
                vireo_text::shown(name),
                gib(pool_info.capacity)
            ),
        });
    } else if info.virtual_size > pool_info.available {
        out.push(ImageWarning {
            id: WarningId::LargerThanFreeSpace,
            message: format!(
                "the disk can grow to {}, more than the {} free in the storage pool {}: the \
                 VM stops with an I/O error if the pool fills up",
                gib(info.virtual_size),
                gib(pool_info.available),
                vireo_text::shown(name)
            ),
        });
    }
    Ok(out)
}

/// The system daemon runs QEMU as an unprivileged user: every directory on the way must be
/// searchable and the file readable by others, as virt-manager explains.
pub fn qemu_can_read(path: &Path) -> Result<(), CreateError> {
    use std::os::unix::fs::PermissionsExt;
    let path = path.canonicalize().map_err(|e| CreateError::Io {
        step: format!("resolve {}", path.display()),
        source: e,
    })?;
    for dir in path.ancestors().skip(1) {
        let Ok(meta) = std::fs::metadata(dir) else {
            continue;
        };
        if meta.permissions().mode() & 0o001 == 0 {
            let dir = vireo_text::shown(&dir.display().to_string());
            return Err(CreateError::Permission(format!(
                "QEMU runs as its own user and cannot search {dir}: move the file to a shared \
                 place (such as /var/lib/libvirt/images), or allow it with chmod o+x {dir}"
            )));
        }
    }
    let meta = std::fs::metadata(&path).map_err(|e| CreateError::Io {
        step: format!("read {}", path.display()),
        source: e,
    })?;
    if meta.permissions().mode() & 0o004 == 0 {
        let path = vireo_text::shown(&path.display().to_string());
        return Err(CreateError::Permission(format!(
            "QEMU runs as its own user and cannot read {path}: allow it with chmod o+r {path}"
        )));
    }
    Ok(())
}
