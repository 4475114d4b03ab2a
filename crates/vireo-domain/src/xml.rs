//! A minimal XML writer: elements, attributes and text, every value escaped.

/// Escapes text and attribute values (both quote kinds, so either delimiter is safe).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Writes indented XML. Element and attribute names are `&'static str` (ours); every value
/// passes through [`escape`].
pub struct Writer {
    out: String,
    depth: usize,
}

impl Writer {
    pub fn new() -> Self {
        Writer {
            out: String::new(),
            depth: 0,
        }
    }

    fn open_tag(&mut self, name: &'static str, attrs: &[(&'static str, &str)]) {
        self.out.push_str(&"  ".repeat(self.depth));
        self.out.push('<');
        self.out.push_str(name);
        for (k, v) in attrs {
            self.out.push_str(&format!(" {k}='{}'", escape(v)));
        }
    }

    /// `<name attrs>` … `</name>` around what `body` writes.
    pub fn element(
        &mut self,
        name: &'static str,
        attrs: &[(&'static str, &str)],
        body: impl FnOnce(&mut Self),
    ) {
        self.open_tag(name, attrs);
        self.out.push_str(">\n");
        self.depth += 1;
        body(self);
        self.depth -= 1;
        self.out.push_str(&"  ".repeat(self.depth));
        self.out.push_str(&format!("</{name}>\n"));
    }

    /// `<name attrs/>`.
    pub fn empty(&mut self, name: &'static str, attrs: &[(&'static str, &str)]) {
        self.open_tag(name, attrs);
        self.out.push_str("/>\n");
    }

    /// `<name attrs>text</name>`.
    pub fn text(&mut self, name: &'static str, attrs: &[(&'static str, &str)], text: &str) {
        self.open_tag(name, attrs);
        self.out.push('>');
        self.out.push_str(&escape(text));
        self.out.push_str(&format!("</{name}>\n"));
    }

    pub fn finish(self) -> String {
        self.out
    }
}

impl Default for Writer {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_is_escaped() {
        assert_eq!(
            escape(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;"
        );
        let mut w = Writer::new();
        w.text("name", &[("k", "it's")], "a<b");
        assert_eq!(w.finish(), "<name k='it&apos;s'>a&lt;b</name>\n");
    }
}
