//! The console engine alone, painting nothing: how many updates the server sends a client
//! that costs almost nothing (`make bench` runs it beside the real clients, as the ceiling the
//! server and the guest allow).
//!
//! `cargo run --release -p vireo-vnc --example count_updates -- DOMAIN [URI]` connects to the
//! running domain's screen through libvirt (qemu:///system by default), keeps requesting
//! updates until stdin closes, and prints a line per second: `updates N` (FramebufferUpdates
//! with changed content so far).

use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use vireo_vnc::{ConsoleEvent, ConsoleSession};

fn main() {
    let mut args = std::env::args().skip(1);
    let name = args.next().expect("usage: count_updates DOMAIN [URI]");
    let uri = args.next().unwrap_or_else(|| "qemu:///system".into());
    let conn = vireo_libvirt::open(&uri).expect("libvirt connection");
    let dom = conn.lookup_domain_by_name(&name).expect("the domain");
    let socket = vireo_libvirt::open_graphics_socket(&dom).expect("the domain's graphics socket");
    let (session, events) = ConsoleSession::connect_unix(socket).expect("RFB handshake");
    let done = Arc::new(AtomicBool::new(false));
    let stop = done.clone();
    std::thread::spawn(move || {
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        stop.store(true, Ordering::SeqCst);
    });
    let mut updates = 0u64;
    let mut said = Instant::now();
    while !done.load(Ordering::SeqCst) {
        match events.recv_timeout(Duration::from_secs(1)) {
            Ok(ConsoleEvent::Updated { .. }) => updates += 1,
            Ok(ConsoleEvent::Closed { reason }) => {
                eprintln!("closed: {reason}");
                break;
            }
            Ok(_) | Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
        }
        if said.elapsed() >= Duration::from_secs(1) {
            said = Instant::now();
            println!("updates {updates}");
        }
    }
    drop(session);
}
