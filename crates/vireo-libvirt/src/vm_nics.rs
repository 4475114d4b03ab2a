//! Network interfaces of an existing VM: add, remove, cable up/down; now (libvirt's
//! hot-plug) and/or at the next boot (the stored XML, edited in place). A failed stored
//! change undoes the live one, so the two halves never disagree because of Vireo.

use crate::error::BackendError;
use crate::vm;
use crate::vm_config::{self, define, edit_error, xml, Apply};
use std::hash::{BuildHasher, Hasher};
use vireo_domain::nic::{self, NewNic, NicSource};
use virt::connect::Connect;
use virt::sys;

/// Which VM on this connection already uses `mac` (running or stored), if any.
fn mac_user(conn: &Connect, mac: &str) -> Result<Option<String>, BackendError> {
    let doms = conn
        .list_all_domains(0)
        .map_err(|e| BackendError::libvirt("list the VMs", e))?;
    for dom in doms {
        for flags in [0, sys::VIR_DOMAIN_XML_INACTIVE] {
            let Ok(text) = dom.xml_desc(flags) else {
                continue;
            };
            if nic::macs(&text)
                .map_err(edit_error)?
                .iter()
                .any(|m| m == mac)
            {
                return Ok(Some(dom.name().unwrap_or_default()));
            }
        }
    }
    Ok(None)
}

/// A random address in QEMU's range (52:54:00) that no VM on the connection uses.
fn fresh_mac(conn: &Connect) -> Result<String, BackendError> {
    for _ in 0..16 {
        let r = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish();
        let mac = format!(
            "52:54:00:{:02x}:{:02x}:{:02x}",
            (r >> 16) as u8,
            (r >> 8) as u8,
            r as u8
        );
        if mac_user(conn, &mac)?.is_none() {
            return Ok(mac);
        }
    }
    Err(BackendError::Internal("no free MAC address found".into()))
}

fn check_source(conn: &Connect, source: &NicSource, apply: Apply) -> Result<(), BackendError> {
    if let NicSource::Network { name } = source {
        let net = conn.lookup_network_by_name(name).map_err(|_| {
            BackendError::Refused(format!(
                "there is no network {} on this connection",
                vireo_text::shown(name)
            ))
        })?;
        if apply.live() && !net.is_active().unwrap_or(false) {
            return Err(BackendError::Refused(format!(
                "the network {name} is not running: start it first, or add the interface \
                 for the next boot"
            )));
        }
    }
    Ok(())
}

/// Adds an interface; returns its MAC address.
pub fn add_nic(
    conn: &Connect,
    uuid: &str,
    new: &NewNic,
    apply: Apply,
) -> Result<String, BackendError> {
    let current = vm_config::allowed_for(conn, uuid, apply)?;
    check_source(conn, &new.source, apply)?;
    let mac = match &new.mac {
        Some(given) => {
            let mac = nic::validate_mac(given.trim()).map_err(edit_error)?;
            if let Some(user) = mac_user(conn, &mac)? {
                return Err(BackendError::Refused(format!(
                    "the MAC address {mac} is already used by {}: choose another, or leave it \
                     empty for a new one",
                    vireo_text::shown(&user)
                )));
            }
            mac
        }
        None => fresh_mac(conn)?,
    };
    let fragment = nic::nic_xml(new, &mac).map_err(edit_error)?;
    let dom = vm::lookup(conn, uuid)?;
    let next = if apply.config() {
        let stored = xml(&dom, true)?;
        let edited = nic::add_nic(&stored, &fragment).map_err(edit_error)?;
        Some((stored, edited))
    } else {
        None
    };
    if apply.live() {
        dom.attach_device_flags(&fragment, sys::VIR_DOMAIN_AFFECT_LIVE)
            .map_err(|e| {
                BackendError::libvirt(format!("plug a network interface into {}", current.name), e)
            })?;
    }
    if let Some((stored, edited)) = next {
        if let Err(e) = define(conn, &stored, &edited) {
            if apply.live() {
                let _ = dom.detach_device_flags(&fragment, sys::VIR_DOMAIN_AFFECT_LIVE);
            }
            return Err(e);
        }
    }
    Ok(mac)
}

/// Removes the interface with address `mac`.
pub fn remove_nic(conn: &Connect, uuid: &str, mac: &str, apply: Apply) -> Result<(), BackendError> {
    let current = vm_config::allowed_for(conn, uuid, apply)?;
    let dom = vm::lookup(conn, uuid)?;
    let next = if apply.config() {
        let stored = xml(&dom, true)?;
        let (edited, _) = nic::remove_nic(&stored, mac).map_err(edit_error)?;
        Some((stored, edited))
    } else {
        None
    };
    let mut unplugged = None;
    if apply.live() {
        let (_, device) = nic::remove_nic(&xml(&dom, false)?, mac).map_err(edit_error)?;
        // The guest is asked to let go of the card; libvirt finishes when it has.
        dom.detach_device_flags(&device, sys::VIR_DOMAIN_AFFECT_LIVE)
            .map_err(|e| BackendError::libvirt(format!("unplug {mac} from {}", current.name), e))?;
        unplugged = Some(device);
    }
    if let Some((stored, edited)) = next {
        if let Err(e) = define(conn, &stored, &edited) {
            if let Some(device) = unplugged {
                let _ = dom.attach_device_flags(&device, sys::VIR_DOMAIN_AFFECT_LIVE);
            }
            return Err(e);
        }
    }
    Ok(())
}

/// Plugs the cable of interface `mac` in or pulls it out.
pub fn set_nic_link(
    conn: &Connect,
    uuid: &str,
    mac: &str,
    up: bool,
    apply: Apply,
) -> Result<(), BackendError> {
    let current = vm_config::allowed_for(conn, uuid, apply)?;
    let dom = vm::lookup(conn, uuid)?;
    let next = if apply.config() {
        let stored = xml(&dom, true)?;
        let (edited, _) = nic::set_nic_link(&stored, mac, up).map_err(edit_error)?;
        Some((stored, edited))
    } else {
        None
    };
    let mut undo = None;
    if apply.live() {
        let live = xml(&dom, false)?;
        let (_, device) = nic::set_nic_link(&live, mac, up).map_err(edit_error)?;
        let (_, before) = nic::set_nic_link(&live, mac, !up).map_err(edit_error)?;
        dom.update_device_flags(&device, sys::VIR_DOMAIN_AFFECT_LIVE)
            .map_err(|e| {
                let what = if up { "plug in" } else { "pull out" };
                BackendError::libvirt(format!("{what} the cable of {mac} on {}", current.name), e)
            })?;
        undo = Some(before);
    }
    if let Some((stored, edited)) = next {
        if let Err(e) = define(conn, &stored, &edited) {
            if let Some(before) = undo {
                let _ = dom.update_device_flags(&before, sys::VIR_DOMAIN_AFFECT_LIVE);
            }
            return Err(e);
        }
    }
    Ok(())
}
