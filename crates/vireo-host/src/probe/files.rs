//! Helper programs and data files: swtpm, osinfo-db, QEMU firmware descriptors.

use crate::facts::{OsinfoFacts, ToolFacts};
use std::path::{Path, PathBuf};

pub fn tool_facts() -> ToolFacts {
    ToolFacts {
        uefi_descriptors: uefi_descriptors(),
        swtpm: find_in_path("swtpm"),
        osinfo: osinfo(),
    }
}

fn find_in_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    // Daemons find swtpm in sbin even when a user's PATH lacks it.
    let extra = ["/usr/sbin", "/usr/local/sbin"].map(PathBuf::from);
    std::env::split_paths(&path)
        .chain(extra)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

/// QEMU's firmware descriptors (docs/interop/firmware.json) that mention UEFI.
fn uefi_descriptors() -> Vec<PathBuf> {
    let dirs = ["/usr/share/qemu/firmware", "/etc/qemu/firmware"];
    let mut found = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let is_uefi = path.extension().is_some_and(|e| e == "json")
                && std::fs::read_to_string(&path).is_ok_and(|t| t.contains("\"uefi\""));
            if is_uefi {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// libosinfo's search order: user config dir, /etc/osinfo, then the system database.
/// Newer data in the earlier locations wins, so the first one holding an `os` dir is reported.
fn osinfo() -> Option<OsinfoFacts> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    if let Some(d) = std::env::var_os("OSINFO_SYSTEM_DIR") {
        dirs.push(PathBuf::from(d));
    }
    if let Some(home) = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".config")))
    {
        dirs.push(home.join("osinfo"));
    }
    dirs.push(PathBuf::from("/etc/osinfo"));
    dirs.push(PathBuf::from("/usr/share/osinfo"));
    dirs.into_iter().find(|d| d.join("os").is_dir()).map(|dir| {
        let version = std::fs::read_to_string(dir.join("VERSION"))
            .ok()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty());
        OsinfoFacts { dir, version }
    })
}
