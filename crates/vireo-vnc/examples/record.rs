//! Records what QEMU's VNC server sends, for the replay test (tests/replay.rs).
//!
//! Boots the test guest on qemu:///system, opens three connections through libvirt's graphics
//! socket at once — ZRLE only, Tight only (no JPEG quality, so lossless), Tight with JPEG
//! quality 6 — types a command on the text console through the first, waits until all three
//! are idle, and writes every byte each received (handshake included) gzipped to
//! `tests/fixtures/qemu-{zrle,tight}.rfb.gz` (and `qemu-tight-jpeg.rfb.gz` if QEMU sent any
//! JPEG: it does not for the text console, see below).
//!
//! Re-record (needs libvirtd, the test guest from tests/fixtures/build-test-guest.sh, root):
//! `cargo run -p vireo-vnc --example record`, then run `cargo test -p vireo-vnc --test replay`.
//!
//! `cargo run -p vireo-vnc --example record -- jpeg` records `qemu-tight-jpeg.rfb.gz` instead:
//! the graphics test guest (`build-test-guest.sh --graphics`) at 640×480, with QEMU's `lossy`
//! VNC option switched on through `-set vnc.default.lossy=on` (libvirt has no setting for it),
//! while random bytes are written again and again over the top 16 rows of its framebuffer:
//! QEMU sends JPEG only for many-coloured areas that change often.

#[path = "../tests/common/guest.rs"]
mod guest;

use std::io::{Read, Write};
use std::net::Shutdown;
use std::path::PathBuf;
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use flate2::write::GzEncoder;
use flate2::Compression;
use vireo_vnc::{encoding, ConsoleEvent, ConsoleSession};

/// A reader that keeps a copy of every byte it reads.
struct TeeReader {
    inner: std::os::unix::net::UnixStream,
    copy: Arc<Mutex<Vec<u8>>>,
}

impl Read for TeeReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.copy.lock().unwrap().extend_from_slice(&buf[..n]);
        Ok(n)
    }
}

struct Recording {
    name: &'static str,
    session: ConsoleSession,
    events: Receiver<ConsoleEvent>,
    socket: std::os::unix::net::UnixStream,
    bytes: Arc<Mutex<Vec<u8>>>,
}

/// The pseudo-encodings every recording asks for, after its one real encoding.
const PSEUDO: [i32; 8] = [
    encoding::DESKTOP_SIZE,
    encoding::EXTENDED_DESKTOP_SIZE,
    encoding::CURSOR,
    encoding::LAST_RECT,
    encoding::QEMU_EXTENDED_KEY_EVENT,
    encoding::QEMU_LED_STATE,
    encoding::FENCE,
    encoding::CONTINUOUS_UPDATES,
];

/// The encoding lists of the three recordings; the replay test uses the same.
fn encodings(name: &str) -> Vec<i32> {
    let mut list = match name {
        "zrle" => vec![encoding::ZRLE],
        "tight" => vec![encoding::TIGHT, encoding::COMPRESS_LEVEL_0 + 2],
        "tight-jpeg" => vec![
            encoding::TIGHT,
            encoding::JPEG_QUALITY_0 + 6,
            encoding::COMPRESS_LEVEL_0 + 2,
        ],
        other => panic!("unknown recording {other}"),
    };
    list.extend(PSEUDO);
    list
}

fn connect(guest: &guest::TestGuest, name: &'static str) -> Recording {
    record(guest.graphics_socket(), name)
}

fn record(socket: std::os::unix::net::UnixStream, name: &'static str) -> Recording {
    let bytes = Arc::new(Mutex::new(Vec::new()));
    let reader = TeeReader {
        inner: socket.try_clone().unwrap(),
        copy: Arc::clone(&bytes),
    };
    let (mut session, events) =
        ConsoleSession::new(Box::new(reader), Box::new(socket.try_clone().unwrap()));
    session.set_encodings(&encodings(name));
    session.handshake().expect("RFB handshake");
    Recording {
        name,
        session,
        events,
        socket,
        bytes,
    }
}

/// Waits until none of the sessions has reported anything for `quiet`.
fn settle(recordings: &[Recording], quiet: Duration, max: Duration) {
    let start = Instant::now();
    let mut last = Instant::now();
    while last.elapsed() < quiet {
        assert!(start.elapsed() < max, "the screen never settled");
        for r in recordings {
            while let Ok(ev) = r.events.try_recv() {
                if let ConsoleEvent::Closed { reason } = ev {
                    panic!("{} closed: {reason}", r.name);
                }
                last = Instant::now();
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn save(r: &Recording, bytes: &[u8]) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("qemu-{}.rfb.gz", r.name));
    let mut gz = GzEncoder::new(Vec::new(), Compression::best());
    gz.write_all(bytes).unwrap();
    let gz = gz.finish().unwrap();
    std::fs::write(&path, &gz).unwrap();
    let (w, h) = r.session.with_framebuffer(|fb| (fb.width(), fb.height()));
    println!(
        "{}: {} bytes ({} gzipped), {w}x{h}, rects {:?}, continuous updates {}, fence {}",
        path.display(),
        bytes.len(),
        gz.len(),
        r.session.rect_counts(),
        r.session.continuous_updates_active(),
        r.session.supports_fence(),
    );
}

/// The graphics guest with QEMU's lossy VNC option, a Tight+JPEG recording of noise.
fn record_jpeg() {
    let image = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/test-guest/test-guest-gfx.qcow2")
        .canonicalize()
        .expect("the graphics test guest (tests/fixtures/build-test-guest.sh --graphics)");
    let name = format!("vireo-vncrec-jpeg-{}", std::process::id());
    let dir = PathBuf::from("/var/tmp").join(&name);
    std::fs::create_dir_all(&dir).unwrap();
    let overlay = dir.join("overlay.qcow2");
    let made = std::process::Command::new("qemu-img")
        .args(["create", "-q", "-f", "qcow2", "-F", "qcow2", "-b"])
        .arg(&image)
        .arg(&overlay)
        .status()
        .unwrap();
    assert!(made.success(), "qemu-img create");
    let xml = format!(
        "<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>\
         <name>{name}</name><memory unit='MiB'>256</memory><vcpu>1</vcpu>\
         <os><type arch='x86_64' machine='pc'>hvm</type></os><features><acpi/></features>\
         <devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/>\
         <source file='{overlay}'/><backingStore type='file'><format type='qcow2'/>\
         <source file='{image}'><seclabel model='dac' relabel='no'/></source><backingStore/>\
         </backingStore><target dev='vda' bus='virtio'/></disk>\
         <graphics type='vnc'><listen type='none'/></graphics>\
         <video><model type='vga' vram='16384'/></video></devices>\
         <qemu:commandline><qemu:arg value='-set'/><qemu:arg value='vnc.default.lossy=on'/>\
         <qemu:arg value='-global'/><qemu:arg value='VGA.xres=640'/>\
         <qemu:arg value='-global'/><qemu:arg value='VGA.yres=480'/></qemu:commandline>\
         </domain>",
        overlay = overlay.display(),
        image = image.display(),
    );
    let path = dir.join("domain.xml");
    std::fs::write(&path, xml).unwrap();
    /// Destroys the transient domain and removes its files.
    struct Cleanup(String, PathBuf);
    impl Drop for Cleanup {
        fn drop(&mut self) {
            let _ = std::process::Command::new("virsh")
                .args(["-c", guest::SYSTEM_URI, "destroy", &self.0])
                .output();
            let _ = std::fs::remove_dir_all(&self.1);
        }
    }
    let cleanup = Cleanup(name.clone(), dir);
    let created = std::process::Command::new("virsh")
        .args(["-c", guest::SYSTEM_URI, "create"])
        .arg(&path)
        .status()
        .unwrap();
    assert!(created.success(), "virsh create");
    let conn = vireo_libvirt::open(guest::SYSTEM_URI).expect("qemu:///system");
    let dom = conn
        .lookup_domain_by_name(&name)
        .expect("the transient domain");
    // The framebuffer console is up once the screen is 640x480 and has text on it.
    let deadline = Instant::now() + Duration::from_secs(180);
    let mut r = loop {
        assert!(Instant::now() < deadline, "the graphics guest did not boot");
        std::thread::sleep(Duration::from_secs(5));
        let mut r = record(
            vireo_libvirt::open_graphics_socket(&dom).unwrap(),
            "tight-jpeg",
        );
        std::thread::sleep(Duration::from_secs(1));
        let lit = r.session.with_framebuffer(|fb| {
            (
                fb.width(),
                fb.height(),
                fb.pixels().iter().filter(|p| **p & 0xFF_FFFF != 0).count(),
            )
        });
        if lit.0 == 640 && lit.1 == 480 && lit.2 > 2000 {
            break r;
        }
        r.session.close();
    };
    std::thread::sleep(Duration::from_secs(15)); // the rest of the boot
    guest::type_text(
        &r.session,
        "while true; do head -c 40960 /dev/urandom >/dev/fb0; done\n",
    );
    let start = Instant::now();
    while r.session.rect_counts().tight_jpeg < 3 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no JPEG from QEMU: {:?}",
            r.session.rect_counts()
        );
        while r.events.try_recv().is_ok() {}
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = r.socket.shutdown(Shutdown::Both);
    r.session.close();
    let bytes = r.bytes.lock().unwrap().clone();
    save(&r, &bytes);
    drop(cleanup);
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some("jpeg") {
        return record_jpeg();
    }
    let guest = guest::TestGuest::booted("vireo-vncrec");
    let recordings: Vec<Recording> = ["zrle", "tight", "tight-jpeg"]
        .into_iter()
        .map(|name| connect(&guest, name))
        .collect();
    // The cursor still blinks (an update every few hundred ms): just let the first frames land.
    std::thread::sleep(Duration::from_secs(2));
    let typist = &recordings[0].session;
    assert!(typist.supports_extended_keys());
    // Hide the blinking VGA cursor first, so that every connection sees the same final
    // screen whenever it stops; then some text on the console.
    guest::type_text(typist, "printf '\\033[?25l'\n");
    guest::type_text(
        typist,
        "echo Vireo records ZRLE and Tight. 0123456789 >/dev/ttyS0\n",
    );
    guest::wait_for_text(guest.serial_log(), "Vireo records", 30);
    settle(&recordings, Duration::from_secs(3), Duration::from_secs(60));

    for mut r in recordings {
        let _ = r.socket.shutdown(Shutdown::Both);
        r.session.close();
        let bytes = r.bytes.lock().unwrap().clone();
        if r.name == "tight-jpeg" && r.session.rect_counts().tight_jpeg == 0 {
            // QEMU sends JPEG only with its `lossy` VNC option (libvirt does not set it) and
            // only for many-coloured areas, which a text console does not have: such a
            // recording would equal the Tight one, so it is not kept (`record jpeg` makes it).
            println!("tight-jpeg: no JPEG rectangles, not kept");
            continue;
        }
        save(&r, &bytes);
    }
}
