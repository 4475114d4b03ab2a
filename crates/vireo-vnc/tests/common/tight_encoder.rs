//! A small Tight encoder for tests and measurements: builds the bytes a server sends after a
//! Tight rectangle header, for the client's pixel format (TPIXEL = R, G, B).
//! Shared by the unit tests, the integration tests, the fuzz test and the speed example.

#![allow(dead_code)]

use flate2::{Compress, Compression, FlushCompress};

/// The Tight encoding number.
pub const TIGHT: i32 = 7;

/// A pixel `0x00RRGGBB` as a TPIXEL.
pub fn tpixel(rgb: u32) -> [u8; 3] {
    [(rgb >> 16) as u8, (rgb >> 8) as u8, rgb as u8]
}

/// A compact length (1–3 bytes).
pub fn compact_len(n: usize) -> Vec<u8> {
    assert!(n < 1 << 22, "compact lengths carry 22 bits");
    let mut out = vec![(n & 0x7F) as u8];
    if n >= 0x80 {
        out[0] |= 0x80;
        out.push(((n >> 7) & 0x7F) as u8);
        if n >= 0x4000 {
            out[1] |= 0x80;
            out.push((n >> 14) as u8);
        }
    }
    out
}

/// The basic-compression filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    /// No filter byte at all (copy implied).
    None,
    Copy,
    Palette,
    Gradient,
}

/// Four persistent zlib streams, as a Tight server keeps them.
pub struct TightEncoder {
    zlib: Vec<Compress>,
    /// Reset bits to put into the next control byte.
    pending_reset: u8,
}

impl Default for TightEncoder {
    fn default() -> Self {
        Self::new()
    }
}

impl TightEncoder {
    pub fn new() -> Self {
        TightEncoder {
            zlib: (0..4)
                .map(|_| Compress::new(Compression::fast(), true))
                .collect(),
            pending_reset: 0,
        }
    }

    /// Restarts stream `i`; the next rectangle tells the client to reset it too.
    pub fn reset(&mut self, i: usize) {
        self.zlib[i] = Compress::new(Compression::fast(), true);
        self.pending_reset |= 1 << i;
    }

    fn control(&mut self, base: u8) -> u8 {
        base | std::mem::take(&mut self.pending_reset)
    }

    /// A fill rectangle.
    pub fn fill(&mut self, rgb: u32) -> Vec<u8> {
        let mut out = vec![self.control(0x80)];
        out.extend_from_slice(&tpixel(rgb));
        out
    }

    /// A JPEG rectangle of `w`×`h` pixels (`0x00RRGGBB`, row-major).
    pub fn jpeg(&mut self, pixels: &[u32], w: u16, h: u16, quality: u8) -> Vec<u8> {
        let rgb: Vec<u8> = pixels.iter().flat_map(|p| tpixel(*p)).collect();
        let jpeg = jpeg_bytes(&rgb, w, h, quality);
        let mut out = vec![self.control(0x90)];
        out.extend(compact_len(jpeg.len()));
        out.extend(jpeg);
        out
    }

    /// Basic compression of already-filtered `data` on `stream`; palettes go in `extra`
    /// (after the filter byte).
    pub fn basic(&mut self, stream: usize, filter: Filter, extra: &[u8], data: &[u8]) -> Vec<u8> {
        let with_filter = if filter == Filter::None { 0 } else { 0x40 };
        let mut out = vec![self.control(with_filter | (stream as u8) << 4)];
        match filter {
            Filter::None => {}
            Filter::Copy => out.push(0),
            Filter::Palette => out.push(1),
            Filter::Gradient => out.push(2),
        }
        out.extend_from_slice(extra);
        if data.len() < 12 {
            out.extend_from_slice(data);
        } else {
            let z = self.deflate(stream, data);
            out.extend(compact_len(z.len()));
            out.extend(z);
        }
        out
    }

    /// Compresses with `stream` and a sync flush, as servers do per rectangle.
    pub fn deflate(&mut self, stream: usize, data: &[u8]) -> Vec<u8> {
        let z = &mut self.zlib[stream];
        let mut out = Vec::with_capacity(data.len() + data.len() / 16 + 1024);
        let before = z.total_in();
        z.compress_vec(data, &mut out, FlushCompress::Sync)
            .expect("compress");
        assert_eq!(
            (z.total_in() - before) as usize,
            data.len(),
            "buffer too small"
        );
        out
    }

    /// Copy filter (no filter byte): TPIXELs.
    pub fn copy(&mut self, stream: usize, pixels: &[u32]) -> Vec<u8> {
        let data: Vec<u8> = pixels.iter().flat_map(|p| tpixel(*p)).collect();
        self.basic(stream, Filter::None, &[], &data)
    }

    /// Palette filter: `indices` one per pixel, packed to bits when there are 2 colours.
    pub fn palette(
        &mut self,
        stream: usize,
        palette: &[u32],
        indices: &[u8],
        width: usize,
    ) -> Vec<u8> {
        assert!((1..=256).contains(&palette.len()));
        let mut extra = vec![(palette.len() - 1) as u8];
        for c in palette {
            extra.extend_from_slice(&tpixel(*c));
        }
        let data = if palette.len() == 2 {
            let mut packed = Vec::new();
            for row in indices.chunks(width) {
                for byte in row.chunks(8) {
                    let mut b = 0u8;
                    for (i, bit) in byte.iter().enumerate() {
                        b |= (bit & 1) << (7 - i);
                    }
                    packed.push(b);
                }
            }
            packed
        } else {
            indices.to_vec()
        };
        self.basic(stream, Filter::Palette, &extra, &data)
    }

    /// Gradient filter: differences from the clamped `left + up - up_left` prediction.
    pub fn gradient(&mut self, stream: usize, pixels: &[u32], width: usize) -> Vec<u8> {
        let data = gradient_filter(pixels, width);
        self.basic(stream, Filter::Gradient, &[], &data)
    }
}

/// The gradient filter's output for `pixels` (`width` per row).
pub fn gradient_filter(pixels: &[u32], width: usize) -> Vec<u8> {
    let comp = |p: u32| tpixel(p);
    let mut data = Vec::with_capacity(pixels.len() * 3);
    for (i, p) in pixels.iter().enumerate() {
        let (x, y) = (i % width, i / width);
        let at = |dx: usize, dy: usize| -> [u8; 3] {
            if x < dx || y < dy {
                [0; 3]
            } else {
                comp(pixels[(y - dy) * width + x - dx])
            }
        };
        let (left, up, up_left, this) = (at(1, 0), at(0, 1), at(1, 1), comp(*p));
        for c in 0..3 {
            let predicted =
                (i16::from(left[c]) + i16::from(up[c]) - i16::from(up_left[c])).clamp(0, 255) as u8;
            data.push(this[c].wrapping_sub(predicted));
        }
    }
    data
}

/// A baseline JPEG of RGB bytes.
pub fn jpeg_bytes(rgb: &[u8], w: u16, h: u16, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    let encoder = jpeg_encoder::Encoder::new(&mut out, quality);
    encoder
        .encode(rgb, w, h, jpeg_encoder::ColorType::Rgb)
        .expect("jpeg encode");
    out
}
