//! # vireo-domain
//!
//! Libvirt domain XML, written and edited. New VMs come from a typed [`DomainSpec`]: every
//! value is escaped by the writer, so a VM name or a path can never inject XML; the output is
//! what the create-VM wizard defines and its "view XML" shows. Existing VMs are read with
//! [`hardware::read`] and changed with [`edit`], in place, keeping every byte Vireo does not
//! own.
//!
//! ```
//! use vireo_domain::*;
//! let spec = DomainSpec::new("demo", DomainType::Qemu, 1024, 1);
//! let xml = spec.to_xml();
//! assert!(xml.contains("<name>demo</name>"));
//! ```
//!
//! Golden files in `tests/golden/` pin the output for each source × firmware × network
//! combination; `VIREO_BLESS=1 cargo test -p vireo-domain` rewrites them, and the test
//! validates each with `virt-xml-validate`.
#![forbid(unsafe_code)]

/// PCIe root ports a new q35 VM is defined with. libvirt puts the VM's own PCIe devices
/// (disk, USB controller, balloon, RNG, agent channel, NIC) on them first and the rest stay
/// free for hot-plugging disks and NICs; 14 is virt-install's default and leaves about 8.
pub const ROOT_PORTS: usize = 14;

pub mod clone;
pub mod disk;
pub mod edit;
pub mod hardware;
pub mod nic;
pub mod platform;
pub mod snapshot;
pub mod splice;
pub mod xml;

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use xml::Writer;

pub const LIBOSINFO_NS: &str = "http://libosinfo.org/xmlns/libvirt/domain/1.0";
/// The least memory a VM gets: firmware and the smallest kernels need about this much.
pub const MIN_MEMORY_MIB: u64 = 64;
/// The virtio-serial channel the QEMU guest agent listens on.
pub const GUEST_AGENT_CHANNEL: &str = "org.qemu.guest_agent.0";

/// `<domain type=...>`: `kvm` with working hardware virtualization, `qemu` (TCG) otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum DomainType {
    Kvm,
    Qemu,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Firmware {
    Bios,
    /// libvirt picks the OVMF build (firmware auto-selection).
    Uefi,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Network {
    /// A libvirt virtual network (NAT `default`).
    Nat {
        network: String,
    },
    /// QEMU user-mode networking (session connections).
    User,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum DiskFormat {
    Qcow2,
    Raw,
}

impl DiskFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            DiskFormat::Qcow2 => "qcow2",
            DiskFormat::Raw => "raw",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum DiskKind {
    Disk,
    Cdrom,
}

/// One disk or CD-ROM, by file path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DiskSpec {
    pub kind: DiskKind,
    pub path: String,
    pub format: DiskFormat,
    /// Virtio when the guest has drivers; SATA otherwise (CD-ROMs are always SATA).
    pub virtio: bool,
    /// 1 boots first.
    pub boot_order: Option<u32>,
    /// For an overlay: the user's image it reads from (path, format). libvirt is told not
    /// to relabel (chown) it, so the user's file stays exactly as it was.
    pub backing: Option<(String, DiskFormat)>,
    /// A file of the user's (an ISO, an image used in place that must keep its owner):
    /// libvirt must not relabel it either.
    pub keep_owner: bool,
}

/// Everything the builder needs to write a domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DomainSpec {
    pub name: String,
    pub domain_type: DomainType,
    pub memory_mib: u64,
    pub vcpus: u32,
    /// libosinfo id, recorded in the metadata as virt-manager and GNOME Boxes do.
    pub os_id: Option<String>,
    pub firmware: Firmware,
    pub disks: Vec<DiskSpec>,
    pub network: Network,
    /// Paravirtual devices (disk, NIC, video, balloon, RNG) when the OS supports them.
    pub virtio: bool,
    /// A TPM 2.0 backed by swtpm.
    pub tpm: bool,
    /// Windows keeps its clock in local time.
    pub clock_localtime: bool,
    /// A log of the serial port's output (`<serial type='pty'><log/>`), for tests and boot
    /// diagnostics; the serial console still attaches.
    pub serial_log: Option<String>,
}

impl DomainSpec {
    /// A minimal BIOS VM with no disk and no network.
    pub fn new(name: &str, domain_type: DomainType, memory_mib: u64, vcpus: u32) -> Self {
        DomainSpec {
            name: name.to_string(),
            domain_type,
            memory_mib,
            vcpus,
            os_id: None,
            firmware: Firmware::Bios,
            disks: Vec::new(),
            network: Network::None,
            virtio: true,
            tpm: false,
            clock_localtime: false,
            serial_log: None,
        }
    }

    pub fn to_xml(&self) -> String {
        let mut w = Writer::new();
        let dtype = match self.domain_type {
            DomainType::Kvm => "kvm",
            DomainType::Qemu => "qemu",
        };
        w.element("domain", &[("type", dtype)], |w| {
            w.text("name", &[], &self.name);
            if let Some(os) = &self.os_id {
                w.element("metadata", &[], |w| {
                    w.element(
                        "libosinfo:libosinfo",
                        &[("xmlns:libosinfo", LIBOSINFO_NS)],
                        |w| {
                            w.empty("libosinfo:os", &[("id", os)]);
                        },
                    );
                });
            }
            let mem = self.memory_mib.to_string();
            w.text("memory", &[("unit", "MiB")], &mem);
            w.text("currentMemory", &[("unit", "MiB")], &mem);
            w.text("vcpu", &[], &self.vcpus.to_string());
            let os_attrs: &[(&str, &str)] = match self.firmware {
                Firmware::Bios => &[],
                Firmware::Uefi => &[("firmware", "efi")],
            };
            w.element("os", os_attrs, |w| {
                w.text("type", &[("arch", "x86_64"), ("machine", "q35")], "hvm");
            });
            w.element("features", &[], |w| {
                w.empty("acpi", &[]);
                w.empty("apic", &[]);
            });
            if self.domain_type == DomainType::Kvm {
                w.empty("cpu", &[("mode", "host-passthrough")]);
            }
            let offset = if self.clock_localtime {
                "localtime"
            } else {
                "utc"
            };
            w.empty("clock", &[("offset", offset)]);
            w.text("on_poweroff", &[], "destroy");
            w.text("on_reboot", &[], "restart");
            w.text("on_crash", &[], "destroy");
            w.element("devices", &[], |w| self.devices(w));
        });
        w.finish()
    }

    fn devices(&self, w: &mut Writer) {
        let (mut vd, mut sd) = (0u8, 0u8);
        for disk in &self.disks {
            let cdrom = disk.kind == DiskKind::Cdrom;
            let virtio = disk.virtio && !cdrom;
            let (dev, bus) = if virtio {
                vd += 1;
                (format!("vd{}", (b'a' + vd - 1) as char), "virtio")
            } else {
                sd += 1;
                (format!("sd{}", (b'a' + sd - 1) as char), "sata")
            };
            disk::write_disk(w, disk, &dev, bus);
        }
        let nic_model = if self.virtio { "virtio" } else { "e1000e" };
        match &self.network {
            Network::Nat { network } => {
                w.element("interface", &[("type", "network")], |w| {
                    w.empty("source", &[("network", network)]);
                    w.empty("model", &[("type", nic_model)]);
                });
            }
            Network::User => {
                w.element("interface", &[("type", "user")], |w| {
                    w.empty("model", &[("type", nic_model)]);
                });
            }
            Network::None => {}
        }
        // PCIe slots to hot-plug disks and NICs into: on q35 each needs a root port of its
        // own, and libvirt adds ports only for the devices a VM is defined with.
        // The root complex first: libvirt numbers unindexed controllers from 0, which must be it.
        w.empty(
            "controller",
            &[("type", "pci"), ("index", "0"), ("model", "pcie-root")],
        );
        for _ in 0..ROOT_PORTS {
            w.empty(
                "controller",
                &[("type", "pci"), ("model", "pcie-root-port")],
            );
        }
        w.empty("controller", &[("type", "usb"), ("model", "qemu-xhci")]);
        // An absolute pointer: the console's mouse lands where the user points.
        w.empty("input", &[("type", "tablet"), ("bus", "usb")]);
        // No TCP listener: the console reaches VNC through libvirt (open_graphics_fd).
        w.element("graphics", &[("type", "vnc")], |w| {
            w.empty("listen", &[("type", "none")]);
        });
        w.element("video", &[], |w| {
            let model = if self.virtio { "virtio" } else { "vga" };
            w.empty("model", &[("type", model)]);
        });
        // A pty, so the serial console can attach; with a log, its output is also kept.
        match &self.serial_log {
            Some(path) => w.element("serial", &[("type", "pty")], |w| {
                w.empty("log", &[("file", path), ("append", "off")]);
            }),
            None => w.empty("serial", &[("type", "pty")]),
        }
        if self.tpm {
            w.element("tpm", &[("model", "tpm-crb")], |w| {
                w.empty("backend", &[("type", "emulator"), ("version", "2.0")]);
            });
        }
        if self.virtio {
            // Agent-aware guests then report their IPs and shut down cleanly.
            w.element("channel", &[("type", "unix")], |w| {
                w.empty(
                    "target",
                    &[("type", "virtio"), ("name", GUEST_AGENT_CHANNEL)],
                );
            });
            // With a stats period the guest's driver reports its own memory use, which the
            // page graphs beside the host's figure.
            w.element("memballoon", &[("model", "virtio")], |w| {
                w.empty("stats", &[("period", "5")]);
            });
            w.element("rng", &[("model", "virtio")], |w| {
                w.text("backend", &[("model", "random")], "/dev/urandom");
            });
        }
    }
}

/// Why a VM name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("a VM needs a name")]
    Empty,
    #[error("a VM name is at most 64 characters")]
    TooLong,
    #[error("'{0}' is not allowed in a VM name: use letters, digits, '.', '_' and '-'")]
    BadChar(char),
    #[error("a VM name cannot start with '.' or '-'")]
    BadStart,
}

/// Names become file names (disk images, logs) and appear in shells: keep them plain.
pub fn validate_name(name: &str) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if name.chars().count() > 64 {
        return Err(NameError::TooLong);
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(NameError::BadChar(c));
    }
    if name.starts_with(['.', '-']) {
        return Err(NameError::BadStart);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_values_are_escaped_and_round_trip() {
        let mut spec = DomainSpec::new("x", DomainType::Qemu, 512, 1);
        spec.name = "a<b>&'\"".to_string();
        spec.disks.push(DiskSpec {
            kind: DiskKind::Disk,
            path: "/tmp/it's <here> & \"there\".qcow2".to_string(),
            format: DiskFormat::Qcow2,
            virtio: true,
            boot_order: Some(1),
            backing: None,
            keep_owner: false,
        });
        spec.os_id = Some("http://x/'><evil/>".to_string());
        let xml = spec.to_xml();
        let doc = roxmltree::Document::parse(&xml).expect("well-formed");
        let root = doc.root_element();
        let name = root.children().find(|n| n.has_tag_name("name")).unwrap();
        assert_eq!(name.text(), Some("a<b>&'\""));
        let source = root
            .descendants()
            .find(|n| n.has_tag_name("source"))
            .unwrap();
        assert_eq!(
            source.attribute("file"),
            Some("/tmp/it's <here> & \"there\".qcow2")
        );
        assert!(root.descendants().all(|n| !n.has_tag_name("evil")));
    }

    #[test]
    fn names_are_validated() {
        assert_eq!(validate_name(""), Err(NameError::Empty));
        assert_eq!(validate_name(&"a".repeat(65)), Err(NameError::TooLong));
        assert_eq!(validate_name("a/b"), Err(NameError::BadChar('/')));
        assert_eq!(validate_name("a<b"), Err(NameError::BadChar('<')));
        assert_eq!(validate_name("a;rm"), Err(NameError::BadChar(';')));
        assert_eq!(validate_name("a b"), Err(NameError::BadChar(' ')));
        assert_eq!(validate_name("-rf"), Err(NameError::BadStart));
        assert_eq!(validate_name("..x"), Err(NameError::BadStart));
        assert!(validate_name("debian-12_2026.11").is_ok());
    }
}
