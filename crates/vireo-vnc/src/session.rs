//! A console session: handshake, the reader thread, and input.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::decode::{
    self, CursorImage, Decoder, RectCounts, ServerMessage, MAX_DIMENSION, MAX_NAME_LEN,
};
use crate::des;
use crate::error::VncError;
use crate::framebuffer::{Framebuffer, Rect};
use crate::wire::{self, check_limit, fence, read_array, read_u32, read_u8, PixelFormat};

/// How long a server may take from the first byte to ServerInit (sessions over a socket).
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);
/// A read that makes no progress for this long in the middle of a server message ends the
/// session. Between messages a server may stay silent for ever (an unchanging screen).
pub const STALL_TIMEOUT: Duration = Duration::from_secs(30);
/// However it trickles, one server message must arrive whole within this time (a 1080p raw
/// update is 8 MB: over 1 Mbit/s that is about a minute).
pub const MESSAGE_TIMEOUT: Duration = Duration::from_secs(120);

const SECURITY_NONE: u8 = 1;
const SECURITY_VNC_AUTH: u8 = 2;
const SECURITY_NONE_U32: u32 = SECURITY_NONE as u32;
const SECURITY_VNC_AUTH_U32: u32 = SECURITY_VNC_AUTH as u32;

/// Where a session is in its life. Input is accepted only while `Running`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionState {
    /// Created; the RFB handshake has not completed.
    Handshaking,
    /// Handshake done; updates flow and input is accepted.
    Running,
    /// The connection ended, by either side or by an error.
    Closed,
}

impl SessionState {
    fn from_u8(v: u8) -> Self {
        match v {
            0 => SessionState::Handshaking,
            1 => SessionState::Running,
            _ => SessionState::Closed,
        }
    }
}

/// What the reader thread reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsoleEvent {
    /// The framebuffer now has this size (and is entirely dirty).
    Resized {
        /// New width.
        width: u16,
        /// New height.
        height: u16,
    },
    /// These framebuffer areas changed; one event per complete update.
    Updated {
        /// Coalesced dirty rectangles.
        rects: Vec<Rect>,
    },
    /// The server sent a new cursor shape.
    Cursor(CursorImage),
    /// The server rang the bell.
    Bell,
    /// The session ended; no more events follow.
    Closed {
        /// Why, for the user.
        reason: String,
    },
}

/// What ServerInit told us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerInfo {
    /// Initial framebuffer width.
    pub width: u16,
    /// Initial framebuffer height.
    pub height: u16,
    /// The server's native pixel format (we replace it with [`PixelFormat::BGRX`]).
    pub pixel_format: PixelFormat,
    /// Desktop name, lossily decoded as UTF-8.
    pub name: String,
}

type Writer = Arc<Mutex<Box<dyn Write + Send>>>;
type ShutdownHook = Box<dyn Fn() + Send + Sync>;
/// Sets the read timeout of the socket the reader reads from.
type SetTimeout = Arc<dyn Fn(Option<Duration>) -> io::Result<()> + Send + Sync>;

/// One RFB connection to a VM console.
///
/// Writes go through their own lock, separate from the reader thread, so
/// [`send_key`](Self::send_key) and [`send_pointer`](Self::send_pointer)
/// never wait for the server to send anything.
pub struct ConsoleSession {
    state: Arc<AtomicU8>,
    writer: Writer,
    reader: Option<Box<dyn Read + Send>>,
    events: Sender<ConsoleEvent>,
    framebuffer: Arc<Mutex<Framebuffer>>,
    extended_keys: Arc<AtomicBool>,
    led_state: Arc<AtomicU8>,
    flow: Arc<FlowState>,
    counts: Arc<Mutex<RectCounts>>,
    encodings: Vec<i32>,
    server: Option<ServerInfo>,
    password: Option<Vec<u8>>,
    shutdown: Option<ShutdownHook>,
    /// Present for sockets: the handshake has a deadline and a stalled update ends the session.
    set_timeout: Option<SetTimeout>,
    handshake_timeout: Duration,
    stall_timeout: Duration,
    message_timeout: Duration,
    reader_thread: Option<JoinHandle<()>>,
}

impl ConsoleSession {
    /// A session over the two halves of a connection, in state
    /// [`SessionState::Handshaking`]; nothing is sent until
    /// [`handshake`](Self::handshake). Events arrive on the returned receiver.
    pub fn new(
        reader: Box<dyn Read + Send>,
        writer: Box<dyn Write + Send>,
    ) -> (Self, Receiver<ConsoleEvent>) {
        let (events, receiver) = mpsc::channel();
        let session = ConsoleSession {
            state: Arc::new(AtomicU8::new(SessionState::Handshaking as u8)),
            writer: Arc::new(Mutex::new(writer)),
            reader: Some(reader),
            events,
            framebuffer: Arc::new(Mutex::new(Framebuffer::new(0, 0))),
            extended_keys: Arc::new(AtomicBool::new(false)),
            led_state: Arc::new(AtomicU8::new(0)),
            flow: Arc::new(FlowState::default()),
            counts: Arc::default(),
            encodings: wire::REQUESTED_ENCODINGS.to_vec(),
            server: None,
            password: None,
            shutdown: None,
            set_timeout: None,
            handshake_timeout: HANDSHAKE_TIMEOUT,
            stall_timeout: STALL_TIMEOUT,
            message_timeout: MESSAGE_TIMEOUT,
            reader_thread: None,
        };
        (session, receiver)
    }

    /// Connects over two halves and completes the handshake.
    pub fn connect(
        reader: Box<dyn Read + Send>,
        writer: Box<dyn Write + Send>,
    ) -> Result<(Self, Receiver<ConsoleEvent>), VncError> {
        let (mut session, events) = Self::new(reader, writer);
        session.handshake()?;
        Ok((session, events))
    }

    /// Connects over a Unix socket (e.g. a libvirt VNC socket). Closing the
    /// session shuts the socket down, which also stops the reader thread.
    pub fn connect_unix(stream: UnixStream) -> Result<(Self, Receiver<ConsoleEvent>), VncError> {
        let (mut session, events) = Self::new_unix(stream)?;
        session.handshake()?;
        Ok((session, events))
    }

    /// Like [`connect_unix`](Self::connect_unix) but stops before the handshake.
    pub fn new_unix(stream: UnixStream) -> Result<(Self, Receiver<ConsoleEvent>), VncError> {
        let reader = stream.try_clone()?;
        let writer = stream.try_clone()?;
        let timed = stream.try_clone()?;
        let (mut session, events) = Self::new(Box::new(reader), Box::new(writer));
        session.shutdown = Some(Box::new(move || {
            let _ = stream.shutdown(Shutdown::Both);
        }));
        session.set_timeout = Some(Arc::new(move |t| timed.set_read_timeout(t)));
        Ok((session, events))
    }

    /// Connects over TCP and completes the handshake.
    pub fn connect_tcp(stream: TcpStream) -> Result<(Self, Receiver<ConsoleEvent>), VncError> {
        // Key and pointer events are tiny and latency-sensitive.
        stream.set_nodelay(true)?;
        let reader = stream.try_clone()?;
        let writer = stream.try_clone()?;
        let timed = stream.try_clone()?;
        let (mut session, events) = Self::new(Box::new(reader), Box::new(writer));
        session.shutdown = Some(Box::new(move || {
            let _ = stream.shutdown(Shutdown::Both);
        }));
        session.set_timeout = Some(Arc::new(move |t| timed.set_read_timeout(t)));
        session.handshake()?;
        Ok((session, events))
    }

    /// Replaces [`HANDSHAKE_TIMEOUT`] and [`STALL_TIMEOUT`] (sessions over a socket only;
    /// for tests). Call before the handshake.
    pub fn set_timeouts(&mut self, handshake: Duration, stall: Duration) {
        self.handshake_timeout = handshake;
        self.stall_timeout = stall;
    }

    /// Replaces [`MESSAGE_TIMEOUT`] (for tests). Call before the handshake.
    pub fn set_message_timeout(&mut self, whole: Duration) {
        self.message_timeout = whole;
    }

    /// Sets the password for VNC authentication, used only if the server
    /// does not offer security type None. Call before the handshake.
    pub fn set_password(&mut self, password: &str) {
        self.password = Some(password.as_bytes().to_vec());
    }

    /// Replaces the encodings sent in SetEncodings (default
    /// [`REQUESTED_ENCODINGS`](crate::REQUESTED_ENCODINGS)), most preferred
    /// first. Call before the handshake; for tests, recordings and
    /// measurements that need one encoding only.
    pub fn set_encodings(&mut self, encodings: &[i32]) {
        self.encodings = encodings.to_vec();
    }

    /// Performs the RFB handshake (versions 3.3, 3.7, 3.8; security None,
    /// or VNC authentication when a password was set),
    /// selects our pixel format and encodings, requests the first full
    /// update and starts the reader thread. Any failure closes the session.
    pub fn handshake(&mut self) -> Result<&ServerInfo, VncError> {
        let state = self.state();
        if state != SessionState::Handshaking {
            return Err(VncError::NotRunning(state));
        }
        let Some(mut reader) = self.reader.take() else {
            return Err(VncError::NotRunning(state));
        };
        let negotiated = match self.set_timeout.clone() {
            Some(set) => {
                let mut timed = Deadline {
                    inner: &mut reader,
                    set: set.clone(),
                    until: Instant::now() + self.handshake_timeout,
                    cap: self.handshake_timeout,
                    lowered: false,
                };
                let result = self.negotiate(&mut timed);
                // From now on a read times out only to check for a stalled update.
                let armed = set(Some(self.stall_timeout));
                result
                    .map_err(|e| match e {
                        VncError::Io(io) if is_timeout(&io) => VncError::HandshakeTimeout {
                            seconds: self.handshake_timeout.as_secs_f64(),
                        },
                        other => other,
                    })
                    .and_then(|info| armed.map(|_| info).map_err(VncError::Io))
            }
            None => self.negotiate(&mut reader),
        };
        match negotiated {
            Ok(info) => {
                *decode::lock(&self.framebuffer) = Framebuffer::new(info.width, info.height);
                self.state
                    .store(SessionState::Running as u8, Ordering::Release);
                self.spawn_reader(reader);
                Ok(self.server.insert(info))
            }
            Err(err) => {
                self.close();
                Err(err)
            }
        }
    }

    fn negotiate(&mut self, r: &mut dyn Read) -> Result<ServerInfo, VncError> {
        let version: [u8; 12] = read_array(r)?;
        let minor = parse_version(&version)?;
        let reply: &[u8; 12] = if minor >= 8 {
            b"RFB 003.008\n"
        } else if minor == 7 {
            b"RFB 003.007\n"
        } else {
            b"RFB 003.003\n"
        };
        self.write(reply)?;
        let chosen = if minor < 7 {
            // 3.3: the server picks the type.
            match read_u32(r)? {
                0 => return Err(VncError::Refused(read_reason(r)?)),
                t @ (SECURITY_NONE_U32 | SECURITY_VNC_AUTH_U32) => t as u8,
                other => {
                    return Err(VncError::UnsupportedSecurity {
                        offered: vec![u8::try_from(other).unwrap_or(u8::MAX)],
                    })
                }
            }
        } else {
            let count = read_u8(r)?;
            if count == 0 {
                return Err(VncError::Refused(read_reason(r)?));
            }
            let offered = wire::read_vec(r, usize::from(count))?;
            let chosen = if offered.contains(&SECURITY_NONE) {
                SECURITY_NONE
            } else if offered.contains(&SECURITY_VNC_AUTH) {
                SECURITY_VNC_AUTH
            } else {
                return Err(VncError::UnsupportedSecurity { offered });
            };
            self.write(&[chosen])?;
            chosen
        };
        if chosen == SECURITY_VNC_AUTH {
            let password = self.password.as_deref().ok_or(VncError::PasswordRequired)?;
            let challenge: [u8; 16] = read_array(r)?;
            self.write(&des::vnc_auth_response(password, &challenge))?;
        }
        // Before 3.8 there is no SecurityResult for None.
        if (chosen == SECURITY_VNC_AUTH || minor >= 8) && read_u32(r)? != 0 {
            // Only 3.8 explains why.
            let reason = if minor >= 8 {
                read_reason(r)?
            } else {
                String::new()
            };
            return Err(VncError::AuthenticationFailed(reason));
        }
        // ClientInit: shared, so other viewers stay connected.
        self.write(&[1])?;
        let width = wire::read_u16(r)?;
        let height = wire::read_u16(r)?;
        let limit = u64::from(MAX_DIMENSION);
        check_limit("desktop width", u64::from(width), limit)?;
        check_limit("desktop height", u64::from(height), limit)?;
        let pixel_format = PixelFormat::from_bytes(&read_array(r)?);
        let name_len = read_u32(r)?;
        check_limit(
            "desktop name length",
            u64::from(name_len),
            u64::from(MAX_NAME_LEN),
        )?;
        // The desktop name is the server's: shown escaped and capped wherever it goes.
        let name = vireo_text::shown(&String::from_utf8_lossy(&wire::read_vec(
            r,
            name_len as usize,
        )?));

        self.write(&wire::set_pixel_format(PixelFormat::BGRX))?;
        self.write(&wire::set_encodings(&self.encodings))?;
        self.write(&wire::update_request(false, width, height))?;
        Ok(ServerInfo {
            width,
            height,
            pixel_format,
            name,
        })
    }

    fn spawn_reader(&mut self, reader: Box<dyn Read + Send>) {
        let mut reader_loop = ReaderLoop {
            decoder: Decoder::new(
                Arc::clone(&self.framebuffer),
                Arc::clone(&self.extended_keys),
                Arc::clone(&self.led_state),
                MAX_DIMENSION,
            ),
            framebuffer: Arc::clone(&self.framebuffer),
            writer: Arc::clone(&self.writer),
            flow: Arc::clone(&self.flow),
            events: self.events.clone(),
        };
        self.counts = reader_loop.decoder.counts();
        let state = Arc::clone(&self.state);
        let events = self.events.clone();
        let stall = self
            .set_timeout
            .clone()
            .map(|set| (set, self.stall_timeout, self.message_timeout));
        let handle = thread::Builder::new()
            .name("vireo-vnc-reader".into())
            .spawn(move || {
                // Rect headers are small; buffering saves a syscall per field.
                let mut reader = BufReader::with_capacity(1 << 16, reader);
                let reason = match reader_loop.run(&mut reader, stall, &state) {
                    Err(err) => describe(&err),
                    Ok(never) => match never {},
                };
                let was = state.swap(SessionState::Closed as u8, Ordering::AcqRel);
                let reason = if SessionState::from_u8(was) == SessionState::Closed {
                    "closed by client".to_owned()
                } else {
                    reason
                };
                let _ = events.send(ConsoleEvent::Closed { reason });
            });
        match handle {
            Ok(h) => self.reader_thread = Some(h),
            Err(err) => {
                self.close();
                let _ = self.events.send(ConsoleEvent::Closed {
                    reason: describe(&VncError::Io(err)),
                });
            }
        }
    }

    /// The current state.
    pub fn state(&self) -> SessionState {
        SessionState::from_u8(self.state.load(Ordering::Acquire))
    }

    /// ServerInit data, once the handshake has completed.
    pub fn server_info(&self) -> Option<&ServerInfo> {
        self.server.as_ref()
    }

    /// True once the server announced QEMU Extended Key Events, after which
    /// keys are sent as scancodes.
    pub fn supports_extended_keys(&self) -> bool {
        self.extended_keys.load(Ordering::Acquire)
    }

    /// True while the server sends continuous updates (it announced them with
    /// EndOfContinuousUpdates and we enabled them), so no update requests are sent.
    pub fn continuous_updates_active(&self) -> bool {
        self.flow.continuous.load(Ordering::Acquire)
    }

    /// True once the server sent a Fence request (and we answered it).
    pub fn supports_fence(&self) -> bool {
        self.flow.fence.load(Ordering::Acquire)
    }

    /// How many rectangles of each encoding the server has sent so far.
    pub fn rect_counts(&self) -> RectCounts {
        *self.counts.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The last QEMU LED state (bit 0 Scroll Lock, 1 Num Lock, 2 Caps Lock).
    pub fn led_state(&self) -> u8 {
        self.led_state.load(Ordering::Acquire)
    }

    /// Runs `f` with the framebuffer locked. Keep `f` short: the reader
    /// thread waits for the lock to paint.
    pub fn with_framebuffer<R>(&self, f: impl FnOnce(&Framebuffer) -> R) -> R {
        f(&decode::lock(&self.framebuffer))
    }

    /// Presses or releases a key. `keysym` is the X11 keysym; `scancode` is
    /// the XT scancode in QEMU numbering (0xE0-prefixed keys as `0x80 | code`)
    /// and is used when the server supports QEMU Extended Key Events, so the
    /// guest's own keyboard layout applies.
    pub fn send_key(&self, keysym: u32, scancode: u32, down: bool) -> Result<(), VncError> {
        self.ensure_running()?;
        if self.supports_extended_keys() {
            self.write(&wire::qemu_key_event(keysym, scancode, down))
        } else {
            self.write(&wire::key_event(keysym, down))
        }
    }

    /// Moves the pointer; `buttons` is the RFB mask (bit 0 left, 1 middle,
    /// 2 right, 3/4 wheel up/down).
    pub fn send_pointer(&self, x: u16, y: u16, buttons: u8) -> Result<(), VncError> {
        self.ensure_running()?;
        self.write(&wire::pointer_event(x, y, buttons))
    }

    /// Asks for a complete, non-incremental update of the whole screen.
    pub fn request_full_update(&self) -> Result<(), VncError> {
        self.ensure_running()?;
        let (w, h) = self.with_framebuffer(|fb| (fb.width(), fb.height()));
        self.write(&wire::update_request(false, w, h))
    }

    /// Closes the session. With a socket from `connect_unix`/`connect_tcp`
    /// this also shuts the socket down so the reader thread ends.
    pub fn close(&mut self) {
        self.state
            .store(SessionState::Closed as u8, Ordering::Release);
        if let Some(shutdown) = &self.shutdown {
            shutdown();
        }
    }

    fn ensure_running(&self) -> Result<(), VncError> {
        match self.state() {
            SessionState::Running => Ok(()),
            other => Err(VncError::NotRunning(other)),
        }
    }

    fn write(&self, bytes: &[u8]) -> Result<(), VncError> {
        write_all(&self.writer, bytes).inspect_err(|_| {
            self.state
                .store(SessionState::Closed as u8, Ordering::Release);
        })
    }
}

impl Drop for ConsoleSession {
    fn drop(&mut self) {
        self.close();
        // Only join when the shutdown hook guarantees the blocked read ends.
        if self.shutdown.is_some() {
            if let Some(handle) = self.reader_thread.take() {
                let _ = handle.join();
            }
        }
    }
}

/// Which flow-control extensions the server has shown it supports.
#[derive(Debug, Default)]
struct FlowState {
    /// Continuous updates are enabled: updates arrive without requests.
    continuous: AtomicBool,
    /// The server sent a Fence request.
    fence: AtomicBool,
}

/// The reader thread: decodes messages, reports events, and writes what the
/// protocol makes us answer (update requests, fence replies, enabling
/// continuous updates).
struct ReaderLoop {
    decoder: Decoder,
    framebuffer: Arc<Mutex<Framebuffer>>,
    writer: Writer,
    flow: Arc<FlowState>,
    events: Sender<ConsoleEvent>,
}

/// Uninhabited: the reader loop only ever ends with an error.
enum Never {}

impl ReaderLoop {
    /// With `stall` (a socket whose reads time out after it), silence between messages is
    /// waited out and silence inside one ends the session.
    fn run(
        &mut self,
        reader: &mut BufReader<Box<dyn Read + Send>>,
        timed: Option<(SetTimeout, Duration, Duration)>,
        state: &AtomicU8,
    ) -> Result<Never, VncError> {
        loop {
            let message = match &timed {
                None => self.decoder.read_message(reader)?,
                Some((set, stall, whole)) => {
                    wait_for_message(reader, state)?;
                    let until = Instant::now() + *whole;
                    let mut r = Deadline {
                        inner: &mut *reader,
                        set: set.clone(),
                        until,
                        cap: *stall,
                        lowered: false,
                    };
                    let read = self.decoder.read_message(&mut r);
                    if r.lowered {
                        set(Some(*stall))?;
                    }
                    read.map_err(|e| match e {
                        VncError::Io(io) if is_timeout(&io) && Instant::now() >= until => {
                            VncError::UpdateTooSlow {
                                seconds: whole.as_secs_f64(),
                            }
                        }
                        VncError::Io(io) if is_timeout(&io) => VncError::Stalled {
                            seconds: stall.as_secs_f64(),
                        },
                        other => other,
                    })?
                }
            };
            match message {
                ServerMessage::Update(outcome) => {
                    if let Some((width, height)) = outcome.resized {
                        let _ = self.events.send(ConsoleEvent::Resized { width, height });
                    }
                    if let Some(cursor) = outcome.cursor {
                        let _ = self.events.send(ConsoleEvent::Cursor(cursor));
                    }
                    if !outcome.dirty.is_empty() {
                        let _ = self.events.send(ConsoleEvent::Updated {
                            rects: outcome.dirty,
                        });
                    }
                    let (w, h) = self.screen_size();
                    if self.flow.continuous.load(Ordering::Acquire) {
                        // Updates keep coming; only a new size needs a new area, and the
                        // full request makes sure the whole new screen arrives.
                        if outcome.resized.is_some() {
                            write_all(&self.writer, &wire::enable_continuous_updates(true, w, h))?;
                            write_all(&self.writer, &wire::update_request(false, w, h))?;
                        }
                    } else {
                        // After a resize ask for everything again.
                        let request = wire::update_request(outcome.resized.is_none(), w, h);
                        write_all(&self.writer, &request)?;
                    }
                }
                ServerMessage::Bell => {
                    let _ = self.events.send(ConsoleEvent::Bell);
                }
                ServerMessage::Fence { flags, payload } => {
                    if flags & fence::REQUEST != 0 {
                        self.flow.fence.store(true, Ordering::Release);
                        // Messages are handled strictly in order on this thread, so
                        // BlockBefore (all earlier messages are done) and BlockAfter/SyncNext
                        // (nothing later is read before the reply is written) already hold;
                        // the reply echoes them with Request and unknown flags cleared.
                        let reply = wire::fence_message(flags & fence::SUPPORTED, &payload);
                        write_all(&self.writer, &reply)?;
                    }
                }
                ServerMessage::EndOfContinuousUpdates => {
                    let (w, h) = self.screen_size();
                    if self.flow.continuous.swap(false, Ordering::AcqRel) {
                        // The server stopped them: back to requesting updates.
                        write_all(&self.writer, &wire::update_request(true, w, h))?;
                    } else {
                        // First sight: the server supports them.
                        self.flow.continuous.store(true, Ordering::Release);
                        write_all(&self.writer, &wire::enable_continuous_updates(true, w, h))?;
                    }
                }
                ServerMessage::Ignored => {}
            }
        }
    }

    fn screen_size(&self) -> (u16, u16) {
        let fb = decode::lock(&self.framebuffer);
        (fb.width(), fb.height())
    }
}

/// Waits until the next message's first byte is buffered; read timeouts here are the idle
/// screen, not an error, unless the session was closed meanwhile.
fn wait_for_message(reader: &mut impl BufRead, state: &AtomicU8) -> Result<(), VncError> {
    loop {
        match reader.fill_buf() {
            Ok([]) => return Err(VncError::Io(io::ErrorKind::UnexpectedEof.into())),
            Ok(_) => return Ok(()),
            Err(e) if is_timeout(&e) || e.kind() == io::ErrorKind::Interrupted => {
                if SessionState::from_u8(state.load(Ordering::Acquire)) == SessionState::Closed {
                    return Err(VncError::Io(e));
                }
            }
            Err(e) => return Err(VncError::Io(e)),
        }
    }
}

/// A socket read timeout (`SO_RCVTIMEO` gives EAGAIN on Unix, a time-out elsewhere).
fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// Reads with an overall deadline: each read waits at most until `until`. The socket's
/// timeout is left at `cap` (what it already is) and lowered only once the deadline is
/// nearer than that; `lowered` says so, for the caller to restore it.
struct Deadline<'a, R: ?Sized> {
    inner: &'a mut R,
    set: SetTimeout,
    until: Instant,
    cap: Duration,
    lowered: bool,
}

impl<R: Read + ?Sized> Read for Deadline<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        if left <= self.cap {
            (self.set)(Some(left.max(Duration::from_millis(1))))?;
            self.lowered = true;
        }
        self.inner.read(buf)
    }
}

fn write_all(writer: &Writer, bytes: &[u8]) -> Result<(), VncError> {
    let mut w = writer.lock().unwrap_or_else(PoisonError::into_inner);
    w.write_all(bytes)?;
    w.flush()?;
    Ok(())
}

/// The error and its sources on one line, for `Closed { reason }`.
fn describe(err: &VncError) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// Returns the minor version from "RFB 003.00x\n".
fn parse_version(v: &[u8; 12]) -> Result<u8, VncError> {
    let text = String::from_utf8_lossy(v).into_owned();
    let unsupported = || VncError::UnsupportedVersion(text.trim_end().to_owned());
    if &v[..4] != b"RFB " || v[7] != b'.' || v[11] != b'\n' {
        return Err(unsupported());
    }
    let major: u32 = std::str::from_utf8(&v[4..7])
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(unsupported)?;
    let minor: u32 = std::str::from_utf8(&v[8..11])
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(unsupported)?;
    match (major, minor) {
        (3, 3) => Ok(3),
        (3, 7) => Ok(7),
        // 3.8 and later 3.x (e.g. Apple's 3.889) speak at least 3.8.
        (3, m) if m >= 8 => Ok(8),
        _ => Err(unsupported()),
    }
}

/// The server's reason, shown escaped and capped: it is the server's text.
fn read_reason(r: &mut dyn Read) -> Result<String, VncError> {
    let len = read_u32(r)?;
    check_limit("reason length", u64::from(len), u64::from(MAX_NAME_LEN))?;
    Ok(vireo_text::shown(&String::from_utf8_lossy(
        &wire::read_vec(r, len as usize)?,
    )))
}
