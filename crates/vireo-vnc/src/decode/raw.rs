//! The Raw encoding: every pixel of the rectangle, row by row, in our pixel format
//! (32 bpp little-endian, so B, G, R and a padding byte).

use std::io::Read;
use std::sync::Mutex;

use super::lock;
use crate::error::VncError;
use crate::framebuffer::{Framebuffer, Rect};
use crate::wire;

/// Reads one Raw rectangle (already known to lie inside the framebuffer) and paints it.
pub(super) fn decode(
    r: &mut dyn Read,
    rect: &Rect,
    fb: &Mutex<Framebuffer>,
) -> Result<(), VncError> {
    // Bounded: the rectangle lies inside the framebuffer.
    let bytes = wire::read_vec(r, rect.area() as usize * 4)?;
    let pixels: Vec<u32> = bytes
        .chunks_exact(4)
        .map(|p| u32::from_le_bytes([p[0], p[1], p[2], 0xFF]))
        .collect();
    lock(fb).blit(rect, &pixels);
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::decode::lock;
    use crate::decode::testing::{apply, decoder, row, update};
    use crate::framebuffer::Rect;
    use crate::wire::encoding;

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
}
