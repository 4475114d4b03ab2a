//! The local WebSocket a console's page connects to: frames out, input and credits in.
//!
//! Why a WebSocket rather than Tauri's IPC: measured on our machines, Tauri's channels,
//! `invoke` responses and custom URI schemes all top out near 120–170 MB/s with no
//! backpressure of their own, a loopback WebSocket near 510 MB/s; a 1080p screen at 33
//! updates/s needs 270 MB/s.
//!
//! Safety: one listener on 127.0.0.1 (random port, never another interface); each console
//! accepts one connection, which must present the console's one-time random token and come
//! from an allowed page origin. The console closes when its socket closes.

use super::input::apply_input;
use super::pump::PumpInput;
use super::{close, lock, Console, ConsoleInput, Registry};
use crate::{ApiError, Code};
use std::cell::RefCell;
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tungstenite::handshake::server::{Callback, ErrorResponse, Request, Response};
use tungstenite::http::StatusCode;
use tungstenite::protocol::{Role, WebSocketConfig};
use tungstenite::{Message, WebSocket};

/// A handshake must complete within this time.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);
/// Input messages are small; anything larger is refused.
const MAX_INPUT_MESSAGE: usize = 4096;

/// A 256-bit random token, hex.
pub(crate) fn new_token() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| {
        ApiError::new(
            Code::Internal,
            format!("no randomness for the console token: {e}"),
        )
    })?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Binds the listener and serves connections on a thread of its own.
pub(crate) fn listen(registry: Registry, origins: Arc<[String]>) -> io::Result<SocketAddr> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    let addr = listener.local_addr()?;
    std::thread::Builder::new()
        .name("vireo-console-socket".into())
        .spawn(move || {
            for stream in listener.incoming().flatten() {
                let registry = registry.clone();
                let origins = origins.clone();
                let _ = std::thread::Builder::new()
                    .name("vireo-console-socket-conn".into())
                    .spawn(move || serve(stream, &registry, &origins));
            }
        })?;
    Ok(addr)
}

/// One TCP stream shared by the reading and the writing side: reads from its own handle,
/// writes whole buffers under one lock so frames from the two sides never interleave.
struct SharedStream {
    read: TcpStream,
    write: Arc<Mutex<TcpStream>>,
}

impl Read for SharedStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.read.read(buf)
    }
}

impl Write for SharedStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        lock(&self.write).write_all(buf)?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        lock(&self.write).flush()
    }
}

/// The pump's end of a connected page: sends binary messages.
pub(crate) struct SocketLink {
    socket: WebSocket<SharedStream>,
}

impl SocketLink {
    /// Sends one message; false when the page is gone.
    pub(crate) fn send(&mut self, bytes: Vec<u8>) -> bool {
        self.socket.send(Message::Binary(bytes.into())).is_ok()
    }

    /// Ends the connection (the reading side sees it and closes the console).
    pub(crate) fn close(&mut self) {
        let _ = self.socket.close(None);
        let _ = self.socket.flush();
        let _ = self.socket.get_ref().read.shutdown(Shutdown::Both);
    }
}

/// Checks a handshake request: the path names an open console, the token is its one-time
/// token (taken now), the origin is allowed. The console found is left in `accepted`.
struct Authorizer<'a> {
    registry: &'a Registry,
    origins: &'a [String],
    accepted: &'a RefCell<Option<(u32, Arc<Console>)>>,
}

impl Callback for Authorizer<'_> {
    fn on_request(self, req: &Request, resp: Response) -> Result<Response, ErrorResponse> {
        match authorize(req, self.registry, self.origins) {
            Ok(found) => {
                *self.accepted.borrow_mut() = Some(found);
                Ok(resp)
            }
            Err((status, why)) => {
                let mut refusal = ErrorResponse::new(Some(why.to_string()));
                *refusal.status_mut() = status;
                Err(refusal)
            }
        }
    }
}

fn authorize(
    req: &Request,
    registry: &Registry,
    origins: &[String],
) -> Result<(u32, Arc<Console>), (StatusCode, &'static str)> {
    let origin = req
        .headers()
        .get("origin")
        .and_then(|o| o.to_str().ok())
        .unwrap_or("");
    if !origins.iter().any(|o| o == origin) {
        return Err((StatusCode::FORBIDDEN, "origin not allowed"));
    }
    let uri = req.uri();
    let id = uri
        .path()
        .strip_prefix("/console/")
        .and_then(|id| id.parse::<u32>().ok())
        .ok_or((StatusCode::NOT_FOUND, "no such console"))?;
    let token = uri
        .query()
        .unwrap_or("")
        .split('&')
        .find_map(|kv| kv.strip_prefix("token="))
        .unwrap_or("");
    let console = lock(registry)
        .get(&id)
        .cloned()
        .ok_or((StatusCode::NOT_FOUND, "no such console"))?;
    let mut expected = lock(&console.token);
    match expected.as_deref() {
        Some(t) if !token.is_empty() && constant_time_eq(t.as_bytes(), token.as_bytes()) => {
            *expected = None;
        }
        _ => return Err((StatusCode::FORBIDDEN, "bad or used token")),
    }
    drop(expected);
    Ok((id, console))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn serve(stream: TcpStream, registry: &Registry, origins: &[String]) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(HANDSHAKE_TIMEOUT));
    let (Ok(read2), Ok(write)) = (stream.try_clone(), stream.try_clone()) else {
        return;
    };
    let write = Arc::new(Mutex::new(write));
    let shared = SharedStream {
        read: stream,
        write: write.clone(),
    };
    let accepted = RefCell::new(None);
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_INPUT_MESSAGE))
        .max_frame_size(Some(MAX_INPUT_MESSAGE));
    let authorizer = Authorizer {
        registry,
        origins,
        accepted: &accepted,
    };
    let handshake = tungstenite::accept_hdr_with_config(shared, authorizer, Some(config));
    let (Ok(mut reader), Some((id, console))) = (handshake, accepted.borrow_mut().take()) else {
        return;
    };
    let _ = reader.get_ref().read.set_read_timeout(None);
    let writer =
        WebSocket::from_raw_socket(SharedStream { read: read2, write }, Role::Server, None);
    let _ = console
        .pump
        .send(PumpInput::Attach(Box::new(SocketLink { socket: writer })));
    loop {
        match reader.read() {
            Ok(Message::Text(text)) => {
                // A bad message is the page's bug: drop it, keep the console.
                match serde_json::from_str::<ConsoleInput>(text.as_str()) {
                    Ok(input) => {
                        let _ = apply_input(&console, input);
                    }
                    Err(e) => log::warn!("console {id}: bad input message: {e}"),
                }
            }
            Ok(Message::Close(_)) | Err(_) => break,
            // The page sends only text.
            Ok(Message::Binary(_)) => break,
            Ok(_) => {}
        }
    }
    close(registry, id);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_long() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
    }

    #[test]
    fn token_comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
