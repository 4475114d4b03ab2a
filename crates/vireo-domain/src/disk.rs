//! Disks after a VM exists: the `<disk>` element a new one gets (the same escaping writer
//! new VMs use), the next free target name, which disk a VM boots from, and the in-place
//! edits that add or remove one (by target) in the stored XML. Each edit also returns the
//! disk alone, for libvirt's live attach and detach.

use crate::edit::EditError;
use crate::hardware::{self, VmHardware};
use crate::splice::Splices;
use crate::xml::Writer;
use crate::{DiskKind, DiskSpec};
use roxmltree::{Document, Node};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The bus a new disk is plugged into. Only virtio disks can be plugged into a running
/// q35 VM: its SATA controller (AHCI) has no hot-plug.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum DiskBus {
    Virtio,
    Sata,
}

impl DiskBus {
    pub fn as_str(self) -> &'static str {
        match self {
            DiskBus::Virtio => "virtio",
            DiskBus::Sata => "sata",
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            DiskBus::Virtio => "vd",
            DiskBus::Sata => "sd",
        }
    }
}

/// Writes one `<disk>` element: shared by new VMs ([`crate::DomainSpec`]) and added disks,
/// so both escape and label files the same way.
pub(crate) fn write_disk(w: &mut Writer, disk: &DiskSpec, dev: &str, bus: &str) {
    let cdrom = disk.kind == DiskKind::Cdrom;
    let device = if cdrom { "cdrom" } else { "disk" };
    w.element("disk", &[("type", "file"), ("device", device)], |w| {
        w.empty(
            "driver",
            &[("name", "qemu"), ("type", disk.format.as_str())],
        );
        if disk.keep_owner {
            w.element("source", &[("file", &disk.path)], |w| {
                w.empty("seclabel", &[("model", "dac"), ("relabel", "no")]);
            });
        } else {
            w.empty("source", &[("file", &disk.path)]);
        }
        if let Some((backing, format)) = &disk.backing {
            w.element("backingStore", &[("type", "file")], |w| {
                w.empty("format", &[("type", format.as_str())]);
                w.element("source", &[("file", backing)], |w| {
                    w.empty("seclabel", &[("model", "dac"), ("relabel", "no")]);
                });
                w.empty("backingStore", &[]);
            });
        }
        w.empty("target", &[("dev", dev), ("bus", bus)]);
        if cdrom {
            w.empty("readonly", &[]);
        }
        if let Some(order) = disk.boot_order {
            w.empty("boot", &[("order", &order.to_string())]);
        }
    });
}

/// The `<disk>` element for `disk` as target `dev` on `bus`.
pub fn disk_xml(disk: &DiskSpec, dev: &str, bus: DiskBus) -> String {
    let mut w = Writer::new();
    write_disk(&mut w, disk, dev, bus.as_str());
    w.finish()
}

/// The first target name on `bus` that none of `taken` uses (`vdb` after `vda`); None when
/// all 26 are taken.
pub fn next_target(taken: &[String], bus: DiskBus) -> Option<String> {
    (b'a'..=b'z')
        .map(|c| format!("{}{}", bus.prefix(), c as char))
        .find(|t| !taken.iter().any(|u| u == t))
}

/// The target of the disk the VM boots from: of its disks, the one first in the boot
/// order, or its first disk when none has an order (`<os><boot dev='hd'/>`). A CD-ROM or NIC
/// ahead of it does not change which disk the installed system lives on.
pub fn boot_disk(hw: &VmHardware) -> Option<String> {
    let disks = || hw.disks.iter().filter(|d| d.device == "disk");
    disks()
        .filter_map(|d| d.boot_order.map(|o| (o, &d.target)))
        .min()
        .map(|(_, t)| t)
        .or_else(|| disks().next().map(|d| &d.target))
        .cloned()
}

fn parse(xml: &str) -> Result<Document<'_>, EditError> {
    Document::parse(xml).map_err(EditError::Unreadable)
}

fn devices_node<'a, 'i>(doc: &'a Document<'i>) -> Result<Node<'a, 'i>, EditError> {
    doc.root_element()
        .children()
        .find(|n| n.has_tag_name("devices"))
        .ok_or(EditError::Missing("devices"))
}

fn target_of<'a>(disk: Node<'a, '_>) -> Option<&'a str> {
    disk.children()
        .find(|n| n.has_tag_name("target"))
        .and_then(|t| t.attribute("dev"))
}

/// Every disk's target name in a domain's XML.
pub fn targets(xml: &str) -> Result<Vec<String>, EditError> {
    Ok(hardware::read(xml)
        .map_err(EditError::Unreadable)?
        .disks
        .into_iter()
        .map(|d| d.target)
        .collect())
}

/// Adds the disk `fragment` (from [`disk_xml`]) after the VM's last disk, or as the last
/// device when it has none.
pub fn add_disk(xml: &str, fragment: &str) -> Result<String, EditError> {
    let doc = parse(xml)?;
    let devices = devices_node(&doc)?;
    let mut s = Splices::new(xml);
    match devices.children().rfind(|n| n.has_tag_name("disk")) {
        Some(last) => s.insert_after(last, fragment),
        None => s.append_child(devices, fragment),
    }
    Ok(s.finish()?)
}

/// Removes the disk `target`; returns the domain without it and the disk as it was (what
/// libvirt's detach is given).
pub fn remove_disk(xml: &str, target: &str) -> Result<(String, String), EditError> {
    let doc = parse(xml)?;
    let disk = devices_node(&doc)?
        .children()
        .filter(|n| n.has_tag_name("disk"))
        .find(|n| target_of(*n) == Some(target))
        .ok_or_else(|| {
            EditError::Invalid(format!("the VM has no disk {}", vireo_text::shown(target)))
        })?;
    let device = xml[disk.range()].to_string();
    let mut s = Splices::new(xml);
    s.remove_element(disk);
    Ok((s.finish()?, device))
}
