//! Measures decode throughput for full 1024x768 frames in Raw and ZRLE.
//!
//! Run with `cargo run --release -p vireo-vnc --example decode_speed`.

use std::time::Instant;

use flate2::{Compress, Compression, FlushCompress};
use vireo_vnc::{decode_stream_for_fuzzing, encoding};

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
}
