//! Saved connections: the custom connections the user added, kept in `connections.json` in
//! the config dir, and the checks a connection's URI and name pass before it is added.

use super::{lock, Inventory};
use crate::error::BackendError;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// One entry of `connections.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub(super) struct SavedConnection {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) uri: String,
}

/// Where connections are saved: `$VIREO_CONFIG_DIR`, else the user's config dir + `vireo`.
pub fn default_config_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("VIREO_CONFIG_DIR") {
        return Some(PathBuf::from(d));
    }
    std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .map(|d| d.join("vireo"))
}

impl Inventory {
    pub(super) fn load_saved(&self) -> Vec<SavedConnection> {
        let Some(dir) = &self.inner.config_dir else {
            return Vec::new();
        };
        std::fs::read(dir.join("connections.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    pub(super) fn save(&self) -> Result<(), BackendError> {
        let Some(dir) = &self.inner.config_dir else {
            return Ok(());
        };
        let saved: Vec<SavedConnection> = lock(&self.inner.conns)
            .iter()
            .filter(|c| !c.builtin)
            .map(|c| SavedConnection {
                id: c.id.clone(),
                name: lock(&c.name).clone(),
                uri: c.uri.clone(),
            })
            .collect();
        std::fs::create_dir_all(dir).map_err(BackendError::Config)?;
        let tmp = dir.join("connections.json.tmp");
        let text = serde_json::to_vec_pretty(&saved).map_err(|e| BackendError::Config(e.into()))?;
        // Write then rename: a crash never leaves a half-written list.
        std::fs::write(&tmp, text).map_err(BackendError::Config)?;
        std::fs::rename(&tmp, dir.join("connections.json")).map_err(BackendError::Config)
    }
}

pub(super) fn validate_name(name: &str) -> Result<String, BackendError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(BackendError::Refused("a connection needs a name".into()));
    }
    if name.chars().count() > 80 || name.chars().any(char::is_control) {
        return Err(BackendError::Refused(
            "a connection name is at most 80 characters, without control characters".into(),
        ));
    }
    Ok(name.to_string())
}

/// Checks a libvirt URI and makes ssh ones safe for a GUI: `no_tty=1` stops ssh from asking
/// for a password or passphrase on a terminal the app does not have.
pub fn normalize_uri(uri: &str) -> Result<String, BackendError> {
    let uri = uri.trim();
    let Some((scheme, rest)) = uri.split_once("://") else {
        return Err(BackendError::Refused(format!(
            "'{uri}' is not a libvirt URI (expected driver[+transport]://[user@host]/path, \
             e.g. qemu+ssh://user@host/system)"
        )));
    };
    let scheme_ok = !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '+');
    if !scheme_ok || uri.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(BackendError::Refused(format!(
            "'{uri}' is not a valid libvirt URI"
        )));
    }
    let driver = scheme.split('+').next().unwrap_or_default();
    const DRIVERS: [&str; 7] = ["qemu", "vbox", "test", "lxc", "xen", "ch", "bhyve"];
    if !DRIVERS.contains(&driver) {
        return Err(BackendError::Refused(format!(
            "unknown libvirt driver '{driver}' (known: {})",
            DRIVERS.join(", ")
        )));
    }
    if scheme.ends_with("+ssh") && !rest.contains("no_tty=") {
        let sep = if rest.contains('?') { '&' } else { '?' };
        return Ok(format!("{uri}{sep}no_tty=1"));
    }
    Ok(uri.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssh_uris_get_no_tty() {
        assert_eq!(
            normalize_uri("qemu+ssh://root@host/system").unwrap(),
            "qemu+ssh://root@host/system?no_tty=1"
        );
        assert_eq!(
            normalize_uri("qemu+ssh://h/system?keyfile=/k").unwrap(),
            "qemu+ssh://h/system?keyfile=/k&no_tty=1"
        );
        assert_eq!(
            normalize_uri(" vbox:///session ").unwrap(),
            "vbox:///session"
        );
    }

    #[test]
    fn bad_uris_are_refused_with_an_example() {
        let e = normalize_uri("my-host").unwrap_err().to_string();
        assert!(e.contains("qemu+ssh://user@host/system"), "{e}");
        assert!(normalize_uri("qemu:///system; rm -rf /").is_err());
        let e = normalize_uri("http://example.com/")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown libvirt driver 'http'"), "{e}");
    }

    #[test]
    fn names_are_validated() {
        assert!(validate_name("  ").is_err());
        assert!(validate_name(&"x".repeat(81)).is_err());
        assert!(validate_name("a\nb").is_err());
        assert_eq!(validate_name(" Lab ").unwrap(), "Lab");
    }
}
