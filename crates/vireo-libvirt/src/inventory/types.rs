//! The public types of the inventory: a connection's state and description, a VM row, stats,
//! the snapshot and the events that keep a copy of it current, and the requests to add or
//! edit a connection. They are serialized for the UI (and typed for it by ts-rs).

use crate::vm::VmSummary;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A connection's state machine: connecting → connected → lost → reconnecting → connected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum ConnState {
    Connecting,
    Connected,
    /// The daemon or the link went away; a reconnect is scheduled.
    Lost,
    Reconnecting,
    /// Opening failed; `error` and `hint` say why. Retry with `reconnect`.
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionInfo {
    pub id: String,
    pub name: String,
    pub uri: String,
    /// `qemu:///system` and `qemu:///session`, which cannot be removed.
    pub builtin: bool,
    pub state: ConnState,
    pub error: Option<String>,
    /// What the user can do about `error`.
    pub hint: Option<String>,
    /// False when the driver has no events and the list is polled (vbox).
    pub live_events: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct VmRow {
    pub connection: String,
    pub vm: VmSummary,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct VmStats {
    pub uuid: String,
    /// Share of the VM's vCPUs in use, 0–100.
    pub cpu_percent: f64,
    /// Bytes of host memory the VM uses, when the driver reports it.
    pub memory_used: Option<u64>,
    /// Bytes the guest itself has in use (not free, not reclaimable cache), when its balloon
    /// driver reports memory statistics (the balloon's stats period is set).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub guest_memory_used: Option<u64>,
    /// Disk and network throughput: sampled only for VMs whose page is open
    /// (`Inventory::watch_stats`), so the list's event
    /// stays small.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub io: Option<VmIoRates>,
}

/// Bytes per second over the last interval, all disks and all interfaces summed; `None`
/// where the driver reports no counter (no disk, no NIC, or a driver without them).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct VmIoRates {
    pub disk_read: Option<f64>,
    pub disk_write: Option<f64>,
    pub net_rx: Option<f64>,
    pub net_tx: Option<f64>,
}

/// One point of a VM's stats history.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StatsSample {
    /// Milliseconds since the Unix epoch.
    #[ts(type = "number")]
    pub at: u64,
    pub cpu_percent: f64,
    pub memory_used: Option<u64>,
    pub guest_memory_used: Option<u64>,
    pub io: Option<VmIoRates>,
}

/// What the backend kept of a VM's stats: the page draws this, then appends each `stats`
/// event's sample.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct VmStatsHistory {
    /// How often the backend samples, milliseconds.
    pub interval_ms: u32,
    /// How many samples it keeps (the window the graphs span).
    pub capacity: u32,
    /// Oldest first.
    pub samples: Vec<StatsSample>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct InventorySnapshot {
    pub connections: Vec<ConnectionInfo>,
    pub vms: Vec<VmRow>,
}

/// What the inventory tells its listener. The UI applies these to its copy of the snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum InventoryEvent {
    Connection {
        connection: ConnectionInfo,
    },
    ConnectionRemoved {
        id: String,
    },
    /// The whole VM list of one connection, after it (re)connected: replaces what the UI had.
    VmsReplaced {
        connection: String,
        vms: Vec<VmSummary>,
    },
    VmUpserted {
        connection: String,
        vm: VmSummary,
    },
    VmRemoved {
        connection: String,
        uuid: String,
    },
    /// The VM's configuration may have changed (it was defined again, or Vireo changed it)
    /// even where its summary did not: an open VM page reads its details again.
    VmConfigChanged {
        connection: String,
        uuid: String,
    },
    Stats {
        connection: String,
        /// When the sample was taken, milliseconds since the Unix epoch.
        #[ts(type = "number")]
        at: u64,
        stats: Vec<VmStats>,
    },
}

/// A custom connection to add.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewConnection {
    pub uri: String,
    /// Defaults to the URI.
    pub name: Option<String>,
}

/// Edits to a connection; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConnectionPatch {
    pub name: Option<String>,
}
