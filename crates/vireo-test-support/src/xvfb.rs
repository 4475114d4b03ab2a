//! A private Xvfb per test, on a display it picks itself: tests run in parallel.

use std::process::{Child, Command, Stdio};

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
