//! `vireo snapshot …`: a VM's snapshots, with the page's operations and words.

use crate::vm::{done, fail, print_json};
use clap::Subcommand;
use std::process::ExitCode;
use vireo_api::snapshots::by_name;
use vireo_api::{NewSnapshot, SnapshotDelete, SnapshotInfo, VmSnapshots};

#[derive(Subcommand)]
pub enum SnapshotCommand {
    /// Take a snapshot: a stopped VM's disks, or a running VM with its memory (--memory).
    Create {
        vm: String,
        name: String,
        /// Keep the running VM's memory: reverting resumes it where it was.
        #[arg(long)]
        memory: bool,
        #[arg(long, default_value = "")]
        description: String,
    },
    /// The VM's snapshots as a tree (the current one marked *), or why it can have none.
    List {
        vm: String,
        #[arg(long)]
        json: bool,
    },
    /// Go back to a snapshot. What the VM did since is lost.
    Revert { vm: String, name: String },
    /// Delete a snapshot (its children move up), or it and its children (--children).
    Delete {
        vm: String,
        name: String,
        #[arg(long)]
        children: bool,
    },
    /// Change a snapshot's description.
    Describe {
        vm: String,
        name: String,
        description: String,
    },
}

pub fn run(uri: &str, command: SnapshotCommand) -> ExitCode {
    match command {
        SnapshotCommand::Create {
            vm,
            name,
            memory,
            description,
        } => {
            let new = NewSnapshot {
                name,
                description,
                memory,
            };
            match by_name::create(uri, &vm, &new) {
                Ok(s) => {
                    let memory = if s.has_memory { " with its memory" } else { "" };
                    println!("Snapshot {} of {vm} taken{memory}", s.name);
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        SnapshotCommand::List { vm, json } => match by_name::list(uri, &vm) {
            Ok(all) if json => print_json(&serde_json::to_value(&all).unwrap_or_default()),
            Ok(all) => {
                print!("{}", render(&all));
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        },
        SnapshotCommand::Revert { vm, name } => done(by_name::revert(uri, &vm, &name)),
        SnapshotCommand::Delete { vm, name, children } => {
            let which = if children {
                SnapshotDelete::WithChildren
            } else {
                SnapshotDelete::One
            };
            done(by_name::delete(uri, &vm, &name, which))
        }
        SnapshotCommand::Describe {
            vm,
            name,
            description,
        } => done(by_name::describe(uri, &vm, &name, &description)),
    }
}

fn depth(all: &[SnapshotInfo], s: &SnapshotInfo) -> usize {
    let mut depth = 0;
    let mut parent = s.parent.as_deref();
    while let Some(p) = parent {
        depth += 1;
        parent = all
            .iter()
            .find(|o| o.name == p)
            .and_then(|o| o.parent.as_deref());
        if depth > all.len() {
            break;
        }
    }
    depth
}

/// The tree, indented by depth; names and descriptions are libvirt's strings, shown escaped.
fn render(all: &VmSnapshots) -> String {
    let mut out = String::new();
    match (&all.support.mechanism, &all.support.reason) {
        (None, Some(reason)) => out.push_str(&format!(
            "No snapshots for this VM: {}\n",
            vireo_text::shown(reason)
        )),
        (Some(m), _) => out.push_str(&format!(
            "Snapshots: {} (libvirt {})\n",
            match m {
                vireo_api::SnapshotMechanism::Internal => "internal",
                vireo_api::SnapshotMechanism::External => "external",
            },
            all.support.libvirt_version
        )),
        (None, None) => {}
    }
    for s in &all.snapshots {
        let indent = "  ".repeat(depth(&all.snapshots, s));
        let mark = if s.current { "*" } else { " " };
        let memory = match (s.has_memory, s.memory_size) {
            (true, Some(b)) => format!(", with memory: {:.0} MiB", b as f64 / 1_048_576.0),
            (true, None) => ", with memory".to_string(),
            (false, _) => String::new(),
        };
        let when = vireo_api::utc_minutes(s.created);
        out.push_str(&format!(
            "{mark} {indent}{}  ({when}{memory})",
            vireo_text::shown(&s.name)
        ));
        if !s.description.is_empty() {
            out.push_str(&format!("  {}", vireo_text::shown(&s.description)));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use vireo_api::{SnapshotMechanism, SnapshotSupport};

    fn snap(name: &str, parent: Option<&str>, current: bool) -> SnapshotInfo {
        SnapshotInfo {
            name: name.into(),
            description: String::new(),
            created: 1_764_000_000,
            parent: parent.map(str::to_string),
            current,
            has_memory: false,
            state: "shutoff".into(),
            mechanism: SnapshotMechanism::Internal,
            memory_size: None,
        }
    }

    #[test]
    fn the_tree_is_indented_and_the_current_one_marked() {
        let mut b = snap("b", Some("a"), true);
        b.has_memory = true;
        b.memory_size = Some(180 << 20);
        b.description = "evil\u{1b}[2J".into();
        let all = VmSnapshots {
            support: SnapshotSupport {
                mechanism: Some(SnapshotMechanism::Internal),
                reason: None,
                disk_only_while_running: false,
                libvirt_version: "9.0.0".into(),
            },
            snapshots: vec![snap("a", None, false), b, snap("c", Some("a"), false)],
        };
        let text = render(&all);
        assert_eq!(
            text,
            "Snapshots: internal (libvirt 9.0.0)\n  a  (2025-11-24 16:00 UTC)\n\
             *   b  (2025-11-24 16:00 UTC, with memory: 180 MiB)  evil\\u{1b}[2J\n\
             \x20   c  (2025-11-24 16:00 UTC)\n"
        );
    }

    #[test]
    fn epoch_seconds_read_as_utc_dates() {
        assert_eq!(vireo_api::utc_minutes(0), "1970-01-01 00:00 UTC");
        assert_eq!(vireo_api::utc_minutes(951_782_400), "2000-02-29 00:00 UTC");
    }
}
