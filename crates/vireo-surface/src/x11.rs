//! The X11 surface: a child window of the app's window, fed through MIT-SHM into a pixmap
//! that the server copies (1:1) or scales (XRender) into the window.

use crate::shm::SharedPixels;
use crate::{damage_in_window, Placement, SurfaceError};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use x11rb::connection::{Connection, RequestConnection};
use x11rb::protocol::render::{self, ConnectionExt as _, PictOp, Repeat, Transform};
use x11rb::protocol::shape::{self, ConnectionExt as _, SK, SO};
use x11rb::protocol::shm::{self, ConnectionExt as _};
use x11rb::protocol::xproto::{
    ClipOrdering, ConfigureWindowAux, ConnectionExt as _, CreateGCAux, CreateWindowAux, EventMask,
    ImageFormat, StackMode, VisualClass, WindowClass,
};
use x11rb::protocol::Event;
use x11rb::rust_connection::RustConnection;
use x11rb::wrapper::ConnectionExt as _;

fn request(e: impl std::error::Error + Send + Sync + 'static) -> SurfaceError {
    SurfaceError::Request(Box::new(e))
}

/// The guest screen's copy on the server side, sized to the framebuffer.
struct ScreenCopy {
    width: u16,
    height: u16,
    shm: SharedPixels,
    seg: shm::Seg,
    pixmap: u32,
    picture: render::Picture,
    /// The image size the picture's transform scales to.
    scaled_to: Option<(u32, u32)>,
}

/// A child window of the app's window that shows a guest screen. See the crate docs.
pub struct X11Surface {
    conn: Arc<RustConnection>,
    window: u32,
    depth: u8,
    gc: u32,
    format: render::Pictformat,
    window_picture: render::Picture,
    copy: Option<ScreenCopy>,
    placement: Option<Placement>,
    /// Set by the event thread when the window is destroyed (with the app's window).
    gone: Arc<AtomicBool>,
}

impl X11Surface {
    /// A hidden surface inside `parent` (an X window id) on `display` (`None`: `$DISPLAY`).
    /// `on_expose` runs on a thread of the surface when the server lost part of the window's
    /// pixels (uncovered, remapped): call [`X11Surface::repaint`] then.
    pub fn new(
        display: Option<&str>,
        parent: u32,
        on_expose: Box<dyn Fn() + Send>,
    ) -> Result<Self, SurfaceError> {
        let (conn, _) = x11rb::connect(display).map_err(|e| SurfaceError::Connect(Box::new(e)))?;
        for (name, what) in [
            (shm::X11_EXTENSION_NAME, "MIT-SHM"),
            (render::X11_EXTENSION_NAME, "RENDER"),
            (shape::X11_EXTENSION_NAME, "SHAPE"),
        ] {
            if conn.extension_information(name).map_err(request)?.is_none() {
                return Err(SurfaceError::Missing(what));
            }
        }
        let version = conn
            .shm_query_version()
            .map_err(request)?
            .reply()
            .map_err(request)?;
        if (version.major_version, version.minor_version) < (1, 2) {
            return Err(SurfaceError::Missing("MIT-SHM 1.2 (file descriptors)"));
        }
        let attrs = conn
            .get_window_attributes(parent)
            .map_err(request)?
            .reply()
            .map_err(request)?;
        let depth = conn
            .get_geometry(parent)
            .map_err(request)?
            .reply()
            .map_err(request)?
            .depth;
        // The framebuffer's pixels are 0xFFRRGGBB words: exactly a 24- or 32-bit true
        // colour visual with these masks, so they go to the server unconverted.
        let visual_ok = conn.setup().roots.iter().any(|screen| {
            screen.allowed_depths.iter().any(|d| {
                d.depth == depth
                    && d.visuals.iter().any(|v| {
                        v.visual_id == attrs.visual
                            && v.class == VisualClass::TRUE_COLOR
                            && (v.red_mask, v.green_mask, v.blue_mask) == (0xFF_0000, 0xFF00, 0xFF)
                    })
            })
        });
        if !visual_ok || !(depth == 24 || depth == 32) {
            return Err(SurfaceError::Visual(depth));
        }
        let formats = conn
            .render_query_pict_formats()
            .map_err(request)?
            .reply()
            .map_err(request)?;
        let format = formats
            .screens
            .iter()
            .flat_map(|s| &s.depths)
            .flat_map(|d| &d.visuals)
            .find(|v| v.visual == attrs.visual)
            .map(|v| v.format)
            .ok_or(SurfaceError::Missing(
                "a RENDER format for the window's visual",
            ))?;

        let window = conn.generate_id().map_err(request)?;
        conn.create_window(
            depth,
            window,
            parent,
            0,
            0,
            1,
            1,
            0,
            WindowClass::INPUT_OUTPUT,
            attrs.visual,
            &CreateWindowAux::new()
                .border_pixel(0)
                // Black where no image is (never, as the page places it) rather than whatever
                // was on screen; painted over in the same batch as the map.
                .background_pixel(0)
                .colormap(attrs.colormap)
                .event_mask(EventMask::EXPOSURE | EventMask::STRUCTURE_NOTIFY),
        )
        .map_err(request)?;
        // No input region: pointer events fall through to the page beneath, which handles
        // them (and sets the cursor) exactly as when it paints the screen itself.
        conn.shape_rectangles(
            SO::SET,
            SK::INPUT,
            ClipOrdering::UNSORTED,
            window,
            0,
            0,
            &[],
        )
        .map_err(request)?;
        let gc = conn.generate_id().map_err(request)?;
        conn.create_gc(gc, window, &CreateGCAux::new().graphics_exposures(0))
            .map_err(request)?;
        let window_picture = conn.generate_id().map_err(request)?;
        conn.render_create_picture(window_picture, window, format, &Default::default())
            .map_err(request)?;
        conn.sync().map_err(request)?;

        let conn = Arc::new(conn);
        let events = conn.clone();
        let gone = Arc::new(AtomicBool::new(false));
        let gone_seen = gone.clone();
        std::thread::Builder::new()
            .name("vireo-surface-events".into())
            .spawn(move || loop {
                match events.wait_for_event() {
                    Ok(Event::Expose(e)) if e.window == window && e.count == 0 => on_expose(),
                    Ok(Event::DestroyNotify(e)) if e.window == window => {
                        gone_seen.store(true, Ordering::SeqCst);
                        return;
                    }
                    Ok(_) => {}
                    Err(_) => {
                        gone_seen.store(true, Ordering::SeqCst);
                        return;
                    }
                }
            })
            .map_err(|e| SurfaceError::Request(Box::new(e)))?;
        Ok(X11Surface {
            conn,
            window,
            depth,
            gc,
            format,
            window_picture,
            copy: None,
            placement: None,
            gone,
        })
    }

    /// The surface's X window (tests and diagnostics).
    pub fn window(&self) -> u32 {
        self.window
    }

    /// Where the surface shows; `None` hides it. Shown, it repaints from its copy at once.
    pub fn place(&mut self, placement: Option<Placement>) -> Result<(), SurfaceError> {
        self.alive()?;
        let placement = placement.filter(|p| p.clip.width > 0 && p.clip.height > 0);
        match placement {
            None => {
                if self.placement.take().is_some() {
                    // A round trip: the window is gone when this returns, so whatever the
                    // page paints next (or another client reads) is not under it.
                    self.conn
                        .unmap_window(self.window)
                        .map_err(request)?
                        .check()
                        .map_err(request)?;
                }
            }
            Some(p) => {
                let clip = p.clip;
                self.conn
                    .configure_window(
                        self.window,
                        &ConfigureWindowAux::new()
                            .x(clip.x.clamp(-32768, 32767))
                            .y(clip.y.clamp(-32768, 32767))
                            .width(clip.width.clamp(1, 32767))
                            .height(clip.height.clamp(1, 32767))
                            .stack_mode(StackMode::ABOVE),
                    )
                    .map_err(request)?
                    .check()
                    .map_err(request)?;
                if self.placement.is_none() {
                    self.conn.map_window(self.window).map_err(request)?;
                }
                self.placement = Some(p);
                self.repaint()?;
            }
        }
        Ok(())
    }

    /// Whether the surface is shown.
    pub fn is_shown(&self) -> bool {
        self.placement.is_some()
    }

    /// Shows the changed rectangles `rects` (x, y, w, h in guest pixels) of the screen
    /// `pixels` (`width * height` words, `0xFFRRGGBB`): [`X11Surface::copy_in`] then
    /// [`X11Surface::show`].
    pub fn paint(
        &mut self,
        width: u16,
        height: u16,
        pixels: &[u32],
        rects: &[(u16, u16, u16, u16)],
    ) -> Result<(), SurfaceError> {
        let rects = self.copy_in(width, height, pixels, rects)?;
        self.show(&rects)
    }

    /// Copies the changed rectangles of `pixels` into the shared copy (no request to the
    /// server, so the caller may hold the framebuffer's lock only for this) and returns what
    /// [`X11Surface::show`] must show: `rects`, or the whole screen when its size is new
    /// (a new copy).
    pub fn copy_in(
        &mut self,
        width: u16,
        height: u16,
        pixels: &[u32],
        rects: &[(u16, u16, u16, u16)],
    ) -> Result<Vec<(u16, u16, u16, u16)>, SurfaceError> {
        self.alive()?;
        if pixels.len() != usize::from(width) * usize::from(height) || width == 0 || height == 0 {
            return Err(SurfaceError::PixelCount(width, height));
        }
        let same_size = self
            .copy
            .as_ref()
            .is_some_and(|c| (c.width, c.height) == (width, height));
        let rects = if same_size {
            rects.to_vec()
        } else {
            self.new_copy(width, height)?;
            vec![(0, 0, width, height)]
        };
        let Some(copy) = self.copy.as_mut() else {
            return Ok(Vec::new());
        };
        let stride = usize::from(width);
        let shared = copy.shm.pixels_mut();
        for &(x, y, w, h) in &rects {
            let (x, w) = (
                usize::from(x),
                usize::from(w).min(stride.saturating_sub(usize::from(x))),
            );
            let rows = usize::from(y)..(usize::from(y) + usize::from(h)).min(usize::from(height));
            for row in rows {
                let at = row * stride + x;
                shared[at..at + w].copy_from_slice(&pixels[at..at + w]);
            }
        }
        Ok(rects)
    }

    /// Puts `rects` of the shared copy into the window (as `copy_in` returned them). Returns
    /// once the server has read the shared copy, so the next `copy_in` may overwrite it.
    pub fn show(&mut self, rects: &[(u16, u16, u16, u16)]) -> Result<(), SurfaceError> {
        self.alive()?;
        let Some(copy) = self.copy.as_ref() else {
            return Ok(());
        };
        let (width, height) = (copy.width, copy.height);
        for &(x, y, w, h) in rects {
            let w = w.min(width.saturating_sub(x));
            let h = h.min(height.saturating_sub(y));
            if w == 0 || h == 0 {
                continue;
            }
            self.conn
                .shm_put_image(
                    copy.pixmap,
                    self.gc,
                    width,
                    height,
                    x,
                    y,
                    w,
                    h,
                    x as i16,
                    y as i16,
                    self.depth,
                    ImageFormat::Z_PIXMAP.into(),
                    false,
                    copy.seg,
                    0,
                )
                .map_err(request)?;
        }
        for &r in rects {
            self.present(r)?;
        }
        // A round trip: the server has handled the puts, so the shared copy is free again.
        self.conn.sync().map_err(request)
    }

    fn alive(&self) -> Result<(), SurfaceError> {
        if self.gone.load(Ordering::SeqCst) {
            Err(SurfaceError::Gone)
        } else {
            Ok(())
        }
    }

    /// Redraws the whole visible surface from the server's copy (after an Expose).
    pub fn repaint(&mut self) -> Result<(), SurfaceError> {
        if let Some((w, h)) = self.copy.as_ref().map(|c| (c.width, c.height)) {
            self.present((0, 0, w, h))?;
        }
        self.conn.flush().map_err(request)
    }

    fn present(&mut self, r: (u16, u16, u16, u16)) -> Result<(), SurfaceError> {
        let (Some(p), Some(copy)) = (self.placement, self.copy.as_mut()) else {
            return Ok(());
        };
        let Some(d) = damage_in_window(r, copy.width, copy.height, &p) else {
            return Ok(());
        };
        // Where the window rectangle lies in the image (the source, before any scaling).
        let sx = (d.x + p.clip.x - p.image.x).clamp(-32768, 32767) as i16;
        let sy = (d.y + p.clip.y - p.image.y).clamp(-32768, 32767) as i16;
        let (dx, dy) = (d.x.clamp(0, 32767) as i16, d.y.clamp(0, 32767) as i16);
        let (w, h) = (d.width.min(65535) as u16, d.height.min(65535) as u16);
        let size = (p.image.width, p.image.height);
        if size == (u32::from(copy.width), u32::from(copy.height)) {
            self.conn
                .copy_area(copy.pixmap, self.window, self.gc, sx, sy, dx, dy, w, h)
                .map_err(request)?;
            return Ok(());
        }
        if copy.scaled_to != Some(size) {
            let fixed = |num: u32, den: u32| {
                ((f64::from(num) / f64::from(den.max(1))) * 65536.0).round() as i32
            };
            let transform = Transform {
                matrix11: fixed(u32::from(copy.width), size.0),
                matrix12: 0,
                matrix13: 0,
                matrix21: 0,
                matrix22: fixed(u32::from(copy.height), size.1),
                matrix23: 0,
                matrix31: 0,
                matrix32: 0,
                matrix33: 1 << 16,
            };
            self.conn
                .render_set_picture_transform(copy.picture, transform)
                .map_err(request)?;
            // Whole-factor enlargement stays sharp (as the page's `pixelated`); shrinking
            // is filtered, as the page's smooth downscale.
            let grows = size.0 >= u32::from(copy.width);
            let filter: &[u8] = if grows { b"nearest" } else { b"bilinear" };
            self.conn
                .render_set_picture_filter(copy.picture, filter, &[])
                .map_err(request)?
                .check()
                .map_err(request)?;
            copy.scaled_to = Some(size);
        }
        self.conn
            .render_composite(
                PictOp::SRC,
                copy.picture,
                x11rb::NONE,
                self.window_picture,
                sx,
                sy,
                0,
                0,
                dx,
                dy,
                w,
                h,
            )
            .map_err(request)?;
        Ok(())
    }

    fn new_copy(&mut self, width: u16, height: u16) -> Result<(), SurfaceError> {
        self.free_copy();
        let shm = SharedPixels::new(usize::from(width) * usize::from(height))
            .map_err(SurfaceError::Shm)?;
        let seg = self.conn.generate_id().map_err(request)?;
        self.conn
            .shm_attach_fd(seg, shm.fd().map_err(SurfaceError::Shm)?, true)
            .map_err(request)?;
        let pixmap = self.conn.generate_id().map_err(request)?;
        self.conn
            .create_pixmap(self.depth, pixmap, self.window, width, height)
            .map_err(request)?;
        let picture = self.conn.generate_id().map_err(request)?;
        self.conn
            .render_create_picture(
                picture,
                pixmap,
                self.format,
                &render::CreatePictureAux::new().repeat(Repeat::PAD),
            )
            .map_err(request)?;
        // Checked here: a server that cannot map the segment fails now, not on a paint.
        self.conn.sync().map_err(request)?;
        self.copy = Some(ScreenCopy {
            width,
            height,
            shm,
            seg,
            pixmap,
            picture,
            scaled_to: None,
        });
        Ok(())
    }

    fn free_copy(&mut self) {
        if let Some(copy) = self.copy.take() {
            let _ = self.conn.render_free_picture(copy.picture);
            let _ = self.conn.free_pixmap(copy.pixmap);
            let _ = self.conn.shm_detach(copy.seg);
        }
    }
}

impl Drop for X11Surface {
    fn drop(&mut self) {
        self.free_copy();
        let _ = self.conn.render_free_picture(self.window_picture);
        let _ = self.conn.free_gc(self.gc);
        // Also ends the event thread (it sees the DestroyNotify).
        let _ = self.conn.destroy_window(self.window);
        let _ = self.conn.flush();
    }
}

impl std::fmt::Debug for X11Surface {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("X11Surface")
            .field("window", &self.window)
            .field("placement", &self.placement)
            .finish()
    }
}
