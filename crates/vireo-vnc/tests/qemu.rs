//! Against real QEMU on qemu:///system (TCG): the test guest's screen over libvirt's
//! graphics socket (no TCP, no password), and typing into it with QEMU extended key events.
//! The typed command writes to the serial port, whose log is the witness that the keys
//! arrived as the right characters.

use std::time::{Duration, Instant};
use vireo_vnc::{ConsoleEvent, ConsoleSession};

#[path = "common/guest.rs"]
mod guest;
use guest::{type_text, wait_for_text, TestGuest};

#[test]
fn the_test_guest_screen_and_keyboard_over_libvirt() {
    let guest = TestGuest::booted("vireo-vnc");
    let log = guest.serial_log();

    let started = Instant::now();
    let socket = guest.graphics_socket();
    let (mut session, events) = ConsoleSession::connect_unix(socket).expect("RFB handshake");
    let mut first_frame = None;
    while let Ok(ev) = events.recv_timeout(Duration::from_secs(10)) {
        if let ConsoleEvent::Updated { .. } = ev {
            first_frame = Some(started.elapsed());
            break;
        }
    }
    let first_frame = first_frame.expect("a framebuffer update within 10 s");
    // Let the first full frame and its follow-ups land.
    let settle = Instant::now();
    while settle.elapsed() < Duration::from_millis(1500) {
        let _ = events.recv_timeout(Duration::from_millis(100));
    }
    let (w, h, lit) = session.with_framebuffer(|fb| {
        let lit = fb
            .pixels()
            .iter()
            .filter(|p| **p & 0x00ff_ffff != 0)
            .count();
        (fb.width(), fb.height(), lit)
    });
    println!("first frame {w}x{h} after {first_frame:?}, {lit} lit pixels");
    assert!(w >= 640 && h >= 400, "{w}x{h}");
    assert!(lit > 100, "the text console shows something");
    assert!(
        session.supports_extended_keys(),
        "QEMU offers extended key events"
    );
    // Tight is preferred and QEMU uses it; QEMU 7.2 offers neither fences nor continuous
    // updates, so the session keeps asking for updates.
    let counts = session.rect_counts();
    println!("rectangles so far: {counts:?}");
    assert!(
        counts.tight_basic + counts.tight_fill > 0 && counts.zrle == 0,
        "{counts:?}"
    );
    assert!(!session.continuous_updates_active() && !session.supports_fence());

    // Non-US-safe path: scancodes travel with the keysyms. The VGA shell runs the command;
    // its output lands in the serial log.
    let typed = Instant::now();
    type_text(&session, "echo vireo-vnc-ok >/dev/ttyS0\n");
    wait_for_text(log, "vireo-vnc-ok", 30);
    println!(
        "typed command ran, output on the serial port {:?} after the first key",
        typed.elapsed()
    );
    session.close();
}
