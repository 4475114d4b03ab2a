//! What a shut-off VM boots with: firmware (BIOS/UEFI), TPM, VNC display. Each change is
//! allowed by the state table only for a stopped, defined VM ([`Action::ChangePlatform`]),
//! is checked against what the host's libvirt can give this VM (its domain capabilities:
//! UEFI firmware images, swtpm), and edits the stored XML in place.

use crate::error::BackendError;
use crate::state::Action;
use crate::vm;
use crate::vm_config::{define, edit_error, xml};
use roxmltree::Document;
use vireo_domain::hardware::FirmwareKind;
use vireo_domain::platform;
use virt::connect::Connect;

/// What this host's libvirt offers a VM like this one (its emulator type, arch and
/// machine), when the driver can say: the test and vbox drivers cannot, and libvirt's
/// define then judges alone.
/// None where this libvirt's capabilities do not say at all (an older one lists no TPM):
/// then libvirt's define and start judge alone.
struct Offered {
    uefi: Option<bool>,
    tpm_emulator: Option<bool>,
}

fn offered(conn: &Connect, stored: &str) -> Option<Offered> {
    let doc = Document::parse(stored).ok()?;
    let root = doc.root_element();
    let os_type = root
        .children()
        .find(|n| n.has_tag_name("os"))
        .and_then(|os| os.children().find(|n| n.has_tag_name("type")));
    let arch = os_type.and_then(|t| t.attribute("arch"));
    let machine = os_type.and_then(|t| t.attribute("machine"));
    let caps = conn
        .domain_capabilities(None, arch, machine, root.attribute("type"), 0)
        .ok()?;
    let caps = Document::parse(&caps).ok()?;
    // The values of `<enum name=…>` inside `<section>`, or None when there is no such list.
    let values = |section: &str, name: &str| -> Option<Vec<String>> {
        let list = caps
            .descendants()
            .filter(|n| n.has_tag_name(section))
            .flat_map(|s| s.descendants())
            .find(|n| n.has_tag_name("enum") && n.attribute("name") == Some(name))?;
        Some(
            list.children()
                .filter(|n| n.has_tag_name("value"))
                .filter_map(|v| v.text().map(str::to_string))
                .collect(),
        )
    };
    let has = |section: &str, name: &str, value: &str| {
        values(section, name).map(|vs| vs.iter().any(|v| v == value))
    };
    Some(Offered {
        uefi: has("os", "firmware", "efi"),
        tpm_emulator: has("tpm", "backendModel", "emulator"),
    })
}

fn change(
    conn: &Connect,
    uuid: &str,
    edit: impl FnOnce(&str, Option<Offered>) -> Result<String, BackendError>,
) -> Result<(), BackendError> {
    vm::allowed_now(conn, uuid, Action::ChangePlatform)?;
    let dom = vm::lookup(conn, uuid)?;
    let stored = xml(&dom, true)?;
    let edited = edit(&stored, offered(conn, &stored))?;
    if edited == stored {
        return Ok(());
    }
    define(conn, &stored, &edited)
}

/// BIOS or UEFI, for the next boot of a stopped VM.
pub fn set_firmware(
    conn: &Connect,
    uuid: &str,
    firmware: FirmwareKind,
) -> Result<(), BackendError> {
    change(conn, uuid, |stored, offered| {
        if firmware == FirmwareKind::Uefi && offered.is_some_and(|o| o.uefi == Some(false)) {
            return Err(BackendError::Refused(
                "this host has no UEFI firmware for this VM's machine type: install OVMF \
                 (the ovmf package)"
                    .into(),
            ));
        }
        platform::set_firmware(stored, firmware).map_err(edit_error)
    })
}

/// Adds the emulated TPM 2.0 or removes the VM's TPM.
pub fn set_tpm(conn: &Connect, uuid: &str, on: bool) -> Result<(), BackendError> {
    change(conn, uuid, |stored, offered| {
        if on && offered.is_some_and(|o| o.tpm_emulator == Some(false)) {
            return Err(BackendError::Refused(
                "this host cannot emulate a TPM: install swtpm (the swtpm-tools package)".into(),
            ));
        }
        platform::set_tpm(stored, on).map_err(edit_error)
    })
}

/// Adds a VNC display (reached through libvirt only, no TCP port) or removes it.
pub fn set_vnc(conn: &Connect, uuid: &str, on: bool) -> Result<(), BackendError> {
    change(conn, uuid, |stored, _| {
        platform::set_vnc(stored, on).map_err(edit_error)
    })
}
