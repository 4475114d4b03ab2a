//! A running VM's IP addresses, found as virt-manager and Cockpit find them: the guest agent
//! first (it knows every interface, including ones on bridges), then the DHCP leases of
//! libvirt's networks, then the host's ARP table. The first source that names an address
//! answers; every source tried says what it found, so "no address" is explained.

use crate::error::BackendError;
use crate::ffi;
use crate::vm;
use serde::Serialize;
use ts_rs::TS;
use virt::connect::Connect;
use virt::sys;

/// Where an address came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum AddressSource {
    /// `org.qemu.guest_agent.0`, asked inside the guest.
    Agent,
    /// A DHCP lease of a libvirt network (dnsmasq's).
    Lease,
    /// The host's ARP/neighbour table.
    Arp,
}

impl AddressSource {
    const ALL: [AddressSource; 3] = [
        AddressSource::Agent,
        AddressSource::Lease,
        AddressSource::Arp,
    ];

    fn flag(self) -> u32 {
        match self {
            AddressSource::Agent => sys::VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT,
            AddressSource::Lease => sys::VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE,
            AddressSource::Arp => sys::VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_ARP,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AddressSource::Agent => "guest agent",
            AddressSource::Lease => "DHCP lease",
            AddressSource::Arp => "ARP table",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct GuestAddress {
    /// The guest's name for the interface (`eth0`) or the host's (`vnet3`), as the source says.
    pub interface: String,
    pub mac: Option<String>,
    /// `ipv4` or `ipv6`.
    pub family: String,
    pub address: String,
    pub prefix: u32,
}

/// One source asked, and what it answered (`3 addresses`, or libvirt's reason).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SourceTried {
    pub source: AddressSource,
    pub outcome: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct VmAddresses {
    /// The source that answered; None when none named an address (or the VM is not running).
    pub source: Option<AddressSource>,
    pub addresses: Vec<GuestAddress>,
    /// Every source asked, in order, up to the one that answered.
    pub tried: Vec<SourceTried>,
}

/// Loopback and link-local addresses say nothing about how to reach the VM.
fn useful(family: i32, address: &str) -> bool {
    match family as u32 {
        sys::VIR_IP_ADDR_TYPE_IPV4 => !address.starts_with("127."),
        _ => {
            let a = address.to_ascii_lowercase();
            a != "::1" && !a.starts_with("fe80:")
        }
    }
}

fn from_raw(raw: Vec<ffi::RawInterface>) -> Vec<GuestAddress> {
    let mut out = Vec::new();
    for iface in raw {
        for (family, address, prefix) in iface.addrs {
            if !useful(family, &address) {
                continue;
            }
            out.push(GuestAddress {
                interface: vireo_text::shown(&iface.name),
                mac: iface.mac.as_deref().map(vireo_text::shown),
                family: if family as u32 == sys::VIR_IP_ADDR_TYPE_IPV4 {
                    "ipv4".into()
                } else {
                    "ipv6".into()
                },
                address: vireo_text::shown(&address),
                prefix,
            });
        }
    }
    out
}

/// The VM's addresses, from the first source that knows one. Never fails for a source's
/// sake: an agent that is absent or silent is an outcome, not an error.
pub fn addresses(conn: &Connect, uuid: &str) -> Result<VmAddresses, BackendError> {
    let dom = vm::lookup(conn, uuid)?;
    let active = dom
        .is_active()
        .map_err(|e| BackendError::libvirt("read the VM's state", e))?;
    let mut found = VmAddresses {
        source: None,
        addresses: Vec::new(),
        tried: Vec::new(),
    };
    if !active {
        return Ok(found);
    }
    for source in AddressSource::ALL {
        match ffi::interface_addresses(&dom, source.flag()) {
            Ok(raw) => {
                let addresses = from_raw(raw);
                let outcome = match addresses.len() {
                    0 => "no addresses".to_string(),
                    1 => "1 address".to_string(),
                    n => format!("{n} addresses"),
                };
                found.tried.push(SourceTried { source, outcome });
                if !addresses.is_empty() {
                    found.source = Some(source);
                    found.addresses = addresses;
                    break;
                }
            }
            Err(e) => found.tried.push(SourceTried {
                source,
                outcome: vireo_text::shown(e.message()),
            }),
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_and_link_local_are_left_out() {
        let v4 = sys::VIR_IP_ADDR_TYPE_IPV4 as i32;
        let v6 = sys::VIR_IP_ADDR_TYPE_IPV6 as i32;
        let raw = vec![
            ffi::RawInterface {
                name: "lo".into(),
                mac: None,
                addrs: vec![(v4, "127.0.0.1".into(), 8), (v6, "::1".into(), 128)],
            },
            ffi::RawInterface {
                name: "eth0\u{202e}".into(),
                mac: Some("52:54:00:aa:bb:cc".into()),
                addrs: vec![
                    (v4, "192.168.122.7".into(), 24),
                    (v6, "FE80::1".into(), 64),
                    (v6, "fd00::7".into(), 64),
                ],
            },
        ];
        let got = from_raw(raw);
        let shown: Vec<_> = got
            .iter()
            .map(|a| (a.family.as_str(), a.address.as_str()))
            .collect();
        assert_eq!(shown, [("ipv4", "192.168.122.7"), ("ipv6", "fd00::7")]);
        // A guest's own name for its interface is outside text: escaped.
        assert_eq!(got[0].interface, "eth0\\u{202e}");
    }
}
