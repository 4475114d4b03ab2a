//! Consoles: a VM's screen streamed to the page, and keyboard and pointer input back.
//!
//! [`console_open`] connects to the VM's screen through libvirt and returns the address of a
//! local WebSocket (see `console_socket`) that the page connects to once. Over it, the page
//! receives FRAME / CURSOR / CLOSED messages (`vireo_vnc::stream`) and sends [`ConsoleInput`]:
//! keys, pointer and *credits*. Each FRAME costs one credit; the page returns one per frame it
//! painted. With no credit left, changes are coalesced into the next frame, so memory stays
//! bounded however slow the page is and the page always gets the newest screen.
//!
//! Where the app gives its native window ([`Consoles::with_native_window`], X11), a console
//! also gets a native surface (`vireo_surface`): while the page reports its canvas unobscured
//! (`ConsoleInput::Surface`), frames are painted straight into a child window over the canvas
//! instead of going through the page, and the page gets only SURFACE counters. When the page
//! hides the surface (a menu or dialog over the screen), frames go to the page again, starting
//! with the whole screen.

use crate::console_socket::{self, SocketLink};
use crate::{ApiError, Code, VmRef};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::{channel, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use ts_rs::TS;
use vireo_libvirt::Inventory;
use vireo_vnc::{keymap, stream, ConsoleEvent, ConsoleSession, DirtyRegion};

/// The page origins allowed to connect to a console socket: the app's own (Linux/macOS use
/// the `tauri://` scheme, Windows `http://tauri.localhost`).
pub const APP_ORIGINS: [&str; 2] = ["tauri://localhost", "http://tauri.localhost"];

/// How long an opened console waits for its page to connect before it is closed.
const ATTACH_TIMEOUT: Duration = Duration::from_secs(15);
/// Credits beyond this are ignored: a page cannot make the backend queue frames.
const MAX_CREDITS: u32 = 8;
/// How often the page hears the native surface's frame count.
const SURFACE_STATS_EVERY: Duration = Duration::from_millis(100);

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConsoleOpenRequest {
    pub vm: VmRef,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConsoleOpened {
    pub id: u32,
    pub width: u16,
    pub height: u16,
    /// The console's WebSocket (`ws://127.0.0.1:PORT/console/ID?token=…`); it accepts one
    /// connection, from the app's origin.
    pub url: String,
    /// Whether a native surface can paint this console: the page then reports where its
    /// canvas is (`ConsoleInput::Surface`).
    pub surface: bool,
}

/// A rectangle in device pixels of the web view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SurfaceRect {
    pub x: i32,
    pub y: i32,
    pub width: u32,
    pub height: u32,
}

/// Where the page shows the console, in device pixels of the web view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SurfacePlace {
    /// The canvas's visible part (after scrolling and the window's edges).
    pub clip: SurfaceRect,
    /// The whole canvas: where the guest screen is drawn, at this size.
    pub image: SurfaceRect,
}

/// The app's native window, which console surfaces are children of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NativeWindow {
    /// An X11 window id, on `display` (`None`: `$DISPLAY`, as the app's).
    X11 {
        display: Option<String>,
        window: u32,
    },
}

/// A key as the page saw it: the physical key (`KeyboardEvent.code`) and its meaning
/// (`KeyboardEvent.key`).
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConsoleKeyRequest {
    pub id: u32,
    pub code: String,
    pub key: String,
    pub down: bool,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConsolePointerRequest {
    pub id: u32,
    pub x: u16,
    pub y: u16,
    /// RFB button mask: 1 left, 2 middle, 4 right, 8/16 wheel up/down.
    pub buttons: u8,
}

/// What the page sends on the console socket, one JSON text message each.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum ConsoleInput {
    /// The page painted `frames` frames (or, at first, can take that many).
    Credit {
        frames: u32,
    },
    Key {
        code: String,
        key: String,
        down: bool,
    },
    Pointer {
        x: u16,
        y: u16,
        buttons: u8,
    },
    /// Where the canvas is and that nothing of the page covers it; `null` when something
    /// does (or the console is not shown): the page paints again.
    Surface {
        place: Option<SurfacePlace>,
    },
}

pub(crate) enum Pump {
    Event(ConsoleEvent),
    Attach(Box<SocketLink>),
    Credit(u32),
    Surface(Option<SurfacePlace>),
    /// The X server lost some of the surface's pixels.
    Exposed,
    Stop,
}

pub(crate) struct Console {
    session: Mutex<ConsoleSession>,
    pub(crate) pump: Sender<Pump>,
    /// The socket's one-time token; taken by the first connection that presents it.
    pub(crate) token: Mutex<Option<String>>,
}

pub(crate) type Registry = Arc<Mutex<HashMap<u32, Arc<Console>>>>;

/// A console being opened, registered before its first step so no cancel is lost: its
/// socket once there is one, so a cancel can shut it under the handshake.
struct Opening {
    vm: VmRef,
    socket: Mutex<Option<std::os::unix::net::UnixStream>>,
    cancelled: std::sync::atomic::AtomicBool,
}

impl Opening {
    fn cancelled(&self) -> Result<(), ApiError> {
        if self.cancelled.load(Ordering::SeqCst) {
            Err(ApiError::new(
                Code::InvalidState,
                "opening the console was cancelled",
            ))
        } else {
            Ok(())
        }
    }
}

/// Takes an opening out of the list however `console_open` ends.
struct OpeningGuard<'a> {
    list: &'a Mutex<Vec<Arc<Opening>>>,
    opening: Arc<Opening>,
}

impl Drop for OpeningGuard<'_> {
    fn drop(&mut self) {
        lock(self.list).retain(|o| !Arc::ptr_eq(o, &self.opening));
    }
}

/// The open consoles (Tauri state).
pub struct Consoles {
    next: AtomicU32,
    open: Registry,
    opening: Mutex<Vec<Arc<Opening>>>,
    origins: Arc<[String]>,
    /// The console socket's address, bound on first use.
    socket: OnceLock<Result<SocketAddr, String>>,
    native: Option<NativeWindow>,
}

impl Default for Consoles {
    fn default() -> Self {
        Consoles::new(APP_ORIGINS)
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Consoles {
    /// Consoles whose sockets accept pages from `origins` only.
    pub fn new<S: Into<String>>(origins: impl IntoIterator<Item = S>) -> Self {
        Consoles {
            next: AtomicU32::new(0),
            open: Arc::default(),
            opening: Mutex::new(Vec::new()),
            origins: origins.into_iter().map(Into::into).collect(),
            socket: OnceLock::new(),
            native: None,
        }
    }

    /// Consoles that paint into children of `window` where they can (see the module docs).
    pub fn with_native_window(mut self, window: Option<NativeWindow>) -> Self {
        self.native = window;
        self
    }

    fn get(&self, id: u32) -> Result<Arc<Console>, ApiError> {
        lock(&self.open)
            .get(&id)
            .cloned()
            .ok_or_else(|| ApiError::new(Code::NotFound, format!("console {id} is not open")))
    }

    fn socket_addr(&self) -> Result<SocketAddr, ApiError> {
        self.socket
            .get_or_init(|| {
                console_socket::listen(self.open.clone(), self.origins.clone())
                    .map_err(|e| format!("cannot open the console socket: {e}"))
            })
            .clone()
            .map_err(|m| ApiError::new(Code::Unavailable, m))
    }
}

/// Runs `f` with the open console's session (for operations beside the stream: typing text,
/// screenshots).
pub(crate) fn with_session<R>(
    consoles: &Consoles,
    id: u32,
    f: impl FnOnce(&ConsoleSession) -> R,
) -> Result<R, ApiError> {
    let console = consoles.get(id)?;
    let session = lock(&console.session);
    Ok(f(&session))
}

pub(crate) fn vnc_error(e: vireo_vnc::VncError) -> ApiError {
    ApiError::from_chain(Code::Unavailable, &e)
}

/// Connects to the VM's screen through libvirt (no TCP, no password) and returns the socket
/// the page streams it from.
pub fn console_open(
    inv: &Inventory,
    consoles: &Consoles,
    req: ConsoleOpenRequest,
) -> Result<ConsoleOpened, ApiError> {
    let opening = Arc::new(Opening {
        vm: req.vm.clone(),
        socket: Mutex::new(None),
        cancelled: std::sync::atomic::AtomicBool::new(false),
    });
    lock(&consoles.opening).push(opening.clone());
    let guard = OpeningGuard {
        list: &consoles.opening,
        opening: opening.clone(),
    };
    let addr = consoles.socket_addr()?;
    let conn = inv.open_connection(&req.vm.connection)?;
    opening.cancelled()?;
    let dom = conn
        .lookup_domain_by_uuid_string(&req.vm.uuid)
        .map_err(|e| ApiError::from_chain(Code::NotFound, &e))?;
    if !dom.is_active().unwrap_or(false) {
        return Err(ApiError::new(
            Code::InvalidState,
            "the VM is not running: start it to see its screen",
        ));
    }
    let socket = vireo_libvirt::ffi::open_graphics(&dom).map_err(|e| {
        // A descriptor cannot cross an ssh link: say what is missing rather than libvirt's
        // message about descriptor passing.
        if conn.uri().is_ok_and(|uri| is_remote(&uri)) {
            ApiError::new(
                Code::Unavailable,
                "the console of a VM on another host is not supported yet \
                 (it needs an ssh tunnel to its VNC socket)",
            )
        } else {
            ApiError::from_chain(Code::Unavailable, &e)
        }
    })?;
    // Kept while the handshake runs, so console_cancel_open can end it at once.
    let handle = socket
        .try_clone()
        .map_err(|e| ApiError::from_chain(Code::Unavailable, &e))?;
    *lock(&opening.socket) = Some(handle);
    opening.cancelled()?;
    let connected = ConsoleSession::connect_unix(socket);
    drop(guard);
    opening.cancelled()?;
    let (session, events) = connected.map_err(vnc_error)?;
    let (width, height) = session.with_framebuffer(|fb| (fb.width(), fb.height()));
    let token = console_socket::new_token()?;
    let (tx, rx) = channel();
    let console = Arc::new(Console {
        session: Mutex::new(session),
        pump: tx.clone(),
        token: Mutex::new(Some(token.clone())),
    });
    let id = consoles.next.fetch_add(1, Ordering::Relaxed) + 1;
    let surface = consoles
        .native
        .as_ref()
        .and_then(|window| native_surface(window, id, tx.clone()));
    let has_surface = surface.is_some();
    lock(&consoles.open).insert(id, console.clone());

    let spawn = |name: String, f: Box<dyn FnOnce() + Send>| {
        std::thread::Builder::new()
            .name(name)
            .spawn(f)
            .map(drop)
            .map_err(|e| ApiError::from_chain(Code::Internal, &e))
    };
    spawn(
        format!("vireo-console-{id}-events"),
        Box::new(move || {
            // The session's last event is always Closed; the pump decides when to stop.
            for ev in events {
                if tx.send(Pump::Event(ev)).is_err() {
                    return;
                }
            }
        }),
    )?;
    let registry = consoles.open.clone();
    spawn(
        format!("vireo-console-{id}-pump"),
        Box::new(move || pump(id, &console, &registry, rx, surface)),
    )?;
    Ok(ConsoleOpened {
        id,
        width,
        height,
        url: format!("ws://{addr}/console/{id}?token={token}"),
        surface: has_surface,
    })
}

#[cfg(target_os = "linux")]
type Surface = vireo_surface::X11Surface;
#[cfg(not(target_os = "linux"))]
type Surface = NoSurface;

/// Where no native surface exists yet: never made, so the page always paints.
#[cfg(not(target_os = "linux"))]
pub(crate) enum NoSurface {}

#[cfg(not(target_os = "linux"))]
impl NoSurface {
    fn place(
        &mut self,
        _: Option<vireo_surface::Placement>,
    ) -> Result<(), vireo_surface::SurfaceError> {
        match *self {}
    }
    fn is_shown(&self) -> bool {
        match *self {}
    }
    fn repaint(&mut self) -> Result<(), vireo_surface::SurfaceError> {
        match *self {}
    }
    fn copy_in(
        &mut self,
        _: u16,
        _: u16,
        _: &[u32],
        _: &[(u16, u16, u16, u16)],
    ) -> Result<Vec<(u16, u16, u16, u16)>, vireo_surface::SurfaceError> {
        match *self {}
    }
    fn show(&mut self, _: &[(u16, u16, u16, u16)]) -> Result<(), vireo_surface::SurfaceError> {
        match *self {}
    }
}

/// A hidden surface in the app's window for console `id`, or None (the page paints) when
/// the window system cannot give one; why is logged.
fn native_surface(window: &NativeWindow, id: u32, pump: Sender<Pump>) -> Option<Surface> {
    match window {
        #[cfg(target_os = "linux")]
        NativeWindow::X11 { display, window } => {
            let on_expose = Box::new(move || {
                let _ = pump.send(Pump::Exposed);
            });
            vireo_surface::X11Surface::new(display.as_deref(), *window, on_expose)
                .map_err(|e| eprintln!("console {id}: the page paints: {}", chain(&e)))
                .ok()
        }
        #[cfg(not(target_os = "linux"))]
        NativeWindow::X11 { .. } => None,
    }
}

/// The error and its sources in one line (as the API's messages).
fn chain(e: &dyn std::error::Error) -> String {
    ApiError::from_chain(Code::Unavailable, e).message
}

fn placement(p: SurfacePlace) -> vireo_surface::Placement {
    let rect = |r: SurfaceRect| vireo_surface::Rect {
        x: r.x,
        y: r.y,
        width: r.width,
        height: r.height,
    };
    vireo_surface::Placement {
        clip: rect(p.clip),
        image: rect(p.image),
    }
}

/// A libvirt URI naming another host (`qemu+ssh://user@host/system`), not this one
/// (`qemu:///system`, `qemu+unix:///system`).
fn is_remote(uri: &str) -> bool {
    uri.split_once("://")
        .is_some_and(|(_, rest)| !rest.starts_with('/') && !rest.is_empty())
}

/// Turns the engine's events into messages for the page, as credits allow.
fn pump(
    id: u32,
    console: &Console,
    registry: &Registry,
    rx: std::sync::mpsc::Receiver<Pump>,
    mut surface: Option<Surface>,
) {
    let screen = || lock(&console.session).with_framebuffer(|fb| fb.bounds());
    // Empty at first: the session's first request is for the whole screen, and its answer
    // (not the black framebuffer before it) is the first thing shown.
    let mut dirty = DirtyRegion::new();
    let mut link: Option<SocketLink> = None;
    let mut credits = 0u32;
    // Server updates with changed content so far: the page compares it with what it painted.
    let mut updates = 0u32;
    let mut cursor: Option<Vec<u8>> = None;
    // Frames the native surface painted, and when the page last heard of them.
    let mut native_frames = 0u32;
    let mut told_at = Instant::now();
    let mut told_size = (0u16, 0u16);
    let mut painted_size = (0u16, 0u16);
    // Surface frames painted since the page last heard: told after a pause at the latest.
    let mut untold = false;
    // Why the session ended before the page attached: told to the page when it does, so it
    // never shows a blank screen without a reason.
    let mut ended: Option<String> = None;
    let attach_by = Instant::now() + ATTACH_TIMEOUT;
    loop {
        let mut msg = if link.is_none() {
            rx.recv_timeout(attach_by.saturating_duration_since(Instant::now()))
        } else if untold {
            rx.recv_timeout(SURFACE_STATS_EVERY)
        } else {
            rx.recv().map_err(|_| RecvTimeoutError::Disconnected)
        };
        // Everything already queued is handled before painting, so one paint covers it all and
        // a slow X server cannot make the queue grow.
        loop {
            match msg {
                Ok(Pump::Event(ConsoleEvent::Updated { rects })) => {
                    updates = updates.wrapping_add(1);
                    let s = screen();
                    for r in rects {
                        dirty.add(r, s);
                    }
                }
                Ok(Pump::Event(ConsoleEvent::Resized { .. })) => {
                    let s = screen();
                    dirty.add(s, s);
                }
                Ok(Pump::Event(ConsoleEvent::Cursor(image))) => {
                    cursor = Some(stream::cursor_message(&image));
                }
                Ok(Pump::Event(ConsoleEvent::Closed { reason })) => {
                    if let Some(mut link) = link {
                        link.send(stream::closed_message(&reason));
                        link.close();
                        return;
                    }
                    ended = Some(reason);
                }
                Ok(Pump::Event(ConsoleEvent::Bell)) => {}
                Ok(Pump::Attach(mut l)) => {
                    if let Some(reason) = ended.take() {
                        l.send(stream::closed_message(&reason));
                        l.close();
                        close(registry, id);
                        return;
                    }
                    link = Some(*l);
                }
                Ok(Pump::Credit(n)) => credits = credits.saturating_add(n).min(MAX_CREDITS),
                Ok(Pump::Surface(place)) => {
                    if let Some(s) = surface.as_mut() {
                        let was_shown = s.is_shown();
                        if let Err(e) = s.place(place.map(placement)) {
                            eprintln!("console {id}: the page paints: {}", chain(&e));
                            surface = None;
                        }
                        let shown = surface.as_ref().is_some_and(|s| s.is_shown());
                        if shown != was_shown {
                            // Whoever paints next starts from the whole screen.
                            let s = screen();
                            dirty.add(s, s);
                        }
                    }
                }
                Ok(Pump::Exposed) => {
                    if let Some(Err(e)) = surface.as_mut().map(|s| s.repaint()) {
                        eprintln!("console {id}: the page paints: {}", chain(&e));
                        surface = None;
                        let s = screen();
                        dirty.add(s, s);
                    }
                }
                Ok(Pump::Stop) | Err(RecvTimeoutError::Disconnected) => {
                    if let Some(mut link) = link {
                        link.close();
                    }
                    return;
                }
                Err(RecvTimeoutError::Timeout) if link.is_none() => {
                    // Nobody connected: the page went away before it could.
                    close(registry, id);
                    return;
                }
                // A pause after surface frames: the counters below go out now.
                Err(RecvTimeoutError::Timeout) => {}
            }
            match rx.try_recv() {
                Ok(next) => msg = Ok(next),
                Err(_) => break,
            }
        }
        let Some(l) = link.as_mut() else { continue };
        // The cursor is small and changes rarely: it goes out at once, without a credit.
        if let Some(message) = cursor.take() {
            if !l.send(message) {
                return;
            }
        }
        let shown = surface.as_ref().is_some_and(|s| s.is_shown());
        if let Some(s) = surface.as_mut().filter(|_| shown && !dirty.is_empty()) {
            let rects: Vec<_> = dirty
                .take()
                .iter()
                .map(|r| (r.x, r.y, r.width, r.height))
                .collect();
            // The copy under the framebuffer's lock, the X round trip after it: the engine's
            // reader never waits for the X server.
            let (size, copied) = lock(&console.session).with_framebuffer(|fb| {
                let size = (fb.width(), fb.height());
                (size, s.copy_in(size.0, size.1, fb.pixels(), &rects))
            });
            let painted = copied.and_then(|shown| s.show(&shown));
            match painted {
                Ok(()) => {
                    native_frames = native_frames.wrapping_add(1);
                    untold = true;
                }
                Err(e) => {
                    eprintln!("console {id}: the page paints: {}", chain(&e));
                    surface = None;
                    let s = screen();
                    dirty.add(s, s);
                }
            }
            painted_size = size;
        }
        // The page's canvas follows a new size at once; the counters (make bench) go a few
        // times a second rather than every frame.
        if untold && (painted_size != told_size || told_at.elapsed() >= SURFACE_STATS_EVERY) {
            told_at = Instant::now();
            told_size = painted_size;
            untold = false;
            let (w, h) = told_size;
            if !l.send(stream::surface_message(w, h, native_frames, updates)) {
                return;
            }
        }
        if surface.as_ref().is_some_and(|s| s.is_shown()) {
            continue;
        }
        if credits > 0 && !dirty.is_empty() {
            let rects = dirty.take();
            let messages = lock(&console.session).with_framebuffer(|fb| {
                stream::frame_messages(fb, &rects, updates, stream::PART_BYTES)
            });
            credits -= 1;
            for message in messages {
                if !l.send(message) {
                    return;
                }
            }
        }
    }
}

/// Applies one input message from the page.
pub(crate) fn apply_input(console: &Console, input: ConsoleInput) -> Result<(), ApiError> {
    match input {
        ConsoleInput::Credit { frames } => {
            let _ = console.pump.send(Pump::Credit(frames));
            Ok(())
        }
        ConsoleInput::Key { code, key, down } => send_key(console, &code, &key, down),
        ConsoleInput::Pointer { x, y, buttons } => lock(&console.session)
            .send_pointer(x, y, buttons)
            .map_err(vnc_error),
        ConsoleInput::Surface { place } => {
            let _ = console.pump.send(Pump::Surface(place));
            Ok(())
        }
    }
}

fn send_key(console: &Console, code: &str, key: &str, down: bool) -> Result<(), ApiError> {
    let scancode = keymap::scancode(code).unwrap_or(0);
    let keysym = keymap::keysym(key).unwrap_or(0);
    if scancode == 0 && keysym == 0 {
        return Err(ApiError::new(
            Code::InvalidInput,
            format!("unknown key {key} ({code})"),
        ));
    }
    lock(&console.session)
        .send_key(keysym, scancode, down)
        .map_err(vnc_error)
}

/// Cancels the opening of `vm`'s console, if one is under way: its socket is shut down, so
/// the handshake ends at once and `console_open` answers "cancelled". Nothing to cancel is
/// fine (it opened or failed meanwhile).
pub fn console_cancel_open(consoles: &Consoles, req: ConsoleOpenRequest) -> Result<(), ApiError> {
    for o in lock(&consoles.opening).iter().filter(|o| o.vm == req.vm) {
        o.cancelled.store(true, Ordering::SeqCst);
        if let Some(socket) = lock(&o.socket).as_ref() {
            let _ = socket.shutdown(std::net::Shutdown::Both);
        }
    }
    Ok(())
}

/// A key press or release. The scancode (from the physical key) is what QEMU uses, so the
/// guest's layout decides the character; the keysym is for servers without that extension.
pub fn console_key(consoles: &Consoles, req: ConsoleKeyRequest) -> Result<(), ApiError> {
    let console = consoles.get(req.id)?;
    send_key(&console, &req.code, &req.key, req.down)
}

pub fn console_pointer(consoles: &Consoles, req: ConsolePointerRequest) -> Result<(), ApiError> {
    let input = ConsoleInput::Pointer {
        x: req.x,
        y: req.y,
        buttons: req.buttons,
    };
    let console = consoles.get(req.id)?;
    apply_input(&console, input)
}

pub(crate) fn close(registry: &Registry, id: u32) {
    let console = lock(registry).remove(&id);
    if let Some(console) = console {
        let _ = console.pump.send(Pump::Stop);
        lock(&console.session).close();
    }
}

/// Closes a console. Closing one that is already closed is fine: the page closes on every
/// way out (the Close button, a CLOSED message, an error); so does its socket closing.
pub fn console_close(consoles: &Consoles, id: u32) -> Result<(), ApiError> {
    close(&consoles.open, id);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_uris_are_told_from_local_ones() {
        assert!(is_remote("qemu+ssh://root@host/system"));
        assert!(is_remote("qemu+tcp://10.0.0.2/system"));
        assert!(!is_remote("qemu:///system"));
        assert!(!is_remote("qemu+unix:///session"));
        assert!(!is_remote("test:///tmp/node.xml"));
    }

    #[test]
    fn input_messages_parse_and_unknown_fields_are_refused() {
        let parse = |s: &str| serde_json::from_str::<ConsoleInput>(s);
        assert_eq!(
            parse(r#"{"kind":"credit","frames":2}"#).unwrap(),
            ConsoleInput::Credit { frames: 2 }
        );
        assert_eq!(
            parse(r#"{"kind":"key","code":"KeyA","key":"a","down":true}"#).unwrap(),
            ConsoleInput::Key {
                code: "KeyA".into(),
                key: "a".into(),
                down: true
            }
        );
        assert_eq!(
            parse(r#"{"kind":"pointer","x":3,"y":4,"buttons":1}"#).unwrap(),
            ConsoleInput::Pointer {
                x: 3,
                y: 4,
                buttons: 1
            }
        );
        assert!(parse(r#"{"kind":"credit","frames":2,"more":1}"#).is_err());
        assert!(parse(r#"{"kind":"shell","cmd":"rm"}"#).is_err());
        assert!(parse(r#"{"kind":"pointer","x":70000,"y":4,"buttons":1}"#).is_err());
    }
}
