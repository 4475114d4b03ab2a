//! A clone's domain XML, made from the source's stored XML in place: a new name, no UUID and
//! no MACs (libvirt makes new ones), an NVRAM of its own (a copy of the source's), no
//! fixed VNC port, a serial log of its own, and each copied disk pointing at its new file. Every other byte, another
//! tool's devices and metadata included, stays as the source has it.

use crate::edit::EditError;
use crate::splice::Splices;
use crate::xml::escape;
use roxmltree::{Document, Node};

/// What becomes of one of the source's disks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClonedDisk {
    /// The disk's target (`vda`).
    pub target: String,
    /// The clone's own file.
    pub path: String,
    /// A linked clone's disk: a qcow2 overlay whose backing file is the source's disk.
    pub linked: bool,
    /// The format of the clone's file (`qcow2`, `raw`).
    pub format: String,
}

fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|n| n.has_tag_name(name))
}

/// The clone's XML. `disks` names every disk that gets a file of its own; a disk not named
/// (a CD-ROM, a shared disk) is kept as it is. `nvram` is the clone's copy of the source's
/// NVRAM; without one a UEFI clone gets a fresh NVRAM at its first start.
pub fn clone_xml(
    stored: &str,
    name: &str,
    disks: &[ClonedDisk],
    nvram: Option<&str>,
) -> Result<String, EditError> {
    crate::validate_name(name).map_err(|e| EditError::Invalid(e.to_string()))?;
    let doc = Document::parse(stored).map_err(EditError::Unreadable)?;
    let root = doc.root_element();
    let mut s = Splices::new(stored);
    let name_node = child(root, "name").ok_or(EditError::Missing("name"))?;
    s.set_text(name_node, name);
    if let Some(uuid) = child(root, "uuid") {
        s.remove_element(uuid);
    }
    // libvirt takes a sysinfo UUID as the domain's when it has none: the source's, again.
    if let Some(system) = child(root, "sysinfo").and_then(|i| child(i, "system")) {
        for entry in system
            .children()
            .filter(|n| n.has_tag_name("entry") && n.attribute("name") == Some("uuid"))
        {
            s.remove_element(entry);
        }
    }
    let os = child(root, "os").ok_or(EditError::Missing("os"))?;
    match (child(os, "nvram"), nvram) {
        (Some(old), Some(path)) => {
            s.replace_element(old, &format!("<nvram>{}</nvram>", escape(path)))
        }
        (Some(old), None) => s.remove_element(old),
        (None, Some(path)) => s.append_child(os, &format!("<nvram>{}</nvram>", escape(path))),
        (None, None) => {}
    }
    let devices = child(root, "devices").ok_or(EditError::Missing("devices"))?;
    for dev in devices.children().filter(|n| n.is_element()) {
        match dev.tag_name().name() {
            "interface" => {
                if let Some(mac) = child(dev, "mac") {
                    s.remove_element(mac);
                }
            }
            "serial" | "console" => {
                // Its own log file beside the source's, not the source's.
                if let Some(log) = child(dev, "log") {
                    if let Some(file) = log.attribute("file") {
                        let dir = file.rsplit_once('/').map_or("", |(d, _)| d);
                        s.set_attr(log, "file", &format!("{dir}/{name}-serial.log"));
                    }
                }
            }
            "graphics" => {
                // Two VMs cannot listen on one port: a fixed one becomes automatic.
                let fixed = dev.attribute("port").is_some_and(|p| p != "-1");
                if fixed {
                    s.remove_attr(dev, "port");
                    s.set_attr(dev, "autoport", "yes");
                }
                if dev.attribute("websocket").is_some() {
                    s.remove_attr(dev, "websocket");
                }
            }
            "disk" => {
                let target = child(dev, "target").and_then(|t| t.attribute("dev"));
                let Some(plan) = disks.iter().find(|d| Some(d.target.as_str()) == target) else {
                    continue;
                };
                clone_disk(stored, &mut s, dev, plan)?;
            }
            _ => {}
        }
    }
    Ok(s.finish()?)
}

fn clone_disk(
    stored: &str,
    s: &mut Splices,
    disk: Node,
    plan: &ClonedDisk,
) -> Result<(), EditError> {
    if disk.attribute("type") != Some("file") {
        return Err(EditError::Invalid(format!(
            "disk {} is not a file: only file disks can be cloned",
            plan.target
        )));
    }
    let source = child(disk, "source").ok_or(EditError::Missing("source"))?;
    let driver = child(disk, "driver");
    let format = driver.and_then(|d| d.attribute("type")).unwrap_or("raw");
    let old_backing = child(disk, "backingStore");
    if plan.linked {
        // The source's disk, exactly as the source reads it (its labels, its own chain), now
        // one level down.
        let below = old_backing.map_or("", |b| &stored[b.range()]);
        let backing = format!(
            "<backingStore type='file'><format type='{}'/>{}{below}</backingStore>",
            escape(format),
            &stored[source.range()]
        );
        match old_backing {
            Some(b) => s.replace_element(b, &backing),
            None => s.insert_after(source, &backing),
        }
    } else if let Some(b) = old_backing {
        // A full copy is flattened: it stands alone.
        s.remove_element(b);
    }
    if let Some(driver) = driver {
        s.set_attr(driver, "type", &plan.format);
    }
    s.replace_element(source, &format!("<source file='{}'/>", escape(&plan.path)));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = "<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>web</name>
  <uuid>11111111-2222-4333-8444-555555555555</uuid>
  <sysinfo type='smbios'><system><entry name='manufacturer'>Acme</entry><entry name='uuid'>11111111-2222-4333-8444-555555555555</entry></system></sysinfo>
  <os firmware='efi'><type>hvm</type><nvram>/var/lib/libvirt/qemu/nvram/web_VARS.fd</nvram></os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2' cache='none'/>
      <source file='/pool/web.qcow2'><seclabel model='dac' relabel='no'/></source>
      <backingStore type='file'><format type='qcow2'/><source file='/base.qcow2'/><backingStore/></backingStore>
      <target dev='vda' bus='virtio'/>
      <boot order='1'/>
    </disk>
    <disk type='file' device='cdrom'>
      <source file='/iso/install.iso'/>
      <target dev='sda' bus='sata'/>
      <readonly/>
    </disk>
    <interface type='network'><mac address='52:54:00:00:00:01'/><source network='default'/></interface>
    <serial type='pty'><log file='/var/log/web/serial.log' append='off'/></serial>
    <graphics type='vnc' port='5901' autoport='no'/>
    <other:gadget xmlns:other='urn:x'/>
  </devices>
  <qemu:commandline><qemu:arg value='-x'/></qemu:commandline>
</domain>";

    fn plan(linked: bool) -> Vec<ClonedDisk> {
        vec![ClonedDisk {
            target: "vda".into(),
            path: "/pool/web-clone-vda.qcow2".into(),
            linked,
            format: "qcow2".into(),
        }]
    }

    #[test]
    fn a_linked_clone_reads_the_source_disk_below_its_own_overlay() {
        let xml = clone_xml(
            SOURCE,
            "web-clone",
            &plan(true),
            Some("/var/lib/libvirt/qemu/nvram/web-clone_VARS.fd"),
        )
        .unwrap();
        assert!(xml.contains("<name>web-clone</name>"));
        assert!(
            xml.contains("<nvram>/var/lib/libvirt/qemu/nvram/web-clone_VARS.fd</nvram>"),
            "{xml}"
        );
        assert!(
            xml.contains("<entry name='manufacturer'>Acme</entry>"),
            "{xml}"
        );
        for gone in ["<uuid>", "11111111-", "<mac ", "web_VARS", "port='5901'"] {
            assert!(!xml.contains(gone), "{gone} left:\n{xml}");
        }
        assert!(
            xml.contains("<graphics type='vnc' autoport='yes'/>"),
            "{xml}"
        );
        assert!(
            xml.contains(
                "<source file='/pool/web-clone-vda.qcow2'/>\n      <backingStore type='file'>\
                 <format type='qcow2'/><source file='/pool/web.qcow2'><seclabel model='dac' \
                 relabel='no'/></source><backingStore type='file'><format type='qcow2'/>\
                 <source file='/base.qcow2'/><backingStore/></backingStore></backingStore>"
            ),
            "{xml}"
        );
        assert!(
            xml.contains("<source file='/iso/install.iso'/>"),
            "the CD stays"
        );
        assert!(xml.contains("<other:gadget xmlns:other='urn:x'/>"));
        assert!(xml.contains("<qemu:commandline><qemu:arg value='-x'/></qemu:commandline>"));
        assert!(xml.contains("<boot order='1'/>"));
        assert!(
            xml.contains("<log file='/var/log/web/web-clone-serial.log' append='off'/>"),
            "{xml}"
        );
    }

    #[test]
    fn a_full_clone_stands_alone() {
        let xml = clone_xml(SOURCE, "copy", &plan(false), None).unwrap();
        assert!(xml.contains("<source file='/pool/web-clone-vda.qcow2'/>"));
        assert!(!xml.contains("/base.qcow2"), "flattened: {xml}");
        assert!(!xml.contains("/pool/web.qcow2"));
        assert!(!xml.contains("nvram"), "a fresh NVRAM: {xml}");
        assert!(xml.contains("<driver name='qemu' type='qcow2' cache='none'/>"));
    }

    #[test]
    fn a_bad_name_or_a_block_disk_is_refused() {
        assert!(clone_xml(SOURCE, "a/b", &plan(true), None).is_err());
        let block = SOURCE.replace(
            "<disk type='file' device='disk'>",
            "<disk type='block' device='disk'>",
        );
        let e = clone_xml(&block, "c", &plan(false), None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "disk vda is not a file: only file disks can be cloned"
        );
    }
}
