//! The binary messages a console sends to the page, little-endian:
//!
//! - `1` FRAME: u16 width, u16 height (the framebuffer's), u16 rect count, u32 the number of
//!   server updates so far (the page compares it with the frames it painted), then per rect
//!   u16 x, y, w, h and w×h×4 bytes of RGBA — ready for `ImageData` without conversion.
//! - `2` CLOSED: the UTF-8 reason.
//! - `3` CURSOR: u16 width, height, hotspot x, hotspot y, then w×h×4 bytes of RGBA (a 0×0
//!   cursor hides it).
//! - `4` FRAME_PART: laid out as FRAME; more of the same frame follows, the FRAME ends it.
//!   A large frame goes out as parts of at most [`PART_BYTES`] (see [`frame_messages`]).
//!
//! The sender coalesces changes while the page has not painted what it got, so a slow page
//! never makes memory grow.

use crate::decode::CursorImage;
use crate::framebuffer::{Framebuffer, Rect};

pub const FRAME: u8 = 1;
pub const CLOSED: u8 = 2;
pub const CURSOR: u8 = 3;
pub const FRAME_PART: u8 = 4;
/// The largest message a frame is split into. Measured with the console benchmark on a 1080p
/// screen: WebKitGTK's network process took 28 % of a core for whole 8 MB frames, 12 % for the
/// same bytes in 256 KiB parts.
pub const PART_BYTES: usize = 256 * 1024;
/// Bytes before the first rect of a FRAME.
pub const FRAME_HEADER: usize = 11;

/// A FRAME with the pixels of `rects` (clipped to the framebuffer).
pub fn frame_message(fb: &Framebuffer, rects: &[Rect], updates: u32) -> Vec<u8> {
    let bounds = fb.bounds();
    let rects: Vec<Rect> = rects.iter().filter_map(|r| clip(r, &bounds)).collect();
    let pixels: u64 = rects.iter().map(Rect::area).sum();
    let mut out = Vec::with_capacity(FRAME_HEADER + rects.len() * 8 + pixels as usize * 4);
    out.push(FRAME);
    out.extend_from_slice(&fb.width().to_le_bytes());
    out.extend_from_slice(&fb.height().to_le_bytes());
    out.extend_from_slice(&(rects.len() as u16).to_le_bytes());
    out.extend_from_slice(&updates.to_le_bytes());
    let stride = usize::from(fb.width());
    for r in &rects {
        for v in [r.x, r.y, r.width, r.height] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for row in r.y..r.y + r.height {
            let start = usize::from(row) * stride + usize::from(r.x);
            for p in &fb.pixels()[start..start + usize::from(r.width)] {
                // 0xFFRRGGBB → R, G, B, A.
                out.extend_from_slice(&[(p >> 16) as u8, (p >> 8) as u8, *p as u8, 0xff]);
            }
        }
    }
    out
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

/// The pixels of `rects` as messages of at most about `max_bytes`: tall rects are cut into
/// bands of whole rows; every message but the last is a FRAME_PART, the last a FRAME.
pub fn frame_messages(
    fb: &Framebuffer,
    rects: &[Rect],
    updates: u32,
    max_bytes: usize,
) -> Vec<Vec<u8>> {
    let bounds = fb.bounds();
    let mut bands = Vec::new();
    for r in rects.iter().filter_map(|r| clip(r, &bounds)) {
        let row_bytes = usize::from(r.width) * 4;
        let rows = (max_bytes / row_bytes.max(1)).clamp(1, usize::from(u16::MAX)) as u16;
        let mut y = r.y;
        while y < r.y + r.height {
            let h = rows.min(r.y + r.height - y);
            bands.push(Rect::new(r.x, y, r.width, h));
            y += h;
        }
    }
    let mut messages = Vec::new();
    let mut batch: Vec<Rect> = Vec::new();
    let mut size = 0usize;
    for band in bands {
        let bytes = band.area() as usize * 4 + 8;
        if !batch.is_empty() && size + bytes > max_bytes {
            let mut m = frame_message(fb, &batch, updates);
            m[0] = FRAME_PART;
            messages.push(m);
            batch.clear();
            size = 0;
        }
        size += bytes;
        batch.push(band);
    }
    messages.push(frame_message(fb, &batch, updates));
    messages
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

pub fn closed_message(reason: &str) -> Vec<u8> {
    let mut out = vec![CLOSED];
    out.extend_from_slice(reason.as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_carries_rgba_rows_of_each_rect() {
        let mut fb = Framebuffer::new(3, 2);
        fb.blit(&Rect::new(1, 0, 1, 1), &[0xFF11_2233]);
        fb.blit(&Rect::new(2, 1, 1, 1), &[0xFFAA_BBCC]);
        let msg = frame_message(&fb, &[Rect::new(1, 0, 2, 2)], 0x0102_0304);
        assert_eq!(&msg[..11], &[FRAME, 3, 0, 2, 0, 1, 0, 4, 3, 2, 1]);
        assert_eq!(&msg[11..19], &[1, 0, 0, 0, 2, 0, 2, 0]);
        let px = &msg[19..];
        assert_eq!(px.len(), 2 * 2 * 4);
        assert_eq!(&px[0..4], &[0x11, 0x22, 0x33, 0xff]);
        assert_eq!(&px[12..16], &[0xaa, 0xbb, 0xcc, 0xff]);
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
        assert_eq!(&msg[11..19], &[2, 0, 2, 0, 2, 0, 2, 0]);
        assert_eq!(msg.len(), 19 + 2 * 2 * 4);
    }

    #[test]
    fn large_frames_are_split_into_bands_ending_with_a_frame() {
        let mut fb = Framebuffer::new(100, 50);
        fb.blit(&Rect::new(0, 49, 1, 1), &[0xFF01_0203]);
        // 100 px rows are 400 bytes: 1000 bytes hold 2 rows a message.
        let msgs = frame_messages(&fb, &[Rect::new(0, 0, 100, 50)], 9, 1000);
        assert_eq!(msgs.len(), 25);
        assert!(msgs[..24].iter().all(|m| m[0] == FRAME_PART));
        let last = msgs.last().unwrap();
        assert_eq!(last[0], FRAME);
        assert_eq!(
            &last[11..19],
            &[0, 0, 48, 0, 100, 0, 2, 0],
            "the last band, rows 48-49"
        );
        assert_eq!(&last[19 + 400..19 + 404], &[1, 2, 3, 0xff]);
        let rows: u32 = msgs
            .iter()
            .map(|m| u32::from(u16::from_le_bytes([m[17], m[18]])))
            .sum();
        assert_eq!(rows, 50, "every row once");
        // Small frames stay one message, and an empty one is an empty FRAME.
        let one = frame_messages(&fb, &[Rect::new(1, 1, 2, 2)], 9, 1000);
        assert_eq!(one, vec![frame_message(&fb, &[Rect::new(1, 1, 2, 2)], 9)]);
        assert_eq!(
            frame_messages(&fb, &[], 9, 1000),
            vec![frame_message(&fb, &[], 9)]
        );
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
}
