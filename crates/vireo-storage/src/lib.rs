//! # vireo-storage
//!
//! Inspecting disk images before Vireo uses them: format (from the content, never the name),
//! virtual size, and the backing chain — refusing, before any other program touches the file,
//! what would be unsafe to hand to QEMU: a path into the host's system directories, a link
//! swapped under us, a format that contradicts the file name, a truncated or non-image file,
//! a qcow2 whose header QEMU's own rules refuse or that carries an external data file, an
//! encrypted, corrupt or unknown-feature image, and a backing chain that leaves the image's
//! directory, names a protocol (`file:`, `json:`, `nbd://`), loops or points at a device.
//!
//! ```no_run
//! let info = vireo_storage::inspect(std::path::Path::new("debian.qcow2"), &[]).unwrap();
//! println!("{:?} {} bytes", info.format, info.virtual_size);
//! ```
//!
//! Headers are parsed here (a few microseconds, [`qcow2`]) rather than by running `qemu-img`
//! on files we do not trust yet. Paths are resolved and judged from metadata first
//! ([`path`]); every name taken from a file is shown through [`vireo_text::shown`].
#![forbid(unsafe_code)]

pub mod path;
pub mod qcow2;
pub mod snapshots;
#[cfg(feature = "testing")]
pub mod testing;

pub use path::{open_image, resolve, FileIdentity, Resolved};

use serde::Serialize;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use ts_rs::TS;
use vireo_text::shown;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum ImageFormat {
    Qcow2,
    Raw,
    /// An ISO 9660 CD/DVD image (raw, read-only use).
    Iso,
}

/// What inspection found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImageInfo {
    /// The real path (every link resolved): what Vireo uses.
    pub path: String,
    /// The path as chosen, when it is a link to `path` (shown as link and target).
    pub link: Option<String>,
    pub format: ImageFormat,
    /// Bytes the guest sees.
    pub virtual_size: u64,
    /// Bytes on the host.
    pub file_size: u64,
    /// Backing files, nearest first (empty for a standalone image).
    pub backing_chain: Vec<String>,
    /// What the user must confirm before the image is used.
    pub warnings: Vec<ImageWarning>,
    /// The judged file (device and inode): later opens must find this very file.
    #[serde(skip)]
    #[ts(skip)]
    pub identity: path::FileIdentity,
}

/// Which warning: the create request acknowledges warnings by these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum WarningId {
    /// A qcow2 that was not closed cleanly (its dirty bit is set).
    DirtyImage,
    /// The virtual size is larger than the storage pool.
    LargerThanPool,
    /// The virtual size is larger than the pool's free space.
    LargerThanFreeSpace,
    /// The file is already a disk of another VM.
    SharedDisk,
}

/// Something about a source the user must confirm; nothing is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImageWarning {
    pub id: WarningId,
    pub message: String,
}

/// Why an image is refused. Every string in it is already shown ([`vireo_text::shown`]).
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("{0} does not exist")]
    Missing(String),
    #[error("{path} is a link to {target}, which does not exist")]
    DanglingLink { path: String, target: String },
    #[error("{0} is a directory, not a disk image")]
    Directory(String),
    #[error("{0} is not a regular file")]
    NotAFile(String),
    #[error("{path} is a host system file (under {dir}): Vireo never uses those as a VM's disk")]
    SystemFile { path: String, dir: &'static str },
    #[error("{0} has control or invisible characters in its path: rename it")]
    HiddenPath(String),
    #[error("{0} changed while Vireo was reading it: choose it again")]
    Changed(String),
    #[error("cannot read {path}")]
    Unreadable {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is named .{ext} but is a {actual} image: rename it, or convert it with qemu-img convert")]
    FormatMismatch {
        path: String,
        ext: String,
        actual: &'static str,
    },
    #[error("{path} is a {format} image, which Vireo does not use directly: convert it with qemu-img convert -O qcow2")]
    Unsupported { path: String, format: &'static str },
    #[error("{0} is truncated: its qcow2 header points past the end of the file")]
    Truncated(String),
    #[error("{0} is not a disk image (no partition table, boot sector or known image header)")]
    NotAnImage(String),
    #[error("{path} has an invalid qcow2 header: {why}")]
    BadHeader { path: String, why: String },
    #[error(
        "{path} uses the qcow2 feature {feature}, which Vireo does not know: it refuses the image"
    )]
    UnknownFeature { path: String, feature: String },
    #[error("{path} keeps its data in another file ({data_file}): Vireo never imports a qcow2 with an external data file")]
    ExternalData { path: String, data_file: String },
    #[error(
        "{0} is marked corrupt by QEMU: check it with qemu-img check, or choose another image"
    )]
    Corrupt(String),
    #[error(
        "{0} is encrypted: encrypted images are not supported (convert it with qemu-img convert)"
    )]
    Encrypted(String),
    #[error("{path} uses compression type {kind}, which QEMU does not open")]
    UnsupportedCompression { path: String, kind: u8 },
    #[error("{path} claims a virtual size of {size} bytes, more than QEMU can open")]
    SizeTooLarge { path: String, size: u64 },
    #[error("{path} names its backing file {backing}, with control or invisible characters: Vireo refuses it")]
    HiddenCharacters { path: String, backing: String },
    #[error("{image} uses {backing} as its backing file, which {why}; Vireo refuses to open it")]
    UnsafeBacking {
        image: String,
        backing: String,
        why: &'static str,
    },
    #[error("{image} uses {backing} as its backing file, which is a network or JSON source (the protocol '{protocol}'), not a file; Vireo refuses to open it")]
    BackingProtocol {
        image: String,
        backing: String,
        protocol: String,
    },
    #[error("{image} says its backing file {backing} is {declared}, but it is a {actual} image")]
    BackingFormatMismatch {
        image: String,
        backing: String,
        declared: String,
        actual: &'static str,
    },
    #[error("the backing chain of {image} is a loop: {files}")]
    ChainLoop { image: String, files: String },
    #[error("the backing chain of {image} is deeper than {MAX_CHAIN} images; it stops at {last}")]
    ChainTooDeep { image: String, last: String },
}

/// Backing files followed before the chain is called too deep.
pub const MAX_CHAIN: usize = 16;

/// Formats we recognise by their magic but do not use directly.
fn other_format(head: &[u8]) -> Option<&'static str> {
    let starts = |m: &[u8]| head.starts_with(m);
    if starts(b"KDMV") || starts(b"# Disk DescriptorFile") {
        Some("VMDK")
    } else if head.len() > 0x44 && head[0x40..0x44] == [0x7f, 0x10, 0xda, 0xbe] {
        Some("VDI")
    } else if starts(b"vhdxfile") {
        Some("VHDX")
    } else if starts(b"conectix") {
        Some("VHD")
    } else if starts(b"QED\0") {
        Some("QED")
    } else if starts(b"LUKS\xba\xbe") {
        Some("LUKS-encrypted")
    } else {
        None
    }
}

/// Raw data that looks like a disk: an MBR/GPT boot signature or a whole-disk filesystem.
fn looks_like_raw_disk(head: &[u8]) -> bool {
    let mbr = head.len() >= 512 && head[510] == 0x55 && head[511] == 0xaa;
    let ext = head.len() >= 1082 && head[1080] == 0x53 && head[1081] == 0xef;
    mbr || ext
}

/// The first [`qcow2::HEADER_READ`] bytes of a judged file, read from the opened file.
fn read_head(r: &Resolved) -> Result<Vec<u8>, ImageError> {
    let mut file = path::open_judged(r)?;
    let mut head = Vec::with_capacity(qcow2::HEADER_READ);
    file.seek(SeekFrom::Start(0))
        .and_then(|_| file.take(qcow2::HEADER_READ as u64).read_to_end(&mut head))
        .map_err(|source| ImageError::Unreadable {
            path: shown(&r.real.display().to_string()),
            source,
        })?;
    Ok(head)
}

/// ISO 9660: "CD001" at byte 0x8001.
fn is_iso(head: &[u8]) -> bool {
    head.get(0x8001..0x8006) == Some(b"CD001")
}

/// Inspects `path` and its backing chain. `allowed_backing` lists files the user chose
/// explicitly that may appear in the chain even outside the image's directory.
pub fn inspect(path: &Path, allowed_backing: &[PathBuf]) -> Result<ImageInfo, ImageError> {
    let resolved = resolve(path)?;
    let real = &resolved.real;
    let shown_path = shown(&real.display().to_string());
    let head = read_head(&resolved)?;
    let file_size = resolved.meta.len();
    // The name the user sees decides what they expect; the link's name counts too.
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let link = resolved
        .chosen
        .as_ref()
        .map(|c| shown(&c.display().to_string()));

    if let Some(format) = other_format(&head) {
        return Err(ImageError::Unsupported {
            path: shown_path,
            format,
        });
    }
    if head.starts_with(qcow2::MAGIC) {
        if ext == "raw" || ext == "iso" {
            return Err(ImageError::FormatMismatch {
                path: shown_path,
                ext: shown(&ext),
                actual: "qcow2",
            });
        }
        let header = qcow2::parse(&head, file_size, &real.display().to_string())?;
        let mut warnings = Vec::new();
        if header.dirty {
            warnings.push(ImageWarning {
                id: WarningId::DirtyImage,
                message: format!(
                    "{shown_path} was not closed cleanly (its dirty bit is set). Vireo does not \
                     repair it: as an overlay or a copy it is used as it is; QEMU checks it when \
                     it opens it"
                ),
            });
        }
        let backing_chain = backing_chain(real, &header, allowed_backing)?;
        return Ok(ImageInfo {
            path: real.display().to_string(),
            link,
            format: ImageFormat::Qcow2,
            virtual_size: header.size,
            file_size,
            backing_chain,
            warnings,
            identity: path::identity(&resolved.meta),
        });
    }
    let format = if is_iso(&head) {
        ImageFormat::Iso
    } else if looks_like_raw_disk(&head) {
        ImageFormat::Raw
    } else if head.len() < 512 || file_size < 1 << 20 {
        return Err(ImageError::NotAnImage(shown_path));
    } else if head.iter().all(|b| *b == 0) {
        // A blank raw disk (zeroed, nothing installed yet) is a legitimate image.
        ImageFormat::Raw
    } else {
        return Err(ImageError::NotAnImage(shown_path));
    };
    if ext == "qcow2" {
        let actual = if format == ImageFormat::Iso {
            "ISO"
        } else {
            "raw"
        };
        return Err(ImageError::FormatMismatch {
            path: shown_path,
            ext,
            actual,
        });
    }
    Ok(ImageInfo {
        path: real.display().to_string(),
        link,
        format,
        virtual_size: file_size,
        file_size,
        backing_chain: Vec::new(),
        warnings: Vec::new(),
        identity: path::identity(&resolved.meta),
    })
}

/// The protocol of a backing name QEMU would treat as one (`file:`, `json:`, `nbd://`): a
/// `:` before any `/`, as QEMU's own `path_has_protocol` decides.
fn protocol_of(name: &str) -> Option<&str> {
    let cut = name.find([':', '/'])?;
    (name.as_bytes()[cut] == b':').then(|| &name[..cut])
}

fn format_name(f: ImageFormat) -> &'static str {
    match f {
        ImageFormat::Qcow2 => "qcow2",
        ImageFormat::Raw => "raw",
        ImageFormat::Iso => "raw",
    }
}

/// Follows the backing chain of the judged image `image`, judging every file the same way
/// before it is opened.
fn backing_chain(
    image: &Path,
    top: &qcow2::Qcow2Header,
    allowed: &[PathBuf],
) -> Result<Vec<String>, ImageError> {
    let image_shown = shown(&image.display().to_string());
    let image_dir = image.parent().map(Path::to_path_buf).unwrap_or_default();
    let allowed: Vec<PathBuf> = allowed
        .iter()
        .filter_map(|p| p.canonicalize().ok())
        .collect();
    let mut chain: Vec<PathBuf> = Vec::new();
    let mut current = image.to_path_buf();
    let mut next = top.backing.clone().zip(Some(top.backing_format.clone()));
    while let Some((name, declared)) = next.take() {
        let backing = shown(&name);
        let unsafe_backing = |why| ImageError::UnsafeBacking {
            image: image_shown.clone(),
            backing: backing.clone(),
            why,
        };
        if let Some(protocol) = protocol_of(&name) {
            return Err(ImageError::BackingProtocol {
                image: image_shown.clone(),
                backing: backing.clone(),
                protocol: shown(protocol),
            });
        }
        if chain.len() >= MAX_CHAIN {
            return Err(ImageError::ChainTooDeep {
                image: image_shown.clone(),
                last: shown(&current.display().to_string()),
            });
        }
        let dir = current.parent().unwrap_or(Path::new("."));
        let candidate = dir.join(&name);
        // Resolve without opening; where it lies decides before what it is.
        let real = match std::fs::canonicalize(&candidate) {
            Ok(r) => r,
            Err(_) => return Err(unsafe_backing("does not exist")),
        };
        let inside = real.parent() == Some(image_dir.as_path());
        if !inside && !allowed.contains(&real) {
            return Err(unsafe_backing("lies outside the image's own directory"));
        }
        if real == image || chain.contains(&real) {
            let mut files: Vec<String> = std::iter::once(image.to_path_buf())
                .chain(chain.iter().cloned())
                .chain(std::iter::once(real.clone()))
                .map(|p| shown(&p.display().to_string()))
                .collect();
            files.dedup();
            return Err(ImageError::ChainLoop {
                image: image_shown.clone(),
                files: files.join(" → "),
            });
        }
        let resolved = match resolve(&candidate) {
            Ok(r) => r,
            Err(ImageError::NotAFile(_)) | Err(ImageError::Directory(_)) => {
                return Err(unsafe_backing("is a device or not a regular file"))
            }
            Err(e) => return Err(e),
        };
        let head = read_head(&resolved)?;
        let shown_real = shown(&real.display().to_string());
        let actual = if head.starts_with(qcow2::MAGIC) {
            ImageFormat::Qcow2
        } else if let Some(format) = other_format(&head) {
            return Err(ImageError::Unsupported {
                path: shown_real,
                format,
            });
        } else {
            ImageFormat::Raw
        };
        if let Some(declared) = declared.filter(|d| !d.is_empty()) {
            if declared != format_name(actual) {
                return Err(ImageError::BackingFormatMismatch {
                    image: shown(&current.display().to_string()),
                    backing: shown_real,
                    declared: shown(&declared),
                    actual: format_name(actual),
                });
            }
        }
        if actual == ImageFormat::Qcow2 {
            let header = qcow2::parse(&head, resolved.meta.len(), &real.display().to_string())?;
            next = header.backing.zip(Some(header.backing_format));
        }
        chain.push(real);
        // QEMU and libvirt join the next relative name to this path as written, not to its
        // resolved form: judge what they will open.
        current = candidate;
    }
    Ok(chain.iter().map(|p| p.display().to_string()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocols_are_told_from_paths() {
        assert_eq!(protocol_of("file:/etc/shadow"), Some("file"));
        assert_eq!(protocol_of("json:{\"file\":{}}"), Some("json"));
        assert_eq!(protocol_of("nbd://127.0.0.1:10809/x"), Some("nbd"));
        assert_eq!(protocol_of("base.qcow2"), None);
        assert_eq!(protocol_of("/images/a:b.qcow2"), None);
        assert_eq!(protocol_of("./a:b.qcow2"), None);
    }
}
