//! # vireo-test-support
//!
//! What the integration tests of several crates share, so each fixture exists once: the
//! bootable test guest on `qemu:///system` ([`TestGuest`], built by
//! `tests/fixtures/build-test-guest.sh`), waiting for text on its serial port
//! ([`wait_for_text`]), the one lock for tests that change the system connection
//! ([`serial`]), the guest's shell on its serial console ([`GuestShell`]), the keys a
//! US-layout user presses ([`us_key`]) and a private Xvfb
//! ([`xvfb`]). A dev-dependency only: nothing here ships.
//!
//! ```no_run
//! use vireo_test_support::{wait_for_text, TestGuest};
//! let _one_at_a_time = vireo_test_support::serial();
//! let guest = TestGuest::define("vireo-doc");
//! guest.boot();
//! wait_for_text(&guest.log, "login", 30);
//! ```
#![forbid(unsafe_code)]

mod guest;
mod keys;
mod shell;
mod xvfb;

pub use guest::{test_guest_image, wait_for_text, TestGuest, READY_MARKER, SYSTEM_URI};
pub use keys::us_key;
pub use shell::GuestShell;
pub use xvfb::{xvfb, Xvfb};

use std::sync::{Mutex, MutexGuard};

/// Held by every test of a test binary that boots guests or changes `qemu:///system`: they
/// run one at a time (TCG guests on two cores time out when several boot at once), while
/// the binary's other tests stay parallel.
pub fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}
