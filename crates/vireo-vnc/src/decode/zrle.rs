//! The ZRLE encoding (rfbproto "ZRLE"): 64×64 tiles, each raw, solid, packed-palette or
//! run-length encoded, compressed on one zlib stream that lasts the whole connection.
//!
//! A rectangle's compressed length is bounded by what its size can need ([`zrle_limit`])
//! before it is read, and its inflated data by the same size, so a zlib bomb is an error.

use std::io::Read;
use std::sync::Mutex;

use flate2::{Decompress, FlushDecompress, Status};

use super::lock;
use crate::error::VncError;
use crate::framebuffer::{Framebuffer, Rect};
use crate::wire::{self, check_limit, read_u32};

/// Largest compressed ZRLE rectangle whatever its size; a rectangle's own limit is lower
/// ([`zrle_limit`]).
pub const MAX_ZRLE_LEN: u32 = 64 << 20;
/// ZRLE tile side.
const TILE: u16 = 64;

/// ZRLE's per-connection state.
pub(super) struct ZrleState {
    /// ZRLE uses one zlib stream for the whole connection.
    zlib: Decompress,
    /// One tile's pixels, reused from tile to tile.
    tile: Vec<u32>,
}

impl ZrleState {
    pub(super) fn new() -> Self {
        ZrleState {
            zlib: Decompress::new(true),
            tile: Vec::with_capacity(usize::from(TILE) * usize::from(TILE)),
        }
    }

    /// Reads one ZRLE rectangle (already known to lie inside the framebuffer) and paints it.
    pub(super) fn decode(
        &mut self,
        r: &mut dyn Read,
        rect: &Rect,
        fb: &Mutex<Framebuffer>,
    ) -> Result<(), VncError> {
        let len = read_u32(r)?;
        let tiles = u64::from(rect.width.div_ceil(TILE)) * u64::from(rect.height.div_ceil(TILE));
        // An honest rectangle never inflates beyond 4 bytes per pixel plus
        // tile headers and palettes; more is a zlib bomb.
        let max_out = rect.area() * 4 + tiles * 64 + 64;
        check_limit("ZRLE length", u64::from(len), zrle_limit(max_out))?;
        let compressed = wire::read_vec(r, len as usize)?;
        let data = inflate(&mut self.zlib, &compressed, max_out)?;
        let mut input = ByteCursor {
            data: &data,
            pos: 0,
        };
        let mut fb = lock(fb);
        for ty in (0..rect.height).step_by(usize::from(TILE)) {
            for tx in (0..rect.width).step_by(usize::from(TILE)) {
                let tile = Rect::new(
                    rect.x + tx,
                    rect.y + ty,
                    TILE.min(rect.width - tx),
                    TILE.min(rect.height - ty),
                );
                decode_tile(&mut input, &mut self.tile, &tile)?;
                fb.blit(&tile, &self.tile);
            }
        }
        Ok(())
    }
}

/// The largest compressed length of a ZRLE rectangle that inflates to at most `max_out`
/// bytes: zlib's worst case (stored blocks, 5 bytes per 16 KiB) plus room for a sync flush,
/// never above [`MAX_ZRLE_LEN`]. Like Tight's, the limit follows the rectangle's size, so a
/// 1×1 rectangle cannot make us read 64 MiB.
pub fn zrle_limit(max_out: u64) -> u64 {
    (max_out + max_out / 16_384 * 5 + 1024).min(u64::from(MAX_ZRLE_LEN))
}

/// Inflates one ZRLE rectangle's data with the connection's zlib stream.
fn inflate(zlib: &mut Decompress, input: &[u8], max_out: u64) -> Result<Vec<u8>, VncError> {
    let max_out = usize::try_from(max_out).unwrap_or(usize::MAX);
    let mut out = Vec::with_capacity(input.len().saturating_mul(4).clamp(256, max_out.max(256)));
    let mut pos = 0;
    loop {
        if out.len() == out.capacity() {
            if out.len() >= max_out {
                return Err(VncError::InvalidZrle("inflates beyond the rectangle"));
            }
            let grow = out.len().max(4096).min(max_out - out.len());
            out.reserve_exact(grow);
        }
        let (in_before, out_before) = (zlib.total_in(), zlib.total_out());
        let status = zlib
            .decompress_vec(&input[pos..], &mut out, FlushDecompress::Sync)
            .map_err(VncError::Zlib)?;
        pos += (zlib.total_in() - in_before) as usize;
        let progressed = zlib.total_in() != in_before || zlib.total_out() != out_before;
        let out_full = out.len() == out.capacity();
        if status == Status::StreamEnd || (!progressed && !out_full) {
            break;
        }
        if pos >= input.len() && !out_full {
            break;
        }
    }
    Ok(out)
}

/// A bounds-checked reader over inflated ZRLE data.
struct ByteCursor<'a> {
    data: &'a [u8],
    pos: usize,
}

impl ByteCursor<'_> {
    fn bytes(&mut self, n: usize) -> Result<&[u8], VncError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.data.len());
        let end = end.ok_or(VncError::InvalidZrle("truncated tile"))?;
        let s = &self.data[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn u8(&mut self) -> Result<u8, VncError> {
        Ok(self.bytes(1)?[0])
    }

    /// A compressed pixel: for our 32-bpp depth-24 format, the three low
    /// bytes in little-endian order.
    fn cpixel(&mut self) -> Result<u32, VncError> {
        let b = self.bytes(3)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], 0xFF]))
    }

    /// An RLE run length: 255-valued bytes accumulate, the last byte ends it.
    fn run_length(&mut self, max: usize) -> Result<usize, VncError> {
        let mut len = 1usize;
        loop {
            let b = self.u8()?;
            len += usize::from(b);
            if len > max {
                return Err(VncError::InvalidZrle("run longer than the tile"));
            }
            if b != 255 {
                return Ok(len);
            }
        }
    }
}

fn decode_tile(
    input: &mut ByteCursor<'_>,
    out: &mut Vec<u32>,
    tile: &Rect,
) -> Result<(), VncError> {
    let pixels = tile.area() as usize;
    out.clear();
    let sub = input.u8()?;
    match sub {
        0 => {
            for _ in 0..pixels {
                out.push(input.cpixel()?);
            }
        }
        1 => {
            let colour = input.cpixel()?;
            out.resize(pixels, colour);
        }
        2..=16 => {
            let mut palette = [0u32; 16];
            for p in palette.iter_mut().take(usize::from(sub)) {
                *p = input.cpixel()?;
            }
            let bits: usize = match sub {
                2 => 1,
                3 | 4 => 2,
                _ => 4,
            };
            let per_byte = 8 / bits;
            let mask = (1u8 << bits) - 1;
            let width = usize::from(tile.width);
            // Each row starts on a byte boundary.
            let row_bytes = width.div_ceil(per_byte);
            for _ in 0..tile.height {
                let row = input.bytes(row_bytes)?;
                for x in 0..width {
                    let byte = row[x / per_byte];
                    let shift = 8 - bits * (x % per_byte + 1);
                    let index = (byte >> shift) & mask;
                    if index >= sub {
                        return Err(VncError::InvalidZrle("palette index out of range"));
                    }
                    out.push(palette[usize::from(index)]);
                }
            }
        }
        128 => {
            while out.len() < pixels {
                let colour = input.cpixel()?;
                let len = input.run_length(pixels - out.len())?;
                out.resize(out.len() + len, colour);
            }
        }
        130..=255 => {
            let size = sub - 128;
            let mut palette = [0u32; 127];
            for p in palette.iter_mut().take(usize::from(size)) {
                *p = input.cpixel()?;
            }
            while out.len() < pixels {
                let b = input.u8()?;
                let index = b & 0x7F;
                if index >= size {
                    return Err(VncError::InvalidZrle("palette index out of range"));
                }
                let len = if b & 0x80 != 0 {
                    input.run_length(pixels - out.len())?
                } else {
                    1
                };
                out.resize(out.len() + len, palette[usize::from(index)]);
            }
        }
        _ => return Err(VncError::InvalidZrle("unknown tile subencoding")),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::testing::{apply, decoder, row, update};
    use crate::wire::encoding;
    use flate2::{Compress, Compression, FlushCompress};

    fn cpixel(rgb: u32) -> [u8; 3] {
        let b = rgb.to_le_bytes();
        [b[0], b[1], b[2]]
    }

    fn zlib_chunk(z: &mut Compress, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(data.len() + 1024);
        let before = z.total_in();
        z.compress_vec(data, &mut out, FlushCompress::Sync).unwrap();
        assert_eq!(
            (z.total_in() - before) as usize,
            data.len(),
            "test buffer too small"
        );
        let mut body = (out.len() as u32).to_be_bytes().to_vec();
        body.extend_from_slice(&out);
        body
    }

    /// The ZRLE body of `data` as the first rectangle of a connection.
    fn first_chunk(data: &[u8]) -> Vec<u8> {
        zlib_chunk(&mut Compress::new(Compression::default(), true), data)
    }

    #[test]
    fn zrle_length_beyond_the_rectangle_is_rejected_before_reading() {
        struct Case {
            name: &'static str,
            screen: (u16, u16),
            rect: Rect,
            len: u32,
            /// The limit must be below this, when given.
            limit_below: Option<u64>,
        }
        let cases = [
            // A 1x1 rectangle needs 4 bytes + one tile header.
            Case {
                name: "32 MiB for a 1x1 rectangle",
                screen: (8, 8),
                rect: Rect::new(0, 0, 1, 1),
                len: 32 << 20,
                limit_below: Some(2048),
            },
            Case {
                name: "u32::MAX for a 2x2 rectangle",
                screen: (2, 2),
                rect: Rect::new(0, 0, 2, 2),
                len: u32::MAX,
                limit_below: None,
            },
        ];
        for case in cases {
            let (mut d, _) = decoder(case.screen.0, case.screen.1);
            let body = case.len.to_be_bytes().to_vec();
            let err = apply(&mut d, &update(&[(case.rect, encoding::ZRLE, body)]));
            assert!(
                matches!(
                    err,
                    Err(VncError::TooLarge { what: "ZRLE length", limit, .. })
                        if case.limit_below.is_none_or(|below| limit < below)
                ),
                "{}: {err:?}",
                case.name
            );
        }
        assert_eq!(zrle_limit(u64::MAX / 2), u64::from(MAX_ZRLE_LEN));
    }

    #[test]
    fn zrle_solid_tile_and_persistent_stream() {
        let (mut d, fb) = decoder(100, 70);
        let mut z = Compress::new(Compression::default(), true);
        // 100x70 splits into 4 tiles: 64x64, 36x64, 64x6, 36x6.
        let mut tiles = Vec::new();
        for colour in [0x010203u32, 0x040506, 0x070809, 0x0A0B0C] {
            tiles.push(1u8);
            tiles.extend_from_slice(&cpixel(colour));
        }
        let body = zlib_chunk(&mut z, &tiles);
        apply(
            &mut d,
            &update(&[(Rect::new(0, 0, 100, 70), encoding::ZRLE, body)]),
        )
        .unwrap();
        assert_eq!(
            row(&fb, 0, 62..66),
            vec![0x010203, 0x010203, 0x040506, 0x040506]
        );
        assert_eq!(
            row(&fb, 69, 62..66),
            vec![0x070809, 0x070809, 0x0A0B0C, 0x0A0B0C]
        );

        // A second rectangle continues the same zlib stream.
        let mut tile = vec![1u8];
        tile.extend_from_slice(&cpixel(0xFFEEDD));
        let body = zlib_chunk(&mut z, &tile);
        apply(
            &mut d,
            &update(&[(Rect::new(10, 10, 2, 2), encoding::ZRLE, body)]),
        )
        .unwrap();
        assert_eq!(
            row(&fb, 11, 9..13),
            vec![0x010203, 0xFFEEDD, 0xFFEEDD, 0x010203]
        );
    }

    #[test]
    fn zrle_tiles_paint_their_pixels() {
        struct Case {
            name: &'static str,
            /// The screen and the rectangle, at (0, 0).
            size: (u16, u16),
            /// The inflated tiles.
            tiles: Vec<u8>,
            /// (row, columns, the pixels there).
            rows: Vec<(u16, std::ops::Range<u16>, Vec<u32>)>,
        }

        // Palette of 3 → 2 bits per index, rows padded to whole bytes.
        let mut packed_palette = vec![3u8];
        for c in [0xAA0000u32, 0x00BB00, 0x0000CC] {
            packed_palette.extend_from_slice(&cpixel(c));
        }
        // Row 0: 0 1 2 1 0 → 00 01 10 01 | 00 000000
        packed_palette.extend_from_slice(&[0b0001_1001, 0b0000_0000]);
        // Row 1: 2 2 2 2 1 → 10 10 10 10 | 01 000000
        packed_palette.extend_from_slice(&[0b1010_1010, 0b0100_0000]);

        // 300x1 → tiles of 64, 64, 64, 64, 44 pixels; first tile RLE with a
        // 3-pixel run and a 61-pixel run, the rest solid.
        let mut plain_rle = vec![128u8];
        plain_rle.extend_from_slice(&cpixel(0x111111));
        plain_rle.push(2);
        plain_rle.extend_from_slice(&cpixel(0x222222));
        plain_rle.push(60);
        // Second tile: one run of 64, sent as length - 1 = 63.
        plain_rle.push(128);
        plain_rle.extend_from_slice(&cpixel(0x333333));
        plain_rle.push(63);
        for _ in 0..3 {
            plain_rle.push(1);
            plain_rle.extend_from_slice(&cpixel(0x444444));
        }

        // One run of 4096 pixels: 4095 = 255*16 + 15.
        let mut long_run = vec![128u8];
        long_run.extend_from_slice(&cpixel(0x123456));
        long_run.extend(std::iter::repeat_n(255u8, 16));
        long_run.push(15);

        let mut palette_rle = vec![130u8]; // palette RLE, 2 colours
        palette_rle.extend_from_slice(&cpixel(0xABCDEF));
        palette_rle.extend_from_slice(&cpixel(0x102030));
        palette_rle.push(0); // one pixel of colour 0
        palette_rle.extend_from_slice(&[0x81, 4]); // run of 5 of colour 1
        palette_rle.extend_from_slice(&[0x80, 1]); // run of 2 of colour 0

        let cases = [
            Case {
                name: "packed palette",
                size: (5, 2),
                tiles: packed_palette,
                rows: vec![
                    (
                        0,
                        0..5,
                        vec![0xAA0000, 0x00BB00, 0x0000CC, 0x00BB00, 0xAA0000],
                    ),
                    (
                        1,
                        0..5,
                        vec![0x0000CC, 0x0000CC, 0x0000CC, 0x0000CC, 0x00BB00],
                    ),
                ],
            },
            Case {
                name: "plain RLE",
                size: (300, 1),
                tiles: plain_rle,
                rows: vec![
                    (0, 0..4, vec![0x111111, 0x111111, 0x111111, 0x222222]),
                    (0, 63..65, vec![0x222222, 0x333333]),
                    (0, 127..129, vec![0x333333, 0x444444]),
                ],
            },
            Case {
                name: "long run uses 255 continuation",
                size: (64, 64),
                tiles: long_run,
                rows: vec![(63, 62..64, vec![0x123456, 0x123456])],
            },
            Case {
                name: "palette RLE",
                size: (4, 2),
                tiles: palette_rle,
                rows: vec![
                    (0, 0..4, vec![0xABCDEF, 0x102030, 0x102030, 0x102030]),
                    (1, 0..4, vec![0x102030, 0x102030, 0xABCDEF, 0xABCDEF]),
                ],
            },
        ];
        for case in cases {
            let (w, h) = case.size;
            let (mut d, fb) = decoder(w, h);
            let body = first_chunk(&case.tiles);
            let out = apply(
                &mut d,
                &update(&[(Rect::new(0, 0, w, h), encoding::ZRLE, body)]),
            );
            assert!(out.is_ok(), "{}: {out:?}", case.name);
            for (y, xs, want) in case.rows {
                assert_eq!(
                    row(&fb, y, xs.clone()),
                    want,
                    "{}: row {y}, {xs:?}",
                    case.name
                );
            }
        }
    }

    #[test]
    fn zrle_bad_tiles_are_errors() {
        let mut run_past_end = vec![128u8];
        run_past_end.extend_from_slice(&cpixel(1));
        run_past_end.push(10);

        let mut bad_index = vec![3u8];
        for c in [1u32, 2, 3] {
            bad_index.extend_from_slice(&cpixel(c));
        }
        bad_index.push(0b1100_0000); // index 3 of a 3-colour palette

        // (name, screen and rectangle size, inflated tiles)
        let cases = [
            ("run past the tile's end", (4, 1), run_past_end),
            ("palette index out of range", (2, 1), bad_index),
            ("zlib bomb", (2, 2), vec![1u8; 1 << 20]),
        ];
        for (name, (w, h), tiles) in cases {
            let (mut d, _) = decoder(w, h);
            let body = first_chunk(&tiles);
            let err = apply(
                &mut d,
                &update(&[(Rect::new(0, 0, w, h), encoding::ZRLE, body)]),
            );
            assert!(
                matches!(err, Err(VncError::InvalidZrle(_))),
                "{name}: {err:?}"
            );
        }
    }
}
