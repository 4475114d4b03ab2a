//! Native console surfaces: a VM's screen painted straight into the app's window.
//!
//! The web page draws everything else; painting a console through WebKit costs several
//! copies of every frame (socket, network process, web process, a fresh shared bitmap per
//! repaint, the UI process, then X). On X11 a [`X11Surface`] is a child window of the app's
//! window, placed over the page's console canvas: frames go from the framebuffer into a
//! shared-memory segment and the X server copies (or scales) them into the window, the way
//! native clients such as gtk-vnc paint. The window takes no input (its input shape is
//! empty), so pointer and keys still reach the page beneath, which handles them as before.
//!
//! Use: [`X11Surface::new`] with the app window's id, then [`X11Surface::place`] with where
//! the page shows the screen ([`Placement`], device pixels), [`X11Surface::paint`] with the
//! framebuffer and its changed rectangles, `place(None)` to hide it (when a menu or dialog of
//! the page covers the screen). Other platforms have no native surface yet; the page paints.

#[cfg(target_os = "linux")]
mod shm;
#[cfg(target_os = "linux")]
mod x11;

#[cfg(all(target_os = "linux", feature = "testing"))]
pub mod testing;

#[cfg(target_os = "linux")]
pub use x11::X11Surface;

/// A rectangle in device pixels of the app's web view (x, y may be negative).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rect {
    pub x: i32,
    pub y: i32,
    pub width: u32,
    pub height: u32,
}

impl Rect {
    fn right(&self) -> i64 {
        i64::from(self.x) + i64::from(self.width)
    }

    fn bottom(&self) -> i64 {
        i64::from(self.y) + i64::from(self.height)
    }

    /// The overlap of two rectangles, if any.
    pub fn intersect(&self, other: &Rect) -> Option<Rect> {
        let x0 = i64::from(self.x.max(other.x));
        let y0 = i64::from(self.y.max(other.y));
        let x1 = self.right().min(other.right());
        let y1 = self.bottom().min(other.bottom());
        (x1 > x0 && y1 > y0).then(|| Rect {
            x: x0 as i32,
            y: y0 as i32,
            width: (x1 - x0) as u32,
            height: (y1 - y0) as u32,
        })
    }
}

/// Where the page shows the guest's screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    /// The part of the web view the screen may cover: its visible area (what scrolling and
    /// the window leave of it). The surface window is exactly this rectangle.
    pub clip: Rect,
    /// Where the whole guest screen is drawn, scaled to this size (at 1:1, the guest's size).
    pub image: Rect,
}

/// Why a surface could not be made or used. The caller falls back to the page's painting.
#[derive(Debug, thiserror::Error)]
pub enum SurfaceError {
    #[error("cannot connect to the X server")]
    Connect(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("the X server failed a request")]
    Request(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("the X server lacks {0}")]
    Missing(&'static str),
    #[error("the app's window uses a {0}-bit visual that is not 24-bit true colour")]
    Visual(u8),
    #[error("cannot share memory with the X server")]
    Shm(#[source] std::io::Error),
    #[error("the surface's window is gone (the app's window closed, or the X server)")]
    Gone,
    #[error("the pixels given do not fill a {0}x{1} screen")]
    PixelCount(u16, u16),
}

/// The window-relative rectangle that shows guest rectangle `r` (guest pixels) of a
/// `fb_w`×`fb_h` screen, for `placement`; None when it is outside the visible area. Scaled
/// rectangles grow by a pixel each side so filtering at their edges is redone too.
pub fn damage_in_window(
    r: (u16, u16, u16, u16),
    fb_w: u16,
    fb_h: u16,
    placement: &Placement,
) -> Option<Rect> {
    let (fw, fh) = (i64::from(fb_w.max(1)), i64::from(fb_h.max(1)));
    let img = placement.image;
    let (iw, ih) = (i64::from(img.width), i64::from(img.height));
    let (rx, ry) = (i64::from(r.0), i64::from(r.1));
    let (rw, rh) = (i64::from(r.2), i64::from(r.3));
    let scaled = iw != fw || ih != fh;
    let grow = i64::from(scaled);
    // Floor of the start and ceiling of the end, so every touched window pixel is included.
    let x0 = (rx * iw).div_euclid(fw) - grow;
    let y0 = (ry * ih).div_euclid(fh) - grow;
    let x1 = -((-(rx + rw) * iw).div_euclid(fw)) + grow;
    let y1 = -((-(ry + rh) * ih).div_euclid(fh)) + grow;
    let in_view = Rect {
        x: clamp_i32(i64::from(img.x) + x0),
        y: clamp_i32(i64::from(img.y) + y0),
        width: u32::try_from((x1 - x0).max(0)).unwrap_or(u32::MAX),
        height: u32::try_from((y1 - y0).max(0)).unwrap_or(u32::MAX),
    };
    let visible = in_view.intersect(&placement.clip)?.intersect(&img)?;
    Some(Rect {
        x: visible.x - placement.clip.x,
        y: visible.y - placement.clip.y,
        ..visible
    })
}

fn clamp_i32(v: i64) -> i32 {
    v.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rect(x: i32, y: i32, width: u32, height: u32) -> Rect {
        Rect {
            x,
            y,
            width,
            height,
        }
    }

    #[test]
    fn one_to_one_damage_is_the_rect_moved_into_the_window() {
        let p = Placement {
            clip: rect(10, 20, 720, 400),
            image: rect(10, 20, 720, 400),
        };
        assert_eq!(
            damage_in_window((5, 6, 7, 8), 720, 400, &p),
            Some(rect(5, 6, 7, 8))
        );
    }

    #[test]
    fn scrolled_one_to_one_damage_is_clipped_to_what_is_visible() {
        // A 1024x768 screen scrolled by (100, 50) inside a 500x300 view at (0, 40).
        let p = Placement {
            clip: rect(0, 40, 500, 300),
            image: rect(-100, -10, 1024, 768),
        };
        assert_eq!(
            damage_in_window((0, 0, 150, 60), 1024, 768, &p),
            Some(rect(0, 0, 50, 10))
        );
        assert_eq!(damage_in_window((900, 700, 10, 10), 1024, 768, &p), None);
    }

    #[test]
    fn doubled_damage_covers_every_touched_pixel_and_one_more() {
        let p = Placement {
            clip: rect(0, 0, 1440, 800),
            image: rect(0, 0, 1440, 800),
        };
        assert_eq!(
            damage_in_window((3, 3, 1, 1), 720, 400, &p),
            Some(rect(5, 5, 4, 4))
        );
    }

    #[test]
    fn shrunk_damage_rounds_outwards_and_stays_inside_the_image() {
        let p = Placement {
            clip: rect(0, 0, 960, 540),
            image: rect(0, 0, 960, 540),
        };
        // 1920x1080 at half size: guest x 1..4 touches window x 0..2 (+1 for the filter).
        assert_eq!(
            damage_in_window((1, 1, 3, 3), 1920, 1080, &p),
            Some(rect(0, 0, 3, 3))
        );
        assert_eq!(
            damage_in_window((1918, 1078, 2, 2), 1920, 1080, &p),
            Some(rect(958, 538, 2, 2))
        );
    }

    #[test]
    fn rectangles_intersect_or_not() {
        assert_eq!(
            rect(0, 0, 10, 10).intersect(&rect(5, 5, 10, 10)),
            Some(rect(5, 5, 5, 5))
        );
        assert_eq!(rect(0, 0, 10, 10).intersect(&rect(10, 0, 5, 5)), None);
    }
}
