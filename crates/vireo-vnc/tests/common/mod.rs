//! A scripted fake RFB server for the session tests.

#![allow(dead_code)]

pub mod tight_encoder;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;

/// One client-to-server message: its type and all of its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientMessage {
    pub kind: u8,
    pub bytes: Vec<u8>,
}

/// Reads one client message, using each type's fixed or announced length.
pub fn read_client_message(s: &mut UnixStream) -> std::io::Result<ClientMessage> {
    let mut kind = [0u8; 1];
    s.read_exact(&mut kind)?;
    let rest = match kind[0] {
        0 => 19,
        2 => {
            let mut head = [0u8; 3];
            s.read_exact(&mut head)?;
            let n = usize::from(u16::from_be_bytes([head[1], head[2]]));
            let mut body = vec![0u8; n * 4];
            s.read_exact(&mut body)?;
            let mut bytes = vec![2u8];
            bytes.extend_from_slice(&head);
            bytes.extend_from_slice(&body);
            return Ok(ClientMessage { kind: 2, bytes });
        }
        3 => 9,
        4 => 7,
        5 => 5,
        150 => 9,
        248 => {
            let mut head = [0u8; 8];
            s.read_exact(&mut head)?;
            let mut payload = vec![0u8; usize::from(head[7])];
            s.read_exact(&mut payload)?;
            let mut bytes = vec![248u8];
            bytes.extend_from_slice(&head);
            bytes.extend_from_slice(&payload);
            return Ok(ClientMessage { kind: 248, bytes });
        }
        255 => 11,
        other => panic!("client sent unknown message type {other}"),
    };
    let mut bytes = vec![0u8; rest + 1];
    bytes[0] = kind[0];
    s.read_exact(&mut bytes[1..])?;
    Ok(ClientMessage {
        kind: kind[0],
        bytes,
    })
}

/// Server side of a 3.8 handshake with security None, announcing `init`
/// (width, height, name length, name) verbatim so tests can lie.
pub fn serve_handshake_raw(
    s: &mut UnixStream,
    width: u16,
    height: u16,
    name_len: u32,
    name: &[u8],
) {
    s.write_all(b"RFB 003.008\n").unwrap();
    let mut version = [0u8; 12];
    s.read_exact(&mut version).unwrap();
    assert_eq!(&version, b"RFB 003.008\n");
    s.write_all(&[2, 2, 1]).unwrap(); // offers VNC auth and None
    let mut choice = [0u8; 1];
    s.read_exact(&mut choice).unwrap();
    assert_eq!(choice, [1], "client must pick None");
    s.write_all(&0u32.to_be_bytes()).unwrap();
    let mut client_init = [0u8; 1];
    s.read_exact(&mut client_init).unwrap();
    assert_eq!(client_init, [1], "shared flag");
    let mut init = Vec::new();
    init.extend_from_slice(&width.to_be_bytes());
    init.extend_from_slice(&height.to_be_bytes());
    // Server-native format: 32bpp big-endian, to prove we override it.
    init.extend_from_slice(&[32, 24, 1, 1, 0, 255, 0, 255, 0, 255, 0, 8, 16, 0, 0, 0]);
    init.extend_from_slice(&name_len.to_be_bytes());
    init.extend_from_slice(name);
    // The client may hang up on a hostile ServerInit before reading all of it.
    let _ = s.write_all(&init);
}

pub fn serve_handshake(s: &mut UnixStream, width: u16, height: u16) {
    serve_handshake_raw(s, width, height, 4, b"test");
}

/// One rectangle of an update: x, y, width, height, encoding, body.
pub type TestRect = (u16, u16, u16, u16, i32, Vec<u8>);

/// A FramebufferUpdate message.
pub fn update(rects: &[TestRect]) -> Vec<u8> {
    let mut m = vec![0u8, 0];
    m.extend_from_slice(&(rects.len() as u16).to_be_bytes());
    for (x, y, w, h, enc, body) in rects {
        for v in [x, y, w, h] {
            m.extend_from_slice(&v.to_be_bytes());
        }
        m.extend_from_slice(&enc.to_be_bytes());
        m.extend_from_slice(body);
    }
    m
}

/// A server Fence message (type 248).
pub fn fence(flags: u32, payload: &[u8]) -> Vec<u8> {
    let mut m = vec![248u8, 0, 0, 0];
    m.extend_from_slice(&flags.to_be_bytes());
    m.push(payload.len() as u8);
    m.extend_from_slice(payload);
    m
}

/// EndOfContinuousUpdates (server message 150).
pub const END_OF_CONTINUOUS_UPDATES: [u8; 1] = [150];

/// The handshake tail every session sends: SetPixelFormat, SetEncodings and
/// the first full update request.
pub fn read_handshake_tail(s: &mut UnixStream) -> Vec<ClientMessage> {
    (0..3).map(|_| read_client_message(s).unwrap()).collect()
}

/// The encodings a SetEncodings message lists.
pub fn listed_encodings(m: &ClientMessage) -> Vec<i32> {
    assert_eq!(m.kind, 2);
    m.bytes[4..]
        .chunks_exact(4)
        .map(|c| i32::from_be_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}
