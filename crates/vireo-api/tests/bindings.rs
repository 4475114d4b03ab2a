//! The TypeScript types in ui/src/bindings are generated from Rust. This test fails when the
//! checked-in files drift from the Rust types; `VIREO_BLESS=1 cargo test -p vireo-api`
//! regenerates them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn read_dir_ts(dir: &Path) -> BTreeMap<String, String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return BTreeMap::new();
    };
    entries
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "ts"))
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(e.path()).unwrap())
        })
        .collect()
}

#[test]
fn bindings_are_current() {
    let checked_in = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/bindings");
    let fresh = std::env::temp_dir().join(format!("vireo-bindings-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&fresh);
    vireo_api::export_bindings(&fresh).unwrap();
    let generated = read_dir_ts(&fresh);
    std::fs::remove_dir_all(&fresh).unwrap();
    assert!(generated.contains_key("HostReport.ts"));

    if std::env::var_os("VIREO_BLESS").is_some() {
        let _ = std::fs::remove_dir_all(&checked_in);
        std::fs::create_dir_all(&checked_in).unwrap();
        for (name, text) in &generated {
            std::fs::write(checked_in.join(name), text).unwrap();
        }
    }
    let current = read_dir_ts(&checked_in);
    assert!(
        current == generated,
        "ui/src/bindings is out of date with the Rust types; regenerate with \
         VIREO_BLESS=1 cargo test -p vireo-api --test bindings"
    );
}
