//! The Tight encoding (rfbproto "Tight Encoding"), for our pixel format only: 32 bpp,
//! depth 24, true colour, so every TPIXEL is three bytes R, G, B.
//!
//! Every length is bounded before anything is allocated for it: compact lengths by
//! [`MAX_TIGHT_LEN`] and by what the rectangle can need, zlib output to exactly the size
//! the rectangle needs (more is a bomb, less is corrupt), JPEG images to the rectangle's
//! size (the decoder refuses larger headers before allocating).

use std::io::Read;

use flate2::{Decompress, FlushDecompress, Status};

use super::RectCounts;
use crate::error::VncError;
use crate::framebuffer::{Framebuffer, Rect};
use crate::wire::{self, check_limit, read_u8};

/// Largest value a compact length can carry (22 bits), and so the largest Tight data block.
pub const MAX_TIGHT_LEN: u32 = (1 << 22) - 1;

/// Data shorter than this is sent without zlib (the protocol's TIGHT_MIN_TO_COMPRESS).
const MIN_TO_COMPRESS: usize = 12;

const FILL: u8 = 0x08;
const JPEG: u8 = 0x09;
const FILTER_COPY: u8 = 0;
const FILTER_PALETTE: u8 = 1;
const FILTER_GRADIENT: u8 = 2;

/// The four zlib streams of a Tight connection; they persist across rectangles.
pub(crate) struct TightState {
    zlib: [Decompress; 4],
}

impl TightState {
    pub(crate) fn new() -> Self {
        TightState {
            zlib: std::array::from_fn(|_| Decompress::new(true)),
        }
    }
}

/// What a Tight rectangle paints.
pub(crate) enum TightPaint {
    /// One colour over the whole rectangle.
    Fill(u32),
    /// `width * height` pixels, row-major, from basic compression.
    Pixels(Vec<u32>),
    /// `width * height` pixels, row-major, from a JPEG.
    Jpeg(Vec<u32>),
}

impl TightPaint {
    /// Counts the rectangle under its kind.
    pub(super) fn count(&self, counts: &mut RectCounts) {
        match self {
            TightPaint::Fill(_) => counts.tight_fill += 1,
            TightPaint::Pixels(_) => counts.tight_basic += 1,
            TightPaint::Jpeg(_) => counts.tight_jpeg += 1,
        }
    }

    /// Paints the decoded rectangle `rect`.
    pub(super) fn paint(self, fb: &mut Framebuffer, rect: &Rect) {
        match self {
            TightPaint::Fill(colour) => fb.fill(rect, colour),
            TightPaint::Pixels(pixels) | TightPaint::Jpeg(pixels) => fb.blit(rect, &pixels),
        }
    }
}

/// Reads one Tight rectangle (already known to lie inside the framebuffer).
pub(crate) fn decode(
    r: &mut dyn Read,
    rect: &Rect,
    state: &mut TightState,
) -> Result<TightPaint, VncError> {
    let control = read_u8(r)?;
    for (i, zlib) in state.zlib.iter_mut().enumerate() {
        if control & (1 << i) != 0 {
            zlib.reset(true);
        }
    }
    let kind = control >> 4;
    let pixels = rect.area() as usize;
    match kind {
        FILL => {
            let p: [u8; 3] = wire::read_array(r)?;
            Ok(TightPaint::Fill(tpixel(&p)))
        }
        JPEG => {
            let len = compact_len(r)?;
            let data = wire::read_vec(r, len)?;
            decode_jpeg(&data, rect).map(TightPaint::Jpeg)
        }
        0..=7 => {
            let stream = usize::from(kind & 0x03);
            let filter = if kind & 0x04 != 0 {
                read_u8(r)?
            } else {
                FILTER_COPY
            };
            let width = usize::from(rect.width);
            match filter {
                FILTER_COPY => {
                    let data = read_data(r, &mut state.zlib[stream], pixels * 3)?;
                    Ok(TightPaint::Pixels(
                        data.chunks_exact(3).map(tpixel).collect(),
                    ))
                }
                FILTER_PALETTE => {
                    // One byte holds size - 1, so a palette never exceeds 256 colours.
                    let size = usize::from(read_u8(r)?) + 1;
                    let colours = wire::read_vec(r, size * 3)?;
                    let palette: Vec<u32> = colours.chunks_exact(3).map(tpixel).collect();
                    let mut out = Vec::with_capacity(pixels);
                    if size == 2 {
                        // One bit per pixel, each row padded to a whole byte.
                        let row_bytes = width.div_ceil(8);
                        let data =
                            read_data(r, &mut state.zlib[stream], row_bytes * rect_rows(rect))?;
                        for row in data.chunks_exact(row_bytes.max(1)).take(rect_rows(rect)) {
                            for x in 0..width {
                                let bit = (row[x / 8] >> (7 - x % 8)) & 1;
                                out.push(palette[usize::from(bit)]);
                            }
                        }
                    } else {
                        let data = read_data(r, &mut state.zlib[stream], pixels)?;
                        for &index in &data {
                            let colour = palette
                                .get(usize::from(index))
                                .ok_or(VncError::InvalidTight("palette index out of range"))?;
                            out.push(*colour);
                        }
                    }
                    Ok(TightPaint::Pixels(out))
                }
                FILTER_GRADIENT => {
                    let data = read_data(r, &mut state.zlib[stream], pixels * 3)?;
                    Ok(TightPaint::Pixels(ungradient(&data, width)))
                }
                _ => Err(VncError::InvalidTight("unknown filter")),
            }
        }
        _ => Err(VncError::InvalidTight("unknown compression type")),
    }
}

fn rect_rows(rect: &Rect) -> usize {
    if rect.width == 0 {
        0
    } else {
        usize::from(rect.height)
    }
}

/// A TPIXEL of our format: red, green, blue.
fn tpixel(p: &[u8]) -> u32 {
    0xFF00_0000 | u32::from(p[0]) << 16 | u32::from(p[1]) << 8 | u32::from(p[2])
}

/// A compact length: 7 bits per byte while the high bit is set, at most 3 bytes (the third
/// contributes 8 bits), so at most [`MAX_TIGHT_LEN`].
pub(crate) fn compact_len(r: &mut dyn Read) -> Result<usize, VncError> {
    let b0 = read_u8(r)?;
    let mut len = u32::from(b0 & 0x7F);
    if b0 & 0x80 != 0 {
        let b1 = read_u8(r)?;
        len |= u32::from(b1 & 0x7F) << 7;
        if b1 & 0x80 != 0 {
            len |= u32::from(read_u8(r)?) << 14;
        }
    }
    check_limit("Tight length", u64::from(len), u64::from(MAX_TIGHT_LEN))?;
    Ok(len as usize)
}

/// Reads `expected` bytes of filtered data: verbatim when short, else a compact length and
/// zlib data from `zlib` that must inflate to exactly `expected` bytes.
fn read_data(
    r: &mut dyn Read,
    zlib: &mut Decompress,
    expected: usize,
) -> Result<Vec<u8>, VncError> {
    if expected < MIN_TO_COMPRESS {
        return wire::read_vec(r, expected);
    }
    let len = compact_len(r)?;
    // Deflate never grows data by more than a few bytes per block; a longer claim is a lie
    // that would only make us read (and buffer) garbage.
    let bound = expected as u64 + expected as u64 / 64 + 64;
    check_limit("Tight zlib length", len as u64, bound)?;
    let compressed = wire::read_vec(r, len)?;
    inflate_exact(zlib, &compressed, expected)
}

/// Inflates `input` to exactly `expected` bytes. The output grows with what the stream
/// really produces (a lying header costs nothing), and the stream must then be finished:
/// its remaining input (the sync-flush marker) may not produce a single byte more.
pub(crate) fn inflate_exact(
    zlib: &mut Decompress,
    input: &[u8],
    expected: usize,
) -> Result<Vec<u8>, VncError> {
    let mut out: Vec<u8> =
        Vec::with_capacity(expected.min(input.len().saturating_mul(8).max(4096)));
    let mut pos = 0;
    while out.len() < expected {
        if out.len() == out.capacity() {
            let grow = out.len().max(4096).min(expected - out.len());
            out.reserve_exact(grow);
        }
        let (in_before, out_before) = (zlib.total_in(), zlib.total_out());
        let status = zlib
            .decompress_vec(&input[pos..], &mut out, FlushDecompress::Sync)
            .map_err(VncError::Zlib)?;
        pos += (zlib.total_in() - in_before) as usize;
        let progressed = zlib.total_in() != in_before || zlib.total_out() != out_before;
        if status == Status::StreamEnd || !progressed {
            break;
        }
    }
    if out.len() < expected {
        return Err(VncError::InvalidTight(
            "zlib data ends before the rectangle",
        ));
    }
    // Drain the rest (normally the 4-byte sync marker) into a one-byte probe; at least once,
    // since the inflater may hold output back even when all input is consumed.
    let mut probe = [0u8; 1];
    loop {
        let (in_before, out_before) = (zlib.total_in(), zlib.total_out());
        let status = zlib
            .decompress(&input[pos..], &mut probe, FlushDecompress::Sync)
            .map_err(VncError::Zlib)?;
        if zlib.total_out() != out_before {
            return Err(VncError::InvalidTight(
                "zlib data inflates beyond the rectangle",
            ));
        }
        pos += (zlib.total_in() - in_before) as usize;
        if zlib.total_in() == in_before || status == Status::StreamEnd {
            break;
        }
    }
    if pos < input.len() {
        return Err(VncError::InvalidTight("trailing bytes after the zlib data"));
    }
    Ok(out)
}

/// Undoes the gradient filter: each component was sent as the difference from
/// `left + up - up_left`, clamped to 0..=255, modulo 256.
fn ungradient(data: &[u8], width: usize) -> Vec<u32> {
    let mut out = Vec::with_capacity(data.len() / 3);
    let mut prev_row = vec![[0u8; 3]; width];
    let mut row = vec![[0u8; 3]; width];
    for line in data.chunks_exact(width.max(1) * 3) {
        for x in 0..width {
            for c in 0..3 {
                let left = if x > 0 { i16::from(row[x - 1][c]) } else { 0 };
                let up = i16::from(prev_row[x][c]);
                let up_left = if x > 0 {
                    i16::from(prev_row[x - 1][c])
                } else {
                    0
                };
                let predicted = (left + up - up_left).clamp(0, 255) as u8;
                row[x][c] = predicted.wrapping_add(line[x * 3 + c]);
            }
            out.push(tpixel(&row[x]));
        }
        std::mem::swap(&mut row, &mut prev_row);
    }
    out
}

/// Decodes a JPEG rectangle, which must be exactly the rectangle's size.
fn decode_jpeg(data: &[u8], rect: &Rect) -> Result<Vec<u32>, VncError> {
    use zune_jpeg::zune_core::colorspace::ColorSpace;
    use zune_jpeg::zune_core::options::DecoderOptions;

    if rect.area() == 0 {
        return Err(VncError::InvalidTight("JPEG rectangle is empty"));
    }
    // Larger headers are refused before the decoder allocates anything.
    let options = DecoderOptions::default()
        .set_max_width(usize::from(rect.width))
        .set_max_height(usize::from(rect.height))
        .jpeg_set_out_colorspace(ColorSpace::RGB);
    // zune-jpeg is fuzzed upstream, but it is third-party code fed by the server: a panic in
    // it must close the session like any other bad data, not kill the reader thread.
    let decoded = std::panic::catch_unwind(move || {
        let mut decoder =
            zune_jpeg::JpegDecoder::new_with_options(std::io::Cursor::new(data), options);
        decoder.decode_headers().map_err(VncError::Jpeg)?;
        let info = decoder
            .info()
            .ok_or(VncError::InvalidTight("JPEG without a header"))?;
        if (info.width, info.height) != (rect.width, rect.height) {
            return Err(VncError::InvalidTight(
                "JPEG size differs from the rectangle",
            ));
        }
        decoder.decode().map_err(VncError::Jpeg)
    });
    let rgb = decoded.map_err(|_| VncError::InvalidTight("the JPEG decoder failed"))??;
    if rgb.len() != rect.area() as usize * 3 {
        return Err(VncError::InvalidTight(
            "JPEG size differs from the rectangle",
        ));
    }
    Ok(rgb.chunks_exact(3).map(tpixel).collect())
}

/// The test-side encoder, shared with the integration tests.
#[cfg(test)]
#[path = "../../tests/common/tight_encoder.rs"]
mod test_encoder;

#[cfg(test)]
mod tests {
    use super::*;

    use super::test_encoder as encoder;
    use encoder::{compact_len, jpeg_bytes, TightEncoder};

    /// Decodes one Tight rectangle body onto a black `w`×`h` screen; all bytes must be used.
    fn paint(state: &mut TightState, body: &[u8], w: u16, h: u16) -> Result<Vec<u32>, VncError> {
        let rect = Rect::new(0, 0, w, h);
        let mut input = body;
        let paint = decode(&mut input, &rect, state)?;
        assert!(input.is_empty(), "{} bytes left over", input.len());
        let mut fb = Framebuffer::new(w, h);
        match paint {
            TightPaint::Fill(c) => fb.fill(&rect, c),
            TightPaint::Pixels(p) | TightPaint::Jpeg(p) => {
                assert_eq!(p.len(), rect.area() as usize);
                fb.blit(&rect, &p);
            }
        }
        Ok(fb.pixels().iter().map(|p| p & 0xFF_FFFF).collect())
    }

    fn pattern(w: usize, h: usize) -> Vec<u32> {
        (0..w * h)
            .map(|i| {
                let (x, y) = ((i % w) as u32, (i / w) as u32);
                (x * 37 % 256) << 16 | (y * 11 % 256) << 8 | ((x ^ y) * 5 % 256)
            })
            .collect()
    }

    /// A copy rectangle (stream 0, no filter byte) whose zlib data inflates to `data`.
    fn zlib_body(data: &[u8]) -> Vec<u8> {
        let z = TightEncoder::new().deflate(0, data);
        let mut body = vec![0x00];
        body.extend(compact_len(z.len()));
        body.extend(z);
        body
    }

    /// A JPEG rectangle holding a grey `w`×`h` image.
    fn jpeg_body(w: u16, h: u16) -> Vec<u8> {
        let jpeg = jpeg_bytes(&vec![0x80; usize::from(w) * usize::from(h) * 3], w, h, 80);
        let mut body = vec![0x90];
        body.extend(compact_len(jpeg.len()));
        body.extend(jpeg);
        body
    }

    #[test]
    fn compact_lengths_of_one_two_and_three_bytes() {
        // (length, bytes it takes)
        let cases = [
            (0usize, 1),
            (1, 1),
            (127, 1),
            (128, 2),
            (300, 2),
            (16383, 2),
            (16384, 3),
            (1 << 20, 3),
            ((1 << 22) - 1, 3),
        ];
        for (n, size) in cases {
            let bytes = compact_len(n);
            assert_eq!(bytes.len(), size, "{n}");
            assert_eq!(super::compact_len(&mut &bytes[..]).unwrap(), n, "{n}");
        }
        // The third byte carries 8 bits: 0xFF there is the largest value, 2^22 - 1.
        let max = super::compact_len(&mut &[0xFFu8, 0xFF, 0xFF][..]).unwrap();
        assert_eq!(max, MAX_TIGHT_LEN as usize);
        assert!(super::compact_len(&mut &[0x80u8][..]).is_err(), "truncated");
    }

    #[test]
    fn rectangles_paint_their_pixels() {
        struct Case {
            name: &'static str,
            body: Vec<u8>,
            size: (u16, u16),
            want: Vec<u32>,
        }

        let fill = TightEncoder::new().fill(0x123456);
        assert_eq!(fill, vec![0x80, 0x12, 0x34, 0x56], "TPIXEL is R, G, B");

        // 3 pixels = 9 bytes < 12: no length, no zlib.
        let short = vec![0xFF0000, 0x00FF00, 0x0000FF];
        let short_copy = TightEncoder::new().copy(0, &short);
        assert_eq!(short_copy.len(), 1 + 9);

        // 10 pixels wide: each row is 2 bytes, the second padded.
        let two_indices: Vec<u8> = (0..30).map(|i| u8::from(i % 3 == 0)).collect();
        let two_colours = TightEncoder::new().palette(0, &[0x111111, 0xEEEEEE], &two_indices, 10);

        let palette: Vec<u32> = (0..256u32).map(|i| i * 0x010101).collect();
        let indices: Vec<u8> = (0..64 * 8).map(|i| (i * 7 % 256) as u8).collect();
        let large_palette = TightEncoder::new().palette(2, &palette, &indices, 64);

        let gradient_pixels = pattern(50, 20);
        let gradient = TightEncoder::new().gradient(3, &gradient_pixels, 50);
        assert_eq!(gradient[0], 0x40 | 3 << 4);
        assert_eq!(gradient[1], 2, "gradient filter id");

        let cases = [
            Case {
                name: "fill paints one colour",
                body: fill,
                size: (3, 2),
                want: vec![0x123456; 6],
            },
            Case {
                name: "basic copy, short data sent raw",
                body: short_copy,
                size: (3, 1),
                want: short,
            },
            Case {
                name: "two-colour palette, one bit per pixel",
                body: two_colours,
                size: (10, 3),
                want: two_indices
                    .iter()
                    .map(|&i| if i == 1 { 0xEEEEEE } else { 0x111111 })
                    .collect(),
            },
            Case {
                name: "larger palette, one byte per pixel",
                body: large_palette,
                size: (64, 8),
                want: indices.iter().map(|&i| palette[usize::from(i)]).collect(),
            },
            Case {
                name: "gradient filter is undone",
                body: gradient,
                size: (50, 20),
                want: gradient_pixels,
            },
        ];
        for case in cases {
            let (w, h) = case.size;
            match paint(&mut TightState::new(), &case.body, w, h) {
                Ok(got) => assert_eq!(got, case.want, "{}", case.name),
                Err(e) => panic!("{}: {e:?}", case.name),
            }
        }
    }

    #[test]
    fn basic_copy_with_explicit_filter_on_every_stream() {
        let mut s = TightState::new();
        let mut e = TightEncoder::new();
        let pixels = pattern(40, 30);
        for stream in 0..4 {
            let data: Vec<u8> = pixels.iter().flat_map(|p| encoder::tpixel(*p)).collect();
            let body = e.basic(stream, encoder::Filter::Copy, &[], &data);
            assert_eq!(body[0], 0x40 | (stream as u8) << 4, "stream {stream}");
            assert_eq!(
                paint(&mut s, &body, 40, 30).unwrap(),
                pixels,
                "stream {stream}"
            );
        }
    }

    #[test]
    fn streams_persist_and_reset_on_request() {
        let mut s = TightState::new();
        let mut e = TightEncoder::new();
        let pixels = pattern(32, 16);
        // The second rectangle's data refers back to the first through the stream's window.
        for _ in 0..2 {
            let body = e.copy(1, &pixels);
            assert_eq!(paint(&mut s, &body, 32, 16).unwrap(), pixels);
        }
        // The server restarts stream 1; without the reset bit the client would fail.
        e.reset(1);
        let body = e.copy(1, &pixels);
        assert_eq!(body[0] & 0x0F, 0b0010, "reset bit of stream 1");
        assert_eq!(paint(&mut s, &body, 32, 16).unwrap(), pixels);
        // The same fresh stream data without the reset bit is rejected by the old stream.
        let mut other = TightEncoder::new();
        let mut stale = other.copy(1, &pixels);
        stale[0] &= 0xF0;
        let _ = paint(&mut s, &e.copy(1, &pixels), 32, 16).unwrap();
        assert!(paint(&mut s, &stale, 32, 16).is_err());
    }

    #[test]
    fn jpeg_decodes_close_to_the_source() {
        let mut s = TightState::new();
        // Smooth content, as a server would send as JPEG.
        let (w, h) = (48u16, 32u16);
        let pixels: Vec<u32> = (0..usize::from(w) * usize::from(h))
            .map(|i| {
                let (x, y) = ((i % 48) as u32, (i / 48) as u32);
                (x * 5) << 16 | (y * 7) << 8 | 0x80
            })
            .collect();
        let body = TightEncoder::new().jpeg(&pixels, w, h, 90);
        let got = paint(&mut s, &body, w, h).unwrap();
        let worst = pixels
            .iter()
            .zip(&got)
            .flat_map(|(a, b)| {
                (0..3).map(move |c| ((a >> (8 * c)) & 0xFF).abs_diff((b >> (8 * c)) & 0xFF))
            })
            .max()
            .unwrap();
        assert!(worst <= 12, "JPEG differs by up to {worst}");
    }

    #[test]
    fn malformed_rectangles_are_errors() {
        struct Case {
            name: &'static str,
            body: Vec<u8>,
            size: (u16, u16),
            want: fn(&VncError) -> bool,
        }
        let palette: Vec<u32> = (0..100u32).collect();
        let mut indices = vec![5u8; 20];
        indices[13] = 100;
        let mut garbage_jpeg = vec![0x90, 20];
        garbage_jpeg.extend([0xAB; 20]);
        let mut zlib_length_lie = vec![0x00];
        zlib_length_lie.extend(compact_len(3 << 20));

        let cases = [
            Case {
                name: "palette index beyond the palette",
                body: TightEncoder::new().palette(0, &palette, &indices, 5),
                size: (5, 4),
                want: |e| matches!(e, VncError::InvalidTight("palette index out of range")),
            },
            Case {
                name: "8x8 JPEG for an 8x4 rectangle",
                body: jpeg_body(8, 8),
                size: (8, 4),
                want: |e| matches!(e, VncError::InvalidTight(_) | VncError::Jpeg(_)),
            },
            Case {
                name: "16x16 JPEG for an 8x4 rectangle",
                body: jpeg_body(16, 16),
                size: (8, 4),
                want: |e| matches!(e, VncError::InvalidTight(_) | VncError::Jpeg(_)),
            },
            Case {
                name: "16x4 JPEG for an 8x4 rectangle",
                body: jpeg_body(16, 4),
                size: (8, 4),
                want: |e| matches!(e, VncError::InvalidTight(_) | VncError::Jpeg(_)),
            },
            Case {
                name: "garbage instead of a JPEG",
                body: garbage_jpeg,
                size: (8, 4),
                want: |e| matches!(e, VncError::Jpeg(_)),
            },
            // A 64x64 copy needs 12,288 bytes. Megabytes of zlib output is either longer on
            // the wire than the rectangle can need, or stopped at exactly 12,288 bytes.
            Case {
                name: "8 MiB of zlib output for 64x64",
                body: zlib_body(&vec![7u8; 1 << 23]),
                size: (64, 64),
                want: |e| matches!(e, VncError::TooLarge { .. }),
            },
            Case {
                name: "64 KiB of zlib output for 64x64",
                body: zlib_body(&vec![7u8; 1 << 16]),
                size: (64, 64),
                want: |e| {
                    matches!(
                        e,
                        VncError::InvalidTight("zlib data inflates beyond the rectangle")
                    )
                },
            },
            Case {
                name: "one byte more than the rectangle needs",
                body: zlib_body(&[7u8; 49]),
                size: (4, 4),
                want: |e| {
                    matches!(
                        e,
                        VncError::InvalidTight("zlib data inflates beyond the rectangle")
                    )
                },
            },
            Case {
                name: "one byte less than the rectangle needs",
                body: zlib_body(&[7u8; 47]),
                size: (4, 4),
                want: |e| {
                    matches!(
                        e,
                        VncError::InvalidTight("zlib data ends before the rectangle")
                    )
                },
            },
            // 4x4 copy: 48 bytes inflated, so 3 MiB of zlib data is a lie, refused before
            // reading it.
            Case {
                name: "compact length beyond what the rectangle needs",
                body: zlib_length_lie,
                size: (4, 4),
                want: |e| {
                    matches!(
                        e,
                        VncError::TooLarge {
                            what: "Tight zlib length",
                            ..
                        }
                    )
                },
            },
            // A JPEG claiming more than it sends ends in EOF, not a 4 MiB allocation up front.
            Case {
                name: "JPEG claiming more than it sends",
                body: vec![0x90, 0xFF, 0xFF, 0xFF, 1, 2, 3],
                size: (4, 4),
                want: |e| matches!(e, VncError::Io(_)),
            },
            Case {
                name: "compression type 0xA",
                body: vec![0xA0, 0, 0, 0],
                size: (1, 1),
                want: |e| matches!(e, VncError::InvalidTight("unknown compression type")),
            },
            Case {
                name: "compression type 0xB",
                body: vec![0xB0, 0, 0, 0],
                size: (1, 1),
                want: |e| matches!(e, VncError::InvalidTight("unknown compression type")),
            },
            Case {
                name: "compression type 0xF",
                body: vec![0xF0, 0, 0, 0],
                size: (1, 1),
                want: |e| matches!(e, VncError::InvalidTight("unknown compression type")),
            },
            Case {
                name: "filter 3",
                body: vec![0x40, 3, 0, 0, 0],
                size: (1, 1),
                want: |e| matches!(e, VncError::InvalidTight("unknown filter")),
            },
        ];
        for case in cases {
            let (w, h) = case.size;
            let err = paint(&mut TightState::new(), &case.body, w, h);
            assert!(
                matches!(&err, Err(e) if (case.want)(e)),
                "{}: {err:?}",
                case.name
            );
        }
    }

    #[test]
    fn every_truncation_is_a_clean_error() {
        let mut e = TightEncoder::new();
        let pixels = pattern(20, 10);
        let palette_indices = [0, 1, 2, 1, 0, 2, 2, 2, 1, 1, 0, 0, 1, 2, 0, 1, 2, 0, 1, 2];
        // (name, body, rectangle size)
        let cases = [
            ("fill", e.fill(0xABCDEF), (20, 10)),
            ("copy", e.copy(0, &pixels), (20, 10)),
            (
                "palette",
                e.palette(1, &[1, 2, 3], &palette_indices, 5),
                (5, 4),
            ),
            ("gradient", e.gradient(2, &pixels, 20), (20, 10)),
            ("JPEG", e.jpeg(&pixels, 20, 10, 75), (20, 10)),
        ];
        for (name, body, (w, h)) in cases {
            for len in 0..body.len() {
                // Fresh streams each time: a truncated rectangle leaves its stream unusable.
                let err = paint(&mut TightState::new(), &body[..len], w, h);
                assert!(
                    err.is_err(),
                    "{name}: truncated to {len} of {} decoded",
                    body.len()
                );
            }
        }
    }
}
