//! Changing a VM after it exists: memory and vCPUs, CD-ROM media, boot order, notes, name and
//! the XML itself. The next boot's half edits the stored XML in place
//! ([`vireo_domain::edit`]) and defines it again; the running half uses libvirt's live calls.
//! Every change is checked against the state table first ([`state::check`]).

use crate::error::BackendError;
use crate::state::{self, Action, VmFlags};
use crate::vm::{self, DetailsCache, VmSummary};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use vireo_domain::edit::{self, EditError, ResourcePatch, Resources};
use vireo_domain::hardware::{self, VmHardware};
use virt::connect::Connect;
use virt::domain::Domain;
use virt::sys;

/// When a change takes effect: libvirt's live and config flags, in the user's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum Apply {
    /// Now, on the running VM only; the next boot is as before.
    Now,
    /// At the next boot; the running VM is unchanged ("pending").
    NextBoot,
    /// Now and at every boot after.
    NowAndNextBoot,
}

impl Apply {
    pub(crate) fn live(self) -> bool {
        matches!(self, Apply::Now | Apply::NowAndNextBoot)
    }

    pub(crate) fn config(self) -> bool {
        matches!(self, Apply::NextBoot | Apply::NowAndNextBoot)
    }
}

/// What the VM page shows: the list's summary, the hardware running now (the stored one
/// when stopped), the next boot's when it differs, and what differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct VmDetails {
    pub summary: VmSummary,
    pub hardware: VmHardware,
    pub next_boot: Option<VmHardware>,
    /// Fields of `hardware` the next boot changes (`memory`, `disk sda`, `bootOrder`…).
    pub pending: Vec<String>,
    /// The host's memory (MiB) and CPUs: the ceilings the page offers.
    pub host_memory_mib: u64,
    pub host_cpus: u32,
}

pub(crate) fn edit_error(e: EditError) -> BackendError {
    match e {
        EditError::Invalid(m) => BackendError::Refused(m),
        other => BackendError::Internal(other.to_string()),
    }
}

fn read_hw(xml: &str) -> Result<VmHardware, BackendError> {
    hardware::read(xml).map_err(|e| BackendError::Internal(format!("unreadable domain XML: {e}")))
}

pub(crate) fn xml(dom: &Domain, inactive: bool) -> Result<String, BackendError> {
    let flags = sys::VIR_DOMAIN_XML_SECURE
        | if inactive {
            sys::VIR_DOMAIN_XML_INACTIVE
        } else {
            0
        };
    dom.xml_desc(flags)
        .map_err(|e| BackendError::libvirt("read the VM's XML", e))
}

fn host(conn: &Connect) -> Result<(u64, u32), BackendError> {
    let info = conn
        .node_info()
        .map_err(|e| BackendError::libvirt("read the host's memory and CPUs", e))?;
    Ok((info.memory >> 10, info.cpus))
}

pub fn details(conn: &Connect, uuid: &str) -> Result<VmDetails, BackendError> {
    let summary = vm::refresh(conn, uuid, &mut DetailsCache::new(), true)?
        .ok_or_else(|| BackendError::NoSuchVm(uuid.to_string()))?;
    let dom = vm::lookup(conn, uuid)?;
    let hardware = read_hw(&xml(&dom, false)?)?;
    let next_boot = if summary.state.is_active() && summary.persistent {
        Some(read_hw(&xml(&dom, true)?)?)
    } else {
        None
    };
    let pending = next_boot
        .as_ref()
        .map(|next| hardware::pending(&hardware, next))
        .unwrap_or_default();
    let next_boot = next_boot.filter(|_| !pending.is_empty());
    let (host_memory_mib, host_cpus) = host(conn)?;
    Ok(VmDetails {
        summary,
        hardware: hardware.shown(),
        next_boot: next_boot.map(VmHardware::shown),
        pending,
        host_memory_mib,
        host_cpus,
    })
}

/// Whether the state table allows a change applied as `apply` (live, stored or both): the
/// VM as it is now.
pub(crate) fn allowed_for(
    conn: &Connect,
    uuid: &str,
    apply: Apply,
) -> Result<VmSummary, BackendError> {
    if apply.live() {
        vm::allowed_now(conn, uuid, Action::ConfigureLive)?;
    }
    let action = if apply.config() {
        Action::Configure
    } else {
        Action::ConfigureLive
    };
    vm::allowed_now(conn, uuid, action)
}

/// Defines `edited` as the VM's next-boot configuration, after checking it is still the same
/// VM; libvirt validates it against its schema first.
pub(crate) fn define(conn: &Connect, stored: &str, edited: &str) -> Result<(), BackendError> {
    edit::check_same_vm(stored, edited).map_err(edit_error)?;
    conn.define_domain_xml_flags(edited, sys::VIR_DOMAIN_DEFINE_VALIDATE)
        .map(|_| ())
        .map_err(|e| BackendError::libvirt("save the VM's configuration", e))
}

fn within_host(conn: &Connect, target: &Resources) -> Result<(), BackendError> {
    let (memory, cpus) = host(conn)?;
    if target.memory_mib > memory || target.max_memory_mib > memory {
        return Err(BackendError::Refused(format!(
            "{} MiB is more memory than the host has ({memory} MiB)",
            target.memory_mib.max(target.max_memory_mib)
        )));
    }
    if target.max_vcpus > cpus {
        return Err(BackendError::Refused(format!(
            "{} vCPUs is more than the host's {cpus} CPUs",
            target.max_vcpus
        )));
    }
    Ok(())
}

/// Memory and vCPUs, now and/or at the next boot. A failed live change leaves the stored
/// configuration as it was; a failed stored change undoes the live one.
pub fn set_resources(
    conn: &Connect,
    uuid: &str,
    patch: &ResourcePatch,
    apply: Apply,
) -> Result<(), BackendError> {
    if patch.is_empty() {
        return Err(BackendError::Refused("nothing to change".into()));
    }
    let current = vm::allowed_now(conn, uuid, Action::Configure).or_else(|e| {
        // A transient VM can still change live; the config half is what needs a definition.
        if apply.config() {
            Err(e)
        } else {
            vm::allowed_now(conn, uuid, Action::ConfigureLive)
        }
    })?;
    if apply.live() {
        state::check(
            current.state,
            VmFlags {
                persistent: current.persistent,
                autostart: current.autostart,
            },
            Action::ConfigureLive,
        )?;
    }
    let dom = vm::lookup(conn, uuid)?;
    let stored = if apply.config() {
        Some(xml(&dom, true)?)
    } else {
        None
    };
    // Judge every half before anything changes.
    let next = match &stored {
        Some(x) => {
            let target = edit::resolve(edit::resources(x).map_err(edit_error)?, patch)
                .map_err(edit_error)?;
            within_host(conn, &target)?;
            Some(edit::set_resources(x, patch).map_err(edit_error)?)
        }
        None => None,
    };
    let mut undo = None;
    if apply.live() {
        let live_xml = xml(&dom, false)?;
        let before = edit::resources(&live_xml).map_err(edit_error)?;
        let target = live_target(&live_xml, before, patch)?;
        within_host(conn, &target)?;
        apply_live(&dom, &current.name, before, target)?;
        undo = Some((before, target));
    }
    if let (Some(stored), Some(next)) = (stored, next) {
        if let Err(e) = define(conn, &stored, &next) {
            if let Some((before, target)) = undo {
                let _ = apply_live(&dom, &current.name, target, before);
            }
            return Err(e);
        }
    }
    Ok(())
}

/// What a live change may do: the maxima are fixed while the VM runs, and memory moves only
/// with a balloon.
fn live_target(
    live_xml: &str,
    before: Resources,
    patch: &ResourcePatch,
) -> Result<Resources, BackendError> {
    let refuse = |m: &str| Err(BackendError::Refused(m.to_string()));
    if patch
        .max_memory_mib
        .is_some_and(|m| m != before.max_memory_mib)
    {
        return refuse(
            "the maximum memory cannot change while the VM runs: apply it at the next boot",
        );
    }
    if patch.max_vcpus.is_some_and(|m| m != before.max_vcpus) {
        return refuse(
            "the maximum number of vCPUs cannot change while the VM runs: apply it at the \
             next boot",
        );
    }
    let target = edit::resolve(before, patch).map_err(edit_error)?;
    if target.memory_mib != before.memory_mib && !read_hw(live_xml)?.balloon {
        return refuse(
            "this VM has no memory balloon, so its memory can only change at the next boot",
        );
    }
    Ok(target)
}

fn apply_live(
    dom: &Domain,
    name: &str,
    from: Resources,
    to: Resources,
) -> Result<(), BackendError> {
    if to.memory_mib != from.memory_mib {
        dom.set_memory_flags(to.memory_mib << 10, sys::VIR_DOMAIN_AFFECT_LIVE)
            .map_err(|e| BackendError::libvirt(format!("change the memory of {name} now"), e))?;
    }
    if to.vcpus != from.vcpus {
        if let Err(e) = dom.set_vcpus_flags(to.vcpus, sys::VIR_DOMAIN_AFFECT_LIVE) {
            if to.memory_mib != from.memory_mib {
                let _ = dom.set_memory_flags(from.memory_mib << 10, sys::VIR_DOMAIN_AFFECT_LIVE);
            }
            return Err(BackendError::libvirt(
                format!("change the vCPUs of {name} now"),
                e,
            ));
        }
    }
    Ok(())
}

/// Puts an ISO in a CD-ROM drive, or ejects it (None), now and/or at the next boot. The
/// caller has judged the ISO (inspection, readable by QEMU).
pub fn set_cdrom(
    conn: &Connect,
    uuid: &str,
    target: &str,
    iso: Option<&str>,
    apply: Apply,
) -> Result<(), BackendError> {
    let current = allowed_for(conn, uuid, apply)?;
    let dom = vm::lookup(conn, uuid)?;
    let next = if apply.config() {
        let stored = xml(&dom, true)?;
        let change = edit::set_cdrom_media(&stored, target, iso).map_err(edit_error)?;
        Some((stored, change.xml))
    } else {
        None
    };
    if apply.live() {
        let live = edit::set_cdrom_media(&xml(&dom, false)?, target, iso).map_err(edit_error)?;
        dom.update_device_flags(&live.device, sys::VIR_DOMAIN_DEVICE_MODIFY_LIVE)
            .map_err(|e| {
                let what = if iso.is_some() {
                    "insert the ISO into"
                } else {
                    "eject"
                };
                BackendError::libvirt(format!("{what} {target} of {}", current.name), e)
            })?;
    }
    if let Some((stored, next)) = next {
        define(conn, &stored, &next)?;
    }
    Ok(())
}

/// The boot order (disk targets and NIC MACs, first first) and the boot menu, for the next
/// boot: libvirt cannot change either on a running VM.
pub fn set_boot(
    conn: &Connect,
    uuid: &str,
    order: &[String],
    menu: Option<bool>,
) -> Result<(), BackendError> {
    vm::allowed_now(conn, uuid, Action::Configure)?;
    if order.is_empty() {
        return Err(BackendError::Refused(
            "the boot order needs at least one disk or network interface".into(),
        ));
    }
    let dom = vm::lookup(conn, uuid)?;
    let stored = xml(&dom, true)?;
    let next = edit::set_boot(&stored, order, menu).map_err(edit_error)?;
    define(conn, &stored, &next)
}

/// The notes field (`<description>`), on the running VM and its configuration.
pub fn set_description(conn: &Connect, uuid: &str, text: &str) -> Result<(), BackendError> {
    const MAX: usize = 10_000;
    if text.chars().count() > MAX {
        return Err(BackendError::Refused(format!(
            "notes are at most {MAX} characters"
        )));
    }
    let current = vm::allowed_now(conn, uuid, Action::Configure)
        .or_else(|_| vm::allowed_now(conn, uuid, Action::ConfigureLive))?;
    let mut flags = 0;
    if current.persistent {
        flags |= sys::VIR_DOMAIN_AFFECT_CONFIG;
    }
    if current.state.is_active() {
        flags |= sys::VIR_DOMAIN_AFFECT_LIVE;
    }
    let dom = vm::lookup(conn, uuid)?;
    let value = if text.is_empty() { None } else { Some(text) };
    dom.set_metadata(
        sys::VIR_DOMAIN_METADATA_DESCRIPTION as i32,
        value,
        None,
        None,
        flags,
    )
    .map_err(|e| BackendError::libvirt(format!("save the notes of {}", current.name), e))
}

/// Renames a stopped VM (libvirt's rename keeps its UUID, disks and snapshots).
pub fn rename(conn: &Connect, uuid: &str, new_name: &str) -> Result<(), BackendError> {
    let current = vm::allowed_now(conn, uuid, Action::Rename)?;
    vireo_domain::validate_name(new_name).map_err(|e| BackendError::Refused(e.to_string()))?;
    if new_name == current.name {
        return Err(BackendError::Refused(format!(
            "{new_name} is already this VM's name"
        )));
    }
    if conn.lookup_domain_by_name(new_name).is_ok() {
        return Err(BackendError::Refused(format!(
            "a VM called {new_name} already exists on this connection"
        )));
    }
    vm::lookup(conn, uuid)?
        .rename(new_name, 0)
        .map_err(|e| BackendError::libvirt(format!("rename {} to {new_name}", current.name), e))
}

/// The stored (next-boot) XML, for the XML editor and `vireo vm xml`.
pub fn stored_xml(conn: &Connect, uuid: &str) -> Result<String, BackendError> {
    xml(&vm::lookup(conn, uuid)?, true)
}

/// Largest XML the editor accepts: real domains are a few KiB.
const MAX_XML: usize = 1 << 20;

/// Defines the user's edited XML as the VM's next-boot configuration: the same VM (name and
/// UUID kept), valid against libvirt's schema; libvirt's own error otherwise.
pub fn define_xml(conn: &Connect, uuid: &str, edited: &str) -> Result<(), BackendError> {
    vm::allowed_now(conn, uuid, Action::Configure)?;
    if edited.len() > MAX_XML {
        return Err(BackendError::Refused(format!(
            "the XML is larger than {} KiB",
            MAX_XML >> 10
        )));
    }
    let stored = stored_xml(conn, uuid)?;
    define(conn, &stored, edited)
}
