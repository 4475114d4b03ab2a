//! Errors of the RFB engine.

use std::io;

use crate::framebuffer::Rect;
use crate::session::SessionState;

/// Everything that can go wrong in a console session. Any error raised by the
/// reader closes the session; none of them is a panic.
#[derive(Debug, thiserror::Error)]
pub enum VncError {
    /// Reading from or writing to the connection failed (including EOF).
    #[error("connection I/O failed")]
    Io(#[source] io::Error),
    /// The server's ProtocolVersion is not one we speak.
    #[error("unsupported RFB version {0:?}")]
    UnsupportedVersion(String),
    /// The server refused the connection and said why.
    #[error("server refused the connection: {0}")]
    Refused(String),
    /// None of the offered security types is one we implement.
    #[error("unsupported security types {offered:?}")]
    UnsupportedSecurity {
        /// Security types the server offered.
        offered: Vec<u8>,
    },
    /// The server requires VNC authentication and no password was set.
    #[error("server requires a password")]
    PasswordRequired,
    /// The server rejected our authentication.
    #[error("authentication failed: {0}")]
    AuthenticationFailed(String),
    /// A length or size field exceeds what we are willing to allocate.
    #[error("{what} {value} exceeds the limit {limit}")]
    TooLarge {
        /// Which field.
        what: &'static str,
        /// The value the server sent.
        value: u64,
        /// The largest value we accept.
        limit: u64,
    },
    /// A rectangle does not lie inside the framebuffer.
    #[error("rectangle {rect:?} lies outside the {width}x{height} framebuffer")]
    RectOutside {
        /// The offending rectangle.
        rect: Rect,
        /// Framebuffer width.
        width: u16,
        /// Framebuffer height.
        height: u16,
    },
    /// A server message type we do not know; the stream cannot be resynchronised.
    #[error("unknown server message type {0}")]
    UnknownMessage(u8),
    /// An encoding we did not ask for; its length is unknown so we must stop.
    #[error("unsupported encoding {0}")]
    UnknownEncoding(i32),
    /// ZRLE data that does not follow the protocol.
    #[error("invalid ZRLE data: {0}")]
    InvalidZrle(&'static str),
    /// Tight data that does not follow the protocol.
    #[error("invalid Tight data: {0}")]
    InvalidTight(&'static str),
    /// A Tight JPEG rectangle that does not decode.
    #[error("corrupt JPEG rectangle")]
    Jpeg(#[source] zune_jpeg::errors::DecodeErrors),
    /// A Fence message longer than the protocol allows.
    #[error("fence payload of {0} bytes exceeds 64")]
    InvalidFence(u8),
    /// A ZRLE or Tight zlib stream is corrupt.
    #[error("corrupt zlib stream")]
    Zlib(#[source] flate2::DecompressError),
    /// The server did not finish the handshake in time (it may be dripping bytes).
    #[error("the VM's display did not answer within {seconds} s")]
    HandshakeTimeout {
        /// The limit.
        seconds: f64,
    },
    /// The server stopped sending in the middle of a message.
    #[error("the VM's display stopped sending in the middle of an update for {seconds} s")]
    Stalled {
        /// The limit.
        seconds: f64,
    },
    /// The server kept one message trickling in for longer than the whole-message limit.
    #[error("the VM's display took more than {seconds} s to send one update")]
    UpdateTooSlow {
        /// The limit.
        seconds: f64,
    },
    /// Input was sent while the session was not running.
    #[error("session is {0:?}, not running")]
    NotRunning(SessionState),
}

impl From<io::Error> for VncError {
    fn from(err: io::Error) -> Self {
        VncError::Io(err)
    }
}
