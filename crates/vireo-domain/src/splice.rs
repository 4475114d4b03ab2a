//! Byte-range edits of an XML document: each change replaces only the bytes it owns, so
//! every other byte (unknown elements, comments, namespaces, quoting, indentation) stays as
//! it was. Positions come from `roxmltree`'s ranges into the original text.

use crate::xml::escape;
use roxmltree::Node;
use std::ops::Range;

/// Changes queued against one source text, applied together by [`Splices::finish`].
pub struct Splices<'s> {
    src: &'s str,
    edits: Vec<(Range<usize>, String)>,
}

/// Two edits touched the same bytes: a bug in the caller, never the user's fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("overlapping XML edits at bytes {0}..{1}")]
pub struct Overlap(pub usize, pub usize);

impl<'s> Splices<'s> {
    pub fn new(src: &'s str) -> Self {
        Splices {
            src,
            edits: Vec::new(),
        }
    }

    pub fn replace(&mut self, range: Range<usize>, text: impl Into<String>) {
        self.edits.push((range, text.into()));
    }

    pub fn insert(&mut self, at: usize, text: impl Into<String>) {
        self.replace(at..at, text);
    }

    /// Sets an attribute (no namespace), adding it after the tag name when absent.
    pub fn set_attr(&mut self, node: Node, name: &str, value: &str) {
        match node
            .attributes()
            .find(|a| a.name() == name && a.namespace().is_none())
        {
            Some(a) => self.replace(a.range_value(), escape(value)),
            None => {
                let at = node.range().start + 1 + self.qname(node).len();
                self.insert(at, format!(" {name}='{}'", escape(value)));
            }
        }
    }

    /// Removes an attribute (no namespace) and the space before it; absent is fine.
    pub fn remove_attr(&mut self, node: Node, name: &str) {
        if let Some(a) = node
            .attributes()
            .find(|a| a.name() == name && a.namespace().is_none())
        {
            let r = a.range();
            let start = self.src[..r.start].trim_end().len();
            self.replace(start..r.end, "");
        }
    }

    /// Replaces an element's content with `text` (escaped). Only for elements whose content
    /// is text: the callers pick `<memory>`, `<vcpu>`, `<description>`.
    pub fn set_text(&mut self, node: Node, text: &str) {
        let text = escape(text);
        let mut children = node.children();
        match (children.next(), children.next()) {
            (Some(t), None) if t.is_text() => self.replace(t.range(), text),
            _ => {
                let content = self.content(node);
                if content.start == content.end && self.is_self_closing(node) {
                    let end = node.range().end;
                    let qname = self.qname(node);
                    self.replace(end - 2..end, format!(">{text}</{qname}>"));
                } else {
                    self.replace(content, text);
                }
            }
        }
    }

    /// Adds `fragment` (XML Vireo wrote, one or more lines) as the last child of `parent`,
    /// indented like its siblings.
    pub fn append_child(&mut self, parent: Node, fragment: &str) {
        let parent_indent = self.indent(parent).to_string();
        let last = parent.children().rfind(|c| c.is_element());
        let child_indent = match parent.children().find(|c| c.is_element()) {
            Some(first) => self.indent(first).to_string(),
            None => format!("{parent_indent}  "),
        };
        let fragment = reindent(fragment, &child_indent);
        match last {
            Some(last) => self.insert(last.range().end, format!("\n{child_indent}{fragment}")),
            None if self.is_self_closing(parent) => {
                let end = parent.range().end;
                let qname = self.qname(parent);
                self.replace(
                    end - 2..end,
                    format!(">\n{child_indent}{fragment}\n{parent_indent}</{qname}>"),
                );
            }
            None => {
                let content = self.content(parent);
                self.replace(
                    content,
                    format!("\n{child_indent}{fragment}\n{parent_indent}"),
                );
            }
        }
    }

    /// Adds `fragment` right after `sibling`, on its own line at the sibling's indentation.
    pub fn insert_after(&mut self, sibling: Node, fragment: &str) {
        let indent = self.indent(sibling).to_string();
        let fragment = reindent(fragment, &indent);
        self.insert(sibling.range().end, format!("\n{indent}{fragment}"));
    }

    /// Replaces a whole element with `fragment`, which takes over its indentation.
    pub fn replace_element(&mut self, node: Node, fragment: &str) {
        let indent = self.indent(node).to_string();
        self.replace(node.range(), reindent(fragment, &indent));
    }

    /// Removes an element, and its line when it stood alone on one.
    pub fn remove_element(&mut self, node: Node) {
        let r = node.range();
        let before = &self.src[..r.start];
        let line_start = before.trim_end_matches([' ', '\t']);
        let start = if line_start.ends_with('\n') {
            line_start.len() - 1
        } else {
            r.start
        };
        self.replace(start..r.end, "");
    }

    /// The edited text. Edits are applied from the end, so earlier ranges stay valid.
    pub fn finish(mut self) -> Result<String, Overlap> {
        self.edits.sort_by_key(|(r, _)| (r.start, r.end));
        for pair in self.edits.windows(2) {
            let (a, b) = (&pair[0].0, &pair[1].0);
            if b.start < a.end {
                return Err(Overlap(b.start, a.end));
            }
        }
        let mut out = self.src.to_string();
        for (range, text) in self.edits.iter().rev() {
            out.replace_range(range.clone(), text);
        }
        Ok(out)
    }

    /// The element's name as written (`disk`, `qemu:commandline`).
    fn qname(&self, node: Node) -> &'s str {
        let tag = &self.src[node.range().start + 1..];
        let len = tag
            .find(|c: char| c.is_whitespace() || c == '/' || c == '>')
            .unwrap_or(tag.len());
        &tag[..len]
    }

    fn is_self_closing(&self, node: Node) -> bool {
        self.src[node.range()].ends_with("/>")
    }

    /// The bytes between the start tag's `>` and the end tag's `<` (empty when self-closing).
    fn content(&self, node: Node) -> Range<usize> {
        let r = node.range();
        if self.is_self_closing(node) {
            return r.end..r.end;
        }
        let start = match node.children().next() {
            Some(first) => first.range().start,
            None => start_tag_end(&self.src[r.clone()]) + r.start,
        };
        let end = self.src[..r.end].rfind("</").unwrap_or(r.end);
        start..end
    }

    /// The whitespace before the element on its line ("" when it shares a line).
    fn indent(&self, node: Node) -> &'s str {
        let before = &self.src[..node.range().start];
        let trimmed = before.trim_end_matches([' ', '\t']);
        if trimmed.ends_with('\n') || trimmed.is_empty() {
            &before[trimmed.len()..]
        } else {
            ""
        }
    }
}

/// Where the start tag ends (just after its `>`), skipping `>` inside quoted values.
fn start_tag_end(element: &str) -> usize {
    let mut quote = None;
    for (i, c) in element.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return i + 1,
            _ => {}
        }
    }
    element.len()
}

/// Vireo's fragments are written at depth 0 with a trailing newline; each line after the
/// first takes the indentation of where it goes.
fn reindent(fragment: &str, indent: &str) -> String {
    fragment
        .trim_end_matches('\n')
        .lines()
        .enumerate()
        .map(|(i, line)| {
            if i == 0 {
                line.to_string()
            } else {
                format!("{indent}{line}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use roxmltree::Document;

    fn find<'a, 'i>(doc: &'a Document<'i>, name: &str) -> Node<'a, 'i> {
        doc.descendants().find(|n| n.has_tag_name(name)).unwrap()
    }

    #[test]
    fn attributes_are_set_added_and_removed_in_place() {
        let src = "<a>\n  <b x=\"1\"   y='2'/><!-- keep -->\n</a>";
        let doc = Document::parse(src).unwrap();
        let b = find(&doc, "b");
        let mut s = Splices::new(src);
        s.set_attr(b, "x", "it's");
        s.remove_attr(b, "y");
        s.set_attr(b, "z", "<");
        assert_eq!(
            s.finish().unwrap(),
            "<a>\n  <b z='&lt;' x=\"it&apos;s\"/><!-- keep -->\n</a>"
        );
    }

    #[test]
    fn text_is_replaced_whatever_the_element_looks_like() {
        for (src, want) in [
            ("<m unit='KiB'>1024</m>", "<m unit='KiB'>2&amp;</m>"),
            ("<m/>", "<m>2&amp;</m>"),
            ("<m ></m>", "<m >2&amp;</m>"),
            ("<m>a<!--c-->b</m>", "<m>2&amp;</m>"),
        ] {
            let doc = Document::parse(src).unwrap();
            let mut s = Splices::new(src);
            s.set_text(doc.root_element(), "2&");
            assert_eq!(s.finish().unwrap(), want, "{src}");
        }
    }

    #[test]
    fn children_are_appended_at_the_siblings_indentation() {
        let src = "<d>\n    <x/>\n    <y/>\n</d>";
        let doc = Document::parse(src).unwrap();
        let mut s = Splices::new(src);
        s.append_child(doc.root_element(), "<z>\n  <w/>\n</z>\n");
        assert_eq!(
            s.finish().unwrap(),
            "<d>\n    <x/>\n    <y/>\n    <z>\n      <w/>\n    </z>\n</d>"
        );
        for (src, want) in [
            ("<o>\n  <d/>\n</o>", "<o>\n  <d>\n    <z/>\n  </d>\n</o>"),
            (
                "<o>\n  <d>\n  </d>\n</o>",
                "<o>\n  <d>\n    <z/>\n  </d>\n</o>",
            ),
        ] {
            let doc = Document::parse(src).unwrap();
            let mut s = Splices::new(src);
            s.append_child(find(&doc, "d"), "<z/>\n");
            assert_eq!(s.finish().unwrap(), want, "{src}");
        }
    }

    #[test]
    fn elements_are_removed_with_their_line_and_replaced() {
        let src = "<d>\n  <x/>\n  <y a='1'/>\n</d>";
        let doc = Document::parse(src).unwrap();
        let mut s = Splices::new(src);
        s.remove_element(find(&doc, "x"));
        s.replace_element(find(&doc, "y"), "<y>\n  <q/>\n</y>\n");
        assert_eq!(s.finish().unwrap(), "<d>\n  <y>\n    <q/>\n  </y>\n</d>");
    }

    #[test]
    fn overlapping_edits_are_refused() {
        let src = "<a><b/></a>";
        let doc = Document::parse(src).unwrap();
        let mut s = Splices::new(src);
        s.remove_element(find(&doc, "b"));
        s.set_attr(find(&doc, "b"), "x", "1");
        assert!(s.finish().is_err());
    }
}
