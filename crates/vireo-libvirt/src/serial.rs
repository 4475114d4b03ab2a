//! A VM's serial console (`virDomainOpenConsole`): the guest's first serial port or console
//! as a byte stream both ways, as `virsh console` and virt-manager's text console use it.
//! Output arrives on libvirt's event thread; [`SerialConsole::send`] types into the guest.
//! The stream lives as long as QEMU does: a guest reboot keeps it, a shutdown ends it.

use crate::error::BackendError;
use crate::ffi::{self, ConsoleStream};
use crate::state::VmState;
use crate::vm;
use virt::connect::Connect;

pub use ffi::StreamOutput as SerialOutput;

pub struct SerialConsole {
    stream: ConsoleStream,
}

/// What a serial console open is refused for, in the user's words.
fn refusal(name: &str, e: &virt::error::Error) -> Option<String> {
    let m = e.message();
    if m.contains("not using a PTY") || m.contains("cannot find character device") {
        Some(format!(
            "{name} has no serial port a console can attach to (it needs a <serial type='pty'>)"
        ))
    } else if m.contains("Active console session exists") {
        Some(format!(
            "another program (virsh console, virt-manager) has {name}'s serial console open: \
             close it there, or take the console over"
        ))
    } else {
        None
    }
}

impl SerialConsole {
    /// Opens the running VM's serial console. `take_over` ends another client's session
    /// (virsh console's `--force`) instead of refusing.
    pub fn open(
        conn: &Connect,
        uuid: &str,
        take_over: bool,
        on_output: impl FnMut(SerialOutput) + Send + 'static,
    ) -> Result<SerialConsole, BackendError> {
        let summary = vm::refresh(conn, uuid, &mut vm::DetailsCache::new(), false)?
            .ok_or_else(|| BackendError::NoSuchVm(uuid.to_string()))?;
        if !matches!(
            summary.state,
            VmState::Running | VmState::Blocked | VmState::Paused
        ) {
            return Err(BackendError::NotRunning(summary.name));
        }
        let dom = vm::lookup(conn, uuid)?;
        ffi::open_console(conn, &dom, take_over, Box::new(on_output))
            .map(|stream| SerialConsole { stream })
            .map_err(|e| match refusal(&summary.name, &e) {
                Some(m) => BackendError::Refused(m),
                None => {
                    BackendError::libvirt(format!("open the serial console of {}", summary.name), e)
                }
            })
    }

    /// Sends `data` to the guest as typed on its serial port.
    pub fn send(&self, data: &[u8]) -> Result<(), BackendError> {
        self.stream
            .send(data)
            .map_err(|e| BackendError::libvirt("type on the serial console", e))
    }
}
