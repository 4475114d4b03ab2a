//! One connection's VMs: listing, refreshing one, lifecycle actions and deletion.

use crate::domain_xml::{self, DiskRef};
use crate::error::BackendError;
use crate::state::{self, Action, VmFlags, VmState};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use ts_rs::TS;
use virt::connect::Connect;
use virt::domain::Domain;
use virt::sys;

/// One VM as the inventory shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct VmSummary {
    pub uuid: String,
    pub name: String,
    pub state: VmState,
    pub vcpus: u32,
    /// Bytes.
    pub memory: u64,
    /// libosinfo id from the domain's metadata.
    pub os_id: Option<String>,
    /// A readable OS name.
    pub os: Option<String>,
    pub persistent: bool,
    pub autostart: bool,
    /// What the state machine allows now; the UI enables exactly these.
    pub allowed: Vec<Action>,
}

/// Domain XML details, cached per UUID: fetched once, and again after a Defined event.
pub type DetailsCache = HashMap<String, domain_xml::DomainDetails>;

fn flag_set(conn: &Connect, flag: u32) -> Result<HashSet<String>, BackendError> {
    let doms = conn
        .list_all_domains(flag)
        .map_err(|e| BackendError::libvirt("list VMs", e))?;
    Ok(doms.iter().filter_map(|d| d.uuid_string().ok()).collect())
}

fn details(dom: &Domain) -> Result<domain_xml::DomainDetails, BackendError> {
    let xml = dom
        .xml_desc(0)
        .map_err(|e| BackendError::libvirt("read the VM's XML", e))?;
    domain_xml::parse(&xml)
        .map_err(|e| BackendError::Refused(format!("unreadable domain XML: {e}")))
}

fn summary(
    uuid: String,
    name: String,
    state: VmState,
    flags: VmFlags,
    d: &domain_xml::DomainDetails,
) -> VmSummary {
    VmSummary {
        uuid,
        name,
        state,
        vcpus: d.vcpus,
        memory: d.memory,
        os: d.os_id.as_deref().map(domain_xml::os_label),
        os_id: d.os_id.clone(),
        persistent: flags.persistent,
        autostart: flags.autostart,
        allowed: state::allowed(state, flags),
    }
}

/// Every VM of the connection: three list calls and one bulk state call, plus one XML
/// read per VM not yet in `cache`.
pub fn list(conn: &Connect, cache: &mut DetailsCache) -> Result<Vec<VmSummary>, BackendError> {
    let doms = conn
        .list_all_domains(0)
        .map_err(|e| BackendError::libvirt("list VMs", e))?;
    let persistent = flag_set(conn, sys::VIR_CONNECT_LIST_DOMAINS_PERSISTENT)?;
    let autostart = flag_set(conn, sys::VIR_CONNECT_LIST_DOMAINS_AUTOSTART)?;
    let saved = flag_set(conn, sys::VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE)?;
    let states: HashMap<String, i32> = crate::ffi::all_domain_stats(conn, crate::ffi::STATS_STATE)
        .map_err(|e| BackendError::libvirt("read VM states", e))?
        .into_iter()
        .filter_map(|r| Some((r.uuid, r.state?)))
        .collect();
    let mut out = Vec::with_capacity(doms.len());
    let mut seen = HashSet::with_capacity(doms.len());
    for dom in doms {
        let (Ok(uuid), Ok(name)) = (dom.uuid_string(), dom.name()) else {
            continue; // vanished while listing
        };
        if !cache.contains_key(&uuid) {
            match details(&dom) {
                Ok(d) => {
                    cache.insert(uuid.clone(), d);
                }
                Err(_) => continue, // undefined meanwhile; its event will follow
            }
        }
        let state = match states.get(&uuid) {
            Some(s) => *s,
            None => match dom.state() {
                Ok((s, _)) => s.to_raw() as i32,
                Err(_) => continue,
            },
        };
        let flags = VmFlags {
            persistent: persistent.contains(&uuid),
            autostart: autostart.contains(&uuid),
        };
        let state = VmState::from_libvirt(state, saved.contains(&uuid));
        seen.insert(uuid.clone());
        out.push(summary(uuid.clone(), name, state, flags, &cache[&uuid]));
    }
    cache.retain(|uuid, _| seen.contains(uuid));
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

pub(crate) fn lookup(conn: &Connect, uuid: &str) -> Result<Domain, BackendError> {
    conn.lookup_domain_by_uuid_string(uuid).map_err(|e| {
        if e.code() == virt::error::ErrorNumber::NoDomain.into() {
            BackendError::NoSuchVm(uuid.to_string())
        } else {
            BackendError::libvirt("find the VM", e)
        }
    })
}

/// The UUID of the VM called `name`.
pub fn uuid_by_name(conn: &Connect, name: &str) -> Result<String, BackendError> {
    conn.lookup_domain_by_name(name)
        .and_then(|d| d.uuid_string())
        .map_err(|e| {
            if e.code() == virt::error::ErrorNumber::NoDomain.into() {
                BackendError::NoSuchVm(name.to_string())
            } else {
                BackendError::libvirt("find the VM", e)
            }
        })
}

/// The current summary of one VM, or None when it no longer exists.
pub fn refresh(
    conn: &Connect,
    uuid: &str,
    cache: &mut DetailsCache,
    reread_xml: bool,
) -> Result<Option<VmSummary>, BackendError> {
    let dom = match lookup(conn, uuid) {
        Ok(d) => d,
        Err(BackendError::NoSuchVm(_)) => {
            cache.remove(uuid);
            return Ok(None);
        }
        Err(e) => return Err(e),
    };
    let read = || -> Result<_, virt::error::Error> {
        let (state, _) = dom.state()?;
        let persistent = dom.is_persistent()?;
        let saved = persistent && dom.has_managed_save(0)?;
        let autostart = persistent && dom.autostart()?;
        Ok((
            state.to_raw() as i32,
            saved,
            persistent,
            autostart,
            dom.name()?,
        ))
    };
    let (state, saved, persistent, autostart, name) = match read() {
        Ok(v) => v,
        Err(e) if e.code() == virt::error::ErrorNumber::NoDomain.into() => {
            cache.remove(uuid);
            return Ok(None);
        }
        Err(e) => return Err(BackendError::libvirt("read the VM's state", e)),
    };
    if reread_xml || !cache.contains_key(uuid) {
        cache.insert(uuid.to_string(), details(&dom)?);
    }
    let flags = VmFlags {
        persistent,
        autostart,
    };
    Ok(Some(summary(
        uuid.to_string(),
        name,
        VmState::from_libvirt(state, saved),
        flags,
        &cache[uuid],
    )))
}

/// The VM's current summary, if the state machine allows `action` now.
pub fn allowed_now(conn: &Connect, uuid: &str, action: Action) -> Result<VmSummary, BackendError> {
    let current = refresh(conn, uuid, &mut DetailsCache::new(), false)?
        .ok_or_else(|| BackendError::NoSuchVm(uuid.to_string()))?;
    let flags = VmFlags {
        persistent: current.persistent,
        autostart: current.autostart,
    };
    state::check(current.state, flags, action)?;
    Ok(current)
}

/// Runs one lifecycle action after checking it against the state machine.
pub fn perform(conn: &Connect, uuid: &str, action: Action) -> Result<(), BackendError> {
    let current = allowed_now(conn, uuid, action)?;
    match action {
        Action::Delete => {
            return Err(BackendError::Refused(
                "deleting a VM goes through delete_vm, which asks about its disks".into(),
            ))
        }
        Action::Configure | Action::ConfigureLive | Action::Rename | Action::ChangePlatform => {
            return Err(BackendError::Refused(format!(
                "{} is a change of the VM's configuration (vm_config), not a lifecycle action",
                action.verb()
            )))
        }
        Action::Snapshot | Action::RevertSnapshot | Action::Clone => {
            return Err(BackendError::Refused(format!(
                "to {} a VM, use snapshots.rs or vireo-create's clone, not a lifecycle action",
                action.verb()
            )))
        }
        _ => {}
    }
    if matches!(action, Action::Start | Action::EnableAutostart) {
        crate::vm_disks::refuse_template(conn, uuid, &current.name, action)?;
    }
    let dom = lookup(conn, uuid)?;
    let result = match action {
        Action::Start => dom.create(),
        Action::Shutdown => dom.shutdown(),
        Action::ForceOff => dom.destroy(),
        Action::Reboot => dom.reboot(sys::VIR_DOMAIN_REBOOT_DEFAULT),
        Action::Reset => dom.reset(),
        Action::Pause => dom.suspend(),
        Action::Resume => dom.resume(),
        Action::Save => dom.managed_save(0),
        Action::DiscardSave => dom.managed_save_remove(0),
        Action::EnableAutostart => dom.set_autostart(true).map(|_| ()),
        Action::DisableAutostart => dom.set_autostart(false).map(|_| ()),
        Action::Delete
        | Action::Configure
        | Action::ConfigureLive
        | Action::Rename
        | Action::ChangePlatform
        | Action::Snapshot
        | Action::RevertSnapshot
        | Action::Clone => {
            unreachable!("refused above")
        }
    };
    result.map_err(|e| BackendError::libvirt(format!("{} {}", action.verb(), current.name), e))
}

/// A disk of a VM about to be deleted, and what deleting it would mean.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DiskChoice {
    pub target: String,
    pub device: String,
    pub path: Option<String>,
    /// The storage pool holding it, if any.
    pub pool: Option<String>,
    /// Other VMs on this connection that use the same file.
    pub shared_with: Vec<String>,
    /// Suggested: a disk (not a CD-ROM) in a pool, used by no other VM.
    pub remove_by_default: bool,
    /// Removing it needs the explicit second confirmation (outside a pool, or shared).
    pub needs_confirmation: bool,
}

/// What a delete would remove, for the confirmation dialog.
pub fn delete_preview(conn: &Connect, uuid: &str) -> Result<Vec<DiskChoice>, BackendError> {
    let dom = lookup(conn, uuid)?;
    let mine = details(&dom)?;
    // Who else uses each path: one XML read per other VM, only when deleting.
    let mut users: HashMap<String, Vec<String>> = HashMap::new();
    for other in conn
        .list_all_domains(0)
        .map_err(|e| BackendError::libvirt("list VMs", e))?
    {
        if other.uuid_string().ok().as_deref() == Some(uuid) {
            continue;
        }
        let (Ok(name), Ok(d)) = (other.name(), details(&other)) else {
            continue;
        };
        for disk in d.disks {
            if let Some(p) = disk.path {
                users.entry(p).or_default().push(name.clone());
            }
        }
    }
    // Linked clones read these disks as their base: deleting one breaks them, so they count
    // as users too (the dialog then asks twice).
    for disk in &mine.disks {
        let Some(p) = &disk.path else { continue };
        let real = std::fs::canonicalize(p).unwrap_or_else(|_| p.into());
        for user in crate::vm_disks::disk_users(conn, &real)? {
            let names = users.entry(p.clone()).or_default();
            if user.as_backing && user.uuid != uuid && !names.contains(&user.vm_name) {
                names.push(user.vm_name);
            }
        }
    }
    Ok(mine
        .disks
        .iter()
        .filter(|d| d.path.is_some() || d.pool_volume.is_some())
        .map(|d| disk_choice(conn, d, &users))
        .collect())
}

fn disk_choice(conn: &Connect, disk: &DiskRef, users: &HashMap<String, Vec<String>>) -> DiskChoice {
    let (pool, path) = match (&disk.pool_volume, &disk.path) {
        (Some((pool, vol)), _) => {
            let path = conn
                .lookup_storage_pool_by_name(pool)
                .and_then(|p| p.lookup_storage_vol_by_name(vol))
                .and_then(|v| v.path())
                .ok();
            (Some(pool.clone()), path)
        }
        (None, Some(path)) => {
            let pool = conn
                .lookup_storage_vol_by_path(path)
                .and_then(|v| v.lookup_storage_pool())
                .and_then(|p| p.name())
                .ok();
            (pool, Some(path.clone()))
        }
        (None, None) => (None, None),
    };
    let shared_with = path
        .as_ref()
        .and_then(|p| users.get(p).cloned())
        .unwrap_or_default();
    let needs_confirmation = pool.is_none() || !shared_with.is_empty();
    DiskChoice {
        target: disk.target.clone(),
        device: disk.device.clone(),
        remove_by_default: disk.device == "disk" && !needs_confirmation,
        needs_confirmation,
        path,
        pool,
        shared_with,
    }
}

/// Refuses deleting a disk's file that needs the second confirmation (outside every pool,
/// or used by another VM) when it was not given.
pub(crate) fn confirm_removal(
    choice: &DiskChoice,
    confirmed_risky: bool,
) -> Result<(), BackendError> {
    if choice.needs_confirmation && !confirmed_risky {
        let why = if choice.shared_with.is_empty() {
            "lies outside every storage pool".to_string()
        } else {
            format!("is also used by {}", choice.shared_with.join(", "))
        };
        return Err(BackendError::Refused(format!(
            "disk {} ({}) {why}: confirm once more to delete it",
            choice.target,
            choice.path.as_deref().unwrap_or("?")
        )));
    }
    Ok(())
}

/// Deletes a disk's file: through its storage volume when a pool holds it, so the pool's
/// view stays true, else as a file.
pub(crate) fn delete_file(conn: &Connect, path: &str) -> Result<(), String> {
    match conn.lookup_storage_vol_by_path(path) {
        Ok(vol) => vol.delete(0).map_err(|e| e.message().to_string()),
        Err(_) => std::fs::remove_file(path).map_err(|e| e.to_string()),
    }
}

/// Deletes a shut-off VM and the disks named by target. A disk outside every pool, or used by
/// another VM, is removed only with `confirmed_risky`. The domain is undefined first, so a
/// failure leaves the disks in place rather than a VM without its disks.
pub fn delete(
    conn: &Connect,
    uuid: &str,
    remove_targets: &[String],
    confirmed_risky: bool,
) -> Result<(), BackendError> {
    let current = allowed_now(conn, uuid, Action::Delete)?;
    let choices = delete_preview(conn, uuid)?;
    let mut chosen = Vec::new();
    for target in remove_targets {
        let choice = choices
            .iter()
            .find(|c| &c.target == target)
            .ok_or_else(|| {
                BackendError::Refused(format!("{} has no disk {target}", current.name))
            })?;
        confirm_removal(choice, confirmed_risky)?;
        chosen.push(choice.clone());
    }
    let dom = lookup(conn, uuid)?;
    let full = sys::VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
        | sys::VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA
        | sys::VIR_DOMAIN_UNDEFINE_NVRAM
        | sys::VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA;
    // Drivers without NVRAM or checkpoints (test, vbox) refuse those flags.
    let basic = sys::VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | sys::VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA;
    dom.undefine_flags(full)
        .or_else(|_| dom.undefine_flags(basic))
        .map_err(|e| BackendError::libvirt(format!("delete {}", current.name), e))?;
    let mut failures = Vec::new();
    for disk in chosen {
        let Some(path) = disk.path else { continue };
        if let Err(e) = delete_file(conn, &path) {
            failures.push(format!("{path}: {e}"));
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(BackendError::Refused(format!(
            "{} was deleted, but these disks could not be removed: {}",
            current.name,
            failures.join("; ")
        )))
    }
}
