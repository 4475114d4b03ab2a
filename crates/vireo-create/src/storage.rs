//! Storage: the pool new disks go to (`default` is created when missing), new volumes
//! (empty disks and overlays on an imported image) and the streamed copy of an image.

use crate::rollback::Rollback;
use crate::{Cancel, CreateError, Progress};
use std::io::Read;
use std::path::PathBuf;
use vireo_storage::{ImageFormat, ImageInfo};
use virt::connect::Connect;

fn default_pool_dir(conn: &Connect) -> PathBuf {
    let system = conn.uri().map(|u| u.ends_with("/system")).unwrap_or(true);
    if system {
        PathBuf::from("/var/lib/libvirt/images")
    } else {
        std::env::var_os("XDG_DATA_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
            .unwrap_or_else(|| PathBuf::from("."))
            .join("libvirt/images")
    }
}

pub(crate) fn ensure_pool(
    conn: &Connect,
    name: &str,
    undo: &mut Rollback,
) -> Result<virt::storage_pool::StoragePool, CreateError> {
    if let Ok(pool) = conn.lookup_storage_pool_by_name(name) {
        if !pool.is_active().unwrap_or(false) {
            pool.create(0).map_err(CreateError::libvirt(format!(
                "start the storage pool {name}"
            )))?;
        }
        let _ = pool.refresh(0);
        return Ok(pool);
    }
    if name != "default" {
        return Err(CreateError::Invalid(format!(
            "there is no storage pool called {name}"
        )));
    }
    let dir = default_pool_dir(conn);
    let xml = format!(
        "<pool type='dir'><name>default</name><target><path>{}</path></target></pool>",
        vireo_domain::xml::escape(&dir.to_string_lossy())
    );
    let pool = conn
        .define_storage_pool_xml(&xml, 0)
        .map_err(CreateError::libvirt("create the default storage pool"))?;
    let defined = pool.clone();
    undo.push(move || {
        let _ = defined.destroy();
        let _ = defined.undefine();
    });
    pool.build(0)
        .map_err(CreateError::libvirt("create the default pool's directory"))?;
    pool.create(0)
        .map_err(CreateError::libvirt("start the default storage pool"))?;
    let _ = pool.set_autostart(true);
    Ok(pool)
}

pub(crate) fn volume_xml(
    name: &str,
    capacity: u64,
    backing: Option<(&str, ImageFormat)>,
) -> String {
    let esc = vireo_domain::xml::escape;
    let backing = backing
        .map(|(path, format)| {
            let f = if format == ImageFormat::Qcow2 {
                "qcow2"
            } else {
                "raw"
            };
            format!(
                "<backingStore><path>{}</path><format type='{f}'/></backingStore>",
                esc(path)
            )
        })
        .unwrap_or_default();
    // compat 1.1: libvirt otherwise writes the old 0.10 format.
    format!(
        "<volume><name>{}</name><capacity unit='bytes'>{capacity}</capacity>\
         <target><format type='qcow2'/><compat>1.1</compat></target>{backing}</volume>",
        esc(name)
    )
}

pub(crate) fn new_volume(
    pool: &virt::storage_pool::StoragePool,
    xml: &str,
    what: &str,
    undo: &mut Rollback,
) -> Result<(virt::storage_vol::StorageVol, String), CreateError> {
    let vol = virt::storage_vol::StorageVol::create_xml(pool, xml, 0)
        .map_err(CreateError::libvirt(format!("create {what}")))?;
    let created = vol.clone();
    undo.push(move || {
        let _ = created.delete(0);
    });
    let path = vol
        .path()
        .map_err(CreateError::libvirt(format!("locate {what}")))?;
    Ok((vol, path))
}

pub(crate) fn copy_into(
    conn: &Connect,
    vol: &virt::storage_vol::StorageVol,
    source: &ImageInfo,
    progress: &dyn Fn(Progress),
    cancel: &Cancel,
) -> Result<(), CreateError> {
    let io = |step: &str| {
        let step = step.to_string();
        move |source| CreateError::Io { step, source }
    };
    // The very file inspection judged: never through a link, never blocking on something
    // swapped in meanwhile.
    let mut file = vireo_storage::open_image(source)?;
    let meta = file.metadata().map_err(io("read the image"))?;
    let total = meta.len();
    let stream =
        virt::stream::Stream::new(conn, 0).map_err(CreateError::libvirt("open a stream"))?;
    vol.upload(&stream, 0, total, 0)
        .map_err(CreateError::libvirt("start the copy"))?;
    let mut buf = vec![0u8; 1 << 20];
    let mut done = 0u64;
    loop {
        if cancel.requested() {
            let _ = stream.abort();
            return Err(CreateError::Cancelled);
        }
        let n = file.read(&mut buf).map_err(io("read the image"))?;
        if n == 0 {
            break;
        }
        let mut sent = 0;
        while sent < n {
            let k = stream
                .send(&buf[sent..n])
                .map_err(CreateError::libvirt("copy the image"))?;
            sent += k.max(0) as usize;
        }
        done += n as u64;
        progress(Progress {
            step: "Copying the image".into(),
            done,
            total,
        });
    }
    stream
        .finish()
        .map_err(CreateError::libvirt("finish the copy"))
}
