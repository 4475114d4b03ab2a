//! Network: the NAT network `default`, defined and started only with the user's consent.

use crate::rollback::Rollback;
use crate::CreateError;
use virt::connect::Connect;

pub(crate) fn ensure_network(
    conn: &Connect,
    consent: bool,
    undo: &mut Rollback,
) -> Result<(), CreateError> {
    match conn.lookup_network_by_name("default") {
        Ok(net) if net.is_active().unwrap_or(false) => Ok(()),
        Ok(net) => {
            if !consent {
                return Err(CreateError::Invalid(
                    "the NAT network 'default' is not running: allow Vireo to start it, or \
                     choose another network"
                        .into(),
                ));
            }
            net.create()
                .map_err(CreateError::libvirt("start the network 'default'"))?;
            let started = net.clone();
            undo.push(move || {
                let _ = started.destroy();
            });
            let _ = net.set_autostart(true);
            Ok(())
        }
        Err(_) => {
            if !consent {
                return Err(CreateError::Invalid(
                    "there is no NAT network 'default': allow Vireo to create it, or choose \
                     another network"
                        .into(),
                ));
            }
            let xml = "<network><name>default</name><forward mode='nat'/>\
                       <bridge stp='on' delay='0'/><ip address='192.168.122.1' \
                       netmask='255.255.255.0'><dhcp><range start='192.168.122.2' \
                       end='192.168.122.254'/></dhcp></ip></network>";
            let net = conn
                .define_network_xml(xml)
                .map_err(CreateError::libvirt("define the network 'default'"))?;
            let defined = net.clone();
            undo.push(move || {
                let _ = defined.destroy();
                let _ = defined.undefine();
            });
            net.create()
                .map_err(CreateError::libvirt("start the network 'default'"))?;
            let _ = net.set_autostart(true);
            Ok(())
        }
    }
}
