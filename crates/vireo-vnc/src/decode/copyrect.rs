//! The CopyRect encoding: the rectangle's pixels are copied from another place on the
//! screen, given by its top-left corner.

use std::io::Read;
use std::sync::Mutex;

use super::{check_inside, lock};
use crate::error::VncError;
use crate::framebuffer::{Framebuffer, Rect};
use crate::wire::read_u16;

/// Reads one CopyRect rectangle (already known to lie inside the framebuffer) and paints
/// it; the source must lie inside too.
pub(super) fn decode(
    r: &mut dyn Read,
    rect: &Rect,
    fb: &Mutex<Framebuffer>,
) -> Result<(), VncError> {
    let src = Rect::new(read_u16(r)?, read_u16(r)?, rect.width, rect.height);
    check_inside(fb, &src)?;
    lock(fb).copy_rect(src.x, src.y, rect);
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::decode::testing::{apply, decoder, row, update};
    use crate::error::VncError;
    use crate::framebuffer::Rect;
    use crate::wire::encoding;

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
}
