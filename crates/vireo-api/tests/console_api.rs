//! The console API as the window uses it, against the test guest on qemu:///system (TCG):
//! frames with backpressure, keys by `KeyboardEvent.code`, and the errors a user can hit.

use std::path::PathBuf;
use std::sync::mpsc::channel;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use vireo_api::*;
use vireo_domain::DomainType;

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

fn wait_for_text(log: &std::path::Path, text: &str, secs: u64) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(secs) {
        if std::fs::read_to_string(log).is_ok_and(|t| t.contains(text)) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("'{text}' not in {} after {secs} s", log.display());
}

/// A US-layout typist: (KeyboardEvent.code, KeyboardEvent.key, shift).
fn keys_for(c: char) -> (String, String, bool) {
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

#[test]
fn console_streams_frames_with_backpressure_and_types_into_the_guest() {
    let pid = std::process::id();
    let image = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/test-guest/test-guest.qcow2")
        .canonicalize()
        .expect("the test guest is built by make test");
    let conn = vireo_libvirt::open(URI).unwrap();
    let guest = Guest {
        name: format!("vireo-console-{pid}"),
        pool: format!("vireo-console-pool-{pid}"),
        dir: PathBuf::from("/var/tmp").join(format!("vireo-console-{pid}")),
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
        path: image.display().to_string(),
        mode: ImportMode::Overlay,
    };
    req.serial_log = Some(log.display().to_string());
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

    let inv = Inventory::with_config_dir(|_| {}, None);
    inv.open_transient("sys", "System", URI);
    let deadline = Instant::now() + Duration::from_secs(10);
    while inv.open_connection("sys").is_err() {
        assert!(Instant::now() < deadline, "connected");
        std::thread::sleep(Duration::from_millis(50));
    }
    let consoles = Consoles::default();
    let vm = VmRef {
        connection: "sys".into(),
        uuid: created.uuid.clone(),
    };

    // Shut off: a clear refusal.
    let err = console_open(
        &inv,
        &consoles,
        ConsoleOpenRequest { vm: vm.clone() },
        Box::new(|_| {}),
    )
    .unwrap_err();
    assert_eq!(err.code, Code::InvalidState);
    assert!(err.message.contains("not running"), "{}", err.message);

    conn.lookup_domain_by_uuid_string(&created.uuid)
        .unwrap()
        .create()
        .unwrap();
    wait_for_text(&log, "VIREO-TEST-GUEST-READY", 120);

    let (tx, rx) = channel::<Vec<u8>>();
    let tx = Mutex::new(tx);
    let opened = console_open(
        &inv,
        &consoles,
        ConsoleOpenRequest { vm: vm.clone() },
        Box::new(move |m| drop(tx.lock().unwrap().send(m))),
    )
    .unwrap();
    assert!(opened.width >= 640 && opened.height >= 400);

    let first = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("a first frame");
    assert_eq!(first[0], vireo_vnc::stream::FRAME);
    let w = u16::from_le_bytes([first[1], first[2]]);
    let h = u16::from_le_bytes([first[3], first[4]]);
    assert_eq!((w, h), (opened.width, opened.height));
    let lit = first[7 + 8..]
        .chunks(4)
        .filter(|p| p[..3] != [0, 0, 0])
        .count();
    assert!(
        lit > 100,
        "the first frame shows the text console ({lit} lit pixels)"
    );

    // Backpressure: without an ack nothing more is sent, even while the screen changes.
    let (code, key, _) = keys_for('x');
    for down in [true, false] {
        console_key(
            &consoles,
            ConsoleKeyRequest {
                id: opened.id,
                code: code.clone(),
                key: key.clone(),
                down,
            },
        )
        .unwrap();
    }
    assert!(
        rx.recv_timeout(Duration::from_millis(1500)).is_err(),
        "no frame may be sent before the page acknowledged the last one"
    );
    console_ack(&consoles, opened.id).unwrap();
    rx.recv_timeout(Duration::from_secs(5))
        .expect("the coalesced change follows the ack");
    console_ack(&consoles, opened.id).unwrap();

    // Clear the stray 'x', then type a command whose output goes to the serial port.
    for down in [true, false] {
        let (code, key) = ("Backspace".to_string(), "Backspace".to_string());
        console_key(
            &consoles,
            ConsoleKeyRequest {
                id: opened.id,
                code,
                key,
                down,
            },
        )
        .unwrap();
    }
    let typed = Instant::now();
    for c in "echo vireo-console-ok >/dev/ttyS0\n".chars() {
        let (code, key, shift) = keys_for(c);
        let press = |code: &str, key: &str, down: bool| {
            let req = ConsoleKeyRequest {
                id: opened.id,
                code: code.into(),
                key: key.into(),
                down,
            };
            console_key(&consoles, req).unwrap();
        };
        if shift {
            press("ShiftLeft", "Shift", true);
        }
        press(&code, &key, true);
        press(&code, &key, false);
        if shift {
            press("ShiftLeft", "Shift", false);
        }
        // Keep frames flowing as the page would.
        while rx.try_recv().is_ok() {
            console_ack(&consoles, opened.id).unwrap();
        }
    }
    wait_for_text(&log, "vireo-console-ok", 30);
    println!(
        "keys → command output on the serial port: {:?}",
        typed.elapsed()
    );

    let err = console_key(
        &consoles,
        ConsoleKeyRequest {
            id: opened.id,
            code: "Nope".into(),
            key: "Unidentified".into(),
            down: true,
        },
    )
    .unwrap_err();
    assert_eq!(err.code, Code::InvalidInput);
    console_close(&consoles, opened.id).unwrap();
    console_close(&consoles, opened.id).expect("closing twice is harmless");
    let err = console_ack(&consoles, opened.id).unwrap_err();
    assert_eq!(err.code, Code::NotFound);
}
