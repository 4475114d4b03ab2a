//! `vireo`: Vireo's operations from a terminal. Each subcommand calls one `vireo_api`
//! function, exactly as the window does.

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check { json } => check(json),
    }
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
