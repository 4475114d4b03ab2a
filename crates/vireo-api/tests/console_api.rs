//! The console API as the window uses it, against the test guest on qemu:///system (TCG):
//! the socket's origin and token checks, frames with credit backpressure, keys by
//! `KeyboardEvent.code`, Ctrl+Alt+Del, and the errors a user can hit.

use std::time::{Duration, Instant};
use vireo_api::*;
mod common;
use common::page::{close_and_wait, connect, credit, key_json, send_input, Page};
use common::{system_inventory, us_key, wait_for_text, TestGuest, URI};

const ORIGIN: &str = "tauri://localhost";

/// Reads for 1.5 s: CURSOR messages may come (they need no credit), FRAMEs may not.
fn assert_no_frame(page: &mut Page, when: &str) {
    let end = Instant::now() + Duration::from_millis(1500);
    while let Some(left) = end.checked_duration_since(Instant::now()) {
        page.get_mut()
            .set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .unwrap();
        match page.read() {
            Ok(tungstenite::Message::Binary(b)) => {
                assert_ne!(
                    b[0],
                    vireo_api::console::stream::FRAME,
                    "a frame was sent {when}"
                )
            }
            Ok(other) => panic!("unexpected {other:?}"),
            Err(_) => break,
        }
    }
    page.get_mut()
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
}

/// One whole frame as the page assembles it: its parts' rects painted on a black screen.
struct Frame {
    width: u16,
    height: u16,
    updates: u32,
    /// Messages it came in (FRAME_PARTs and the closing FRAME).
    messages: usize,
    /// Bytes of all its messages.
    bytes: usize,
    rgba: Vec<u8>,
}

/// The next whole frame (CURSOR messages may come first; large frames come in parts).
fn next_frame(page: &mut Page) -> Frame {
    use vireo_api::console::stream::{CURSOR, FRAME, FRAME_PART};
    let mut frame: Option<Frame> = None;
    loop {
        let b = match page.read().expect("a message") {
            tungstenite::Message::Binary(b) => b,
            other => panic!("unexpected {other:?}"),
        };
        if b[0] == CURSOR {
            continue;
        }
        assert!(b[0] == FRAME || b[0] == FRAME_PART, "message kind {}", b[0]);
        let u16_at = |i: usize| u16::from_le_bytes([b[i], b[i + 1]]);
        let (width, height) = (u16_at(1), u16_at(3));
        let f = frame.get_or_insert_with(|| Frame {
            width,
            height,
            updates: u32::from_le_bytes(b[7..11].try_into().unwrap()),
            messages: 0,
            bytes: 0,
            rgba: vec![0; usize::from(width) * usize::from(height) * 4],
        });
        f.messages += 1;
        f.bytes += b.len();
        let info = vireo_api::console::stream::decode_frame(&b, f.width, f.height, &mut f.rgba)
            .expect("a well-formed frame");
        assert_eq!((info.width, info.height), (width, height));
        if b[0] == FRAME {
            return frame.unwrap();
        }
    }
}

#[test]
fn console_streams_frames_with_backpressure_and_types_into_the_guest() {
    let guest = TestGuest::define("vireo-console");
    let log = guest.log.clone();
    let conn = vireo_libvirt::open(URI).unwrap();

    let inv = system_inventory();
    let consoles = Consoles::new([ORIGIN]);
    let vm = VmRef {
        connection: "sys".into(),
        uuid: guest.uuid.clone(),
    };

    // Shut off: a clear refusal.
    let err = console_open(&inv, &consoles, ConsoleOpenRequest { vm: vm.clone() }).unwrap_err();
    assert_eq!(err.code, Code::InvalidState);
    assert!(err.message.contains("not running"), "{}", err.message);

    guest.boot();

    let opened = console_open(&inv, &consoles, ConsoleOpenRequest { vm: vm.clone() }).unwrap();
    assert!(opened.width >= 640 && opened.height >= 400);
    assert!(
        opened.url.starts_with("ws://127.0.0.1:"),
        "loopback only: {}",
        opened.url
    );

    // The socket refuses a foreign origin, a wrong token and a missing one, and the token
    // still works afterwards (a refused attempt does not use it up).
    let (base, token) = opened.url.split_once("?token=").unwrap();
    let refused = |url: &str, origin: &str| match connect(url, origin) {
        Err(tungstenite::Error::Http(resp)) => resp.status().as_u16(),
        Err(e) => panic!("expected an HTTP refusal, got {e}"),
        Ok(_) => panic!("{url} from {origin} was accepted"),
    };
    assert_eq!(refused(&opened.url, "http://evil.example"), 403);
    assert_eq!(
        refused(&format!("{base}?token=00{}", &token[2..]), ORIGIN),
        403
    );
    assert_eq!(refused(base, ORIGIN), 403);
    let mut page = connect(&opened.url, ORIGIN).expect("the page connects");
    assert_eq!(
        refused(&opened.url, ORIGIN),
        403,
        "the token is good for one connection only"
    );

    // Nothing comes before the page gives credit.
    assert_no_frame(&mut page, "before the page gave credit");
    credit(&mut page, 1);
    let first = next_frame(&mut page);
    let (w, h) = (first.width, first.height);
    assert_eq!((w, h), (opened.width, opened.height));
    // The text screen is a few colours a tile: far less than its 1.1 MB of RGBA.
    let rgba_bytes = usize::from(w) * usize::from(h) * 4;
    assert!(
        first.bytes * 8 < rgba_bytes,
        "a whole {w}x{h} text screen took {} bytes in {} messages",
        first.bytes,
        first.messages
    );
    let lit = first.rgba.chunks(4).filter(|p| p[..3] != [0, 0, 0]).count();
    assert!(
        lit > 100,
        "the first frame shows the text console ({lit} lit pixels)"
    );

    // The first frame matches libvirt's own screenshot of the same moment (the text console
    // is idle; only the blinking cursor may differ).
    let shot = vireo_libvirt::screenshot::screenshot(&conn, &guest.uuid).unwrap();
    let shot = image::load_from_memory(&shot.data).unwrap().to_rgba8();
    assert_eq!((shot.width(), shot.height()), (u32::from(w), u32::from(h)));
    let differing = first
        .rgba
        .chunks(4)
        .zip(shot.pixels())
        .filter(|(a, b)| (0..3).any(|c| a[c].abs_diff(b.0[c]) > 16))
        .count();
    let total = usize::from(w) * usize::from(h);
    println!("first frame vs libvirt screenshot: {differing} of {total} pixels differ");
    assert!(
        differing * 1000 < total,
        "{differing} of {total} pixels differ from libvirt's screenshot"
    );

    // Backpressure: with the credit spent nothing more is sent, even while the screen changes
    // (keys go over the socket as the page sends them).
    let (code, key, _) = us_key('x');
    for down in [true, false] {
        send_input(&mut page, &key_json(&code, &key, down));
    }
    assert_no_frame(&mut page, "without credit");
    credit(&mut page, 1);
    let coalesced = next_frame(&mut page);
    assert!(
        coalesced.updates >= 1,
        "the frame counts the server's updates"
    );

    // Clear the stray 'x', then type a command whose output goes to the serial port, through
    // the API functions this time (the CLI and tests use them).
    for down in [true, false] {
        let (code, key) = ("Backspace".to_string(), "Backspace".to_string());
        console_key(
            &consoles,
            ConsoleKeyRequest {
                id: opened.id,
                code,
                key,
                down,
            },
        )
        .unwrap();
    }
    let typed = Instant::now();
    for c in "echo vireo-console-ok >/dev/ttyS0\n".chars() {
        let (code, key, shift) = us_key(c);
        let press = |code: &str, key: &str, down: bool| {
            let req = ConsoleKeyRequest {
                id: opened.id,
                code: code.into(),
                key: key.into(),
                down,
            };
            console_key(&consoles, req).unwrap();
        };
        if shift {
            press("ShiftLeft", "Shift", true);
        }
        press(&code, &key, true);
        press(&code, &key, false);
        if shift {
            press("ShiftLeft", "Shift", false);
        }
    }
    wait_for_text(&log, "vireo-console-ok", 30);
    println!(
        "keys → command output on the serial port: {:?}",
        typed.elapsed()
    );

    let err = console_key(
        &consoles,
        ConsoleKeyRequest {
            id: opened.id,
            code: "Nope".into(),
            key: "Unidentified".into(),
            down: true,
        },
    )
    .unwrap_err();
    assert_eq!(err.code, Code::InvalidInput);

    // Ctrl+Alt+Del reaches the guest: its init says so on the serial port, then reboots;
    // the console survives the reboot (same QEMU) and keeps streaming.
    for (code, key) in [
        ("ControlLeft", "Control"),
        ("AltLeft", "Alt"),
        ("Delete", "Delete"),
    ] {
        send_input(&mut page, &key_json(code, key, true));
    }
    for (code, key) in [
        ("Delete", "Delete"),
        ("AltLeft", "Alt"),
        ("ControlLeft", "Control"),
    ] {
        send_input(&mut page, &key_json(code, key, false));
    }
    wait_for_text(&log, "VIREO-CTRL-ALT-DEL", 30);
    let before = std::fs::read_to_string(&log)
        .unwrap()
        .matches("VIREO-TEST-GUEST-READY")
        .count();
    let deadline = Instant::now() + Duration::from_secs(120);
    while std::fs::read_to_string(&log)
        .unwrap()
        .matches("VIREO-TEST-GUEST-READY")
        .count()
        == before
    {
        assert!(
            Instant::now() < deadline,
            "the guest came back after the reboot"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    credit(&mut page, 8);
    next_frame(&mut page);

    // Closing the console ends the page's socket; closing twice is harmless.
    close_and_wait(&consoles, opened.id, &mut page);
    let err = console_key(
        &consoles,
        ConsoleKeyRequest {
            id: opened.id,
            code: "KeyA".into(),
            key: "a".into(),
            down: true,
        },
    )
    .unwrap_err();
    assert_eq!(err.code, Code::NotFound);

    // A page that goes away closes its console.
    let opened = console_open(&inv, &consoles, ConsoleOpenRequest { vm: vm.clone() }).unwrap();
    let mut page = connect(&opened.url, ORIGIN).unwrap();
    credit(&mut page, 1);
    next_frame(&mut page);
    drop(page);
    let deadline = Instant::now() + Duration::from_secs(5);
    while console_pointer(
        &consoles,
        ConsolePointerRequest {
            id: opened.id,
            x: 1,
            y: 1,
            buttons: 0,
        },
    )
    .is_ok()
    {
        assert!(
            Instant::now() < deadline,
            "the console closed with its page"
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    // The session ends before the page attaches (the VM is forced off): the page still
    // hears why when it connects, instead of a blank screen.
    let opened = console_open(&inv, &consoles, ConsoleOpenRequest { vm: vm.clone() }).unwrap();
    conn.lookup_domain_by_uuid_string(&guest.uuid)
        .unwrap()
        .destroy()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let mut page = connect(&opened.url, ORIGIN).expect("the page still connects");
    let reason = loop {
        match page.read().expect("a message before the socket ends") {
            tungstenite::Message::Binary(b) if b[0] == vireo_api::console::stream::CLOSED => {
                break String::from_utf8_lossy(&b[1..]).into_owned()
            }
            tungstenite::Message::Binary(_) => continue,
            other => panic!("expected CLOSED, got {other:?}"),
        }
    };
    assert!(!reason.is_empty());
    // Cancelling an open that is not under way is harmless.
    console_cancel_open(&consoles, ConsoleOpenRequest { vm }).unwrap();
}
