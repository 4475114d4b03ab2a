//! End-to-end tests of `ConsoleSession` against a scripted fake server.

mod common;

use std::os::unix::net::UnixStream;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use common::{read_client_message, serve_handshake, serve_handshake_raw, update, ClientMessage};
use std::io::{Read, Write};
use vireo_vnc::{
    encoding, ConsoleEvent, ConsoleSession, Rect, SessionState, VncError, REQUESTED_ENCODINGS,
};

const TIMEOUT: Duration = Duration::from_secs(5);

/// Reads client messages until one satisfies `want`, returning all read.
fn read_until(s: &mut UnixStream, want: impl Fn(&ClientMessage) -> bool) -> Vec<ClientMessage> {
    let mut seen = Vec::new();
    loop {
        let m = read_client_message(s).unwrap();
        let done = want(&m);
        seen.push(m);
        if done {
            return seen;
        }
    }
}

fn is_update_request(m: &ClientMessage, incremental: bool, w: u16, h: u16) -> bool {
    let mut want = vec![3u8, u8::from(incremental), 0, 0, 0, 0];
    want.extend_from_slice(&w.to_be_bytes());
    want.extend_from_slice(&h.to_be_bytes());
    m.bytes == want
}

fn next_event(events: &mpsc::Receiver<ConsoleEvent>) -> ConsoleEvent {
    events.recv_timeout(TIMEOUT).expect("no event in time")
}

#[test]
fn full_session_against_fake_server() {
    let (client, mut server) = UnixStream::pair().unwrap();
    let (go_idle_done, idle_done) = mpsc::channel::<()>();
    let server_thread = thread::spawn(move || {
        serve_handshake(&mut server, 4, 3);
        let mut log = Vec::new();
        // Handshake tail: pixel format, encodings, first full request.
        for _ in 0..3 {
            log.push(read_client_message(&mut server).unwrap());
        }
        // A Raw update of the 2x1 pixels at (1, 1).
        let raw: Vec<u8> = [0x00AA_BBCCu32, 0x0011_2233]
            .iter()
            .flat_map(|p| p.to_le_bytes())
            .collect();
        server
            .write_all(&update(&[(1, 1, 2, 1, encoding::RAW, raw)]))
            .unwrap();
        let mut seen_request = false;
        let mut seen_key = false;
        while !(seen_request && seen_key) {
            let m = read_client_message(&mut server).unwrap();
            seen_request |= is_update_request(&m, true, 4, 3);
            seen_key |= m.kind == 4;
            log.push(m);
        }
        // Resize to 8x6: the next request must be non-incremental for 8x6.
        server
            .write_all(&update(&[(0, 0, 8, 6, encoding::DESKTOP_SIZE, vec![])]))
            .unwrap();
        log.extend(read_until(&mut server, |m| {
            is_update_request(m, false, 8, 6)
        }));
        // Announce QEMU extended keys; the client then sends scancodes.
        server
            .write_all(&update(&[(
                0,
                0,
                0,
                0,
                encoding::QEMU_EXTENDED_KEY_EVENT,
                vec![],
            )]))
            .unwrap();
        log.extend(read_until(&mut server, |m| m.kind == 255));
        // Go quiet while the client checks that input does not wait for us.
        idle_done.recv_timeout(TIMEOUT).unwrap();
        log.extend(read_until(&mut server, |m| m.kind == 5));
        log
        // Dropping `server` hangs up.
    });

    let (session, events) = ConsoleSession::connect_unix(client).unwrap();
    assert_eq!(session.state(), SessionState::Running);
    let info = session.server_info().unwrap();
    assert_eq!(
        (info.width, info.height, info.name.as_str()),
        (4, 3, "test")
    );
    assert!(
        info.pixel_format.big_endian,
        "server's own format is reported"
    );

    assert_eq!(
        next_event(&events),
        ConsoleEvent::Updated {
            rects: vec![Rect::new(1, 1, 2, 1)]
        }
    );
    session.with_framebuffer(|fb| {
        assert_eq!(fb.pixel(1, 1), Some(0xFFAA_BBCC));
        assert_eq!(fb.pixel(2, 1), Some(0xFF11_2233));
        assert_eq!(fb.pixel(0, 1), Some(vireo_vnc::BLACK));
    });
    assert!(!session.supports_extended_keys());
    session.send_key(0x61, 0x1e, true).unwrap(); // plain KeyEvent

    assert_eq!(
        next_event(&events),
        ConsoleEvent::Resized {
            width: 8,
            height: 6
        }
    );
    assert_eq!(
        next_event(&events),
        ConsoleEvent::Updated {
            rects: vec![Rect::new(0, 0, 8, 6)]
        }
    );
    session.with_framebuffer(|fb| assert_eq!((fb.width(), fb.height()), (8, 6)));

    // The ext-key update has no dirty area, so poll for its effect.
    let deadline = Instant::now() + TIMEOUT;
    while !session.supports_extended_keys() {
        assert!(Instant::now() < deadline, "ext key support never recorded");
        thread::sleep(Duration::from_millis(5));
    }
    session.send_key(0xe4, 0x28, true).unwrap(); // ä on a German layout

    // The server is now idle: input must still go out immediately.
    let start = Instant::now();
    session.send_key(0xe4, 0x28, false).unwrap();
    session.send_pointer(7, 5, 1).unwrap();
    let elapsed = start.elapsed();
    assert!(
        elapsed < Duration::from_millis(200),
        "input took {elapsed:?}"
    );
    go_idle_done.send(()).unwrap();

    let log = server_thread.join().unwrap();
    match next_event(&events) {
        ConsoleEvent::Closed { reason } => assert!(reason.contains("I/O"), "{reason}"),
        other => panic!("expected Closed, got {other:?}"),
    }
    assert_eq!(session.state(), SessionState::Closed);
    assert!(matches!(
        session.send_key(0x61, 0x1e, true),
        Err(VncError::NotRunning(SessionState::Closed))
    ));

    // SetPixelFormat: 32bpp, depth 24, little-endian, true colour, 255 maxima, shifts 16/8/0.
    assert_eq!(
        log[0].bytes,
        vec![0, 0, 0, 0, 32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0]
    );
    // Tight, ZRLE, CopyRect, Raw, DesktopSize, ExtendedDesktopSize, Cursor, LastRect, QEMU
    // keys and LEDs, Fence, ContinuousUpdates, JPEG quality 6, compression level 2.
    let mut encodings = vec![2u8, 0, 0, 14];
    for e in [
        7i32, 16, 1, 0, -223, -308, -239, -224, -258, -261, -312, -313, -26, -254,
    ] {
        encodings.extend_from_slice(&e.to_be_bytes());
    }
    assert_eq!(log[1].bytes, encodings);
    assert_eq!(REQUESTED_ENCODINGS.len(), 14);
    assert!(is_update_request(&log[2], false, 4, 3));

    let keys: Vec<&ClientMessage> = log
        .iter()
        .filter(|m| m.kind == 4 || m.kind == 255)
        .collect();
    assert_eq!(keys[0].bytes, vec![4, 1, 0, 0, 0, 0, 0, 0x61]);
    assert_eq!(
        keys[1].bytes,
        vec![255, 0, 0, 1, 0, 0, 0, 0xe4, 0, 0, 0, 0x28]
    );
    assert_eq!(
        keys[2].bytes,
        vec![255, 0, 0, 0, 0, 0, 0, 0xe4, 0, 0, 0, 0x28]
    );
    let pointer = log.iter().find(|m| m.kind == 5).unwrap();
    assert_eq!(pointer.bytes, vec![5, 1, 0, 7, 0, 5]);
}

#[test]
fn input_before_running_is_rejected() {
    let (client, _server) = UnixStream::pair().unwrap();
    let (session, _events) = ConsoleSession::new_unix(client).unwrap();
    assert_eq!(session.state(), SessionState::Handshaking);
    assert!(matches!(
        session.send_key(0x61, 0x1e, true),
        Err(VncError::NotRunning(SessionState::Handshaking))
    ));
    assert!(matches!(
        session.send_pointer(1, 1, 0),
        Err(VncError::NotRunning(SessionState::Handshaking))
    ));
}

#[test]
fn failed_handshake_closes_session() {
    let (client, mut server) = UnixStream::pair().unwrap();
    let t = thread::spawn(move || {
        server.write_all(b"HTTP/1.1 200").unwrap();
    });
    let (mut session, _events) = ConsoleSession::new_unix(client).unwrap();
    let err = session.handshake().unwrap_err();
    assert!(matches!(err, VncError::UnsupportedVersion(_)), "{err:?}");
    assert_eq!(session.state(), SessionState::Closed);
    assert!(matches!(
        session.send_key(1, 1, true),
        Err(VncError::NotRunning(SessionState::Closed))
    ));
    t.join().unwrap();
}

#[test]
fn version_3_7_without_security_result() {
    let (client, mut server) = UnixStream::pair().unwrap();
    let t = thread::spawn(move || {
        server.write_all(b"RFB 003.007\n").unwrap();
        let mut v = [0u8; 12];
        server.read_exact(&mut v).unwrap();
        server.write_all(&[1, 1]).unwrap();
        let mut b = [0u8; 2]; // security choice + ClientInit
        server.read_exact(&mut b).unwrap();
        let mut init = vec![0, 2, 0, 2];
        init.extend_from_slice(&[0u8; 16]);
        init.extend_from_slice(&0u32.to_be_bytes());
        server.write_all(&init).unwrap();
        // Keep the socket open until the client finished its handshake tail.
        read_until(&mut server, |m| m.kind == 3);
        v
    });
    let (session, _events) = ConsoleSession::connect_unix(client).unwrap();
    assert_eq!(&t.join().unwrap(), b"RFB 003.007\n");
    assert_eq!(session.server_info().unwrap().width, 2);
}

#[test]
fn security_refusal_and_unsupported_types_are_errors() {
    let (client, mut server) = UnixStream::pair().unwrap();
    let t = thread::spawn(move || {
        server.write_all(b"RFB 003.008\n").unwrap();
        let mut v = [0u8; 12];
        server.read_exact(&mut v).unwrap();
        server.write_all(&[0, 0, 0, 0, 4]).unwrap();
        server.write_all(b"busy").unwrap();
    });
    let err = ConsoleSession::connect_unix(client).err().unwrap();
    assert!(
        matches!(&err, VncError::Refused(r) if r == "busy"),
        "{err:?}"
    );
    t.join().unwrap();

    let (client, mut server) = UnixStream::pair().unwrap();
    let t = thread::spawn(move || {
        server.write_all(b"RFB 003.008\n").unwrap();
        let mut v = [0u8; 12];
        server.read_exact(&mut v).unwrap();
        server.write_all(&[2, 16, 19]).unwrap(); // Tight and VeNCrypt only
    });
    let err = ConsoleSession::connect_unix(client).err().unwrap();
    assert!(
        matches!(&err, VncError::UnsupportedSecurity { offered } if offered == &[16, 19]),
        "{err:?}"
    );
    t.join().unwrap();
}

/// Serves VNC authentication (only) and returns the client's response.
fn serve_vnc_auth(server: &mut UnixStream, accept: bool) -> [u8; 16] {
    server.write_all(b"RFB 003.008\n").unwrap();
    let mut v = [0u8; 12];
    server.read_exact(&mut v).unwrap();
    server.write_all(&[1, 2]).unwrap();
    let mut choice = [0u8; 1];
    server.read_exact(&mut choice).unwrap();
    assert_eq!(choice, [2]);
    let challenge: [u8; 16] = std::array::from_fn(|i| i as u8);
    server.write_all(&challenge).unwrap();
    let mut response = [0u8; 16];
    server.read_exact(&mut response).unwrap();
    if accept {
        server.write_all(&0u32.to_be_bytes()).unwrap();
        let mut client_init = [0u8; 1];
        server.read_exact(&mut client_init).unwrap();
        let mut init = vec![0, 2, 0, 2];
        init.extend_from_slice(&[0u8; 16]);
        init.extend_from_slice(&0u32.to_be_bytes());
        server.write_all(&init).unwrap();
        read_until(server, |m| m.kind == 3);
    } else {
        server.write_all(&1u32.to_be_bytes()).unwrap();
        server.write_all(&12u32.to_be_bytes()).unwrap();
        server.write_all(b"bad password").unwrap();
    }
    response
}

#[test]
fn vnc_authentication_with_password() {
    let (client, mut server) = UnixStream::pair().unwrap();
    let t = thread::spawn(move || serve_vnc_auth(&mut server, true));
    let (mut session, _events) = ConsoleSession::new_unix(client).unwrap();
    session.set_password("vireo");
    session.handshake().unwrap();
    assert_eq!(session.state(), SessionState::Running);
    // DES of bytes 0..16 under the bit-reversed key, computed with OpenSSL.
    let expected = [
        0x34, 0x25, 0x77, 0xfa, 0xfb, 0x4a, 0x60, 0xe1, 0x92, 0xf8, 0x0b, 0x17, 0xad, 0xff, 0x2f,
        0x99,
    ];
    assert_eq!(t.join().unwrap(), expected);
}

#[test]
fn vnc_authentication_rejected_or_without_password() {
    let (client, mut server) = UnixStream::pair().unwrap();
    let t = thread::spawn(move || serve_vnc_auth(&mut server, false));
    let (mut session, _events) = ConsoleSession::new_unix(client).unwrap();
    session.set_password("wrong");
    let err = session.handshake().unwrap_err();
    assert!(
        matches!(&err, VncError::AuthenticationFailed(r) if r == "bad password"),
        "{err:?}"
    );
    t.join().unwrap();

    let (client, mut server) = UnixStream::pair().unwrap();
    let t = thread::spawn(move || {
        server.write_all(b"RFB 003.008\n").unwrap();
        let mut v = [0u8; 12];
        server.read_exact(&mut v).unwrap();
        server.write_all(&[1, 2]).unwrap();
        let mut rest = Vec::new();
        let _ = server.read_to_end(&mut rest);
        rest
    });
    let err = ConsoleSession::connect_unix(client).err().unwrap();
    assert!(matches!(err, VncError::PasswordRequired), "{err:?}");
    assert_eq!(
        t.join().unwrap(),
        vec![2],
        "client chose VNC auth, then hung up"
    );
}

#[test]
fn huge_server_init_screen_is_rejected() {
    let (client, mut server) = UnixStream::pair().unwrap();
    // RFB sizes are u16, so 65535x65535 is the largest a server can claim.
    let t = thread::spawn(move || serve_handshake_raw(&mut server, 65535, 65535, 4, b"huge"));
    let err = ConsoleSession::connect_unix(client).err().unwrap();
    assert!(
        matches!(
            err,
            VncError::TooLarge {
                what: "desktop width",
                ..
            }
        ),
        "{err:?}"
    );
    t.join().unwrap();
}

#[test]
fn huge_name_length_is_rejected() {
    let (client, mut server) = UnixStream::pair().unwrap();
    let t = thread::spawn(move || serve_handshake_raw(&mut server, 4, 4, u32::MAX, b""));
    let err = ConsoleSession::connect_unix(client).err().unwrap();
    assert!(
        matches!(
            err,
            VncError::TooLarge {
                what: "desktop name length",
                value: 0xFFFF_FFFF,
                ..
            }
        ),
        "{err:?}"
    );
    t.join().unwrap();
}

/// Runs a session whose server sends `bytes` after the handshake and
/// returns the reason the session closed with.
fn close_reason_after(bytes: Vec<u8>) -> String {
    let (client, mut server) = UnixStream::pair().unwrap();
    let t = thread::spawn(move || {
        serve_handshake(&mut server, 16, 16);
        server.write_all(&bytes).unwrap();
        // Stay connected until the client hangs up so the close reason is
        // the protocol error rather than EOF.
        let mut sink = Vec::new();
        let _ = server.read_to_end(&mut sink);
    });
    let (mut session, events) = ConsoleSession::connect_unix(client).unwrap();
    let reason = loop {
        match next_event(&events) {
            ConsoleEvent::Closed { reason } => break reason,
            _ => continue,
        }
    };
    assert_eq!(session.state(), SessionState::Closed);
    session.close();
    t.join().unwrap();
    reason
}

#[test]
fn huge_zrle_length_closes_session() {
    let body = u32::MAX.to_be_bytes().to_vec();
    let reason = close_reason_after(update(&[(0, 0, 4, 4, encoding::ZRLE, body)]));
    assert!(reason.contains("ZRLE length"), "{reason}");
}

#[test]
fn rect_outside_framebuffer_closes_session() {
    let reason = close_reason_after(update(&[(10, 10, 10, 10, encoding::RAW, vec![0; 400])]));
    assert!(reason.contains("outside"), "{reason}");
}

#[test]
fn unknown_message_closes_session() {
    let reason = close_reason_after(vec![77]);
    assert!(
        reason.contains("unknown server message type 77"),
        "{reason}"
    );
}

#[test]
fn version_3_3_server_chooses_none() {
    let (client, mut server) = UnixStream::pair().unwrap();
    let t = thread::spawn(move || {
        server.write_all(b"RFB 003.003\n").unwrap();
        let mut v = [0u8; 12];
        server.read_exact(&mut v).unwrap();
        server.write_all(&1u32.to_be_bytes()).unwrap();
        let mut client_init = [0u8; 1];
        server.read_exact(&mut client_init).unwrap();
        let mut init = vec![0, 3, 0, 1];
        init.extend_from_slice(&[0u8; 16]);
        init.extend_from_slice(&0u32.to_be_bytes());
        server.write_all(&init).unwrap();
        read_until(&mut server, |m| m.kind == 3);
        v
    });
    let (session, _events) = ConsoleSession::connect_unix(client).unwrap();
    assert_eq!(&t.join().unwrap(), b"RFB 003.003\n");
    assert_eq!(session.server_info().unwrap().width, 3);
}

/// A server that sends its version one byte at a time, `every` apart, and nothing else.
fn dripping_server(mut server: UnixStream, every: Duration) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        for b in b"RFB 003.008\n".iter().cycle().take(200) {
            thread::sleep(every);
            if server.write_all(&[*b]).is_err() {
                return;
            }
        }
    })
}

#[test]
fn a_dripping_handshake_ends_in_an_error_within_the_limit() {
    let (client, server) = UnixStream::pair().unwrap();
    // A byte every 300 ms: each read makes progress, so only an overall deadline ends it.
    let drip = dripping_server(server, Duration::from_millis(300));
    let (mut session, _events) = ConsoleSession::new_unix(client).unwrap();
    session.set_timeouts(Duration::from_millis(1500), Duration::from_secs(5));
    let start = Instant::now();
    let err = session.handshake().unwrap_err();
    let took = start.elapsed();
    assert!(matches!(err, VncError::HandshakeTimeout { .. }), "{err}");
    assert!(
        err.to_string().contains("did not answer within 1.5 s"),
        "{err}"
    );
    assert!(took < Duration::from_millis(2500), "took {took:?}");
    assert_eq!(session.state(), SessionState::Closed);
    drop(session);
    drip.join().unwrap();
}

#[test]
fn closing_during_a_blocked_handshake_returns_at_once() {
    let (client, server) = UnixStream::pair().unwrap();
    let handle = client.try_clone().unwrap();
    let (mut session, _events) = ConsoleSession::new_unix(client).unwrap();
    session.set_timeouts(Duration::from_secs(60), Duration::from_secs(60));
    let (tx, rx) = mpsc::channel();
    let t = thread::spawn(move || {
        let _ = tx.send(session.handshake().map(|_| ()).map_err(|e| e.to_string()));
    });
    thread::sleep(Duration::from_millis(200));
    let start = Instant::now();
    // What the API's cancel does: shut the socket down under the blocked read.
    handle.shutdown(std::net::Shutdown::Both).unwrap();
    let result = rx
        .recv_timeout(Duration::from_secs(2))
        .expect("returned at once");
    assert!(result.is_err());
    assert!(start.elapsed() < Duration::from_secs(1));
    t.join().unwrap();
    drop(server);
}

#[test]
fn an_update_that_stalls_ends_the_session_but_silence_between_updates_does_not() {
    let (client, mut server) = UnixStream::pair().unwrap();
    let (stall_now, stall) = mpsc::channel::<()>();
    let server_thread = thread::spawn(move || {
        serve_handshake(&mut server, 4, 3);
        for _ in 0..3 {
            read_client_message(&mut server).unwrap();
        }
        // Idle well past the stall limit: an unchanging screen is no error.
        stall.recv().unwrap();
        // Half an update: the header of one Raw rectangle and one pixel of eight.
        let mut partial = update(&[(0, 0, 4, 2, encoding::RAW, vec![])]);
        partial.extend_from_slice(&[1, 2, 3, 4]);
        server.write_all(&partial).unwrap();
        thread::sleep(Duration::from_secs(5));
    });
    let (mut session, events) = ConsoleSession::new_unix(client).unwrap();
    session.set_timeouts(Duration::from_secs(5), Duration::from_millis(600));
    session.handshake().unwrap();
    assert!(
        events.recv_timeout(Duration::from_millis(1500)).is_err(),
        "no event, and above all no Closed, while the server is silent between messages"
    );
    assert_eq!(session.state(), SessionState::Running);
    let start = Instant::now();
    stall_now.send(()).unwrap();
    let reason = loop {
        match events.recv_timeout(TIMEOUT).expect("the session ends") {
            ConsoleEvent::Closed { reason } => break reason,
            _ => continue,
        }
    };
    assert!(
        reason.contains("stopped sending in the middle of an update"),
        "{reason}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
    drop(session);
    server_thread.join().unwrap();
}

#[test]
fn a_refusal_reason_and_desktop_name_arrive_escaped() {
    let (client, mut server) = UnixStream::pair().unwrap();
    let t = thread::spawn(move || {
        server.write_all(b"RFB 003.008\n").unwrap();
        let mut version = [0u8; 12];
        server.read_exact(&mut version).unwrap();
        let reason = "go away\n\u{1b}[31m\u{202e}evil";
        server.write_all(&[0]).unwrap();
        server
            .write_all(&(reason.len() as u32).to_be_bytes())
            .unwrap();
        server.write_all(reason.as_bytes()).unwrap();
    });
    let err = ConsoleSession::connect_unix(client)
        .map(|_| ())
        .unwrap_err();
    let m = err.to_string();
    assert!(m.contains("go away\\n\\u{1b}[31m\\u{202e}evil"), "{m}");
    assert!(!m.chars().any(char::is_control), "{m:?}");
    t.join().unwrap();

    let (client, mut server) = UnixStream::pair().unwrap();
    let t = thread::spawn(move || {
        let name = b"desk\ntop\x1b";
        serve_handshake_raw(&mut server, 4, 3, name.len() as u32, name);
        thread::sleep(Duration::from_millis(200));
    });
    let (session, _events) = ConsoleSession::connect_unix(client).unwrap();
    assert_eq!(session.server_info().unwrap().name, "desk\\ntop\\u{1b}");
    drop(session);
    t.join().unwrap();
}

#[test]
fn an_update_that_trickles_forever_ends_the_session() {
    // A byte every 200 ms inside an update: every read makes progress, so only the
    // whole-message limit ends it.
    let (client, mut server) = UnixStream::pair().unwrap();
    let server_thread = thread::spawn(move || {
        serve_handshake(&mut server, 4, 3);
        for _ in 0..3 {
            read_client_message(&mut server).unwrap();
        }
        let header = update(&[(0, 0, 4, 3, encoding::RAW, vec![])]);
        if server.write_all(&header).is_err() {
            return;
        }
        for _ in 0..100 {
            thread::sleep(Duration::from_millis(200));
            if server.write_all(&[7]).is_err() {
                return;
            }
        }
    });
    let (mut session, events) = ConsoleSession::new_unix(client).unwrap();
    session.set_timeouts(Duration::from_secs(5), Duration::from_secs(5));
    session.set_message_timeout(Duration::from_millis(1500));
    session.handshake().unwrap();
    let start = Instant::now();
    let reason = loop {
        match events.recv_timeout(TIMEOUT).expect("the session ends") {
            ConsoleEvent::Closed { reason } => break reason,
            _ => continue,
        }
    };
    assert!(
        reason.contains("took more than 1.5 s to send one update"),
        "{reason}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "{:?}",
        start.elapsed()
    );
    drop(session);
    server_thread.join().unwrap();
}
