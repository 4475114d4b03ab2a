//! Screenshots on libvirt's test driver (a private fixture, never test:///default): the
//! driver streams its own PNG for a running VM and refuses the rest.

use std::path::PathBuf;
use vireo_libvirt::screenshot::{screenshot, screenshot_capped};
use vireo_libvirt::{BackendError, ErrorKind};

const SHOWN: &str = "44444444-4444-4444-8444-444444444444";
const DARK: &str = "55555555-5555-4555-8555-555555555555";

fn open() -> virt::connect::Connect {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/screenshot.xml");
    vireo_libvirt::open(&format!("test://{}", path.display())).unwrap()
}

#[test]
fn screenshot_of_a_running_vm_is_a_whole_png() {
    let conn = open();
    let shot = screenshot(&conn, SHOWN).unwrap();
    assert_eq!(shot.mime, "image/png");
    assert!(shot.data.starts_with(b"\x89PNG\r\n\x1a\n"), "PNG signature");
    // Read to the end: the last chunk of a PNG is IEND followed by its CRC.
    let tail = &shot.data[shot.data.len() - 8..];
    assert_eq!(&tail[..4], b"IEND", "the stream was read to its end");
    // The same again: the stream was finished, the connection is fine for the next one.
    assert_eq!(screenshot(&conn, SHOWN).unwrap(), shot);
}

#[test]
fn screenshot_of_a_shut_off_vm_is_refused() {
    let conn = open();
    let err = screenshot(&conn, DARK).unwrap_err();
    assert!(
        matches!(err, BackendError::NotRunning(ref n) if n == "dark"),
        "{err}"
    );
    assert_eq!(err.kind(), ErrorKind::InvalidState);
    assert_eq!(err.to_string(), "dark is not running");
}

#[test]
fn screenshot_of_an_unknown_vm_is_not_found() {
    let conn = open();
    let err = screenshot(&conn, "99999999-9999-4999-8999-999999999999").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[test]
fn an_image_over_the_cap_aborts_the_stream_and_the_connection_goes_on() {
    let conn = open();
    let err = screenshot_capped(&conn, SHOWN, 1000).unwrap_err();
    assert!(
        matches!(err, BackendError::ScreenshotTooLarge(1000)),
        "{err}"
    );
    let whole = screenshot(&conn, SHOWN).unwrap();
    assert!(whole.data.len() > 1000);
}
