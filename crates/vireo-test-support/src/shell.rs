//! The test guest's shell through its serial console (libvirt's console stream): run a
//! command and read its output, as a user at the console would.

use crate::guest::{TestGuest, SYSTEM_URI};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};
use vireo_libvirt::serial::{SerialConsole, SerialOutput};

/// An open serial console of a running test guest.
pub struct GuestShell {
    pub console: SerialConsole,
    rx: Receiver<SerialOutput>,
}

impl GuestShell {
    /// Opens the guest's serial console (the guest must be running).
    pub fn open(guest: &TestGuest) -> GuestShell {
        GuestShell::open_uuid(&guest.uuid)
    }

    /// Opens the serial console of any running VM on `qemu:///system` (a clone of the guest).
    pub fn open_uuid(uuid: &str) -> GuestShell {
        let conn = vireo_libvirt::open(SYSTEM_URI).unwrap();
        let (tx, rx) = channel();
        let console = SerialConsole::open(&conn, uuid, false, move |o| {
            let _ = tx.send(o);
        })
        .unwrap();
        GuestShell { console, rx }
    }

    /// Runs `command` until its output holds `want` (retrying for up to `secs`: a device
    /// shows up once the guest has probed it); the output of the last run.
    pub fn shows(&self, command: &str, want: &str, secs: u64) -> String {
        let start = Instant::now();
        let mut seen = String::new();
        while start.elapsed() < Duration::from_secs(secs) {
            seen = self.run(command);
            if seen.contains(want) {
                return seen;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        panic!("'{want}' not shown by '{command}' in {secs} s; last: {seen:?}");
    }

    /// Runs `command` once; its output (empty when it did not finish within 5 s).
    pub fn run(&self, command: &str) -> String {
        // The markers are computed by the guest, so the echo of the command never matches.
        self.console
            .send(format!("echo B$((1+1)); {command}; echo E$((2+2))\n").as_bytes())
            .unwrap();
        let mut out = String::new();
        let until = Instant::now() + Duration::from_secs(5);
        while Instant::now() < until && !out.contains("E4") {
            if let Ok(SerialOutput::Data(d)) = self.rx.recv_timeout(Duration::from_millis(100)) {
                out.push_str(&String::from_utf8_lossy(&d));
            }
        }
        match (out.rfind("B2"), out.rfind("E4")) {
            (Some(b), Some(e)) if b < e => out[b + 2..e].to_string(),
            _ => String::new(),
        }
    }
}
