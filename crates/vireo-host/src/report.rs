//! The host check's verdict, as shown by the window and by `vireo check`.

use serde::Serialize;
use ts_rs::TS;

/// The whole result of one host check.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct HostReport {
    /// `linux`, `macos`, `windows`, ...
    pub platform: String,
    pub verdict: Verdict,
    pub findings: Vec<Finding>,
    pub resources: HostResources,
    /// How long the probe took, in milliseconds.
    pub duration_ms: f64,
}

impl HostReport {
    pub fn finding(&self, id: FindingId) -> Option<&Finding> {
        self.findings.iter().find(|f| f.id == id)
    }
}

/// The one-line answer: can VMs run here, and with which accelerator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    pub can_run_vms: bool,
    /// What new VMs will use. `tcg` means `<domain type='qemu'>`.
    pub accelerator: Accelerator,
    pub summary: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Accelerator {
    /// Linux KVM with hardware virtualization.
    Kvm,
    /// macOS Hypervisor.framework.
    Hvf,
    /// Windows Hypervisor Platform.
    Whpx,
    /// QEMU's software emulation: works everywhere, much slower.
    Tcg,
    /// Nothing can run VMs.
    None,
}

impl Accelerator {
    /// The libvirt `<domain type=...>` new VMs get.
    pub fn domain_type(self) -> Option<&'static str> {
        match self {
            Accelerator::Kvm => Some("kvm"),
            Accelerator::Hvf => Some("hvf"),
            Accelerator::Tcg => Some("qemu"),
            Accelerator::Whpx | Accelerator::None => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    /// Reported for the record; no judgement.
    Info,
    Warning,
    Error,
}

/// Stable identifiers, so the UI and scripts can find a finding without parsing text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum FindingId {
    Cpu,
    Kvm,
    Hvf,
    Whpx,
    LibvirtClient,
    LibvirtSystem,
    LibvirtSession,
    DomainKvm,
    DomainQemu,
    DefaultNetwork,
    DefaultPool,
    Uefi,
    Swtpm,
    OsinfoDb,
    Resources,
}

/// One line of the check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub id: FindingId,
    pub status: Status,
    /// Short label: "KVM", "libvirt (system)".
    pub title: String,
    /// What was found, in one line.
    pub summary: String,
    /// What the user can do about it, when there is something to do.
    pub fix: Option<String>,
}

/// Host capacity, used later to bound the create-VM wizard.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct HostResources {
    pub cpu_threads: u32,
    /// Bytes.
    pub total_memory: u64,
    /// Bytes.
    pub available_memory: u64,
    /// Free bytes in the default storage pool, when there is one.
    pub default_pool_free: Option<u64>,
}
