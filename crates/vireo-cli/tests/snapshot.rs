//! `vireo snapshot …` and `vireo clone …` as a user runs them, on libvirt's test driver
//! (`vireo-libvirt/tests/fixtures/snapshots.xml`). Each run opens its own private driver.

use std::path::PathBuf;
use std::process::{Command, Output};

fn vireo(args: &[&str]) -> Output {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../vireo-libvirt/tests/fixtures/snapshots.xml");
    Command::new(env!("CARGO_BIN_EXE_vireo"))
        .arg("--connect")
        .arg(format!("test://{}", path.canonicalize().unwrap().display()))
        .args(args)
        .output()
        .expect("vireo runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn create_says_what_it_took_and_list_gives_the_mechanism() {
    let out = vireo(&["snapshot", "create", "web", "live", "--memory"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "Snapshot live of web taken with its memory\n"
    );
    // Each run is a fresh driver: the stopped VM has none yet, and says how it would.
    let out = vireo(&["snapshot", "list", "store"]);
    let listed = text(&out.stdout);
    assert!(
        listed.starts_with("Snapshots: internal (libvirt "),
        "{listed}"
    );
    assert_eq!(listed.lines().count(), 1, "{listed}");
}

#[test]
fn a_refusal_exits_non_zero_with_the_pages_words() {
    let out = vireo(&["snapshot", "create", "rawvm", "x"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr)
            .starts_with("vireo: disk vdb is raw: only qcow2 disks can hold snapshots"),
        "{}",
        text(&out.stderr)
    );
    let out = vireo(&["snapshot", "list", "rawvm"]);
    assert!(text(&out.stdout).starts_with("No snapshots for this VM: disk vdb is raw"));
    let out = vireo(&["snapshot", "create", "web", "disks-only"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("always holds its memory"),
        "{}",
        text(&out.stderr)
    );
    let out = vireo(&["snapshot", "revert", "store", "nothing"]);
    assert_eq!(
        text(&out.stderr),
        "vireo: this VM has no snapshot 'nothing'\n"
    );
}

#[test]
fn clone_refusals_exit_non_zero_with_the_pages_words() {
    let out = vireo(&["clone", "web", "web2"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("shut it down first"),
        "{}",
        text(&out.stderr)
    );
    let out = vireo(&["clone", "store", "web"]);
    assert!(
        text(&out.stderr).contains("a VM called web already exists"),
        "{}",
        text(&out.stderr)
    );
    let out = vireo(&["clone", "rawvm", "raw2", "--linked"]);
    assert!(
        text(&out.stderr).contains("disk vdb is raw: a linked clone needs qcow2 disks"),
        "{}",
        text(&out.stderr)
    );
}
