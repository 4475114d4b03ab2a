//! # vireo-api
//!
//! One function per user-visible operation. The Tauri commands, the `vireo` CLI and the tests
//! all call these, so behaviour is defined once. Every error leaving this crate is an
//! [`ApiError`]: a [`Code`] the UI can branch on and a short message for people.
//!
//! ```no_run
//! let report = vireo_api::check_host().unwrap();
//! assert!(report.verdict.can_run_vms);
//! ```
#![forbid(unsafe_code)]

mod clone;
pub mod console;
mod create;
mod error;
mod inventory;
mod logging;
mod operations;
mod preferences;
mod serial;
pub mod snapshots;
mod thumbnail;
mod vm_page;

pub use clone::*;
pub use console::*;
pub use create::*;
pub use error::{ApiError, Code};
pub use inventory::*;
pub use logging::log_to_stderr;
pub use operations::{CREATE_PROGRESS_EVENT, INVENTORY_EVENT, SERIAL_EVENT};
pub use preferences::*;
pub use serial::*;
pub use snapshots::{
    vm_snapshot_create, vm_snapshot_delete, vm_snapshot_describe, vm_snapshot_revert, vm_snapshots,
    VmSnapshotCreateRequest, VmSnapshotDeleteRequest, VmSnapshotDescribeRequest, VmSnapshotRequest,
};
pub use thumbnail::*;
pub use vireo_create::{
    AddedDisk, Cancel, CloneMode, CloneRequest, Cloned, CreateRequest, Created, DiskAddRequest,
    ImportMode, NetworkChoice, NewDiskSource, Progress, Source,
};
pub use vireo_domain::disk::DiskBus;
pub use vireo_domain::edit::ResourcePatch;
pub use vireo_domain::hardware::{DiskInfo, FirmwareKind, GraphicsInfo, NicInfo, VmHardware};
pub use vireo_domain::nic::{NewNic, NicModel, NicSource};
pub use vireo_host::has_gpu_render_node;
pub use vireo_host::{Accelerator, Finding, FindingId, HostReport, HostResources, Status, Verdict};
pub use vireo_libvirt::snapshots::{
    NewSnapshot, SnapshotDelete, SnapshotInfo, SnapshotMechanism, SnapshotSupport, VmSnapshots,
};
pub use vireo_libvirt::{
    Action, AddressSource, Apply, ConnState, ConnectionInfo, ConnectionPatch, DiskChoice,
    GuestAddress, Inventory, InventoryEvent, InventorySnapshot, NewConnection, SourceTried,
    StatsSample, VmAddresses, VmDetails, VmIoRates, VmRow, VmState, VmStats, VmStatsHistory,
    VmSummary,
};
pub use vireo_storage::{ImageWarning, WarningId};
pub use vm_page::*;

/// `YYYY-MM-DD HH:MM UTC` for seconds since the epoch (a snapshot's time in the CLI).
pub fn utc_minutes(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| format!("{secs} s after 1970"))
}

/// The host check on this machine (KVM, libvirt, firmware, resources). Blocks for the
/// duration of the probe (tens of milliseconds): call it off the UI thread.
pub fn check_host() -> Result<HostReport, ApiError> {
    Ok(vireo_host::check(&vireo_host::SystemProbe::default()))
}

/// Writes the TypeScript declarations of every type that crosses IPC into `dir`, and the
/// client of every operation (`commands.ts`, from the table in `operations.rs`).
pub fn export_bindings(dir: &std::path::Path) -> Result<(), ts_rs::ExportError> {
    use ts_rs::TS;
    // Large integers are byte counts: they fit in a JS number (2^53) and serde writes numbers.
    let cfg = ts_rs::Config::new()
        .with_large_int("number")
        .with_out_dir(dir);
    HostReport::export_all(&cfg)?;
    ApiError::export_all(&cfg)?;
    InventorySnapshot::export_all(&cfg)?;
    InventoryEvent::export_all(&cfg)?;
    VmActionRequest::export_all(&cfg)?;
    BulkActionRequest::export_all(&cfg)?;
    BulkOutcome::export_all(&cfg)?;
    DeleteRequest::export_all(&cfg)?;
    DiskChoice::export_all(&cfg)?;
    NewConnection::export_all(&cfg)?;
    ConnectionUpdate::export_all(&cfg)?;
    OsChoice::export_all(&cfg)?;
    OsQuery::export_all(&cfg)?;
    InspectRequest::export_all(&cfg)?;
    SourceInfo::export_all(&cfg)?;
    DefaultsRequest::export_all(&cfg)?;
    WizardDefaults::export_all(&cfg)?;
    CreateVmRequest::export_all(&cfg)?;
    Created::export_all(&cfg)?;
    Progress::export_all(&cfg)?;
    vireo_storage::ImageWarning::export_all(&cfg)?;
    vireo_storage::WarningId::export_all(&cfg)?;
    ConsoleOpenRequest::export_all(&cfg)?;
    ConsoleOpened::export_all(&cfg)?;
    ConsoleKeyRequest::export_all(&cfg)?;
    ConsolePointerRequest::export_all(&cfg)?;
    ConsoleInput::export_all(&cfg)?;
    VmThumbnailRequest::export_all(&cfg)?;
    ConsoleScreenshotRequest::export_all(&cfg)?;
    ConsoleScreenshot::export_all(&cfg)?;
    ConsoleTypeTextRequest::export_all(&cfg)?;
    VmDetails::export_all(&cfg)?;
    VmAddresses::export_all(&cfg)?;
    VmStatsHistory::export_all(&cfg)?;
    SerialOpenRequest::export_all(&cfg)?;
    SerialOpened::export_all(&cfg)?;
    SerialSendRequest::export_all(&cfg)?;
    SerialEvent::export_all(&cfg)?;
    VmResourcesRequest::export_all(&cfg)?;
    VmCdromRequest::export_all(&cfg)?;
    VmDiskGrowRequest::export_all(&cfg)?;
    VmDiskAddRequest::export_all(&cfg)?;
    VmDiskRemoveRequest::export_all(&cfg)?;
    AddedDisk::export_all(&cfg)?;
    VmNicAddRequest::export_all(&cfg)?;
    VmNicRemoveRequest::export_all(&cfg)?;
    VmNicLinkRequest::export_all(&cfg)?;
    Preferences::export_all(&cfg)?;
    VmSnapshots::export_all(&cfg)?;
    VmCloneRequest::export_all(&cfg)?;
    Cloned::export_all(&cfg)?;
    VmSnapshotCreateRequest::export_all(&cfg)?;
    VmSnapshotRequest::export_all(&cfg)?;
    VmSnapshotDeleteRequest::export_all(&cfg)?;
    VmSnapshotDescribeRequest::export_all(&cfg)?;
    PreferencesPatch::export_all(&cfg)?;
    VmBootRequest::export_all(&cfg)?;
    VmFirmwareRequest::export_all(&cfg)?;
    VmToggleRequest::export_all(&cfg)?;
    VmNotesRequest::export_all(&cfg)?;
    VmRenameRequest::export_all(&cfg)?;
    VmDefineXmlRequest::export_all(&cfg)?;
    std::fs::write(dir.join("commands.ts"), operations::commands_ts(&cfg))?;
    Ok(())
}
