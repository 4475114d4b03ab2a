//! `vireo check` as a user runs it.

use std::process::Command;

fn vireo(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_vireo"))
        .args(args)
        .output()
        .expect("vireo runs")
}

#[test]
fn check_json_is_the_api_report() {
    let out = vireo(&["check", "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let can_run = report["verdict"]["canRunVms"].as_bool().unwrap();
    assert_eq!(
        out.status.success(),
        can_run,
        "exit status follows the verdict"
    );
    let ids: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    for id in [
        "kvm",
        "libvirt-system",
        "libvirt-session",
        "uefi",
        "swtpm",
        "osinfo-db",
    ] {
        assert!(ids.contains(&id), "missing {id} in {ids:?}");
    }
}

#[test]
fn check_text_lists_findings_and_verdict() {
    let out = vireo(&["check"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("Vireo host check (linux, "), "{text}");
    assert!(text.contains(" KVM "), "{text}");
    assert!(text.contains("libvirt (system)"), "{text}");
    assert!(text.trim_end().ends_with('.'), "{text}");
    // Not a terminal: no colour escapes in piped output.
    assert!(!text.contains('\x1b'));
}

#[test]
fn unknown_flag_is_a_usage_error() {
    let out = vireo(&["check", "--jsn"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("--jsn"), "{err}");
}

#[test]
fn inspect_refuses_with_the_same_escaped_message() {
    let dir = std::env::temp_dir().join(format!("vireo-cli-inspect-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let link = dir.join("disk.qcow2");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink("/etc/shadow", &link).unwrap();
    let out = vireo(&["inspect", link.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("disk.qcow2 (a link to /etc/shadow) is a host system file"),
        "{stderr}"
    );
    // A name with a newline, ESC and a bidi override: one line, escaped.
    let hostile = dir.join("x\n\u{1b}[1A\u{202e}.qcow2");
    let out = vireo(&["inspect", hostile.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("x\\n\\u{1b}[1A\\u{202e}.qcow2 has control or invisible characters"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}
