//! Raw facts gathered by a [`crate::HostProbe`], before any judgement.
//!
//! Everything the classifier decides is derived from these values, so tests build them by
//! hand to cover hosts we do not have (no /dev/kvm, EACCES, libvirtd down, ...).

use std::path::PathBuf;

/// Everything one probe run found out about the host.
#[derive(Debug, Clone, Default)]
pub struct ProbeFacts {
    pub cpu: CpuFacts,
    pub accel: AccelFacts,
    pub libvirt: LibvirtFacts,
    pub tools: ToolFacts,
    pub resources: ResourceFacts,
}

/// What /proc/cpuinfo (or the platform's equivalent) claims. Information only: flags are
/// hidden under nesting and present when firmware has disabled VT-x.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CpuFacts {
    pub vendor: Option<String>,
    pub model: Option<String>,
    pub virt_flag: Option<VirtFlag>,
    /// The `hypervisor` flag: this host is itself a virtual machine.
    pub is_guest: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VirtFlag {
    Vmx,
    Svm,
}

/// The hardware accelerator facts, per platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccelFacts {
    Linux(KvmFacts),
    MacOs(HvfFacts),
    Windows(WhpxFacts),
    /// A platform we have no probe for.
    Unknown,
}

impl Default for AccelFacts {
    fn default() -> Self {
        AccelFacts::Linux(KvmFacts::default())
    }
}

/// What we learned by actually using /dev/kvm.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KvmFacts {
    pub device: KvmDevice,
    /// Kernel modules present under /sys/module that provide KVM.
    pub modules: Vec<KvmModule>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum KvmDevice {
    /// /dev/kvm does not exist.
    #[default]
    Missing,
    /// /dev/kvm exists but opening it read-write failed.
    OpenFailed { errno: i32 },
    /// Opened; these are the ioctl results.
    Opened {
        api_version: Result<i32, i32>,
        /// `KVM_CREATE_VM`: Ok, or the errno.
        create_vm: Result<(), i32>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KvmModule {
    Intel,
    Amd,
    /// Pagetable-based Virtual Machine: present in some cloud sandboxes, cannot run
    /// ordinary guests (firmware and stock kernels stop with "emulation failure").
    Pvm,
}

/// macOS Hypervisor.framework.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HvfFacts {
    /// `sysctl kern.hv_support`; None when the sysctl is missing.
    pub hv_support: Option<bool>,
}

/// Windows Hypervisor Platform.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WhpxFacts {
    /// WinHvPlatform.dll could be loaded.
    pub dll_loaded: bool,
    /// `WHvGetCapability(WHvCapabilityCodeHypervisorPresent)`; None when not callable.
    pub hypervisor_present: Option<bool>,
}

/// The libvirt side.
#[derive(Debug, Clone, Default)]
pub struct LibvirtFacts {
    /// libvirt client library version, encoded as major * 1_000_000 + minor * 1_000 + micro.
    pub library_version: Option<u32>,
    pub system: ConnFacts,
    pub session: ConnFacts,
}

/// One connection attempt (`qemu:///system` or `qemu:///session`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ConnFacts {
    #[default]
    NotTried,
    Failed {
        kind: ConnFailure,
        message: String,
    },
    Reachable(Box<ReachableConn>),
}

impl ConnFacts {
    pub fn reachable(&self) -> Option<&ReachableConn> {
        match self {
            ConnFacts::Reachable(c) => Some(c),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnFailure {
    /// The daemon's socket is missing or refuses connections.
    DaemonDown,
    /// Socket permissions or polkit said no.
    PermissionDenied,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReachableConn {
    /// QEMU version as libvirt reports it (same encoding as the library version).
    pub hypervisor_version: Option<u32>,
    /// Domain capabilities for `<domain type='kvm'>`, or why libvirt refused.
    pub domcaps_kvm: Result<DomainCaps, String>,
    /// Domain capabilities for `<domain type='qemu'>` (TCG).
    pub domcaps_qemu: Result<DomainCaps, String>,
    pub default_network: Presence,
    pub default_pool: PoolFacts,
}

/// The parts of `virConnectGetDomainCapabilities` the check uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DomainCaps {
    pub emulator: Option<String>,
    pub machine: Option<String>,
    /// `<os><enum name='firmware'>` lists `efi`: libvirt can pick UEFI by itself.
    pub efi_autoselect: bool,
    /// `<os><loader><value>` paths: UEFI firmware images libvirt found.
    pub loaders: Vec<String>,
    /// `<tpm supported='yes'>` with the `emulator` backend (swtpm).
    pub tpm_emulator: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Presence {
    #[default]
    Missing,
    Inactive,
    Active,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PoolFacts {
    pub presence: Presence,
    pub path: Option<String>,
    /// Free bytes, when the pool is active.
    pub available: Option<u64>,
}

/// Helper programs and data files found on the host.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ToolFacts {
    /// QEMU firmware descriptors that describe UEFI builds (used when libvirt is not reachable).
    pub uefi_descriptors: Vec<PathBuf>,
    pub swtpm: Option<PathBuf>,
    pub osinfo: Option<OsinfoFacts>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OsinfoFacts {
    pub dir: PathBuf,
    /// The database's VERSION file (a date such as 20221203), if present.
    pub version: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceFacts {
    pub cpu_threads: usize,
    pub total_memory: u64,
    pub available_memory: u64,
}
