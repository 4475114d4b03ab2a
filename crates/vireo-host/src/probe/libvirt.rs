//! libvirt facts: library version, the two local connections and what each offers.

use crate::facts::{ConnFacts, ConnFailure, DomainCaps, PoolFacts, Presence, ReachableConn};
use virt::connect::Connect;

pub fn library_version() -> Option<u32> {
    Connect::version().ok()
}

pub fn probe_connection(uri: &str) -> ConnFacts {
    // Opened through vireo-libvirt so the event loop is registered first, as libvirt needs.
    let conn = match vireo_libvirt::open(uri) {
        Ok(c) => c,
        Err(vireo_libvirt::BackendError::Connect { source: e, .. }) => {
            return ConnFacts::Failed {
                kind: classify_failure(&e),
                message: e.message().to_string(),
            }
        }
        Err(e) => {
            return ConnFacts::Failed {
                kind: ConnFailure::Other,
                message: e.to_string(),
            }
        }
    };
    let arch = std::env::consts::ARCH;
    let caps = |virttype: &str| {
        conn.domain_capabilities(None, Some(arch), None, Some(virttype), 0)
            .map_err(|e| e.message().to_string())
            .and_then(|xml| parse_domain_caps(&xml))
    };
    let facts = ReachableConn {
        hypervisor_version: conn.hyp_version().ok(),
        domcaps_kvm: caps("kvm"),
        domcaps_qemu: caps("qemu"),
        default_network: match conn.lookup_network_by_name("default") {
            Err(_) => Presence::Missing,
            Ok(net) => presence(net.is_active().unwrap_or(false)),
        },
        default_pool: match conn.lookup_storage_pool_by_name("default") {
            Err(_) => PoolFacts::default(),
            Ok(pool) => {
                let active = pool.is_active().unwrap_or(false);
                PoolFacts {
                    presence: presence(active),
                    path: pool.xml_desc(0).ok().and_then(|x| pool_path(&x)),
                    available: active
                        .then(|| pool.info().ok().map(|i| i.available))
                        .flatten(),
                }
            }
        },
    };
    ConnFacts::Reachable(Box::new(facts))
}

fn presence(active: bool) -> Presence {
    if active {
        Presence::Active
    } else {
        Presence::Inactive
    }
}

fn classify_failure(e: &virt::error::Error) -> ConnFailure {
    use virt::error::ErrorNumber;
    let msg = e.message();
    let code = e.code();
    let auth = [
        ErrorNumber::AuthFailed,
        ErrorNumber::AuthUnavailable,
        ErrorNumber::AuthCancelled,
        ErrorNumber::OperationDenied,
    ];
    if auth.iter().any(|a| code == (*a).into()) || msg.contains("Permission denied") {
        ConnFailure::PermissionDenied
    } else if msg.contains("No such file or directory") || msg.contains("Connection refused") {
        ConnFailure::DaemonDown
    } else {
        ConnFailure::Other
    }
}

fn pool_path(xml: &str) -> Option<String> {
    let doc = roxmltree::Document::parse(xml).ok()?;
    doc.descendants()
        .find(|n| n.has_tag_name("path") && n.parent().is_some_and(|p| p.has_tag_name("target")))
        .and_then(|n| n.text())
        .map(str::to_string)
}

type Node<'a, 'i> = roxmltree::Node<'a, 'i>;

fn child<'a, 'i>(parent: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    parent.children().find(|n| n.has_tag_name(name))
}

fn supported<'a, 'i>(parent: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    child(parent, name).filter(|n| n.attribute("supported") == Some("yes"))
}

fn values(node: Node<'_, '_>) -> Vec<String> {
    node.children()
        .filter(|n| n.has_tag_name("value"))
        .filter_map(|n| n.text().map(str::to_string))
        .collect()
}

/// `<enum name='NAME'><value>..</value></enum>` under `parent`.
fn enum_values(parent: Option<Node<'_, '_>>, name: &str) -> Vec<String> {
    parent
        .into_iter()
        .flat_map(|p| p.children())
        .filter(|n| n.has_tag_name("enum") && n.attribute("name") == Some(name))
        .flat_map(values)
        .collect()
}

/// Extracts what the check needs from `<domainCapabilities>`.
pub fn parse_domain_caps(xml: &str) -> Result<DomainCaps, String> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| format!("unreadable XML: {e}"))?;
    let root = doc.root_element();
    let text = |name: &str| child(root, name).and_then(|n| n.text()).map(str::to_string);
    let os = supported(root, "os");
    let loaders = os
        .and_then(|os| supported(os, "loader"))
        .map(values)
        .unwrap_or_default();
    let tpm = child(root, "devices").and_then(|d| supported(d, "tpm"));
    Ok(DomainCaps {
        emulator: text("path"),
        machine: text("machine"),
        efi_autoselect: enum_values(os, "firmware").iter().any(|v| v == "efi"),
        loaders,
        tpm_emulator: enum_values(tpm, "backendModel")
            .iter()
            .any(|v| v == "emulator"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAPS: &str = "<domainCapabilities><path>/usr/bin/qemu-system-x86_64</path>\
        <domain>qemu</domain><machine>pc-i440fx-7.2</machine><arch>x86_64</arch>\
        <os supported='yes'><enum name='firmware'><value>efi</value></enum>\
        <loader supported='yes'><value>/usr/share/OVMF/OVMF_CODE_4M.fd</value>\
        <enum name='type'><value>rom</value></enum></loader></os>\
        <devices><tpm supported='yes'><enum name='model'><value>tpm-crb</value></enum>\
        <enum name='backendModel'><value>passthrough</value><value>emulator</value></enum>\
        </tpm></devices></domainCapabilities>";

    #[test]
    fn domain_caps_are_parsed() {
        let caps = parse_domain_caps(CAPS).unwrap();
        assert_eq!(
            caps.emulator.as_deref(),
            Some("/usr/bin/qemu-system-x86_64")
        );
        assert_eq!(caps.machine.as_deref(), Some("pc-i440fx-7.2"));
        assert!(caps.efi_autoselect);
        assert_eq!(
            caps.loaders,
            vec!["/usr/share/OVMF/OVMF_CODE_4M.fd".to_string()]
        );
        assert!(caps.tpm_emulator);
    }

    #[test]
    fn unsupported_loader_lists_nothing() {
        let xml = "<domainCapabilities><os supported='yes'><loader supported='no'>\
                   <value>/x.fd</value></loader></os></domainCapabilities>";
        let caps = parse_domain_caps(xml).unwrap();
        assert!(caps.loaders.is_empty());
        assert!(!caps.efi_autoselect);
        assert!(!caps.tpm_emulator);
    }

    #[test]
    fn broken_xml_is_an_error() {
        assert!(parse_domain_caps("<domainCapabilities>").is_err());
    }

    #[test]
    fn pool_path_is_read() {
        let xml = "<pool type='dir'><name>default</name><source/><target>\
                   <path>/var/lib/libvirt/images</path></target></pool>";
        assert_eq!(pool_path(xml).as_deref(), Some("/var/lib/libvirt/images"));
    }
}
