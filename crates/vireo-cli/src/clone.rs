//! `vireo clone SOURCE NEW [--linked|--full] [--pool POOL]`: the window's clone, with the
//! copy's progress on stderr and Ctrl+C removing what was made.

use crate::vm::fail;
use clap::Args;
use std::process::ExitCode;
use vireo_api::{Cancel, CloneMode, CloneRequest};

#[derive(Args)]
pub struct CloneArgs {
    /// The shut-off VM to clone.
    source: String,
    /// The new VM's name.
    name: String,
    /// Overlays on the source's disks (the default when they are all qcow2): fast and small,
    /// and the source then cannot start while the clone exists.
    #[arg(long, conflicts_with = "full")]
    linked: bool,
    /// Independent copies of every disk (the default otherwise).
    #[arg(long)]
    full: bool,
    /// The storage pool for the clone's disks (default: the source's).
    #[arg(long)]
    pool: Option<String>,
}

/// Linked when every disk of the source can carry an overlay, as the window defaults.
fn default_mode(uri: &str, source: &str) -> CloneMode {
    let all_qcow2 = vireo_api::by_name::details(uri, source).is_ok_and(|d| {
        d.hardware
            .disks
            .iter()
            .filter(|d| d.device == "disk" && !d.readonly)
            .all(|d| d.format.as_deref() == Some("qcow2"))
    });
    if all_qcow2 {
        CloneMode::Linked
    } else {
        CloneMode::Full
    }
}

pub fn run(uri: &str, args: CloneArgs) -> ExitCode {
    let mode = match (args.linked, args.full) {
        (true, _) => CloneMode::Linked,
        (_, true) => CloneMode::Full,
        _ => default_mode(uri, &args.source),
    };
    let req = CloneRequest {
        name: args.name,
        mode,
        pool: args.pool,
    };
    let cancel = Cancel::default();
    crate::interrupt::cancel_on_interrupt(cancel.clone());
    let result = vireo_api::clone_by_name(
        uri,
        &args.source,
        &req,
        &|p| eprint!("\r{}: {}%", p.step, p.done * 100 / p.total.max(1)),
        &cancel,
    );
    match result {
        Ok(made) => {
            let how = match mode {
                CloneMode::Linked => "linked clone",
                CloneMode::Full => "full clone",
            };
            eprintln!();
            println!("{} is a {how} of {}", made.name, args.source);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!();
            fail(e)
        }
    }
}
