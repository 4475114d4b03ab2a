//! `vireo vm …`: lifecycle actions and the VM page's operations, virsh-style. Each calls the
//! same `vireo_api` function as the window, so refusals read the same.

use clap::{Args, Subcommand};
use std::process::ExitCode;
use vireo_api::{
    by_name, ApiError, Apply, Cancel, DiskAddRequest, DiskBus, FirmwareKind, NewDiskSource, NewNic,
    NicModel, NicSource, ResourcePatch, VmAddresses, VmDetails, VmHardware, VmStats, WarningId,
};

#[derive(Subcommand)]
pub enum VmCommand {
    /// Overview, hardware, IP addresses, and what changes at the next boot.
    Info {
        name: String,
        /// Print the details as JSON.
        #[arg(long)]
        json: bool,
    },
    /// A running VM's IP addresses (guest agent, then DHCP leases, then ARP).
    Addresses {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// A running VM's CPU, memory, disk and network use over one interval (the page's
    /// graphs, as numbers).
    Stats {
        name: String,
        /// Seconds to measure over.
        #[arg(long, default_value_t = 2.0)]
        interval: f64,
        #[arg(long)]
        json: bool,
    },
    /// Change memory and vCPUs. Without --live or --config: now and at the next boot for a
    /// running VM, the next boot for a stopped one.
    Set {
        name: String,
        /// Memory in MiB.
        #[arg(long)]
        memory: Option<u64>,
        /// Maximum memory in MiB (next boot only).
        #[arg(long)]
        max_memory: Option<u64>,
        #[arg(long)]
        vcpus: Option<u32>,
        /// Maximum vCPUs (next boot only).
        #[arg(long)]
        max_vcpus: Option<u32>,
        #[command(flatten)]
        apply: ApplyArgs,
    },
    /// Insert an ISO into a CD-ROM drive, or eject it.
    Cdrom {
        name: String,
        /// The drive (default: the VM's first CD-ROM drive).
        #[arg(long)]
        drive: Option<String>,
        #[arg(long, conflicts_with = "eject", required_unless_present = "eject")]
        insert: Option<String>,
        #[arg(long)]
        eject: bool,
        #[command(flatten)]
        apply: ApplyArgs,
    },
    /// Add, remove or grow a disk: `vireo vm disk NAME add --size 20G`,
    /// `… add --image FILE [--mode overlay|copy|in-place]`, `… remove vdb [--delete-file]`,
    /// `… grow vda 40G` (K, M, G, T are binary units).
    Disk {
        name: String,
        #[command(subcommand)]
        change: DiskChange,
    },
    /// Add, remove or unplug a network interface.
    Nic {
        name: String,
        #[command(subcommand)]
        change: NicChange,
    },
    /// Set the boot order (disk targets and NIC MACs, comma-separated, first first).
    Boot {
        name: String,
        #[arg(long, value_delimiter = ',', required = true)]
        order: Vec<String>,
        /// Show the firmware's boot menu (yes or no).
        #[arg(long)]
        menu: Option<Toggle>,
    },
    /// BIOS or UEFI, for a shut-off VM (a system installed for one rarely boots with the
    /// other).
    Firmware { name: String, firmware: FirmwareArg },
    /// An emulated TPM 2.0 on or off, for a shut-off VM.
    Tpm { name: String, state: OnOff },
    /// A VNC display (reached through libvirt only, no TCP port) or none, for a shut-off VM.
    Graphics { name: String, display: DisplayArg },
    /// Set the VM's notes ("" clears them).
    Notes { name: String, text: String },
    /// Rename a stopped VM.
    Rename { name: String, new_name: String },
    /// The VM's serial console in this terminal (Ctrl+] leaves).
    Console {
        name: String,
        /// Take the console over from another client (virsh console) instead of failing.
        #[arg(long)]
        force: bool,
    },
    /// Print the VM's stored domain XML, or define an edited one (--edit FILE).
    Xml {
        name: String,
        #[arg(long)]
        edit: Option<std::path::PathBuf>,
    },
    /// start, shutdown, force-off, reboot, reset, pause, resume, save, discard-save,
    /// enable-autostart, disable-autostart NAME.
    #[command(external_subcommand)]
    Action(Vec<String>),
}

#[derive(Subcommand)]
pub enum DiskChange {
    /// Add a new empty disk (--size) or an existing image (--image), as the wizard imports.
    Add {
        /// A new empty qcow2 volume of this size (20G).
        #[arg(long, conflicts_with = "image", required_unless_present = "image")]
        size: Option<String>,
        /// An existing disk image, inspected first.
        #[arg(long)]
        image: Option<String>,
        /// overlay (the image is never written), copy, or in-place.
        #[arg(long, default_value = "overlay", requires = "image")]
        mode: String,
        /// virtio, or sata (next boot only: SATA has no hot-plug).
        #[arg(long, default_value = "virtio")]
        bus: String,
        /// Storage pool for the new volume, overlay or copy (default: default).
        #[arg(long)]
        pool: Option<String>,
        /// Confirm the image's warnings (shared with another VM, larger than the pool…).
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        apply: ApplyArgs,
    },
    /// Remove TARGET; its file stays unless --delete-file.
    Remove {
        target: String,
        /// Delete the disk's volume too (refused for files outside a pool or used by
        /// another VM unless --force).
        #[arg(long)]
        delete_file: bool,
        #[arg(long, requires = "delete_file")]
        force: bool,
        #[command(flatten)]
        apply: ApplyArgs,
    },
    /// Grow TARGET to SIZE (never smaller; the guest grows its partition and filesystem).
    Grow { target: String, size: String },
}

#[derive(Subcommand)]
pub enum NicChange {
    /// Add an interface on a libvirt network, a host bridge or user-mode networking.
    Add {
        #[arg(long, conflicts_with_all = ["bridge", "user"], required_unless_present_any = ["bridge", "user"])]
        network: Option<String>,
        #[arg(long, conflicts_with = "user")]
        bridge: Option<String>,
        #[arg(long)]
        user: bool,
        /// virtio, e1000e, e1000 or rtl8139.
        #[arg(long, default_value = "virtio")]
        model: String,
        /// Default: a new random address.
        #[arg(long)]
        mac: Option<String>,
        #[command(flatten)]
        apply: ApplyArgs,
    },
    /// Remove the interface with this MAC address.
    Remove {
        mac: String,
        #[command(flatten)]
        apply: ApplyArgs,
    },
    /// Plug the interface's cable in (up) or pull it out (down).
    Link {
        mac: String,
        state: LinkState,
        #[command(flatten)]
        apply: ApplyArgs,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum LinkState {
    Up,
    Down,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum FirmwareArg {
    Bios,
    Uefi,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum OnOff {
    On,
    Off,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum DisplayArg {
    Vnc,
    None,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Toggle {
    Yes,
    No,
}

#[derive(Args)]
pub struct ApplyArgs {
    /// Only now, on the running VM.
    #[arg(long, conflicts_with = "config")]
    live: bool,
    /// Only at the next boot.
    #[arg(long)]
    config: bool,
}

impl ApplyArgs {
    /// virsh's default: the running VM and its configuration when it runs, else the
    /// configuration.
    fn resolve(&self, uri: &str, name: &str) -> Result<Apply, ApiError> {
        Ok(match (self.live, self.config) {
            (true, _) => Apply::Now,
            (_, true) => Apply::NextBoot,
            _ => {
                let d = by_name::details(uri, name)?;
                match (d.summary.state.is_active(), d.summary.persistent) {
                    (true, true) => Apply::NowAndNextBoot,
                    (true, false) => Apply::Now,
                    _ => Apply::NextBoot,
                }
            }
        })
    }
}

pub(crate) fn fail(e: ApiError) -> ExitCode {
    eprintln!("vireo: {}", e.message);
    ExitCode::FAILURE
}

pub(crate) fn done(r: Result<(), ApiError>) -> ExitCode {
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

pub fn run(uri: &str, command: VmCommand) -> ExitCode {
    match command {
        VmCommand::Info { name, json } => {
            let read =
                by_name::details(uri, &name).and_then(|d| Ok((d, by_name::addresses(uri, &name)?)));
            match read {
                Ok((d, a)) if json => {
                    let mut v = serde_json::to_value(&d).unwrap_or_default();
                    v["addresses"] = serde_json::to_value(&a).unwrap_or_default();
                    print_json(&v)
                }
                Ok((d, a)) => {
                    print!("{}{}", render(&d), render_addresses(&a));
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        VmCommand::Addresses { name, json } => match by_name::addresses(uri, &name) {
            Ok(a) if json => print_json(&serde_json::to_value(&a).unwrap_or_default()),
            Ok(a) => {
                print!("{}", render_addresses(&a));
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        },
        VmCommand::Stats {
            name,
            interval,
            json,
        } => {
            if !(0.1..=60.0).contains(&interval) {
                eprintln!("vireo: the interval must be between 0.1 and 60 seconds");
                return ExitCode::from(2);
            }
            match by_name::stats(uri, &name, std::time::Duration::from_secs_f64(interval)) {
                Ok(s) if json => print_json(&serde_json::to_value(&s).unwrap_or_default()),
                Ok(s) => {
                    print!("{}", render_stats(&s));
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        VmCommand::Set {
            name,
            memory,
            max_memory,
            vcpus,
            max_vcpus,
            apply,
        } => {
            let patch = ResourcePatch {
                memory_mib: memory,
                max_memory_mib: max_memory,
                vcpus,
                max_vcpus,
            };
            done(
                apply
                    .resolve(uri, &name)
                    .and_then(|a| by_name::set_resources(uri, &name, &patch, a)),
            )
        }
        VmCommand::Cdrom {
            name,
            drive,
            insert,
            eject: _,
            apply,
        } => done((|| {
            let drive = match drive {
                Some(d) => d,
                None => first_cdrom(uri, &name)?,
            };
            let apply = apply.resolve(uri, &name)?;
            by_name::set_cdrom(uri, &name, &drive, insert.as_deref(), apply)
        })()),
        VmCommand::Boot { name, order, menu } => done(by_name::set_boot(
            uri,
            &name,
            &order,
            menu.map(|m| matches!(m, Toggle::Yes)),
        )),
        VmCommand::Nic { name, change } => nic(uri, &name, change),
        VmCommand::Disk { name, change } => disk(uri, &name, change),
        VmCommand::Firmware { name, firmware } => {
            let firmware = match firmware {
                FirmwareArg::Bios => FirmwareKind::Bios,
                FirmwareArg::Uefi => FirmwareKind::Uefi,
            };
            done(by_name::set_firmware(uri, &name, firmware))
        }
        VmCommand::Tpm { name, state } => {
            done(by_name::set_tpm(uri, &name, matches!(state, OnOff::On)))
        }
        VmCommand::Graphics { name, display } => done(by_name::set_vnc(
            uri,
            &name,
            matches!(display, DisplayArg::Vnc),
        )),
        VmCommand::Notes { name, text } => done(by_name::set_notes(uri, &name, &text)),
        VmCommand::Rename { name, new_name } => done(by_name::rename(uri, &name, &new_name)),
        VmCommand::Xml { name, edit: None } => match by_name::xml(uri, &name) {
            Ok(xml) => {
                print!("{xml}");
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        },
        VmCommand::Xml {
            name,
            edit: Some(file),
        } => match std::fs::read_to_string(&file) {
            Ok(xml) => done(by_name::define_xml(uri, &name, &xml)),
            Err(e) => {
                eprintln!("vireo: cannot read {}: {e}", file.display());
                ExitCode::FAILURE
            }
        },
        VmCommand::Console { name, force } => crate::serial::run(uri, &name, force),
        VmCommand::Action(args) => action(uri, &args),
    }
}

/// `40G`, `512M`, `1T`, or bytes; binary units, as qemu-img reads them.
fn parse_size(text: &str) -> Option<u64> {
    let t = text.trim();
    let (digits, shift) = match t.chars().last()?.to_ascii_uppercase() {
        'K' => (&t[..t.len() - 1], 10),
        'M' => (&t[..t.len() - 1], 20),
        'G' => (&t[..t.len() - 1], 30),
        'T' => (&t[..t.len() - 1], 40),
        _ => (t, 0),
    };
    digits.parse::<u64>().ok()?.checked_mul(1u64 << shift)
}

fn bad_size(size: &str) -> ExitCode {
    eprintln!(
        "vireo: {} is not a size: a number of bytes, or with K, M, G or T (40G)",
        vireo_text::shown(size)
    );
    ExitCode::from(2)
}

/// A kebab-case name of one of the API's enums (`in-place`, `sata`), or the usage error.
fn choice<T: serde::de::DeserializeOwned>(value: &str, what: &str) -> Result<T, ExitCode> {
    serde_json::from_value(serde_json::Value::String(value.to_string())).map_err(|_| {
        eprintln!("vireo: {} is not {what}", vireo_text::shown(value));
        ExitCode::from(2)
    })
}

fn disk(uri: &str, name: &str, change: DiskChange) -> ExitCode {
    match change {
        DiskChange::Add {
            size,
            image,
            mode,
            bus,
            pool,
            yes,
            apply,
        } => {
            let source = match (size, image) {
                (Some(size), _) => match parse_size(&size) {
                    // Whole GiB, rounded up, as the page asks.
                    Some(bytes) => NewDiskSource::Empty {
                        gib: bytes.div_ceil(1 << 30),
                    },
                    None => return bad_size(&size),
                },
                (None, Some(path)) => match choice(&mode, "a mode (overlay, copy, in-place)") {
                    Ok(mode) => NewDiskSource::Import { path, mode },
                    Err(code) => return code,
                },
                (None, None) => unreachable!("clap requires --size or --image"),
            };
            let bus: DiskBus = match choice(&bus, "a disk bus (virtio, sata)") {
                Ok(b) => b,
                Err(code) => return code,
            };
            let acknowledged = if yes {
                vec![
                    WarningId::DirtyImage,
                    WarningId::LargerThanPool,
                    WarningId::LargerThanFreeSpace,
                    WarningId::SharedDisk,
                ]
            } else {
                Vec::new()
            };
            let result = apply.resolve(uri, name).and_then(|apply| {
                let req = DiskAddRequest {
                    source,
                    bus,
                    pool,
                    apply,
                    acknowledged,
                };
                let cancel = Cancel::default();
                crate::interrupt::cancel_on_interrupt(cancel.clone());
                by_name::add_disk(
                    uri,
                    name,
                    &req,
                    &|p| eprint!("\r{}: {}%", p.step, p.done * 100 / p.total.max(1)),
                    &cancel,
                )
            });
            match result {
                Ok(added) => {
                    println!("{}: {}", added.target, added.path);
                    ExitCode::SUCCESS
                }
                Err(e) if e.message.contains("confirm this warning") => {
                    eprintln!("vireo: {} (--yes)", e.message);
                    ExitCode::FAILURE
                }
                Err(e) => fail(e),
            }
        }
        DiskChange::Remove {
            target,
            delete_file,
            force,
            apply,
        } => {
            done(apply.resolve(uri, name).and_then(|apply| {
                by_name::remove_disk(uri, name, &target, delete_file, force, apply)
            }))
        }
        DiskChange::Grow { target, size } => match parse_size(&size) {
            Some(bytes) => match by_name::grow_disk(uri, name, &target, bytes) {
                Ok(had) => {
                    println!("{target}: {had} -> {bytes} bytes");
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            },
            None => bad_size(&size),
        },
    }
}

fn nic(uri: &str, name: &str, change: NicChange) -> ExitCode {
    match change {
        NicChange::Add {
            network,
            bridge,
            user: _,
            model,
            mac,
            apply,
        } => {
            let source = match (network, bridge) {
                (Some(name), _) => NicSource::Network { name },
                (_, Some(name)) => NicSource::Bridge { name },
                _ => NicSource::User,
            };
            let model: NicModel =
                match choice(&model, "a NIC model (virtio, e1000e, e1000, rtl8139)") {
                    Ok(m) => m,
                    Err(code) => return code,
                };
            let nic = NewNic { source, model, mac };
            match apply
                .resolve(uri, name)
                .and_then(|a| by_name::add_nic(uri, name, &nic, a))
            {
                Ok(mac) => {
                    println!("{mac}");
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        NicChange::Remove { mac, apply } => done(
            apply
                .resolve(uri, name)
                .and_then(|a| by_name::remove_nic(uri, name, &mac, a)),
        ),
        NicChange::Link { mac, state, apply } => done(apply.resolve(uri, name).and_then(|a| {
            by_name::set_nic_link(uri, name, &mac, matches!(state, LinkState::Up), a)
        })),
    }
}

fn first_cdrom(uri: &str, name: &str) -> Result<String, ApiError> {
    let d = by_name::details(uri, name)?;
    d.hardware
        .disks
        .iter()
        .find(|d| d.device == "cdrom")
        .map(|d| d.target.clone())
        .ok_or_else(|| {
            ApiError::new(
                vireo_api::Code::InvalidInput,
                format!("{name} has no CD-ROM drive"),
            )
        })
}

const ACTIONS: &str = "start, shutdown, force-off, reboot, reset, pause, resume, save, \
                       discard-save, enable-autostart, disable-autostart";

fn action(uri: &str, args: &[String]) -> ExitCode {
    let [action, name] = args else {
        eprintln!("vireo: usage: vireo vm ACTION NAME (ACTION: {ACTIONS}; or info, addresses, console, set, cdrom, disk, nic, boot, firmware, tpm, graphics, notes, rename, xml)");
        return ExitCode::from(2);
    };
    let parsed: Result<vireo_api::Action, _> =
        serde_json::from_value(serde_json::Value::String(action.to_string()));
    use vireo_api::Action as A;
    let action = match parsed {
        Ok(A::Delete | A::Configure | A::ConfigureLive | A::Rename) | Err(_) => {
            eprintln!("vireo: unknown action '{action}' ({ACTIONS})");
            return ExitCode::from(2);
        }
        Ok(a) => a,
    };
    done(vireo_api::vm_action_by_name(uri, name, action))
}

pub(crate) fn print_json(v: &serde_json::Value) -> ExitCode {
    match serde_json::to_string_pretty(v) {
        Ok(t) => {
            println!("{t}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("vireo: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The addresses and where they came from; without any, what each source said.
fn render_addresses(a: &VmAddresses) -> String {
    let mut out = String::from("Addresses\n");
    match a.source {
        Some(source) => {
            for addr in &a.addresses {
                out.push_str(&format!(
                    "  {:<10} {:<17} {} {}/{}  (from the {})\n",
                    addr.interface,
                    addr.mac.as_deref().unwrap_or("-"),
                    addr.family,
                    addr.address,
                    addr.prefix,
                    source.label()
                ));
            }
        }
        None if a.tried.is_empty() => out.push_str("  none (the VM is not running)\n"),
        None => {
            for t in &a.tried {
                out.push_str(&format!("  {}: {}\n", t.source.label(), t.outcome));
            }
        }
    }
    out
}

/// Binary units with one decimal, as the page shows them.
fn bytes(v: f64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = v.max(0.0);
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{value:.0} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

fn render_stats(s: &VmStats) -> String {
    let rate = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{}/s", bytes(v)));
    let io = s.io.unwrap_or_default();
    format!(
        "CPU      {:.1} %\nMemory   {} (on the host){}\nDisk     read {}  write {}\n\
         Network  in {}  out {}\n",
        s.cpu_percent,
        s.memory_used.map_or("-".to_string(), |m| bytes(m as f64)),
        s.guest_memory_used.map_or(String::new(), |m| format!(
            ", {} in use in the guest",
            bytes(m as f64)
        )),
        rate(io.disk_read),
        rate(io.disk_write),
        rate(io.net_rx),
        rate(io.net_tx),
    )
}

fn mib(v: u64) -> String {
    format!("{v} MiB")
}

/// The human form of `vireo vm info`. Every string was shown (escaped, capped) by the API.
fn render(d: &VmDetails) -> String {
    let h = &d.hardware;
    let s = &d.summary;
    let next = d.next_boot.as_ref();
    let later = |f: &dyn Fn(&VmHardware) -> String, now: String| match next {
        Some(n) if f(n) != now => format!("{now}  (next boot: {})", f(n)),
        _ => now,
    };
    let mut out = format!("{}  ({})\n", h.name, s.state.label());
    let mut row = |k: &str, v: String| out.push_str(&format!("  {k:<11} {v}\n"));
    row("UUID", h.uuid.clone());
    row("OS", s.os.clone().unwrap_or_else(|| "-".into()));
    row(
        "Firmware",
        format!(
            "{}, machine {}",
            match h.firmware {
                vireo_api::FirmwareKind::Bios => "BIOS",
                vireo_api::FirmwareKind::Uefi => "UEFI",
            },
            h.machine.as_deref().unwrap_or("-")
        ),
    );
    row(
        "Memory",
        later(
            &|x| format!("{} (max {})", mib(x.memory_mib), mib(x.max_memory_mib)),
            format!("{} (max {})", mib(h.memory_mib), mib(h.max_memory_mib)),
        ),
    );
    row(
        "vCPUs",
        later(
            &|x| format!("{} (max {})", x.vcpus, x.max_vcpus),
            format!("{} (max {})", h.vcpus, h.max_vcpus),
        ),
    );
    row("Autostart", if s.autostart { "on" } else { "off" }.into());
    row(
        "Guest agent",
        if h.guest_agent {
            "channel present"
        } else {
            "none"
        }
        .into(),
    );
    if !h.description.is_empty() {
        row("Notes", h.description.replace('\n', "\n              "));
    }
    out.push_str("Disks\n");
    for disk in &h.disks {
        out.push_str(&format!(
            "  {:<5} {:<6} {:<7} {:<6} {}{}{}\n",
            disk.target,
            disk.device,
            disk.bus.as_deref().unwrap_or("-"),
            disk.format.as_deref().unwrap_or("-"),
            disk.source.as_deref().unwrap_or("(empty)"),
            disk.cache
                .as_deref()
                .map(|c| format!("  cache {c}"))
                .unwrap_or_default(),
            disk.boot_order
                .map(|b| format!("  boot {b}"))
                .unwrap_or_default(),
        ));
    }
    out.push_str("Interfaces\n");
    for nic in &h.nics {
        out.push_str(&format!(
            "  {:<17} {} {}  {}  link {}{}\n",
            nic.mac.as_deref().unwrap_or("-"),
            nic.kind,
            nic.source.as_deref().unwrap_or("-"),
            nic.model.as_deref().unwrap_or("-"),
            if nic.link_up { "up" } else { "down" },
            nic.boot_order
                .map(|b| format!("  boot {b}"))
                .unwrap_or_default(),
        ));
    }
    for g in &h.graphics {
        out.push_str(&format!(
            "Graphics: {} (listen {})\n",
            g.kind,
            g.listen.as_deref().unwrap_or("-")
        ));
    }
    if !d.pending.is_empty() {
        out.push_str(&format!(
            "Pending (applies at next boot): {}\n",
            d.pending.join(", ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{bytes, parse_size, render_stats};
    use vireo_api::{VmIoRates, VmStats};

    #[test]
    fn stats_print_as_the_page_shows_them() {
        assert_eq!(bytes(0.0), "0 B");
        assert_eq!(bytes(1536.0), "1.5 KiB");
        assert_eq!(bytes(3.0 * 1024.0 * 1024.0 * 1024.0), "3.0 GiB");
        let s = VmStats {
            uuid: "u".into(),
            cpu_percent: 12.34,
            memory_used: Some(512 << 20),
            guest_memory_used: Some(300 << 20),
            io: Some(VmIoRates {
                disk_read: Some(2048.0),
                disk_write: Some(0.0),
                net_rx: None,
                net_tx: Some(100.0),
            }),
        };
        assert_eq!(
            render_stats(&s),
            "CPU      12.3 %\nMemory   512.0 MiB (on the host), 300.0 MiB in use in the guest\n\
             Disk     read 2.0 KiB/s  write 0 B/s\nNetwork  in -  out 100 B/s\n"
        );
    }

    #[test]
    fn sizes_read_as_qemu_img_reads_them() {
        assert_eq!(parse_size("40G"), Some(40 << 30));
        assert_eq!(parse_size("512m"), Some(512 << 20));
        assert_eq!(parse_size("1T"), Some(1 << 40));
        assert_eq!(parse_size("4096"), Some(4096));
        for bad in ["", "G", "1.5G", "-1G", "40GB", "99999999999T"] {
            assert_eq!(parse_size(bad), None, "{bad}");
        }
    }
}
