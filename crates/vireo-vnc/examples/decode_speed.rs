//! Measures decode throughput for full 1024x768 frames in Raw, ZRLE and Tight (zlib with the
//! copy filter, and JPEG), and replays the recorded QEMU text-console sessions (ZRLE and
//! Tight, tests/fixtures) to compare the two encodings on what QEMU really sends.
//!
//! Run with `cargo run --release -p vireo-vnc --example decode_speed`.

#[path = "../tests/common/tight_encoder.rs"]
mod tight_encoder;

use std::io::Read;
use std::time::{Duration, Instant};

use flate2::{Compress, Compression, FlushCompress};
use tight_encoder::TightEncoder;
use vireo_vnc::{decode_stream_for_fuzzing, encoding, ConsoleEvent, ConsoleSession};

const W: u16 = 1024;
const H: u16 = 768;
const FRAMES: usize = 50;

fn rect_header(out: &mut Vec<u8>, w: u16, h: u16, enc: i32) {
    for v in [0, 0, w, h] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    out.extend_from_slice(&enc.to_be_bytes());
}

/// A stream that resizes to 1024x768, then sends `FRAMES` full-screen rects
/// produced by `frame`.
fn stream(mut frame: impl FnMut(usize, &mut Vec<u8>)) -> Vec<u8> {
    let mut s = vec![0u8, 0, 0, 1];
    rect_header(&mut s, W, H, encoding::DESKTOP_SIZE);
    for i in 0..FRAMES {
        s.extend_from_slice(&[0, 0, 0, 1]);
        frame(i, &mut s);
    }
    s
}

fn measure(name: &str, s: &[u8]) {
    let start = Instant::now();
    let messages = decode_stream_for_fuzzing(s).expect("valid stream");
    let elapsed = start.elapsed();
    assert_eq!(messages, FRAMES + 1);
    println!(
        "{name}: {:.2} ms per 1024x768 frame ({} KiB on the wire per frame)",
        elapsed.as_secs_f64() * 1000.0 / FRAMES as f64,
        s.len() / FRAMES / 1024
    );
}

fn main() {
    // A gradient with some noise, roughly like a desktop with photos.
    let pixel = |i: usize, x: usize, y: usize| -> u32 {
        ((x * 255 / 1024) as u32) << 16
            | ((y * 255 / 768) as u32) << 8
            | ((x ^ y ^ i) & 0xFF) as u32
    };

    let raw = stream(|i, s| {
        rect_header(s, W, H, encoding::RAW);
        for y in 0..usize::from(H) {
            for x in 0..usize::from(W) {
                s.extend_from_slice(&pixel(i, x, y).to_le_bytes());
            }
        }
    });
    measure("Raw", &raw);

    // ZRLE with mixed tiles: solid background and raw-CPIXEL tiles.
    let mut zlib = Compress::new(Compression::fast(), true);
    let zrle = stream(|i, s| {
        rect_header(s, W, H, encoding::ZRLE);
        let mut tiles = Vec::new();
        for ty in 0..usize::from(H) / 64 {
            for tx in 0..usize::from(W) / 64 {
                if (tx + ty + i) % 3 == 0 {
                    tiles.push(0u8);
                    for y in 0..64 {
                        for x in 0..64 {
                            let p = pixel(i, tx * 64 + x, ty * 64 + y).to_le_bytes();
                            tiles.extend_from_slice(&p[..3]);
                        }
                    }
                } else {
                    tiles.push(1u8);
                    tiles.extend_from_slice(&[0x30, 0x20, 0x10]);
                }
            }
        }
        let mut z = Vec::with_capacity(tiles.len() + 4096);
        zlib.compress_vec(&tiles, &mut z, FlushCompress::Sync)
            .expect("compress");
        s.extend_from_slice(&(z.len() as u32).to_be_bytes());
        s.extend(z);
    });
    measure("ZRLE", &zrle);

    // Tight as a server sends a full frame: strips of 1024x64 (65,536 pixels, the usual
    // Tight rectangle limit), each its own rectangle in one update.
    let strips = usize::from(H) / 64;
    let tight_frame = |s: &mut Vec<u8>, body: &mut dyn FnMut(usize) -> Vec<u8>| {
        s.truncate(s.len() - 2);
        s.extend_from_slice(&(strips as u16).to_be_bytes());
        for strip in 0..strips {
            for v in [0, (strip * 64) as u16, W, 64] {
                s.extend_from_slice(&v.to_be_bytes());
            }
            s.extend_from_slice(&encoding::TIGHT.to_be_bytes());
            s.extend(body(strip));
        }
    };
    let strip_pixels = |i: usize, strip: usize| -> Vec<u32> {
        (0..64 * usize::from(W))
            .map(|k| pixel(i, k % usize::from(W), strip * 64 + k / usize::from(W)))
            .collect()
    };
    let mut enc = TightEncoder::new();
    let tight_zlib =
        stream(|i, s| tight_frame(s, &mut |strip| enc.copy(strip % 4, &strip_pixels(i, strip))));
    measure("Tight zlib (copy filter)", &tight_zlib);
    let mut enc = TightEncoder::new();
    let tight_jpeg = stream(|i, s| {
        // Tight quality level 6 maps to JPEG quality 79 in TigerVNC's table.
        tight_frame(s, &mut |strip| enc.jpeg(&strip_pixels(i, strip), W, 64, 79))
    });
    measure("Tight JPEG (quality 79)", &tight_jpeg);

    for name in ["zrle", "tight"] {
        replay_speed(name);
    }
}

/// Replays a recorded QEMU session many times: decode time and bytes on the wire.
fn replay_speed(name: &str) {
    let path = format!(
        "{}/tests/fixtures/qemu-{name}.rfb.gz",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(&path).expect("recording"))
        .read_to_end(&mut bytes)
        .unwrap();
    const RUNS: u32 = 200;
    let mut total = Duration::ZERO;
    for _ in 0..RUNS {
        let (mut session, events) = ConsoleSession::new(
            Box::new(std::io::Cursor::new(bytes.clone())),
            Box::new(std::io::sink()),
        );
        let start = Instant::now();
        session.handshake().expect("handshake");
        while !matches!(events.recv().unwrap(), ConsoleEvent::Closed { .. }) {}
        total += start.elapsed();
    }
    println!(
        "QEMU text console replay, {name}: {:.3} ms per session ({} bytes on the wire)",
        total.as_secs_f64() * 1000.0 / f64::from(RUNS),
        bytes.len()
    );
}
