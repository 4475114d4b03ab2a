//! A snapshot's `<domainsnapshot>` document, changed in place: the description, for a
//! redefine. Every other byte (the saved domain inside it, another tool's elements) stays.

use crate::edit::EditError;
use crate::splice::Splices;
use crate::xml::escape;
use roxmltree::Document;

/// Sets (or adds) the snapshot's `<description>`; an empty text removes it.
pub fn set_description(xml: &str, text: &str) -> Result<String, EditError> {
    let doc = Document::parse(xml).map_err(EditError::Unreadable)?;
    let root = doc.root_element();
    let mut s = Splices::new(xml);
    match root.children().find(|n| n.has_tag_name("description")) {
        Some(d) if text.is_empty() => s.remove_element(d),
        Some(d) => s.set_text(d, text),
        None if text.is_empty() => return Ok(xml.to_string()),
        None => {
            let fragment = format!("<description>{}</description>", escape(text));
            match root.children().find(|n| n.has_tag_name("name")) {
                Some(name) => s.insert_after(name, &fragment),
                None => s.append_child(root, &fragment),
            }
        }
    }
    Ok(s.finish()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SNAP: &str = "<domainsnapshot>\n  <name>a</name>\n  <state>shutoff</state>\n  \
        <other:x xmlns:other='urn:x'>kept</other:x>\n  <domain type='qemu'><name>vm</name>\
        </domain>\n</domainsnapshot>";

    #[test]
    fn a_description_is_added_changed_and_removed_in_place() {
        let added = set_description(SNAP, "before <update> & reboot").unwrap();
        assert_eq!(
            added,
            SNAP.replace(
                "<name>a</name>",
                "<name>a</name>\n  <description>before &lt;update&gt; &amp; reboot</description>"
            )
        );
        let changed = set_description(&added, "second").unwrap();
        assert!(changed.contains("<description>second</description>"));
        assert!(changed.contains("<other:x xmlns:other='urn:x'>kept</other:x>"));
        let removed = set_description(&changed, "").unwrap();
        assert!(!removed.contains("description"));
        assert!(removed.contains("<domain type='qemu'><name>vm</name></domain>"));
        assert_eq!(set_description(SNAP, "").unwrap(), SNAP);
    }
}
