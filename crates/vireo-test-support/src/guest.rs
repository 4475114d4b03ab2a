//! The bootable test guest: a linked overlay of `target/test-guest/test-guest.qcow2` in a
//! private pool, its serial port logged to a file, defined through `vireo_create` (so the
//! tests boot what Vireo itself would create) and removed with its pool and files whatever
//! happens.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use vireo_create::{create, Cancel, CreateRequest, HostLimits, ImportMode, Source};
use vireo_domain::DomainType;

pub const SYSTEM_URI: &str = "qemu:///system";
/// What the guest prints on its serial port once it is up.
pub const READY_MARKER: &str = "VIREO-TEST-GUEST-READY";

/// The test guest's disk image (read-only: every guest is an overlay of it).
pub fn test_guest_image() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/test-guest/test-guest.qcow2")
        .canonicalize()
        .expect("the test guest is built by make test (tests/fixtures/build-test-guest.sh)")
}

/// A test guest named `<prefix>-<pid>`; dropping it destroys and undefines it, its pool and
/// its directory.
pub struct TestGuest {
    pub name: String,
    pub pool: String,
    /// The pool's directory, also the home of the serial log.
    pub dir: PathBuf,
    /// The guest's serial port.
    pub log: PathBuf,
    pub uuid: String,
}

impl TestGuest {
    /// Defines (does not start) the test guest.
    pub fn define(prefix: &str) -> TestGuest {
        TestGuest::define_with(prefix, |_| {})
    }

    /// Defines the test guest from a request `adjust` may change (a network, more memory).
    pub fn define_with(prefix: &str, adjust: impl FnOnce(&mut CreateRequest)) -> TestGuest {
        let pid = std::process::id();
        let image = test_guest_image();
        let conn = vireo_libvirt::open(SYSTEM_URI).expect("qemu:///system");
        let dir = PathBuf::from("/var/tmp").join(format!("{prefix}-{pid}"));
        let mut guest = TestGuest {
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
        adjust(&mut req);
        let host = HostLimits {
            memory: 8 << 30,
            cpus: 2,
            domain_type: DomainType::Qemu,
        };
        guest.uuid = create(&conn, &req, &host, &|_| {}, &Cancel::default())
            .unwrap()
            .uuid;
        guest
    }

    /// Defines the guest and boots it.
    pub fn booted(prefix: &str) -> TestGuest {
        let guest = TestGuest::define(prefix);
        guest.boot();
        guest
    }

    /// Starts the guest and waits until it says it is ready on its serial port.
    pub fn boot(&self) {
        vireo_libvirt::open(SYSTEM_URI)
            .unwrap()
            .lookup_domain_by_uuid_string(&self.uuid)
            .unwrap()
            .create()
            .unwrap();
        wait_for_text(&self.log, READY_MARKER, 120);
    }

    pub fn serial_log(&self) -> &Path {
        &self.log
    }

    /// A new connection to the guest's VNC server through libvirt (no TCP, no password).
    pub fn graphics_socket(&self) -> std::os::unix::net::UnixStream {
        let conn = vireo_libvirt::open(SYSTEM_URI).expect("qemu:///system");
        let dom = conn.lookup_domain_by_uuid_string(&self.uuid).unwrap();
        vireo_libvirt::open_graphics_socket(&dom).expect("graphics socket from libvirt")
    }
}

impl Drop for TestGuest {
    fn drop(&mut self) {
        if let Ok(conn) = vireo_libvirt::open(SYSTEM_URI) {
            if let Ok(dom) = conn.lookup_domain_by_name(&self.name) {
                let _ = dom.destroy();
                // A UEFI guest is undefined only with its NVRAM.
                // A guest with snapshots, only with their metadata.
                let _ = dom
                    .undefine_flags(
                        virt::sys::VIR_DOMAIN_UNDEFINE_NVRAM
                            | virt::sys::VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA,
                    )
                    .or_else(|_| dom.undefine());
            }
            if let Ok(pool) = conn.lookup_storage_pool_by_name(&self.pool) {
                let _ = pool.destroy();
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Waits for `text` in the file `log`; how long it took. Fails the test after `secs` with
/// the log's end, which says what the guest did instead.
pub fn wait_for_text(log: &Path, text: &str, secs: u64) -> Duration {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(secs) {
        if std::fs::read_to_string(log).is_ok_and(|t| t.contains(text)) {
            return start.elapsed();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let text_now = std::fs::read_to_string(log).unwrap_or_default();
    let tail: String = {
        let chars: Vec<char> = text_now.chars().collect();
        chars[chars.len().saturating_sub(600)..].iter().collect()
    };
    panic!(
        "'{text}' not in {} after {secs} s; it ends with:\n{tail}",
        log.display()
    );
}
