//! Consoles: a VM's screen streamed to the page, and keyboard and pointer input back.
//!
//! Each open console has a pump thread that turns the engine's events into FRAME messages
//! (`vireo_vnc::stream`). It sends one frame, then waits for the page's ack, coalescing every
//! change meanwhile into the next frame: memory stays bounded however slow the page is.

use crate::{ApiError, Code, VmRef};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Mutex};
use ts_rs::TS;
use vireo_libvirt::Inventory;
use vireo_vnc::{keymap, stream, ConsoleEvent, ConsoleSession, DirtyRegion};

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

enum Pump {
    Event(ConsoleEvent),
    Ack,
    Stop,
}

struct Console {
    session: Mutex<ConsoleSession>,
    pump: Sender<Pump>,
}

/// The open consoles (Tauri state).
#[derive(Default)]
pub struct Consoles {
    next: AtomicU32,
    open: Mutex<HashMap<u32, Arc<Console>>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Consoles {
    fn get(&self, id: u32) -> Result<Arc<Console>, ApiError> {
        lock(&self.open)
            .get(&id)
            .cloned()
            .ok_or_else(|| ApiError::new(Code::NotFound, format!("console {id} is not open")))
    }
}

fn vnc_error(e: vireo_vnc::VncError) -> ApiError {
    ApiError::from_chain(Code::Unavailable, &e)
}

/// Connects to the VM's screen through libvirt (no TCP, no password) and starts streaming
/// FRAME messages to `sink`.
pub fn console_open(
    inv: &Inventory,
    consoles: &Consoles,
    req: ConsoleOpenRequest,
    sink: Box<dyn Fn(Vec<u8>) + Send + Sync>,
) -> Result<ConsoleOpened, ApiError> {
    let conn = inv.open_connection(&req.vm.connection)?;
    let dom = conn
        .lookup_domain_by_uuid_string(&req.vm.uuid)
        .map_err(|e| ApiError::from_chain(Code::NotFound, &e))?;
    if !dom.is_active().unwrap_or(false) {
        return Err(ApiError::new(
            Code::InvalidState,
            "the VM is not running: start it to see its screen",
        ));
    }
    let socket = vireo_libvirt::ffi::open_graphics(&dom)
        .map_err(|e| ApiError::from_chain(Code::Unavailable, &e))?;
    let (session, events) = ConsoleSession::connect_unix(socket).map_err(vnc_error)?;
    let (width, height) = session.with_framebuffer(|fb| (fb.width(), fb.height()));
    let (tx, rx) = channel();
    let console = Arc::new(Console {
        session: Mutex::new(session),
        pump: tx.clone(),
    });
    let id = consoles.next.fetch_add(1, Ordering::Relaxed) + 1;
    lock(&consoles.open).insert(id, console.clone());

    std::thread::Builder::new()
        .name(format!("vireo-console-{id}-events"))
        .spawn(move || {
            for ev in events {
                if tx.send(Pump::Event(ev)).is_err() {
                    return;
                }
            }
            let _ = tx.send(Pump::Stop);
        })
        .map_err(|e| ApiError::from_chain(Code::Internal, &e))?;
    std::thread::Builder::new()
        .name(format!("vireo-console-{id}-pump"))
        .spawn(move || {
            let screen = |c: &Console| lock(&c.session).with_framebuffer(|fb| fb.bounds());
            let mut dirty = DirtyRegion::new();
            dirty.add(screen(&console), screen(&console));
            let mut acked = true;
            while let Ok(msg) = rx.recv() {
                match msg {
                    Pump::Event(ConsoleEvent::Updated { rects }) => {
                        let s = screen(&console);
                        for r in rects {
                            dirty.add(r, s);
                        }
                    }
                    Pump::Event(ConsoleEvent::Resized { .. }) => {
                        let s = screen(&console);
                        dirty.add(s, s);
                    }
                    Pump::Event(ConsoleEvent::Closed { reason }) => {
                        sink(stream::closed_message(&reason));
                        return;
                    }
                    Pump::Event(_) => {}
                    Pump::Ack => acked = true,
                    Pump::Stop => return,
                }
                if acked && !dirty.is_empty() {
                    let rects = dirty.take();
                    let frame = lock(&console.session)
                        .with_framebuffer(|fb| stream::frame_message(fb, &rects));
                    acked = false;
                    sink(frame);
                }
            }
        })
        .map_err(|e| ApiError::from_chain(Code::Internal, &e))?;
    Ok(ConsoleOpened { id, width, height })
}

/// The page painted the last frame: the next one may go.
pub fn console_ack(consoles: &Consoles, id: u32) -> Result<(), ApiError> {
    let _ = consoles.get(id)?.pump.send(Pump::Ack);
    Ok(())
}

/// A key press or release. The scancode (from the physical key) is what QEMU uses, so the
/// guest's layout decides the character; the keysym is for servers without that extension.
pub fn console_key(consoles: &Consoles, req: ConsoleKeyRequest) -> Result<(), ApiError> {
    let console = consoles.get(req.id)?;
    let scancode = keymap::scancode(&req.code).unwrap_or(0);
    let keysym = keymap::keysym(&req.key).unwrap_or(0);
    if scancode == 0 && keysym == 0 {
        return Err(ApiError::new(
            Code::InvalidInput,
            format!("unknown key {} ({})", req.key, req.code),
        ));
    }
    let session = lock(&console.session);
    session
        .send_key(keysym, scancode, req.down)
        .map_err(vnc_error)
}

pub fn console_pointer(consoles: &Consoles, req: ConsolePointerRequest) -> Result<(), ApiError> {
    let console = consoles.get(req.id)?;
    let session = lock(&console.session);
    session
        .send_pointer(req.x, req.y, req.buttons)
        .map_err(vnc_error)
}

/// Closes a console. Closing one that is already closed is fine: the page closes on every
/// way out (the Close button, a CLOSED message, an error).
pub fn console_close(consoles: &Consoles, id: u32) -> Result<(), ApiError> {
    if let Some(console) = lock(&consoles.open).remove(&id) {
        let _ = console.pump.send(Pump::Stop);
        lock(&console.session).close();
    }
    Ok(())
}
