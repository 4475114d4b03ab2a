//! Deterministic fuzzing of the server-message decoder: thousands of seeded
//! pseudo-random streams, some pure noise and some shaped like real
//! messages so they get past the first checks. Any panic fails the test.

mod common;

use common::tight_encoder::{compact_len, TightEncoder};
use flate2::{Compress, Compression, FlushCompress};
use vireo_vnc::{decode_stream_for_fuzzing, encoding};

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }

    /// Mostly small values, sometimes anything.
    fn u16(&mut self) -> u16 {
        match self.below(4) {
            0 => self.next() as u16,
            _ => self.below(80) as u16,
        }
    }
}

const ENCODINGS: [i32; 11] = [
    encoding::RAW,
    encoding::COPY_RECT,
    encoding::ZRLE,
    encoding::TIGHT,
    encoding::CURSOR,
    encoding::DESKTOP_SIZE,
    encoding::LAST_RECT,
    encoding::EXTENDED_DESKTOP_SIZE,
    encoding::QEMU_EXTENDED_KEY_EVENT,
    encoding::QEMU_LED_STATE,
    12345,
];

/// A Tight rectangle body for a `w`×`h` rectangle: well-formed for its claimed size, or
/// with a random control byte, filter, palette or compact length, so the fuzzer reaches
/// every branch of the Tight parser.
fn tight_body(rng: &mut XorShift, tight: &mut TightEncoder, w: u16, h: u16) -> Vec<u8> {
    let (wu, hu) = (usize::from(w), usize::from(h));
    let n = wu * hu;
    // Pixel data is random but rectangles are small: a random size might be large.
    let pixels: Vec<u32> = if n <= 4096 {
        (0..n).map(|_| rng.next() as u32 & 0xFF_FFFF).collect()
    } else {
        Vec::new()
    };
    let stream = rng.below(4) as usize;
    if rng.below(5) == 0 {
        tight.reset(stream);
    }
    let mut body = match rng.below(9) {
        0 => tight.fill(rng.next() as u32),
        1 if !pixels.is_empty() => tight.copy(stream, &pixels),
        2 if !pixels.is_empty() => tight.gradient(stream, &pixels, wu),
        3 if !pixels.is_empty() => {
            let size = 1 + rng.below(256) as usize;
            let palette: Vec<u32> = (0..size).map(|_| rng.next() as u32).collect();
            // Sometimes an index past the palette.
            let limit = if rng.below(4) == 0 { 256 } else { size as u64 };
            let indices: Vec<u8> = (0..n).map(|_| rng.below(limit) as u8).collect();
            tight.palette(stream, &palette, &indices, wu)
        }
        4 if !pixels.is_empty() && n <= 1024 => {
            // A JPEG of this size or of another one.
            let (jw, jh) = if rng.below(3) == 0 {
                (w + 1, h)
            } else {
                (w, h)
            };
            let px: Vec<u32> = (0..usize::from(jw) * usize::from(jh))
                .map(|i| pixels[i % n])
                .collect();
            tight.jpeg(&px, jw, jh, 50)
        }
        5 => {
            // A random control byte and a random compact length with a little data.
            let mut b = vec![rng.next() as u8, rng.next() as u8];
            b.extend(compact_len(rng.below(1 << 22) as usize));
            let k = rng.below(32) as usize;
            b.extend(rng.bytes(k));
            b
        }
        _ => {
            let k = rng.below(48) as usize;
            rng.bytes(k)
        }
    };
    // Sometimes damage one byte.
    if !body.is_empty() && rng.below(6) == 0 {
        let i = rng.below(body.len() as u64) as usize;
        body[i] ^= 1 << rng.below(8);
    }
    body
}

fn shaped_stream(rng: &mut XorShift, zlib: &mut Compress) -> Vec<u8> {
    let mut tight = TightEncoder::new();
    let mut out = Vec::new();
    for _ in 0..=rng.below(4) {
        match rng.below(10) {
            0 => out.push(2),
            8 => out.push(150),
            9 => {
                // A Fence, sometimes with a payload longer than allowed.
                out.extend_from_slice(&[248, 0, 0, 0]);
                out.extend(rng.bytes(4));
                let len = rng.below(70) as u8;
                out.push(len);
                out.extend(rng.bytes(usize::from(len)));
            }
            1 => {
                out.extend_from_slice(&[3, 0, 0, 0]);
                let len = rng.below(40) as u32;
                out.extend_from_slice(&len.to_be_bytes());
                out.extend(rng.bytes(len as usize));
            }
            _ => {
                let count = if rng.below(8) == 0 {
                    0xFFFF
                } else {
                    rng.below(4) as u16
                };
                out.extend_from_slice(&[0, 0]);
                out.extend_from_slice(&count.to_be_bytes());
                for _ in 0..rng.below(4) + 1 {
                    for _ in 0..4 {
                        out.extend_from_slice(&rng.u16().to_be_bytes());
                    }
                    let enc = ENCODINGS[rng.below(ENCODINGS.len() as u64) as usize];
                    out.extend_from_slice(&enc.to_be_bytes());
                    if enc == encoding::TIGHT {
                        let at = out.len() - 8;
                        let w = u16::from_be_bytes([out[at], out[at + 1]]);
                        let h = u16::from_be_bytes([out[at + 2], out[at + 3]]);
                        out.extend(tight_body(rng, &mut tight, w, h));
                    } else if enc == encoding::ZRLE && rng.below(2) == 0 {
                        // Valid zlib around random tile data reaches the tile parser.
                        let mut tile = vec![
                            [0u8, 1, 2, 5, 16, 17, 128, 129, 130, 200][rng.below(10) as usize],
                        ];
                        let n = rng.below(200) as usize;
                        tile.extend(rng.bytes(n));
                        let mut z = Vec::with_capacity(tile.len() + 64);
                        zlib.compress_vec(&tile, &mut z, FlushCompress::Sync)
                            .unwrap();
                        out.extend_from_slice(&(z.len() as u32).to_be_bytes());
                        out.extend(z);
                    } else {
                        let n = rng.below(64) as usize;
                        out.extend(rng.bytes(n));
                    }
                }
            }
        }
    }
    out
}

#[test]
fn random_streams_never_panic() {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let mut decoded_some = 0;
    let mut failed = 0;
    for i in 0..4000 {
        let stream = if i % 4 == 0 {
            let n = rng.below(256) as usize;
            rng.bytes(n)
        } else {
            shaped_stream(&mut rng, &mut Compress::new(Compression::fast(), true))
        };
        match decode_stream_for_fuzzing(&stream) {
            Ok(n) if n > 0 => decoded_some += 1,
            Ok(_) => {}
            Err(_) => failed += 1,
        }
    }
    // The generator must exercise both success and error paths, or the test
    // proves little.
    assert!(decoded_some > 200, "only {decoded_some} streams decoded");
    assert!(failed > 200, "only {failed} streams failed");
}

#[test]
fn tight_streams_decode_and_their_truncations_never_panic() {
    // Resize, then one Tight rectangle of every kind, a fence and the end of continuous
    // updates: all valid.
    let mut t = TightEncoder::new();
    let pixels: Vec<u32> = (0..48u32).map(|i| i * 0x030507).collect();
    let mut s = vec![0u8, 0, 0, 7];
    let rects = [
        (0u16, 0u16, 32u16, 32u16, encoding::DESKTOP_SIZE, vec![]),
        (0, 0, 8, 6, encoding::TIGHT, t.fill(0x123456)),
        (0, 0, 8, 6, encoding::TIGHT, t.copy(0, &pixels)),
        (8, 0, 8, 6, encoding::TIGHT, t.gradient(1, &pixels, 8)),
        (
            16,
            0,
            8,
            6,
            encoding::TIGHT,
            t.palette(2, &[1, 2, 3], &[0, 1, 2].repeat(16), 8),
        ),
        (
            0,
            8,
            8,
            6,
            encoding::TIGHT,
            t.palette(3, &[1, 2], &[0, 1].repeat(24), 8),
        ),
        (8, 8, 8, 6, encoding::TIGHT, t.jpeg(&pixels, 8, 6, 60)),
    ];
    for (x, y, w, h, enc, body) in rects {
        for v in [x, y, w, h] {
            s.extend_from_slice(&v.to_be_bytes());
        }
        s.extend_from_slice(&enc.to_be_bytes());
        s.extend(body);
    }
    s.extend_from_slice(&[248, 0, 0, 0, 0x80, 0, 0, 1, 2, 0xAB, 0xCD]);
    s.push(150);
    assert_eq!(decode_stream_for_fuzzing(&s).unwrap(), 3);
    for len in 0..s.len() {
        let result = decode_stream_for_fuzzing(&s[..len]);
        // A prefix ending between messages decodes; every other one ends inside a message:
        // a clean error, never a panic.
        let boundary = [0, s.len() - 12, s.len() - 1].contains(&len);
        assert!(result.is_err() != boundary, "prefix {len}");
    }
    for i in 0..s.len() * 8 {
        let mut m = s.clone();
        m[i / 8] ^= 1 << (i % 8);
        let _ = decode_stream_for_fuzzing(&m);
    }
}

#[test]
fn truncations_of_a_valid_stream_never_panic() {
    // A valid stream: resize, raw rect, solid ZRLE tile, bell.
    let mut zrle = Vec::new();
    let mut z = Compress::new(Compression::default(), true);
    let mut compressed = Vec::with_capacity(64);
    z.compress_vec(&[1, 9, 9, 9], &mut compressed, FlushCompress::Sync)
        .unwrap();
    zrle.extend_from_slice(&(compressed.len() as u32).to_be_bytes());
    zrle.extend(compressed);
    let mut s = vec![0u8, 0, 0, 3];
    for (x, y, w, h, enc, body) in [
        (0u16, 0u16, 8u16, 8u16, encoding::DESKTOP_SIZE, vec![]),
        (0, 0, 2, 2, encoding::RAW, vec![7u8; 16]),
        (2, 2, 4, 4, encoding::ZRLE, zrle),
    ] {
        for v in [x, y, w, h] {
            s.extend_from_slice(&v.to_be_bytes());
        }
        s.extend_from_slice(&enc.to_be_bytes());
        s.extend(body);
    }
    s.push(2);
    assert_eq!(decode_stream_for_fuzzing(&s).unwrap(), 2);
    for len in 0..s.len() {
        let _ = decode_stream_for_fuzzing(&s[..len]);
    }
    // Flip every bit once.
    for i in 0..s.len() * 8 {
        let mut t = s.clone();
        t[i / 8] ^= 1 << (i % 8);
        let _ = decode_stream_for_fuzzing(&t);
    }
}
