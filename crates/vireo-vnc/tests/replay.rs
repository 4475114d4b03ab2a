//! Replays what real QEMU 7.2 sent (recorded by `examples/record.rs`; re-record with
//! `cargo run -p vireo-vnc --example record`): the test guest's text console with a typed
//! command, received at the same time over one ZRLE-only and one Tight-only connection.
//! Each must decode without error to its last byte, and both must end on the same screen.
//! A third, `qemu-tight-jpeg`, is the graphics guest with QEMU's `lossy` option: its JPEG
//! rectangles must decode too.

use std::io::{self, Read};
use std::path::PathBuf;
use std::time::Duration;

use flate2::read::GzDecoder;
use vireo_vnc::{ConsoleEvent, ConsoleSession, Framebuffer, RectCounts};

fn recording(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(format!("qemu-{name}.rfb.gz"));
    let mut bytes = Vec::new();
    GzDecoder::new(std::fs::File::open(&path).expect("recording"))
        .read_to_end(&mut bytes)
        .unwrap();
    bytes
}

/// Feeds a recording to a session as if it were the server; returns the final screen.
fn replay(name: &str) -> (Framebuffer, RectCounts) {
    replay_sized(name, (720, 400))
}

/// As `replay`, for a recording of a `size` screen.
fn replay_sized(name: &str, size: (u16, u16)) -> (Framebuffer, RectCounts) {
    let mut bytes = recording(name);
    // A Bell after the last recorded message: it is only seen if the recording ended on a
    // message boundary, i.e. every recorded message was decoded whole.
    bytes.push(2);
    let (mut session, events) =
        ConsoleSession::new(Box::new(io::Cursor::new(bytes)), Box::new(io::sink()));
    let info = session.handshake().expect("recorded handshake").clone();
    assert_eq!((info.width, info.height), size, "{name}: screen size");
    let mut last = None;
    loop {
        match events.recv_timeout(Duration::from_secs(10)).expect("event") {
            ConsoleEvent::Closed { reason } => {
                // The end of the recording, not a decoding error.
                assert!(
                    reason.starts_with("connection I/O failed"),
                    "{name}: {reason}"
                );
                break;
            }
            other => last = Some(other),
        }
    }
    assert_eq!(
        last,
        Some(ConsoleEvent::Bell),
        "{name}: ended inside a message"
    );
    let fb = session.with_framebuffer(Framebuffer::clone);
    (fb, session.rect_counts())
}

#[test]
fn recorded_zrle_and_tight_sessions_decode_to_the_same_screen() {
    let (zrle, zrle_counts) = replay("zrle");
    let (tight, tight_counts) = replay("tight");
    assert!(zrle_counts.zrle > 10, "{zrle_counts:?}");
    assert!(
        tight_counts.tight_basic > 10 && tight_counts.tight_fill > 0,
        "{tight_counts:?}"
    );
    assert_eq!(tight_counts.zrle + zrle_counts.tight_basic, 0);

    // The console shows text: several colours' worth of lit pixels, not a blank screen.
    let lit = zrle
        .pixels()
        .iter()
        .filter(|p| **p & 0xFF_FFFF != 0)
        .count();
    assert!(lit > 2000, "{lit} lit pixels");
    let differing = zrle
        .pixels()
        .iter()
        .zip(tight.pixels())
        .filter(|(a, b)| a != b)
        .count();
    assert_eq!(
        differing, 0,
        "ZRLE and Tight screens differ in {differing} pixels"
    );
}

#[test]
fn recorded_tight_jpeg_session_decodes_its_jpeg_rects() {
    // QEMU with `lossy=on` (see examples/record.rs) while random bytes flood the top 16 rows
    // of a 640x480 framebuffer: JPEG there, Tight's lossless kinds for the rest.
    let (screen, counts) = replay_sized("tight-jpeg", (640, 480));
    assert!(counts.tight_jpeg >= 3, "{counts:?}");
    assert!(counts.tight_basic + counts.tight_fill > 0, "{counts:?}");
    // The flooded rows hold many colours; JPEG of noise is noise, not a flat colour.
    let top: std::collections::HashSet<u32> = screen.pixels()[..640 * 16].iter().copied().collect();
    assert!(
        top.len() > 1000,
        "{} colours in the flooded rows",
        top.len()
    );
}

#[test]
fn every_truncation_of_a_recording_ends_cleanly() {
    // Cut the Tight recording after the handshake at every byte (step 7 keeps it quick but
    // still lands inside every kind of field); each cut must close the session with an error.
    let bytes = recording("tight");
    for len in (0..bytes.len()).step_by(7) {
        let (mut session, events) = ConsoleSession::new(
            Box::new(io::Cursor::new(bytes[..len].to_vec())),
            Box::new(io::sink()),
        );
        if session.handshake().is_err() {
            continue;
        }
        loop {
            if let ConsoleEvent::Closed { .. } =
                events.recv_timeout(Duration::from_secs(10)).expect("event")
            {
                break;
            }
        }
    }
}
