//! "Type this text": a string typed into an open console as key presses of a US keyboard
//! (`vireo_vnc::keymap::text_keys`), paced so a slow guest keeps every key.

use crate::console::{vnc_error, with_session, Consoles};
use crate::{ApiError, Code};
use serde::Deserialize;
use std::time::Duration;
use ts_rs::TS;
use vireo_vnc::keymap;

/// The longest text typed in one go, in characters: at the pace below 4096 characters take one
/// to two minutes (two key events per plain character, four per shifted one).
pub const MAX_TYPED_CHARS: usize = 4096;

/// Pause after each key press or release. QEMU queues only a few PS/2 key events and drops the
/// rest while an emulated guest is slow to read them. Measured with the test guest under TCG
/// (690 events, a 228-character line): 5 ms and slower typed it exactly every time, 4 ms and
/// faster lost keys every time; 8 ms leaves room for a busier host.
pub const KEY_INTERVAL: Duration = Duration::from_millis(8);

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConsoleTypeTextRequest {
    pub id: u32,
    pub text: String,
}

/// Types `text` into the console's VM. Every character is checked before the first key goes
/// out, so a refused text types nothing. Blocks until the last key is sent.
pub fn console_type_text(consoles: &Consoles, req: ConsoleTypeTextRequest) -> Result<(), ApiError> {
    let count = req.text.chars().count();
    if count > MAX_TYPED_CHARS {
        return Err(ApiError::new(
            Code::InvalidInput,
            format!("the text is too long to type: {count} characters, at most {MAX_TYPED_CHARS}"),
        ));
    }
    let strokes = keymap::text_keys(&req.text)
        .map_err(|e| ApiError::new(Code::InvalidInput, format!("cannot type this text: {e}")))?;
    // Fails early, before anything is typed, when the console is not open.
    with_session(consoles, req.id, |_| ())?;
    for stroke in strokes {
        // The session lock is taken per key, so frames keep flowing while the text is typed.
        with_session(consoles, req.id, |s| {
            s.send_key(stroke.keysym, stroke.scancode, stroke.down)
        })?
        .map_err(vnc_error)?;
        std::thread::sleep(KEY_INTERVAL);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typing(text: String) -> ApiError {
        console_type_text(&Consoles::default(), ConsoleTypeTextRequest { id: 1, text }).unwrap_err()
    }

    #[test]
    fn too_long_a_text_is_refused_with_its_length() {
        let err = typing("a".repeat(MAX_TYPED_CHARS + 1));
        assert_eq!(err.code, Code::InvalidInput);
        assert_eq!(
            err.message,
            "the text is too long to type: 4097 characters, at most 4096"
        );
    }

    #[test]
    fn the_limit_counts_characters_not_bytes() {
        // 4096 two-byte characters are within the limit: refused for the character, not length.
        let err = typing("é".repeat(MAX_TYPED_CHARS));
        assert!(err.message.contains("'é'"), "{}", err.message);
    }

    #[test]
    fn a_character_without_a_key_is_named() {
        let err = typing("echo 5€".into());
        assert_eq!(err.code, Code::InvalidInput);
        assert_eq!(
            err.message,
            "cannot type this text: '€' (U+20AC, character 7) has no key on a US keyboard"
        );
    }

    #[test]
    fn a_console_that_is_not_open_is_not_found() {
        assert_eq!(typing("ls\n".into()).code, Code::NotFound);
    }
}
