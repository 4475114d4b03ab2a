//! Decoding server-to-client messages into the framebuffer.
//!
//! The framebuffer lock is never held across a socket read: each rectangle's
//! bytes are read first, then the lock is taken only to paint them, so a
//! renderer reading the framebuffer never waits for the network.

use std::io::Read;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use flate2::{Decompress, FlushDecompress, Status};

use crate::error::VncError;
use crate::framebuffer::{DirtyRegion, Framebuffer, Rect};
use crate::wire::{self, check_limit, encoding, read_i32, read_u16, read_u32, read_u8};
use tight::{TightPaint, TightState};

mod tight;

pub use tight::MAX_TIGHT_LEN;

/// Largest framebuffer side we accept (desktop and ServerInit): a real display's, so one
/// session's framebuffer stays under 256 MiB.
pub const MAX_DIMENSION: u16 = 8192;
/// Largest ServerInit desktop name and refusal reason.
pub const MAX_NAME_LEN: u32 = 4096;
/// Largest ServerCutText we skip; more is treated as hostile.
pub const MAX_CUT_TEXT_LEN: u32 = 1 << 20;
/// Largest compressed ZRLE rectangle whatever its size; a rectangle's own limit is lower
/// ([`zrle_limit`]).
pub const MAX_ZRLE_LEN: u32 = 64 << 20;
/// Largest cursor side.
pub const MAX_CURSOR_DIMENSION: u16 = 256;
/// ZRLE tile side.
const TILE: u16 = 64;

/// A cursor image from the Cursor pseudo-encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CursorImage {
    /// Width in pixels (0 hides the cursor).
    pub width: u16,
    /// Height in pixels.
    pub height: u16,
    /// Hotspot column.
    pub hotspot_x: u16,
    /// Hotspot row.
    pub hotspot_y: u16,
    /// `width * height` pixels as RGBA bytes; alpha is 0 or 255 from the mask.
    pub rgba: Vec<u8>,
}

/// How many rectangles of each encoding a session has decoded: what a server
/// really sends, for measurements and reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RectCounts {
    /// Raw rectangles.
    pub raw: u64,
    /// CopyRect rectangles.
    pub copy_rect: u64,
    /// ZRLE rectangles.
    pub zrle: u64,
    /// Tight fill rectangles.
    pub tight_fill: u64,
    /// Tight JPEG rectangles.
    pub tight_jpeg: u64,
    /// Tight basic (zlib, copy/palette/gradient) rectangles.
    pub tight_basic: u64,
}

/// What one complete FramebufferUpdate did.
#[derive(Debug, Default)]
pub(crate) struct UpdateOutcome {
    pub resized: Option<(u16, u16)>,
    pub dirty: Vec<Rect>,
    pub cursor: Option<CursorImage>,
}

/// One decoded server message.
#[derive(Debug)]
pub(crate) enum ServerMessage {
    Update(UpdateOutcome),
    Bell,
    /// A Fence (type 248); its flags and payload (at most 64 bytes).
    Fence {
        flags: u32,
        payload: Vec<u8>,
    },
    /// EndOfContinuousUpdates (type 150): the server supports continuous
    /// updates, or has stopped sending them.
    EndOfContinuousUpdates,
    /// Colour map entries or cut text: read and dropped.
    Ignored,
}

/// Locks the framebuffer, recovering from a poisoned lock: the pixels are
/// plain data and remain usable after a panic elsewhere.
pub(crate) fn lock(fb: &Mutex<Framebuffer>) -> MutexGuard<'_, Framebuffer> {
    fb.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Per-connection decoding state.
pub(crate) struct Decoder {
    framebuffer: Arc<Mutex<Framebuffer>>,
    /// ZRLE uses one zlib stream for the whole connection.
    zlib: Decompress,
    extended_keys: Arc<AtomicBool>,
    led_state: Arc<AtomicU8>,
    max_dimension: u16,
    tile: Vec<u32>,
    tight: TightState,
    counts: Arc<Mutex<RectCounts>>,
}

impl Decoder {
    pub(crate) fn new(
        framebuffer: Arc<Mutex<Framebuffer>>,
        extended_keys: Arc<AtomicBool>,
        led_state: Arc<AtomicU8>,
        max_dimension: u16,
    ) -> Self {
        Decoder {
            framebuffer,
            zlib: Decompress::new(true),
            extended_keys,
            led_state,
            max_dimension,
            tile: Vec::with_capacity(usize::from(TILE) * usize::from(TILE)),
            tight: TightState::new(),
            counts: Arc::default(),
        }
    }

    /// The rectangle counts, shared with whoever reports them.
    pub(crate) fn counts(&self) -> Arc<Mutex<RectCounts>> {
        Arc::clone(&self.counts)
    }

    fn count(&self, f: impl FnOnce(&mut RectCounts)) {
        f(&mut self.counts.lock().unwrap_or_else(PoisonError::into_inner));
    }

    /// Reads and applies one server message.
    pub(crate) fn read_message(&mut self, r: &mut dyn Read) -> Result<ServerMessage, VncError> {
        match read_u8(r)? {
            0 => self.read_update(r).map(ServerMessage::Update),
            1 => {
                // SetColourMapEntries: never used with our true-colour format.
                let _pad = read_u8(r)?;
                let _first = read_u16(r)?;
                let count = read_u16(r)?;
                wire::skip(r, u64::from(count) * 6)?;
                Ok(ServerMessage::Ignored)
            }
            2 => Ok(ServerMessage::Bell),
            3 => {
                let _pad: [u8; 3] = wire::read_array(r)?;
                let len = read_u32(r)?;
                check_limit(
                    "cut text length",
                    u64::from(len),
                    u64::from(MAX_CUT_TEXT_LEN),
                )?;
                wire::skip(r, u64::from(len))?;
                Ok(ServerMessage::Ignored)
            }
            150 => Ok(ServerMessage::EndOfContinuousUpdates),
            248 => {
                let _pad: [u8; 3] = wire::read_array(r)?;
                let flags = read_u32(r)?;
                let len = read_u8(r)?;
                if len > wire::MAX_FENCE_PAYLOAD {
                    return Err(VncError::InvalidFence(len));
                }
                let payload = wire::read_vec(r, usize::from(len))?;
                Ok(ServerMessage::Fence { flags, payload })
            }
            other => Err(VncError::UnknownMessage(other)),
        }
    }

    fn read_update(&mut self, r: &mut dyn Read) -> Result<UpdateOutcome, VncError> {
        let _pad = read_u8(r)?;
        let count = read_u16(r)?;
        let mut outcome = UpdateOutcome::default();
        let mut dirty = DirtyRegion::new();
        // 0xFFFF means "until LastRect"; each rectangle costs at least its
        // 12-byte header, so the loop is bounded by what the server sends.
        let mut remaining = if count == u16::MAX { None } else { Some(count) };
        while remaining != Some(0) {
            if let Some(n) = remaining.as_mut() {
                *n -= 1;
            }
            let rect = Rect::new(read_u16(r)?, read_u16(r)?, read_u16(r)?, read_u16(r)?);
            let enc = read_i32(r)?;
            match enc {
                encoding::LAST_RECT => break,
                encoding::DESKTOP_SIZE => self.resize(rect.width, rect.height, &mut outcome)?,
                encoding::EXTENDED_DESKTOP_SIZE => {
                    let screens = read_u8(r)?;
                    let _pad: [u8; 3] = wire::read_array(r)?;
                    wire::skip(r, u64::from(screens) * 16)?;
                    // A non-zero status answers a resize request of ours and
                    // does not change the size.
                    if rect.y == 0 {
                        self.resize(rect.width, rect.height, &mut outcome)?;
                    }
                }
                encoding::CURSOR => outcome.cursor = Some(read_cursor(r, &rect)?),
                encoding::QEMU_EXTENDED_KEY_EVENT => {
                    self.extended_keys.store(true, Ordering::Release);
                }
                encoding::QEMU_LED_STATE => {
                    let leds = read_u8(r)?;
                    self.led_state.store(leds, Ordering::Release);
                }
                encoding::RAW | encoding::COPY_RECT | encoding::ZRLE | encoding::TIGHT => {
                    let screen = self.check_inside(&rect)?;
                    match enc {
                        encoding::RAW => {
                            self.decode_raw(r, &rect)?;
                            self.count(|c| c.raw += 1);
                        }
                        encoding::COPY_RECT => {
                            self.decode_copy_rect(r, &rect)?;
                            self.count(|c| c.copy_rect += 1);
                        }
                        encoding::TIGHT => self.decode_tight(r, &rect)?,
                        _ => {
                            self.decode_zrle(r, &rect)?;
                            self.count(|c| c.zrle += 1);
                        }
                    }
                    dirty.add(rect, screen);
                }
                other => return Err(VncError::UnknownEncoding(other)),
            }
        }
        outcome.dirty = if outcome.resized.is_some() {
            // Everything is new after a resize.
            vec![lock(&self.framebuffer).bounds()]
        } else {
            dirty.take()
        };
        Ok(outcome)
    }

    fn resize(
        &mut self,
        width: u16,
        height: u16,
        outcome: &mut UpdateOutcome,
    ) -> Result<(), VncError> {
        let limit = u64::from(self.max_dimension);
        check_limit("desktop width", u64::from(width), limit)?;
        check_limit("desktop height", u64::from(height), limit)?;
        let mut fb = lock(&self.framebuffer);
        // QEMU repeats the (Extended)DesktopSize rect in answer to every full-update request;
        // only a real change clears the screen, or each answer would blank it again.
        if (fb.width(), fb.height()) != (width, height) {
            fb.resize(width, height);
            outcome.resized = Some((width, height));
        }
        Ok(())
    }

    /// Returns the screen bounds when `rect` lies inside them.
    fn check_inside(&self, rect: &Rect) -> Result<Rect, VncError> {
        let fb = lock(&self.framebuffer);
        if fb.contains(rect) {
            Ok(fb.bounds())
        } else {
            Err(VncError::RectOutside {
                rect: *rect,
                width: fb.width(),
                height: fb.height(),
            })
        }
    }

    fn decode_raw(&mut self, r: &mut dyn Read, rect: &Rect) -> Result<(), VncError> {
        // Bounded: the rectangle lies inside the framebuffer.
        let bytes = wire::read_vec(r, rect.area() as usize * 4)?;
        let pixels: Vec<u32> = bytes
            .chunks_exact(4)
            .map(|p| u32::from_le_bytes([p[0], p[1], p[2], 0xFF]))
            .collect();
        lock(&self.framebuffer).blit(rect, &pixels);
        Ok(())
    }

    fn decode_copy_rect(&mut self, r: &mut dyn Read, rect: &Rect) -> Result<(), VncError> {
        let src = Rect::new(read_u16(r)?, read_u16(r)?, rect.width, rect.height);
        self.check_inside(&src)?;
        lock(&self.framebuffer).copy_rect(src.x, src.y, rect);
        Ok(())
    }

    fn decode_tight(&mut self, r: &mut dyn Read, rect: &Rect) -> Result<(), VncError> {
        // Decoded before locking: the data comes from the socket.
        let paint = tight::decode(r, rect, &mut self.tight)?;
        match &paint {
            TightPaint::Fill(_) => self.count(|c| c.tight_fill += 1),
            TightPaint::Pixels(_) => self.count(|c| c.tight_basic += 1),
            TightPaint::Jpeg(_) => self.count(|c| c.tight_jpeg += 1),
        }
        let mut fb = lock(&self.framebuffer);
        match paint {
            TightPaint::Fill(colour) => fb.fill(rect, colour),
            TightPaint::Pixels(pixels) | TightPaint::Jpeg(pixels) => fb.blit(rect, &pixels),
        }
        Ok(())
    }

    fn decode_zrle(&mut self, r: &mut dyn Read, rect: &Rect) -> Result<(), VncError> {
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
        let mut fb = lock(&self.framebuffer);
        for ty in (0..rect.height).step_by(usize::from(TILE)) {
            for tx in (0..rect.width).step_by(usize::from(TILE)) {
                let tile = Rect::new(
                    rect.x + tx,
                    rect.y + ty,
                    TILE.min(rect.width - tx),
                    TILE.min(rect.height - ty),
                );
                decode_zrle_tile(&mut input, &mut self.tile, &tile)?;
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

fn decode_zrle_tile(
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

fn read_cursor(r: &mut dyn Read, rect: &Rect) -> Result<CursorImage, VncError> {
    let limit = u64::from(MAX_CURSOR_DIMENSION);
    check_limit("cursor width", u64::from(rect.width), limit)?;
    check_limit("cursor height", u64::from(rect.height), limit)?;
    let pixels = rect.area() as usize;
    let colours = wire::read_vec(r, pixels * 4)?;
    let mask_stride = usize::from(rect.width).div_ceil(8);
    let mask = wire::read_vec(r, mask_stride * usize::from(rect.height))?;
    let mut rgba = Vec::with_capacity(pixels * 4);
    for (i, p) in colours.chunks_exact(4).enumerate() {
        let (x, y) = (i % usize::from(rect.width), i / usize::from(rect.width));
        let bit = mask[y * mask_stride + x / 8] & (0x80 >> (x % 8));
        // Wire bytes are B, G, R, X in our little-endian format.
        rgba.extend_from_slice(&[p[2], p[1], p[0], if bit != 0 { 255 } else { 0 }]);
    }
    Ok(CursorImage {
        width: rect.width,
        height: rect.height,
        hotspot_x: rect.x,
        hotspot_y: rect.y,
        rgba,
    })
}

/// Decodes `bytes` as a stream of server messages following a handshake that
/// produced a 64x48 framebuffer, stopping at the first error. For fuzzing:
/// it must never panic, and allocates at most a 2048x2048 framebuffer.
/// Returns the number of messages decoded.
pub fn decode_stream_for_fuzzing(bytes: &[u8]) -> Result<usize, VncError> {
    let fb = Arc::new(Mutex::new(Framebuffer::new(64, 48)));
    let mut decoder = Decoder::new(
        fb,
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicU8::new(0)),
        2048,
    );
    let mut input = bytes;
    let mut count = 0;
    while !input.is_empty() {
        decoder.read_message(&mut input)?;
        count += 1;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Compress, Compression, FlushCompress};

    fn decoder(w: u16, h: u16) -> (Decoder, Arc<Mutex<Framebuffer>>) {
        let fb = Arc::new(Mutex::new(Framebuffer::new(w, h)));
        let d = Decoder::new(
            Arc::clone(&fb),
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicU8::new(0)),
            MAX_DIMENSION,
        );
        (d, fb)
    }

    /// A FramebufferUpdate with the given (rect, encoding, body) triples.
    fn update(rects: &[(Rect, i32, Vec<u8>)]) -> Vec<u8> {
        let mut m = vec![0u8, 0];
        m.extend_from_slice(&(rects.len() as u16).to_be_bytes());
        for (r, enc, body) in rects {
            for v in [r.x, r.y, r.width, r.height] {
                m.extend_from_slice(&v.to_be_bytes());
            }
            m.extend_from_slice(&enc.to_be_bytes());
            m.extend_from_slice(body);
        }
        m
    }

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

    fn apply(d: &mut Decoder, bytes: &[u8]) -> Result<UpdateOutcome, VncError> {
        let mut input = bytes;
        let msg = d.read_message(&mut input)?;
        assert!(input.is_empty(), "{} bytes left over", input.len());
        match msg {
            ServerMessage::Update(o) => Ok(o),
            other => panic!("unexpected {other:?}"),
        }
    }

    fn row(fb: &Mutex<Framebuffer>, y: u16, xs: std::ops::Range<u16>) -> Vec<u32> {
        let fb = lock(fb);
        xs.map(|x| fb.pixel(x, y).unwrap() & 0xFF_FFFF).collect()
    }

    #[test]
    fn raw_rect_paints_pixels() {
        let (mut d, fb) = decoder(8, 8);
        let rect = Rect::new(2, 3, 2, 2);
        let mut body = Vec::new();
        for p in [0x112233u32, 0x445566, 0x778899, 0xAABBCC] {
            body.extend_from_slice(&p.to_le_bytes());
        }
        let out = apply(&mut d, &update(&[(rect, encoding::RAW, body)])).unwrap();
        assert_eq!(out.dirty, vec![rect]);
        assert_eq!(row(&fb, 3, 2..4), vec![0x112233, 0x445566]);
        assert_eq!(row(&fb, 4, 2..4), vec![0x778899, 0xAABBCC]);
        assert_eq!(lock(&fb).pixel(2, 3), Some(0xFF11_2233), "alpha is opaque");
        assert_eq!(lock(&fb).pixel(1, 3), Some(crate::framebuffer::BLACK));
    }

    #[test]
    fn copy_rect_overlapping_shifts_right() {
        let (mut d, fb) = decoder(6, 1);
        let body: Vec<u8> = (1..=6u32).flat_map(|p| p.to_le_bytes()).collect();
        apply(
            &mut d,
            &update(&[(Rect::new(0, 0, 6, 1), encoding::RAW, body)]),
        )
        .unwrap();
        // Copy x 0..4 to x 2..6: overlapping, must read before overwrite.
        let src = [0u8, 0, 0, 0];
        apply(
            &mut d,
            &update(&[(Rect::new(2, 0, 4, 1), encoding::COPY_RECT, src.to_vec())]),
        )
        .unwrap();
        assert_eq!(row(&fb, 0, 0..6), vec![1, 2, 1, 2, 3, 4]);
    }

    #[test]
    fn copy_rect_source_outside_is_error() {
        let (mut d, _) = decoder(6, 6);
        let src = [0u8, 4, 0, 4].to_vec();
        let err = apply(
            &mut d,
            &update(&[(Rect::new(0, 0, 3, 3), encoding::COPY_RECT, src)]),
        );
        assert!(matches!(err, Err(VncError::RectOutside { .. })), "{err:?}");
    }

    #[test]
    fn zrle_length_follows_the_rectangle() {
        // A 1x1 rectangle: 4 bytes + one tile header; a 64 MiB claim is refused before reading.
        let (mut d, _fb) = decoder(8, 8);
        let body = (32u32 << 20).to_be_bytes().to_vec();
        let message = update(&[(Rect::new(0, 0, 1, 1), encoding::ZRLE, body)]);
        let err = d.read_message(&mut &message[..]).unwrap_err();
        assert!(
            matches!(err, VncError::TooLarge { what: "ZRLE length", limit, .. } if limit < 2048),
            "{err}"
        );
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
    fn zrle_packed_palette_tile() {
        let (mut d, fb) = decoder(5, 2);
        let mut z = Compress::new(Compression::default(), true);
        // Palette of 3 → 2 bits per index, rows padded to whole bytes.
        let mut tile = vec![3u8];
        for c in [0xAA0000u32, 0x00BB00, 0x0000CC] {
            tile.extend_from_slice(&cpixel(c));
        }
        // Row 0: 0 1 2 1 0 → 00 01 10 01 | 00 000000
        tile.extend_from_slice(&[0b0001_1001, 0b0000_0000]);
        // Row 1: 2 2 2 2 1 → 10 10 10 10 | 01 000000
        tile.extend_from_slice(&[0b1010_1010, 0b0100_0000]);
        let body = zlib_chunk(&mut z, &tile);
        apply(
            &mut d,
            &update(&[(Rect::new(0, 0, 5, 2), encoding::ZRLE, body)]),
        )
        .unwrap();
        assert_eq!(
            row(&fb, 0, 0..5),
            vec![0xAA0000, 0x00BB00, 0x0000CC, 0x00BB00, 0xAA0000]
        );
        assert_eq!(
            row(&fb, 1, 0..5),
            vec![0x0000CC, 0x0000CC, 0x0000CC, 0x0000CC, 0x00BB00]
        );
    }

    #[test]
    fn zrle_plain_rle_tile() {
        let (mut d, fb) = decoder(300, 1);
        let mut z = Compress::new(Compression::default(), true);
        // 300x1 → tiles of 64, 64, 64, 64, 44 pixels; first tile RLE with a
        // 3-pixel run and a 61-pixel run, the rest solid.
        let mut tiles = vec![128u8];
        tiles.extend_from_slice(&cpixel(0x111111));
        tiles.push(2);
        tiles.extend_from_slice(&cpixel(0x222222));
        tiles.push(60);
        // Second tile: one run of 64 = 255? No: length-1 = 63.
        tiles.push(128);
        tiles.extend_from_slice(&cpixel(0x333333));
        tiles.push(63);
        for _ in 0..3 {
            tiles.push(1);
            tiles.extend_from_slice(&cpixel(0x444444));
        }
        let body = zlib_chunk(&mut z, &tiles);
        apply(
            &mut d,
            &update(&[(Rect::new(0, 0, 300, 1), encoding::ZRLE, body)]),
        )
        .unwrap();
        assert_eq!(
            row(&fb, 0, 0..4),
            vec![0x111111, 0x111111, 0x111111, 0x222222]
        );
        assert_eq!(row(&fb, 0, 63..65), vec![0x222222, 0x333333]);
        assert_eq!(row(&fb, 0, 127..129), vec![0x333333, 0x444444]);
    }

    #[test]
    fn zrle_long_run_uses_255_continuation() {
        let (mut d, fb) = decoder(64, 64);
        let mut z = Compress::new(Compression::default(), true);
        // One run of 4096 pixels: 4095 = 255*16 + 15.
        let mut tile = vec![128u8];
        tile.extend_from_slice(&cpixel(0x123456));
        tile.extend(std::iter::repeat_n(255u8, 16));
        tile.push(15);
        let body = zlib_chunk(&mut z, &tile);
        apply(
            &mut d,
            &update(&[(Rect::new(0, 0, 64, 64), encoding::ZRLE, body)]),
        )
        .unwrap();
        assert_eq!(row(&fb, 63, 62..64), vec![0x123456, 0x123456]);
    }

    #[test]
    fn zrle_palette_rle_tile() {
        let (mut d, fb) = decoder(4, 2);
        let mut z = Compress::new(Compression::default(), true);
        let mut tile = vec![130u8]; // palette RLE, 2 colours
        tile.extend_from_slice(&cpixel(0xABCDEF));
        tile.extend_from_slice(&cpixel(0x102030));
        tile.push(0); // one pixel of colour 0
        tile.extend_from_slice(&[0x81, 4]); // run of 5 of colour 1
        tile.extend_from_slice(&[0x80, 1]); // run of 2 of colour 0
        let body = zlib_chunk(&mut z, &tile);
        apply(
            &mut d,
            &update(&[(Rect::new(0, 0, 4, 2), encoding::ZRLE, body)]),
        )
        .unwrap();
        assert_eq!(
            row(&fb, 0, 0..4),
            vec![0xABCDEF, 0x102030, 0x102030, 0x102030]
        );
        assert_eq!(
            row(&fb, 1, 0..4),
            vec![0x102030, 0x102030, 0xABCDEF, 0xABCDEF]
        );
    }

    #[test]
    fn zrle_run_past_tile_end_is_error() {
        let (mut d, _) = decoder(4, 1);
        let mut z = Compress::new(Compression::default(), true);
        let mut tile = vec![128u8];
        tile.extend_from_slice(&cpixel(1));
        tile.push(10);
        let body = zlib_chunk(&mut z, &tile);
        let err = apply(
            &mut d,
            &update(&[(Rect::new(0, 0, 4, 1), encoding::ZRLE, body)]),
        );
        assert!(matches!(err, Err(VncError::InvalidZrle(_))), "{err:?}");
    }

    #[test]
    fn zrle_bad_palette_index_is_error() {
        let (mut d, _) = decoder(2, 1);
        let mut z = Compress::new(Compression::default(), true);
        let mut tile = vec![3u8];
        for c in [1u32, 2, 3] {
            tile.extend_from_slice(&cpixel(c));
        }
        tile.push(0b1100_0000); // index 3 of a 3-colour palette
        let body = zlib_chunk(&mut z, &tile);
        let err = apply(
            &mut d,
            &update(&[(Rect::new(0, 0, 2, 1), encoding::ZRLE, body)]),
        );
        assert!(matches!(err, Err(VncError::InvalidZrle(_))), "{err:?}");
    }

    #[test]
    fn zrle_bomb_is_rejected() {
        let (mut d, _) = decoder(2, 2);
        let mut z = Compress::new(Compression::default(), true);
        let body = zlib_chunk(&mut z, &vec![1u8; 1 << 20]);
        let err = apply(
            &mut d,
            &update(&[(Rect::new(0, 0, 2, 2), encoding::ZRLE, body)]),
        );
        assert!(matches!(err, Err(VncError::InvalidZrle(_))), "{err:?}");
    }

    #[test]
    fn zrle_huge_length_is_rejected_before_reading() {
        let (mut d, _) = decoder(2, 2);
        let body = u32::MAX.to_be_bytes().to_vec();
        let err = apply(
            &mut d,
            &update(&[(Rect::new(0, 0, 2, 2), encoding::ZRLE, body)]),
        );
        assert!(
            matches!(
                err,
                Err(VncError::TooLarge {
                    what: "ZRLE length",
                    ..
                })
            ),
            "{err:?}"
        );
    }

    #[test]
    fn desktop_size_resizes_and_dirties_everything() {
        let (mut d, fb) = decoder(4, 4);
        let out = apply(
            &mut d,
            &update(&[(Rect::new(0, 0, 20, 10), encoding::DESKTOP_SIZE, vec![])]),
        )
        .unwrap();
        assert_eq!(out.resized, Some((20, 10)));
        assert_eq!(out.dirty, vec![Rect::new(0, 0, 20, 10)]);
        assert_eq!(lock(&fb).pixels().len(), 200);
    }

    #[test]
    fn a_repeated_desktop_size_keeps_the_picture() {
        // QEMU answers every full-update request with the current size again.
        let (mut d, fb) = decoder(2, 1);
        let body = [0x11u8, 0x22, 0x33, 0, 0x44, 0x55, 0x66, 0].to_vec();
        apply(
            &mut d,
            &update(&[(Rect::new(0, 0, 2, 1), encoding::RAW, body)]),
        )
        .unwrap();
        let out = apply(
            &mut d,
            &update(&[(Rect::new(0, 0, 2, 1), encoding::DESKTOP_SIZE, vec![])]),
        )
        .unwrap();
        assert_eq!(out.resized, None, "same size: not a resize");
        assert_eq!(fb.lock().unwrap().pixel(0, 0), Some(0xFF33_2211));
    }

    #[test]
    fn extended_desktop_size_resizes_only_on_success() {
        let (mut d, fb) = decoder(4, 4);
        let mut body = vec![1u8, 0, 0, 0];
        body.extend_from_slice(&[0u8; 16]);
        let failed = update(&[(
            Rect::new(0, 3, 30, 30),
            encoding::EXTENDED_DESKTOP_SIZE,
            body.clone(),
        )]);
        assert_eq!(apply(&mut d, &failed).unwrap().resized, None);
        let ok = update(&[(
            Rect::new(0, 0, 30, 20),
            encoding::EXTENDED_DESKTOP_SIZE,
            body,
        )]);
        assert_eq!(apply(&mut d, &ok).unwrap().resized, Some((30, 20)));
        assert_eq!(lock(&fb).width(), 30);
    }

    #[test]
    fn huge_desktop_size_is_rejected() {
        let (mut d, fb) = decoder(4, 4);
        let err = apply(
            &mut d,
            &update(&[(
                Rect::new(0, 0, 65535, 65535),
                encoding::DESKTOP_SIZE,
                vec![],
            )]),
        );
        assert!(matches!(err, Err(VncError::TooLarge { .. })), "{err:?}");
        assert_eq!(lock(&fb).width(), 4);
    }

    #[test]
    fn cursor_is_decoded_with_mask() {
        let (mut d, _) = decoder(4, 4);
        let mut body = Vec::new();
        for p in [0x112233u32, 0x445566] {
            body.extend_from_slice(&p.to_le_bytes());
        }
        body.push(0b1000_0000); // first pixel opaque, second transparent
        let out = apply(
            &mut d,
            &update(&[(Rect::new(1, 0, 2, 1), encoding::CURSOR, body)]),
        )
        .unwrap();
        let cursor = out.cursor.unwrap();
        assert_eq!((cursor.hotspot_x, cursor.hotspot_y), (1, 0));
        assert_eq!(
            cursor.rgba,
            vec![0x11, 0x22, 0x33, 255, 0x44, 0x55, 0x66, 0]
        );
    }

    #[test]
    fn oversized_cursor_is_rejected() {
        let (mut d, _) = decoder(4, 4);
        let err = apply(
            &mut d,
            &update(&[(Rect::new(0, 0, 257, 1), encoding::CURSOR, vec![])]),
        );
        assert!(matches!(err, Err(VncError::TooLarge { .. })), "{err:?}");
    }

    #[test]
    fn last_rect_ends_open_ended_update_and_qemu_pseudo_rects_are_recorded() {
        let (mut d, _) = decoder(4, 4);
        let mut m = update(&[
            (
                Rect::new(0, 0, 0, 0),
                encoding::QEMU_EXTENDED_KEY_EVENT,
                vec![],
            ),
            (Rect::new(0, 0, 0, 0), encoding::QEMU_LED_STATE, vec![0b101]),
            (Rect::new(0, 0, 0, 0), encoding::LAST_RECT, vec![]),
        ]);
        m[2..4].copy_from_slice(&[0xFF, 0xFF]);
        apply(&mut d, &m).unwrap();
        assert!(d.extended_keys.load(Ordering::Acquire));
        assert_eq!(d.led_state.load(Ordering::Acquire), 0b101);
    }

    #[test]
    fn rect_outside_framebuffer_is_error() {
        let (mut d, _) = decoder(10, 10);
        let err = apply(
            &mut d,
            &update(&[(Rect::new(8, 8, 4, 4), encoding::RAW, vec![0; 64])]),
        );
        assert!(matches!(err, Err(VncError::RectOutside { .. })), "{err:?}");
    }

    #[test]
    fn cut_text_is_skipped_and_bounded() {
        let (mut d, _) = decoder(1, 1);
        let mut ok = vec![3u8, 0, 0, 0];
        ok.extend_from_slice(&5u32.to_be_bytes());
        ok.extend_from_slice(b"hello");
        ok.push(2); // Bell after it proves the text was fully skipped
        let mut input = &ok[..];
        assert!(matches!(
            d.read_message(&mut input),
            Ok(ServerMessage::Ignored)
        ));
        assert!(matches!(
            d.read_message(&mut input),
            Ok(ServerMessage::Bell)
        ));

        let mut huge = vec![3u8, 0, 0, 0];
        huge.extend_from_slice(&u32::MAX.to_be_bytes());
        let err = d.read_message(&mut &huge[..]);
        assert!(matches!(err, Err(VncError::TooLarge { .. })), "{err:?}");
    }

    #[test]
    fn colour_map_entries_are_skipped() {
        let (mut d, _) = decoder(1, 1);
        let mut m = vec![1u8, 0, 0, 0, 0, 2];
        m.extend_from_slice(&[0u8; 12]);
        m.push(2);
        let mut input = &m[..];
        assert!(matches!(
            d.read_message(&mut input),
            Ok(ServerMessage::Ignored)
        ));
        assert!(matches!(
            d.read_message(&mut input),
            Ok(ServerMessage::Bell)
        ));
    }

    #[test]
    fn unknown_encoding_and_message_are_errors() {
        let (mut d, _) = decoder(4, 4);
        let err = apply(&mut d, &update(&[(Rect::new(0, 0, 1, 1), 5, vec![])]));
        assert!(matches!(err, Err(VncError::UnknownEncoding(5))), "{err:?}");
        let err = d.read_message(&mut &[9u8][..]);
        assert!(matches!(err, Err(VncError::UnknownMessage(9))), "{err:?}");
    }
}
