//! The serial console on `qemu:///system` with the test guest: its shell answers a typed
//! command, a second client is refused unless it takes the console over, a stopped VM says
//! it is not running.

use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};
use vireo_libvirt::serial::{SerialConsole, SerialOutput};
use vireo_libvirt::ErrorKind;
use vireo_test_support::{TestGuest, SYSTEM_URI};

fn open(uuid: &str, take_over: bool) -> (SerialConsole, Receiver<SerialOutput>) {
    let conn = vireo_libvirt::open(SYSTEM_URI).unwrap();
    let (tx, rx) = channel();
    let console = SerialConsole::open(&conn, uuid, take_over, move |out| {
        let _ = tx.send(out);
    })
    .unwrap();
    (console, rx)
}

/// Reads until `text` appeared (or the console closed, or 30 s passed); everything read.
fn read_until(rx: &Receiver<SerialOutput>, text: &str) -> (String, bool) {
    let start = Instant::now();
    let mut seen = String::new();
    while start.elapsed() < Duration::from_secs(30) {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(SerialOutput::Data(d)) => {
                seen.push_str(&String::from_utf8_lossy(&d));
                if seen.contains(text) {
                    return (seen, true);
                }
            }
            Ok(SerialOutput::Closed(_)) => return (seen, false),
            Err(_) => {}
        }
    }
    (seen, false)
}

#[test]
fn the_guest_shell_answers_on_the_serial_console() {
    let _serial = vireo_test_support::serial();
    let guest = TestGuest::booted("vireo-it-serial");
    let (console, rx) = open(&guest.uuid, false);
    // The guest computes the answer: the output cannot be the echo of what was typed.
    console.send(b"\necho serial-$((6*7))-ok\n").unwrap();
    let (seen, found) = read_until(&rx, "serial-42-ok");
    assert!(found, "the shell's answer, in: {seen:?}");

    // A second client is refused while the first holds the console...
    let conn = vireo_libvirt::open(SYSTEM_URI).unwrap();
    let e = SerialConsole::open(&conn, &guest.uuid, false, |_| {})
        .err()
        .expect("refused while another session is open");
    assert!(e.to_string().contains("take the console over"), "{e}");
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    // ...and takes it over when asked: the first session ends.
    let (second, rx2) = open(&guest.uuid, true);
    let start = Instant::now();
    let mut closed = false;
    while !closed && start.elapsed() < Duration::from_secs(10) {
        closed = matches!(
            rx.recv_timeout(Duration::from_millis(200)),
            Ok(SerialOutput::Closed(_))
        );
    }
    assert!(closed, "the first session is told it ended");
    second.send(b"echo again-$((2+3))\n").unwrap();
    assert!(read_until(&rx2, "again-5").1);
    drop(console);
    drop(second);

    // Stopped: refused as a state, not an input.
    let dom = conn.lookup_domain_by_uuid_string(&guest.uuid).unwrap();
    dom.destroy().unwrap();
    let e = SerialConsole::open(&conn, &guest.uuid, false, |_| {})
        .err()
        .expect("a stopped VM has no console");
    assert_eq!(e.kind(), ErrorKind::InvalidState, "{e}");
}
