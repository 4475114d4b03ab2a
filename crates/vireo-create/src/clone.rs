//! Cloning a stopped VM: a new name, UUID and MACs, and disks of its own, either linked
//! (each a new qcow2 overlay whose base is the source's disk) or full (each copied, flattened,
//! into a pool by libvirt's own volume clone). Everything is judged before anything is made
//! (the state table, the name, the disks' formats, the pool's free space), and a failure or
//! a cancel removes every volume the clone made; no domain is defined until all are there.
//!
//! A linked clone's base must not change again, so a VM with linked clones is a template:
//! `vireo_libvirt::vm::perform` refuses to start it, naming the clones.

use crate::rollback::Rollback;
use crate::storage::{ensure_pool, new_volume, volume_xml};
use crate::{Cancel, CreateError, Progress};
use roxmltree::Document;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use ts_rs::TS;
use vireo_domain::clone::{clone_xml, ClonedDisk};
use vireo_libvirt::state::Action;
use vireo_storage::ImageFormat;
use virt::connect::Connect;
use virt::storage_vol::StorageVol;

/// Linked (overlays on the source's disks) or full (independent copies).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum CloneMode {
    Linked,
    Full,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CloneRequest {
    pub name: String,
    pub mode: CloneMode,
    /// The pool for the clone's disks; the pool of the source's first disk when absent.
    #[serde(default)]
    #[ts(optional)]
    pub pool: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Cloned {
    pub uuid: String,
    pub name: String,
    /// The clone's own disk files.
    pub disks: Vec<String>,
}

/// One of the source's disks that the clone gets a file of its own for.
struct SourceDisk {
    target: String,
    path: String,
    format: String,
    /// The source's file and its base images, for the space a full copy needs.
    chain: Vec<String>,
}

fn source_disks(stored: &str) -> Result<Vec<SourceDisk>, CreateError> {
    let doc = Document::parse(stored)
        .map_err(|e| CreateError::Invalid(format!("the VM's XML cannot be read: {e}")))?;
    let mut out = Vec::new();
    for disk in doc.descendants().filter(|n| n.has_tag_name("disk")) {
        let device = disk.attribute("device").unwrap_or("disk");
        let readonly = disk.children().any(|n| n.has_tag_name("readonly"));
        let shareable = disk.children().any(|n| n.has_tag_name("shareable"));
        if device != "disk" || readonly || shareable {
            continue;
        }
        let target = disk
            .children()
            .find(|n| n.has_tag_name("target"))
            .and_then(|t| t.attribute("dev"))
            .unwrap_or("?")
            .to_string();
        let file = |n: roxmltree::Node| {
            n.children()
                .find(|c| c.has_tag_name("source"))
                .and_then(|s| s.attribute("file"))
                .map(str::to_string)
        };
        let Some(path) = file(disk) else {
            return Err(CreateError::Invalid(format!(
                "disk {target} is not a file: only file disks can be cloned"
            )));
        };
        let mut chain = vec![path.clone()];
        chain.extend(
            disk.descendants()
                .filter(|n| n.has_tag_name("backingStore"))
                .filter_map(file),
        );
        let format = disk
            .children()
            .find(|n| n.has_tag_name("driver"))
            .and_then(|d| d.attribute("type"))
            .unwrap_or("raw")
            .to_string();
        out.push(SourceDisk {
            target,
            path,
            format,
            chain,
        });
    }
    Ok(out)
}

fn gib(bytes: u64) -> String {
    format!("{:.1} GiB", bytes as f64 / (1u64 << 30) as f64)
}

fn allocation(conn: &Connect, path: &str) -> u64 {
    conn.lookup_storage_vol_by_path(path)
        .and_then(|v| v.info())
        .map(|i| i.allocation)
        .unwrap_or(0)
}

/// Clones the shut-off VM `uuid`. `progress` hears each disk's copy; `cancel` stops
/// between steps (a full copy in progress finishes its disk first: libvirt's volume clone
/// cannot be interrupted) and everything made is removed.
pub fn clone_vm(
    conn: &Connect,
    uuid: &str,
    req: &CloneRequest,
    progress: &dyn Fn(Progress),
    cancel: &Cancel,
) -> Result<Cloned, CreateError> {
    let source = vireo_libvirt::vm::allowed_now(conn, uuid, Action::Clone)?;
    vireo_domain::validate_name(&req.name)?;
    if conn.lookup_domain_by_name(&req.name).is_ok() {
        return Err(CreateError::NameTaken(req.name.clone()));
    }
    let stored = vireo_libvirt::vm_config::stored_xml(conn, uuid)?;
    let disks = source_disks(&stored)?;
    if req.mode == CloneMode::Linked && source.autostart {
        return Err(CreateError::Invalid(format!(
            "{} starts with the host (autostart): a linked clone's source must not start again; \
             turn its autostart off first, or make a full clone",
            vireo_text::shown(&source.name)
        )));
    }
    if req.mode == CloneMode::Linked {
        if let Some(d) = disks.iter().find(|d| d.format != "qcow2") {
            return Err(CreateError::Invalid(format!(
                "disk {} is {}: a linked clone needs qcow2 disks to build on; make a full \
                 clone instead",
                d.target, d.format
            )));
        }
    }
    let pool_name = match &req.pool {
        Some(p) => p.clone(),
        None => disks
            .first()
            .and_then(|d| conn.lookup_storage_vol_by_path(&d.path).ok())
            .and_then(|v| v.lookup_storage_pool().ok())
            .and_then(|p| p.name().ok())
            .unwrap_or_else(|| "default".to_string()),
    };
    let mut undo = Rollback::default();
    let result = make(
        conn, &stored, &disks, req, &pool_name, progress, cancel, &mut undo,
    );
    if result.is_err() {
        undo.run();
    }
    result
}

#[allow(clippy::too_many_arguments)]
fn make(
    conn: &Connect,
    stored: &str,
    disks: &[SourceDisk],
    req: &CloneRequest,
    pool_name: &str,
    progress: &dyn Fn(Progress),
    cancel: &Cancel,
    undo: &mut Rollback,
) -> Result<Cloned, CreateError> {
    let pool = ensure_pool(conn, pool_name, undo)?;
    if req.mode == CloneMode::Full {
        let needed: u64 = disks
            .iter()
            .flat_map(|d| d.chain.iter())
            .map(|p| allocation(conn, p))
            .sum();
        let available = pool
            .info()
            .map_err(CreateError::libvirt("read the pool's free space"))?
            .available;
        if needed > available {
            return Err(CreateError::Invalid(format!(
                "the pool {pool_name} has {} free, the copies need up to {}: choose another \
                 pool or make a linked clone",
                gib(available),
                gib(needed)
            )));
        }
    }
    let mut planned = Vec::new();
    for d in disks {
        if cancel.requested() {
            return Err(CreateError::Cancelled);
        }
        let ext = if req.mode == CloneMode::Full && d.format == "raw" {
            "img"
        } else {
            "qcow2"
        };
        let vol_name = format!("{}-{}.{ext}", req.name, d.target);
        let path = match req.mode {
            CloneMode::Linked => {
                let capacity = conn
                    .lookup_storage_vol_by_path(&d.path)
                    .and_then(|v| v.info())
                    .map(|i| i.capacity)
                    .map_err(CreateError::libvirt(format!("read disk {}", d.target)))?;
                let xml = volume_xml(&vol_name, capacity, Some((&d.path, ImageFormat::Qcow2)));
                new_volume(&pool, &xml, &format!("the overlay for {}", d.target), undo)?.1
            }
            CloneMode::Full => copy_disk(conn, &pool, pool_name, d, &vol_name, progress, undo)?,
        };
        planned.push(ClonedDisk {
            target: d.target.clone(),
            path,
            linked: req.mode == CloneMode::Linked,
            // What the copy or overlay is, whatever the source was (a vmdk becomes qcow2).
            format: if ext == "img" { "raw" } else { "qcow2" }.to_string(),
        });
    }
    if cancel.requested() {
        return Err(CreateError::Cancelled);
    }
    let uefi = vireo_domain::hardware::read(stored)
        .map(|h| h.firmware == vireo_domain::hardware::FirmwareKind::Uefi)
        .unwrap_or(false);
    let nvram = if uefi {
        copy_nvram(conn, stored, &req.name, undo)?
    } else {
        None
    };
    let xml = clone_xml(stored, &req.name, &planned, nvram.as_deref())
        .map_err(|e| CreateError::Invalid(e.to_string()))?;
    let dom = conn
        .define_domain_xml_flags(&xml, virt::sys::VIR_DOMAIN_DEFINE_VALIDATE)
        .map_err(CreateError::libvirt(format!(
            "define the clone {}",
            req.name
        )))?;
    let defined = dom.clone();
    undo.push(move || {
        let _ = defined.undefine();
    });
    let uuid = dom
        .uuid_string()
        .map_err(CreateError::libvirt("read the clone's UUID"))?;
    Ok(Cloned {
        uuid,
        name: req.name.clone(),
        disks: planned.into_iter().map(|d| d.path).collect(),
    })
}

/// Where libvirt keeps NVRAM files (`qemuDomainNVRAMPathFormat`): the system instance's
/// directory, or the session's under the user's config dir.
fn nvram_dir(conn: &Connect) -> Option<std::path::PathBuf> {
    let uri = conn.uri().ok()?;
    if uri.ends_with("/session") {
        let config = std::env::var_os("XDG_CONFIG_HOME")
            .map(std::path::PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".config"))
            })?;
        Some(config.join("libvirt/qemu/nvram"))
    } else {
        Some(std::path::PathBuf::from("/var/lib/libvirt/qemu/nvram"))
    }
}

/// Copies the source's NVRAM (its boot entries and Secure Boot keys) for the clone, through
/// libvirt's storage (the directory is libvirt's, not the user's): a pool over it for the
/// copy, removed again. None when the source has none yet (it never started): the clone
/// then gets a fresh one, as the source would have.
fn copy_nvram(
    conn: &Connect,
    stored: &str,
    clone: &str,
    undo: &mut Rollback,
) -> Result<Option<String>, CreateError> {
    let doc = Document::parse(stored)
        .map_err(|e| CreateError::Invalid(format!("the VM's XML cannot be read: {e}")))?;
    let root = doc.root_element();
    let name = root
        .children()
        .find(|n| n.has_tag_name("name"))
        .and_then(|n| n.text())
        .unwrap_or_default();
    let named = root
        .descendants()
        .find(|n| n.has_tag_name("nvram"))
        .and_then(|n| n.text())
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(std::path::PathBuf::from);
    let Some(dir) = named
        .as_ref()
        .and_then(|p| p.parent().map(|d| d.to_path_buf()))
        .or_else(|| nvram_dir(conn))
    else {
        return Ok(None);
    };
    let source_file = named
        .as_ref()
        .and_then(|p| p.file_name())
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| format!("{name}_VARS.fd"));
    let Some(pool) = NvramPool::open(conn, &dir)? else {
        return Ok(None);
    };
    let Ok(source) = pool.pool.lookup_storage_vol_by_name(&source_file) else {
        return Ok(None);
    };
    let capacity = source
        .info()
        .map_err(CreateError::libvirt("read the source's NVRAM"))?
        .capacity;
    let vol_name = format!("{clone}_VARS.fd");
    let xml = format!(
        "<volume><name>{}</name><capacity unit='bytes'>{capacity}</capacity>\
         <target><format type='raw'/></target></volume>",
        vireo_domain::xml::escape(&vol_name)
    );
    let copy = StorageVol::create_xml_from(&pool.pool, &xml, &source, 0)
        .map_err(CreateError::libvirt("copy the source's NVRAM"))?;
    let path = copy
        .path()
        .map_err(CreateError::libvirt("locate the NVRAM copy"))?;
    let conn = conn.clone();
    undo.push(move || {
        // The pool used for the copy may be gone by now: open one again to delete it.
        if let Ok(Some(pool)) = NvramPool::open(&conn, &dir) {
            if let Ok(v) = pool.pool.lookup_storage_vol_by_name(&vol_name) {
                let _ = v.delete(0);
            }
        }
    });
    Ok(Some(path))
}

/// A storage pool over libvirt's NVRAM directory: one that already covers it, or a
/// transient one of ours, destroyed when this is dropped.
struct NvramPool {
    pool: virt::storage_pool::StoragePool,
    ours: bool,
}

impl NvramPool {
    fn open(conn: &Connect, dir: &std::path::Path) -> Result<Option<NvramPool>, CreateError> {
        let pools = conn
            .list_all_storage_pools(0)
            .map_err(CreateError::libvirt("list the storage pools"))?;
        for pool in pools {
            let covers = pool.xml_desc(0).ok().is_some_and(|x| {
                Document::parse(&x).ok().is_some_and(|d| {
                    d.descendants()
                        .find(|n| n.has_tag_name("path"))
                        .and_then(|n| n.text())
                        .is_some_and(|p| std::path::Path::new(p.trim()) == dir)
                })
            });
            if covers && pool.is_active().unwrap_or(false) {
                let _ = pool.refresh(0);
                return Ok(Some(NvramPool { pool, ours: false }));
            }
        }
        if !dir.is_dir() && conn.uri().is_ok_and(|u| u.ends_with("/session")) {
            // A session that never ran a UEFI VM has no NVRAM directory: nothing to copy.
            return Ok(None);
        }
        let xml = format!(
            "<pool type='dir'><name>vireo-nvram-{}-{}</name><target><path>{}</path></target>\
             </pool>",
            std::process::id(),
            NEXT_POOL.fetch_add(1, Ordering::SeqCst),
            vireo_domain::xml::escape(&dir.to_string_lossy())
        );
        match conn.create_storage_pool_xml(&xml, 0) {
            Ok(pool) => Ok(Some(NvramPool { pool, ours: true })),
            // No such directory on the daemon's side: no VM there has an NVRAM yet.
            Err(e) if e.code() == virt::error::ErrorNumber::NoStoragePool.into() => Ok(None),
            Err(e) => Err(CreateError::Libvirt {
                step: "open libvirt's NVRAM directory to copy the source's NVRAM".into(),
                source: e,
            }),
        }
    }
}

impl Drop for NvramPool {
    fn drop(&mut self) {
        if self.ours {
            let _ = self.pool.destroy();
        }
    }
}

static NEXT_POOL: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// libvirt's own volume clone (qemu-img convert for file pools: sparse, the chain
/// flattened), with progress read from the new volume's allocation meanwhile.
fn copy_disk(
    conn: &Connect,
    pool: &virt::storage_pool::StoragePool,
    pool_name: &str,
    d: &SourceDisk,
    vol_name: &str,
    progress: &dyn Fn(Progress),
    undo: &mut Rollback,
) -> Result<String, CreateError> {
    let source = conn.lookup_storage_vol_by_path(&d.path).map_err(|_| {
        CreateError::Invalid(format!(
            "disk {} is not in a storage pool: a full clone copies through libvirt's \
                 storage (add its directory as a pool)",
            d.target
        ))
    })?;
    let info = source
        .info()
        .map_err(CreateError::libvirt(format!("read disk {}", d.target)))?;
    let total: u64 = d
        .chain
        .iter()
        .map(|p| allocation(conn, p))
        .sum::<u64>()
        .max(1);
    let format = if d.format == "raw" { "raw" } else { "qcow2" };
    // compat 1.1 for qcow2: libvirt otherwise writes the old 0.10 format.
    let compat = if format == "qcow2" {
        "<compat>1.1</compat>"
    } else {
        ""
    };
    let xml = format!(
        "<volume><name>{}</name><capacity unit='bytes'>{}</capacity><target><format \
         type='{format}'/>{compat}</target></volume>",
        vireo_domain::xml::escape(vol_name),
        info.capacity
    );
    let step = format!("Copying {}", d.target);
    let finished = AtomicBool::new(false);
    let made = std::thread::scope(|scope| {
        let copy = scope.spawn(|| {
            let made = StorageVol::create_xml_from(pool, &xml, &source, 0);
            finished.store(true, Ordering::SeqCst);
            made
        });
        // Progress from a second look at the new volume while libvirt copies into it.
        while !finished.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(250));
            let done = conn
                .lookup_storage_pool_by_name(pool_name)
                .and_then(|p| p.lookup_storage_vol_by_name(vol_name))
                .and_then(|v| v.info())
                .map(|i| i.allocation);
            if let Ok(done) = done {
                progress(Progress {
                    step: step.clone(),
                    done: done.min(total),
                    total,
                });
            }
        }
        copy.join().expect("the copy thread does not panic")
    })
    .map_err(CreateError::libvirt(format!("copy disk {}", d.target)))?;
    let created = made.clone();
    undo.push(move || {
        let _ = created.delete(0);
    });
    progress(Progress {
        step: format!("Copied {}", d.target),
        done: total,
        total,
    });
    made.path().map_err(CreateError::libvirt(format!(
        "locate the copy of {}",
        d.target
    )))
}
