//! Deterministic fuzzing of the server-message decoder: thousands of seeded
//! pseudo-random streams, some pure noise and some shaped like real
//! messages so they get past the first checks. Any panic fails the test.

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

const ENCODINGS: [i32; 10] = [
    encoding::RAW,
    encoding::COPY_RECT,
    encoding::ZRLE,
    encoding::CURSOR,
    encoding::DESKTOP_SIZE,
    encoding::LAST_RECT,
    encoding::EXTENDED_DESKTOP_SIZE,
    encoding::QEMU_EXTENDED_KEY_EVENT,
    encoding::QEMU_LED_STATE,
    12345,
];

fn shaped_stream(rng: &mut XorShift, zlib: &mut Compress) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..=rng.below(4) {
        match rng.below(8) {
            0 => out.push(2),
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
                    if enc == encoding::ZRLE && rng.below(2) == 0 {
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
