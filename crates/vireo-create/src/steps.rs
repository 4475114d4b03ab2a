//! The steps of a creation, in order: the network, the pool, the storage, the domain, and
//! starting it. Each step that creates something logs its undo first.

use crate::network::ensure_network;
use crate::plan::{copy_name, domain_spec, planned_disks};
use crate::rollback::Rollback;
use crate::storage::{copy_into, ensure_pool, new_volume, volume_xml};
use crate::{Cancel, CreateError, CreateRequest, Created, HostLimits, ImportMode, NetworkChoice};
use crate::{Progress, Source};
use vireo_storage::ImageInfo;
use virt::connect::Connect;

/// Runs the steps; on an error the caller runs `undo`, which holds every step taken.
pub(crate) fn create_steps(
    conn: &Connect,
    req: &CreateRequest,
    host: &HostLimits,
    image: Option<ImageInfo>,
    progress: &dyn Fn(Progress),
    cancel: &Cancel,
    undo: &mut Rollback,
) -> Result<Created, CreateError> {
    if req.network == NetworkChoice::Nat {
        ensure_network(conn, req.setup_network, undo)?;
    }
    let needs_pool = !matches!(
        req.source,
        Source::Import {
            mode: ImportMode::InPlace,
            ..
        }
    );
    let pool = if needs_pool {
        Some(ensure_pool(
            conn,
            req.pool.as_deref().unwrap_or("default"),
            undo,
        )?)
    } else {
        None
    };
    let vol_name = format!("{}.qcow2", req.name);
    let gib = |g: u64| g << 30;
    // Create the storage; `new_disk` is the path of the disk this VM gets, if a new one.
    let new_disk = match (&req.source, pool.as_ref()) {
        (Source::Empty { disk_gib }, Some(pool)) | (Source::Iso { disk_gib, .. }, Some(pool)) => {
            let xml = volume_xml(&vol_name, gib(*disk_gib), None);
            Some(new_volume(pool, &xml, "the disk", undo)?.1)
        }
        (
            Source::Import {
                mode: ImportMode::Overlay,
                ..
            },
            Some(pool),
        ) => {
            let info = image.as_ref().expect("validated");
            let xml = volume_xml(
                &vol_name,
                info.virtual_size,
                Some((&info.path, info.format)),
            );
            Some(new_volume(pool, &xml, "the overlay disk", undo)?.1)
        }
        (
            Source::Import {
                mode: ImportMode::Copy,
                ..
            },
            Some(pool),
        ) => {
            let info = image.as_ref().expect("validated");
            let xml = format!(
                "<volume><name>{}</name><capacity unit='bytes'>{}</capacity>\
                 <allocation unit='bytes'>0</allocation><target><format type='raw'/></target></volume>",
                vireo_domain::xml::escape(&copy_name(req, info)),
                info.file_size
            );
            // The copy is byte for byte, so a qcow2 stays a qcow2 inside a raw-allocated file.
            let (vol, copy_path) = new_volume(pool, &xml, "the copy", undo)?;
            copy_into(conn, &vol, info, progress, cancel)?;
            Some(copy_path)
        }
        (
            Source::Import {
                mode: ImportMode::InPlace,
                ..
            },
            _,
        ) => None,
        (_, None) => unreachable!("every other source has a pool"),
    };
    let disks = planned_disks(req, image.as_ref(), new_disk.unwrap_or_default());
    if cancel.requested() {
        return Err(CreateError::Cancelled);
    }
    let spec = domain_spec(req, host, disks);
    let xml = spec.to_xml();
    let dom = conn
        .define_domain_xml(&xml)
        .map_err(CreateError::libvirt(format!("define {}", req.name)))?;
    let defined = dom.clone();
    undo.push(move || {
        let _ = defined.destroy();
        let flags =
            virt::sys::VIR_DOMAIN_UNDEFINE_NVRAM | virt::sys::VIR_DOMAIN_UNDEFINE_MANAGED_SAVE;
        let _ = defined
            .undefine_flags(flags)
            .or_else(|_| defined.undefine());
    });
    let uuid = dom
        .uuid_string()
        .map_err(CreateError::libvirt("read the new VM's UUID"))?;
    if req.start {
        dom.create()
            .map_err(CreateError::libvirt(format!("start {}", req.name)))?;
    }
    Ok(Created {
        uuid,
        name: req.name.clone(),
        xml,
        started: req.start,
    })
}
