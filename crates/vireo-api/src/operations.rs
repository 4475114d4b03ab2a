//! The table of operations the window invokes: each is written here once, and everything
//! else is generated from this list — the Tauri commands and their registration (in
//! `src-tauri`), and the TypeScript client `ui/src/bindings/commands.ts` (by
//! [`export_bindings`](crate::export_bindings), kept current by `tests/bindings.rs`).
//!
//! Adding an operation: write the function in this crate, add one line to the table below,
//! regenerate the bindings (`VIREO_BLESS=1 cargo test -p vireo-api --test bindings`). The
//! window's command, its registration and `backend.<camelCaseName>()` in the UI follow.
//!
//! An entry reads
//! `fn name[contexts](args) -> result T => reply;`:
//! - `contexts` are what the function takes before its arguments, in order: `inventory`
//!   (`&Inventory`), `consoles` (`&Consoles`), `serials` (`&SerialConsoles`), `progress` (`&dyn Fn(Progress)`, sent to the
//!   page as the [`CREATE_PROGRESS_EVENT`]);
//! - `result T` for `Result<T, ApiError>`, `value T` for an operation that cannot fail;
//! - `json` replies are serialized, `bytes` replies (`Into<Vec<u8>>`) reach the page as an
//!   `ArrayBuffer`, without a JSON array of numbers.

use std::any::TypeId;
use std::collections::BTreeSet;

use ts_rs::{Config, TypeVisitor, TS};

/// The event carrying every [`InventoryEvent`](crate::InventoryEvent).
pub const INVENTORY_EVENT: &str = "inventory";
/// The event carrying a running create's [`Progress`](crate::Progress).
pub const CREATE_PROGRESS_EVENT: &str = "create-progress";
/// The event carrying every open serial console's [`SerialEvent`](crate::SerialEvent).
pub const SERIAL_EVENT: &str = "serial";

/// Calls `$m! { … }` with the whole operation table (see the module docs for its grammar).
#[macro_export]
macro_rules! for_each_operation {
    ($m:ident) => {
        $m! {
            /// Runs the host check (KVM, libvirt, firmware, resources).
            fn check_host[]() -> result $crate::HostReport => json;
            /// Every connection and every VM, as the backend knows them now.
            fn inventory_snapshot[inventory]() -> value $crate::InventorySnapshot => json;
            /// One lifecycle action on one VM.
            fn vm_action[inventory](req: $crate::VmActionRequest) -> result () => json;
            /// One action on several VMs: one outcome per VM, failures included.
            fn vm_action_many[inventory](req: $crate::BulkActionRequest)
                -> value Vec<$crate::BulkOutcome> => json;
            /// The disks deleting `vm` could remove, and what removing each would mean.
            fn vm_delete_preview[inventory](vm: $crate::VmRef)
                -> result Vec<$crate::DiskChoice> => json;
            /// Deletes a VM and the disks the request names.
            fn vm_delete[inventory](req: $crate::DeleteRequest) -> result () => json;
            /// A running VM's screen as a PNG at most `maxWidth` pixels wide (raw bytes).
            fn vm_thumbnail[inventory](req: $crate::VmThumbnailRequest)
                -> result $crate::VmThumbnail => bytes;
            /// Everything the VM page shows: summary, hardware now and at the next boot,
            /// what is pending, and the host's ceilings.
            fn vm_details[inventory](vm: $crate::VmRef) -> result $crate::VmDetails => json;
            /// A running VM's IP addresses: guest agent, then DHCP leases, then ARP.
            fn vm_addresses[inventory](vm: $crate::VmRef) -> result $crate::VmAddresses => json;
            /// Memory and vCPUs, now and/or at the next boot.
            fn vm_set_resources[inventory](req: $crate::VmResourcesRequest) -> result () => json;
            /// Inserts an ISO into a CD-ROM drive, or ejects it.
            fn vm_set_cdrom[inventory](req: $crate::VmCdromRequest) -> result () => json;
            /// Grows a disk, running or stopped; returns the size it had.
            fn vm_grow_disk[inventory](req: $crate::VmDiskGrowRequest) -> result u64 => json;
            /// Adds a disk: a new volume or an existing image (overlay, copy, in place);
            /// a copy's progress goes out as `create-progress`.
            fn vm_add_disk[inventory, progress](req: $crate::VmDiskAddRequest)
                -> result $crate::AddedDisk => json;
            /// Cancels the disk copy under way; its volume is removed.
            fn vm_add_disk_cancel[]() -> value () => json;
            /// Removes a disk, and deletes its file if asked.
            fn vm_remove_disk[inventory](req: $crate::VmDiskRemoveRequest) -> result () => json;
            /// Adds a network interface (now and/or at the next boot); returns its MAC.
            fn vm_add_nic[inventory](req: $crate::VmNicAddRequest) -> result String => json;
            /// Removes a network interface, by MAC.
            fn vm_remove_nic[inventory](req: $crate::VmNicRemoveRequest) -> result () => json;
            /// Plugs a network interface's cable in or pulls it out.
            fn vm_set_nic_link[inventory](req: $crate::VmNicLinkRequest) -> result () => json;
            /// The boot order and the boot menu, for the next boot.
            fn vm_set_boot[inventory](req: $crate::VmBootRequest) -> result () => json;
            /// BIOS or UEFI, for a shut-off VM.
            fn vm_set_firmware[inventory](req: $crate::VmFirmwareRequest) -> result () => json;
            /// An emulated TPM 2.0 on or off, for a shut-off VM.
            fn vm_set_tpm[inventory](req: $crate::VmToggleRequest) -> result () => json;
            /// A VNC display (reached through libvirt only) on or off, for a shut-off VM.
            fn vm_set_vnc[inventory](req: $crate::VmToggleRequest) -> result () => json;
            /// The VM's notes (its libvirt description).
            fn vm_set_notes[inventory](req: $crate::VmNotesRequest) -> result () => json;
            /// Renames a stopped VM.
            fn vm_rename[inventory](req: $crate::VmRenameRequest) -> result () => json;
            /// The VM's stored (next boot) domain XML.
            fn vm_xml[inventory](vm: $crate::VmRef) -> result String => json;
            /// Defines an edited domain XML for the VM, after libvirt's schema check.
            fn vm_define_xml[inventory](req: $crate::VmDefineXmlRequest) -> result () => json;
            /// The VM page's graphs: samples the VM with disk and network rates until
            /// `vmStatsUnwatch`; returns the history kept so far.
            fn vm_stats_watch[inventory](vm: $crate::VmRef)
                -> result $crate::VmStatsHistory => json;
            /// The VM page closed: its VM is no longer sampled for it.
            fn vm_stats_unwatch[inventory](vm: $crate::VmRef) -> value () => json;
            /// Clones a shut-off VM, linked or full; a copy sends its progress.
            fn vm_clone[inventory, progress](req: $crate::VmCloneRequest)
                -> result $crate::Cloned => json;
            /// Cancels the clone under way; what it made is removed.
            fn vm_clone_cancel[]() -> value () => json;
            /// The VMs built on this one's disks (linked clones), by name.
            fn vm_linked_clones[inventory](vm: $crate::VmRef) -> result Vec<String> => json;
            /// The VM's snapshots (parents first) and what this VM and libvirt allow.
            fn vm_snapshots[inventory](vm: $crate::VmRef) -> result $crate::VmSnapshots => json;
            /// Takes a snapshot (a running VM's with its memory where the mechanism needs it).
            fn vm_snapshot_create[inventory](req: $crate::VmSnapshotCreateRequest)
                -> result $crate::SnapshotInfo => json;
            /// Goes back to a snapshot; what happened since is lost.
            fn vm_snapshot_revert[inventory](req: $crate::VmSnapshotRequest) -> result () => json;
            /// Deletes a snapshot, or it and its children.
            fn vm_snapshot_delete[inventory](req: $crate::VmSnapshotDeleteRequest)
                -> result () => json;
            /// Changes a snapshot's description.
            fn vm_snapshot_describe[inventory](req: $crate::VmSnapshotDescribeRequest)
                -> result () => json;
            /// The user's preferences (the defaults when none are saved).
            fn preferences_get[inventory]() -> value $crate::Preferences => json;
            /// Changes and saves the user's preferences; returns them as saved.
            fn preferences_set[inventory](patch: $crate::PreferencesPatch)
                -> result $crate::Preferences => json;
            /// Turns the backend's CPU/memory sampling (the `stats` events) on or off.
            fn set_stats_active[inventory](on: bool) -> value () => json;
            /// Saves and opens a new connection.
            fn connection_add[inventory](connection: $crate::NewConnection)
                -> result $crate::ConnectionInfo => json;
            /// Changes a saved connection (name, autoconnect).
            fn connection_update[inventory](req: $crate::ConnectionUpdate)
                -> result $crate::ConnectionInfo => json;
            /// Closes and forgets a saved connection.
            fn connection_remove[inventory](id: String) -> result () => json;
            /// Reconnects a connection that is down, now.
            fn connection_retry[inventory](id: String) -> result () => json;
            /// Operating systems matching a search; the generic choices first.
            fn os_search[](q: $crate::OsQuery) -> value Vec<$crate::OsChoice> => json;
            /// What a disk image or ISO is; `invalid-input` for unusable files.
            fn inspect_source[inventory](req: $crate::InspectRequest)
                -> result $crate::SourceInfo => json;
            /// The wizard's starting values for an OS on a connection.
            fn wizard_defaults[inventory](req: $crate::DefaultsRequest)
                -> result $crate::WizardDefaults => json;
            /// The domain XML a create would define, after the full validation.
            fn preview_vm[inventory](req: $crate::CreateVmRequest) -> result String => json;
            /// Creates (and maybe starts) the VM; progress goes out as `create-progress`.
            fn create_vm[inventory, progress](req: $crate::CreateVmRequest)
                -> result $crate::Created => json;
            /// Cancels the running create; what it made is rolled back.
            fn cancel_create[]() -> value () => json;
            /// Connects to the VM's screen; the result names the socket to stream it from.
            fn console_open[inventory, consoles](req: $crate::ConsoleOpenRequest)
                -> result $crate::ConsoleOpened => json;
            /// Ends a `consoleOpen` still under way (its handshake), which then rejects.
            fn console_cancel_open[consoles](req: $crate::ConsoleOpenRequest)
                -> result () => json;
            /// Closes a console.
            fn console_close[consoles](id: u32) -> result () => json;
            /// Saves the console's screen as a PNG in the pictures folder.
            fn console_screenshot[consoles](req: $crate::ConsoleScreenshotRequest)
                -> result $crate::ConsoleScreenshot => json;
            /// Types the text as key presses; resolves once the last key is sent.
            fn console_type_text[consoles](req: $crate::ConsoleTypeTextRequest)
                -> result () => json;
            /// Attaches to a running VM's serial port; output follows as `serial` events.
            fn serial_open[inventory, serials](req: $crate::SerialOpenRequest)
                -> result $crate::SerialOpened => json;
            /// Types into an open serial console.
            fn serial_send[serials](req: $crate::SerialSendRequest) -> result () => json;
            /// Closes a serial console.
            fn serial_close[serials](id: u32) -> result () => json;
        }
    };
}

/// One operation as the TypeScript client sees it.
#[derive(Debug)]
pub(crate) struct Operation {
    pub name: &'static str,
    pub doc: Vec<&'static str>,
    pub args: Vec<(&'static str, TsType)>,
    pub ok: TsType,
}

/// A TypeScript type and the generated files it needs imported.
#[derive(Debug)]
pub(crate) struct TsType {
    pub name: String,
    pub imports: BTreeSet<String>,
}

impl TsType {
    pub fn of<T: TS + 'static + ?Sized>(cfg: &Config) -> TsType {
        if TypeId::of::<T>() == TypeId::of::<()>() {
            return TsType::plain("void");
        }
        struct Imports<'a>(&'a Config, BTreeSet<String>);
        impl TypeVisitor for Imports<'_> {
            fn visit<U: TS + 'static + ?Sized>(&mut self) {
                if U::output_path().is_some() {
                    self.1.insert(U::ident(self.0));
                }
            }
        }
        let mut imports = Imports(cfg, BTreeSet::new());
        imports.visit::<T>();
        T::visit_generics(&mut imports);
        TsType {
            name: T::name(cfg),
            imports: imports.1,
        }
    }

    pub fn plain(name: &str) -> TsType {
        TsType {
            name: name.to_owned(),
            imports: BTreeSet::new(),
        }
    }
}

/// The table's callback that lists the operations for the TypeScript generator.
macro_rules! operation_list {
    ($(
        $(#[doc = $doc:literal])*
        fn $name:ident [$($ctx:ident),*] ($($arg:ident : $ty:ty),*)
            -> $kind:ident $ok:ty => $reply:ident;
    )*) => {
        pub(crate) fn operations(cfg: &Config) -> Vec<Operation> {
            vec![$(Operation {
                name: stringify!($name),
                doc: vec![$($doc),*],
                args: vec![$((stringify!($arg), TsType::of::<$ty>(cfg))),*],
                ok: operation_list!(@ok $reply $ok, cfg),
            }),*]
        }
    };
    (@ok json $ok:ty, $cfg:ident) => { TsType::of::<$ok>($cfg) };
    (@ok bytes $ok:ty, $cfg:ident) => { TsType::plain("ArrayBuffer") };
}

for_each_operation!(operation_list);

/// `vm_delete_preview` → `vmDeletePreview`: the operation's name in TypeScript.
pub(crate) fn camel_case(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The text of `ui/src/bindings/commands.ts`: the `Commands` interface (one method per
/// operation, camelCased, with its argument and result types), `commands(invoke)` that
/// implements it over any invoke function, and the `Events` the backend emits.
pub(crate) fn commands_ts(cfg: &Config) -> String {
    let ops = operations(cfg);
    let mut imports = BTreeSet::new();
    for op in &ops {
        imports.extend(op.ok.imports.iter().cloned());
        for (_, ty) in &op.args {
            imports.extend(ty.imports.iter().cloned());
        }
    }
    let events = [
        (INVENTORY_EVENT, TsType::of::<crate::InventoryEvent>(cfg)),
        (CREATE_PROGRESS_EVENT, TsType::of::<crate::Progress>(cfg)),
        (SERIAL_EVENT, TsType::of::<crate::SerialEvent>(cfg)),
    ];
    for (_, ty) in &events {
        imports.extend(ty.imports.iter().cloned());
    }

    let mut ts = String::from(
        "// Generated from vireo-api's operation table (crates/vireo-api/src/operations.rs) by\n\
         // `VIREO_BLESS=1 cargo test -p vireo-api --test bindings`. Do not edit this file manually.\n",
    );
    for name in &imports {
        ts.push_str(&format!("import type {{ {name} }} from \"./{name}\";\n"));
    }
    ts.push_str(
        "\n/** Sends one command to the backend: Tauri's `invoke`, or a test's stand-in. */\n\
         export type Invoke = <T>(command: string, args?: Record<string, unknown>) => Promise<T>;\n\
         \n/** Every operation of the backend, under its Rust name camelCased. */\n\
         export interface Commands {\n",
    );
    for op in &ops {
        ts.push_str("  /**\n");
        for line in &op.doc {
            ts.push_str(&format!("   *{line}\n"));
        }
        ts.push_str(&format!("   * (`{}`)\n   */\n", op.name));
        let params: Vec<String> = op
            .args
            .iter()
            .map(|(arg, ty)| format!("{arg}: {}", ty.name))
            .collect();
        ts.push_str(&format!(
            "  {}({}): Promise<{}>;\n",
            camel_case(op.name),
            params.join(", "),
            op.ok.name
        ));
    }
    ts.push_str(
        "}\n\n/** The commands over `invoke`, each sending its arguments by name. */\n\
         export function commands(invoke: Invoke): Commands {\n  return {\n",
    );
    for op in &ops {
        let names: Vec<&str> = op.args.iter().map(|(arg, _)| *arg).collect();
        let args = if names.is_empty() {
            String::new()
        } else {
            format!(", {{ {} }}", names.join(", "))
        };
        ts.push_str(&format!(
            "    {}: ({}) => invoke(\"{}\"{args}),\n",
            camel_case(op.name),
            names.join(", "),
            op.name
        ));
    }
    ts.push_str(
        "  };\n}\n\n/** What each event the backend emits carries. */\nexport interface Events {\n",
    );
    for (name, ty) in &events {
        ts.push_str(&format!("  \"{name}\": {};\n", ty.name));
    }
    ts.push_str("}\n");
    ts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_camel_cased() {
        assert_eq!(camel_case("vm_delete_preview"), "vmDeletePreview");
        assert_eq!(camel_case("check_host"), "checkHost");
        assert_eq!(camel_case("inventory"), "inventory");
    }

    #[test]
    fn each_operation_is_listed_once() {
        let cfg = Config::new();
        let ops = operations(&cfg);
        let names: BTreeSet<_> = ops.iter().map(|o| o.name).collect();
        assert_eq!(names.len(), ops.len());
        assert!(names.contains("console_type_text"));
    }

    #[test]
    fn types_carry_their_imports() {
        let cfg = Config::new();
        let vec = TsType::of::<Vec<crate::BulkOutcome>>(&cfg);
        assert_eq!(vec.name, "Array<BulkOutcome>");
        assert_eq!(vec.imports, BTreeSet::from(["BulkOutcome".to_owned()]));
        assert_eq!(TsType::of::<()>(&cfg).name, "void");
        let id = TsType::of::<String>(&cfg);
        assert_eq!((id.name.as_str(), id.imports.len()), ("string", 0));
    }

    #[test]
    fn bytes_replies_are_array_buffers() {
        let ops = operations(&Config::new());
        let thumb = ops.iter().find(|o| o.name == "vm_thumbnail").unwrap();
        assert_eq!(thumb.ok.name, "ArrayBuffer");
        assert_eq!(thumb.args[0].1.name, "VmThumbnailRequest");
    }
}
