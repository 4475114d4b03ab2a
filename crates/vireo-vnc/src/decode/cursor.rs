//! The Cursor pseudo-encoding: the pointer's image in our pixel format and a one-bit
//! transparency mask, with the hotspot carried in the rectangle's position.

use std::io::Read;

use crate::error::VncError;
use crate::framebuffer::Rect;
use crate::wire::{self, check_limit};

/// Largest cursor side.
pub const MAX_CURSOR_DIMENSION: u16 = 256;

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

/// Reads one Cursor rectangle.
pub(super) fn decode(r: &mut dyn Read, rect: &Rect) -> Result<CursorImage, VncError> {
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

#[cfg(test)]
mod tests {
    use crate::decode::testing::{apply, decoder, update};
    use crate::error::VncError;
    use crate::framebuffer::Rect;
    use crate::wire::encoding;

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
}
