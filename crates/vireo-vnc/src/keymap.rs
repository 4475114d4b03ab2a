//! From browser keyboard events to what QEMU needs: the physical key (`KeyboardEvent.code`,
//! the same whatever the host layout) as an XT scancode, and the character or function
//! (`KeyboardEvent.key`) as an X keysym. With QEMU's extended key event the guest sees the
//! scancode, so its own layout decides the character — which is what makes non-US layouts
//! right; the keysym is only a fallback for servers without the extension.

/// XT (set 1) scancode in QEMU's numbering for a `KeyboardEvent.code`. Keys sent with the
/// 0xE0 prefix are `0x80 | code`, as QEMU's extended key event expects.
pub fn scancode(code: &str) -> Option<u32> {
    let sc: u32 = match code {
        "Escape" => 0x01,
        "Digit1" => 0x02,
        "Digit2" => 0x03,
        "Digit3" => 0x04,
        "Digit4" => 0x05,
        "Digit5" => 0x06,
        "Digit6" => 0x07,
        "Digit7" => 0x08,
        "Digit8" => 0x09,
        "Digit9" => 0x0a,
        "Digit0" => 0x0b,
        "Minus" => 0x0c,
        "Equal" => 0x0d,
        "Backspace" => 0x0e,
        "Tab" => 0x0f,
        "KeyQ" => 0x10,
        "KeyW" => 0x11,
        "KeyE" => 0x12,
        "KeyR" => 0x13,
        "KeyT" => 0x14,
        "KeyY" => 0x15,
        "KeyU" => 0x16,
        "KeyI" => 0x17,
        "KeyO" => 0x18,
        "KeyP" => 0x19,
        "BracketLeft" => 0x1a,
        "BracketRight" => 0x1b,
        "Enter" => 0x1c,
        "ControlLeft" => 0x1d,
        "KeyA" => 0x1e,
        "KeyS" => 0x1f,
        "KeyD" => 0x20,
        "KeyF" => 0x21,
        "KeyG" => 0x22,
        "KeyH" => 0x23,
        "KeyJ" => 0x24,
        "KeyK" => 0x25,
        "KeyL" => 0x26,
        "Semicolon" => 0x27,
        "Quote" => 0x28,
        "Backquote" => 0x29,
        "ShiftLeft" => 0x2a,
        "Backslash" => 0x2b,
        "KeyZ" => 0x2c,
        "KeyX" => 0x2d,
        "KeyC" => 0x2e,
        "KeyV" => 0x2f,
        "KeyB" => 0x30,
        "KeyN" => 0x31,
        "KeyM" => 0x32,
        "Comma" => 0x33,
        "Period" => 0x34,
        "Slash" => 0x35,
        "ShiftRight" => 0x36,
        "NumpadMultiply" => 0x37,
        "AltLeft" => 0x38,
        "Space" => 0x39,
        "CapsLock" => 0x3a,
        "F1" => 0x3b,
        "F2" => 0x3c,
        "F3" => 0x3d,
        "F4" => 0x3e,
        "F5" => 0x3f,
        "F6" => 0x40,
        "F7" => 0x41,
        "F8" => 0x42,
        "F9" => 0x43,
        "F10" => 0x44,
        "NumLock" => 0x45,
        "ScrollLock" => 0x46,
        "Numpad7" => 0x47,
        "Numpad8" => 0x48,
        "Numpad9" => 0x49,
        "NumpadSubtract" => 0x4a,
        "Numpad4" => 0x4b,
        "Numpad5" => 0x4c,
        "Numpad6" => 0x4d,
        "NumpadAdd" => 0x4e,
        "Numpad1" => 0x4f,
        "Numpad2" => 0x50,
        "Numpad3" => 0x51,
        "Numpad0" => 0x52,
        "NumpadDecimal" => 0x53,
        // The extra key of ISO keyboards (< > | on German, \ | on UK layouts).
        "IntlBackslash" => 0x56,
        "F11" => 0x57,
        "F12" => 0x58,
        "IntlRo" => 0x73,
        "IntlYen" => 0x7d,
        // 0xE0-prefixed keys.
        "NumpadEnter" => 0x80 | 0x1c,
        "ControlRight" => 0x80 | 0x1d,
        "NumpadDivide" => 0x80 | 0x35,
        "PrintScreen" => 0x80 | 0x37,
        "AltRight" => 0x80 | 0x38,
        "Home" => 0x80 | 0x47,
        "ArrowUp" => 0x80 | 0x48,
        "PageUp" => 0x80 | 0x49,
        "ArrowLeft" => 0x80 | 0x4b,
        "ArrowRight" => 0x80 | 0x4d,
        "End" => 0x80 | 0x4f,
        "ArrowDown" => 0x80 | 0x50,
        "PageDown" => 0x80 | 0x51,
        "Insert" => 0x80 | 0x52,
        "Delete" => 0x80 | 0x53,
        "MetaLeft" => 0x80 | 0x5b,
        "MetaRight" => 0x80 | 0x5c,
        "ContextMenu" => 0x80 | 0x5d,
        _ => return None,
    };
    Some(sc)
}

/// X keysym for a `KeyboardEvent.key`: named keys by table, one character by Unicode
/// (Latin-1 maps directly, other characters to 0x0100_0000 + code point).
pub fn keysym(key: &str) -> Option<u32> {
    let named = match key {
        "Backspace" => 0xff08,
        "Tab" => 0xff09,
        "Enter" => 0xff0d,
        "Pause" => 0xff13,
        "ScrollLock" => 0xff14,
        "Escape" => 0xff1b,
        "Home" => 0xff50,
        "ArrowLeft" => 0xff51,
        "ArrowUp" => 0xff52,
        "ArrowRight" => 0xff53,
        "ArrowDown" => 0xff54,
        "PageUp" => 0xff55,
        "PageDown" => 0xff56,
        "End" => 0xff57,
        "PrintScreen" => 0xff61,
        "Insert" => 0xff63,
        "ContextMenu" => 0xff67,
        "NumLock" => 0xff7f,
        "F1" => 0xffbe,
        "F2" => 0xffbf,
        "F3" => 0xffc0,
        "F4" => 0xffc1,
        "F5" => 0xffc2,
        "F6" => 0xffc3,
        "F7" => 0xffc4,
        "F8" => 0xffc5,
        "F9" => 0xffc6,
        "F10" => 0xffc7,
        "F11" => 0xffc8,
        "F12" => 0xffc9,
        "Shift" => 0xffe1,
        "Control" => 0xffe3,
        "CapsLock" => 0xffe5,
        "Meta" => 0xffe7,
        "Alt" => 0xffe9,
        "AltGraph" => 0xfe03,
        "Delete" => 0xffff,
        _ => 0,
    };
    if named != 0 {
        return Some(named);
    }
    let mut chars = key.chars();
    let c = chars.next()?;
    if chars.next().is_some() {
        return None; // "Dead", "Unidentified", multi-character names
    }
    let cp = c as u32;
    Some(match cp {
        0x20..=0x7e | 0xa0..=0xff => cp,
        _ => 0x0100_0000 + cp,
    })
}

/// One key event of typed text: press or release of one physical key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyStroke {
    /// X keysym (what servers without QEMU's extension use).
    pub keysym: u32,
    /// XT scancode in QEMU numbering (what QEMU's extended key event uses).
    pub scancode: u32,
    pub down: bool,
}

/// A character of typed text that no key of a US keyboard produces.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} (U+{:04X}, character {position}) has no key on a US keyboard", shown(*.character), u32::from(*.character))]
pub struct NoKeyForCharacter {
    pub character: char,
    /// 1-based, counted in characters.
    pub position: usize,
}

fn shown(c: char) -> String {
    if c.is_control() {
        "a control character".to_string()
    } else {
        format!("'{c}'")
    }
}

const SHIFT_KEYSYM: u32 = 0xffe1;
const SHIFT_SCANCODE: u32 = 0x2a;

/// The `KeyboardEvent.code` and Shift state that type `c` on a US layout.
fn us_key(c: char) -> Option<(&'static str, bool)> {
    const UNSHIFTED: &[(char, &str)] = &[
        ('1', "Digit1"),
        ('2', "Digit2"),
        ('3', "Digit3"),
        ('4', "Digit4"),
        ('5', "Digit5"),
        ('6', "Digit6"),
        ('7', "Digit7"),
        ('8', "Digit8"),
        ('9', "Digit9"),
        ('0', "Digit0"),
        ('-', "Minus"),
        ('=', "Equal"),
        ('[', "BracketLeft"),
        (']', "BracketRight"),
        (';', "Semicolon"),
        ('\'', "Quote"),
        ('`', "Backquote"),
        ('\\', "Backslash"),
        (',', "Comma"),
        ('.', "Period"),
        ('/', "Slash"),
        (' ', "Space"),
        ('\n', "Enter"),
        ('\t', "Tab"),
    ];
    const SHIFTED: &[(char, &str)] = &[
        ('!', "Digit1"),
        ('@', "Digit2"),
        ('#', "Digit3"),
        ('$', "Digit4"),
        ('%', "Digit5"),
        ('^', "Digit6"),
        ('&', "Digit7"),
        ('*', "Digit8"),
        ('(', "Digit9"),
        (')', "Digit0"),
        ('_', "Minus"),
        ('+', "Equal"),
        ('{', "BracketLeft"),
        ('}', "BracketRight"),
        (':', "Semicolon"),
        ('"', "Quote"),
        ('~', "Backquote"),
        ('|', "Backslash"),
        ('<', "Comma"),
        ('>', "Period"),
        ('?', "Slash"),
    ];
    const LETTERS: [&str; 26] = [
        "KeyA", "KeyB", "KeyC", "KeyD", "KeyE", "KeyF", "KeyG", "KeyH", "KeyI", "KeyJ", "KeyK",
        "KeyL", "KeyM", "KeyN", "KeyO", "KeyP", "KeyQ", "KeyR", "KeyS", "KeyT", "KeyU", "KeyV",
        "KeyW", "KeyX", "KeyY", "KeyZ",
    ];
    if c.is_ascii_lowercase() {
        return Some((LETTERS[usize::from(c as u8 - b'a')], false));
    }
    if c.is_ascii_uppercase() {
        return Some((LETTERS[usize::from(c as u8 - b'A')], true));
    }
    if let Some((_, code)) = UNSHIFTED.iter().find(|(k, _)| *k == c) {
        return Some((code, false));
    }
    SHIFTED
        .iter()
        .find(|(k, _)| *k == c)
        .map(|(_, code)| (*code, true))
}

/// Key presses and releases that type `text` into a guest with a US keyboard layout: each
/// character is its key pressed and released, inside Shift for shifted characters. `\n`, `\r`
/// and `\r\n` are Enter, `\t` is Tab.
///
/// A character with no key on a US layout (`é`, `€`, emoji, control characters) is refused
/// rather than sent as a bare keysym: QEMU's extended key event uses the scancode alone, and
/// without a `-k` keymap QEMU cannot turn a keysym into a key either, so the character would be
/// dropped or typed as something else — and a command typed with a character missing is a
/// different command.
pub fn text_keys(text: &str) -> Result<Vec<KeyStroke>, NoKeyForCharacter> {
    let mut out = Vec::with_capacity(text.len() * 2);
    let mut chars = text.chars().enumerate().peekable();
    while let Some((i, c)) = chars.next() {
        let c = match c {
            '\r' => {
                if chars.peek().is_some_and(|(_, next)| *next == '\n') {
                    continue; // the \n that follows is the Enter
                }
                '\n'
            }
            other => other,
        };
        let Some((code, shift)) = us_key(c) else {
            return Err(NoKeyForCharacter {
                character: c,
                position: i + 1,
            });
        };
        let scancode = scancode(code).unwrap_or(0);
        let keysym = match c {
            '\n' => 0xff0d,
            '\t' => 0xff09,
            _ => u32::from(c), // ASCII: the keysym is the code point
        };
        if shift {
            out.push(KeyStroke {
                keysym: SHIFT_KEYSYM,
                scancode: SHIFT_SCANCODE,
                down: true,
            });
        }
        for down in [true, false] {
            out.push(KeyStroke {
                keysym,
                scancode,
                down,
            });
        }
        if shift {
            out.push(KeyStroke {
                keysym: SHIFT_KEYSYM,
                scancode: SHIFT_SCANCODE,
                down: false,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn physical_keys_map_to_xt_scancodes() {
        assert_eq!(scancode("KeyA"), Some(0x1e));
        assert_eq!(scancode("KeyZ"), Some(0x2c));
        assert_eq!(scancode("Digit0"), Some(0x0b));
        assert_eq!(scancode("Enter"), Some(0x1c));
        assert_eq!(scancode("IntlBackslash"), Some(0x56));
        assert_eq!(scancode("NoSuchKey"), None);
    }

    #[test]
    fn extended_keys_carry_the_high_bit() {
        assert_eq!(scancode("ArrowUp"), Some(0xc8));
        assert_eq!(scancode("ControlRight"), Some(0x9d));
        assert_eq!(scancode("AltRight"), Some(0xb8));
        assert_eq!(scancode("NumpadEnter"), Some(0x9c));
    }

    #[test]
    fn every_code_has_a_distinct_scancode() {
        let codes = [
            "Escape",
            "Digit1",
            "KeyQ",
            "KeyA",
            "KeyZ",
            "Space",
            "F1",
            "F12",
            "Numpad0",
            "NumpadEnter",
            "ControlLeft",
            "ControlRight",
            "AltLeft",
            "AltRight",
            "ArrowUp",
            "Numpad8",
            "Home",
            "Numpad7",
            "Delete",
            "NumpadDecimal",
            "Slash",
            "NumpadDivide",
        ];
        let mut seen: Vec<u32> = codes.iter().map(|c| scancode(c).unwrap()).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(
            seen.len(),
            codes.len(),
            "extended and plain keys never collide"
        );
    }

    #[test]
    fn keys_map_to_keysyms() {
        assert_eq!(keysym("a"), Some(0x61));
        assert_eq!(keysym("A"), Some(0x41));
        assert_eq!(keysym(">"), Some(0x3e));
        assert_eq!(keysym("ä"), Some(0xe4), "Latin-1 is direct");
        assert_eq!(keysym("€"), Some(0x0100_20ac), "others via Unicode");
        assert_eq!(keysym("Enter"), Some(0xff0d));
        assert_eq!(keysym("Shift"), Some(0xffe1));
        assert_eq!(keysym("AltGraph"), Some(0xfe03));
        assert_eq!(keysym("Dead"), None);
        assert_eq!(keysym(""), None);
    }

    fn press(keysym: u32, scancode: u32) -> [KeyStroke; 2] {
        [
            KeyStroke {
                keysym,
                scancode,
                down: true,
            },
            KeyStroke {
                keysym,
                scancode,
                down: false,
            },
        ]
    }

    #[test]
    fn text_types_plain_characters_as_press_and_release() {
        let keys = text_keys("a1 ").unwrap();
        let mut expected = Vec::new();
        expected.extend(press(0x61, 0x1e));
        expected.extend(press(0x31, 0x02));
        expected.extend(press(0x20, 0x39));
        assert_eq!(keys, expected);
    }

    #[test]
    fn shifted_characters_are_typed_inside_shift() {
        let shift = |down| KeyStroke {
            keysym: 0xffe1,
            scancode: 0x2a,
            down,
        };
        let mut expected = vec![shift(true)];
        expected.extend(press(0x41, 0x1e)); // 'A' on the A key
        expected.push(shift(false));
        expected.push(shift(true));
        expected.extend(press(0x3e, 0x34)); // '>' on the Period key
        expected.push(shift(false));
        assert_eq!(text_keys("A>").unwrap(), expected);
    }

    #[test]
    fn newlines_and_tabs_are_enter_and_tab() {
        let enter = press(0xff0d, 0x1c);
        let tab = press(0xff09, 0x0f);
        assert_eq!(text_keys("\n").unwrap(), enter);
        assert_eq!(text_keys("\r\n").unwrap(), enter, "CRLF is one Enter");
        assert_eq!(text_keys("\r").unwrap(), enter);
        assert_eq!(text_keys("\t").unwrap(), tab);
        assert_eq!(
            text_keys("\r\r\n").unwrap().len(),
            4,
            "a lone CR, then CRLF"
        );
    }

    #[test]
    fn every_printable_ascii_character_has_a_key() {
        for c in (0x20u8..0x7f).map(char::from) {
            let keys = text_keys(&c.to_string()).unwrap_or_else(|e| panic!("{e}"));
            let key = keys.iter().find(|k| k.scancode != 0x2a).unwrap();
            assert_ne!(key.scancode, 0, "{c:?} has a scancode");
            assert_eq!(key.keysym, u32::from(c), "{c:?} keysym");
            let shifted = keys.len() == 4;
            assert_eq!(
                shifted,
                c.is_ascii_uppercase() || "~!@#$%^&*()_+{}|:\"<>?".contains(c),
                "{c:?} shift"
            );
        }
    }

    #[test]
    fn characters_without_a_us_key_are_refused_by_name_and_position() {
        let err = text_keys("ls café").unwrap_err();
        assert_eq!(
            err,
            NoKeyForCharacter {
                character: 'é',
                position: 7
            }
        );
        assert_eq!(
            err.to_string(),
            "'é' (U+00E9, character 7) has no key on a US keyboard"
        );
        let err = text_keys("a\u{7}").unwrap_err();
        assert_eq!(
            err.to_string(),
            "a control character (U+0007, character 2) has no key on a US keyboard"
        );
        assert!(text_keys("€").is_err());
        assert_eq!(text_keys("").unwrap(), vec![]);
    }
}
