//! `vireo`: Vireo's operations from a terminal. Each subcommand calls one `vireo_api`
//! function, exactly as the window does.
// Unsafe only in `interrupt`, which installs the Ctrl+C handler.
#![deny(unsafe_code)]

mod clone;
#[allow(unsafe_code)]
mod interrupt;
mod serial;
mod snapshot;
mod vm;

use clap::{Parser, Subcommand};
use std::io::IsTerminal;
use std::process::ExitCode;
use vireo_api::{HostReport, Status};

#[derive(Parser)]
#[command(
    name = "vireo",
    version,
    about = "Create, run and watch virtual machines"
)]
struct Cli {
    /// libvirt connection URI (default: $LIBVIRT_DEFAULT_URI, else qemu:///system).
    #[arg(short = 'c', long = "connect", global = true)]
    uri: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check whether this host can run VMs (KVM, libvirt, firmware). Exits 1 when it cannot.
    Check {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the VMs of a connection.
    List {
        /// Print the list as JSON.
        #[arg(long)]
        json: bool,
    },
    /// One VM: a lifecycle action (`vireo vm start NAME`: start, shutdown, force-off,
    /// reboot, reset, pause, resume, save, discard-save, enable-autostart,
    /// disable-autostart), or info, set, cdrom, boot, notes, rename, xml.
    Vm {
        #[command(subcommand)]
        command: vm::VmCommand,
    },
    /// Inspect a disk image or ISO as the wizard does: refused with the reason when it is
    /// unsafe or not an image, otherwise its format, sizes, backing chain and warnings.
    Inspect {
        path: String,
        /// The file is install media (an ISO).
        #[arg(long)]
        iso: bool,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Clone a shut-off VM: linked (overlays on its disks) or full (copies).
    Clone(clone::CloneArgs),
    /// A VM's snapshots: create, list, revert, delete, describe.
    Snapshot {
        #[command(subcommand)]
        command: snapshot::SnapshotCommand,
    },
    /// Show the preferences the window uses, or change them.
    Preferences {
        /// Show the domain XML editor on the VM page (on or off; off by default).
        #[arg(long, value_name = "on|off", value_parser = parse_switch)]
        xml_editing: Option<bool>,
    },
}

fn main() -> ExitCode {
    vireo_api::log_to_stderr();
    let cli = Cli::parse();
    let uri = cli
        .uri
        .or_else(|| std::env::var("LIBVIRT_DEFAULT_URI").ok())
        .unwrap_or_else(|| "qemu:///system".to_string());
    match cli.command {
        Command::Check { json } => check(json),
        Command::List { json } => list(&uri, json),
        Command::Vm { command } => vm::run(&uri, command),
        Command::Inspect { path, iso, json } => inspect(path, iso, json),
        Command::Preferences { xml_editing } => preferences(xml_editing),
        Command::Snapshot { command } => snapshot::run(&uri, command),
        Command::Clone(args) => clone::run(&uri, args),
    }
}

fn parse_switch(s: &str) -> Result<bool, String> {
    match s {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => Err(format!("'{}' is neither on nor off", vireo_text::shown(s))),
    }
}

fn preferences(xml_editing: Option<bool>) -> ExitCode {
    let inv = vireo_api::Inventory::new(|_| {});
    let prefs = if xml_editing.is_none() {
        vireo_api::preferences_get(&inv)
    } else {
        match vireo_api::preferences_set(&inv, vireo_api::PreferencesPatch { xml_editing }) {
            Ok(p) => p,
            Err(e) => return fail(e),
        }
    };
    let on_off = |b: bool| if b { "on" } else { "off" };
    println!("xml-editing  {}", on_off(prefs.xml_editing));
    ExitCode::SUCCESS
}

fn inspect(path: String, iso: bool, json: bool) -> ExitCode {
    // No connection: the storage pool's warnings come with the wizard's connection.
    let inv = vireo_api::Inventory::with_config_dir(|_| {}, None);
    let req = vireo_api::InspectRequest {
        path,
        iso,
        connection: None,
        pool: None,
        mode: None,
        vm: None,
    };
    let info = match vireo_api::inspect_source(&inv, req) {
        Ok(i) => i,
        Err(e) => return fail(e),
    };
    if json {
        return vm::print_json(&serde_json::to_value(&info).unwrap_or_default());
    }
    // Every string here was shown (escaped, capped) by the API.
    let image = &info.image;
    match &image.link {
        Some(link) => println!("{link} -> {}", image.path),
        None => println!("{}", image.path),
    }
    println!(
        "  format {:?}, {} virtual, {} on disk",
        image.format,
        vireo_host::human_bytes(image.virtual_size),
        vireo_host::human_bytes(image.file_size)
    );
    for backing in &image.backing_chain {
        println!("  backed by {backing}");
    }
    if let Some(v) = &info.volume_id {
        println!("  volume id {v}");
    }
    if let Some(os) = &info.detected_os {
        println!("  detected {}", os.name);
    }
    for w in &info.warnings {
        println!("  warning: {}", w.message);
    }
    ExitCode::SUCCESS
}

fn fail(e: vireo_api::ApiError) -> ExitCode {
    eprintln!("vireo: {}", e.message);
    ExitCode::FAILURE
}

fn list(uri: &str, json: bool) -> ExitCode {
    let vms = match vireo_api::list_vms(uri) {
        Ok(v) => v,
        Err(e) => return fail(e),
    };
    if json {
        match serde_json::to_string_pretty(&vms) {
            Ok(t) => println!("{t}"),
            Err(e) => {
                eprintln!("vireo: {e}");
                return ExitCode::FAILURE;
            }
        }
        return ExitCode::SUCCESS;
    }
    let width = vms.iter().map(|v| v.name.len()).max().unwrap_or(4).max(4);
    println!(
        "{:width$}  {:14}  {:>5}  {:>10}  OS",
        "NAME", "STATE", "VCPUS", "MEMORY"
    );
    for v in &vms {
        println!(
            "{:width$}  {:14}  {:>5}  {:>10}  {}",
            v.name,
            v.state.label(),
            v.vcpus,
            vireo_host::human_bytes(v.memory),
            v.os.as_deref().unwrap_or("-")
        );
    }
    ExitCode::SUCCESS
}

fn check(json: bool) -> ExitCode {
    let report = match vireo_api::check_host() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("vireo: {e}");
            return ExitCode::from(2);
        }
    };
    if json {
        match serde_json::to_string_pretty(&report) {
            Ok(text) => println!("{text}"),
            Err(e) => {
                eprintln!("vireo: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        print!("{}", render(&report, std::io::stdout().is_terminal()));
    }
    if report.verdict.can_run_vms {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The human form: one line per finding, the fix indented below it, the verdict last.
fn render(report: &HostReport, color: bool) -> String {
    let paint = |code: &str, text: &str| {
        if color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    };
    let mut out = format!(
        "Vireo host check ({}, {:.0} ms)\n\n",
        report.platform, report.duration_ms
    );
    let width = report
        .findings
        .iter()
        .map(|f| f.title.len())
        .max()
        .unwrap_or(0);
    for f in &report.findings {
        let tag = match f.status {
            Status::Ok => paint("32", " ok  "),
            Status::Info => paint("36", "info "),
            Status::Warning => paint("33", "warn "),
            Status::Error => paint("31;1", "ERROR"),
        };
        out.push_str(&format!("  {tag} {:width$}  {}\n", f.title, f.summary));
        if let Some(fix) = &f.fix {
            out.push_str(&format!("        {:width$}  fix: {fix}\n", ""));
        }
    }
    let verdict = if report.verdict.can_run_vms {
        paint("1", &report.verdict.summary)
    } else {
        paint("31;1", &report.verdict.summary)
    };
    out.push_str(&format!("\n{verdict}\n"));
    out
}
