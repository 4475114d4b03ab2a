//! The test guest (from `vireo_test_support`) typed into through a `ConsoleSession`, for the
//! real-QEMU test and the recorder example.

#![allow(dead_code, unused_imports)] // each test file uses its own part of it

pub use vireo_test_support::{us_key, wait_for_text, TestGuest, SYSTEM_URI};
use vireo_vnc::{keymap, ConsoleSession};

/// Types `text` key by key through `session` (scancodes when QEMU offers them).
pub fn type_text(session: &ConsoleSession, text: &str) {
    let shift = (
        keymap::keysym("Shift").unwrap(),
        keymap::scancode("ShiftLeft").unwrap(),
    );
    for c in text.chars() {
        let (code, name, shifted) = us_key(c);
        let sym = keymap::keysym(&name).expect("known key");
        let scancode = keymap::scancode(&code).expect("known code");
        if shifted {
            session.send_key(shift.0, shift.1, true).unwrap();
        }
        session.send_key(sym, scancode, true).unwrap();
        session.send_key(sym, scancode, false).unwrap();
        if shifted {
            session.send_key(shift.0, shift.1, false).unwrap();
        }
    }
}
