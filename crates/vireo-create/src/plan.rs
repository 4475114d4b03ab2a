//! The plan: the disks and the domain a validated request becomes. `create` defines it and
//! `preview_xml` shows it, from the same code, so the preview is what gets defined.

use crate::{CreateRequest, HostLimits, ImportMode, NetworkChoice, Source};
use vireo_domain::{DiskFormat, DiskKind, DiskSpec, DomainSpec, Network};
use vireo_storage::{ImageFormat, ImageInfo};

/// The domain spec for a validated request and its disk paths.
pub(crate) fn domain_spec(
    req: &CreateRequest,
    host: &HostLimits,
    disks: Vec<DiskSpec>,
) -> DomainSpec {
    let mut spec = DomainSpec::new(&req.name, host.domain_type, req.memory_mib, req.vcpus);
    spec.os_id = req.os_id.clone();
    spec.firmware = req.firmware;
    spec.tpm = req.tpm;
    spec.virtio = req.virtio;
    spec.disks = disks;
    spec.clock_localtime = req
        .os_id
        .as_deref()
        .is_some_and(|id| id.contains("microsoft.com/win"));
    spec.network = match req.network {
        NetworkChoice::Nat => Network::Nat {
            network: "default".into(),
        },
        NetworkChoice::User => Network::User,
        NetworkChoice::None => Network::None,
    };
    spec.serial_log = req.serial_log.clone();
    spec
}

pub(crate) fn copy_name(req: &CreateRequest, info: &ImageInfo) -> String {
    let ext = if info.format == ImageFormat::Qcow2 {
        "qcow2"
    } else {
        "img"
    };
    format!("{}.{ext}", req.name)
}

/// The VM's disks, given the path of its new disk (unused when the image is used in place).
/// Shared by `create` and `preview_xml`, so the preview is exactly what gets defined.
pub(crate) fn planned_disks(
    req: &CreateRequest,
    image: Option<&ImageInfo>,
    new_disk: String,
) -> Vec<DiskSpec> {
    let image_format = image
        .map(|i| disk_format(i.format))
        .unwrap_or(DiskFormat::Qcow2);
    // The real file inspection judged, never the link the user chose (it could be swapped).
    let real = |path: &String| {
        image
            .map(|i| i.path.clone())
            .unwrap_or_else(|| path.clone())
    };
    match &req.source {
        Source::Empty { .. } => vec![disk(
            DiskKind::Disk,
            new_disk,
            DiskFormat::Qcow2,
            req.virtio,
            1,
        )],
        // The disk boots first: while it is blank the firmware moves on to the installer's
        // CD, and from the installer's first reboot the VM starts from what it installed,
        // with no process watching for that reboot (DESIGN.md, "ISO installs").
        Source::Iso { path, .. } => vec![
            disk(DiskKind::Disk, new_disk, DiskFormat::Qcow2, req.virtio, 1),
            disk(DiskKind::Cdrom, real(path), DiskFormat::Raw, false, 2),
        ],
        Source::Import {
            path,
            mode: ImportMode::Overlay,
        } => {
            let mut d = disk(DiskKind::Disk, new_disk, DiskFormat::Qcow2, req.virtio, 1);
            d.backing = Some((real(path), image_format));
            vec![d]
        }
        Source::Import {
            mode: ImportMode::Copy,
            ..
        } => {
            vec![disk(DiskKind::Disk, new_disk, image_format, req.virtio, 1)]
        }
        Source::Import {
            path,
            mode: ImportMode::InPlace,
        } => {
            vec![disk(
                DiskKind::Disk,
                real(path),
                image_format,
                req.virtio,
                1,
            )]
        }
    }
}

/// The XML the request would define (the wizard's "view XML"); `image` is what `validate`
/// returned. Nothing is created.
pub fn preview_xml(
    req: &CreateRequest,
    host: &HostLimits,
    image: Option<&ImageInfo>,
    pool_dir: &str,
) -> String {
    let name = match (&req.source, image) {
        (
            Source::Import {
                mode: ImportMode::Copy,
                ..
            },
            Some(info),
        ) => copy_name(req, info),
        _ => format!("{}.qcow2", req.name),
    };
    let disks = planned_disks(req, image, format!("{pool_dir}/{name}"));
    domain_spec(req, host, disks).to_xml()
}

fn disk(kind: DiskKind, path: String, format: DiskFormat, virtio: bool, boot: u32) -> DiskSpec {
    DiskSpec {
        // An ISO is the user's file: libvirt must not chown it.
        keep_owner: kind == DiskKind::Cdrom,
        kind,
        path,
        format,
        virtio,
        boot_order: Some(boot),
        backing: None,
    }
}

fn disk_format(f: ImageFormat) -> DiskFormat {
    if f == ImageFormat::Qcow2 {
        DiskFormat::Qcow2
    } else {
        DiskFormat::Raw
    }
}
