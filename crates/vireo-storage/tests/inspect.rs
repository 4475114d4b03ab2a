//! Inspection against real images made by qemu-img, and every bad input the wizard must
//! refuse. Each test works in its own temporary directory; nothing else is touched.

use std::path::Path;
use std::process::Command;
use vireo_storage::{inspect, ImageError, ImageFormat};

mod common;
use common::Dir;

fn qemu_img(args: &[&str]) {
    let out = Command::new("qemu-img")
        .args(args)
        .output()
        .expect("qemu-img runs");
    assert!(
        out.status.success(),
        "qemu-img {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A 1 GiB qcow2 whose backing file is `backing`. `-u` skips opening the backing file, so
/// creating one that points at /etc/shadow never reads it.
fn qcow2_backed_by(path: &str, backing: &str, format: &str) {
    qemu_img(&[
        "create", "-q", "-f", "qcow2", "-u", "-F", format, "-b", backing, path, "1G",
    ]);
}

fn create_qcow2(path: &Path, size: &str) {
    qemu_img(&["create", "-q", "-f", "qcow2", path.to_str().unwrap(), size]);
}

fn raw_disk(path: &Path) {
    let mut data = vec![0u8; 2 << 20];
    data[510] = 0x55;
    data[511] = 0xaa;
    std::fs::write(path, data).unwrap();
}

#[test]
fn a_qcow2_is_read_from_its_header() {
    let d = Dir::new("qcow2");
    let p = d.path("disk.qcow2");
    create_qcow2(&p, "3G");
    let info = inspect(&p, &[]).unwrap();
    assert_eq!(info.format, ImageFormat::Qcow2);
    assert_eq!(info.virtual_size, 3 << 30);
    assert!(info.backing_chain.is_empty());
}

#[test]
fn a_chain_inside_the_directory_is_followed() {
    let d = Dir::new("chain");
    let base = d.path("base.qcow2");
    create_qcow2(&base, "1G");
    let mid = d.path("mid.qcow2");
    qcow2_backed_by(mid.to_str().unwrap(), "base.qcow2", "qcow2");
    let top = d.path("top.qcow2");
    qcow2_backed_by(top.to_str().unwrap(), mid.to_str().unwrap(), "qcow2");
    let info = inspect(&top, &[]).unwrap();
    let names: Vec<String> = info
        .backing_chain
        .iter()
        .map(|p| {
            Path::new(p)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(names, ["mid.qcow2", "base.qcow2"]);
    assert_eq!(info.virtual_size, 1 << 30);
}

#[test]
fn raw_and_iso_are_recognised() {
    let d = Dir::new("raw");
    let p = d.path("disk.img");
    raw_disk(&p);
    assert_eq!(inspect(&p, &[]).unwrap().format, ImageFormat::Raw);
    let blank = d.path("blank.raw");
    std::fs::write(&blank, vec![0u8; 1 << 20]).unwrap();
    assert_eq!(inspect(&blank, &[]).unwrap().format, ImageFormat::Raw);
    let iso = d.path("cd.iso");
    let mut data = vec![0u8; 0x9000];
    data[0x8001..0x8006].copy_from_slice(b"CD001");
    std::fs::write(&iso, data).unwrap();
    assert_eq!(inspect(&iso, &[]).unwrap().format, ImageFormat::Iso);
}

#[test]
fn a_missing_file_and_a_directory_are_refused() {
    let d = Dir::new("missing");
    let err = inspect(&d.path("nope.qcow2"), &[]).unwrap_err();
    assert!(matches!(err, ImageError::Missing(_)), "{err}");
    assert!(err.to_string().ends_with("does not exist"));
    let err = inspect(&d.0, &[]).unwrap_err();
    assert!(matches!(err, ImageError::Directory(_)), "{err}");
}

#[test]
fn a_device_is_refused() {
    let err = inspect(Path::new("/dev/null"), &[]).unwrap_err();
    assert!(matches!(err, ImageError::NotAFile(_)), "{err}");
}

#[test]
fn a_non_image_file_is_refused() {
    let d = Dir::new("text");
    let p = d.path("notes.img");
    std::fs::write(&p, "these are my notes, not a disk\n".repeat(50_000)).unwrap();
    let err = inspect(&p, &[]).unwrap_err();
    assert!(matches!(err, ImageError::NotAnImage(_)), "{err}");
    let small = d.path("tiny.img");
    std::fs::write(&small, b"hello").unwrap();
    assert!(matches!(
        inspect(&small, &[]).unwrap_err(),
        ImageError::NotAnImage(_)
    ));
}

#[test]
fn a_truncated_qcow2_is_refused() {
    let d = Dir::new("trunc");
    let p = d.path("disk.qcow2");
    create_qcow2(&p, "1G");
    let full = std::fs::read(&p).unwrap();
    std::fs::write(&p, &full[..4096]).unwrap();
    let err = inspect(&p, &[]).unwrap_err();
    assert!(matches!(err, ImageError::Truncated(_)), "{err}");
    std::fs::write(&p, &full[..40]).unwrap();
    assert!(matches!(
        inspect(&p, &[]).unwrap_err(),
        ImageError::Truncated(_)
    ));
}

#[test]
fn a_format_that_contradicts_the_name_is_refused() {
    let d = Dir::new("mismatch");
    let raw_named_qcow2 = d.path("disk.qcow2");
    raw_disk(&raw_named_qcow2);
    let err = inspect(&raw_named_qcow2, &[]).unwrap_err();
    assert!(
        err.to_string().contains("named .qcow2 but is a raw image"),
        "{err}"
    );
    let qcow2_named_raw = d.path("disk.raw");
    create_qcow2(&qcow2_named_raw, "1G");
    let err = inspect(&qcow2_named_raw, &[]).unwrap_err();
    assert!(
        err.to_string().contains("named .raw but is a qcow2 image"),
        "{err}"
    );
    // .img is used for both (cloud images are often qcow2 named .img): accepted.
    let img = d.path("cloud.img");
    create_qcow2(&img, "1G");
    assert_eq!(inspect(&img, &[]).unwrap().format, ImageFormat::Qcow2);
}

#[test]
fn a_backing_file_outside_the_directory_is_refused() {
    let d = Dir::new("shadow");
    let p = d.path("evil.qcow2");
    // -u: do not open the backing file while creating (we are not reading /etc/shadow).
    qcow2_backed_by(p.to_str().unwrap(), "/etc/shadow", "raw");
    let err = inspect(&p, &[]).unwrap_err();
    assert!(matches!(err, ImageError::UnsafeBacking { .. }), "{err}");
    assert!(err.to_string().contains("/etc/shadow"), "{err}");
    assert!(
        err.to_string()
            .contains("outside the image's own directory"),
        "{err}"
    );

    let relative = d.path("sneaky.qcow2");
    qcow2_backed_by(relative.to_str().unwrap(), "../../../../etc/passwd", "raw");
    assert!(matches!(
        inspect(&relative, &[]).unwrap_err(),
        ImageError::UnsafeBacking { .. }
    ));
}

#[test]
fn a_backing_device_or_network_source_is_refused() {
    let d = Dir::new("device");
    let dev = d.path("dev.qcow2");
    qcow2_backed_by(dev.to_str().unwrap(), "/dev/sda", "raw");
    let err = inspect(&dev, &[]).unwrap_err();
    assert!(matches!(err, ImageError::UnsafeBacking { .. }), "{err}");
    let net = d.path("net.qcow2");
    qcow2_backed_by(net.to_str().unwrap(), "nbd://127.0.0.1:10809/x", "raw");
    let err = inspect(&net, &[]).unwrap_err();
    assert!(err.to_string().contains("network or JSON source"), "{err}");
}

#[test]
fn a_backing_file_the_user_chose_is_allowed_elsewhere() {
    let base_dir = Dir::new("chosen-base");
    let top_dir = Dir::new("chosen-top");
    let base = base_dir.path("base.qcow2");
    create_qcow2(&base, "1G");
    let top = top_dir.path("top.qcow2");
    qcow2_backed_by(top.to_str().unwrap(), base.to_str().unwrap(), "qcow2");
    assert!(inspect(&top, &[]).is_err());
    let info = inspect(&top, std::slice::from_ref(&base)).unwrap();
    assert_eq!(info.backing_chain.len(), 1);
}

#[test]
fn unsupported_formats_say_how_to_convert() {
    let d = Dir::new("vmdk");
    let p = d.path("disk.vmdk");
    qemu_img(&["create", "-q", "-f", "vmdk", p.to_str().unwrap(), "1G"]);
    let err = inspect(&p, &[]).unwrap_err();
    assert!(err.to_string().contains("VMDK"), "{err}");
    assert!(err.to_string().contains("qemu-img convert"), "{err}");
}

#[test]
fn inspection_never_writes() {
    let d = Dir::new("readonly");
    let p = d.path("disk.qcow2");
    create_qcow2(&p, "1G");
    let before = std::fs::read(&p).unwrap();
    let mtime = std::fs::metadata(&p).unwrap().modified().unwrap();
    inspect(&p, &[]).unwrap();
    assert_eq!(std::fs::read(&p).unwrap(), before);
    assert_eq!(std::fs::metadata(&p).unwrap().modified().unwrap(), mtime);
}
