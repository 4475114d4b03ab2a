//! The bootable test guest on qemu:///system (TCG) for the API's integration tests: defined as
//! a linked overlay in a private pool, its serial port logged to a file, and removed with its
//! pool and directory whatever happens.

#![allow(dead_code)] // each test file uses its own part of it

pub mod page;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use vireo_api::{CreateRequest, ImportMode, Source};
use vireo_domain::DomainType;

pub const URI: &str = "qemu:///system";

pub struct Guest {
    pub name: String,
    pub pool: String,
    pub dir: PathBuf,
    /// The guest's serial port.
    pub log: PathBuf,
    pub uuid: String,
}

impl Guest {
    /// Defines (does not start) the test guest as `<prefix>-<pid>`.
    pub fn define(prefix: &str) -> Guest {
        let pid = std::process::id();
        let image = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../target/test-guest/test-guest.qcow2")
            .canonicalize()
            .expect("the test guest is built by make test");
        let conn = vireo_libvirt::open(URI).unwrap();
        let dir = PathBuf::from("/var/tmp").join(format!("{prefix}-{pid}"));
        let mut guest = Guest {
            name: format!("{prefix}-{pid}"),
            pool: format!("{prefix}-pool-{pid}"),
            log: dir.join("serial.log"),
            dir,
            uuid: String::new(),
        };
        std::fs::create_dir_all(&guest.dir).unwrap();
        let pool_xml = format!(
            "<pool type='dir'><name>{}</name><target><path>{}</path></target></pool>",
            guest.pool,
            guest.dir.display()
        );
        conn.create_storage_pool_xml(&pool_xml, 0).unwrap();
        let mut req = CreateRequest::empty(&guest.name, 256, 1, 1);
        req.pool = Some(guest.pool.clone());
        req.source = Source::Import {
            path: image.display().to_string(),
            mode: ImportMode::Overlay,
        };
        req.serial_log = Some(guest.log.display().to_string());
        let host = vireo_create::HostLimits {
            memory: 8 << 30,
            cpus: 2,
            domain_type: DomainType::Qemu,
        };
        let created = vireo_create::create(
            &conn,
            &req,
            &host,
            &|_| {},
            &vireo_create::Cancel::default(),
        )
        .unwrap();
        guest.uuid = created.uuid;
        guest
    }

    /// Starts the guest and waits until it says it is ready on its serial port.
    pub fn boot(&self) {
        vireo_libvirt::open(URI)
            .unwrap()
            .lookup_domain_by_uuid_string(&self.uuid)
            .unwrap()
            .create()
            .unwrap();
        wait_for_text(&self.log, "VIREO-TEST-GUEST-READY", 120);
    }
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

/// Waits for `text` in the file `log`; how long it took.
pub fn wait_for_text(log: &Path, text: &str, secs: u64) -> Duration {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(secs) {
        if std::fs::read_to_string(log).is_ok_and(|t| t.contains(text)) {
            return start.elapsed();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let tail: String = std::fs::read_to_string(log)
        .unwrap_or_default()
        .chars()
        .rev()
        .take(600)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    panic!(
        "'{text}' not in {} after {secs} s; it ends with:\n{tail}",
        log.display()
    );
}

/// An inventory with qemu:///system open as connection "sys", once it is connected.
pub fn system_inventory() -> vireo_api::Inventory {
    let inv = vireo_api::Inventory::with_config_dir(|_| {}, None);
    inv.open_transient("sys", "System", URI);
    let deadline = Instant::now() + Duration::from_secs(10);
    while inv.open_connection("sys").is_err() {
        assert!(Instant::now() < deadline, "connected");
        std::thread::sleep(Duration::from_millis(50));
    }
    inv
}

/// A US-layout typist: (KeyboardEvent.code, KeyboardEvent.key, shift).
pub fn keys_for(c: char) -> (String, String, bool) {
    match c {
        'a'..='z' => (
            format!("Key{}", c.to_ascii_uppercase()),
            c.to_string(),
            false,
        ),
        'S' => ("KeyS".into(), "S".into(), true),
        '-' => ("Minus".into(), "-".into(), false),
        '/' => ("Slash".into(), "/".into(), false),
        ' ' => ("Space".into(), " ".into(), false),
        '>' => ("Period".into(), ">".into(), true),
        '0'..='9' => (format!("Digit{c}"), c.to_string(), false),
        '\n' => ("Enter".into(), "Enter".into(), false),
        other => panic!("no key for {other:?}"),
    }
}
