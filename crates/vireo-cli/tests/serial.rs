//! `vireo vm console NAME` with the test guest on `qemu:///system`: piped input is typed on
//! the guest's serial port and the shell's answer comes out on stdout.

use std::io::Write;
use std::process::{Command, Stdio};
use vireo_test_support::{TestGuest, SYSTEM_URI};

#[test]
fn a_piped_command_is_answered_by_the_guest() {
    let _serial = vireo_test_support::serial();
    let guest = TestGuest::booted("vireo-it-cli-serial");
    let mut child = Command::new(env!("CARGO_BIN_EXE_vireo"))
        .args(["--connect", SYSTEM_URI, "vm", "console", &guest.name])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"\necho cli-$((5*5))-ok\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("cli-25-ok"),
        "the guest's answer in {stdout:?}"
    );

    // The same running guest's usage, as the page's graphs sample it.
    let stats = Command::new(env!("CARGO_BIN_EXE_vireo"))
        .args([
            "--connect",
            SYSTEM_URI,
            "vm",
            "stats",
            &guest.name,
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        stats.status.success(),
        "{}",
        String::from_utf8_lossy(&stats.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&stats.stdout).unwrap();
    assert!(
        v["cpuPercent"]
            .as_f64()
            .is_some_and(|c| (0.0..=100.0).contains(&c)),
        "{v}"
    );
    assert!(v["memoryUsed"].as_u64().is_some_and(|m| m > 0), "{v}");
    assert!(
        v["io"]["diskRead"].as_f64().is_some(),
        "the guest has a disk: {v}"
    );

    // A VM that is not running: the API's refusal, non-zero.
    let stopped = Command::new(env!("CARGO_BIN_EXE_vireo"))
        .args(["--connect", SYSTEM_URI, "vm", "console", "vireo-no-such-vm"])
        .output()
        .unwrap();
    assert!(!stopped.status.success());
    assert_eq!(
        String::from_utf8_lossy(&stopped.stderr).trim(),
        "vireo: no VM vireo-no-such-vm on this connection"
    );
}
