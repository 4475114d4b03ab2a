//! # vireo-storage
//!
//! Inspecting disk images before Vireo uses them: format (from the content, never the name),
//! virtual size, and the backing chain — refusing what would be unsafe to hand to QEMU: a
//! format that contradicts the file name, a truncated or non-image file, and a backing chain
//! that leaves the image's directory or points at a device or a file the user did not choose.
//!
//! ```no_run
//! let info = vireo_storage::inspect(std::path::Path::new("debian.qcow2"), &[]).unwrap();
//! println!("{:?} {} bytes", info.format, info.virtual_size);
//! ```
//!
//! Headers are parsed here (a few microseconds) rather than by running `qemu-img` on files we
//! do not trust yet.

use serde::Serialize;
use std::io::Read;
use std::path::{Path, PathBuf};
use ts_rs::TS;

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
    pub path: String,
    pub format: ImageFormat,
    /// Bytes the guest sees.
    pub virtual_size: u64,
    /// Bytes on the host.
    pub file_size: u64,
    /// Backing files, nearest first (empty for a standalone image).
    pub backing_chain: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("{0} does not exist")]
    Missing(String),
    #[error("{0} is a directory, not a disk image")]
    Directory(String),
    #[error("{0} is not a regular file")]
    NotAFile(String),
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
    #[error("{0} has an unreadable qcow2 header")]
    BadHeader(String),
    #[error("{image} uses {backing} as its backing file, which {why}; Vireo refuses to open it")]
    UnsafeBacking {
        image: String,
        backing: String,
        why: &'static str,
    },
    #[error("{0} has a backing chain deeper than 16 images, or a loop")]
    ChainTooDeep(String),
}

const QCOW2_MAGIC: &[u8; 4] = b"QFI\xfb";
const HEADER_READ: usize = 4096;

struct Qcow2Header {
    size: u64,
    backing: Option<String>,
    /// The furthest byte the header's own tables claim.
    claimed_end: u64,
}

fn be_u32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

fn be_u64(b: &[u8], at: usize) -> u64 {
    u64::from_be_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

fn parse_qcow2(head: &[u8], path: &str) -> Result<Qcow2Header, ImageError> {
    if head.len() < 72 {
        return Err(ImageError::Truncated(path.to_string()));
    }
    let version = be_u32(head, 4);
    if version != 2 && version != 3 {
        return Err(ImageError::BadHeader(path.to_string()));
    }
    let backing_offset = be_u64(head, 8) as usize;
    let backing_len = be_u32(head, 16) as usize;
    let cluster_bits = be_u32(head, 20);
    let size = be_u64(head, 24);
    let l1_size = be_u32(head, 36) as u64;
    let l1_offset = be_u64(head, 40);
    let refcount_offset = be_u64(head, 48);
    let refcount_clusters = be_u32(head, 56) as u64;
    if !(9..=21).contains(&cluster_bits) {
        return Err(ImageError::BadHeader(path.to_string()));
    }
    let cluster = 1u64 << cluster_bits;
    let backing = if backing_offset != 0 && backing_len != 0 {
        // Backing names are at most 1023 bytes and sit in the first cluster.
        if backing_len > 1023 || backing_offset + backing_len > head.len() {
            return Err(ImageError::BadHeader(path.to_string()));
        }
        let raw = &head[backing_offset..backing_offset + backing_len];
        Some(
            std::str::from_utf8(raw)
                .map_err(|_| ImageError::BadHeader(path.to_string()))?
                .to_string(),
        )
    } else {
        None
    };
    let claimed_end = [
        l1_offset.saturating_add(l1_size.saturating_mul(8)),
        refcount_offset.saturating_add(refcount_clusters.saturating_mul(cluster)),
    ]
    .into_iter()
    .max()
    .unwrap_or(0);
    Ok(Qcow2Header {
        size,
        backing,
        claimed_end,
    })
}

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

fn read_head(path: &Path) -> Result<(Vec<u8>, std::fs::Metadata), ImageError> {
    let shown = path.display().to_string();
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ImageError::Missing(shown))
        }
        Err(source) => {
            return Err(ImageError::Unreadable {
                path: shown,
                source,
            })
        }
    };
    if meta.is_dir() {
        return Err(ImageError::Directory(shown));
    }
    if !meta.is_file() {
        return Err(ImageError::NotAFile(shown));
    }
    let mut head = Vec::with_capacity(HEADER_READ);
    std::fs::File::open(path)
        .and_then(|f| f.take(HEADER_READ as u64).read_to_end(&mut head))
        .map_err(|source| ImageError::Unreadable {
            path: shown.clone(),
            source,
        })?;
    Ok((head, meta))
}

/// ISO 9660: "CD001" at byte 0x8001.
fn is_iso(path: &Path) -> bool {
    use std::io::{Seek, SeekFrom};
    let mut buf = [0u8; 5];
    std::fs::File::open(path)
        .and_then(|mut f| {
            f.seek(SeekFrom::Start(0x8001))?;
            f.read_exact(&mut buf)
        })
        .is_ok()
        && &buf == b"CD001"
}

/// Inspects `path` and its backing chain. `allowed_backing` lists files the user chose
/// explicitly that may appear in the chain even outside the image's directory.
pub fn inspect(path: &Path, allowed_backing: &[PathBuf]) -> Result<ImageInfo, ImageError> {
    let shown = path.display().to_string();
    let (head, meta) = read_head(path)?;
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();

    if let Some(format) = other_format(&head) {
        return Err(ImageError::Unsupported {
            path: shown,
            format,
        });
    }
    if head.starts_with(QCOW2_MAGIC) {
        if ext == "raw" || ext == "iso" {
            return Err(ImageError::FormatMismatch {
                path: shown,
                ext,
                actual: "qcow2",
            });
        }
        let header = parse_qcow2(&head, &shown)?;
        if header.claimed_end > meta.len() {
            return Err(ImageError::Truncated(shown));
        }
        let backing_chain = backing_chain(path, header.backing, allowed_backing)?;
        return Ok(ImageInfo {
            path: shown,
            format: ImageFormat::Qcow2,
            virtual_size: header.size,
            file_size: meta.len(),
            backing_chain,
        });
    }
    let format = if is_iso(path) {
        ImageFormat::Iso
    } else if looks_like_raw_disk(&head) {
        ImageFormat::Raw
    } else if head.len() < 512 || meta.len() < 1 << 20 {
        return Err(ImageError::NotAnImage(shown));
    } else if head.iter().all(|b| *b == 0) {
        // A blank raw disk (zeroed, nothing installed yet) is a legitimate image.
        ImageFormat::Raw
    } else {
        return Err(ImageError::NotAnImage(shown));
    };
    if ext == "qcow2" {
        let actual = if format == ImageFormat::Iso {
            "ISO"
        } else {
            "raw"
        };
        return Err(ImageError::FormatMismatch {
            path: shown,
            ext,
            actual,
        });
    }
    Ok(ImageInfo {
        path: shown,
        format,
        virtual_size: meta.len(),
        file_size: meta.len(),
        backing_chain: Vec::new(),
    })
}

fn backing_chain(
    image: &Path,
    first: Option<String>,
    allowed: &[PathBuf],
) -> Result<Vec<String>, ImageError> {
    let image_dir = image
        .parent()
        .map(|p| {
            if p.as_os_str().is_empty() {
                Path::new(".")
            } else {
                p
            }
        })
        .and_then(|p| p.canonicalize().ok())
        .unwrap_or_default();
    let allowed: Vec<PathBuf> = allowed
        .iter()
        .filter_map(|p| p.canonicalize().ok())
        .collect();
    let mut chain = Vec::new();
    let mut current = image.to_path_buf();
    let mut next = first;
    while let Some(name) = next.take() {
        let unsafe_backing = |why| ImageError::UnsafeBacking {
            image: image.display().to_string(),
            backing: name.clone(),
            why,
        };
        if name.contains("://") || name.starts_with("json:") {
            return Err(unsafe_backing("is a network or JSON source, not a file"));
        }
        if chain.len() >= 16 {
            return Err(ImageError::ChainTooDeep(image.display().to_string()));
        }
        let dir = current.parent().unwrap_or(Path::new("."));
        let candidate = dir.join(&name);
        let meta = std::fs::metadata(&candidate).map_err(|_| unsafe_backing("does not exist"))?;
        if !meta.is_file() {
            return Err(unsafe_backing("is a device or not a regular file"));
        }
        let resolved = candidate
            .canonicalize()
            .map_err(|_| unsafe_backing("cannot be resolved"))?;
        let inside = resolved.parent() == Some(image_dir.as_path());
        if !inside && !allowed.contains(&resolved) {
            return Err(unsafe_backing("lies outside the image's own directory"));
        }
        let shown = resolved.display().to_string();
        if chain.contains(&shown) {
            return Err(ImageError::ChainTooDeep(image.display().to_string()));
        }
        let (head, meta) = read_head(&resolved)?;
        chain.push(shown.clone());
        if head.starts_with(QCOW2_MAGIC) {
            let header = parse_qcow2(&head, &shown)?;
            if header.claimed_end > meta.len() {
                return Err(ImageError::Truncated(shown));
            }
            next = header.backing;
        } else if let Some(format) = other_format(&head) {
            return Err(ImageError::Unsupported {
                path: shown,
                format,
            });
        }
        current = resolved;
    }
    Ok(chain)
}
