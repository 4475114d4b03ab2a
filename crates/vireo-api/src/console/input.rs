//! Keyboard and pointer input from the page, and the page's other messages on the console
//! socket (credits, the surface's placement), handed to the session or the pump.

use super::messages::{ConsoleInput, ConsoleKeyRequest, ConsolePointerRequest};
use super::pump::PumpInput;
use super::{lock, vnc_error, Console, Consoles};
use crate::{ApiError, Code};
use vireo_vnc::keymap;

/// Applies one input message from the page.
pub(crate) fn apply_input(console: &Console, input: ConsoleInput) -> Result<(), ApiError> {
    match input {
        ConsoleInput::Credit { frames } => {
            let _ = console.pump.send(PumpInput::Credit(frames));
            Ok(())
        }
        ConsoleInput::Key { code, key, down } => send_key(console, &code, &key, down),
        ConsoleInput::Pointer { x, y, buttons } => lock(&console.session)
            .send_pointer(x, y, buttons)
            .map_err(vnc_error),
        ConsoleInput::Surface { place } => {
            let _ = console.pump.send(PumpInput::Surface(place));
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
