//! The X11 surface against a real X server: its own Xvfb, a parent window standing in for
//! the app's, pixels read back with GetImage.
#![cfg(target_os = "linux")]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use vireo_surface::{testing, Placement, Rect, X11Surface};
use x11rb::protocol::shape::{ConnectionExt as _, SK};
use x11rb::protocol::xproto::ConnectionExt as _;
use x11rb::rust_connection::RustConnection;
use x11rb::wrapper::ConnectionExt as _;

fn rect(x: i32, y: i32, width: u32, height: u32) -> Rect {
    Rect {
        x,
        y,
        width,
        height,
    }
}

/// A mapped 400x300 top-level window filled with grey, as the app's window.
fn parent(display: &str) -> (RustConnection, u32) {
    testing::parent_window(display, 400, 300, 0x80_8080)
}

/// The window's pixels from its corner as 0x00RRGGBB words.
fn pixels(conn: &RustConnection, window: u32, w: u16, h: u16) -> Vec<u32> {
    testing::window_pixels(conn, window, 0, 0, w, h)
}

/// A 20x10 guest screen whose every pixel differs.
fn screen() -> Vec<u32> {
    (0..200u32)
        .map(|i| 0xFF00_0000 | (i * 0x01_0307) & 0xFF_FFFF)
        .collect()
}

/// A surface in a fresh Xvfb's grey window, painted with `screen()` and shown at `image`
/// (clipped to it), once the server has drawn it.
fn painted(
    image: Rect,
) -> (
    vireo_test_support::Xvfb,
    RustConnection,
    u32,
    X11Surface,
    Vec<u32>,
) {
    let x = vireo_test_support::xvfb(640, 480);
    let (conn, top) = parent(&x.display);
    let mut surface = X11Surface::new(Some(&x.display), top, Box::new(|| {})).unwrap();
    let fb = screen();
    surface.paint(20, 10, &fb, &[(0, 0, 20, 10)]).unwrap();
    surface
        .place(Some(Placement { clip: image, image }))
        .unwrap();
    conn.sync().unwrap();
    (x, conn, top, surface, fb)
}

#[test]
fn one_to_one_shows_every_guest_pixel_in_place_and_takes_no_input() {
    let (_x, conn, top, mut surface, fb) = painted(rect(30, 40, 20, 10));
    let got = pixels(&conn, top, 60, 60);
    for y in 0..10 {
        for x in 0..20 {
            assert_eq!(
                got[(40 + y) * 60 + 30 + x],
                fb[y * 20 + x] & 0xFF_FFFF,
                "pixel {x},{y}"
            );
        }
    }
    assert_eq!(
        got[39 * 60 + 30],
        0x80_8080,
        "nothing drawn outside the clip"
    );
    assert_eq!(
        got[40 * 60 + 29],
        0x80_8080,
        "nothing drawn outside the clip"
    );
    let input = conn
        .shape_get_rectangles(surface.window(), SK::INPUT)
        .unwrap()
        .reply()
        .unwrap();
    assert!(
        input.rectangles.is_empty(),
        "pointer events must reach the page"
    );

    // A changed rectangle shows after paint returns.
    let mut next = fb.clone();
    next[5 * 20 + 7] = 0xFF12_3456;
    surface.paint(20, 10, &next, &[(7, 5, 1, 1)]).unwrap();
    assert_eq!(pixels(&conn, top, 60, 60)[45 * 60 + 37], 0x12_3456);

    // Hidden, the parent shows through again.
    surface.place(None).unwrap();
    conn.sync().unwrap();
    assert_eq!(pixels(&conn, top, 60, 60)[45 * 60 + 37], 0x80_8080);
}

#[test]
fn doubled_placement_is_sharp_and_a_scrolled_one_is_clipped() {
    let (_x, conn, top, mut surface, fb) = painted(rect(0, 0, 40, 20));
    let got = pixels(&conn, top, 40, 20);
    for y in 0..20 {
        for x in 0..40 {
            assert_eq!(
                got[y * 40 + x],
                fb[(y / 2) * 20 + x / 2] & 0xFF_FFFF,
                "{x},{y}"
            );
        }
    }
    // 1:1, scrolled by (5, 3), in a 10x4 view at (100, 100).
    surface
        .place(Some(Placement {
            clip: rect(100, 100, 10, 4),
            image: rect(95, 97, 20, 10),
        }))
        .unwrap();
    conn.sync().unwrap();
    let got = pixels(&conn, top, 120, 120);
    for y in 0..4 {
        for x in 0..10 {
            assert_eq!(
                got[(100 + y) * 120 + 100 + x],
                fb[(y + 3) * 20 + x + 5] & 0xFF_FFFF
            );
        }
    }
    assert_eq!(got[99 * 120 + 100], 0x80_8080);
    assert_eq!(got[104 * 120 + 100], 0x80_8080);
}

#[test]
fn a_resized_screen_is_copied_whole_and_exposes_are_reported() {
    let x = vireo_test_support::xvfb(640, 480);
    let (conn, top) = parent(&x.display);
    let exposed = Arc::new(AtomicUsize::new(0));
    let seen = exposed.clone();
    let mut surface = X11Surface::new(
        Some(&x.display),
        top,
        Box::new(move || {
            seen.fetch_add(1, Ordering::SeqCst);
        }),
    )
    .unwrap();
    surface
        .place(Some(Placement {
            clip: rect(0, 0, 8, 8),
            image: rect(0, 0, 8, 8),
        }))
        .unwrap();
    // The first paint of a new size shows all of it, whatever rectangles it names.
    let fb = vec![0xFF00_FF00u32; 64];
    surface.paint(8, 8, &fb, &[(0, 0, 1, 1)]).unwrap();
    assert!(pixels(&conn, top, 8, 8).iter().all(|&p| p == 0x00_FF00));
    let until = Instant::now() + Duration::from_secs(5);
    while exposed.load(Ordering::SeqCst) == 0 && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(
        exposed.load(Ordering::SeqCst) > 0,
        "mapping exposes the window"
    );
    // Wrong pixel counts are refused, not read past.
    assert!(surface.paint(8, 9, &fb, &[]).is_err());
}

#[test]
fn a_destroyed_parent_ends_in_errors_not_a_crash() {
    let x = vireo_test_support::xvfb(640, 480);
    let (conn, top) = parent(&x.display);
    let mut surface = X11Surface::new(Some(&x.display), top, Box::new(|| {})).unwrap();
    conn.destroy_window(top).unwrap();
    conn.sync().unwrap();
    let fb = screen();
    let placed = surface.place(Some(Placement {
        clip: rect(0, 0, 20, 10),
        image: rect(0, 0, 20, 10),
    }));
    assert!(placed.is_err(), "the server refuses the gone window");
    // The event thread sees the window go; painting then says so.
    let until = Instant::now() + Duration::from_secs(5);
    let mut painted = surface.paint(20, 10, &fb, &[(0, 0, 20, 10)]);
    while painted.is_ok() && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(10));
        painted = surface.paint(20, 10, &fb, &[(0, 0, 20, 10)]);
    }
    assert!(matches!(painted, Err(vireo_surface::SurfaceError::Gone)));
    drop(surface);
    assert!(X11Surface::new(Some(&x.display), top, Box::new(|| {})).is_err());
}
