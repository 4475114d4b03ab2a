//! The client-side copy of the remote screen and the bookkeeping of which
//! parts of it changed.

/// A rectangle in framebuffer coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rect {
    /// Left edge.
    pub x: u16,
    /// Top edge.
    pub y: u16,
    /// Width in pixels.
    pub width: u16,
    /// Height in pixels.
    pub height: u16,
}

impl Rect {
    /// A rectangle from its position and size.
    pub const fn new(x: u16, y: u16, width: u16, height: u16) -> Self {
        Rect {
            x,
            y,
            width,
            height,
        }
    }

    /// Number of pixels covered.
    pub fn area(&self) -> u64 {
        u64::from(self.width) * u64::from(self.height)
    }

    fn right(&self) -> u32 {
        u32::from(self.x) + u32::from(self.width)
    }

    fn bottom(&self) -> u32 {
        u32::from(self.y) + u32::from(self.height)
    }

    /// True when the two rectangles overlap or share an edge, so that their
    /// union is a cheap single repaint.
    fn touches(&self, other: &Rect) -> bool {
        u32::from(self.x) <= other.right()
            && u32::from(other.x) <= self.right()
            && u32::from(self.y) <= other.bottom()
            && u32::from(other.y) <= self.bottom()
    }

    fn union(&self, other: &Rect) -> Rect {
        let x = self.x.min(other.x);
        let y = self.y.min(other.y);
        // Both lie inside a u16-sized framebuffer, so the extent fits.
        let right = self.right().max(other.right());
        let bottom = self.bottom().max(other.bottom());
        Rect::new(
            x,
            y,
            u16::try_from(right - u32::from(x)).unwrap_or(u16::MAX),
            u16::try_from(bottom - u32::from(y)).unwrap_or(u16::MAX),
        )
    }
}

/// The remote screen: `width * height` pixels, row-major, each a `u32` of
/// the form `0xFFRRGGBB` (BGRA bytes in little-endian memory, fully opaque).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Framebuffer {
    width: u16,
    height: u16,
    pixels: Vec<u32>,
}

/// Opaque black, the colour of pixels the server has not painted yet.
pub const BLACK: u32 = 0xFF00_0000;

impl Framebuffer {
    /// A black framebuffer of the given size.
    pub fn new(width: u16, height: u16) -> Self {
        Framebuffer {
            width,
            height,
            pixels: vec![BLACK; usize::from(width) * usize::from(height)],
        }
    }

    /// A framebuffer holding `pixels` (row-major, `0xFFRRGGBB`); None if the count is not
    /// `width * height`.
    pub fn from_pixels(width: u16, height: u16, pixels: Vec<u32>) -> Option<Self> {
        (pixels.len() == usize::from(width) * usize::from(height)).then_some(Framebuffer {
            width,
            height,
            pixels,
        })
    }

    /// Width in pixels.
    pub fn width(&self) -> u16 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u16 {
        self.height
    }

    /// All pixels, row-major, `0xFFRRGGBB`.
    pub fn pixels(&self) -> &[u32] {
        &self.pixels
    }

    /// The pixel at (x, y), if inside.
    pub fn pixel(&self, x: u16, y: u16) -> Option<u32> {
        if x < self.width && y < self.height {
            self.pixels
                .get(usize::from(y) * usize::from(self.width) + usize::from(x))
                .copied()
        } else {
            None
        }
    }

    /// The whole screen as one rectangle.
    pub fn bounds(&self) -> Rect {
        Rect::new(0, 0, self.width, self.height)
    }

    /// True when `rect` lies entirely inside the framebuffer.
    pub fn contains(&self, rect: &Rect) -> bool {
        rect.right() <= u32::from(self.width) && rect.bottom() <= u32::from(self.height)
    }

    pub(crate) fn resize(&mut self, width: u16, height: u16) {
        *self = Framebuffer::new(width, height);
    }

    /// Copies `src` (row-major, `rect.width` per row) into `rect`. The caller
    /// has checked that `rect` is inside and `src` is large enough.
    pub(crate) fn blit(&mut self, rect: &Rect, src: &[u32]) {
        let w = usize::from(rect.width);
        if w == 0 {
            return;
        }
        let stride = usize::from(self.width);
        for (row, line) in src
            .chunks_exact(w)
            .take(usize::from(rect.height))
            .enumerate()
        {
            let start = (usize::from(rect.y) + row) * stride + usize::from(rect.x);
            if let Some(dst) = self.pixels.get_mut(start..start + w) {
                dst.copy_from_slice(line);
            }
        }
    }

    /// Paints `rect` (inside, checked by the caller) in one colour.
    pub(crate) fn fill(&mut self, rect: &Rect, colour: u32) {
        let (x, w) = (usize::from(rect.x), usize::from(rect.width));
        let stride = usize::from(self.width);
        for y in usize::from(rect.y)..usize::from(rect.y) + usize::from(rect.height) {
            if let Some(row) = self.pixels.get_mut(y * stride + x..y * stride + x + w) {
                row.fill(colour);
            }
        }
    }

    /// Copies the `dst`-sized area at (src_x, src_y) to `dst`. Handles
    /// overlap: rows are walked away from the direction of the move, and
    /// `copy_within` is a memmove inside each row.
    pub(crate) fn copy_rect(&mut self, src_x: u16, src_y: u16, dst: &Rect) {
        let stride = usize::from(self.width);
        let w = usize::from(dst.width);
        let rows: Box<dyn Iterator<Item = usize>> = if src_y < dst.y {
            Box::new((0..usize::from(dst.height)).rev())
        } else {
            Box::new(0..usize::from(dst.height))
        };
        for row in rows {
            let from = (usize::from(src_y) + row) * stride + usize::from(src_x);
            let to = (usize::from(dst.y) + row) * stride + usize::from(dst.x);
            self.pixels.copy_within(from..from + w, to);
        }
    }
}

/// More dirty rectangles than this are not worth tracking one by one.
const MAX_DIRTY_RECTS: usize = 64;

/// The changed parts of the screen since the last report, kept small:
/// touching rectangles merge, and many or large changes collapse to one
/// full-screen rectangle because repainting everything is then cheaper.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DirtyRegion {
    rects: Vec<Rect>,
}

impl DirtyRegion {
    /// An empty region.
    pub fn new() -> Self {
        DirtyRegion::default()
    }

    /// The coalesced rectangles.
    pub fn rects(&self) -> &[Rect] {
        &self.rects
    }

    /// True when nothing changed.
    pub fn is_empty(&self) -> bool {
        self.rects.is_empty()
    }

    /// Takes the rectangles out, leaving the region empty.
    pub fn take(&mut self) -> Vec<Rect> {
        std::mem::take(&mut self.rects)
    }

    /// Adds `rect` on a `screen`-sized framebuffer and re-coalesces.
    pub fn add(&mut self, rect: Rect, screen: Rect) {
        if rect.area() == 0 {
            return;
        }
        if self.rects.len() == 1 && self.rects[0] == screen {
            return;
        }
        let mut merged = rect;
        // Merging can make the union touch rectangles it did not before, so
        // repeat until nothing else merges.
        loop {
            let before = self.rects.len();
            self.rects.retain(|r| {
                if r.touches(&merged) {
                    merged = merged.union(r);
                    false
                } else {
                    true
                }
            });
            if self.rects.len() == before {
                break;
            }
        }
        self.rects.push(merged);
        let area: u64 = self.rects.iter().map(Rect::area).sum();
        if self.rects.len() > MAX_DIRTY_RECTS || area * 2 > screen.area() {
            self.rects.clear();
            self.rects.push(screen);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCREEN: Rect = Rect::new(0, 0, 1000, 1000);

    #[test]
    fn adjacent_rects_merge() {
        let mut d = DirtyRegion::new();
        d.add(Rect::new(0, 0, 10, 10), SCREEN);
        d.add(Rect::new(10, 0, 10, 10), SCREEN);
        assert_eq!(d.rects(), &[Rect::new(0, 0, 20, 10)]);
    }

    #[test]
    fn distant_rects_stay_apart() {
        let mut d = DirtyRegion::new();
        d.add(Rect::new(0, 0, 10, 10), SCREEN);
        d.add(Rect::new(100, 100, 10, 10), SCREEN);
        assert_eq!(d.rects().len(), 2);
    }

    #[test]
    fn chained_merge_absorbs_all() {
        let mut d = DirtyRegion::new();
        d.add(Rect::new(0, 0, 10, 10), SCREEN);
        d.add(Rect::new(30, 0, 10, 10), SCREEN);
        d.add(Rect::new(5, 0, 30, 10), SCREEN);
        assert_eq!(d.rects(), &[Rect::new(0, 0, 40, 10)]);
    }

    #[test]
    fn many_rects_collapse_to_screen() {
        let mut d = DirtyRegion::new();
        for i in 0..65u16 {
            d.add(
                Rect::new(i * 15 % 990, (i / 66) * 20 + (i % 3) * 300, 2, 2),
                SCREEN,
            );
        }
        assert_eq!(d.rects(), &[SCREEN]);
    }

    #[test]
    fn large_area_collapses_to_screen() {
        let mut d = DirtyRegion::new();
        d.add(Rect::new(0, 0, 1000, 400), SCREEN);
        assert_eq!(d.rects().len(), 1);
        assert_ne!(d.rects()[0], SCREEN);
        d.add(Rect::new(0, 600, 1000, 200), SCREEN);
        assert_eq!(d.rects(), &[SCREEN]);
    }

    #[test]
    fn overlapping_copy_down_right() {
        let mut fb = Framebuffer::new(4, 4);
        for (i, p) in fb.pixels.iter_mut().enumerate() {
            *p = i as u32;
        }
        // Move the top-left 3x3 block one pixel down and right.
        fb.copy_rect(0, 0, &Rect::new(1, 1, 3, 3));
        let expect_row = |y: u32| [y * 4 + 1, y * 4 + 2, y * 4 + 3];
        for y in 0..3u16 {
            let row: Vec<u32> = (1..4).map(|x| fb.pixel(x, y + 1).unwrap()).collect();
            assert_eq!(row, expect_row(u32::from(y)).map(|v| v - 1));
        }
    }

    #[test]
    fn overlapping_copy_up_left() {
        let mut fb = Framebuffer::new(4, 4);
        for (i, p) in fb.pixels.iter_mut().enumerate() {
            *p = i as u32;
        }
        fb.copy_rect(1, 1, &Rect::new(0, 0, 3, 3));
        for y in 0..3u16 {
            for x in 0..3u16 {
                let want = u32::from(y + 1) * 4 + u32::from(x + 1);
                assert_eq!(fb.pixel(x, y), Some(want));
            }
        }
    }
}
