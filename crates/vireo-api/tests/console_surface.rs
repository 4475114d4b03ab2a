//! The native console surface against the test guest on qemu:///system (TCG) and a private
//! Xvfb: a top-level window stands in for the app's, the page is a WebSocket client that
//! places the surface over its "canvas", and the window's pixels are read back with GetImage.
//! Shown, the guest screen appears in the window at the placed rectangle and the page gets
//! SURFACE counters instead of frames; hidden, the window shows through again and frames
//! flow, starting with the whole screen.
#![cfg(target_os = "linux")]

use std::time::{Duration, Instant};
use vireo_api::console::stream::{CURSOR, FRAME, FRAME_PART, SURFACE};
use vireo_api::*;
use vireo_surface::testing;
use x11rb::protocol::xproto::{ConnectionExt as _, MapState};
use x11rb::rust_connection::RustConnection;
mod common;
use common::page::{close_and_wait, connect, credit, key_json, send_input, Page};
use common::{system_inventory, us_key, wait_for_text, TestGuest};

const ORIGIN: &str = "tauri://localhost";
/// The parent window's size and colour (0x00RRGGBB).
const PARENT_W: u16 = 1024;
const PARENT_H: u16 = 768;
const GREY: u32 = 0x80_8080;
/// Where the page "shows" the screen, in the parent window.
const AT: (i32, i32) = (10, 20);
/// Pixels a screen may differ by from an earlier picture of it: the guest's text cursor
/// blinks, and it may have moved since. Two character cells of its 9x16 text mode (a whole
/// screen shifted by one pixel differs by thousands).
const SLACK: usize = 2 * 9 * 16;

/// A grey top-level window standing in for the app's.
fn parent(display: &str) -> (RustConnection, u32) {
    testing::parent_window(display, PARENT_W, PARENT_H, GREY)
}

fn pixels(conn: &RustConnection, window: u32, x: i16, y: i16, w: u16, h: u16) -> Vec<u32> {
    testing::window_pixels(conn, window, x, y, w, h)
}

/// The guest screen as the window shows it at `AT`, plus a one-pixel border around it:
/// (the screen's pixels, the border's).
fn shown(conn: &RustConnection, window: u32, w: u16, h: u16) -> (Vec<u32>, Vec<u32>) {
    let all = pixels(conn, window, AT.0 as i16 - 1, AT.1 as i16 - 1, w + 2, h + 2);
    let stride = usize::from(w) + 2;
    let (mut inside, mut border) = (Vec::new(), Vec::new());
    for (i, &p) in all.iter().enumerate() {
        let (x, y) = (i % stride, i / stride);
        if x == 0 || y == 0 || x == stride - 1 || y == usize::from(h) + 1 {
            border.push(p);
        } else {
            inside.push(p);
        }
    }
    (inside, border)
}

/// RGBA bytes → 0x00RRGGBB words.
fn words(rgba: &[u8]) -> Vec<u32> {
    rgba.chunks_exact(4)
        .map(|p| u32::from_be_bytes([0, p[0], p[1], p[2]]))
        .collect()
}

fn differing(a: &[u32], b: &[u32]) -> usize {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).filter(|(x, y)| x != y).count()
}

fn connect_page(url: &str) -> Page {
    let page = connect(url, ORIGIN).expect("the page connects");
    page.get_ref()
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    page
}

fn type_keys(page: &mut Page, text: &str) {
    let key = |page: &mut Page, code: &str, key: &str, down: bool| {
        send_input(page, &key_json(code, key, down));
    };
    for c in text.chars() {
        let (code, name, shift) = us_key(c);
        if shift {
            key(page, "ShiftLeft", "Shift", true);
        }
        key(page, &code, &name, true);
        key(page, &code, &name, false);
        if shift {
            key(page, "ShiftLeft", "Shift", false);
        }
    }
}

/// The page's placement message: the screen at 1:1 at `AT`, wholly visible.
fn place_json(w: u16, h: u16) -> String {
    let r = format!(r#"{{"x":{},"y":{},"width":{w},"height":{h}}}"#, AT.0, AT.1);
    format!(r#"{{"kind":"surface","place":{{"clip":{r},"image":{r}}}}}"#)
}

/// One whole frame: its parts' rects painted on a transparent screen (alpha 0 where no rect
/// covered it). CURSOR and SURFACE messages before it are skipped; it must come within a
/// minute.
fn next_frame(page: &mut Page, width: u16, height: u16) -> Vec<u8> {
    let mut rgba = vec![0; usize::from(width) * usize::from(height) * 4];
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let b = match page.read().expect("a message") {
            tungstenite::Message::Binary(b) => b,
            other => panic!("unexpected {other:?}"),
        };
        if b[0] == CURSOR || b[0] == SURFACE {
            assert!(Instant::now() < deadline, "no frame came within a minute");
            continue;
        }
        assert!(b[0] == FRAME || b[0] == FRAME_PART, "message kind {}", b[0]);
        let info = vireo_api::console::stream::decode_frame(&b, width, height, &mut rgba)
            .expect("a well-formed frame");
        assert_eq!((info.width, info.height), (width, height));
        if info.end {
            return rgba;
        }
    }
}

/// Paints what `frame` covers onto `screen` (both RGBA).
fn apply(screen: &mut [u8], frame: &[u8]) {
    for (s, f) in screen.chunks_exact_mut(4).zip(frame.chunks_exact(4)) {
        if f[3] == 0xff {
            s.copy_from_slice(f);
        }
    }
}

/// A SURFACE message's (width, height, painted, updates).
fn surface_counters(b: &[u8]) -> (u16, u16, u32, u32) {
    assert_eq!(b.len(), 13, "a SURFACE message is 13 bytes");
    let u16_at = |i: usize| u16::from_le_bytes([b[i], b[i + 1]]);
    let u32_at = |i: usize| u32::from_le_bytes(b[i..i + 4].try_into().unwrap());
    (u16_at(1), u16_at(3), u32_at(5), u32_at(9))
}

/// Reads while the surface is shown, for `wait` or until `done` says so: no FRAME or
/// FRAME_PART may come (the page has credit); the SURFACE messages' counters, in order.
fn read_while_shown(
    page: &mut Page,
    wait: Duration,
    when: &str,
    mut done: impl FnMut(&[(u16, u16, u32, u32)]) -> bool,
) -> Vec<(u16, u16, u32, u32)> {
    let end = Instant::now() + wait;
    let mut seen = Vec::new();
    while let Some(left) = end.checked_duration_since(Instant::now()) {
        page.get_mut()
            .set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .unwrap();
        match page.read() {
            Ok(tungstenite::Message::Binary(b)) => {
                assert!(
                    b[0] != FRAME && b[0] != FRAME_PART,
                    "a frame (kind {}) was sent while the surface was shown, {when}",
                    b[0]
                );
                if b[0] == SURFACE {
                    seen.push(surface_counters(&b));
                    if done(&seen) {
                        break;
                    }
                }
            }
            Ok(other) => panic!("unexpected {other:?}"),
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                break
            }
            Err(e) => panic!("the socket failed {when}: {e}"),
        }
    }
    page.get_mut()
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    seen
}

#[test]
fn a_shown_surface_paints_the_screen_into_the_window_and_frames_resume_when_hidden() {
    let started = Instant::now();
    let x = vireo_test_support::xvfb(1280, 1024);
    let (xconn, top) = parent(&x.display);

    let guest = TestGuest::define("vireo-surface");
    let log = guest.log.clone();
    let inv = system_inventory();
    let consoles = Consoles::new([ORIGIN]).with_native_window(Some(NativeWindow::X11 {
        display: Some(x.display.clone()),
        window: top,
    }));
    let vm = VmRef {
        connection: "sys".into(),
        uuid: guest.uuid.clone(),
    };
    guest.boot();
    println!("guest booted after {:?}", started.elapsed());

    let opened = console_open(&inv, &consoles, ConsoleOpenRequest { vm }).unwrap();
    assert!(opened.surface, "a native surface in the X11 window");
    let (w, h) = (opened.width, opened.height);
    assert!(
        AT.0 + i32::from(w) < i32::from(PARENT_W) && AT.1 + i32::from(h) < i32::from(PARENT_H),
        "a {w}x{h} screen fits the parent window"
    );
    let total = usize::from(w) * usize::from(h);

    // The web path first, as before: the page's first frame is the whole screen.
    let mut page = connect_page(&opened.url);
    credit(&mut page, 1);
    let first = next_frame(&mut page, w, h);
    assert!(
        first.chunks_exact(4).all(|p| p[3] == 0xff),
        "the first frame covers the whole screen"
    );
    // The console may be opened before the server's first update: the screen is then black
    // at first, and the update comes as the next frame.
    let mut screen = first;
    let lit = |screen: &[u8]| screen.chunks(4).filter(|p| p[..3] != [0, 0, 0]).count();
    while lit(&screen) <= 100 {
        credit(&mut page, 1);
        let next = next_frame(&mut page, w, h);
        apply(&mut screen, &next);
    }
    let (inside, border) = shown(&xconn, top, w, h);
    assert!(
        inside.iter().chain(&border).all(|&p| p == GREY),
        "nothing is drawn before the page places the surface"
    );

    // A placement with an unknown field is the page's bug: it is dropped (the surface stays
    // hidden, the window grey) and the console goes on streaming to the page.
    let r = format!(r#"{{"x":{},"y":{},"width":{w},"height":{h}}}"#, AT.0, AT.1);
    let bad = [
        format!(r#"{{"kind":"surface","place":{{"clip":{r},"image":{r},"scale":2}}}}"#),
        format!(
            r#"{{"kind":"surface","place":{{"clip":{{"x":10,"y":20,"width":{w},"height":{h},"z":1}},"image":{r}}}}}"#
        ),
        format!(r#"{{"kind":"surface","place":{{"clip":{r},"image":{r}}},"later":true}}"#),
    ];
    for message in &bad {
        send_input(&mut page, message);
    }
    // A space moves only the cursor, so the screen has something to send (an idle guest's
    // blinking cursor may or may not give updates).
    type_keys(&mut page, " ");
    credit(&mut page, 1);
    let after_bad = next_frame(&mut page, w, h);
    apply(&mut screen, &after_bad);
    let (inside, border) = shown(&xconn, top, w, h);
    assert!(
        inside.iter().chain(&border).all(|&p| p == GREY),
        "a placement with an unknown field shows nothing"
    );
    // Undo the space (the credit is spent: the change waits for the surface).
    send_input(
        &mut page,
        r#"{"kind":"key","code":"Backspace","key":"Backspace","down":true}"#,
    );
    send_input(
        &mut page,
        r#"{"kind":"key","code":"Backspace","key":"Backspace","down":false}"#,
    );

    // Shown at 1:1: the window shows the session's screen in the rectangle, and nothing
    // around it. The credits come after the placement: none is free before it.
    send_input(&mut page, &place_json(w, h));
    credit(&mut page, 8);
    let placed = Instant::now();
    let expected = words(&screen);
    let mut seen = Vec::new();
    let (inside, border) = loop {
        // Reading the socket meanwhile: no frame may come, counters do.
        seen.extend(read_while_shown(
            &mut page,
            Duration::from_millis(200),
            "after the placement",
            |_| false,
        ));
        let (inside, border) = shown(&xconn, top, w, h);
        let off = differing(&inside, &expected);
        if off <= SLACK || placed.elapsed() > Duration::from_secs(20) {
            break (inside, border);
        }
    };
    let off = differing(&inside, &expected);
    println!(
        "surface shown after {:?}: {off} of {total} pixels differ from the last frame",
        placed.elapsed()
    );
    assert!(
        off <= SLACK,
        "{off} of {total} window pixels differ from the session's screen"
    );
    assert!(
        border.iter().all(|&p| p == GREY),
        "the window stays grey just outside the placed rectangle"
    );
    let children = xconn.query_tree(top).unwrap().reply().unwrap().children;
    assert_eq!(
        children.len(),
        1,
        "the surface is one child window of the app's"
    );
    let mapped = xconn
        .get_window_attributes(children[0])
        .unwrap()
        .reply()
        .unwrap()
        .map_state;
    assert_eq!(mapped, MapState::VIEWABLE, "the surface is shown");

    // While shown, changes are painted natively and the page hears only counters, though
    // it has credit: keys typed over the socket run in the guest and show in the window.
    seen.extend(read_while_shown(
        &mut page,
        Duration::from_millis(1500),
        "while idle",
        |_| false,
    ));
    println!("SURFACE messages once shown, idle: {seen:?}");
    let &(sw, sh, painted_before, _) = seen.first().expect("a SURFACE message once shown");
    assert_eq!(
        (sw, sh),
        (w, h),
        "the SURFACE message gives the screen's size"
    );
    assert!(painted_before > 0, "the shown surface painted the screen");
    let painted_before = seen.last().unwrap().2;
    let typed = Instant::now();
    type_keys(&mut page, "echo vireo-surface-ok >/dev/ttyS0\n");
    let mut ran = false;
    let mut after = Vec::new();
    while typed.elapsed() < Duration::from_secs(60) {
        after.extend(read_while_shown(
            &mut page,
            Duration::from_millis(500),
            "while typing",
            |_| false,
        ));
        ran = ran || std::fs::read_to_string(&log).is_ok_and(|t| t.contains("vireo-surface-ok"));
        if ran && after.iter().any(|s| s.2 > painted_before) {
            break;
        }
    }
    wait_for_text(&log, "vireo-surface-ok", 1);
    let &(_, _, painted, updates) = after.last().expect("SURFACE messages while typing");
    println!(
        "typed command ran, surface painted {painted} frames ({updates} server updates) after {:?}",
        typed.elapsed()
    );
    assert!(
        painted > painted_before,
        "a SURFACE message counts the frames painted for the typed keys"
    );
    // Let the prompt settle; still no frames.
    read_while_shown(
        &mut page,
        Duration::from_millis(2000),
        "after typing",
        |_| false,
    );
    let (typed_screen, border) = shown(&xconn, top, w, h);
    let changed = differing(&typed_screen, &expected);
    println!("the typed command changed {changed} window pixels");
    assert!(
        changed > 500,
        "the typed command shows in the window ({changed} pixels changed)"
    );
    assert!(border.iter().all(|&p| p == GREY));

    // Hidden: the window shows through and frames flow again, starting with the whole
    // screen, which is what the surface showed.
    send_input(&mut page, r#"{"kind":"surface","place":null}"#);
    let whole = next_frame(&mut page, w, h);
    let uncovered = whole.chunks_exact(4).filter(|p| p[3] != 0xff).count();
    assert_eq!(
        uncovered, 0,
        "the first frame after hiding covers the whole screen ({uncovered} pixels left out)"
    );
    let off = differing(&words(&whole), &typed_screen);
    println!("whole frame after hiding: {off} of {total} pixels differ from the surface");
    assert!(
        off <= SLACK,
        "{off} of {total} pixels of the frame differ from what the surface showed"
    );
    let hidden = Instant::now();
    loop {
        let (inside, border) = shown(&xconn, top, w, h);
        if inside.iter().chain(&border).all(|&p| p == GREY) {
            break;
        }
        assert!(
            hidden.elapsed() < Duration::from_secs(10),
            "the window shows grey again once the surface is hidden"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // Frames go on with credit: a key's echo comes as a frame.
    credit(&mut page, 1);
    type_keys(&mut page, "x");
    next_frame(&mut page, w, h);

    // Closing the console ends the page's socket and takes the surface's window away.
    close_and_wait(&consoles, opened.id, &mut page);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let children = xconn.query_tree(top).unwrap().reply().unwrap().children;
        if children.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the surface's window is destroyed with its console ({children:?} left)"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    println!("whole test: {:?}", started.elapsed());
}

#[test]
fn placements_parse_and_unknown_fields_are_refused() {
    let parse = |s: &str| serde_json::from_str::<ConsoleInput>(s);
    let r = r#"{"x":-5,"y":20,"width":720,"height":400}"#;
    assert_eq!(
        parse(&format!(
            r#"{{"kind":"surface","place":{{"clip":{r},"image":{r}}}}}"#
        ))
        .unwrap(),
        ConsoleInput::Surface {
            place: Some(SurfacePlace {
                clip: SurfaceRect {
                    x: -5,
                    y: 20,
                    width: 720,
                    height: 400
                },
                image: SurfaceRect {
                    x: -5,
                    y: 20,
                    width: 720,
                    height: 400
                },
            })
        }
    );
    assert_eq!(
        parse(r#"{"kind":"surface","place":null}"#).unwrap(),
        ConsoleInput::Surface { place: None }
    );
    for bad in [
        format!(r#"{{"kind":"surface","place":{{"clip":{r},"image":{r},"scale":2}}}}"#),
        format!(
            r#"{{"kind":"surface","place":{{"clip":{{"x":0,"y":0,"width":1,"height":1,"z":1}},"image":{r}}}}}"#
        ),
        format!(r#"{{"kind":"surface","place":{{"clip":{r},"image":{r}}},"later":true}}"#),
        format!(r#"{{"kind":"surface","place":{{"clip":{r}}}}}"#),
        r#"{"kind":"surface","place":{"clip":{"x":0,"y":0,"width":-1,"height":1},"image":{"x":0,"y":0,"width":1,"height":1}}}"#.to_string(),
    ] {
        assert!(parse(&bad).is_err(), "{bad} was accepted");
    }
}
