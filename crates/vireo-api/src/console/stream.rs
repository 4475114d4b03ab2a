//! The binary messages a console sends to the page, little-endian:
//!
//! - `1` FRAME: u16 width, u16 height (the framebuffer's), u16 rect count, u32 the number of
//!   server updates so far (the page compares it with the frames it painted), then per rect
//!   u16 x, y, w, h, u8 encoding and its data:
//!   - `0` RAW: w×h×4 bytes of RGBA, ready for `ImageData`;
//!   - `1` PALETTE: u8 n (1..=16), n×4 bytes of RGBA colours, then, when n ≥ 2, h rows of
//!     indices of 1 (n = 2), 2 (n ≤ 4) or 4 bits (n ≤ 16), first pixel in the high bits,
//!     each row starting on a byte. n = 1 is a solid fill.
//!
//!   Changed areas go out as tiles of at most [`TILE`]×[`TILE`], each with the smaller
//!   encoding: a text screen is two colours a tile, 1 bit a pixel instead of 32.
//! - `2` CLOSED: the UTF-8 reason.
//! - `3` CURSOR: u16 width, height, hotspot x, hotspot y, then w×h×4 bytes of RGBA (a 0×0
//!   cursor hides it).
//! - `4` FRAME_PART: laid out as FRAME; more of the same frame follows, the FRAME ends it.
//!   A large frame goes out as parts of at most about [`PART_BYTES`] (see [`frame_messages`]).
//!
//! The sender coalesces changes while the page has not painted what it got, so a slow page
//! never makes memory grow. [`decode_frame`] is the page's decoder in Rust, for tests.

use vireo_vnc::{CursorImage, Framebuffer, Rect};

pub const FRAME: u8 = 1;
pub const CLOSED: u8 = 2;
pub const CURSOR: u8 = 3;
pub const FRAME_PART: u8 = 4;
/// The screen's size (u16 each), the native surface's count of painted frames and the
/// server's update count (u32 each): sent while the screen is painted outside the page, so
/// the page keeps its canvas the screen's size and its counters whole.
pub const SURFACE: u8 = 5;
/// Rect encodings inside a FRAME.
pub const RAW: u8 = 0;
pub const PALETTE: u8 = 1;
/// The most colours a PALETTE rect has.
pub const MAX_COLORS: usize = 16;
/// Changed areas are cut into tiles of at most this many pixels a side (as ZRLE does): each
/// tile picks its own encoding, so a window of photo next to text costs RAW only where needed.
pub const TILE: u16 = 64;
/// The largest message a frame is split into. Measured with the console benchmark on a 1080p
/// screen: WebKitGTK's network process took 28 % of a core for whole 8 MB frames, 12 % for the
/// same bytes in 256 KiB parts.
pub const PART_BYTES: usize = 256 * 1024;
/// Bytes before the first rect of a FRAME.
pub const FRAME_HEADER: usize = 11;
/// Bytes before a rect's data: x, y, w, h, encoding.
pub const RECT_HEADER: usize = 9;

/// A FRAME with the pixels of `rects` (clipped to the framebuffer), however large.
pub fn frame_message(fb: &Framebuffer, rects: &[Rect], updates: u32) -> Vec<u8> {
    let mut messages = frame_messages(fb, rects, updates, usize::MAX);
    debug_assert_eq!(messages.len(), 1);
    messages.pop().unwrap_or_default()
}

fn clip(r: &Rect, bounds: &Rect) -> Option<Rect> {
    let x2 = (u32::from(r.x) + u32::from(r.width)).min(u32::from(bounds.width));
    let y2 = (u32::from(r.y) + u32::from(r.height)).min(u32::from(bounds.height));
    (u32::from(r.x) < x2 && u32::from(r.y) < y2).then(|| {
        Rect::new(
            r.x,
            r.y,
            (x2 - u32::from(r.x)) as u16,
            (y2 - u32::from(r.y)) as u16,
        )
    })
}

/// `rect` cut into tiles of at most [`TILE`]×[`TILE`], row by row.
fn tiles(rect: Rect) -> impl Iterator<Item = Rect> {
    let (x0, y0) = (u32::from(rect.x), u32::from(rect.y));
    let (x1, y1) = (x0 + u32::from(rect.width), y0 + u32::from(rect.height));
    let step = u32::from(TILE);
    (y0..y1).step_by(TILE.into()).flat_map(move |y| {
        (x0..x1).step_by(TILE.into()).map(move |x| {
            Rect::new(
                x as u16,
                y as u16,
                (step.min(x1 - x)) as u16,
                (step.min(y1 - y)) as u16,
            )
        })
    })
}

/// `0xFFRRGGBB` → R, G, B, A.
fn rgba(p: u32) -> [u8; 4] {
    [(p >> 16) as u8, (p >> 8) as u8, p as u8, 0xff]
}

/// The rows of `r` in the framebuffer.
fn rows<'a>(fb: &'a Framebuffer, r: &Rect) -> impl Iterator<Item = &'a [u32]> + 'a {
    let stride = usize::from(fb.width());
    let (x, w) = (usize::from(r.x), usize::from(r.width));
    (usize::from(r.y)..usize::from(r.y) + usize::from(r.height))
        .map(move |row| &fb.pixels()[row * stride + x..row * stride + x + w])
}

/// The colours of `r` if there are at most [`MAX_COLORS`], in order of appearance.
fn palette(fb: &Framebuffer, r: &Rect) -> Option<Vec<u32>> {
    let first = rows(fb, r).next()?.first().copied()?;
    let mut colors: Vec<u32> = Vec::with_capacity(MAX_COLORS);
    colors.push(first);
    let mut last = first;
    for row in rows(fb, r) {
        for &p in row {
            if p == last || p == first {
                continue;
            }
            last = p;
            if !colors.contains(&p) {
                if colors.len() == MAX_COLORS {
                    return None;
                }
                colors.push(p);
            }
        }
    }
    Some(colors)
}

fn index_bits(colors: usize) -> u32 {
    match colors {
        0 | 1 => 0,
        2 => 1,
        3 | 4 => 2,
        _ => 4,
    }
}

/// Appends rect `r` (inside the framebuffer) with its header, as PALETTE when it has few
/// colours, else RAW.
fn encode_rect(fb: &Framebuffer, r: &Rect, out: &mut Vec<u8>) {
    for v in [r.x, r.y, r.width, r.height] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    let Some(colors) = palette(fb, r) else {
        out.push(RAW);
        out.reserve(r.area() as usize * 4);
        for row in rows(fb, r) {
            for &p in row {
                out.extend_from_slice(&rgba(p));
            }
        }
        return;
    };
    out.push(PALETTE);
    out.push(colors.len() as u8);
    for &c in &colors {
        out.extend_from_slice(&rgba(c));
    }
    let bits = index_bits(colors.len());
    if bits == 0 {
        return;
    }
    let per_byte = (8 / bits) as usize;
    // Without branches: text alternates colours unpredictably. Pixels are opaque, so the
    // zero padding matches none, and exactly one entry matches (every colour is present).
    let mut table = [0u32; MAX_COLORS];
    table[..colors.len()].copy_from_slice(&colors);
    let index = |p: u32| {
        if bits == 1 {
            return u8::from(p != table[0]);
        }
        table
            .iter()
            .enumerate()
            .fold(0u8, |acc, (i, &c)| acc | (u8::from(c == p) * i as u8))
    };
    out.reserve(usize::from(r.height) * usize::from(r.width).div_ceil(per_byte));
    for row in rows(fb, r) {
        for chunk in row.chunks(per_byte) {
            let mut byte = 0u8;
            for &p in chunk {
                byte = (byte << bits) | index(p);
            }
            out.push(byte << (bits as usize * (per_byte - chunk.len())));
        }
    }
}

/// The pixels of `rects` as messages of at most about `max_bytes` (one tile may exceed it):
/// every message but the last is a FRAME_PART, the last a FRAME; tiles are never split.
pub fn frame_messages(
    fb: &Framebuffer,
    rects: &[Rect],
    updates: u32,
    max_bytes: usize,
) -> Vec<Vec<u8>> {
    let start = |kind: u8| {
        let mut m = Vec::with_capacity(FRAME_HEADER + 4096);
        m.push(kind);
        m.extend_from_slice(&fb.width().to_le_bytes());
        m.extend_from_slice(&fb.height().to_le_bytes());
        m.extend_from_slice(&0u16.to_le_bytes());
        m.extend_from_slice(&updates.to_le_bytes());
        m
    };
    let set_count = |m: &mut Vec<u8>, n: u16| m[5..7].copy_from_slice(&n.to_le_bytes());
    let bounds = fb.bounds();
    let mut messages = Vec::new();
    let mut current = start(FRAME);
    let mut count = 0u16;
    for r in rects.iter().filter_map(|r| clip(r, &bounds)) {
        for t in tiles(r) {
            // Encoded in place; only a tile that overflows the message is moved to the next.
            let mark = current.len();
            encode_rect(fb, &t, &mut current);
            let full = count == u16::MAX || (count > 0 && current.len() > max_bytes);
            if full {
                let tile = current.split_off(mark);
                set_count(&mut current, count);
                current[0] = FRAME_PART;
                messages.push(std::mem::replace(&mut current, start(FRAME)));
                current.extend_from_slice(&tile);
                count = 0;
            }
            count += 1;
        }
    }
    set_count(&mut current, count);
    messages.push(current);
    messages
}

/// What a FRAME or FRAME_PART says besides its pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameInfo {
    pub width: u16,
    pub height: u16,
    pub updates: u32,
    /// False for a FRAME_PART.
    pub end: bool,
    pub rects: u16,
}

/// Why a message is not a well-formed frame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StreamError {
    #[error("not a frame (kind {0})")]
    NotAFrame(u8),
    #[error("frame truncated at byte {0}")]
    Truncated(usize),
    #[error("rect {0} has unknown encoding {1}")]
    UnknownEncoding(u16, u8),
    #[error("rect {0} has {1} colours (1 to 16 allowed)")]
    BadPalette(u16, u8),
    #[error("rect {0} uses colour {1} of {2}")]
    BadIndex(u16, u8, u8),
    #[error("{len} bytes left over after the last rect")]
    TrailingBytes { len: usize },
}

/// Paints a FRAME or FRAME_PART into `rgba` (`width`×`height`, 4 bytes a pixel), clipping
/// rects to it, as the page does.
pub fn decode_frame(
    msg: &[u8],
    width: u16,
    height: u16,
    rgba: &mut [u8],
) -> Result<FrameInfo, StreamError> {
    let kind = *msg.first().ok_or(StreamError::Truncated(0))?;
    if kind != FRAME && kind != FRAME_PART {
        return Err(StreamError::NotAFrame(kind));
    }
    let bytes = |at: usize, n: usize| msg.get(at..at + n).ok_or(StreamError::Truncated(at));
    let u16_at = |at: usize| bytes(at, 2).map(|b| u16::from_le_bytes([b[0], b[1]]));
    let info = FrameInfo {
        width: u16_at(1)?,
        height: u16_at(3)?,
        rects: u16_at(5)?,
        updates: u32::from_le_bytes(bytes(7, 4)?.try_into().unwrap_or_default()),
        end: kind == FRAME,
    };
    let (dw, dh) = (usize::from(width), usize::from(height));
    let mut put = |x: usize, y: usize, px: &[u8]| {
        if x < dw && y < dh {
            let at = (y * dw + x) * 4;
            if let Some(d) = rgba.get_mut(at..at + 4) {
                d.copy_from_slice(px);
            }
        }
    };
    let mut at = FRAME_HEADER;
    for i in 0..info.rects {
        let (x, y) = (usize::from(u16_at(at)?), usize::from(u16_at(at + 2)?));
        let (w, h) = (usize::from(u16_at(at + 4)?), usize::from(u16_at(at + 6)?));
        let encoding = bytes(at + 8, 1)?[0];
        at += RECT_HEADER;
        match encoding {
            RAW => {
                let data = bytes(at, w * h * 4)?;
                for (n, px) in data.chunks_exact(4).enumerate() {
                    put(x + n % w, y + n / w, px);
                }
                at += w * h * 4;
            }
            PALETTE => {
                let n = bytes(at, 1)?[0];
                if n == 0 || usize::from(n) > MAX_COLORS {
                    return Err(StreamError::BadPalette(i, n));
                }
                let colors = bytes(at + 1, usize::from(n) * 4)?;
                at += 1 + usize::from(n) * 4;
                let bits = index_bits(n.into()) as usize;
                if bits == 0 {
                    for row in 0..h {
                        for col in 0..w {
                            put(x + col, y + row, colors);
                        }
                    }
                    continue;
                }
                let stride = (w * bits).div_ceil(8);
                let data = bytes(at, stride * h)?;
                for row in 0..h {
                    for col in 0..w {
                        let bit = col * bits;
                        let byte = data[row * stride + bit / 8];
                        let index = (byte >> (8 - bits - bit % 8)) & ((1 << bits) - 1) as u8;
                        if index >= n {
                            return Err(StreamError::BadIndex(i, index, n));
                        }
                        let c = usize::from(index) * 4;
                        put(x + col, y + row, &colors[c..c + 4]);
                    }
                }
                at += stride * h;
            }
            other => return Err(StreamError::UnknownEncoding(i, other)),
        }
    }
    if at != msg.len() {
        return Err(StreamError::TrailingBytes {
            len: msg.len() - at,
        });
    }
    Ok(info)
}

/// A CURSOR with the guest's pointer image.
pub fn cursor_message(cursor: &CursorImage) -> Vec<u8> {
    let mut out = Vec::with_capacity(9 + cursor.rgba.len());
    out.push(CURSOR);
    for v in [
        cursor.width,
        cursor.height,
        cursor.hotspot_x,
        cursor.hotspot_y,
    ] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&cursor.rgba);
    out
}

/// A SURFACE: the screen's size, frames the native surface painted so far, and the server's
/// update count.
pub fn surface_message(width: u16, height: u16, painted: u32, updates: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(13);
    out.push(SURFACE);
    out.extend_from_slice(&width.to_le_bytes());
    out.extend_from_slice(&height.to_le_bytes());
    out.extend_from_slice(&painted.to_le_bytes());
    out.extend_from_slice(&updates.to_le_bytes());
    out
}

pub fn closed_message(reason: &str) -> Vec<u8> {
    let mut out = vec![CLOSED];
    out.extend_from_slice(reason.as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A framebuffer filled from `f(x, y)`.
    fn fb_from(width: u16, height: u16, mut f: impl FnMut(u16, u16) -> u32) -> Framebuffer {
        let px: Vec<u32> = (0..height)
            .flat_map(|y| (0..width).map(move |x| (x, y)))
            .map(|(x, y)| f(x, y))
            .collect();
        Framebuffer::from_pixels(width, height, px).unwrap()
    }

    fn as_rgba(fb: &Framebuffer) -> Vec<u8> {
        fb.pixels().iter().flat_map(|&p| rgba(p)).collect()
    }

    /// Decodes all messages of a frame onto a black screen.
    fn decoded(fb: &Framebuffer, messages: &[Vec<u8>]) -> Vec<u8> {
        let mut out = as_rgba(&Framebuffer::new(fb.width(), fb.height()));
        for m in messages {
            decode_frame(m, fb.width(), fb.height(), &mut out).unwrap();
        }
        out
    }

    /// A small deterministic generator (no dependency for it).
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> u32 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 33) as u32
        }
    }

    #[test]
    fn surface_counters_are_little_endian_after_the_size() {
        assert_eq!(
            surface_message(1920, 1080, 0x0102_0304, 7),
            [SURFACE, 0x80, 0x07, 0x38, 0x04, 4, 3, 2, 1, 7, 0, 0, 0]
        );
    }

    #[test]
    fn many_colours_go_raw_as_rgba_rows() {
        // 17 colours: one more than a palette holds.
        let fb = fb_from(17, 1, |x, _| 0xFF00_0000 | (u32::from(x) * 0x0001_0203));
        let msg = frame_message(&fb, &[fb.bounds()], 0x0102_0304);
        assert_eq!(&msg[..11], &[FRAME, 17, 0, 1, 0, 1, 0, 4, 3, 2, 1]);
        assert_eq!(&msg[11..20], &[0, 0, 0, 0, 17, 0, 1, 0, RAW]);
        assert_eq!(msg.len(), 20 + 17 * 4);
        assert_eq!(&msg[20 + 16 * 4..], &[16, 32, 48, 0xff]);
    }

    #[test]
    fn one_colour_is_a_solid_fill() {
        let fb = fb_from(70, 3, |_, _| 0xFF11_2233);
        let msg = frame_message(&fb, &[Rect::new(1, 0, 3, 2)], 0);
        assert_eq!(
            &msg[11..],
            &[1, 0, 0, 0, 3, 0, 2, 0, PALETTE, 1, 0x11, 0x22, 0x33, 0xff]
        );
    }

    #[test]
    fn two_colours_take_a_bit_a_pixel_with_rows_on_bytes() {
        // Row 0: A B A A A A A A B (9 px → 2 bytes); row 1: all B.
        let (a, b) = (0xFF00_0000, 0xFFFF_FFFF);
        let fb = fb_from(9, 2, |x, y| if y == 1 || x == 1 || x == 8 { b } else { a });
        let msg = frame_message(&fb, &[fb.bounds()], 0);
        let data = &msg[11 + RECT_HEADER..];
        assert_eq!(&data[..9], &[2, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff]);
        assert_eq!(&data[9..], &[0b0100_0000, 0b1000_0000, 0xff, 0b1000_0000]);
    }

    #[test]
    fn up_to_four_colours_take_two_bits_and_up_to_sixteen_four() {
        let fb = fb_from(3, 1, |x, _| 0xFF00_0000 | u32::from(x));
        let msg = frame_message(&fb, &[fb.bounds()], 0);
        assert_eq!(msg[11 + RECT_HEADER], 3);
        assert_eq!(&msg[11 + RECT_HEADER + 1 + 12..], &[0b0001_1000]);
        let fb = fb_from(5, 1, |x, _| 0xFF00_0000 | u32::from(4 - x));
        let msg = frame_message(&fb, &[fb.bounds()], 0);
        assert_eq!(msg[11 + RECT_HEADER], 5);
        assert_eq!(
            &msg[11 + RECT_HEADER + 1 + 20..],
            &[0x01, 0x23, 0x40],
            "indices in order of appearance"
        );
    }

    #[test]
    fn frames_decode_to_the_framebuffer_at_any_size_and_colour_count() {
        let mut rng = Lcg(7);
        for (w, h, colours) in [
            (1, 1, 1),
            (64, 64, 2),
            (65, 3, 3),
            (130, 70, 4),
            (67, 129, 9),
        ]
        .into_iter()
        .chain([(200, 90, 16), (150, 66, 17), (100, 100, 1000)])
        {
            let palette: Vec<u32> = (0..colours).map(|_| 0xFF00_0000 | rng.next()).collect();
            let picks: Vec<u32> = (0..u32::from(w) * u32::from(h))
                .map(|_| palette[rng.next() as usize % palette.len()])
                .collect();
            let fb = fb_from(w, h, |x, y| {
                picks[usize::from(y) * usize::from(w) + usize::from(x)]
            });
            let msgs = frame_messages(&fb, &[fb.bounds()], 3, PART_BYTES);
            assert_eq!(
                decoded(&fb, &msgs),
                as_rgba(&fb),
                "{w}x{h}, {colours} colours"
            );
        }
    }

    #[test]
    fn a_text_screen_is_a_small_fraction_of_rgba() {
        // Glyph-like noise in two colours over a 1920x1080 screen.
        let mut rng = Lcg(1);
        let bits: Vec<bool> = (0..1920 * 1080)
            .map(|_| rng.next().is_multiple_of(5))
            .collect();
        let fb = fb_from(1920, 1080, |x, y| {
            if bits[usize::from(y) * 1920 + usize::from(x)] {
                0xFFAA_AAAA
            } else {
                0xFF00_0000
            }
        });
        let msgs = frame_messages(&fb, &[fb.bounds()], 0, PART_BYTES);
        let bytes: usize = msgs.iter().map(Vec::len).sum();
        assert!(bytes < 1920 * 1080 * 4 / 25, "{bytes} bytes");
        assert_eq!(decoded(&fb, &msgs), as_rgba(&fb));
    }

    #[test]
    fn rects_are_clipped_to_the_screen() {
        let fb = Framebuffer::new(4, 4);
        let msg = frame_message(&fb, &[Rect::new(2, 2, 10, 10), Rect::new(9, 9, 1, 1)], 1);
        assert_eq!(
            u16::from_le_bytes([msg[5], msg[6]]),
            1,
            "the outside rect is dropped"
        );
        assert_eq!(
            &msg[11..11 + RECT_HEADER],
            &[2, 0, 2, 0, 2, 0, 2, 0, PALETTE]
        );
    }

    #[test]
    fn large_frames_are_split_between_tiles_ending_with_a_frame() {
        let mut rng = Lcg(3);
        let fb = fb_from(300, 200, |_, _| 0xFF00_0000 | rng_pixel(&mut rng));
        // A whole 64x64 RAW tile is 16 KiB: a 40 KiB message holds two, or more edge tiles.
        let msgs = frame_messages(&fb, &[fb.bounds()], 9, 40 * 1024);
        let tiles = 5 * 4;
        assert!(msgs.len() >= 6, "{} messages", msgs.len());
        assert!(msgs.iter().all(|m| m.len() <= 40 * 1024));
        assert!(msgs[..msgs.len() - 1].iter().all(|m| m[0] == FRAME_PART));
        assert_eq!(msgs.last().unwrap()[0], FRAME);
        let mut out = vec![0; 300 * 200 * 4];
        let infos: Vec<FrameInfo> = msgs
            .iter()
            .map(|m| decode_frame(m, 300, 200, &mut out).unwrap())
            .collect();
        assert_eq!(
            infos.iter().map(|i| usize::from(i.rects)).sum::<usize>(),
            tiles
        );
        assert!(infos
            .iter()
            .all(|i| i.updates == 9 && (i.width, i.height) == (300, 200)));
        assert_eq!(out, as_rgba(&fb));
        // Small frames stay one message, and an empty one is an empty FRAME.
        assert_eq!(
            frame_messages(&fb, &[Rect::new(1, 1, 2, 2)], 9, 40 * 1024).len(),
            1
        );
        let empty = frame_messages(&fb, &[], 9, 40 * 1024);
        assert_eq!(empty, vec![vec![FRAME, 44, 1, 200, 0, 0, 0, 9, 0, 0, 0]]);
    }

    fn rng_pixel(rng: &mut Lcg) -> u32 {
        rng.next() & 0x00FF_FFFF
    }

    #[test]
    fn broken_frames_are_errors_never_panics() {
        let fb = fb_from(20, 3, |x, y| 0xFF00_0000 | u32::from(x % 3 + y));
        let good = frame_message(&fb, &[fb.bounds()], 0);
        let mut out = vec![0; 20 * 3 * 4];
        for len in 0..good.len() {
            assert!(
                decode_frame(&good[..len], 20, 3, &mut out).is_err(),
                "cut at {len}"
            );
        }
        let mut long = good.clone();
        long.push(0);
        assert_eq!(
            decode_frame(&long, 20, 3, &mut out),
            Err(StreamError::TrailingBytes { len: 1 })
        );
        let colours_at = FRAME_HEADER + RECT_HEADER;
        assert_eq!(good[colours_at], 5);
        let mut bad = good.clone();
        bad[colours_at - 1] = 7;
        assert_eq!(
            decode_frame(&bad, 20, 3, &mut out),
            Err(StreamError::UnknownEncoding(0, 7))
        );
        for n in [0, 17] {
            let mut bad = good.clone();
            bad[colours_at] = n;
            assert_eq!(
                decode_frame(&bad, 20, 3, &mut out),
                Err(StreamError::BadPalette(0, n))
            );
        }
        // 4-bit indices: 0xF is past the 5 colours.
        let mut bad = good.clone();
        bad[colours_at + 1 + 5 * 4] = 0xF0;
        assert_eq!(
            decode_frame(&bad, 20, 3, &mut out),
            Err(StreamError::BadIndex(0, 15, 5))
        );
        assert_eq!(
            decode_frame(&[CURSOR], 20, 3, &mut out),
            Err(StreamError::NotAFrame(CURSOR))
        );
        // A frame for a larger screen is clipped, not an error.
        let big = frame_message(
            &fb_from(90, 90, |_, _| 0xFF12_3456),
            &[Rect::new(0, 0, 90, 90)],
            0,
        );
        assert!(decode_frame(&big, 20, 3, &mut out).is_ok());
        assert_eq!(&out[..4], &[0x12, 0x34, 0x56, 0xff]);
    }

    #[test]
    fn cursor_carries_size_hotspot_and_rgba() {
        let cursor = CursorImage {
            width: 2,
            height: 1,
            hotspot_x: 1,
            hotspot_y: 0,
            rgba: vec![1, 2, 3, 255, 4, 5, 6, 0],
        };
        assert_eq!(
            cursor_message(&cursor),
            [CURSOR, 2, 0, 1, 0, 1, 0, 0, 0, 1, 2, 3, 255, 4, 5, 6, 0]
        );
    }

    #[test]
    fn closed_carries_the_reason() {
        assert_eq!(closed_message("bye"), b"\x02bye");
    }

    /// The page's decoder is tested against what this encoder really sends: the frames
    /// below, encoded here, are decoded by `ui/src/console/protocol.golden.test.ts`, which
    /// compares the pixels with the screens they came from. `VIREO_BLESS=1` rewrites the file.
    #[test]
    fn golden_frames_for_the_page_are_current() {
        let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        let mut rng = Lcg(7);
        let screens: Vec<(&str, Framebuffer, usize)> = vec![
            ("solid", fb_from(70, 20, |_, _| 0xFF20_4060), PART_BYTES),
            (
                "text: two colours, 1-bit indices",
                fb_from(70, 20, |x, y| {
                    if (x * 7 + y * 3) % 5 == 0 {
                        0xFFFF_FFFF
                    } else {
                        0xFF00_0000
                    }
                }),
                PART_BYTES,
            ),
            (
                "four colours, 2-bit indices",
                fb_from(70, 20, |x, y| {
                    [0xFF00_0000, 0xFFFF_0000, 0xFF00_FF00, 0xFF00_00FF]
                        [usize::from((x / 3 + y) % 4)]
                }),
                PART_BYTES,
            ),
            (
                "sixteen colours, 4-bit indices",
                fb_from(70, 20, |x, y| {
                    0xFF00_0000 | (u32::from((x + y * 2) % 16) * 0x0011_0F03)
                }),
                PART_BYTES,
            ),
            (
                "noise: RAW tiles, sent in parts",
                fb_from(70, 20, |_, _| rng_pixel(&mut rng)),
                4096,
            ),
        ];
        let mut json = String::from("[\n");
        for (i, (name, fb, part)) in screens.iter().enumerate() {
            let messages = frame_messages(fb, &[fb.bounds()], 1, *part);
            let rgba: Vec<u8> = fb.pixels().iter().flat_map(|&p| rgba(p)).collect();
            let list: Vec<String> = messages.iter().map(|m| format!("\"{}\"", hex(m))).collect();
            json.push_str(&format!(
                "  {{\"name\": \"{name}\", \"width\": {}, \"height\": {}, \"messages\": [{}], \"rgba\": \"{}\"}}{}\n",
                fb.width(),
                fb.height(),
                list.join(", "),
                hex(&rgba),
                if i + 1 < screens.len() { "," } else { "" }
            ));
        }
        json.push_str("]\n");
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../ui/src/console/testdata/frames.golden.json");
        if std::env::var_os("VIREO_BLESS").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &json).unwrap();
        }
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            current == json,
            "{} is out of date with the frame encoder; regenerate with \
             VIREO_BLESS=1 cargo test -p vireo-api golden_frames",
            path.display()
        );
    }
}
