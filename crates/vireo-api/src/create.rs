//! The create-VM wizard's operations: OS choices, source inspection, defaults, the XML
//! preview and creation itself.

use crate::{ApiError, Code};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::OnceLock;
use ts_rs::TS;
use vireo_create::{Cancel, CreateRequest, Created, HostLimits, ImportMode, Progress};
use vireo_domain::{DomainType, Firmware};
use vireo_host::Accelerator;
use vireo_libvirt::Inventory;
use vireo_osinfo::{FirmwareNeed, OsDb, OsEntry};
use vireo_storage::ImageWarning;

fn osdb() -> &'static OsDb {
    static DB: OnceLock<OsDb> = OnceLock::new();
    DB.get_or_init(OsDb::load)
}

/// One OS the wizard can offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OsChoice {
    pub id: String,
    pub short_id: String,
    pub name: String,
    pub vendor: Option<String>,
    pub release_date: Option<String>,
    pub eol: bool,
    /// "Generic Linux", "Generic Windows", "Other": always offered.
    pub generic: bool,
    pub memory_mib: u64,
    /// The least memory the OS needs, when the database says.
    pub min_memory_mib: Option<u64>,
    pub vcpus: u32,
    pub disk_gib: u64,
    pub firmware: FirmwareNeed,
    pub virtio: bool,
}

fn today() -> String {
    chrono::Utc::now().format("%Y-%m-%d").to_string()
}

fn choice(e: &OsEntry, today: &str) -> OsChoice {
    let rec = e.recommended();
    OsChoice {
        id: e.id.clone(),
        short_id: e.short_id.clone(),
        name: e.name.clone(),
        vendor: e.vendor.clone(),
        release_date: e.release_date.clone(),
        eol: e.is_eol(today),
        generic: vireo_osinfo::GENERIC_IDS.contains(&e.id.as_str()),
        memory_mib: rec.ram.unwrap_or(2 << 30) >> 20,
        min_memory_mib: e.minimum.ram.map(|b| b >> 20).filter(|m| *m > 0),
        vcpus: rec.cpus.unwrap_or(2),
        disk_gib: rec.storage.unwrap_or(20 << 30).div_ceil(1 << 30),
        firmware: e.firmware,
        virtio: e.virtio,
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OsQuery {
    pub query: String,
    pub include_eol: bool,
}

/// The generic choices first, then matches, most recent release first (at most 200).
pub fn os_search(q: OsQuery) -> Vec<OsChoice> {
    let db = osdb();
    let today = today();
    let mut out: Vec<OsChoice> = vireo_osinfo::GENERIC_IDS
        .iter()
        .filter_map(|id| db.get(id))
        .map(|e| choice(e, &today))
        .collect();
    out.extend(
        db.search(&q.query, q.include_eol, &today)
            .into_iter()
            .filter(|e| !vireo_osinfo::GENERIC_IDS.contains(&e.id.as_str()))
            .take(200)
            .map(|e| choice(e, &today)),
    );
    out
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InspectRequest {
    pub path: String,
    /// True for install media (an ISO), false for a disk image.
    pub iso: bool,
    /// With a connection, an imported image is also judged against the storage pool it
    /// goes into (`pool`, else `default`) for `mode` (else overlay), and against the VMs
    /// that already have it as a disk.
    pub connection: Option<String>,
    pub pool: Option<String>,
    pub mode: Option<ImportMode>,
    /// The VM a disk is being added to (on `connection`): its own disks are refused, not
    /// warned about, as adding the disk would refuse them.
    #[serde(default)]
    #[ts(optional)]
    pub vm: Option<crate::VmRef>,
}

/// What the wizard shows about a chosen file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SourceInfo {
    pub image: vireo_storage::ImageInfo,
    /// The OS this ISO installs, when its volume id is known to the database.
    pub detected_os: Option<OsChoice>,
    /// The ISO's volume id, shown escaped.
    pub volume_id: Option<String>,
    /// What the user must confirm before creating (the request's `acknowledged`): the
    /// image's own warnings and the storage pool's.
    pub warnings: Vec<ImageWarning>,
}

/// Inspects the file the user chose: its path is judged before it is opened, its content
/// before anything else reads it. Refusals are `invalid-input`, with the reason.
pub fn inspect_source(inv: &Inventory, req: InspectRequest) -> Result<SourceInfo, ApiError> {
    let chosen = Path::new(&req.path);
    let refusal = |e: vireo_storage::ImageError| match e {
        // Install media is a file: say so, not "disk image".
        vireo_storage::ImageError::Directory(p) if req.iso => ApiError::new(
            Code::InvalidInput,
            format!("{p} is a folder, not an ISO image: choose the .iso file in it"),
        ),
        e => ApiError::from_chain(Code::InvalidInput, &e),
    };
    // Judged from the path as chosen: inspect resolves it first and shows a link as such.
    let mut image = vireo_storage::inspect(chosen, &[]).map_err(refusal)?;
    let mut warnings = std::mem::take(&mut image.warnings);
    if let (Some(connection), false) = (&req.connection, req.iso) {
        let conn = inv.open_connection(connection)?;
        let mode = req.mode.unwrap_or(ImportMode::Overlay);
        let adding_to = match &req.vm {
            Some(vm) => {
                let name = conn
                    .lookup_domain_by_uuid_string(&vm.uuid)
                    .and_then(|d| d.name())
                    .map_err(|e| vireo_libvirt::BackendError::libvirt("find the VM", e))?;
                Some((vm.uuid.clone(), name))
            }
            None => None,
        };
        let mine = adding_to.as_ref().map(|(u, n)| (u.as_str(), n.as_str()));
        let shared =
            vireo_create::shared_disk_warning(&conn, &image, mode, mine).map_err(create_error)?;
        warnings.extend(shared);
        let pool = vireo_create::pool_warnings(&conn, req.pool.as_deref(), mode, &image)
            .map_err(create_error)?;
        warnings.extend(pool);
    }
    let is_iso = image.format == vireo_storage::ImageFormat::Iso;
    let shown_path = vireo_text::shown(&req.path);
    if req.iso && !is_iso {
        return Err(ApiError::new(
            Code::InvalidInput,
            format!("{shown_path} is not an ISO image"),
        ));
    }
    if !req.iso && is_iso {
        return Err(ApiError::new(
            Code::InvalidInput,
            format!("{shown_path} is an ISO: choose \"Install from an ISO\""),
        ));
    }
    // Read from the very file inspection judged, opened without following links or blocking.
    let identity = if is_iso {
        let mut file = vireo_storage::open_image(&image).map_err(refusal)?;
        vireo_osinfo::read_iso_identity_from(&mut file)
    } else {
        None
    };
    let today = today();
    let detected_os = identity
        .as_ref()
        .and_then(|i| osdb().identify_iso(i))
        .map(|e| choice(e, &today));
    Ok(SourceInfo {
        image,
        detected_os,
        volume_id: identity.map(|i| vireo_text::shown(&i.volume_id)),
        warnings,
    })
}

/// What the wizard pre-fills for a connection and an OS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct WizardDefaults {
    pub name: String,
    pub memory_mib: u64,
    pub vcpus: u32,
    pub disk_gib: u64,
    pub firmware: Firmware,
    pub tpm: bool,
    pub virtio: bool,
    /// Host limits, for the sliders and the over-commit warning.
    pub host_memory_mib: u64,
    pub host_cpus: u32,
    pub domain_type: DomainType,
    /// Shown when VMs will be emulated (TCG).
    pub slow_notice: Option<String>,
    pub swtpm: bool,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DefaultsRequest {
    pub connection: String,
    pub os_id: Option<String>,
}

fn host_limits() -> Result<(HostLimits, vireo_host::HostReport), ApiError> {
    let report = crate::check_host()?;
    let domain_type = match report.verdict.accelerator {
        Accelerator::Kvm => DomainType::Kvm,
        _ => DomainType::Qemu,
    };
    let limits = HostLimits {
        memory: report.resources.total_memory,
        cpus: report.resources.cpu_threads,
        domain_type,
    };
    Ok((limits, report))
}

pub fn wizard_defaults(inv: &Inventory, req: DefaultsRequest) -> Result<WizardDefaults, ApiError> {
    let (host, report) = host_limits()?;
    let today = today();
    let os = req.os_id.as_deref().and_then(|id| osdb().get(id));
    let c = os.map(|e| choice(e, &today));
    let swtpm = report
        .finding(vireo_host::FindingId::Swtpm)
        .is_some_and(|f| f.status == vireo_host::Status::Ok);
    let firmware = match c.as_ref().map(|c| c.firmware) {
        Some(FirmwareNeed::UefiRequired) => Firmware::Uefi,
        _ => Firmware::Bios,
    };
    let base = c
        .as_ref()
        .map(|c| c.short_id.clone())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "vm".to_string());
    let stem = format!("{base}-{}", today.replace('-', ""));
    let taken: Vec<String> = inv
        .snapshot()
        .vms
        .into_iter()
        .filter(|r| r.connection == req.connection)
        .map(|r| r.vm.name)
        .collect();
    let name = (1..)
        .map(|n| {
            if n == 1 {
                stem.clone()
            } else {
                format!("{stem}-{n}")
            }
        })
        .find(|n| !taken.contains(n))
        .unwrap_or(stem);
    let host_memory_mib = host.memory >> 20;
    Ok(WizardDefaults {
        name,
        // Never propose more than half the host.
        memory_mib: c
            .as_ref()
            .map(|c| c.memory_mib)
            .unwrap_or(2048)
            .min((host_memory_mib / 2).max(256)),
        // Leave the host a CPU of its own: every vCPU can keep a host core busy (always so
        // under emulation).
        vcpus: c
            .as_ref()
            .map(|c| c.vcpus)
            .unwrap_or(2)
            .min(host.cpus.saturating_sub(1).max(1)),
        disk_gib: c.as_ref().map(|c| c.disk_gib).unwrap_or(20),
        firmware,
        tpm: firmware == Firmware::Uefi && swtpm,
        virtio: c.as_ref().is_none_or(|c| c.virtio),
        host_memory_mib,
        host_cpus: host.cpus,
        domain_type: host.domain_type,
        slow_notice: (host.domain_type == DomainType::Qemu).then(|| report.verdict.summary.clone()),
        swtpm,
    })
}

/// A create request for one connection.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateVmRequest {
    pub connection: String,
    pub request: CreateRequest,
}

pub(crate) fn create_error(e: vireo_create::CreateError) -> ApiError {
    if let vireo_create::CreateError::Backend(b) = e {
        return b.into();
    }
    let code = if e.is_input() {
        Code::InvalidInput
    } else if matches!(e, vireo_create::CreateError::Cancelled) {
        Code::InvalidState
    } else if let vireo_create::CreateError::Libvirt { source, .. } = &e {
        // libvirt refusing what the request asked for is the request's fault, a daemon
        // that went away is unavailable: the same table as every other libvirt call.
        match vireo_libvirt::classify(source) {
            vireo_libvirt::ErrorKind::InvalidInput => Code::InvalidInput,
            vireo_libvirt::ErrorKind::PermissionDenied => Code::PermissionDenied,
            vireo_libvirt::ErrorKind::NotFound => Code::NotFound,
            vireo_libvirt::ErrorKind::InvalidState => Code::InvalidState,
            vireo_libvirt::ErrorKind::Unavailable => Code::Unavailable,
            vireo_libvirt::ErrorKind::Internal => Code::Internal,
        }
    } else if matches!(e, vireo_create::CreateError::Io { .. }) {
        Code::Unavailable
    } else {
        Code::Internal
    };
    ApiError::from_chain(code, &e)
}

/// The XML "Create" would define, after the same validation (nothing is created).
pub fn preview_vm(inv: &Inventory, req: CreateVmRequest) -> Result<String, ApiError> {
    let conn = inv.open_connection(&req.connection)?;
    let (host, _) = host_limits()?;
    let image = vireo_create::validate(&conn, &req.request, &host).map_err(create_error)?;
    let pool_dir = conn
        .lookup_storage_pool_by_name(req.request.pool.as_deref().unwrap_or("default"))
        .ok()
        .and_then(|p| p.xml_desc(0).ok())
        .and_then(|x| {
            let start = x.find("<path>")? + 6;
            let end = x[start..].find("</path>")? + start;
            Some(x[start..end].to_string())
        })
        .unwrap_or_else(|| "/var/lib/libvirt/images".to_string());
    Ok(vireo_create::preview_xml(
        &req.request,
        &host,
        image.as_ref(),
        &pool_dir,
    ))
}

fn cancel_slot() -> &'static std::sync::Mutex<Cancel> {
    static SLOT: OnceLock<std::sync::Mutex<Cancel>> = OnceLock::new();
    SLOT.get_or_init(Default::default)
}

/// Creates (and maybe starts) the VM; `progress` hears about long steps. One at a time.
pub fn create_vm(
    inv: &Inventory,
    progress: &dyn Fn(Progress),
    req: CreateVmRequest,
) -> Result<Created, ApiError> {
    let conn = inv.open_connection(&req.connection)?;
    let (host, _) = host_limits()?;
    let cancel = Cancel::default();
    *cancel_slot().lock().unwrap_or_else(|p| p.into_inner()) = cancel.clone();
    let created = vireo_create::create(&conn, &req.request, &host, progress, &cancel)
        .map_err(create_error)?;
    Ok(created)
}

/// Cancels the creation in progress, if any; what it created is rolled back.
pub fn cancel_create() {
    cancel_slot()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .cancel();
}
