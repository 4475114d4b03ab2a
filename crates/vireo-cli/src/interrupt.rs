//! Ctrl+C during a long change (a disk copied into a VM): the first press asks the operation
//! to stop, so it rolls back what it made; a second press ends the process at once.
//! The crate's only unsafe code: installing the handler.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use vireo_api::Cancel;

static PRESSED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_interrupt(_: libc::c_int) {
    if PRESSED.swap(true, Ordering::SeqCst) {
        // SAFETY: _exit is async-signal-safe; the second press means "now".
        unsafe { libc::_exit(130) };
    }
}

/// Turns Ctrl+C into `cancel` for the rest of the process.
pub fn cancel_on_interrupt(cancel: Cancel) {
    // SAFETY: the handler only touches an atomic and calls _exit, both allowed in a signal
    // handler; installing it replaces the default action for SIGINT.
    unsafe {
        libc::signal(
            libc::SIGINT,
            on_interrupt as extern "C" fn(libc::c_int) as libc::sighandler_t,
        );
    }
    std::thread::spawn(move || loop {
        if PRESSED.load(Ordering::SeqCst) {
            eprintln!(
                "\nvireo: stopping; what was made is removed again (Ctrl+C again to quit now)"
            );
            cancel.cancel();
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    });
}
