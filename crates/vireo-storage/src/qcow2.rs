//! The qcow2 header, read and judged as QEMU's `docs/interop/qcow2.txt` defines it for
//! versions 2 and 3: every field, the feature bits and the header extensions. Pure: it sees
//! the first bytes of the file and the file's length, reads nothing else and allocates
//! nothing sized from a header field.

use crate::ImageError;
use vireo_text::shown;

pub(crate) const MAGIC: &[u8; 4] = b"QFI\xfb";

/// Incompatible feature bits (header bytes 72..80).
const INCOMPAT_DIRTY: u64 = 1 << 0;
const INCOMPAT_CORRUPT: u64 = 1 << 1;
const INCOMPAT_DATA_FILE: u64 = 1 << 2;
const INCOMPAT_COMPRESSION: u64 = 1 << 3;
const INCOMPAT_EXTENDED_L2: u64 = 1 << 4;
const INCOMPAT_KNOWN: u64 = (1 << 5) - 1;

/// Header extension types.
const EXT_END: u32 = 0;
const EXT_BACKING_FORMAT: u32 = 0xe279_2aca;
const EXT_FEATURE_NAMES: u32 = 0x6803_f857;
const EXT_BITMAPS: u32 = 0x2385_2875;
const EXT_ENCRYPTION: u32 = 0x0537_be77;
const EXT_DATA_FILE: u32 = 0x4441_5441;

/// QEMU's own limits (block/qcow2.h): what it refuses to open.
const MAX_CLUSTER_BITS: u32 = 21;
const MIN_CLUSTER_BITS: u32 = 9;
const MAX_L1_BYTES: u64 = 32 << 20;
const MAX_REFTABLE_BYTES: u64 = 8 << 20;
const MAX_SNAPSHOTS: u32 = 65_536;
/// The smallest snapshot table entry (fixed part, no id, no name).
const MIN_SNAPSHOT_ENTRY: u64 = 40;
const MAX_BACKING_NAME: usize = 1023;
/// Header extensions we walk before calling the header hostile.
const MAX_EXTENSIONS: usize = 64;
/// Bytes of the file read for the header, its extensions and the backing name.
pub(crate) const HEADER_READ: usize = 64 << 10;

/// What the header says, once judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Qcow2Header {
    pub version: u32,
    pub cluster_bits: u32,
    /// Bytes the guest sees.
    pub size: u64,
    /// The backing file's name as written (already refused if it holds hidden characters).
    pub backing: Option<String>,
    /// The backing file's format, from the backing format extension.
    pub backing_format: Option<String>,
    /// Not closed cleanly (lazy refcounts): QEMU repairs it when it opens it for writing.
    pub dirty: bool,
    /// The furthest byte the header's own tables claim.
    pub claimed_end: u64,
}

fn be_u32(b: &[u8], at: usize) -> u32 {
    let mut x = [0u8; 4];
    x.copy_from_slice(&b[at..at + 4]);
    u32::from_be_bytes(x)
}

fn be_u64(b: &[u8], at: usize) -> u64 {
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[at..at + 8]);
    u64::from_be_bytes(x)
}

/// A name from the feature-name table.
struct FeatureName {
    kind: u8,
    bit: u8,
    name: String,
}

/// Parses and judges the header in `head` (the first bytes of a file of `file_len` bytes that
/// starts with the qcow2 magic). `path` is only for messages.
pub fn parse(head: &[u8], file_len: u64, path: &str) -> Result<Qcow2Header, ImageError> {
    let bad = |why: &str| ImageError::BadHeader {
        path: shown(path),
        why: why.to_string(),
    };
    let truncated = || ImageError::Truncated(shown(path));
    if head.len() < 72 {
        return Err(truncated());
    }
    let version = be_u32(head, 4);
    if version != 2 && version != 3 {
        return Err(bad(&format!("version {version} (only 2 and 3 exist)")));
    }
    let backing_offset = be_u64(head, 8);
    let backing_len = be_u32(head, 16);
    let cluster_bits = be_u32(head, 20);
    let size = be_u64(head, 24);
    let crypt_method = be_u32(head, 32);
    let l1_size = be_u32(head, 36);
    let l1_offset = be_u64(head, 40);
    let refcount_offset = be_u64(head, 48);
    let refcount_clusters = be_u32(head, 56);
    let nb_snapshots = be_u32(head, 60);
    let snapshots_offset = be_u64(head, 64);

    if !(MIN_CLUSTER_BITS..=MAX_CLUSTER_BITS).contains(&cluster_bits) {
        return Err(bad(&format!(
            "cluster bits {cluster_bits} (QEMU opens 9 to 21)"
        )));
    }
    let cluster = 1u64 << cluster_bits;

    // Version 3 fields.
    let (incompat, header_len, refcount_order, compression) = if version == 3 {
        if head.len() < 104 {
            return Err(truncated());
        }
        let header_len = be_u32(head, 100);
        // A multiple of 8 (the spec): extensions then start aligned and QEMU's walk (padding
        // relative to each extension) and ours (absolute) cannot disagree.
        if header_len < 104 || u64::from(header_len) > cluster || !header_len.is_multiple_of(8) {
            return Err(bad(&format!("header length {header_len}")));
        }
        if header_len as usize > head.len() {
            return Err(if (header_len as usize) < HEADER_READ {
                truncated()
            } else {
                bad(&format!("header length {header_len}"))
            });
        }
        let compression = if header_len > 104 { head[104] } else { 0 };
        (
            be_u64(head, 72),
            header_len as usize,
            be_u32(head, 96),
            compression,
        )
    } else {
        (0, 72, 4, 0)
    };
    if refcount_order > 6 {
        return Err(bad(&format!("refcount order {refcount_order} (at most 6)")));
    }

    // Header extensions: between the header and the backing name (or the first cluster's end).
    let ext_limit = if backing_offset != 0 {
        backing_offset.min(cluster)
    } else {
        cluster
    };
    let ext_limit = usize::try_from(ext_limit).unwrap_or(usize::MAX);
    let mut backing_format = None;
    let mut names = Vec::new();
    let mut data_file = None;
    let mut encryption_ext = false;
    let mut at = header_len;
    let mut count = 0;
    loop {
        if at + 8 > ext_limit {
            // No room for another extension: the header ends here (QEMU stops too).
            break;
        }
        if at + 8 > head.len() {
            return Err(if (file_len as usize) < at + 8 {
                truncated()
            } else {
                bad("header extensions longer than 64 KiB")
            });
        }
        count += 1;
        if count > MAX_EXTENSIONS {
            return Err(bad(&format!(
                "more than {MAX_EXTENSIONS} header extensions"
            )));
        }
        let kind = be_u32(head, at);
        let len = be_u32(head, at + 4) as usize;
        if kind == EXT_END {
            break;
        }
        let start = at + 8;
        let end = start
            .checked_add(len)
            .filter(|e| *e <= ext_limit)
            .ok_or_else(|| {
                bad(&format!(
                    "header extension 0x{kind:08x} runs past the header"
                ))
            })?;
        if end > head.len() {
            return Err(bad("header extensions longer than 64 KiB"));
        }
        let data = &head[start..end];
        match kind {
            EXT_BACKING_FORMAT => backing_format = Some(text_field(data)),
            EXT_FEATURE_NAMES => {
                names = data
                    .chunks_exact(48)
                    .map(|e| FeatureName {
                        kind: e[0],
                        bit: e[1],
                        name: text_field(&e[2..]),
                    })
                    .collect();
            }
            EXT_DATA_FILE => data_file = Some(text_field(data)),
            EXT_ENCRYPTION => encryption_ext = true,
            // Persistent dirty bitmaps: QEMU keeps them; nothing to judge.
            EXT_BITMAPS => {}
            // Unknown extensions are ignored, as QEMU does.
            _ => {}
        }
        // Each extension is padded to a multiple of 8 bytes.
        at = end
            .checked_next_multiple_of(8)
            .ok_or_else(|| bad("header extension length"))?;
    }

    // Feature bits.
    let unknown = incompat & !INCOMPAT_KNOWN;
    if unknown != 0 {
        let bit = unknown.trailing_zeros() as u8;
        let feature = names
            .iter()
            .find(|n| n.kind == 0 && n.bit == bit)
            .map(|n| format!("'{}' (bit {bit})", shown(&n.name)))
            .unwrap_or_else(|| format!("bit {bit}"));
        return Err(ImageError::UnknownFeature {
            path: shown(path),
            feature,
        });
    }
    if incompat & INCOMPAT_DATA_FILE != 0 || data_file.is_some() {
        return Err(ImageError::ExternalData {
            path: shown(path),
            data_file: shown(data_file.as_deref().unwrap_or("(name not given)")),
        });
    }
    if incompat & INCOMPAT_CORRUPT != 0 {
        return Err(ImageError::Corrupt(shown(path)));
    }
    if crypt_method != 0 || encryption_ext {
        return Err(ImageError::Encrypted(shown(path)));
    }
    let compressed_flag = incompat & INCOMPAT_COMPRESSION != 0;
    match (compressed_flag, compression) {
        // zlib, the default.
        (false, 0) => {}
        // zstd: QEMU 5.1 and later.
        (true, 1) => {}
        (true, 0) | (false, _) => return Err(bad("compression type and its feature bit disagree")),
        (true, other) => {
            return Err(ImageError::UnsupportedCompression {
                path: shown(path),
                kind: other,
            })
        }
    }
    let extended_l2 = incompat & INCOMPAT_EXTENDED_L2 != 0;
    if extended_l2 && cluster_bits < 14 {
        return Err(bad("extended L2 entries with clusters under 16 KiB"));
    }

    // Virtual size: what QEMU can open with this cluster size and L1 table.
    if size > i64::MAX as u64 {
        return Err(ImageError::SizeTooLarge {
            path: shown(path),
            size,
        });
    }
    let l2_entries = cluster / if extended_l2 { 16 } else { 8 };
    let per_l1 = u128::from(cluster) * u128::from(l2_entries);
    let needed_l1 = u128::from(size).div_ceil(per_l1);
    if needed_l1 > u128::from(MAX_L1_BYTES / 8) {
        return Err(ImageError::SizeTooLarge {
            path: shown(path),
            size,
        });
    }
    if u64::from(l1_size) > MAX_L1_BYTES / 8 {
        return Err(bad(&format!("L1 table of {l1_size} entries")));
    }
    if u128::from(l1_size) < needed_l1 {
        return Err(bad("L1 table too small for the virtual size"));
    }

    // The tables: aligned to clusters and inside the file.
    let aligned = |offset: u64| offset.is_multiple_of(cluster);
    let mut claimed_end = 0u64;
    let mut table = |what: &str, offset: u64, bytes: u64| -> Result<(), ImageError> {
        if !aligned(offset) {
            return Err(bad(&format!("{what} not aligned to a cluster")));
        }
        let end = offset
            .checked_add(bytes)
            .ok_or_else(|| bad(&format!("{what} offset")))?;
        claimed_end = claimed_end.max(end);
        Ok(())
    };
    if refcount_offset == 0 || refcount_clusters == 0 {
        return Err(bad("no refcount table"));
    }
    if u64::from(refcount_clusters) > (MAX_REFTABLE_BYTES >> cluster_bits).max(1) {
        return Err(bad(&format!(
            "refcount table of {refcount_clusters} clusters"
        )));
    }
    table(
        "refcount table",
        refcount_offset,
        u64::from(refcount_clusters) * cluster,
    )?;
    if l1_size > 0 {
        if l1_offset == 0 {
            return Err(bad("L1 table at offset 0"));
        }
        table("L1 table", l1_offset, u64::from(l1_size) * 8)?;
    }
    if nb_snapshots > MAX_SNAPSHOTS {
        return Err(bad(&format!("{nb_snapshots} snapshots")));
    }
    if nb_snapshots > 0 {
        if snapshots_offset == 0 {
            return Err(bad("snapshot table at offset 0"));
        }
        table(
            "snapshot table",
            snapshots_offset,
            u64::from(nb_snapshots) * MIN_SNAPSHOT_ENTRY,
        )?;
    }

    if claimed_end > file_len {
        return Err(truncated());
    }

    // The backing name.
    let backing = if backing_offset != 0 && backing_len != 0 {
        let len = backing_len as usize;
        if len > MAX_BACKING_NAME {
            return Err(bad(&format!("backing file name of {len} bytes")));
        }
        let start = usize::try_from(backing_offset).unwrap_or(usize::MAX);
        if start < header_len || start.saturating_add(len) as u64 > cluster {
            return Err(bad("backing file name outside the first cluster"));
        }
        if start + len > head.len() {
            return Err(if (file_len as usize) < start + len {
                truncated()
            } else {
                bad("backing file name beyond the first 64 KiB")
            });
        }
        let raw = &head[start..start + len];
        let name =
            std::str::from_utf8(raw).map_err(|_| bad("backing file name is not UTF-8 text"))?;
        if vireo_text::has_hidden_characters(name) {
            return Err(ImageError::HiddenCharacters {
                path: shown(path),
                backing: shown(name),
            });
        }
        Some(name.to_string())
    } else {
        None
    };

    Ok(Qcow2Header {
        version,
        cluster_bits,
        size,
        backing,
        backing_format,
        dirty: incompat & INCOMPAT_DIRTY != 0,
        claimed_end,
    })
}

/// A NUL-padded name in a header field, lossily decoded (for comparison and messages).
fn text_field(data: &[u8]) -> String {
    let end = data.iter().position(|b| *b == 0).unwrap_or(data.len());
    String::from_utf8_lossy(&data[..end]).into_owned()
}
