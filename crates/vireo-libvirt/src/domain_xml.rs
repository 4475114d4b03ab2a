//! Reading the parts of a domain's XML the inventory shows (vCPUs, memory, OS, disks).
//! Editing XML is the create-VM builder's job, not this module's.

use roxmltree::{Document, Node};

const LIBOSINFO_NS: &str = "http://libosinfo.org/xmlns/libvirt/domain/1.0";

/// What the inventory needs from `virDomainGetXMLDesc`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DomainDetails {
    pub vcpus: u32,
    /// Bytes: `<currentMemory>`, else `<memory>`.
    pub memory: u64,
    /// libosinfo id, e.g. `http://debian.org/debian/12`.
    pub os_id: Option<String>,
    pub disks: Vec<DiskRef>,
}

/// A disk as the domain references it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskRef {
    /// `vda`, `sda`, `hdc`.
    pub target: String,
    /// `disk`, `cdrom`, `floppy`, `lun`.
    pub device: String,
    /// A file or block path, when the source is one.
    pub path: Option<String>,
    /// A storage volume reference (`<source pool= volume=>`).
    pub pool_volume: Option<(String, String)>,
}

use vireo_domain::hardware::unit_factor;

fn child<'a, 'i>(parent: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    parent.children().find(|n| n.has_tag_name(name))
}

fn memory(node: Node<'_, '_>) -> Option<u64> {
    let value: u64 = node.text()?.trim().parse().ok()?;
    Some(value.saturating_mul(unit_factor(node.attribute("unit"))))
}

pub fn parse(xml: &str) -> Result<DomainDetails, roxmltree::Error> {
    let doc = Document::parse(xml)?;
    let root = doc.root_element();
    let vcpus = child(root, "vcpu")
        .and_then(|n| {
            n.attribute("current")
                .or(n.text())
                .and_then(|t| t.trim().parse().ok())
        })
        .unwrap_or(1);
    let memory = child(root, "currentMemory")
        .and_then(memory)
        .or_else(|| child(root, "memory").and_then(memory))
        .unwrap_or(0);
    let os_id = child(root, "metadata")
        .into_iter()
        .flat_map(|m| m.descendants())
        .find(|n| n.tag_name().namespace() == Some(LIBOSINFO_NS) && n.tag_name().name() == "os")
        .and_then(|n| n.attribute("id"))
        .map(str::to_string);
    let disks = child(root, "devices")
        .into_iter()
        .flat_map(|d| d.children())
        .filter(|n| n.has_tag_name("disk"))
        .map(|disk| {
            let source = child(disk, "source");
            let attr = |name: &str| source.and_then(|s| s.attribute(name)).map(str::to_string);
            DiskRef {
                target: child(disk, "target")
                    .and_then(|t| t.attribute("dev"))
                    .unwrap_or_default()
                    .to_string(),
                device: disk.attribute("device").unwrap_or("disk").to_string(),
                path: attr("file").or_else(|| attr("dev")),
                pool_volume: attr("pool").zip(attr("volume")),
            }
        })
        .collect();
    Ok(DomainDetails {
        vcpus,
        memory,
        os_id,
        disks,
    })
}

/// A readable name for a libosinfo id until the OS database is consulted:
/// `http://debian.org/debian/12` → `Debian 12`, `http://microsoft.com/win/11` → `Windows 11`.
pub fn os_label(id: &str) -> String {
    let path = id.split("://").nth(1).unwrap_or(id);
    let mut parts = path.split('/').skip(1).filter(|p| !p.is_empty());
    let family = parts.next().unwrap_or(path);
    let version: Vec<&str> = parts.collect();
    let family = match family {
        "win" => "Windows".to_string(),
        "rhel" => "RHEL".to_string(),
        "opensuse" => "openSUSE".to_string(),
        "freebsd" => "FreeBSD".to_string(),
        other => {
            let mut c = other.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or_default()
        }
    };
    if version.is_empty() {
        family
    } else {
        format!("{family} {}", version.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_are_read() {
        let xml = r#"<domain type='kvm'><name>a</name><memory unit='KiB'>2097152</memory>
            <currentMemory unit='MiB'>1024</currentMemory><vcpu placement='static' current='2'>4</vcpu>
            <metadata><libosinfo:libosinfo xmlns:libosinfo="http://libosinfo.org/xmlns/libvirt/domain/1.0">
            <libosinfo:os id="http://fedoraproject.org/fedora/40"/></libosinfo:libosinfo></metadata>
            <devices><disk type='file' device='disk'><source file='/var/lib/libvirt/images/a.qcow2'/>
            <target dev='vda' bus='virtio'/></disk><disk type='volume' device='cdrom'>
            <source pool='default' volume='x.iso'/><target dev='sda'/></disk></devices></domain>"#;
        let d = parse(xml).unwrap();
        assert_eq!(d.vcpus, 2);
        assert_eq!(d.memory, 1 << 30);
        assert_eq!(
            d.os_id.as_deref(),
            Some("http://fedoraproject.org/fedora/40")
        );
        assert_eq!(d.disks.len(), 2);
        assert_eq!(
            d.disks[0].path.as_deref(),
            Some("/var/lib/libvirt/images/a.qcow2")
        );
        assert_eq!(
            d.disks[1].pool_volume,
            Some(("default".to_string(), "x.iso".to_string()))
        );
        assert_eq!(d.disks[1].device, "cdrom");
    }

    #[test]
    fn metadata_of_other_namespaces_is_ignored() {
        let xml = "<domain><memory>1024</memory><vcpu>1</vcpu><metadata>\
                   <x:os xmlns:x='urn:other' id='nope'/></metadata></domain>";
        let d = parse(xml).unwrap();
        assert_eq!(d.os_id, None);
        assert_eq!(d.memory, 1 << 20);
    }

    #[test]
    fn os_labels() {
        assert_eq!(os_label("http://debian.org/debian/12"), "Debian 12");
        assert_eq!(os_label("http://microsoft.com/win/11"), "Windows 11");
        assert_eq!(os_label("http://libosinfo.org/linux/2022"), "Linux 2022");
    }
}
