//! `vireo vm …` as a user runs it, on libvirt's test driver. Each run opens its own private
//! driver, so every command starts from the fixture.

use std::path::PathBuf;
use std::process::{Command, Output};

fn uri() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../vireo-libvirt/tests/fixtures/vm-page.xml");
    format!("test://{}", path.canonicalize().unwrap().display())
}

fn vireo(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vireo"))
        .arg("--connect")
        .arg(uri())
        .args(args)
        .output()
        .expect("vireo runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn info_shows_hardware_and_notes() {
    let out = vireo(&["vm", "info", "web"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("web  (running)\n"), "{text}");
    assert!(
        text.contains("Memory      1024 MiB (max 2048 MiB)"),
        "{text}"
    );
    assert!(text.contains("vCPUs       1 (max 2)"), "{text}");
    assert!(text.contains("Notes       front end"), "{text}");
    assert!(text.contains("sda   cdrom"), "{text}");
    assert!(text.contains("(empty)"), "{text}");
    assert!(text.contains("52:54:00:00:00:01"), "{text}");
}

#[test]
fn info_json_is_the_api_details() {
    let out = vireo(&["vm", "info", "store", "--json"]);
    let d: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(d["hardware"]["memoryMib"], 1024);
    assert_eq!(d["summary"]["state"], "shut-off");
    assert_eq!(d["pending"], serde_json::json!([]));
}

#[test]
fn refusals_read_as_in_the_window() {
    let out = vireo(&["vm", "set", "web", "--memory", "4096", "--live"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("maximum"), "{}", stderr(&out));
    let out = vireo(&["vm", "set", "store", "--max-vcpus", "64"]);
    assert!(
        stderr(&out).contains("more than the host's 16 CPUs"),
        "{}",
        stderr(&out)
    );
    let out = vireo(&["vm", "rename", "web", "web2"]);
    assert!(!out.status.success());
    let out = vireo(&["vm", "cdrom", "store", "--insert", "/nonexistent/x.iso"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("/nonexistent/x.iso"),
        "{}",
        stderr(&out)
    );
    let out = vireo(&["vm", "info", "nope"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("nope"), "{}", stderr(&out));
}

#[test]
fn a_disk_image_is_not_an_iso() {
    let dir = std::env::temp_dir().join(format!("vireo-cli-cdrom-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let not_iso = dir.join("disk.img");
    // A raw disk with a boot sector: a real disk image, just not install media.
    let mut raw = vec![0u8; 64 * 1024];
    raw[510..512].copy_from_slice(&[0x55, 0xaa]);
    std::fs::write(&not_iso, raw).unwrap();
    let out = vireo(&[
        "vm",
        "cdrom",
        "store",
        "--insert",
        not_iso.to_str().unwrap(),
    ]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("is not an ISO image"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn changes_succeed_and_lifecycle_actions_still_work() {
    for args in [
        &["vm", "set", "store", "--memory", "512"][..],
        &["vm", "cdrom", "store", "--eject"],
        &["vm", "boot", "store", "--order", "vda,sda", "--menu", "yes"],
        &["vm", "notes", "store", "backups <weekly>"],
        &["vm", "rename", "store", "archive"],
        &["vm", "start", "store"],
        &["vm", "xml", "store"],
    ] {
        let out = vireo(args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    }
    let out = vireo(&["vm", "delete", "store"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "delete asks about disks: not a plain action"
    );
    let out = vireo(&["vm", "configure", "store"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn addresses_say_what_each_source_answered() {
    // The fixture's network does not exist: every source says so, and nothing fails.
    let out = vireo(&["vm", "addresses", "web"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    for source in ["guest agent:", "DHCP lease:", "ARP table:"] {
        assert!(text.contains(source), "{text}");
    }
    assert!(
        text.contains("no network with matching name 'default'"),
        "{text}"
    );
    let stopped = vireo(&["vm", "addresses", "store"]);
    assert!(String::from_utf8_lossy(&stopped.stdout).contains("not running"));
    let missing = vireo(&["vm", "addresses", "nosuch"]);
    assert!(!missing.status.success());
    assert_eq!(
        stderr(&missing).trim(),
        "vireo: no VM nosuch on this connection"
    );
}

#[test]
fn nic_add_remove_and_link_with_the_api_refusals() {
    // web's own address is taken: the API's words, non-zero.
    let dup = vireo(&[
        "vm",
        "nic",
        "store",
        "add",
        "--network",
        "default",
        "--mac",
        "52:54:00:00:00:01",
    ]);
    assert!(!dup.status.success());
    let said = stderr(&dup);
    // The fixture has no network 'default': that is said before the MAC is judged.
    assert!(said.contains("there is no network default"), "{said}");
    let bad = vireo(&[
        "vm",
        "nic",
        "store",
        "add",
        "--user",
        "--mac",
        "52:54:00:00:00",
    ]);
    assert!(
        stderr(&bad).contains("is not a MAC address"),
        "{}",
        stderr(&bad)
    );
    let model = vireo(&["vm", "nic", "store", "add", "--user", "--model", "pcnet"]);
    assert_eq!(model.status.code(), Some(2));
    let added = vireo(&["vm", "nic", "store", "add", "--user", "--model", "e1000e"]);
    assert!(added.status.success(), "{}", stderr(&added));
    assert!(String::from_utf8_lossy(&added.stdout).starts_with("52:54:00:"));
    let gone = vireo(&["vm", "nic", "store", "remove", "52:54:00:99:99:99"]);
    assert!(stderr(&gone).contains("no network interface 52:54:00:99:99:99"));
}

#[test]
fn stats_say_why_there_are_none() {
    let out = vireo(&["vm", "stats", "store", "--interval", "0.1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("store is not running: start it to see its statistics"),
        "{}",
        stderr(&out)
    );
    // The test driver keeps no counters: said, not shown as zeros.
    let out = vireo(&["vm", "stats", "web", "--interval", "0.1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("reports no statistics"),
        "{}",
        stderr(&out)
    );
    let out = vireo(&["vm", "stats", "web", "--interval", "0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("between 0.1 and 60"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn disk_add_and_remove_with_the_api_refusals() {
    let bad_size = vireo(&["vm", "disk", "store", "add", "--size", "lots"]);
    assert_eq!(bad_size.status.code(), Some(2));
    assert!(stderr(&bad_size).contains("is not a size"));
    let bus = vireo(&["vm", "disk", "store", "add", "--size", "1G", "--bus", "ide"]);
    assert_eq!(bus.status.code(), Some(2));
    assert!(
        stderr(&bus).contains("is not a disk bus"),
        "{}",
        stderr(&bus)
    );
    let pool = vireo(&[
        "vm", "disk", "store", "add", "--size", "1G", "--pool", "nowhere",
    ]);
    assert_eq!(pool.status.code(), Some(1));
    assert!(
        stderr(&pool).contains("there is no storage pool called nowhere"),
        "{}",
        stderr(&pool)
    );
    // SATA cannot be hot-plugged: web runs, so the default is now and next boot.
    let sata = vireo(&["vm", "disk", "web", "add", "--size", "1G", "--bus", "sata"]);
    assert!(
        stderr(&sata).contains("cannot be plugged into a running VM"),
        "{}",
        stderr(&sata)
    );

    let dir = std::env::temp_dir().join(format!("vireo-cli-disk-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let image = dir.join("data.qcow2");
    vireo_storage::testing::Qcow2::default().write(&image);
    let image = image.to_str().unwrap();
    let added = vireo(&[
        "vm", "disk", "store", "add", "--image", image, "--mode", "in-place",
    ]);
    assert!(added.status.success(), "{}", stderr(&added));
    assert_eq!(
        String::from_utf8_lossy(&added.stdout),
        format!("vdb: {image}\n")
    );
    let mode = vireo(&[
        "vm", "disk", "store", "add", "--image", image, "--mode", "sideways",
    ]);
    assert_eq!(mode.status.code(), Some(2));

    let boot = vireo(&["vm", "disk", "web", "remove", "vda"]);
    assert!(
        stderr(&boot).contains("vda is the disk web runs from"),
        "{}",
        stderr(&boot)
    );
    let outside = vireo(&["vm", "disk", "store", "remove", "vda", "--delete-file"]);
    assert!(
        stderr(&outside).contains("lies outside every storage pool"),
        "{}",
        stderr(&outside)
    );
    let kept = vireo(&["vm", "disk", "store", "remove", "vda"]);
    assert!(kept.status.success(), "{}", stderr(&kept));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn firmware_tpm_and_display_change_only_while_shut_off() {
    for args in [
        ["vm", "firmware", "store", "uefi"],
        ["vm", "tpm", "store", "on"],
        ["vm", "graphics", "store", "none"],
    ] {
        let out = vireo(&args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    }
    let running = vireo(&["vm", "firmware", "web", "uefi"]);
    assert_eq!(running.status.code(), Some(1));
    assert_eq!(
        stderr(&running),
        "vireo: cannot change the firmware, TPM or display of a VM that is running (shut it \
         down first)\n"
    );
    let bad = vireo(&["vm", "tpm", "store", "maybe"]);
    assert_eq!(bad.status.code(), Some(2));
}
