//! Against real QEMU on qemu:///system (TCG): the test guest's screen over libvirt's
//! graphics socket (no TCP, no password), and typing into it with QEMU extended key events.
//! The typed command writes to the serial port, whose log is the witness that the keys
//! arrived as the right characters.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use vireo_create::{create, Cancel, CreateRequest, HostLimits, ImportMode, Source};
use vireo_domain::DomainType;
use vireo_vnc::{keymap, ConsoleEvent, ConsoleSession};

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

/// The physical key a US-layout user presses for `c` (`KeyboardEvent.code`), and Shift —
/// what the page will hand the engine; `keymap` turns it into scancode and keysym.
fn key(c: char) -> (u32, u32, bool) {
    let (code, shift) = match c {
        'a'..='z' => (format!("Key{}", c.to_ascii_uppercase()), false),
        'A'..='Z' => (format!("Key{c}"), true),
        '0'..='9' => (format!("Digit{c}"), false),
        ' ' => ("Space".into(), false),
        '-' => ("Minus".into(), false),
        '/' => ("Slash".into(), false),
        '.' => ("Period".into(), false),
        '>' => ("Period".into(), true),
        '\n' => ("Enter".into(), false),
        other => panic!("no key for {other:?}"),
    };
    let key_name = if c == '\n' {
        "Enter".to_string()
    } else {
        c.to_string()
    };
    let scancode = keymap::scancode(&code).expect("known code");
    (
        keymap::keysym(&key_name).expect("known key"),
        scancode,
        shift,
    )
}

fn type_text(session: &ConsoleSession, text: &str) {
    let shift_key = (
        keymap::keysym("Shift").unwrap(),
        keymap::scancode("ShiftLeft").unwrap(),
    );
    for c in text.chars() {
        let (sym, code, shift) = key(c);
        if shift {
            session.send_key(shift_key.0, shift_key.1, true).unwrap();
        }
        session.send_key(sym, code, true).unwrap();
        session.send_key(sym, code, false).unwrap();
        if shift {
            session.send_key(shift_key.0, shift_key.1, false).unwrap();
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
    // Tight is preferred and QEMU uses it; QEMU 7.2 offers neither fences nor continuous
    // updates, so the session keeps asking for updates.
    let counts = session.rect_counts();
    println!("rectangles so far: {counts:?}");
    assert!(
        counts.tight_basic + counts.tight_fill > 0 && counts.zrle == 0,
        "{counts:?}"
    );
    assert!(!session.continuous_updates_active() && !session.supports_fence());

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
