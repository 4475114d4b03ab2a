//! Consoles: a VM's screen streamed to the page, and keyboard and pointer input back.
//!
//! [`console_open`] connects to the VM's screen through libvirt and returns the address of a
//! local WebSocket (see `socket`) that the page connects to once. Over it, the page
//! receives FRAME / CURSOR / CLOSED messages ([`stream`]) and sends [`ConsoleInput`]:
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
//!
//! This module owns the open consoles (the registry, [`Consoles`]) and is the only way in to
//! them; its parts depend one way, on the registry and on `vireo_vnc` (the RFB engine):
//! `messages` (what the page and the operations exchange), `socket` (the page's WebSocket),
//! `pump` (what the page gets and when), `stream` (the binary messages), `surface` (native
//! painting), `input`, `capture` (screenshots) and `text` (typing text).

mod capture;
mod input;
mod messages;
mod pump;
mod socket;
pub mod stream;
mod surface;
mod text;

pub use capture::*;
pub use input::{console_key, console_pointer};
pub use messages::*;
pub use text::*;

use crate::{ApiError, Code, VmRef};
use pump::{Pump, PumpInput};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Mutex, OnceLock};
use vireo_libvirt::Inventory;
use vireo_vnc::ConsoleSession;

/// The page origins allowed to connect to a console socket: the app's own (Linux/macOS use
/// the `tauri://` scheme, Windows `http://tauri.localhost`).
pub const APP_ORIGINS: [&str; 2] = ["tauri://localhost", "http://tauri.localhost"];

pub(crate) struct Console {
    session: Mutex<ConsoleSession>,
    pub(crate) pump: Sender<PumpInput>,
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
                socket::listen(self.open.clone(), self.origins.clone())
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
    let socket = vireo_libvirt::open_graphics_socket(&dom).map_err(|e| {
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
    let token = socket::new_token()?;
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
        .and_then(|window| surface::native_surface(window, id, tx.clone()));
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
                if tx.send(PumpInput::Event(ev)).is_err() {
                    return;
                }
            }
        }),
    )?;
    let registry = consoles.open.clone();
    spawn(
        format!("vireo-console-{id}-pump"),
        Box::new(move || {
            let pump = Pump::new(id, surface);
            pump::run(pump, rx, &console.session, || close(&registry, id));
        }),
    )?;
    Ok(ConsoleOpened {
        id,
        width,
        height,
        url: format!("ws://{addr}/console/{id}?token={token}"),
        surface: has_surface,
    })
}

/// A libvirt URI naming another host (`qemu+ssh://user@host/system`), not this one
/// (`qemu:///system`, `qemu+unix:///system`).
fn is_remote(uri: &str) -> bool {
    uri.split_once("://")
        .is_some_and(|(_, rest)| !rest.starts_with('/') && !rest.is_empty())
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

pub(crate) fn close(registry: &Registry, id: u32) {
    let console = lock(registry).remove(&id);
    if let Some(console) = console {
        let _ = console.pump.send(PumpInput::Stop);
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
}
