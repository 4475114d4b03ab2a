//! The bootable test guest on qemu:///system (TCG), for the real-QEMU test and the recorder
//! example: booted from an overlay in a pool of its own, destroyed and undefined on drop.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use vireo_create::{create, Cancel, CreateRequest, HostLimits, ImportMode, Source};
use vireo_domain::DomainType;
use vireo_vnc::{keymap, ConsoleSession};

pub const URI: &str = "qemu:///system";

/// A running test guest; dropping it destroys the domain, its pool and its files.
pub struct Guest {
    pub name: String,
    pub pool: String,
    pub dir: PathBuf,
    pub uuid: String,
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

impl Guest {
    /// Boots the test guest (built by tests/fixtures/build-test-guest.sh) as `prefix-PID` and
    /// waits for its ready marker on the serial port.
    pub fn boot(prefix: &str) -> Guest {
        let pid = std::process::id();
        let image = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../target/test-guest/test-guest.qcow2")
            .canonicalize()
            .expect("the test guest (tests/fixtures/build-test-guest.sh)");
        let conn = vireo_libvirt::open(URI).expect("qemu:///system");
        let mut guest = Guest {
            name: format!("{prefix}-{pid}"),
            pool: format!("{prefix}-pool-{pid}"),
            dir: PathBuf::from("/var/tmp").join(format!("{prefix}-{pid}")),
            uuid: String::new(),
        };
        std::fs::create_dir_all(&guest.dir).unwrap();
        let pool_xml = format!(
            "<pool type='dir'><name>{}</name><target><path>{}</path></target></pool>",
            guest.pool,
            guest.dir.display()
        );
        conn.create_storage_pool_xml(&pool_xml, 0).unwrap();
        let log = guest.serial_log();
        let mut req = CreateRequest::empty(&guest.name, 256, 1, 1);
        req.pool = Some(guest.pool.clone());
        req.source = Source::Import {
            path: image.display().to_string(),
            mode: ImportMode::Overlay,
        };
        req.serial_log = Some(log.display().to_string());
        req.start = true;
        let host = HostLimits {
            memory: 8 << 30,
            cpus: 2,
            domain_type: DomainType::Qemu,
        };
        guest.uuid = create(&conn, &req, &host, &|_| {}, &Cancel::default())
            .unwrap()
            .uuid;
        wait_for_text(&log, "VIREO-TEST-GUEST-READY", 120);
        guest
    }

    pub fn serial_log(&self) -> PathBuf {
        self.dir.join("serial.log")
    }

    /// A new connection to the guest's VNC server through libvirt (no TCP, no password).
    pub fn graphics_socket(&self) -> std::os::unix::net::UnixStream {
        let conn = vireo_libvirt::open(URI).expect("qemu:///system");
        let dom = conn.lookup_domain_by_uuid_string(&self.uuid).unwrap();
        vireo_libvirt::open_graphics_socket(&dom).expect("graphics socket from libvirt")
    }
}

pub fn wait_for_text(log: &Path, text: &str, secs: u64) -> Duration {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(secs) {
        if std::fs::read_to_string(log).is_ok_and(|t| t.contains(text)) {
            return start.elapsed();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("'{text}' not in {} after {secs} s", log.display());
}

/// The physical key (`KeyboardEvent.code`) a US-layout user presses for `c`, and Shift.
fn key(c: char) -> (String, String, bool) {
    let (code, shift) = match c {
        'a'..='z' => (format!("Key{}", c.to_ascii_uppercase()), false),
        'A'..='Z' => (format!("Key{c}"), true),
        '0'..='9' => (format!("Digit{c}"), false),
        ' ' => ("Space".into(), false),
        '-' => ("Minus".into(), false),
        '/' => ("Slash".into(), false),
        '?' => ("Slash".into(), true),
        '.' => ("Period".into(), false),
        '>' => ("Period".into(), true),
        '\'' => ("Quote".into(), false),
        '"' => ("Quote".into(), true),
        '\\' => ("Backslash".into(), false),
        '[' => ("BracketLeft".into(), false),
        ';' => ("Semicolon".into(), false),
        '\n' => ("Enter".into(), false),
        other => panic!("no key for {other:?}"),
    };
    let name = if c == '\n' {
        "Enter".to_string()
    } else {
        c.to_string()
    };
    (code, name, shift)
}

/// Types `text` key by key through `session` (scancodes when QEMU offers them).
pub fn type_text(session: &ConsoleSession, text: &str) {
    let shift = (
        keymap::keysym("Shift").unwrap(),
        keymap::scancode("ShiftLeft").unwrap(),
    );
    for c in text.chars() {
        let (code, name, shifted) = key(c);
        let sym = keymap::keysym(&name).expect("known key");
        let scancode = keymap::scancode(&code).expect("known code");
        if shifted {
            session.send_key(shift.0, shift.1, true).unwrap();
        }
        session.send_key(sym, scancode, true).unwrap();
        session.send_key(sym, scancode, false).unwrap();
        if shifted {
            session.send_key(shift.0, shift.1, false).unwrap();
        }
    }
}
