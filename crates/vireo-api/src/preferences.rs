//! The user's preferences: `preferences.json` in the inventory's config dir. Today one
//! switch, XML editing on the VM page, off by default as in virt-manager: the page's own
//! editors cannot produce a domain libvirt refuses, a hand-written document can.

use crate::{ApiError, Code, Inventory};
use serde::{Deserialize, Serialize};
use std::path::Path;
use ts_rs::TS;

const FILE: &str = "preferences.json";

/// What the user chose; a missing or unreadable file means the defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct Preferences {
    /// The VM page shows the domain XML editor.
    pub xml_editing: bool,
}

/// A change to [`Preferences`]: each field left out stays as it is.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PreferencesPatch {
    #[serde(default)]
    #[ts(optional)]
    pub xml_editing: Option<bool>,
}

/// The preferences as saved (the defaults when nothing is).
pub fn preferences_get(inv: &Inventory) -> Preferences {
    inv.config_dir().map(load).unwrap_or_default()
}

/// Applies `patch` and saves the result, which it returns.
pub fn preferences_set(inv: &Inventory, patch: PreferencesPatch) -> Result<Preferences, ApiError> {
    let Some(dir) = inv.config_dir() else {
        return Err(ApiError::new(
            Code::Unavailable,
            "preferences cannot be saved: there is no config directory (set HOME or VIREO_CONFIG_DIR)",
        ));
    };
    let mut prefs = load(dir);
    if let Some(on) = patch.xml_editing {
        prefs.xml_editing = on;
    }
    save(dir, &prefs).map_err(|e| {
        ApiError::new(
            Code::Unavailable,
            format!(
                "preferences could not be saved in {}: {e}",
                vireo_text::shown(&dir.display().to_string())
            ),
        )
    })?;
    Ok(prefs)
}

fn load(dir: &Path) -> Preferences {
    std::fs::read(dir.join(FILE))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

fn save(dir: &Path, prefs: &Preferences) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!("{FILE}.tmp"));
    // Write then rename: a crash never leaves a half-written file.
    std::fs::write(&tmp, serde_json::to_vec_pretty(prefs)?)?;
    std::fs::rename(&tmp, dir.join(FILE))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inventory(dir: &Path) -> Inventory {
        Inventory::with_config_dir(|_| {}, Some(dir.to_path_buf()))
    }

    /// A fresh directory for one test, removed when it ends.
    struct Scratch(std::path::PathBuf);
    impl Scratch {
        fn new(test: &str) -> Self {
            let dir =
                std::env::temp_dir().join(format!("vireo-prefs-{}-{test}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            Scratch(dir)
        }
        fn path(&self) -> &Path {
            &self.0
        }
    }
    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn xml_editing_is_off_until_turned_on_and_stays_on() {
        let dir = Scratch::new("on");
        assert!(!preferences_get(&inventory(dir.path())).xml_editing);
        let on = PreferencesPatch {
            xml_editing: Some(true),
        };
        assert!(
            preferences_set(&inventory(dir.path()), on)
                .unwrap()
                .xml_editing
        );
        // A new process (a new inventory) reads what was saved; an empty patch keeps it.
        let inv = inventory(dir.path());
        assert!(preferences_get(&inv).xml_editing);
        assert!(
            preferences_set(&inv, PreferencesPatch::default())
                .unwrap()
                .xml_editing
        );
    }

    #[test]
    fn a_damaged_file_reads_as_the_defaults_and_is_replaced_on_save() {
        let dir = Scratch::new("damaged");
        std::fs::create_dir_all(dir.path()).unwrap();
        std::fs::write(dir.path().join(FILE), b"{not json").unwrap();
        let inv = inventory(dir.path());
        assert_eq!(preferences_get(&inv), Preferences::default());
        let on = PreferencesPatch {
            xml_editing: Some(true),
        };
        preferences_set(&inv, on).unwrap();
        assert!(preferences_get(&inv).xml_editing);
    }

    #[test]
    fn an_unknown_field_is_refused() {
        let err = serde_json::from_str::<PreferencesPatch>(r#"{"xmlEditing":true,"x":1}"#);
        assert!(err.is_err());
    }

    #[test]
    fn without_a_config_dir_saving_says_why() {
        let inv = Inventory::with_config_dir(|_| {}, None);
        let err = preferences_set(&inv, PreferencesPatch::default()).unwrap_err();
        assert_eq!(err.code, Code::Unavailable);
        assert!(err.message.contains("VIREO_CONFIG_DIR"), "{}", err.message);
    }
}
