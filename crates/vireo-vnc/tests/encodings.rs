//! Every encoding through a whole session against the fake server: each update is checked
//! against the pixels (or state) it must produce; then Fence and continuous updates, offered
//! or not; then hostile Tight data and fences closing the session cleanly.

mod common;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use common::tight_encoder::{compact_len, TightEncoder};
use common::{
    fence, listed_encodings, read_client_message, read_handshake_tail, serve_handshake, update,
    ClientMessage, TestRect, END_OF_CONTINUOUS_UPDATES,
};
use flate2::{Compress, Compression, FlushCompress};
use vireo_vnc::{encoding, ConsoleEvent, ConsoleSession, Rect, RectCounts, SessionState};

const TIMEOUT: Duration = Duration::from_secs(5);

fn next_event(events: &mpsc::Receiver<ConsoleEvent>) -> ConsoleEvent {
    events.recv_timeout(TIMEOUT).expect("no event in time")
}

fn raw_body(pixels: &[u32]) -> Vec<u8> {
    pixels.iter().flat_map(|p| p.to_le_bytes()).collect()
}

fn zrle_body(z: &mut Compress, tiles: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(tiles.len() + 1024);
    z.compress_vec(tiles, &mut out, FlushCompress::Sync)
        .unwrap();
    let mut body = (out.len() as u32).to_be_bytes().to_vec();
    body.extend(out);
    body
}

/// The pixels of `rect`, without alpha.
fn area(session: &ConsoleSession, r: Rect) -> Vec<u32> {
    session.with_framebuffer(|fb| {
        let mut out = Vec::new();
        for y in r.y..r.y + r.height {
            for x in r.x..r.x + r.width {
                out.push(fb.pixel(x, y).unwrap() & 0xFF_FFFF);
            }
        }
        out
    })
}

fn pattern(w: usize, h: usize, seed: u32) -> Vec<u32> {
    (0..w * h)
        .map(|i| {
            let (x, y) = (i as u32 % w as u32, i as u32 / w as u32);
            (((x * 37 + seed) % 256) << 16)
                | (((y * 11 + seed) % 256) << 8)
                | (((x ^ y) * 5 + seed) % 256)
        })
        .collect()
}

/// A server that sends one message per step and waits for the test's go-ahead, while a
/// second thread collects everything the client sends.
struct Script {
    steps: mpsc::Sender<Vec<u8>>,
    server: thread::JoinHandle<Vec<ClientMessage>>,
}

impl Script {
    fn start(width: u16, height: u16) -> (Script, ConsoleSession, mpsc::Receiver<ConsoleEvent>) {
        let (client, mut server) = UnixStream::pair().unwrap();
        let (steps, step_rx) = mpsc::channel::<Vec<u8>>();
        let server = thread::spawn(move || {
            serve_handshake(&mut server, width, height);
            let mut log = read_handshake_tail(&mut server);
            let mut reader = server.try_clone().unwrap();
            let drain = thread::spawn(move || {
                let mut seen = Vec::new();
                while let Ok(m) = read_client_message(&mut reader) {
                    seen.push(m);
                }
                seen
            });
            for bytes in step_rx {
                server.write_all(&bytes).unwrap();
            }
            let _ = server.shutdown(std::net::Shutdown::Write);
            log.extend(drain.join().unwrap());
            log
        });
        let (session, events) = ConsoleSession::connect_unix(client).unwrap();
        (Script { steps, server }, session, events)
    }

    fn send(&self, bytes: Vec<u8>) {
        self.steps.send(bytes).unwrap();
    }

    /// Ends the server and returns what the client sent.
    fn finish(self, mut session: ConsoleSession) -> Vec<ClientMessage> {
        drop(self.steps);
        // The server half-closes; the client sees EOF and its reader ends.
        let deadline = Instant::now() + TIMEOUT;
        while session.state() != SessionState::Closed {
            assert!(Instant::now() < deadline, "session never closed");
            thread::sleep(Duration::from_millis(5));
        }
        session.close();
        self.server.join().unwrap()
    }
}

/// Sends an update and waits for its Updated event with exactly `dirty`.
fn paint(script: &Script, events: &mpsc::Receiver<ConsoleEvent>, rects: &[TestRect], dirty: Rect) {
    script.send(update(rects));
    assert_eq!(
        next_event(events),
        ConsoleEvent::Updated { rects: vec![dirty] }
    );
}

#[test]
fn every_encoding_paints_the_expected_pixels() {
    let (script, session, events) = Script::start(64, 32);
    let mut tight = TightEncoder::new();

    // Raw.
    let left = pattern(16, 8, 1);
    paint(
        &script,
        &events,
        &[(0, 0, 16, 8, encoding::RAW, raw_body(&left))],
        Rect::new(0, 0, 16, 8),
    );
    assert_eq!(area(&session, Rect::new(0, 0, 16, 8)), left);

    // CopyRect: the Raw block moves to (20, 4).
    paint(
        &script,
        &events,
        &[(20, 4, 16, 8, encoding::COPY_RECT, vec![0, 0, 0, 0])],
        Rect::new(20, 4, 16, 8),
    );
    assert_eq!(area(&session, Rect::new(20, 4, 16, 8)), left);

    // ZRLE: a 40x10 rect at (0, 20), one tile of raw CPIXELs.
    let mut z = Compress::new(Compression::default(), true);
    let zrle_pixels = pattern(40, 10, 2);
    let mut tile = vec![0u8];
    for p in &zrle_pixels {
        tile.extend_from_slice(&p.to_le_bytes()[..3]);
    }
    paint(
        &script,
        &events,
        &[(0, 20, 40, 10, encoding::ZRLE, zrle_body(&mut z, &tile))],
        Rect::new(0, 20, 40, 10),
    );
    assert_eq!(area(&session, Rect::new(0, 20, 40, 10)), zrle_pixels);

    // Tight fill.
    paint(
        &script,
        &events,
        &[(40, 0, 24, 32, encoding::TIGHT, tight.fill(0x336699))],
        Rect::new(40, 0, 24, 32),
    );
    assert_eq!(
        area(&session, Rect::new(40, 0, 24, 32)),
        vec![0x336699; 24 * 32]
    );

    // Tight basic copy (zlib stream 0), then a second one continuing the stream.
    for seed in [3, 4] {
        let pixels = pattern(20, 12, seed);
        paint(
            &script,
            &events,
            &[(2, 2, 20, 12, encoding::TIGHT, tight.copy(0, &pixels))],
            Rect::new(2, 2, 20, 12),
        );
        assert_eq!(area(&session, Rect::new(2, 2, 20, 12)), pixels);
    }

    // Tight two-colour palette (stream 1): 1 bit per pixel, rows padded.
    let indices: Vec<u8> = (0..13 * 5).map(|i| u8::from(i % 4 == 1)).collect();
    paint(
        &script,
        &events,
        &[(
            44,
            3,
            13,
            5,
            encoding::TIGHT,
            tight.palette(1, &[0x000000, 0xFFFFFF], &indices, 13),
        )],
        Rect::new(44, 3, 13, 5),
    );
    let want: Vec<u32> = indices
        .iter()
        .map(|&i| if i == 1 { 0xFFFFFF } else { 0 })
        .collect();
    assert_eq!(area(&session, Rect::new(44, 3, 13, 5)), want);

    // Tight palette of 5 colours (stream 1 continued).
    let palette = [0x110000, 0x002200, 0x000033, 0x444444, 0x550055];
    let indices: Vec<u8> = (0..10 * 6).map(|i| (i * 3 % 5) as u8).collect();
    paint(
        &script,
        &events,
        &[(
            50,
            20,
            10,
            6,
            encoding::TIGHT,
            tight.palette(1, &palette, &indices, 10),
        )],
        Rect::new(50, 20, 10, 6),
    );
    let want: Vec<u32> = indices.iter().map(|&i| palette[usize::from(i)]).collect();
    assert_eq!(area(&session, Rect::new(50, 20, 10, 6)), want);

    // Tight gradient (stream 2).
    let pixels = pattern(30, 9, 5);
    paint(
        &script,
        &events,
        &[(
            1,
            22,
            30,
            9,
            encoding::TIGHT,
            tight.gradient(2, &pixels, 30),
        )],
        Rect::new(1, 22, 30, 9),
    );
    assert_eq!(area(&session, Rect::new(1, 22, 30, 9)), pixels);

    // Tight JPEG: lossy, so within a tolerance.
    let smooth: Vec<u32> = (0..32 * 16u32)
        .map(|i| (i % 32 * 6) << 16 | (i / 32 * 12) << 8 | 0x60)
        .collect();
    paint(
        &script,
        &events,
        &[(
            32,
            16,
            32,
            16,
            encoding::TIGHT,
            tight.jpeg(&smooth, 32, 16, 90),
        )],
        Rect::new(32, 16, 32, 16),
    );
    let got = area(&session, Rect::new(32, 16, 32, 16));
    for (a, b) in smooth.iter().zip(&got) {
        for shift in [0, 8, 16] {
            let d = ((a >> shift) & 0xFF).abs_diff((b >> shift) & 0xFF);
            assert!(d <= 16, "JPEG pixel {a:06x} decoded as {b:06x}");
        }
    }

    // Tight with a reset of stream 0: the server starts a new zlib stream.
    tight.reset(0);
    let pixels = pattern(20, 12, 6);
    paint(
        &script,
        &events,
        &[(2, 2, 20, 12, encoding::TIGHT, tight.copy(0, &pixels))],
        Rect::new(2, 2, 20, 12),
    );
    assert_eq!(area(&session, Rect::new(2, 2, 20, 12)), pixels);

    // LastRect ends an update announced with 0xFFFF rectangles.
    let mut m = update(&[
        (0, 0, 2, 1, encoding::RAW, raw_body(&[0xAB0000, 0x00CD00])),
        (0, 0, 0, 0, encoding::LAST_RECT, vec![]),
    ]);
    m[2..4].copy_from_slice(&[0xFF, 0xFF]);
    script.send(m);
    assert_eq!(
        next_event(&events),
        ConsoleEvent::Updated {
            rects: vec![Rect::new(0, 0, 2, 1)]
        }
    );
    assert_eq!(
        area(&session, Rect::new(0, 0, 2, 1)),
        vec![0xAB0000, 0x00CD00]
    );

    // Cursor: 2x1, hotspot (1, 0), second pixel masked out.
    let mut body = raw_body(&[0x102030, 0x405060]);
    body.push(0b1000_0000);
    script.send(update(&[(1, 0, 2, 1, encoding::CURSOR, body)]));
    match next_event(&events) {
        ConsoleEvent::Cursor(c) => {
            assert_eq!((c.width, c.height, c.hotspot_x, c.hotspot_y), (2, 1, 1, 0));
            assert_eq!(c.rgba, vec![0x10, 0x20, 0x30, 255, 0x40, 0x50, 0x60, 0]);
        }
        other => panic!("expected a cursor, got {other:?}"),
    }

    // QEMU LED state: no dirty area, so poll for it.
    script.send(update(&[(
        0,
        0,
        0,
        0,
        encoding::QEMU_LED_STATE,
        vec![0b110],
    )]));
    let deadline = Instant::now() + TIMEOUT;
    while session.led_state() != 0b110 {
        assert!(Instant::now() < deadline, "LED state never arrived");
        thread::sleep(Duration::from_millis(5));
    }

    // DesktopSize: a new, black screen.
    script.send(update(&[(0, 0, 48, 24, encoding::DESKTOP_SIZE, vec![])]));
    assert_eq!(
        next_event(&events),
        ConsoleEvent::Resized {
            width: 48,
            height: 24
        }
    );
    assert_eq!(
        next_event(&events),
        ConsoleEvent::Updated {
            rects: vec![Rect::new(0, 0, 48, 24)]
        }
    );
    assert_eq!(area(&session, Rect::new(0, 0, 48, 24)), vec![0; 48 * 24]);

    // ExtendedDesktopSize with one screen, then a Tight fill on the new screen.
    let mut body = vec![1u8, 0, 0, 0];
    body.extend_from_slice(&[0u8; 16]);
    script.send(update(&[
        (0, 0, 80, 40, encoding::EXTENDED_DESKTOP_SIZE, body),
        (70, 30, 10, 10, encoding::TIGHT, tight.fill(0xFEDCBA)),
    ]));
    assert_eq!(
        next_event(&events),
        ConsoleEvent::Resized {
            width: 80,
            height: 40
        }
    );
    assert_eq!(
        next_event(&events),
        ConsoleEvent::Updated {
            rects: vec![Rect::new(0, 0, 80, 40)]
        }
    );
    assert_eq!(
        area(&session, Rect::new(70, 30, 10, 10)),
        vec![0xFEDCBA; 100]
    );
    assert_eq!(area(&session, Rect::new(69, 30, 1, 1)), vec![0]);

    assert!(!session.continuous_updates_active());
    assert_eq!(
        session.rect_counts(),
        RectCounts {
            raw: 2,
            copy_rect: 1,
            zrle: 1,
            tight_fill: 2,
            tight_jpeg: 1,
            tight_basic: 6,
        }
    );
    let log = script.finish(session);
    // Without fences or continuous updates offered, every update was followed by a request.
    assert!(log.iter().all(|m| m.kind != 150 && m.kind != 248));
    let requests = log.iter().filter(|m| m.kind == 3).count();
    assert!(requests >= 16, "{requests} update requests");
}

/// The client messages that follow one step, up to and including the first that
/// satisfies `until`.
fn read_until(s: &mut UnixStream, until: impl Fn(&ClientMessage) -> bool) -> Vec<ClientMessage> {
    let mut seen = Vec::new();
    loop {
        let m = read_client_message(s).unwrap();
        let done = until(&m);
        seen.push(m);
        if done {
            return seen;
        }
    }
}

fn cu_enable(w: u16, h: u16) -> Vec<u8> {
    let mut m = vec![150u8, 1, 0, 0, 0, 0];
    m.extend_from_slice(&w.to_be_bytes());
    m.extend_from_slice(&h.to_be_bytes());
    m
}

fn request(incremental: bool, w: u16, h: u16) -> Vec<u8> {
    let mut m = vec![3u8, u8::from(incremental), 0, 0, 0, 0];
    m.extend_from_slice(&w.to_be_bytes());
    m.extend_from_slice(&h.to_be_bytes());
    m
}

#[test]
fn fences_are_echoed_and_continuous_updates_enabled_when_offered() {
    let (client, mut server) = UnixStream::pair().unwrap();
    let (checked_tx, checked_rx) = mpsc::channel::<()>();
    let t = thread::spawn(move || {
        serve_handshake(&mut server, 16, 8);
        let tail = read_handshake_tail(&mut server);
        let listed = listed_encodings(&tail[1]);
        assert!(
            listed.contains(&encoding::FENCE) && listed.contains(&encoding::CONTINUOUS_UPDATES)
        );
        assert_eq!(tail[2].bytes, request(false, 16, 8));

        // A fence request with every flag, one we do not know (bit 5), and a payload.
        let all = vireo_vnc::fence::REQUEST | 0b10_0111;
        server.write_all(&fence(all, b"sync-1")).unwrap();
        let reply = read_client_message(&mut server).unwrap();
        let mut want = vec![248u8, 0, 0, 0, 0, 0, 0, 0b111, 6];
        want.extend_from_slice(b"sync-1");
        assert_eq!(reply.bytes, want, "echo: Request and unknown bits cleared");

        // The server shows continuous-update support; the client enables them for the screen.
        server.write_all(&END_OF_CONTINUOUS_UPDATES).unwrap();
        let enable = read_client_message(&mut server).unwrap();
        assert_eq!(enable.bytes, cu_enable(16, 8));

        // Updates now flow without requests: two updates, then a fence as a barrier; the
        // client's messages up to its fence reply must hold no update request.
        for x in [0u16, 1] {
            server
                .write_all(&update(&[(x, 0, 1, 1, encoding::RAW, vec![9, 9, 9, 0])]))
                .unwrap();
        }
        server
            .write_all(&fence(vireo_vnc::fence::REQUEST, b""))
            .unwrap();
        let seen = read_until(&mut server, |m| m.kind == 248);
        assert_eq!(
            seen.len(),
            1,
            "no requests under continuous updates: {seen:?}"
        );
        checked_rx.recv_timeout(TIMEOUT).unwrap();

        // A resize re-enables continuous updates for the new size and asks for it all.
        server
            .write_all(&update(&[(0, 0, 32, 12, encoding::DESKTOP_SIZE, vec![])]))
            .unwrap();
        let seen = read_until(&mut server, |m| m.kind == 3);
        let bytes: Vec<_> = seen.iter().map(|m| m.bytes.clone()).collect();
        assert_eq!(bytes, vec![cu_enable(32, 12), request(false, 32, 12)]);

        // The server ends continuous updates: the client goes back to requests.
        server.write_all(&END_OF_CONTINUOUS_UPDATES).unwrap();
        let m = read_client_message(&mut server).unwrap();
        assert_eq!(m.bytes, request(true, 32, 12));
        checked_rx.recv_timeout(TIMEOUT).unwrap();
        server
            .write_all(&update(&[(0, 0, 1, 1, encoding::RAW, vec![1, 2, 3, 0])]))
            .unwrap();
        let m = read_client_message(&mut server).unwrap();
        assert_eq!(m.bytes, request(true, 32, 12));
    });
    let (session, events) = ConsoleSession::connect_unix(client).unwrap();
    // Two 1x1 updates under continuous updates.
    for x in [0u16, 1] {
        assert_eq!(
            next_event(&events),
            ConsoleEvent::Updated {
                rects: vec![Rect::new(x, 0, 1, 1)]
            }
        );
    }
    assert!(session.supports_fence());
    assert!(session.continuous_updates_active());
    checked_tx.send(()).unwrap();
    assert!(matches!(
        next_event(&events),
        ConsoleEvent::Resized {
            width: 32,
            height: 12
        }
    ));
    let deadline = Instant::now() + TIMEOUT;
    while session.continuous_updates_active() {
        assert!(Instant::now() < deadline, "continuous updates never ended");
        thread::sleep(Duration::from_millis(5));
    }
    checked_tx.send(()).unwrap();
    t.join().unwrap();
}

#[test]
fn without_fence_or_continuous_updates_requests_continue() {
    let (client, mut server) = UnixStream::pair().unwrap();
    let t = thread::spawn(move || {
        serve_handshake(&mut server, 8, 8);
        read_handshake_tail(&mut server);
        for x in 0..3u16 {
            server
                .write_all(&update(&[(x, 0, 1, 1, encoding::RAW, vec![1, 1, 1, 0])]))
                .unwrap();
            let m = read_client_message(&mut server).unwrap();
            assert_eq!(m.bytes, request(true, 8, 8), "update {x}");
        }
    });
    let (session, events) = ConsoleSession::connect_unix(client).unwrap();
    for _ in 0..3 {
        assert!(matches!(next_event(&events), ConsoleEvent::Updated { .. }));
    }
    t.join().unwrap();
    assert!(!session.continuous_updates_active());
    assert!(!session.supports_fence());
}

/// Runs a session whose server sends `bytes` after the handshake; returns the close reason.
fn close_reason_after(bytes: Vec<u8>) -> String {
    let (client, mut server) = UnixStream::pair().unwrap();
    let t = thread::spawn(move || {
        serve_handshake(&mut server, 64, 64);
        server.write_all(&bytes).unwrap();
        let mut sink = Vec::new();
        let _ = server.read_to_end(&mut sink);
    });
    let (mut session, events) = ConsoleSession::connect_unix(client).unwrap();
    let reason = loop {
        if let ConsoleEvent::Closed { reason } = next_event(&events) {
            break reason;
        }
    };
    session.close();
    t.join().unwrap();
    reason
}

#[test]
fn hostile_tight_and_fence_data_close_the_session_cleanly() {
    let tight = |w: u16, h: u16, body: Vec<u8>| update(&[(0, 0, w, h, encoding::TIGHT, body)]);
    // Rectangle beyond the screen.
    let reason = close_reason_after(update(&[(
        60,
        60,
        10,
        10,
        encoding::TIGHT,
        vec![0x80, 1, 2, 3],
    )]));
    assert!(reason.contains("outside"), "{reason}");
    // A compact length far beyond what a 4x4 rectangle can need.
    let mut body = vec![0x00];
    body.extend(compact_len((1 << 22) - 1));
    let reason = close_reason_after(tight(4, 4, body));
    assert!(reason.contains("Tight zlib length"), "{reason}");
    // A palette index beyond the palette (a palette of more than 256 colours cannot be
    // expressed: its size is one byte holding size - 1).
    let mut body = vec![0x40, 1, 2];
    body.extend([0u8; 9]);
    body.extend([0, 1, 3, 0]);
    let reason = close_reason_after(tight(2, 2, body));
    assert!(reason.contains("palette index"), "{reason}");
    // A zlib bomb.
    let mut e = TightEncoder::new();
    let z = e.deflate(0, &vec![0u8; 1 << 16]);
    let mut body = vec![0x00];
    body.extend(compact_len(z.len()));
    body.extend(z);
    let reason = close_reason_after(tight(16, 16, body));
    assert!(reason.contains("beyond the rectangle"), "{reason}");
    // A JPEG of the wrong size.
    let jpeg = e.jpeg(&[0x808080; 64], 8, 8, 80);
    let reason = close_reason_after(tight(8, 4, jpeg));
    assert!(
        reason.contains("Tight") || reason.contains("JPEG"),
        "{reason}"
    );
    // A fence longer than 64 bytes.
    let mut m = fence(1 << 31, &[0; 64]);
    m[8] = 65;
    m.push(0);
    let reason = close_reason_after(m);
    assert!(reason.contains("fence payload of 65 bytes"), "{reason}");
}
