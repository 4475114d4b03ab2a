//! Test support (feature `testing`): a private Xvfb, a stand-in for the app's window, and
//! the pixels it shows. Panics rather than returning errors: it is for tests.

use std::process::{Child, Command, Stdio};
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{ConnectionExt as _, CreateWindowAux, ImageFormat, WindowClass};
use x11rb::rust_connection::RustConnection;
use x11rb::wrapper::ConnectionExt as _;

/// An Xvfb of its own, killed on drop.
pub struct Xvfb {
    child: Child,
    /// Its display name, `:N`.
    pub display: String,
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A private `width`×`height` Xvfb on a display it picks itself (`-displayfd`: tests run in
/// parallel).
pub fn xvfb(width: u16, height: u16) -> Xvfb {
    use std::io::Read;
    let mut child = Command::new("Xvfb")
        .args(["-displayfd", "1", "-screen", "0"])
        .arg(format!("{width}x{height}x24"))
        .args(["-nolisten", "tcp"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("Xvfb runs (make test installs it)");
    // Xvfb writes the display number and a newline once it accepts connections.
    let mut out = child.stdout.take().expect("Xvfb's stdout");
    let mut number = String::new();
    let mut byte = [0u8; 1];
    while out.read(&mut byte).unwrap_or(0) == 1 && byte[0] != b'\n' {
        number.push(char::from(byte[0]));
    }
    assert!(!number.is_empty(), "Xvfb did not start");
    Xvfb {
        child,
        display: format!(":{number}"),
    }
}

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
