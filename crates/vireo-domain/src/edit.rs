//! Edits of an existing domain's XML for the next boot. Each edit changes only the elements
//! and attributes it is about, in place ([`crate::splice`]): other tools' devices, metadata,
//! `<qemu:commandline>`, comments and formatting survive byte-equal. Vireo never
//! regenerates a domain from its own model. Changes to a running VM go through libvirt's
//! live calls instead (the caller's job); these are the persistent half.

use crate::hardware;
use crate::splice::{Overlap, Splices};
use crate::xml::Writer;
use roxmltree::{Document, Node};
use serde::Deserialize;
use ts_rs::TS;

/// Memory and vCPUs to change; what is None stays as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourcePatch {
    pub memory_mib: Option<u64>,
    pub max_memory_mib: Option<u64>,
    pub vcpus: Option<u32>,
    pub max_vcpus: Option<u32>,
}

impl ResourcePatch {
    pub fn is_empty(&self) -> bool {
        *self == ResourcePatch::default()
    }
}

/// Memory and vCPUs once a patch is applied to what the VM has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resources {
    pub memory_mib: u64,
    pub max_memory_mib: u64,
    pub vcpus: u32,
    pub max_vcpus: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("the VM's XML cannot be read")]
    Unreadable(#[source] roxmltree::Error),
    #[error("the VM's XML has no <{0}> element")]
    Missing(&'static str),
    /// The user's input: the message says what to change.
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Overlap(#[from] Overlap),
}

fn parse(xml: &str) -> Result<Document<'_>, EditError> {
    Document::parse(xml).map_err(EditError::Unreadable)
}

fn child<'a, 'i>(parent: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    parent.children().find(|n| n.has_tag_name(name))
}

fn devices<'a, 'i>(doc: &'a Document<'i>) -> impl Iterator<Item = Node<'a, 'i>> {
    child(doc.root_element(), "devices")
        .into_iter()
        .flat_map(|d| d.children())
        .filter(|n| n.is_element())
}

fn target_of<'a>(disk: Node<'a, '_>) -> Option<&'a str> {
    child(disk, "target").and_then(|t| t.attribute("dev"))
}

fn mac_of<'a>(nic: Node<'a, '_>) -> Option<&'a str> {
    child(nic, "mac").and_then(|m| m.attribute("address"))
}

/// What `patch` makes of `current`, or why it cannot be: the rules shared by the live and
/// the persistent change.
pub fn resolve(current: Resources, patch: &ResourcePatch) -> Result<Resources, EditError> {
    let max_memory_mib = patch.max_memory_mib.unwrap_or(current.max_memory_mib);
    let memory_mib = patch
        .memory_mib
        .unwrap_or(current.memory_mib.min(max_memory_mib));
    let max_vcpus = patch.max_vcpus.unwrap_or(current.max_vcpus);
    let vcpus = patch.vcpus.unwrap_or(current.vcpus.min(max_vcpus));
    let invalid = |m: String| Err(EditError::Invalid(m));
    if memory_mib < crate::MIN_MEMORY_MIB || max_memory_mib < crate::MIN_MEMORY_MIB {
        return invalid(format!(
            "memory must be at least {} MiB: no operating system starts in less",
            crate::MIN_MEMORY_MIB
        ));
    }
    if memory_mib > max_memory_mib {
        return invalid(format!(
            "memory ({memory_mib} MiB) is above the maximum ({max_memory_mib} MiB): raise the \
             maximum too"
        ));
    }
    if vcpus == 0 || max_vcpus == 0 {
        return invalid("a VM needs at least 1 vCPU".into());
    }
    if vcpus > max_vcpus {
        return invalid(format!(
            "{vcpus} vCPUs is above the maximum ({max_vcpus}): raise the maximum too"
        ));
    }
    Ok(Resources {
        memory_mib,
        max_memory_mib,
        vcpus,
        max_vcpus,
    })
}

/// The resources `xml` describes.
pub fn resources(xml: &str) -> Result<Resources, EditError> {
    let h = hardware::read(xml).map_err(EditError::Unreadable)?;
    Ok(Resources {
        memory_mib: h.memory_mib,
        max_memory_mib: h.max_memory_mib,
        vcpus: h.vcpus,
        max_vcpus: h.max_vcpus,
    })
}

/// Memory and vCPUs for the next boot.
pub fn set_resources(xml: &str, patch: &ResourcePatch) -> Result<String, EditError> {
    let target = resolve(resources(xml)?, patch)?;
    let doc = parse(xml)?;
    let root = doc.root_element();
    let mut s = Splices::new(xml);
    let memory = child(root, "memory").ok_or(EditError::Missing("memory"))?;
    let kib = |mib: u64| (mib << 10).to_string();
    s.set_attr(memory, "unit", "KiB");
    s.set_text(memory, &kib(target.max_memory_mib));
    match child(root, "currentMemory") {
        Some(current) => {
            s.set_attr(current, "unit", "KiB");
            s.set_text(current, &kib(target.memory_mib));
        }
        None => s.insert_after(
            memory,
            &format!(
                "<currentMemory unit='KiB'>{}</currentMemory>",
                kib(target.memory_mib)
            ),
        ),
    }
    match child(root, "vcpu") {
        Some(vcpu) => {
            s.set_text(vcpu, &target.max_vcpus.to_string());
            if target.vcpus == target.max_vcpus {
                s.remove_attr(vcpu, "current");
            } else {
                s.set_attr(vcpu, "current", &target.vcpus.to_string());
            }
        }
        None => {
            let current = if target.vcpus == target.max_vcpus {
                String::new()
            } else {
                format!(" current='{}'", target.vcpus)
            };
            s.insert_after(
                child(root, "currentMemory").unwrap_or(memory),
                &format!("<vcpu{current}>{}</vcpu>", target.max_vcpus),
            );
        }
    }
    Ok(s.finish()?)
}

/// A CD-ROM change: the whole domain for the next boot, and the drive alone, for libvirt's
/// live media change (`virDomainUpdateDeviceFlags`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaChange {
    pub xml: String,
    pub device: String,
}

/// Puts `iso` in the CD-ROM drive `target`, or empties it (None). The ISO is the user's
/// file: libvirt is told not to relabel it, as the create wizard does.
pub fn set_cdrom_media(
    xml: &str,
    target: &str,
    iso: Option<&str>,
) -> Result<MediaChange, EditError> {
    let doc = parse(xml)?;
    let drive = devices(&doc)
        .filter(|n| n.has_tag_name("disk"))
        .find(|d| target_of(*d) == Some(target))
        .ok_or_else(|| EditError::Invalid(format!("the VM has no drive {target}")))?;
    if drive.attribute("device") != Some("cdrom") {
        return Err(EditError::Invalid(format!(
            "{target} is not a CD-ROM drive: only CD-ROM media can be changed"
        )));
    }
    let mut s = Splices::new(xml);
    let source = child(drive, "source");
    match iso {
        Some(path) => {
            let mut w = Writer::new();
            w.element("source", &[("file", path)], |w| {
                w.empty("seclabel", &[("model", "dac"), ("relabel", "no")]);
            });
            let fragment = w.finish();
            s.set_attr(drive, "type", "file");
            match child(drive, "driver") {
                Some(driver) => s.set_attr(driver, "type", "raw"),
                None => s.append_child(drive, "<driver name='qemu' type='raw'/>"),
            }
            match source {
                Some(old) => s.replace_element(old, &fragment),
                None => s.append_child(drive, &fragment),
            }
        }
        None => {
            if let Some(old) = source {
                s.remove_element(old);
            }
            if drive.attribute("type") != Some("file") {
                s.set_attr(drive, "type", "file");
            }
        }
    }
    let xml = s.finish()?;
    let edited = parse(&xml)?;
    let drive = devices(&edited)
        .filter(|n| n.has_tag_name("disk"))
        .find(|d| target_of(*d) == Some(target))
        .ok_or(EditError::Missing("disk"))?;
    let device = xml[drive.range()].to_string();
    Ok(MediaChange { device, xml })
}

/// The boot order, by disk target (`vda`) or NIC MAC address, first first; devices not named
/// do not boot. `menu` turns the firmware's boot menu on or off. Per-device `<boot order>`
/// replaces any `<os><boot dev>` (libvirt allows one style per domain).
pub fn set_boot(xml: &str, order: &[String], menu: Option<bool>) -> Result<String, EditError> {
    let doc = parse(xml)?;
    let root = doc.root_element();
    let os = child(root, "os").ok_or(EditError::Missing("os"))?;
    let bootable: Vec<(String, Node)> = devices(&doc)
        .filter_map(|d| {
            let key = if d.has_tag_name("disk") {
                target_of(d)?.to_string()
            } else if d.has_tag_name("interface") {
                mac_of(d)?.to_ascii_lowercase()
            } else {
                return None;
            };
            Some((key, d))
        })
        .collect();
    let mut seen = std::collections::HashSet::new();
    let mut chosen = Vec::new();
    for key in order {
        let key = key.to_ascii_lowercase();
        let Some((_, dev)) = bootable.iter().find(|(k, _)| *k == key) else {
            return Err(EditError::Invalid(format!(
                "the VM has no disk or network interface {}",
                vireo_text::shown_capped(&key, 40)
            )));
        };
        if !seen.insert(key.clone()) {
            return Err(EditError::Invalid(format!(
                "{} is in the boot order twice",
                vireo_text::shown_capped(&key, 40)
            )));
        }
        chosen.push(*dev);
    }
    let mut s = Splices::new(xml);
    for old in os.children().filter(|n| n.has_tag_name("boot")) {
        s.remove_element(old);
    }
    for dev in devices(&doc) {
        let position = chosen.iter().position(|c| *c == dev);
        match (child(dev, "boot"), position) {
            (Some(boot), Some(i)) => s.set_attr(boot, "order", &(i + 1).to_string()),
            (None, Some(i)) => s.append_child(dev, &format!("<boot order='{}'/>", i + 1)),
            (Some(boot), None) => s.remove_element(boot),
            (None, None) => {}
        }
    }
    if let Some(on) = menu {
        let enable = if on { "yes" } else { "no" };
        match child(os, "bootmenu") {
            Some(m) => s.set_attr(m, "enable", enable),
            None => s.append_child(os, &format!("<bootmenu enable='{enable}'/>")),
        }
    }
    Ok(s.finish()?)
}

/// Refuses an edited XML that would turn into another VM: a different name (rename is its
/// own action) or UUID. Everything else is libvirt's to judge.
pub fn check_same_vm(current: &str, edited: &str) -> Result<(), EditError> {
    let a = hardware::read(current).map_err(EditError::Unreadable)?;
    let b = hardware::read(edited)
        .map_err(|e| EditError::Invalid(format!("the XML is not well-formed: {e}")))?;
    if a.name != b.name {
        return Err(EditError::Invalid(format!(
            "the XML renames the VM to '{}': use rename instead, and keep <name>{}</name>",
            vireo_text::shown_capped(&b.name, 64),
            a.name
        )));
    }
    if !b.uuid.is_empty() && a.uuid != b.uuid {
        return Err(EditError::Invalid(format!(
            "the XML changes the VM's UUID: keep <uuid>{}</uuid>",
            a.uuid
        )));
    }
    Ok(())
}
