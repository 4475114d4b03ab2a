//! The keys a US-layout user presses, for tests that type into the guest.

/// For `c`: the physical key (`KeyboardEvent.code`), its meaning (`KeyboardEvent.key`) and
/// whether Shift is held.
pub fn us_key(c: char) -> (String, String, bool) {
    let (code, shift) = match c {
        'a'..='z' => (format!("Key{}", c.to_ascii_uppercase()), false),
        'A'..='Z' => (format!("Key{c}"), true),
        '0'..='9' => (format!("Digit{c}"), false),
        ' ' => ("Space".into(), false),
        '-' => ("Minus".into(), false),
        '/' => ("Slash".into(), false),
        '?' => ("Slash".into(), true),
        '.' => ("Period".into(), false),
        '>' => ("Period".into(), true),
        '\'' => ("Quote".into(), false),
        '"' => ("Quote".into(), true),
        '\\' => ("Backslash".into(), false),
        '[' => ("BracketLeft".into(), false),
        ';' => ("Semicolon".into(), false),
        '\n' => ("Enter".into(), false),
        other => panic!("no key for {other:?}"),
    };
    let key = if c == '\n' {
        "Enter".to_string()
    } else {
        c.to_string()
    };
    (code, key, shift)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shifted_and_plain_keys() {
        let k = |c| us_key(c);
        assert_eq!(k('a'), ("KeyA".into(), "a".into(), false));
        assert_eq!(k('S'), ("KeyS".into(), "S".into(), true));
        assert_eq!(k('>'), ("Period".into(), ">".into(), true));
        assert_eq!(k('\n'), ("Enter".into(), "Enter".into(), false));
    }
}
