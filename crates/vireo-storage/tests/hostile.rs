//! Hostile images, written byte by byte from QEMU's qcow2 specification
//! (docs/interop/qcow2.txt): each is refused with its own reason before anything else reads
//! it, or accepted with the warning it deserves. A valid image from the same builder, checked
//! by `qemu-img`, shows the builder itself is right.

use std::path::Path;
use std::process::Command;
use std::time::Duration;
use vireo_storage::testing::{feature_names, Qcow2, CLUSTER};
use vireo_storage::{inspect, ImageError, WarningId};

mod common;
use common::Dir;

fn refused(q: &Qcow2, tag: &str) -> ImageError {
    let d = Dir::new(tag);
    let p = d.path("disk.qcow2");
    q.write(&p);
    inspect(&p, &[]).expect_err("a hostile image is refused")
}

fn assert_shown(message: &str) {
    assert!(
        !message
            .chars()
            .any(|c| c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c)),
        "raw control characters in {message:?}"
    );
}

#[test]
fn the_builder_writes_an_image_qemu_accepts() {
    let d = Dir::new("valid");
    let p = d.path("disk.qcow2");
    Qcow2::default().write(&p);
    let info = inspect(&p, &[]).unwrap();
    assert_eq!(info.virtual_size, 1 << 30);
    assert!(info.warnings.is_empty());
    let out = Command::new("qemu-img")
        .args(["check", "-f", "qcow2", p.to_str().unwrap()])
        .output()
        .expect("qemu-img runs");
    assert!(
        out.status.success(),
        "qemu-img check: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_dirty_image_is_accepted_with_a_warning() {
    let d = Dir::new("dirty");
    let p = d.path("disk.qcow2");
    Qcow2 {
        incompat: 1,
        ..Qcow2::default()
    }
    .write(&p);
    let before = std::fs::read(&p).unwrap();
    let info = inspect(&p, &[]).unwrap();
    assert_eq!(info.warnings.len(), 1);
    assert_eq!(info.warnings[0].id, WarningId::DirtyImage);
    assert!(info.warnings[0].message.contains("not closed cleanly"));
    assert_eq!(
        std::fs::read(&p).unwrap(),
        before,
        "never repaired in place"
    );
}

#[test]
fn corrupt_encrypted_and_external_data_images_are_refused() {
    let e = refused(
        &Qcow2 {
            incompat: 2,
            ..Qcow2::default()
        },
        "corrupt",
    );
    assert!(matches!(e, ImageError::Corrupt(_)), "{e}");
    assert!(e.to_string().contains("qemu-img check"), "{e}");

    let e = refused(
        &Qcow2 {
            crypt: 1,
            ..Qcow2::default()
        },
        "aes",
    );
    assert!(matches!(e, ImageError::Encrypted(_)), "{e}");
    let e = refused(
        &Qcow2 {
            crypt: 2,
            ..Qcow2::default()
        },
        "luks",
    );
    assert!(
        e.to_string().contains("encrypted images are not supported"),
        "{e}"
    );

    // The bit and the extension naming a host file, as in the reported attack.
    let data_file = Qcow2 {
        incompat: 4,
        extensions: vec![(0x4441_5441, b"/etc/shadow".to_vec())],
        ..Qcow2::default()
    };
    let e = refused(&data_file, "datafile");
    assert!(matches!(e, ImageError::ExternalData { .. }), "{e}");
    assert!(e.to_string().contains("/etc/shadow"), "{e}");
    assert!(e.to_string().contains("never imports"), "{e}");
    // The extension alone, without the bit, is refused too.
    let e = refused(
        &Qcow2 {
            extensions: vec![(0x4441_5441, b"/dev/sda".to_vec())],
            ..Qcow2::default()
        },
        "datafile-ext",
    );
    assert!(matches!(e, ImageError::ExternalData { .. }), "{e}");
}

#[test]
fn an_external_data_file_made_by_qemu_img_is_refused() {
    let d = Dir::new("qemu-datafile");
    let p = d.path("disk.qcow2");
    let data = d.path("data.raw");
    let out = Command::new("qemu-img")
        .args(["create", "-q", "-f", "qcow2", "-o"])
        .arg(format!("data_file={}", data.display()))
        .arg(&p)
        .arg("64M")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let e = inspect(&p, &[]).unwrap_err();
    assert!(matches!(e, ImageError::ExternalData { .. }), "{e}");
}

#[test]
fn unknown_features_are_named_from_the_image_escaped() {
    let q = Qcow2 {
        incompat: 1 << 9,
        extensions: vec![feature_names(&[(0, 9, "evil\n\u{1b}[31m\u{202e}fx")])],
        ..Qcow2::default()
    };
    let e = refused(&q, "unknown-named");
    let m = e.to_string();
    assert!(matches!(e, ImageError::UnknownFeature { .. }), "{m}");
    assert!(m.contains("'evil\\n\\u{1b}[31m\\u{202e}fx' (bit 9)"), "{m}");
    assert_shown(&m);
    let e = refused(
        &Qcow2 {
            incompat: 1 << 40,
            ..Qcow2::default()
        },
        "unknown-bit",
    );
    assert!(e.to_string().contains("bit 40"), "{e}");
}

#[test]
fn compression_types_and_extended_l2_are_judged() {
    let e = refused(
        &Qcow2 {
            incompat: 8,
            compression: 7,
            ..Qcow2::default()
        },
        "compress-7",
    );
    assert!(
        matches!(e, ImageError::UnsupportedCompression { kind: 7, .. }),
        "{e}"
    );
    let e = refused(
        &Qcow2 {
            compression: 1,
            ..Qcow2::default()
        },
        "compress-nobit",
    );
    assert!(matches!(e, ImageError::BadHeader { .. }), "{e}");
    // What our QEMU writes and opens: zstd and extended L2 entries.
    let d = Dir::new("qemu-features");
    for (name, option) in [
        ("zstd.qcow2", "compression_type=zstd"),
        ("l2.qcow2", "extended_l2=on"),
    ] {
        let p = d.path(name);
        let out = Command::new("qemu-img")
            .args(["create", "-q", "-f", "qcow2", "-o", option])
            .arg(&p)
            .arg("1G")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{option}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        inspect(&p, &[]).unwrap_or_else(|e| panic!("{option}: {e}"));
    }
}

#[test]
fn sizes_qemu_cannot_open_are_refused() {
    for size in [u64::MAX, i64::MAX as u64 + 1] {
        let e = refused(
            &Qcow2 {
                size,
                ..Qcow2::default()
            },
            "size-overflow",
        );
        assert!(matches!(e, ImageError::SizeTooLarge { .. }), "{size}: {e}");
    }
    // 2^60 bytes needs 2^21 L1 entries... of 512-byte clusters it needs far more than QEMU's 32 MiB L1.
    let e = refused(
        &Qcow2 {
            size: 1 << 60,
            cluster_bits: 9,
            ..Qcow2::default()
        },
        "size-l1",
    );
    assert!(
        matches!(
            e,
            ImageError::SizeTooLarge { .. } | ImageError::BadHeader { .. }
        ),
        "{e}"
    );
    let e = refused(
        &Qcow2 {
            l1_size: 1,
            size: 1 << 40,
            ..Qcow2::default()
        },
        "l1-small",
    );
    assert!(e.to_string().contains("L1 table too small"), "{e}");
}

#[test]
fn header_fields_out_of_range_are_refused() {
    let cases: Vec<(&str, Qcow2)> = vec![
        (
            "version 4",
            Qcow2 {
                version: 4,
                ..Qcow2::default()
            },
        ),
        (
            "cluster bits 8",
            Qcow2 {
                cluster_bits: 8,
                ..Qcow2::default()
            },
        ),
        (
            "cluster bits 22",
            Qcow2 {
                cluster_bits: 22,
                ..Qcow2::default()
            },
        ),
        (
            "refcount order",
            Qcow2 {
                refcount_order: 7,
                ..Qcow2::default()
            },
        ),
        (
            "header length",
            Qcow2 {
                header_len: 96,
                ..Qcow2::default()
            },
        ),
        (
            "header length",
            Qcow2 {
                header_len: 0x1_0008,
                ..Qcow2::default()
            },
        ),
        (
            "not aligned",
            Qcow2 {
                l1_offset: 2 * CLUSTER + 8,
                ..Qcow2::default()
            },
        ),
        (
            "no refcount table",
            Qcow2 {
                refcount_offset: 0,
                ..Qcow2::default()
            },
        ),
        (
            "refcount table of",
            Qcow2 {
                refcount_clusters: 1 << 20,
                ..Qcow2::default()
            },
        ),
        (
            "L1 table of",
            Qcow2 {
                l1_size: u32::MAX,
                ..Qcow2::default()
            },
        ),
        (
            "snapshots",
            Qcow2 {
                nb_snapshots: 70_000,
                snapshots_offset: CLUSTER,
                ..Qcow2::default()
            },
        ),
        (
            "snapshot table not aligned",
            Qcow2 {
                nb_snapshots: 1,
                snapshots_offset: 100,
                ..Qcow2::default()
            },
        ),
    ];
    for (why, q) in cases {
        let e = refused(&q, "fields");
        assert!(
            matches!(e, ImageError::BadHeader { .. }),
            "{why}: expected a bad header, got {e}"
        );
        assert!(e.to_string().contains(why), "{why}: {e}");
    }
}

#[test]
fn tables_past_the_end_of_the_file_are_truncation() {
    for q in [
        Qcow2 {
            nb_snapshots: 3,
            snapshots_offset: 100 * CLUSTER,
            ..Qcow2::default()
        },
        Qcow2 {
            l1_offset: 1 << 40,
            ..Qcow2::default()
        },
        Qcow2 {
            refcount_offset: u64::MAX - CLUSTER + 1,
            ..Qcow2::default()
        },
    ] {
        let e = refused(&q, "past-end");
        assert!(
            matches!(e, ImageError::Truncated(_) | ImageError::BadHeader { .. }),
            "{e}"
        );
    }
}

#[test]
fn header_extensions_are_bounded() {
    let many = Qcow2 {
        extensions: (0..100).map(|i| (0x1000 + i, Vec::new())).collect(),
        ..Qcow2::default()
    };
    let e = refused(&many, "many-ext");
    assert!(
        e.to_string().contains("more than 64 header extensions"),
        "{e}"
    );
    // One extension claiming 4 GiB: the length is checked before anything is read.
    let mut bytes = Qcow2::default().bytes();
    bytes[112..116].copy_from_slice(&0x1234u32.to_be_bytes());
    bytes[116..120].copy_from_slice(&u32::MAX.to_be_bytes());
    let d = Dir::new("long-ext");
    let p = d.path("disk.qcow2");
    std::fs::write(&p, bytes).unwrap();
    let e = inspect(&p, &[]).unwrap_err();
    assert!(e.to_string().contains("runs past the header"), "{e}");
}

#[test]
fn backing_protocols_are_refused_as_protocols() {
    for (name, protocol) in [
        ("file:/etc/shadow", "file"),
        ("json:{\"file.filename\":\"/etc/shadow\"}", "json"),
        ("nbd://127.0.0.1:10809/x", "nbd"),
        ("http://example.com/x.qcow2", "http"),
    ] {
        let e = refused(&Qcow2::backed_by(name, "raw"), "protocol");
        let m = e.to_string();
        assert!(
            matches!(e, ImageError::BackingProtocol { .. }),
            "{name}: {m}"
        );
        assert!(m.contains(&format!("the protocol '{protocol}'")), "{m}");
        assert!(!m.contains("does not exist"), "{m}");
    }
}

#[test]
fn a_backing_name_with_control_characters_arrives_escaped() {
    let e = refused(
        &Qcow2::backed_by("base\n\u{1b}[2K\u{202e}2woc.qcow2", "qcow2"),
        "hidden",
    );
    let m = e.to_string();
    assert!(matches!(e, ImageError::HiddenCharacters { .. }), "{m}");
    assert!(m.contains("base\\n\\u{1b}[2K\\u{202e}2woc.qcow2"), "{m}");
    assert_shown(&m);
}

#[test]
fn a_backing_loop_is_named_as_a_loop() {
    let d = Dir::new("loop");
    Qcow2::backed_by("b.qcow2", "qcow2").write(&d.path("a.qcow2"));
    Qcow2::backed_by("a.qcow2", "qcow2").write(&d.path("b.qcow2"));
    let e = inspect(&d.path("a.qcow2"), &[]).unwrap_err();
    let m = e.to_string();
    assert!(matches!(e, ImageError::ChainLoop { .. }), "{m}");
    assert!(m.contains("a.qcow2 → ") && m.contains("b.qcow2"), "{m}");
    // An image that is its own backing file.
    Qcow2::backed_by("self.qcow2", "qcow2").write(&d.path("self.qcow2"));
    let e = inspect(&d.path("self.qcow2"), &[]).unwrap_err();
    assert!(matches!(e, ImageError::ChainLoop { .. }), "{e}");
}

#[test]
fn a_chain_too_deep_says_where_it_stops() {
    let d = Dir::new("deep");
    for i in 0..20 {
        Qcow2::backed_by(&format!("{}.qcow2", i + 1), "qcow2")
            .write(&d.path(&format!("{i}.qcow2")));
    }
    Qcow2::default().write(&d.path("20.qcow2"));
    let e = inspect(&d.path("0.qcow2"), &[]).unwrap_err();
    let m = e.to_string();
    assert!(matches!(e, ImageError::ChainTooDeep { .. }), "{m}");
    assert!(
        m.contains("deeper than 16 images") && m.contains("16.qcow2"),
        "{m}"
    );
}

#[test]
fn the_backing_format_must_agree_with_the_backing_file() {
    let d = Dir::new("format");
    let mut raw = vec![0u8; 1 << 20];
    raw[510] = 0x55;
    raw[511] = 0xaa;
    std::fs::write(d.path("base.img"), raw).unwrap();
    Qcow2::backed_by("base.img", "qcow2").write(&d.path("top.qcow2"));
    let e = inspect(&d.path("top.qcow2"), &[]).unwrap_err();
    assert!(matches!(e, ImageError::BackingFormatMismatch { .. }), "{e}");
    assert!(
        e.to_string().contains("is qcow2, but it is a raw image"),
        "{e}"
    );
    Qcow2::backed_by("base.img", "raw").write(&d.path("ok.qcow2"));
    assert_eq!(
        inspect(&d.path("ok.qcow2"), &[])
            .unwrap()
            .backing_chain
            .len(),
        1
    );
}

#[test]
fn host_system_files_are_refused_also_through_a_link() {
    let e = inspect(Path::new("/etc/passwd"), &[]).unwrap_err();
    assert!(
        matches!(e, ImageError::SystemFile { dir: "/etc", .. }),
        "{e}"
    );
    let d = Dir::new("link-system");
    let link = d.path("innocent.qcow2");
    std::os::unix::fs::symlink("/etc/shadow", &link).unwrap();
    let e = inspect(&link, &[]).unwrap_err();
    let m = e.to_string();
    assert!(matches!(e, ImageError::SystemFile { .. }), "{m}");
    assert!(m.contains("innocent.qcow2 (a link to /etc/shadow)"), "{m}");
}

#[test]
fn a_link_to_a_fifo_is_refused_without_opening_it() {
    // Opening a FIFO for reading blocks until a writer comes: if inspection opened the
    // target, this test would hang instead of getting an answer.
    let d = Dir::new("fifo");
    let fifo = d.path("pipe");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates a file system node.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let link = d.path("disk.qcow2");
    std::os::unix::fs::symlink(&fifo, &link).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let l = link.clone();
    std::thread::spawn(move || {
        let _ = tx.send(inspect(&l, &[]).map_err(|e| e.to_string()));
    });
    let result = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("inspection answered without opening the FIFO");
    let m = result.unwrap_err();
    assert!(
        m.contains("not a regular file") && m.contains("a link to"),
        "{m}"
    );
    // The same FIFO as a backing file.
    Qcow2::backed_by("pipe", "raw").write(&d.path("top.qcow2"));
    let e = inspect(&d.path("top.qcow2"), &[]).unwrap_err();
    assert!(e.to_string().contains("not a regular file"), "{e}");
}

#[test]
fn a_link_is_shown_and_its_real_file_is_used() {
    let real_dir = Dir::new("real");
    let link_dir = Dir::new("links");
    let real = real_dir.path("disk.qcow2");
    Qcow2::default().write(&real);
    let link = link_dir.path("alias.qcow2");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let info = inspect(&link, &[]).unwrap();
    assert_eq!(
        info.path,
        real.canonicalize().unwrap().display().to_string()
    );
    assert_eq!(info.link.as_deref(), Some(link.to_str().unwrap()));
    let dangling = link_dir.path("gone.qcow2");
    std::os::unix::fs::symlink(real_dir.path("nothing.qcow2"), &dangling).unwrap();
    let e = inspect(&dangling, &[]).unwrap_err();
    assert!(matches!(e, ImageError::DanglingLink { .. }), "{e}");
}

#[test]
fn backing_names_are_followed_as_qemu_follows_them() {
    // top names d/b.qcow2; d is a link to sub and sub/b.qcow2 a link back to the image's
    // folder, so b's real file sits beside top. b names c.qcow2: QEMU joins that to d/, the
    // path it opened, not to b's real folder; d/c.qcow2 is a link to a file elsewhere.
    let d = Dir::new("lexical");
    let outside = Dir::new("lexical-outside");
    std::fs::create_dir(d.path("sub")).unwrap();
    std::os::unix::fs::symlink("sub", d.path("d")).unwrap();
    Qcow2::backed_by("c.qcow2", "qcow2").write(&d.path("b2.qcow2"));
    std::os::unix::fs::symlink("../b2.qcow2", d.path("sub/b.qcow2")).unwrap();
    Qcow2::default().write(&d.path("c.qcow2"));
    Qcow2::default().write(&outside.path("secret.qcow2"));
    std::os::unix::fs::symlink(outside.path("secret.qcow2"), d.path("sub/c.qcow2")).unwrap();
    Qcow2::backed_by("d/b.qcow2", "qcow2").write(&d.path("top.qcow2"));
    let e = inspect(&d.path("top.qcow2"), &[]).unwrap_err();
    assert!(
        e.to_string().contains("outside the image's own directory"),
        "the file QEMU would open (d/c.qcow2, a link out) is judged: {e}"
    );
}

#[test]
fn a_header_length_off_the_8_byte_grid_is_refused() {
    let e = refused(
        &Qcow2 {
            header_len: 108,
            ..Qcow2::default()
        },
        "hlen",
    );
    assert!(matches!(e, ImageError::BadHeader { .. }), "{e}");
}

#[test]
fn a_path_with_hidden_characters_is_refused() {
    let d = Dir::new("hidden-path");
    let p = d.path("disk\u{202e}2woc.qcow2");
    Qcow2::default().write(&p);
    let e = inspect(&p, &[]).unwrap_err();
    assert!(matches!(e, ImageError::HiddenPath(_)), "{e}");
    assert!(e.to_string().contains("disk\\u{202e}2woc.qcow2"), "{e}");
}
