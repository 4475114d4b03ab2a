//! # vireo-text
//!
//! The one way Vireo shows a string that came from outside: a backing file name in a disk
//! image, a feature name, an ISO volume id, libvirt's or `qemu-img`'s error text, a VNC
//! server's refusal reason or desktop name. Control characters (newline, carriage return,
//! ESC, …) and the Unicode characters that reorder or hide text (bidi overrides and
//! isolates, zero-width characters) are written as Rust-style escapes (`\n`, `\u{1b}`,
//! `\u{202e}`), and a long string is cut with an ellipsis. The UI, the CLI and the logs all
//! get the result, so a hostile name cannot rewrite a terminal line, fake a message in the
//! page or hide its real extension.
//!
//! ```
//! assert_eq!(vireo_text::shown("evil\n\u{1b}[2Jname"), "evil\\n\\u{1b}[2Jname");
//! assert_eq!(vireo_text::shown(&"x".repeat(500)).chars().count(), vireo_text::MAX_SHOWN + 1);
//! ```
//!
//! Escaping is idempotent (a backslash is left as it is), so a message built from already
//! shown parts can be passed through [`shown_capped`] again at the IPC boundary; a second
//! pass with a smaller cap may cut further (the cap counts characters before escaping).
#![forbid(unsafe_code)]

/// Characters of one outside string that are shown; the rest is cut to `…`.
pub const MAX_SHOWN: usize = 160;

/// `s` escaped and cut at [`MAX_SHOWN`] characters.
pub fn shown(s: &str) -> String {
    shown_capped(s, MAX_SHOWN)
}

/// `s` escaped and cut at `max` characters (counted before escaping).
pub fn shown_capped(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max * 4) + 8);
    for (n, c) in s.chars().enumerate() {
        if n == max {
            out.push('…');
            break;
        }
        if needs_escape(c) {
            match c {
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                _ => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// True when `s` would be shown differently: it holds a character [`shown`] escapes.
pub fn has_hidden_characters(s: &str) -> bool {
    s.chars().any(needs_escape)
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c,
            // Bidi embeddings, overrides and isolates; marks that change direction.
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}'
            | '\u{061c}'
            // Zero-width and invisible separators, the BOM, line/paragraph separators.
            | '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}' | '\u{2028}' | '\u{2029}'
            // Interlinear annotation and replacement controls.
            | '\u{fff9}'..='\u{fffb}'
            // Soft hyphen, invisible operators, the Mongolian vowel separator, variation
            // selectors and tag characters: invisible, or able to change what is shown.
            | '\u{ad}' | '\u{2061}'..='\u{2064}' | '\u{180e}' | '\u{fe00}'..='\u{fe0f}'
            | '\u{e0000}'..='\u{e007f}' | '\u{e0100}'..='\u{e01ef}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_are_escaped() {
        assert_eq!(shown("a\nb\rc\td"), "a\\nb\\rc\\td");
        assert_eq!(shown("\u{1b}[31m"), "\\u{1b}[31m");
        assert_eq!(shown("gpj.\u{202e}exe"), "gpj.\\u{202e}exe");
        assert_eq!(shown("a\u{0}b\u{7f}"), "a\\u{0}b\\u{7f}");
        assert_eq!(shown("zero\u{200b}width"), "zero\\u{200b}width");
        assert_eq!(shown("plain ünïcode ✓"), "plain ünïcode ✓");
        assert_eq!(shown("soft\u{ad}hy"), "soft\\u{ad}hy");
        assert_eq!(shown("tag\u{e0041}"), "tag\\u{e0041}");
    }

    #[test]
    fn long_strings_are_cut_with_an_ellipsis() {
        let long = "é".repeat(MAX_SHOWN + 40);
        let out = shown(&long);
        assert_eq!(out.chars().count(), MAX_SHOWN + 1);
        assert!(out.ends_with('…'));
        assert_eq!(shown(&"é".repeat(MAX_SHOWN)), "é".repeat(MAX_SHOWN));
        assert_eq!(shown_capped("abcdef", 3), "abc…");
    }

    #[test]
    fn escaping_is_idempotent() {
        for s in [
            "a\nb",
            "\\n already",
            "\u{202e}x\u{1b}",
            "x".repeat(400).as_str(),
        ] {
            let once = shown(s);
            assert_eq!(shown(&once), once, "{s:?}");
            assert!(!has_hidden_characters(&once));
        }
    }
}
