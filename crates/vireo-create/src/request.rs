//! The request: what the wizard collected, the host's limits it is checked against, and
//! what a creation reports back (progress, the created VM) or is told (cancel).

use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use ts_rs::TS;
use vireo_domain::{DomainType, Firmware};
use vireo_storage::WarningId;

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
    pub(crate) fn requested(&self) -> bool {
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
