//! Vireo's own RFB (VNC) client engine for VM consoles.
//!
//! Unlike general VNC crates, it keeps the decoded screen in a
//! [`Framebuffer`], sends keys as raw scancodes when QEMU offers its
//! Extended Key Event (so non-US guest layouts work), and never makes input
//! wait for the server: writes have their own lock, and a dedicated reader
//! thread decodes updates.
//!
//! Security: type None, or VNC authentication after
//! [`ConsoleSession::set_password`] (with [`ConsoleSession::new_unix`] and
//! [`ConsoleSession::handshake`]).
//!
//! Every length a server sends is checked against a limit, so a hostile or
//! broken server closes the session with an error instead of crashing the
//! app or exhausting memory.
//!
//! ```no_run
//! use std::os::unix::net::UnixStream;
//! use vireo_vnc::{ConsoleEvent, ConsoleSession};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let socket = UnixStream::connect("/run/libvirt/qemu/vm.vnc")?;
//! let (session, events) = ConsoleSession::connect_unix(socket)?;
//! session.send_key(0x61, 0x1e, true)?; // 'a' down
//! session.send_key(0x61, 0x1e, false)?;
//! for event in events {
//!     match event {
//!         ConsoleEvent::Updated { rects } => {
//!             session.with_framebuffer(|fb| { /* repaint `rects` from fb.pixels() */ });
//!         }
//!         ConsoleEvent::Closed { reason } => { eprintln!("closed: {reason}"); break }
//!         _ => {}
//!     }
//! }
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]

mod decode;
mod des;
mod error;
mod framebuffer;
pub mod keymap;
mod session;
mod wire;

pub use decode::{
    decode_stream_for_fuzzing, CursorImage, RectCounts, MAX_CURSOR_DIMENSION, MAX_CUT_TEXT_LEN,
    MAX_DIMENSION, MAX_NAME_LEN, MAX_TIGHT_LEN, MAX_ZRLE_LEN,
};
pub use error::VncError;
pub use framebuffer::{DirtyRegion, Framebuffer, Rect, BLACK};
pub use session::{
    ConsoleEvent, ConsoleSession, ServerInfo, SessionState, HANDSHAKE_TIMEOUT, MESSAGE_TIMEOUT,
    STALL_TIMEOUT,
};
pub use wire::{encoding, fence, PixelFormat, COMPRESS_LEVEL, JPEG_QUALITY, REQUESTED_ENCODINGS};
