//! Serial consoles: a running VM's serial port as a terminal on its page.
//!
//! [`serial_open`] attaches to the port through libvirt and returns the session's id; the
//! guest's output goes to the page as `serial` events ([`SerialEvent`]), typed input comes
//! back through [`serial_send`]. Traffic is a serial port's (115 200 baud at most), so events
//! carry it without a socket of their own. A session ends with [`serial_close`], or when the
//! VM stops (a `closed` event; the page closes it then). [`SerialConsoles`] owns the open
//! sessions.

use crate::{ApiError, Code, VmRef};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use ts_rs::TS;
pub use vireo_libvirt::serial::{SerialConsole, SerialOutput};
use vireo_libvirt::Inventory;

/// The most a single send (a paste) may carry.
pub const MAX_SEND: usize = 64 * 1024;

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SerialOpenRequest {
    pub vm: VmRef,
    /// End another client's session (virsh console) instead of being refused.
    pub take_over: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SerialOpened {
    pub id: u32,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SerialSendRequest {
    pub id: u32,
    /// What the user typed or pasted, as the terminal encodes it.
    pub data: String,
}

/// What the page hears about an open serial console.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum SerialEvent {
    /// Bytes from the guest, as they came (a UTF-8 sequence may span two events).
    Output { id: u32, data: Vec<u8> },
    /// The session ended: the VM stopped, or another client took the console over.
    Closed { id: u32, reason: Option<String> },
}

type Emit = Arc<dyn Fn(SerialEvent) + Send + Sync>;

/// The open serial consoles, and where their events go.
pub struct SerialConsoles {
    sessions: Mutex<HashMap<u32, Arc<SerialConsole>>>,
    next: AtomicU32,
    emit: Emit,
}

impl SerialConsoles {
    pub fn new(emit: impl Fn(SerialEvent) + Send + Sync + 'static) -> SerialConsoles {
        SerialConsoles {
            sessions: Mutex::new(HashMap::new()),
            next: AtomicU32::new(1),
            emit: Arc::new(emit),
        }
    }

    fn get(&self, id: u32) -> Result<Arc<SerialConsole>, ApiError> {
        self.sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&id)
            .cloned()
            .ok_or_else(|| ApiError::new(Code::NotFound, format!("no serial console {id} is open")))
    }
}

/// Attaches to the running VM's serial port; its output follows as `serial` events.
pub fn serial_open(
    inv: &Inventory,
    serials: &SerialConsoles,
    req: SerialOpenRequest,
) -> Result<SerialOpened, ApiError> {
    let conn = inv.open_connection(&req.vm.connection)?;
    let id = serials.next.fetch_add(1, Ordering::Relaxed);
    let emit = serials.emit.clone();
    let console = SerialConsole::open(&conn, &req.vm.uuid, req.take_over, move |out| {
        emit(match out {
            SerialOutput::Data(data) => SerialEvent::Output { id, data },
            SerialOutput::Closed(reason) => SerialEvent::Closed {
                id,
                reason: reason.map(|r| vireo_text::shown(&r)),
            },
        })
    })?;
    serials
        .sessions
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(id, Arc::new(console));
    Ok(SerialOpened { id })
}

/// Types `data` into the guest's serial port.
pub fn serial_send(serials: &SerialConsoles, req: SerialSendRequest) -> Result<(), ApiError> {
    if req.data.len() > MAX_SEND {
        return Err(ApiError::new(
            Code::InvalidInput,
            format!(
                "{} KiB is too much to type at once: paste at most {} KiB",
                req.data.len() >> 10,
                MAX_SEND >> 10
            ),
        ));
    }
    Ok(serials.get(req.id)?.send(req.data.as_bytes())?)
}

/// Closes a serial console (after its `closed` event too: that frees it).
pub fn serial_close(serials: &SerialConsoles, id: u32) -> Result<(), ApiError> {
    serials
        .sessions
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(&id)
        .map(drop)
        .ok_or_else(|| ApiError::new(Code::NotFound, format!("no serial console {id} is open")))
}

/// The serial console for the CLI, by URI and VM name.
pub fn serial_open_by_name(
    uri: &str,
    name: &str,
    take_over: bool,
    on_output: impl FnMut(SerialOutput) + Send + 'static,
) -> Result<SerialConsole, ApiError> {
    let conn = vireo_libvirt::open(uri)?;
    let uuid = vireo_libvirt::vm::uuid_by_name(&conn, name)?;
    Ok(SerialConsole::open(&conn, &uuid, take_over, on_output)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paste_too_large_is_refused_before_anything_is_sent() {
        let serials = SerialConsoles::new(|_| {});
        let e = serial_send(
            &serials,
            SerialSendRequest {
                id: 1,
                data: "x".repeat(MAX_SEND + 1),
            },
        )
        .unwrap_err();
        assert_eq!(e.code, Code::InvalidInput);
        assert!(e.message.contains("paste at most 64 KiB"), "{}", e.message);
    }

    #[test]
    fn unknown_sessions_are_not_found() {
        let serials = SerialConsoles::new(|_| {});
        let send = serial_send(
            &serials,
            SerialSendRequest {
                id: 7,
                data: "ls\n".into(),
            },
        );
        assert_eq!(send.unwrap_err().code, Code::NotFound);
        assert_eq!(serial_close(&serials, 7).unwrap_err().code, Code::NotFound);
    }

    #[test]
    fn events_are_tagged_for_the_page() {
        let e = SerialEvent::Output {
            id: 3,
            data: vec![104, 105],
        };
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"kind":"output","id":3,"data":[104,105]}"#
        );
    }
}
