//! What a stopped VM boots with, changed in place: its firmware (BIOS or UEFI), its TPM, and
//! whether it has a VNC display. Each edit keeps every other byte of the XML; the libvirt
//! layer only applies them to a shut-off VM, because the firmware, the TPM and the display
//! of a running QEMU cannot change.

use crate::edit::EditError;
use crate::hardware::{self, FirmwareKind};
use crate::splice::Splices;
use roxmltree::{Document, Node};

fn parse(xml: &str) -> Result<Document<'_>, EditError> {
    Document::parse(xml).map_err(EditError::Unreadable)
}

fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|n| n.has_tag_name(name))
}

fn devices_node<'a, 'i>(doc: &'a Document<'i>) -> Result<Node<'a, 'i>, EditError> {
    child(doc.root_element(), "devices").ok_or(EditError::Missing("devices"))
}

/// BIOS or UEFI. UEFI is `<os firmware='efi'>`: libvirt picks the firmware image and
/// creates the VM's NVRAM (its boot entries and Secure Boot keys) at the first start. BIOS
/// drops the attribute and the `<loader>`, `<nvram>` and `<firmware>` parts that only UEFI
/// has; the NVRAM file itself stays on the host, and libvirt uses it again if the VM goes
/// back to UEFI under the same name.
pub fn set_firmware(xml: &str, firmware: FirmwareKind) -> Result<String, EditError> {
    let current = hardware::read(xml).map_err(EditError::Unreadable)?.firmware;
    if current == firmware {
        return Ok(xml.to_string());
    }
    let doc = parse(xml)?;
    let os = child(doc.root_element(), "os").ok_or(EditError::Missing("os"))?;
    let mut s = Splices::new(xml);
    // Either way the UEFI-only parts go: BIOS has none, and UEFI is chosen afresh by
    // libvirt (a stale loader path would pin a firmware image that may be gone).
    for part in os
        .children()
        .filter(|n| n.has_tag_name("loader") || n.has_tag_name("nvram"))
    {
        s.remove_element(part);
    }
    match firmware {
        FirmwareKind::Uefi => s.set_attr(os, "firmware", "efi"),
        FirmwareKind::Bios => {
            if os.attribute("firmware").is_some() {
                s.remove_attr(os, "firmware");
            }
            for part in os.children().filter(|n| n.has_tag_name("firmware")) {
                s.remove_element(part);
            }
        }
    }
    Ok(s.finish()?)
}

/// The TPM Vireo adds: TPM 2.0 on the CRB interface, emulated by swtpm (what Windows 11
/// asks for and virt-install chooses).
pub const TPM_XML: &str =
    "<tpm model='tpm-crb'>\n  <backend type='emulator' version='2.0'/>\n</tpm>";

/// Adds the emulated TPM ([`TPM_XML`]) when the VM has none, or removes every TPM.
pub fn set_tpm(xml: &str, on: bool) -> Result<String, EditError> {
    let doc = parse(xml)?;
    let devices = devices_node(&doc)?;
    let tpms: Vec<Node> = devices
        .children()
        .filter(|n| n.has_tag_name("tpm"))
        .collect();
    let mut s = Splices::new(xml);
    match (on, tpms.is_empty()) {
        (true, true) => s.append_child(devices, TPM_XML),
        (false, false) => tpms.into_iter().for_each(|t| s.remove_element(t)),
        _ => return Ok(xml.to_string()),
    }
    Ok(s.finish()?)
}

/// Adds a VNC display reached only through libvirt (no TCP listener, as new VMs get), or
/// removes every VNC display. Other displays (SPICE) stay as they are.
pub fn set_vnc(xml: &str, on: bool) -> Result<String, EditError> {
    let doc = parse(xml)?;
    let devices = devices_node(&doc)?;
    let vnc: Vec<Node> = devices
        .children()
        .filter(|n| n.has_tag_name("graphics") && n.attribute("type") == Some("vnc"))
        .collect();
    let mut s = Splices::new(xml);
    match (on, vnc.is_empty()) {
        (true, true) => {
            let fragment = "<graphics type='vnc'>\n  <listen type='none'/>\n</graphics>";
            // After the other displays, so a SPICE display stays the first one.
            match devices.children().rfind(|n| n.has_tag_name("graphics")) {
                Some(last) => s.insert_after(last, fragment),
                None => s.append_child(devices, fragment),
            }
        }
        (false, false) => vnc.into_iter().for_each(|g| s.remove_element(g)),
        _ => return Ok(xml.to_string()),
    }
    Ok(s.finish()?)
}
