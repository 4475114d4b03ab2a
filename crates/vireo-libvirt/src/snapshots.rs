//! A VM's snapshots: which mechanism this libvirt and this VM allow ([`support`], decided
//! from the connection's libvirt version, the firmware and the disks), the tree, and
//! create, revert, delete and describe. Each operation passes the state table first
//! ([`Action::Snapshot`], [`Action::RevertSnapshot`]) and then [`support`], so the page never
//! offers a button that libvirt would refuse.
//!
//! The table (DESIGN.md, "Snapshots"):
//! - a disk that is not qcow2, or a disk another VM also uses: no snapshots, with the reason;
//! - BIOS, any libvirt: internal snapshots (the disks' qcow2 holds them; a running VM's
//!   include its memory, as QEMU's savevm always does);
//! - UEFI before 9.2: internal snapshots of the stopped VM only (libvirt refuses a running
//!   pflash VM's internal snapshot, measured on 9.0: QEMU's savevm cannot write the NVRAM);
//! - UEFI from 9.2 (libvirt refuses internal snapshots with pflash firmware altogether):
//!   external snapshots from 9.7, the first release that reverts them; none on 9.2–9.6.

use crate::error::BackendError;
use crate::state::Action;
use crate::vm;
use crate::vm_config::xml;
use crate::vm_disks::disk_users;
use roxmltree::Document;
use serde::{Deserialize, Serialize};
use std::path::Path;
use ts_rs::TS;
use vireo_domain::hardware::{self, FirmwareKind, VmHardware};
use vireo_domain::xml::escape;
use virt::connect::Connect;
use virt::domain::Domain;
use virt::domain_snapshot::DomainSnapshot;
use virt::sys;

/// How this VM's snapshots are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum SnapshotMechanism {
    /// Inside each qcow2 disk (and the memory in the first one).
    Internal,
    /// New overlay files on top of the disks (and a memory file).
    External,
}

/// What snapshots this VM can have on this connection, and why not when it cannot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotSupport {
    /// None: no snapshots for this VM here; `reason` says why and what would allow them.
    pub mechanism: Option<SnapshotMechanism>,
    pub reason: Option<String>,
    /// A running VM can be snapshotted without its memory (external disk-only snapshots);
    /// internal snapshots of a running VM always hold its memory.
    pub disk_only_while_running: bool,
    /// The connection's libvirt, as `9.0.0`.
    pub libvirt_version: String,
}

/// The facts [`decide`] needs about one disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskFacts {
    pub target: String,
    /// `qcow2`, `raw`, …; None when the XML does not say.
    pub format: Option<String>,
    /// Another VM uses the same file (its own disk, not a base image).
    pub shared_with: Option<String>,
}

/// libvirt's version number (`major * 1_000_000 + minor * 1000 + release`).
const V9_2: u32 = 9_002_000;
const V9_7: u32 = 9_007_000;

fn version_text(v: u32) -> String {
    format!("{}.{}.{}", v / 1_000_000, v / 1000 % 1000, v % 1000)
}

/// The table itself, without libvirt: which mechanism for this VM now (`running`), or why
/// none.
pub fn decide(
    version: u32,
    firmware: FirmwareKind,
    running: bool,
    disks: &[DiskFacts],
) -> SnapshotSupport {
    let none = |reason: String| SnapshotSupport {
        mechanism: None,
        reason: Some(reason),
        disk_only_while_running: false,
        libvirt_version: version_text(version),
    };
    if let Some(d) = disks.iter().find(|d| d.format.as_deref() != Some("qcow2")) {
        let format = d.format.as_deref().unwrap_or("of an unknown format");
        return none(format!(
            "disk {} is {format}: only qcow2 disks can hold snapshots (convert it with \
             qemu-img convert -O qcow2, or remove it)",
            d.target
        ));
    }
    if let Some(d) = disks.iter().find(|d| d.shared_with.is_some()) {
        return none(format!(
            "disk {} is also used by {}: a snapshot of a shared disk would change it under \
             the other VM",
            d.target,
            d.shared_with.as_deref().unwrap_or_default()
        ));
    }
    let mechanism = match firmware {
        FirmwareKind::Bios => SnapshotMechanism::Internal,
        FirmwareKind::Uefi if version < V9_2 && !running => SnapshotMechanism::Internal,
        FirmwareKind::Uefi if version < V9_2 => {
            return none(format!(
                "libvirt {} takes snapshots of a UEFI VM only while it is shut off (its NVRAM \
                 cannot hold a running VM's snapshot): shut it down first",
                version_text(version)
            ))
        }
        FirmwareKind::Uefi if version >= V9_7 => SnapshotMechanism::External,
        FirmwareKind::Uefi => {
            return none(format!(
                "libvirt {} takes no internal snapshots of UEFI VMs and cannot revert external \
                 ones; libvirt 9.7 or later can",
                version_text(version)
            ))
        }
    };
    SnapshotSupport {
        mechanism: Some(mechanism),
        reason: None,
        disk_only_while_running: mechanism == SnapshotMechanism::External,
        libvirt_version: version_text(version),
    }
}

/// One snapshot, as the page's tree shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotInfo {
    pub name: String,
    pub description: String,
    /// Seconds since the epoch.
    #[ts(type = "number")]
    pub created: i64,
    /// The parent's name; None for a root.
    pub parent: Option<String>,
    /// The snapshot the VM's disks now grow from.
    pub current: bool,
    /// Holds the running VM's memory: reverting resumes it where it was.
    pub has_memory: bool,
    /// The VM's state when it was taken (`running`, `shutoff`, `disk-snapshot`, …).
    pub state: String,
    pub mechanism: SnapshotMechanism,
    /// Bytes its saved memory takes in the disk images: what the snapshot holds of its own
    /// (its disk clusters are shared with the image). None where Vireo cannot read the
    /// images (another host, another user's files) or for external snapshots.
    #[ts(type = "number | null")]
    pub memory_size: Option<u64>,
}

/// Everything the page's snapshot section shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct VmSnapshots {
    pub support: SnapshotSupport,
    /// Oldest first; each parent before its children.
    pub snapshots: Vec<SnapshotInfo>,
}

/// What a new snapshot is called and holds.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewSnapshot {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Keep a running VM's memory (required for internal snapshots of a running VM).
    #[serde(default)]
    pub memory: bool,
}

/// What a delete removes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum SnapshotDelete {
    /// This snapshot only: its children are re-parented onto its parent.
    #[default]
    One,
    /// This snapshot and everything taken after it on its branch.
    WithChildren,
}

const MAX_NAME: usize = 64;
const MAX_DESCRIPTION: usize = 2000;

/// A snapshot name: 1–64 letters, digits, spaces, `.`, `_` or `-`, not starting with `.`
/// or `-` (an external snapshot's files are named after it).
pub fn check_name(name: &str) -> Result<String, BackendError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(BackendError::Refused("a snapshot needs a name".into()));
    }
    if name.chars().count() > MAX_NAME {
        return Err(BackendError::Refused(format!(
            "a snapshot name is at most {MAX_NAME} characters"
        )));
    }
    let allowed = |c: char| c.is_alphanumeric() || matches!(c, ' ' | '.' | '_' | '-');
    if !name.chars().all(allowed) || name.starts_with(['.', '-']) {
        return Err(BackendError::Refused(format!(
            "'{}' is not a snapshot name: use letters, digits, spaces, '.', '_' and '-', not \
             starting with '.' or '-'",
            vireo_text::shown(name)
        )));
    }
    Ok(name.to_string())
}

fn check_description(text: &str) -> Result<(), BackendError> {
    if text.chars().count() > MAX_DESCRIPTION {
        return Err(BackendError::Refused(format!(
            "a snapshot description is at most {MAX_DESCRIPTION} characters"
        )));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(BackendError::Refused(
            "a snapshot description cannot hold control characters".into(),
        ));
    }
    Ok(())
}

fn writable_disks(hw: &VmHardware) -> impl Iterator<Item = &hardware::DiskInfo> {
    hw.disks
        .iter()
        .filter(|d| d.device == "disk" && !d.readonly && d.source.is_some())
}

/// The table's answer for this VM on this connection.
pub fn support(conn: &Connect, dom: &Domain, uuid: &str) -> Result<SnapshotSupport, BackendError> {
    let version = conn
        .lib_version()
        .map_err(|e| BackendError::libvirt("read libvirt's version", e))?;
    let hw = hardware::read(&xml(dom, true)?)
        .map_err(|e| BackendError::Internal(format!("libvirt gave unreadable XML: {e}")))?;
    let mut disks = Vec::new();
    for d in writable_disks(&hw) {
        let source = d.source.clone().unwrap_or_default();
        let shared_with = disk_users(conn, Path::new(&source))?
            .into_iter()
            .find(|u| u.uuid != uuid && !u.as_backing)
            .map(|u| vireo_text::shown(&u.vm_name));
        disks.push(DiskFacts {
            target: d.target.clone(),
            format: d.format.clone(),
            shared_with,
        });
    }
    let running = dom.is_active().unwrap_or(false);
    Ok(decide(version, hw.firmware, running, &disks))
}

fn lookup(dom: &Domain, name: &str) -> Result<DomainSnapshot, BackendError> {
    Domain::lookup_snapshot_by_name(dom, name, 0).map_err(|e| {
        if e.code() == virt::error::ErrorNumber::NoDomainSnapshot.into() {
            BackendError::Refused(format!(
                "this VM has no snapshot '{}'",
                vireo_text::shown(name)
            ))
        } else {
            BackendError::libvirt("find the snapshot", e)
        }
    })
}

/// Reads one snapshot's XML into what the page shows.
fn info(snap: &DomainSnapshot) -> Result<SnapshotInfo, BackendError> {
    let text = snap
        .xml_desc(0)
        .map_err(|e| BackendError::libvirt("read a snapshot", e))?;
    let current = snap.is_current(0).unwrap_or(false);
    parse_info(&text, current)
}

/// A `<domainsnapshot>` document, read.
pub fn parse_info(text: &str, current: bool) -> Result<SnapshotInfo, BackendError> {
    let doc = Document::parse(text)
        .map_err(|e| BackendError::Internal(format!("libvirt gave an unreadable snapshot: {e}")))?;
    let root = doc.root_element();
    let child = |name: &str| root.children().find(|n| n.has_tag_name(name));
    let text_of = |name: &str| child(name).and_then(|n| n.text()).unwrap_or("").to_string();
    let state = text_of("state");
    let memory = child("memory").and_then(|m| m.attribute("snapshot"));
    // The snapshot's own <disks>, not the saved <domain>'s disks (whose `snapshot`
    // attribute is only a default).
    let external = memory == Some("external")
        || child("disks").is_some_and(|disks| {
            disks
                .children()
                .any(|n| n.has_tag_name("disk") && n.attribute("snapshot") == Some("external"))
        });
    let has_memory = match memory {
        Some("internal") | Some("external") => true,
        Some(_) => false,
        // Older libvirt writes no <memory>: an internal snapshot of a running VM has it.
        None => matches!(state.as_str(), "running" | "paused" | "blocked"),
    };
    Ok(SnapshotInfo {
        name: text_of("name"),
        description: text_of("description"),
        created: text_of("creationTime").parse().unwrap_or(0),
        parent: child("parent")
            .and_then(|p| p.children().find(|n| n.has_tag_name("name")))
            .and_then(|n| n.text())
            .map(str::to_string),
        current,
        has_memory,
        state,
        memory_size: None,
        mechanism: if external {
            SnapshotMechanism::External
        } else {
            SnapshotMechanism::Internal
        },
    })
}

/// Parents before children, siblings oldest first.
fn tree_order(mut all: Vec<SnapshotInfo>) -> Vec<SnapshotInfo> {
    all.sort_by(|a, b| (a.created, &a.name).cmp(&(b.created, &b.name)));
    let mut out: Vec<SnapshotInfo> = Vec::with_capacity(all.len());
    fn visit(parent: Option<&str>, all: &[SnapshotInfo], out: &mut Vec<SnapshotInfo>) {
        for s in all.iter().filter(|s| s.parent.as_deref() == parent) {
            out.push(s.clone());
            visit(Some(&s.name), all, out);
        }
    }
    visit(None, &all, &mut out);
    // A parent libvirt no longer knows (metadata removed elsewhere): shown as roots.
    for s in &all {
        if !out.iter().any(|o| o.name == s.name) {
            out.push(s.clone());
        }
    }
    out
}

/// The VM's snapshots and what it may do with them.
pub fn list(conn: &Connect, uuid: &str) -> Result<VmSnapshots, BackendError> {
    let dom = vm::lookup(conn, uuid)?;
    let support = support(conn, &dom, uuid)?;
    let snaps = dom
        .list_all_snapshots(0)
        .map_err(|e| BackendError::libvirt("list the snapshots", e))?;
    let all = snaps.iter().map(info).collect::<Result<Vec<_>, _>>()?;
    Ok(VmSnapshots {
        support,
        snapshots: tree_order(all),
    })
}

/// The VM's writable qcow2 disk files, where its internal snapshots live.
pub fn qcow2_disks(conn: &Connect, uuid: &str) -> Result<Vec<String>, BackendError> {
    let dom = vm::lookup(conn, uuid)?;
    let hw = hardware::read(&xml(&dom, true)?)
        .map_err(|e| BackendError::Internal(format!("libvirt gave unreadable XML: {e}")))?;
    Ok(writable_disks(&hw)
        .filter(|d| d.format.as_deref() == Some("qcow2"))
        .filter_map(|d| d.source.clone())
        .collect())
}

/// The names of the VM's snapshots (a new one's must differ).
pub fn names(dom: &Domain) -> Vec<String> {
    dom.list_all_snapshots(0)
        .map(|all| all.iter().filter_map(|s| s.name().ok()).collect())
        .unwrap_or_default()
}

/// Takes a snapshot. A running VM's internal snapshot holds its memory (QEMU pauses it
/// while writing); a stopped VM's holds its disks.
pub fn create(conn: &Connect, uuid: &str, req: &NewSnapshot) -> Result<SnapshotInfo, BackendError> {
    let current = vm::allowed_now(conn, uuid, Action::Snapshot)?;
    let name = check_name(&req.name)?;
    check_description(&req.description)?;
    let dom = vm::lookup(conn, uuid)?;
    let support = support(conn, &dom, uuid)?;
    let Some(mechanism) = support.mechanism else {
        return Err(BackendError::Refused(support.reason.unwrap_or_default()));
    };
    if names(&dom).iter().any(|n| n == &name) {
        return Err(BackendError::Refused(format!(
            "this VM already has a snapshot called '{}'",
            vireo_text::shown(&name)
        )));
    }
    let running = current.state.is_active();
    if running && !req.memory && !support.disk_only_while_running {
        return Err(BackendError::Refused(
            "a running VM's internal snapshot always holds its memory: keep the memory, or \
             shut the VM down for a snapshot of its disks only"
                .into(),
        ));
    }
    let mut xml = format!(
        "<domainsnapshot><name>{}</name><description>{}</description>",
        escape(&name),
        escape(&req.description)
    );
    let mut flags = 0;
    if mechanism == SnapshotMechanism::External {
        let hw = hardware::read(&crate::vm_config::xml(&dom, false)?)
            .map_err(|e| BackendError::Internal(format!("libvirt gave unreadable XML: {e}")))?;
        if running && req.memory {
            let first = writable_disks(&hw)
                .next()
                .and_then(|d| d.source.clone())
                .ok_or_else(|| BackendError::Refused("this VM has no disk to snapshot".into()))?;
            let dir = Path::new(&first).parent().unwrap_or(Path::new("/"));
            let file = dir.join(format!("{}.{name}.mem", hw.name));
            xml.push_str(&format!(
                "<memory snapshot='external' file='{}'/>",
                escape(&file.to_string_lossy())
            ));
        } else {
            flags |= sys::VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY;
        }
        xml.push_str("<disks>");
        for d in writable_disks(&hw) {
            xml.push_str(&format!(
                "<disk name='{}' snapshot='external'/>",
                escape(&d.target)
            ));
        }
        xml.push_str("</disks>");
    }
    xml.push_str("</domainsnapshot>");
    let snap = dom
        .create_snapshot_xml(&xml, flags)
        .map_err(|e| BackendError::libvirt(format!("take the snapshot '{name}'"), e))?;
    info(&snap)
}

/// Goes back to a snapshot: the disks as they were, and for a snapshot with memory the VM
/// running where it was. The VM's state since then is lost (the page asked first).
pub fn revert(conn: &Connect, uuid: &str, name: &str) -> Result<(), BackendError> {
    let current = vm::allowed_now(conn, uuid, Action::RevertSnapshot)?;
    crate::vm_disks::refuse_template(conn, uuid, &current.name, Action::RevertSnapshot)?;
    let dom = vm::lookup(conn, uuid)?;
    let support = support(conn, &dom, uuid)?;
    let snap = lookup(&dom, name)?;
    let target = info(&snap)?;
    if target.mechanism == SnapshotMechanism::External
        && support.mechanism != Some(SnapshotMechanism::External)
    {
        return Err(BackendError::Refused(format!(
            "libvirt {} cannot revert external snapshots; libvirt 9.7 or later can",
            support.libvirt_version
        )));
    }
    snap.revert(0)
        .map_err(|e| BackendError::libvirt(format!("revert to '{}'", vireo_text::shown(name)), e))
}

/// Deletes one snapshot (its children move to its parent) or it and its children.
pub fn delete(
    conn: &Connect,
    uuid: &str,
    name: &str,
    which: SnapshotDelete,
) -> Result<(), BackendError> {
    vm::allowed_now(conn, uuid, Action::RevertSnapshot)?;
    let dom = vm::lookup(conn, uuid)?;
    let snap = lookup(&dom, name)?;
    let flags = match which {
        SnapshotDelete::One => 0,
        SnapshotDelete::WithChildren => sys::VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN,
    };
    snap.delete(flags).map_err(|e| {
        BackendError::libvirt(
            format!("delete the snapshot '{}'", vireo_text::shown(name)),
            e,
        )
    })
}

/// Changes a snapshot's description. libvirt cannot rename a snapshot (an internal one's
/// name is also its tag inside the qcow2 files), so only the description changes.
pub fn describe(
    conn: &Connect,
    uuid: &str,
    name: &str,
    description: &str,
) -> Result<(), BackendError> {
    check_description(description)?;
    let dom = vm::lookup(conn, uuid)?;
    let snap = lookup(&dom, name)?;
    let text = snap
        .xml_desc(sys::VIR_DOMAIN_SNAPSHOT_XML_SECURE)
        .map_err(|e| BackendError::libvirt("read a snapshot", e))?;
    let edited = vireo_domain::snapshot::set_description(&text, description)
        .map_err(|e| BackendError::Internal(format!("libvirt gave an unreadable snapshot: {e}")))?;
    let mut flags = sys::VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE;
    if snap.is_current(0).unwrap_or(false) {
        flags |= sys::VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT;
    }
    dom.create_snapshot_xml(&edited, flags)
        .map(|_| ())
        .map_err(|e| BackendError::libvirt("change the snapshot's description", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn qcow2(target: &str) -> DiskFacts {
        DiskFacts {
            target: target.into(),
            format: Some("qcow2".into()),
            shared_with: None,
        }
    }

    const V9_0: u32 = 9_000_000;
    const V10_0: u32 = 10_000_000;

    #[test]
    fn the_mechanism_follows_the_version_table() {
        use FirmwareKind::*;
        use SnapshotMechanism::*;
        let disks = [qcow2("vda")];
        // (version, firmware, running, mechanism)
        let cases = [
            (V9_0, Bios, false, Some(Internal)),
            (V9_0, Bios, true, Some(Internal)),
            (V9_0, Uefi, false, Some(Internal)),
            (V9_0, Uefi, true, None),
            (9_001_000, Uefi, false, Some(Internal)),
            (V9_2, Bios, true, Some(Internal)),
            (V9_2, Uefi, false, None),
            (9_006_000, Uefi, true, None),
            (V9_7, Uefi, false, Some(External)),
            (V10_0, Uefi, true, Some(External)),
            (V10_0, Bios, true, Some(Internal)),
        ];
        for (version, firmware, running, want) in cases {
            let got = decide(version, firmware, running, &disks);
            let case = format!("{version} {firmware:?} running={running}");
            assert_eq!(got.mechanism, want, "{case}");
            assert_eq!(got.reason.is_none(), want.is_some(), "{case}");
            assert_eq!(got.disk_only_while_running, want == Some(External));
        }
        let running_uefi = decide(V9_0, Uefi, true, &disks).reason.unwrap();
        assert!(
            running_uefi.ends_with("shut it down first"),
            "{running_uefi}"
        );
        let refused = decide(9_004_000, Uefi, false, &disks);
        assert_eq!(
            refused.reason.as_deref(),
            Some(
                "libvirt 9.4.0 takes no internal snapshots of UEFI VMs and cannot revert \
                 external ones; libvirt 9.7 or later can"
            )
        );
    }

    #[test]
    fn raw_or_shared_disks_get_a_reason_instead_of_a_button() {
        let raw = DiskFacts {
            format: Some("raw".into()),
            ..qcow2("vdb")
        };
        let got = decide(V9_0, FirmwareKind::Bios, false, &[qcow2("vda"), raw]);
        assert_eq!(got.mechanism, None);
        assert!(
            got.reason
                .unwrap()
                .starts_with("disk vdb is raw: only qcow2 disks"),
            "names the disk and the fix"
        );
        let shared = DiskFacts {
            shared_with: Some("db".into()),
            ..qcow2("vda")
        };
        let got = decide(V10_0, FirmwareKind::Bios, false, &[shared]);
        assert!(got.reason.unwrap().contains("also used by db"));
        // A VM without disks has nothing a snapshot could refuse (its memory, if running).
        assert!(decide(V9_0, FirmwareKind::Bios, true, &[])
            .mechanism
            .is_some());
    }

    #[test]
    fn names_are_judged_before_libvirt_sees_them() {
        assert_eq!(check_name("  before update ").unwrap(), "before update");
        for bad in [
            "",
            "a/b",
            "-x",
            ".hidden",
            "x<y>",
            "tab\there",
            &"n".repeat(65),
        ] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
        let e = check_name("evil\u{1b}[31m").unwrap_err().to_string();
        assert!(!e.contains('\u{1b}'), "shown escaped: {e}");
        assert!(check_description("line\nnext").is_ok());
        assert!(check_description("bell\u{7}").is_err());
        assert!(check_description(&"d".repeat(2001)).is_err());
    }

    #[test]
    fn snapshot_xml_reads_into_the_tree() {
        let running = "<domainsnapshot><name>b</name><description>x &amp; y</description>\
            <state>running</state><parent><name>a</name></parent>\
            <creationTime>200</creationTime><memory snapshot='internal'/>\
            <disks><disk name='vda' snapshot='internal'/></disks><domain/></domainsnapshot>";
        let b = parse_info(running, true).unwrap();
        assert_eq!(b.name, "b");
        assert_eq!(b.description, "x & y");
        assert_eq!(b.parent.as_deref(), Some("a"));
        assert!(b.has_memory && b.current);
        assert_eq!(b.mechanism, SnapshotMechanism::Internal);
        let off = "<domainsnapshot><name>a</name><state>shutoff</state>\
            <creationTime>100</creationTime><memory snapshot='no'/></domainsnapshot>";
        let a = parse_info(off, false).unwrap();
        assert!(!a.has_memory && a.parent.is_none());
        let ext = "<domainsnapshot><name>c</name><state>disk-snapshot</state>\
            <creationTime>300</creationTime><memory snapshot='no'/>\
            <disks><disk name='vda' snapshot='external'/></disks></domainsnapshot>";
        let c = parse_info(ext, false).unwrap();
        assert_eq!(c.mechanism, SnapshotMechanism::External);
        // The saved domain's own per-disk default does not make an internal one external.
        let saved = "<domainsnapshot><name>i</name><state>shutoff</state>\
            <memory snapshot='no'/><disks><disk name='vda' snapshot='internal'/></disks>\
            <domain><devices><disk snapshot='external'/></devices></domain></domainsnapshot>";
        assert_eq!(
            parse_info(saved, false).unwrap().mechanism,
            SnapshotMechanism::Internal
        );
        let mut orphan = c.clone();
        orphan.name = "d".into();
        orphan.parent = Some("gone".into());
        let mut c2 = c.clone();
        c2.parent = Some("a".into());
        let order: Vec<_> = tree_order(vec![orphan, b, c2, a])
            .into_iter()
            .map(|s| s.name)
            .collect();
        assert_eq!(order, ["a", "b", "c", "d"]);
    }
}
