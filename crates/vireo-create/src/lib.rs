//! # vireo-create
//!
//! Creating a VM the way the wizard describes it: validate everything first, then create the
//! storage, define the domain and optionally start it — and if any step fails, undo every step
//! already taken, so nothing is left half-created and no file of the user's is modified.
//!
//! ```no_run
//! use vireo_create::*;
//! let conn = vireo_libvirt::open("qemu:///system").unwrap();
//! let req = CreateRequest::empty("scratch", 2048, 2, 20);
//! let host = HostLimits { memory: 16 << 30, cpus: 8, domain_type: vireo_domain::DomainType::Qemu };
//! let created = create(&conn, &req, &host, &|_| {}, &Cancel::default()).unwrap();
//! println!("{}", created.uuid);
//! ```

use serde::{Deserialize, Serialize};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use ts_rs::TS;
use vireo_domain::{DiskFormat, DiskKind, DiskSpec, DomainSpec, DomainType, Firmware, Network};
use vireo_storage::{ImageFormat, ImageInfo, ImageWarning, WarningId};
use virt::connect::Connect;

/// How an imported image is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum ImportMode {
    /// A new qcow2 in the pool whose backing file is the original: the original is never
    /// written.
    Overlay,
    /// A full copy into the pool (progress reported, cancellable).
    Copy,
    /// The VM writes to the original file.
    InPlace,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(
    tag = "kind",
    rename_all = "kebab-case",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
pub enum Source {
    Import {
        path: String,
        mode: ImportMode,
    },
    /// The ISO as a CD-ROM plus a new empty disk.
    Iso {
        path: String,
        disk_gib: u64,
    },
    /// A new empty disk; boot from the network or later media.
    Empty {
        disk_gib: u64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum NetworkChoice {
    /// The NAT network `default`.
    Nat,
    /// QEMU user-mode networking (session connections).
    User,
    None,
}

/// Everything the wizard collected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateRequest {
    pub name: String,
    pub source: Source,
    pub os_id: Option<String>,
    pub memory_mib: u64,
    pub vcpus: u32,
    /// Storage pool for new disks; `default` (created if missing) when absent.
    pub pool: Option<String>,
    pub firmware: Firmware,
    pub tpm: bool,
    pub network: NetworkChoice,
    /// Consent to define/start the `default` network when it is missing or stopped.
    pub setup_network: bool,
    /// Paravirtual devices (the OS has virtio drivers).
    pub virtio: bool,
    pub start: bool,
    /// For tests and boot diagnostics: the guest's serial port to this file.
    pub serial_log: Option<String>,
    /// The source's warnings the user confirmed (`ImageInfo::warnings`); creating is refused
    /// while a warning is not among them.
    pub acknowledged: Vec<WarningId>,
}

impl CreateRequest {
    /// An empty-disk VM with BIOS, no network: the smallest valid request.
    pub fn empty(name: &str, memory_mib: u64, vcpus: u32, disk_gib: u64) -> Self {
        CreateRequest {
            name: name.to_string(),
            source: Source::Empty { disk_gib },
            os_id: None,
            memory_mib,
            vcpus,
            pool: None,
            firmware: Firmware::Bios,
            tpm: false,
            network: NetworkChoice::None,
            setup_network: false,
            virtio: true,
            start: false,
            serial_log: None,
            acknowledged: Vec::new(),
        }
    }
}

/// The host's limits, from the host check.
#[derive(Debug, Clone, Copy)]
pub struct HostLimits {
    /// Bytes.
    pub memory: u64,
    pub cpus: u32,
    pub domain_type: DomainType,
}

/// Progress of a long step (copying an image), for the wizard's progress bar.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    pub step: String,
    pub done: u64,
    pub total: u64,
}

/// Set it to stop a running creation; what was created is rolled back.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    fn requested(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Created {
    pub uuid: String,
    pub name: String,
    pub xml: String,
    pub started: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error("{0}")]
    Name(#[from] vireo_domain::NameError),
    #[error("a VM called {0} already exists on this connection")]
    NameTaken(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Image(#[from] vireo_storage::ImageError),
    #[error("{0}")]
    Permission(String),
    #[error("{0}: confirm this warning to go on")]
    Unacknowledged(String),
    #[error("cancelled")]
    Cancelled,
    #[error("could not {step}")]
    Libvirt {
        step: String,
        #[source]
        source: virt::error::Error,
    },
    #[error("could not {step}")]
    Io {
        step: String,
        #[source]
        source: std::io::Error,
    },
}

impl CreateError {
    fn libvirt(step: impl Into<String>) -> impl FnOnce(virt::error::Error) -> CreateError {
        let step = step.into();
        move |source| CreateError::Libvirt { step, source }
    }

    /// True when the user's input was refused (as opposed to a failure while creating).
    pub fn is_input(&self) -> bool {
        matches!(
            self,
            CreateError::Name(_)
                | CreateError::NameTaken(_)
                | CreateError::Invalid(_)
                | CreateError::Image(_)
                | CreateError::Permission(_)
                | CreateError::Unacknowledged(_)
        )
    }
}

/// The least memory a VM gets: firmware and the smallest kernels need about this much.
pub const MIN_MEMORY_MIB: u64 = 64;

/// Largest disk the wizard creates: 64 TiB (qcow2 allows more; nobody means it).
const MAX_DISK_GIB: u64 = 64 * 1024;

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
fn judge_and_inspect(path: &Path, qemu_reads: bool) -> Result<ImageInfo, CreateError> {
    if qemu_reads {
        qemu_can_read(&vireo_storage::resolve(path)?.real)?;
    }
    Ok(vireo_storage::inspect(path, &[])?)
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

/// Undo log: every step that created something registers how to remove it.
#[derive(Default)]
struct Rollback {
    steps: Vec<Box<dyn FnOnce()>>,
}

impl Rollback {
    fn push(&mut self, undo: impl FnOnce() + 'static) {
        self.steps.push(Box::new(undo));
    }
    fn run(self) {
        for undo in self.steps.into_iter().rev() {
            undo();
        }
    }
}

fn default_pool_dir(conn: &Connect) -> PathBuf {
    let system = conn.uri().map(|u| u.ends_with("/system")).unwrap_or(true);
    if system {
        PathBuf::from("/var/lib/libvirt/images")
    } else {
        std::env::var_os("XDG_DATA_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
            .unwrap_or_else(|| PathBuf::from("."))
            .join("libvirt/images")
    }
}

fn ensure_pool(
    conn: &Connect,
    name: &str,
    undo: &mut Rollback,
) -> Result<virt::storage_pool::StoragePool, CreateError> {
    if let Ok(pool) = conn.lookup_storage_pool_by_name(name) {
        if !pool.is_active().unwrap_or(false) {
            pool.create(0).map_err(CreateError::libvirt(format!(
                "start the storage pool {name}"
            )))?;
        }
        let _ = pool.refresh(0);
        return Ok(pool);
    }
    if name != "default" {
        return Err(CreateError::Invalid(format!(
            "there is no storage pool called {name}"
        )));
    }
    let dir = default_pool_dir(conn);
    let xml = format!(
        "<pool type='dir'><name>default</name><target><path>{}</path></target></pool>",
        vireo_domain::xml::escape(&dir.to_string_lossy())
    );
    let pool = conn
        .define_storage_pool_xml(&xml, 0)
        .map_err(CreateError::libvirt("create the default storage pool"))?;
    let defined = pool.clone();
    undo.push(move || {
        let _ = defined.destroy();
        let _ = defined.undefine();
    });
    pool.build(0)
        .map_err(CreateError::libvirt("create the default pool's directory"))?;
    pool.create(0)
        .map_err(CreateError::libvirt("start the default storage pool"))?;
    let _ = pool.set_autostart(true);
    Ok(pool)
}

fn ensure_network(conn: &Connect, consent: bool, undo: &mut Rollback) -> Result<(), CreateError> {
    match conn.lookup_network_by_name("default") {
        Ok(net) if net.is_active().unwrap_or(false) => Ok(()),
        Ok(net) => {
            if !consent {
                return Err(CreateError::Invalid(
                    "the NAT network 'default' is not running: allow Vireo to start it, or \
                     choose another network"
                        .into(),
                ));
            }
            net.create()
                .map_err(CreateError::libvirt("start the network 'default'"))?;
            let started = net.clone();
            undo.push(move || {
                let _ = started.destroy();
            });
            let _ = net.set_autostart(true);
            Ok(())
        }
        Err(_) => {
            if !consent {
                return Err(CreateError::Invalid(
                    "there is no NAT network 'default': allow Vireo to create it, or choose \
                     another network"
                        .into(),
                ));
            }
            let xml = "<network><name>default</name><forward mode='nat'/>\
                       <bridge stp='on' delay='0'/><ip address='192.168.122.1' \
                       netmask='255.255.255.0'><dhcp><range start='192.168.122.2' \
                       end='192.168.122.254'/></dhcp></ip></network>";
            let net = conn
                .define_network_xml(xml)
                .map_err(CreateError::libvirt("define the network 'default'"))?;
            let defined = net.clone();
            undo.push(move || {
                let _ = defined.destroy();
                let _ = defined.undefine();
            });
            net.create()
                .map_err(CreateError::libvirt("start the network 'default'"))?;
            let _ = net.set_autostart(true);
            Ok(())
        }
    }
}

fn volume_xml(name: &str, capacity: u64, backing: Option<(&str, ImageFormat)>) -> String {
    let esc = vireo_domain::xml::escape;
    let backing = backing
        .map(|(path, format)| {
            let f = if format == ImageFormat::Qcow2 {
                "qcow2"
            } else {
                "raw"
            };
            format!(
                "<backingStore><path>{}</path><format type='{f}'/></backingStore>",
                esc(path)
            )
        })
        .unwrap_or_default();
    // compat 1.1: libvirt otherwise writes the old 0.10 format.
    format!(
        "<volume><name>{}</name><capacity unit='bytes'>{capacity}</capacity>\
         <target><format type='qcow2'/><compat>1.1</compat></target>{backing}</volume>",
        esc(name)
    )
}

fn new_volume(
    pool: &virt::storage_pool::StoragePool,
    xml: &str,
    what: &str,
    undo: &mut Rollback,
) -> Result<(virt::storage_vol::StorageVol, String), CreateError> {
    let vol = virt::storage_vol::StorageVol::create_xml(pool, xml, 0)
        .map_err(CreateError::libvirt(format!("create {what}")))?;
    let created = vol.clone();
    undo.push(move || {
        let _ = created.delete(0);
    });
    let path = vol
        .path()
        .map_err(CreateError::libvirt(format!("locate {what}")))?;
    Ok((vol, path))
}

fn copy_into(
    conn: &Connect,
    vol: &virt::storage_vol::StorageVol,
    source: &ImageInfo,
    progress: &dyn Fn(Progress),
    cancel: &Cancel,
) -> Result<(), CreateError> {
    let io = |step: &str| {
        let step = step.to_string();
        move |source| CreateError::Io { step, source }
    };
    // The very file inspection judged: never through a link, never blocking on something
    // swapped in meanwhile.
    let mut file = vireo_storage::open_image(source)?;
    let meta = file.metadata().map_err(io("read the image"))?;
    let total = meta.len();
    let stream =
        virt::stream::Stream::new(conn, 0).map_err(CreateError::libvirt("open a stream"))?;
    vol.upload(&stream, 0, total, 0)
        .map_err(CreateError::libvirt("start the copy"))?;
    let mut buf = vec![0u8; 1 << 20];
    let mut done = 0u64;
    loop {
        if cancel.requested() {
            let _ = stream.abort();
            return Err(CreateError::Cancelled);
        }
        let n = file.read(&mut buf).map_err(io("read the image"))?;
        if n == 0 {
            break;
        }
        let mut sent = 0;
        while sent < n {
            let k = stream
                .send(&buf[sent..n])
                .map_err(CreateError::libvirt("copy the image"))?;
            sent += k.max(0) as usize;
        }
        done += n as u64;
        progress(Progress {
            step: "Copying the image".into(),
            done,
            total,
        });
    }
    stream
        .finish()
        .map_err(CreateError::libvirt("finish the copy"))
}

/// The domain spec for a validated request and its disk paths.
fn domain_spec(req: &CreateRequest, host: &HostLimits, disks: Vec<DiskSpec>) -> DomainSpec {
    let mut spec = DomainSpec::new(&req.name, host.domain_type, req.memory_mib, req.vcpus);
    spec.os_id = req.os_id.clone();
    spec.firmware = req.firmware;
    spec.tpm = req.tpm;
    spec.virtio = req.virtio;
    spec.disks = disks;
    spec.clock_localtime = req
        .os_id
        .as_deref()
        .is_some_and(|id| id.contains("microsoft.com/win"));
    spec.network = match req.network {
        NetworkChoice::Nat => Network::Nat {
            network: "default".into(),
        },
        NetworkChoice::User => Network::User,
        NetworkChoice::None => Network::None,
    };
    spec.serial_log = req.serial_log.clone();
    spec
}

fn copy_name(req: &CreateRequest, info: &ImageInfo) -> String {
    let ext = if info.format == ImageFormat::Qcow2 {
        "qcow2"
    } else {
        "img"
    };
    format!("{}.{ext}", req.name)
}

/// The VM's disks, given the path of its new disk (unused when the image is used in place).
/// Shared by `create` and `preview_xml`, so the preview is exactly what gets defined.
fn planned_disks(
    req: &CreateRequest,
    image: Option<&ImageInfo>,
    new_disk: String,
) -> Vec<DiskSpec> {
    let image_format = image
        .map(|i| disk_format(i.format))
        .unwrap_or(DiskFormat::Qcow2);
    // The real file inspection judged, never the link the user chose (it could be swapped).
    let real = |path: &String| {
        image
            .map(|i| i.path.clone())
            .unwrap_or_else(|| path.clone())
    };
    match &req.source {
        Source::Empty { .. } => vec![disk(
            DiskKind::Disk,
            new_disk,
            DiskFormat::Qcow2,
            req.virtio,
            1,
        )],
        Source::Iso { path, .. } => vec![
            disk(DiskKind::Disk, new_disk, DiskFormat::Qcow2, req.virtio, 2),
            disk(DiskKind::Cdrom, real(path), DiskFormat::Raw, false, 1),
        ],
        Source::Import {
            path,
            mode: ImportMode::Overlay,
        } => {
            let mut d = disk(DiskKind::Disk, new_disk, DiskFormat::Qcow2, req.virtio, 1);
            d.backing = Some((real(path), image_format));
            vec![d]
        }
        Source::Import {
            mode: ImportMode::Copy,
            ..
        } => {
            vec![disk(DiskKind::Disk, new_disk, image_format, req.virtio, 1)]
        }
        Source::Import {
            path,
            mode: ImportMode::InPlace,
        } => {
            vec![disk(
                DiskKind::Disk,
                real(path),
                image_format,
                req.virtio,
                1,
            )]
        }
    }
}

/// The XML the request would define (the wizard's "view XML"); `image` is what `validate`
/// returned. Nothing is created.
pub fn preview_xml(
    req: &CreateRequest,
    host: &HostLimits,
    image: Option<&ImageInfo>,
    pool_dir: &str,
) -> String {
    let name = match (&req.source, image) {
        (
            Source::Import {
                mode: ImportMode::Copy,
                ..
            },
            Some(info),
        ) => copy_name(req, info),
        _ => format!("{}.qcow2", req.name),
    };
    let disks = planned_disks(req, image, format!("{pool_dir}/{name}"));
    domain_spec(req, host, disks).to_xml()
}

fn disk(kind: DiskKind, path: String, format: DiskFormat, virtio: bool, boot: u32) -> DiskSpec {
    DiskSpec {
        // An ISO is the user's file: libvirt must not chown it.
        keep_owner: kind == DiskKind::Cdrom,
        kind,
        path,
        format,
        virtio,
        boot_order: Some(boot),
        backing: None,
    }
}

fn disk_format(f: ImageFormat) -> DiskFormat {
    if f == ImageFormat::Qcow2 {
        DiskFormat::Qcow2
    } else {
        DiskFormat::Raw
    }
}

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
    match create_steps(conn, req, host, image, progress, cancel, &mut undo) {
        Ok(created) => Ok(created),
        Err(e) => {
            undo.run();
            Err(e)
        }
    }
}

fn create_steps(
    conn: &Connect,
    req: &CreateRequest,
    host: &HostLimits,
    image: Option<ImageInfo>,
    progress: &dyn Fn(Progress),
    cancel: &Cancel,
    undo: &mut Rollback,
) -> Result<Created, CreateError> {
    if req.network == NetworkChoice::Nat {
        ensure_network(conn, req.setup_network, undo)?;
    }
    let needs_pool = !matches!(
        req.source,
        Source::Import {
            mode: ImportMode::InPlace,
            ..
        }
    );
    let pool = if needs_pool {
        Some(ensure_pool(
            conn,
            req.pool.as_deref().unwrap_or("default"),
            undo,
        )?)
    } else {
        None
    };
    let vol_name = format!("{}.qcow2", req.name);
    let gib = |g: u64| g << 30;
    // Create the storage; `new_disk` is the path of the disk this VM gets, if a new one.
    let new_disk = match (&req.source, pool.as_ref()) {
        (Source::Empty { disk_gib }, Some(pool)) | (Source::Iso { disk_gib, .. }, Some(pool)) => {
            let xml = volume_xml(&vol_name, gib(*disk_gib), None);
            Some(new_volume(pool, &xml, "the disk", undo)?.1)
        }
        (
            Source::Import {
                mode: ImportMode::Overlay,
                ..
            },
            Some(pool),
        ) => {
            let info = image.as_ref().expect("validated");
            let xml = volume_xml(
                &vol_name,
                info.virtual_size,
                Some((&info.path, info.format)),
            );
            Some(new_volume(pool, &xml, "the overlay disk", undo)?.1)
        }
        (
            Source::Import {
                mode: ImportMode::Copy,
                ..
            },
            Some(pool),
        ) => {
            let info = image.as_ref().expect("validated");
            let xml = format!(
                "<volume><name>{}</name><capacity unit='bytes'>{}</capacity>\
                 <allocation unit='bytes'>0</allocation><target><format type='raw'/></target></volume>",
                vireo_domain::xml::escape(&copy_name(req, info)),
                info.file_size
            );
            // The copy is byte for byte, so a qcow2 stays a qcow2 inside a raw-allocated file.
            let (vol, copy_path) = new_volume(pool, &xml, "the copy", undo)?;
            copy_into(conn, &vol, info, progress, cancel)?;
            Some(copy_path)
        }
        (
            Source::Import {
                mode: ImportMode::InPlace,
                ..
            },
            _,
        ) => None,
        (_, None) => unreachable!("every other source has a pool"),
    };
    let disks = planned_disks(req, image.as_ref(), new_disk.unwrap_or_default());
    if cancel.requested() {
        return Err(CreateError::Cancelled);
    }
    let spec = domain_spec(req, host, disks);
    let xml = spec.to_xml();
    let dom = conn
        .define_domain_xml(&xml)
        .map_err(CreateError::libvirt(format!("define {}", req.name)))?;
    let defined = dom.clone();
    undo.push(move || {
        let _ = defined.destroy();
        let flags =
            virt::sys::VIR_DOMAIN_UNDEFINE_NVRAM | virt::sys::VIR_DOMAIN_UNDEFINE_MANAGED_SAVE;
        let _ = defined
            .undefine_flags(flags)
            .or_else(|_| defined.undefine());
    });
    let uuid = dom
        .uuid_string()
        .map_err(CreateError::libvirt("read the new VM's UUID"))?;
    if req.start {
        dom.create()
            .map_err(CreateError::libvirt(format!("start {}", req.name)))?;
    }
    Ok(Created {
        uuid,
        name: req.name.clone(),
        xml,
        started: req.start,
    })
}
