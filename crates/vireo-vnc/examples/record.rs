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

fn connect(guest: &guest::Guest, name: &'static str) -> Recording {
    let socket = guest.graphics_socket();
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

fn main() {
    let guest = guest::Guest::boot("vireo-vncrec");
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
    guest::wait_for_text(&guest.serial_log(), "Vireo records", 30);
    settle(&recordings, Duration::from_secs(3), Duration::from_secs(60));

    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    std::fs::create_dir_all(&dir).unwrap();
    for mut r in recordings {
        let _ = r.socket.shutdown(Shutdown::Both);
        r.session.close();
        let bytes = r.bytes.lock().unwrap().clone();
        if r.name == "tight-jpeg" && r.session.rect_counts().tight_jpeg == 0 {
            // QEMU sends JPEG only with its `lossy` VNC option (libvirt does not set it) and
            // only for many-coloured areas, which a text console does not have: such a
            // recording would equal the Tight one, so it is not kept.
            println!("tight-jpeg: no JPEG rectangles, not kept");
            continue;
        }
        let path = dir.join(format!("qemu-{}.rfb.gz", r.name));
        let mut gz = GzEncoder::new(Vec::new(), Compression::best());
        gz.write_all(&bytes).unwrap();
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
}
