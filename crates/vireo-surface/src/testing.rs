//! Test support (feature `testing`): a stand-in for the app's window on an X server (a
//! private one from `vireo_test_support::xvfb`), and the pixels it shows. Panics rather than
//! returning errors: it is for tests.

use x11rb::connection::Connection;
use x11rb::protocol::xproto::{ConnectionExt as _, CreateWindowAux, ImageFormat, WindowClass};
use x11rb::rust_connection::RustConnection;
use x11rb::wrapper::ConnectionExt as _;

/// A mapped top-level `width`×`height` window filled with `background` (0x00RRGGBB), as the
/// app's window.
pub fn parent_window(
    display: &str,
    width: u16,
    height: u16,
    background: u32,
) -> (RustConnection, u32) {
    let (conn, screen) = x11rb::connect(Some(display)).expect("the X server");
    let root = conn.setup().roots[screen].root;
    let window = conn.generate_id().expect("an id");
    conn.create_window(
        24,
        window,
        root,
        0,
        0,
        width,
        height,
        0,
        WindowClass::INPUT_OUTPUT,
        0,
        &CreateWindowAux::new().background_pixel(background),
    )
    .expect("create_window");
    conn.map_window(window).expect("map_window");
    conn.sync().expect("the X server");
    (conn, window)
}

/// The window's pixels in `w`×`h` at (`x`, `y`) as 0x00RRGGBB words: what it shows there,
/// children included (GetImage includes same-depth children).
pub fn window_pixels(
    conn: &RustConnection,
    window: u32,
    x: i16,
    y: i16,
    w: u16,
    h: u16,
) -> Vec<u32> {
    let image = conn
        .get_image(ImageFormat::Z_PIXMAP, window, x, y, w, h, !0)
        .expect("get_image")
        .reply()
        .expect("the window's pixels");
    image
        .data
        .chunks_exact(4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], 0]))
        .collect()
}
