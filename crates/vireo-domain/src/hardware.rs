//! Reading a domain's hardware for the VM page: what it has, as libvirt describes it. Read
//! from any tool's XML, so every field is optional or defaulted, and unknown parts are simply
//! not shown (they stay in the XML: see [`crate::edit`]).

use crate::LIBOSINFO_NS;
use roxmltree::{Document, Node};
use serde::Serialize;
use ts_rs::TS;

/// A VM's hardware, from one domain XML (the running one, or the next boot's).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct VmHardware {
    pub name: String,
    pub uuid: String,
    /// The notes field (`<description>`).
    pub description: String,
    /// libosinfo id from the metadata.
    pub os_id: Option<String>,
    pub arch: Option<String>,
    /// `pc-q35-7.2`, `q35`, `pc`.
    pub machine: Option<String>,
    pub firmware: FirmwareKind,
    /// MiB now (`<currentMemory>`), and the most it may grow to (`<memory>`).
    pub memory_mib: u64,
    pub max_memory_mib: u64,
    pub vcpus: u32,
    pub max_vcpus: u32,
    /// The firmware's boot menu (`<bootmenu enable='yes'/>`).
    pub boot_menu: bool,
    pub disks: Vec<DiskInfo>,
    pub nics: Vec<NicInfo>,
    pub graphics: Vec<GraphicsInfo>,
    /// `tpm-crb 2.0`, when there is one.
    pub tpm: Option<String>,
    /// A `org.qemu.guest_agent.0` channel: the guest can report IPs and shut down cleanly.
    pub guest_agent: bool,
    /// A memory balloon: memory can change while the guest runs.
    pub balloon: bool,
    pub serial_ports: u32,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum FirmwareKind {
    #[default]
    Bios,
    Uefi,
}

/// A disk, CD-ROM or floppy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DiskInfo {
    /// `vda`, `sda`.
    pub target: String,
    /// `disk`, `cdrom`, `floppy`, `lun`.
    pub device: String,
    /// `virtio`, `sata`, `scsi`, `ide`, `usb`.
    pub bus: Option<String>,
    /// A file or block path, `pool/volume`, or a network source's name; None when empty
    /// (an ejected CD-ROM).
    pub source: Option<String>,
    /// `qcow2`, `raw`.
    pub format: Option<String>,
    /// `none`, `writeback`, …; None means the hypervisor's default.
    pub cache: Option<String>,
    pub readonly: bool,
    /// Its place in the boot order (1 first).
    pub boot_order: Option<u32>,
}

/// A network interface.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NicInfo {
    pub mac: Option<String>,
    /// `network`, `bridge`, `user`, `direct`.
    pub kind: String,
    /// The network or bridge name.
    pub source: Option<String>,
    pub model: Option<String>,
    /// `<link state='down'/>` means the cable is pulled.
    pub link_up: bool,
    pub boot_order: Option<u32>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct GraphicsInfo {
    /// `vnc`, `spice`.
    pub kind: String,
    /// `none` (reached through libvirt only), `address`, `socket`.
    pub listen: Option<String>,
}

/// Paths are shown whole up to this many characters (a shown name stops at 160).
const MAX_PATH_SHOWN: usize = 1024;

impl VmHardware {
    /// The same hardware with every string escaped and capped for showing ([`vireo_text`]):
    /// the XML may come from any tool. The notes keep their line breaks.
    pub fn shown(self) -> Self {
        let s = |v: String| vireo_text::shown(&v);
        let o = |v: Option<String>| v.map(s);
        let path = |v: Option<String>| v.map(|p| vireo_text::shown_capped(&p, MAX_PATH_SHOWN));
        VmHardware {
            name: s(self.name),
            uuid: s(self.uuid),
            description: self
                .description
                .lines()
                .map(|l| vireo_text::shown_capped(l, 1000))
                .take(200)
                .collect::<Vec<_>>()
                .join("\n"),
            os_id: o(self.os_id),
            arch: o(self.arch),
            machine: o(self.machine),
            disks: self
                .disks
                .into_iter()
                .map(|d| DiskInfo {
                    target: s(d.target),
                    device: s(d.device),
                    bus: o(d.bus),
                    source: path(d.source),
                    format: o(d.format),
                    cache: o(d.cache),
                    ..d
                })
                .collect(),
            nics: self
                .nics
                .into_iter()
                .map(|n| NicInfo {
                    mac: o(n.mac),
                    kind: s(n.kind),
                    source: o(n.source),
                    model: o(n.model),
                    ..n
                })
                .collect(),
            graphics: self
                .graphics
                .into_iter()
                .map(|g| GraphicsInfo {
                    kind: s(g.kind),
                    listen: o(g.listen),
                })
                .collect(),
            tpm: o(self.tpm),
            ..self
        }
    }
}

fn child<'a, 'i>(parent: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    parent.children().find(|n| n.has_tag_name(name))
}

fn attr(node: Option<Node>, name: &str) -> Option<String> {
    node.and_then(|n| n.attribute(name)).map(str::to_string)
}

fn text(node: Option<Node>) -> Option<String> {
    node.and_then(|n| n.text()).map(|t| t.trim().to_string())
}

/// Bytes per unit, as libvirt's `unit=` attribute spells them (KiB when absent).
pub fn unit_factor(unit: Option<&str>) -> u64 {
    match unit.unwrap_or("KiB") {
        "b" | "bytes" => 1,
        "KB" => 1_000,
        "k" | "KiB" => 1 << 10,
        "MB" => 1_000_000,
        "M" | "MiB" => 1 << 20,
        "GB" => 1_000_000_000,
        "G" | "GiB" => 1 << 30,
        "TB" => 1_000_000_000_000,
        "T" | "TiB" => 1 << 40,
        _ => 1 << 10,
    }
}

fn mib(node: Option<Node>) -> Option<u64> {
    let node = node?;
    let value: u64 = node.text()?.trim().parse().ok()?;
    Some(value.saturating_mul(unit_factor(node.attribute("unit"))) >> 20)
}

fn boot_order(dev: Node) -> Option<u32> {
    child(dev, "boot")
        .and_then(|b| b.attribute("order"))
        .and_then(|o| o.parse().ok())
}

fn disk(node: Node) -> DiskInfo {
    let source = child(node, "source");
    let path = attr(source, "file")
        .or_else(|| attr(source, "dev"))
        .or_else(|| attr(source, "dir"))
        .or_else(|| attr(source, "name"))
        .or_else(|| {
            attr(source, "pool")
                .zip(attr(source, "volume"))
                .map(|(p, v)| format!("{p}/{v}"))
        });
    let target = child(node, "target");
    let driver = child(node, "driver");
    DiskInfo {
        target: attr(target, "dev").unwrap_or_default(),
        device: node.attribute("device").unwrap_or("disk").to_string(),
        bus: attr(target, "bus"),
        source: path,
        format: attr(driver, "type"),
        cache: attr(driver, "cache"),
        readonly: child(node, "readonly").is_some(),
        boot_order: boot_order(node),
    }
}

fn nic(node: Node) -> NicInfo {
    let kind = node.attribute("type").unwrap_or("network").to_string();
    let source = child(node, "source");
    NicInfo {
        mac: attr(child(node, "mac"), "address"),
        source: attr(source, "network")
            .or_else(|| attr(source, "bridge"))
            .or_else(|| attr(source, "dev")),
        model: attr(child(node, "model"), "type"),
        link_up: attr(child(node, "link"), "state").as_deref() != Some("down"),
        boot_order: boot_order(node),
        kind,
    }
}

/// Reads the hardware from domain XML of any origin.
pub fn read(xml: &str) -> Result<VmHardware, roxmltree::Error> {
    let doc = Document::parse(xml)?;
    let root = doc.root_element();
    let os = child(root, "os");
    let os_type = os.and_then(|o| child(o, "type"));
    let vcpu = child(root, "vcpu");
    let max_vcpus = text(vcpu).and_then(|t| t.parse().ok()).unwrap_or(1);
    let max_memory_mib = mib(child(root, "memory")).unwrap_or(0);
    let uefi = attr(os, "firmware").as_deref() == Some("efi")
        || os
            .and_then(|o| child(o, "loader"))
            .is_some_and(|l| l.attribute("type") == Some("pflash"));
    let devices: Vec<Node> = child(root, "devices")
        .map(|d| d.children().filter(|n| n.is_element()).collect())
        .unwrap_or_default();
    let named = |name: &'static str| {
        devices
            .iter()
            .copied()
            .filter(move |n| n.has_tag_name(name))
    };
    Ok(VmHardware {
        name: text(child(root, "name")).unwrap_or_default(),
        uuid: text(child(root, "uuid")).unwrap_or_default(),
        description: child(root, "description")
            .and_then(|d| d.text())
            .unwrap_or_default()
            .to_string(),
        os_id: child(root, "metadata")
            .into_iter()
            .flat_map(|m| m.descendants())
            .find(|n| n.tag_name().namespace() == Some(LIBOSINFO_NS) && n.tag_name().name() == "os")
            .and_then(|n| n.attribute("id"))
            .map(str::to_string),
        arch: attr(os_type, "arch"),
        machine: attr(os_type, "machine"),
        firmware: if uefi {
            FirmwareKind::Uefi
        } else {
            FirmwareKind::Bios
        },
        memory_mib: mib(child(root, "currentMemory")).unwrap_or(max_memory_mib),
        max_memory_mib,
        vcpus: attr(vcpu, "current")
            .and_then(|c| c.parse().ok())
            .unwrap_or(max_vcpus),
        max_vcpus,
        boot_menu: os
            .and_then(|o| child(o, "bootmenu"))
            .is_some_and(|b| b.attribute("enable") == Some("yes")),
        disks: named("disk").map(disk).collect(),
        nics: named("interface").map(nic).collect(),
        graphics: named("graphics")
            .map(|g| GraphicsInfo {
                kind: g.attribute("type").unwrap_or_default().to_string(),
                listen: attr(child(g, "listen"), "type"),
            })
            .collect(),
        tpm: named("tpm").next().map(|t| {
            let version = attr(child(t, "backend"), "version");
            let model = t.attribute("model").unwrap_or("tpm");
            match version {
                Some(v) => format!("{model} {v}"),
                None => model.to_string(),
            }
        }),
        guest_agent: named("channel").any(|c| {
            attr(child(c, "target"), "name").as_deref() == Some(crate::GUEST_AGENT_CHANNEL)
        }),
        balloon: named("memballoon").any(|b| b.attribute("model") != Some("none")),
        serial_ports: named("serial").count() as u32,
    })
}

/// What differs between the running hardware and the next boot's, by field name, for the
/// "pending changes" mark: `memory`, `vcpus`, `disk vda`, `nic 52:54:00:…`, `boot order`…
pub fn pending(live: &VmHardware, next: &VmHardware) -> Vec<String> {
    let mut out = Vec::new();
    let mut differs = |name: &str, changed: bool| {
        if changed {
            out.push(name.to_string());
        }
    };
    differs("memory", live.memory_mib != next.memory_mib);
    differs("maxMemory", live.max_memory_mib != next.max_memory_mib);
    differs("vcpus", live.vcpus != next.vcpus);
    differs("maxVcpus", live.max_vcpus != next.max_vcpus);
    differs("firmware", live.firmware != next.firmware);
    differs("machine", live.machine != next.machine);
    differs("tpm", live.tpm != next.tpm);
    differs("graphics", live.graphics != next.graphics);
    let boot = |h: &VmHardware| {
        let disks = h.disks.iter().map(|d| (d.target.clone(), d.boot_order));
        let nics = h
            .nics
            .iter()
            .map(|n| (n.mac.clone().unwrap_or_default(), n.boot_order));
        let mut all: Vec<_> = disks.chain(nics).filter(|(_, o)| o.is_some()).collect();
        all.sort_by_key(|(_, o)| *o);
        (all, h.boot_menu)
    };
    differs("bootOrder", boot(live) != boot(next));
    // Boot order is compared above; a device differs when anything else about it does.
    let plain_disk = |d: &DiskInfo| DiskInfo {
        boot_order: None,
        ..d.clone()
    };
    for d in &next.disks {
        let same = live.disks.iter().find(|l| l.target == d.target);
        if same.map(plain_disk) != Some(plain_disk(d)) {
            out.push(format!("disk {}", d.target));
        }
    }
    for d in &live.disks {
        if !next.disks.iter().any(|n| n.target == d.target) {
            out.push(format!("disk {}", d.target));
        }
    }
    let plain_nic = |n: &NicInfo| NicInfo {
        boot_order: None,
        link_up: true,
        ..n.clone()
    };
    for n in &next.nics {
        let same = live.nics.iter().find(|l| l.mac == n.mac);
        if same.map(plain_nic) != Some(plain_nic(n)) {
            out.push(format!("nic {}", n.mac.as_deref().unwrap_or("?")));
        }
    }
    for n in &live.nics {
        if !next.nics.iter().any(|x| x.mac == n.mac) {
            out.push(format!("nic {}", n.mac.as_deref().unwrap_or("?")));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const XML: &str = r#"<domain type='kvm'>
  <name>web</name>
  <uuid>11111111-2222-3333-4444-555555555555</uuid>
  <description>notes &amp; more</description>
  <metadata><libosinfo:libosinfo xmlns:libosinfo="http://libosinfo.org/xmlns/libvirt/domain/1.0">
    <libosinfo:os id="http://debian.org/debian/12"/></libosinfo:libosinfo></metadata>
  <memory unit='KiB'>4194304</memory>
  <currentMemory unit='KiB'>2097152</currentMemory>
  <vcpu placement='static' current='2'>4</vcpu>
  <os firmware='efi'><type arch='x86_64' machine='pc-q35-7.2'>hvm</type><bootmenu enable='yes'/></os>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2' cache='none'/>
      <source file='/var/lib/libvirt/images/web.qcow2'/><target dev='vda' bus='virtio'/><boot order='1'/></disk>
    <disk type='file' device='cdrom'><driver name='qemu' type='raw'/><target dev='sda' bus='sata'/><readonly/></disk>
    <interface type='network'><mac address='52:54:00:aa:bb:cc'/><source network='default'/>
      <model type='virtio'/><link state='down'/></interface>
    <interface type='bridge'><source bridge='br0'/></interface>
    <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
    <graphics type='vnc'><listen type='none'/></graphics>
    <tpm model='tpm-crb'><backend type='emulator' version='2.0'/></tpm>
    <memballoon model='virtio'/>
    <serial type='pty'/>
  </devices>
</domain>"#;

    #[test]
    fn everything_the_page_shows_is_read() {
        let h = read(XML).unwrap();
        assert_eq!(h.name, "web");
        assert_eq!(h.description, "notes & more");
        assert_eq!(h.os_id.as_deref(), Some("http://debian.org/debian/12"));
        assert_eq!(h.machine.as_deref(), Some("pc-q35-7.2"));
        assert_eq!(h.firmware, FirmwareKind::Uefi);
        assert_eq!((h.memory_mib, h.max_memory_mib), (2048, 4096));
        assert_eq!((h.vcpus, h.max_vcpus), (2, 4));
        assert!(h.boot_menu && h.guest_agent && h.balloon);
        assert_eq!(h.serial_ports, 1);
        assert_eq!(h.tpm.as_deref(), Some("tpm-crb 2.0"));
        let vda = &h.disks[0];
        assert_eq!(
            (vda.bus.as_deref(), vda.cache.as_deref(), vda.boot_order),
            (Some("virtio"), Some("none"), Some(1))
        );
        let cd = &h.disks[1];
        assert_eq!(
            (cd.device.as_str(), cd.source.as_ref(), cd.readonly),
            ("cdrom", None, true)
        );
        assert!(!h.nics[0].link_up);
        assert_eq!(h.nics[1].source.as_deref(), Some("br0"));
        assert_eq!(h.graphics[0].listen.as_deref(), Some("none"));
    }

    #[test]
    fn shown_hardware_is_escaped_and_capped() {
        let xml = XML
            .replace("br0", "br0\u{202e}exe.")
            .replace("notes &amp; more", "line one\nline\u{202e} two");
        let h = read(&xml).unwrap().shown();
        assert_eq!(h.nics[1].source.as_deref(), Some("br0\\u{202e}exe."));
        assert_eq!(h.description, "line one\nline\\u{202e} two");
        let long = XML.replace("web.qcow2", &format!("{}.qcow2", "x".repeat(3000)));
        let h = read(&long).unwrap().shown();
        assert_eq!(
            h.disks[0].source.as_ref().unwrap().chars().count(),
            MAX_PATH_SHOWN + 1
        );
    }

    #[test]
    fn a_minimal_domain_reads_with_defaults() {
        let h = read("<domain><name>x</name><memory>1048576</memory></domain>").unwrap();
        assert_eq!((h.memory_mib, h.max_memory_mib, h.vcpus), (1024, 1024, 1));
        assert_eq!(h.firmware, FirmwareKind::Bios);
        assert!(h.disks.is_empty() && !h.guest_agent);
    }

    #[test]
    fn pending_names_what_the_next_boot_changes() {
        let live = read(XML).unwrap();
        assert!(pending(&live, &live).is_empty());
        let next = read(
            &XML.replace("2097152</currentMemory>", "1048576</currentMemory>")
                .replace("<boot order='1'/>", "")
                .replace("<link state='down'/>", ""),
        )
        .unwrap();
        // The link state is a live-only setting: not pending.
        assert_eq!(pending(&live, &next), ["memory", "bootOrder"]);
    }
}
