//! `vireo preferences`: the same saved switches the window reads.

use std::process::Command;

fn vireo(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_vireo"))
        .args(args)
        .env("VIREO_CONFIG_DIR", dir)
        .output()
        .expect("vireo runs")
}

#[test]
fn xml_editing_is_off_then_saved_on_and_a_bad_value_changes_nothing() {
    let dir = std::env::temp_dir().join(format!("vireo-cli-prefs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = vireo(&dir, &["preferences"]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "xml-editing  off\n");

    let out = vireo(&dir, &["preferences", "--xml-editing", "on"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "xml-editing  on\n");

    let out = vireo(&dir, &["preferences", "--xml-editing", "maybe"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("'maybe' is neither on nor off"), "{err}");
    let out = vireo(&dir, &["preferences"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "xml-editing  on\n",
        "still on"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
