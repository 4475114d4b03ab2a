//! VM list thumbnails: on libvirt's test driver (a private fixture) and on the real test guest
//! under TCG on qemu:///system, whose text console must show up as more than one colour.

use std::path::PathBuf;
use std::time::{Duration, Instant};
use vireo_api::*;
mod common;
use common::{TestGuest, URI};

const SHOWN: &str = "44444444-4444-4444-8444-444444444444";
const DARK: &str = "55555555-5555-4555-8555-555555555555";

fn connected(inv: &Inventory, id: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while inv.open_connection(id).is_err() {
        assert!(Instant::now() < deadline, "{id} connected within 10 s");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn test_driver() -> Inventory {
    let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../vireo-libvirt/tests/fixtures/screenshot.xml")
        .canonicalize()
        .unwrap();
    let inv = Inventory::with_config_dir(|_| {}, None);
    inv.open_transient("t", "Test", &format!("test://{}", fixture.display()));
    connected(&inv, "t");
    inv
}

fn request(connection: &str, uuid: &str, max_width: u16) -> VmThumbnailRequest {
    VmThumbnailRequest {
        vm: VmRef {
            connection: connection.into(),
            uuid: uuid.into(),
        },
        max_width,
    }
}

fn decode(png: &[u8]) -> image::DynamicImage {
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    image::load_from_memory(png).unwrap()
}

#[test]
fn thumbnail_of_a_running_vm_fits_the_width_and_keeps_the_aspect() {
    let inv = test_driver();
    // The test driver's screen is 1120×832.
    let t = vm_thumbnail(&inv, request("t", SHOWN, 96)).unwrap();
    assert_eq!((t.width, t.height), (96, 71), "832 × 96 / 1120 = 71.3");
    let img = decode(&t.png);
    assert_eq!((img.width(), img.height()), (96, 71));
    let wide = vm_thumbnail(&inv, request("t", SHOWN, 4000)).unwrap();
    assert_eq!((wide.width, wide.height), (1120, 832), "never scaled up");
}

#[test]
fn thumbnail_of_a_shut_off_or_unknown_vm_is_refused() {
    let inv = test_driver();
    let err = vm_thumbnail(&inv, request("t", DARK, 96)).unwrap_err();
    assert_eq!(err.code, Code::InvalidState);
    assert_eq!(err.message, "dark is not running");
    let err = vm_thumbnail(
        &inv,
        request("t", "99999999-9999-4999-8999-999999999999", 96),
    )
    .unwrap_err();
    assert_eq!(err.code, Code::NotFound);
    let err = vm_thumbnail(&inv, request("nope", SHOWN, 96)).unwrap_err();
    assert_eq!(err.code, Code::NotFound);
    let err = vm_thumbnail(&inv, request("t", SHOWN, 0)).unwrap_err();
    assert_eq!(err.code, Code::InvalidInput);
}

#[test]
fn the_request_is_camel_case_and_strict() {
    let req: VmThumbnailRequest =
        serde_json::from_str(r#"{"vm":{"connection":"t","uuid":"u"},"maxWidth":128}"#).unwrap();
    assert_eq!(req.max_width, 128);
    assert!(serde_json::from_str::<VmThumbnailRequest>(
        r#"{"vm":{"connection":"t","uuid":"u"},"maxWidth":128,"height":1}"#
    )
    .is_err());
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[test]
fn thumbnail_of_the_test_guest_shows_its_text_console() {
    let guest = TestGuest::define("vireo-thumb");

    let inv = Inventory::with_config_dir(|_| {}, None);
    inv.open_transient("sys", "System", URI);
    connected(&inv, "sys");

    let err = vm_thumbnail(&inv, request("sys", &guest.uuid, 144)).unwrap_err();
    assert_eq!(err.code, Code::InvalidState, "shut off: {}", err.message);
    assert!(err.message.contains("not running"), "{}", err.message);

    guest.boot();
    // The shell prints its prompt on the VGA console right after the marker.
    std::thread::sleep(Duration::from_millis(500));

    let t = vm_thumbnail(&inv, request("sys", &guest.uuid, 144)).unwrap();
    assert_eq!(
        (t.width, t.height),
        (144, 80),
        "the 720×400 console, scaled"
    );
    let img = decode(&t.png).to_luma8();
    let dark = img.pixels().filter(|p| p.0[0] < 64).count();
    let lit = img.pixels().filter(|p| p.0[0] >= 64).count();
    let total = img.pixels().len();
    assert!(
        lit >= 30 && dark >= total / 2,
        "text on a dark screen: {lit} lit, {dark} dark of {total} pixels"
    );

    // Time: libvirt's screenshot alone, and the whole operation (this build's optimisation).
    let uuid = guest.uuid.clone();
    let mut shots = Vec::new();
    let mut whole = Vec::new();
    let mut raw_size = 0;
    for _ in 0..10 {
        let c = inv.open_connection("sys").unwrap();
        let s = Instant::now();
        raw_size = vireo_libvirt::screenshot::screenshot(&c, &uuid)
            .unwrap()
            .data
            .len();
        shots.push(s.elapsed());
        let s = Instant::now();
        vm_thumbnail(&inv, request("sys", &uuid, 144)).unwrap();
        whole.push(s.elapsed());
    }
    println!(
        "720×400 console: screenshot {raw_size} bytes in {:?} (median of 10); \
         thumbnail 144×80 {} bytes in {:?} (median of 10, {} build)",
        median(shots),
        t.png.len(),
        median(whole),
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
    );
    drop(guest);
}
