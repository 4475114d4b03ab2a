//! Against real QEMU on qemu:///system (TCG): the test guest's screen over libvirt's
//! graphics socket (no TCP, no password), and typing into it with QEMU extended key events.
//! The typed command writes to the serial port, whose log is the witness that the keys
//! arrived as the right characters.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use vireo_create::{create, Cancel, CreateRequest, HostLimits, ImportMode, Source};
use vireo_domain::DomainType;
use vireo_vnc::{ConsoleEvent, ConsoleSession};

const URI: &str = "qemu:///system";

struct Guest {
    name: String,
    pool: String,
    dir: PathBuf,
}

impl Drop for Guest {
    fn drop(&mut self) {
        if let Ok(conn) = vireo_libvirt::open(URI) {
            if let Ok(dom) = conn.lookup_domain_by_name(&self.name) {
                let _ = dom.destroy();
                let _ = dom.undefine();
            }
            if let Ok(pool) = conn.lookup_storage_pool_by_name(&self.pool) {
                let _ = pool.destroy();
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn wait_for_text(log: &Path, text: &str, secs: u64) -> Duration {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(secs) {
        if std::fs::read_to_string(log).is_ok_and(|t| t.contains(text)) {
            return start.elapsed();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("'{text}' not in {} after {secs} s", log.display());
}

/// US-layout keysym and XT (set 1) scancode, and whether Shift is needed.
fn key(c: char) -> (u32, u32, bool) {
    const LETTERS: &[u8; 26] = b"\x1e\x30\x2e\x20\x12\x21\x22\x23\x17\x24\x25\x26\x32\x31\x18\x19\x10\x13\x1f\x14\x16\x2f\x11\x2d\x15\x2c";
    match c {
        'a'..='z' => (c as u32, LETTERS[(c as u8 - b'a') as usize] as u32, false),
        'A'..='Z' => (c as u32, LETTERS[(c as u8 - b'A') as usize] as u32, true),
        '1'..='9' => (c as u32, (c as u8 - b'1' + 2) as u32, false),
        '0' => (c as u32, 0x0b, false),
        ' ' => (0x20, 0x39, false),
        '-' => (0x2d, 0x0c, false),
        '/' => (0x2f, 0x35, false),
        '.' => (0x2e, 0x34, false),
        '>' => (0x3e, 0x34, true),
        '\n' => (0xff0d, 0x1c, false),
        other => panic!("no key for {other:?}"),
    }
}

fn type_text(session: &ConsoleSession, text: &str) {
    const SHIFT: (u32, u32) = (0xffe1, 0x2a);
    for c in text.chars() {
        let (sym, code, shift) = key(c);
        if shift {
            session.send_key(SHIFT.0, SHIFT.1, true).unwrap();
        }
        session.send_key(sym, code, true).unwrap();
        session.send_key(sym, code, false).unwrap();
        if shift {
            session.send_key(SHIFT.0, SHIFT.1, false).unwrap();
        }
    }
}

#[test]
fn the_test_guest_screen_and_keyboard_over_libvirt() {
    let pid = std::process::id();
    let guest_image = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/test-guest/test-guest.qcow2")
        .canonicalize()
        .expect("the test guest is built by make test (tests/fixtures/build-test-guest.sh)");
    let conn = vireo_libvirt::open(URI).expect("qemu:///system");
    let guest = Guest {
        name: format!("vireo-vnc-{pid}"),
        pool: format!("vireo-vnc-pool-{pid}"),
        dir: PathBuf::from("/var/tmp").join(format!("vireo-vnc-{pid}")),
    };
    std::fs::create_dir_all(&guest.dir).unwrap();
    let pool_xml = format!(
        "<pool type='dir'><name>{}</name><target><path>{}</path></target></pool>",
        guest.pool,
        guest.dir.display()
    );
    conn.create_storage_pool_xml(&pool_xml, 0).unwrap();
    let log = guest.dir.join("serial.log");
    let mut req = CreateRequest::empty(&guest.name, 256, 1, 1);
    req.pool = Some(guest.pool.clone());
    req.source = Source::Import {
        path: guest_image.display().to_string(),
        mode: ImportMode::Overlay,
    };
    req.serial_log = Some(log.display().to_string());
    req.start = true;
    let host = HostLimits {
        memory: 8 << 30,
        cpus: 2,
        domain_type: DomainType::Qemu,
    };
    let created = create(&conn, &req, &host, &|_| {}, &Cancel::default()).unwrap();
    wait_for_text(&log, "VIREO-TEST-GUEST-READY", 120);

    let dom = conn.lookup_domain_by_uuid_string(&created.uuid).unwrap();
    let started = Instant::now();
    let socket = vireo_libvirt::ffi::open_graphics(&dom).expect("graphics socket from libvirt");
    let (mut session, events) = ConsoleSession::connect_unix(socket).expect("RFB handshake");
    let mut first_frame = None;
    while let Ok(ev) = events.recv_timeout(Duration::from_secs(10)) {
        if let ConsoleEvent::Updated { .. } = ev {
            first_frame = Some(started.elapsed());
            break;
        }
    }
    let first_frame = first_frame.expect("a framebuffer update within 10 s");
    // Let the first full frame and its follow-ups land.
    let settle = Instant::now();
    while settle.elapsed() < Duration::from_millis(1500) {
        let _ = events.recv_timeout(Duration::from_millis(100));
    }
    let (w, h, lit) = session.with_framebuffer(|fb| {
        let lit = fb
            .pixels()
            .iter()
            .filter(|p| **p & 0x00ff_ffff != 0)
            .count();
        (fb.width(), fb.height(), lit)
    });
    println!("first frame {w}x{h} after {first_frame:?}, {lit} lit pixels");
    assert!(w >= 640 && h >= 400, "{w}x{h}");
    assert!(lit > 100, "the text console shows something");
    assert!(
        session.supports_extended_keys(),
        "QEMU offers extended key events"
    );

    // Non-US-safe path: scancodes travel with the keysyms. The VGA shell runs the command;
    // its output lands in the serial log.
    let typed = Instant::now();
    type_text(&session, "echo vireo-vnc-ok >/dev/ttyS0\n");
    wait_for_text(&log, "vireo-vnc-ok", 30);
    println!(
        "typed command ran, output on the serial port {:?} after the first key",
        typed.elapsed()
    );
    session.close();
}
