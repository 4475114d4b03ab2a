//! Network interfaces after a VM exists: what a new one is ([`NewNic`], written by the
//! escaping builder), and the in-place edits that add, remove or unplug one (by MAC) in the
//! stored XML. Each edit also returns the interface alone, for libvirt's live calls.

use crate::edit::EditError;
use crate::splice::Splices;
use crate::xml::Writer;
use roxmltree::{Document, Node};
use serde::Deserialize;
use ts_rs::TS;

/// Where a new interface is plugged in.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum NicSource {
    /// A libvirt network (`default` is the NAT one).
    Network { name: String },
    /// A host bridge (`br0`).
    Bridge { name: String },
    /// QEMU's user-mode networking (session connections; no inbound connections).
    User,
}

/// The emulated card. virtio is fastest; the others are for guests without virtio drivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum NicModel {
    Virtio,
    E1000e,
    E1000,
    Rtl8139,
}

impl NicModel {
    pub fn as_str(self) -> &'static str {
        match self {
            NicModel::Virtio => "virtio",
            NicModel::E1000e => "e1000e",
            NicModel::E1000 => "e1000",
            NicModel::Rtl8139 => "rtl8139",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewNic {
    pub source: NicSource,
    pub model: NicModel,
    /// None: a random address in QEMU's range (52:54:00:…).
    pub mac: Option<String>,
}

/// The address in libvirt's form (lowercase), or why it cannot be a NIC's: six hex octets,
/// unicast, not all zero.
pub fn validate_mac(mac: &str) -> Result<String, EditError> {
    let bad = || {
        EditError::Invalid(format!(
            "{} is not a MAC address: six pairs of hex digits separated by colons \
             (52:54:00:12:34:56)",
            vireo_text::shown(mac)
        ))
    };
    let octets: Vec<u8> = mac
        .split(':')
        .map(|o| {
            if o.len() == 2 {
                u8::from_str_radix(o, 16).map_err(|_| bad())
            } else {
                Err(bad())
            }
        })
        .collect::<Result<_, _>>()?;
    if octets.len() != 6 {
        return Err(bad());
    }
    if octets[0] & 1 == 1 {
        return Err(EditError::Invalid(format!(
            "{mac} is a multicast address: a NIC needs a unicast one (an even first octet)"
        )));
    }
    if octets.iter().all(|&o| o == 0) {
        return Err(EditError::Invalid(
            "00:00:00:00:00:00 is not a usable MAC address".into(),
        ));
    }
    Ok(mac.to_ascii_lowercase())
}

/// Interface names as Linux allows them for bridges: up to 15 characters, no slash, space
/// or colon; we keep to the characters bridges are given in practice.
fn validate_bridge(name: &str) -> Result<(), EditError> {
    let ok = !name.is_empty()
        && name.len() <= 15
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(EditError::Invalid(format!(
            "{} is not a bridge name: up to 15 letters, digits, '-', '_' or '.'",
            vireo_text::shown(name)
        )))
    }
}

/// The `<interface>` element for `nic` with the address `mac` (already validated).
pub fn nic_xml(nic: &NewNic, mac: &str) -> Result<String, EditError> {
    let mut w = Writer::new();
    let kind = match &nic.source {
        NicSource::Network { name } => {
            crate::validate_name(name)
                .map_err(|e| EditError::Invalid(format!("the network name is not usable: {e}")))?;
            "network"
        }
        NicSource::Bridge { name } => {
            validate_bridge(name)?;
            "bridge"
        }
        NicSource::User => "user",
    };
    w.element("interface", &[("type", kind)], |w| {
        w.empty("mac", &[("address", mac)]);
        match &nic.source {
            NicSource::Network { name } => w.empty("source", &[("network", name)]),
            NicSource::Bridge { name } => w.empty("source", &[("bridge", name)]),
            NicSource::User => {}
        }
        w.empty("model", &[("type", nic.model.as_str())]);
    });
    Ok(w.finish())
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

fn mac_of<'a>(nic: Node<'a, '_>) -> Option<&'a str> {
    nic.children()
        .find(|n| n.has_tag_name("mac"))
        .and_then(|m| m.attribute("address"))
}

/// Every interface's MAC address in a domain's XML, lowercase.
pub fn macs(xml: &str) -> Result<Vec<String>, EditError> {
    let doc = parse(xml)?;
    let Ok(devices) = devices_node(&doc) else {
        return Ok(Vec::new());
    };
    Ok(devices
        .children()
        .filter(|n| n.has_tag_name("interface"))
        .filter_map(mac_of)
        .map(str::to_ascii_lowercase)
        .collect())
}

fn find_nic<'a, 'i>(doc: &'a Document<'i>, mac: &str) -> Result<Node<'a, 'i>, EditError> {
    devices_node(doc)?
        .children()
        .filter(|n| n.has_tag_name("interface"))
        .find(|n| mac_of(*n).is_some_and(|m| m.eq_ignore_ascii_case(mac)))
        .ok_or_else(|| {
            EditError::Invalid(format!(
                "the VM has no network interface {}",
                vireo_text::shown(mac)
            ))
        })
}

/// Adds the interface `fragment` (from [`nic_xml`]) as the last device.
pub fn add_nic(xml: &str, fragment: &str) -> Result<String, EditError> {
    let doc = parse(xml)?;
    let mut s = Splices::new(xml);
    s.append_child(devices_node(&doc)?, fragment);
    Ok(s.finish()?)
}

/// Removes the interface with address `mac`; returns the domain without it and the
/// interface as it was (what libvirt's detach is given).
pub fn remove_nic(xml: &str, mac: &str) -> Result<(String, String), EditError> {
    let doc = parse(xml)?;
    let nic = find_nic(&doc, mac)?;
    let device = xml[nic.range()].to_string();
    let mut s = Splices::new(xml);
    s.remove_element(nic);
    Ok((s.finish()?, device))
}

/// Plugs the cable of interface `mac` in (`up`) or pulls it; returns the domain and the
/// changed interface (for libvirt's live update).
pub fn set_nic_link(xml: &str, mac: &str, up: bool) -> Result<(String, String), EditError> {
    let doc = parse(xml)?;
    let nic = find_nic(&doc, mac)?;
    let state = if up { "up" } else { "down" };
    let mut s = Splices::new(xml);
    match nic.children().find(|n| n.has_tag_name("link")) {
        Some(link) => s.set_attr(link, "state", state),
        None => s.append_child(nic, &format!("<link state='{state}'/>")),
    }
    let edited = s.finish()?;
    let doc = parse(&edited)?;
    let device = edited[find_nic(&doc, mac)?.range()].to_string();
    Ok((edited, device))
}
