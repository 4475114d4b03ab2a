//! A qcow2 image's internal snapshot table, read for what a snapshot costs on disk of its
//! own: its saved memory (the VM state QEMU's savevm wrote), since its disk clusters are
//! shared with the image and belong to no single snapshot. Read-only, bounded, no `qemu-img`.

use crate::qcow2::MAGIC;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// One internal snapshot, as the image's table holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InternalSnapshot {
    pub name: String,
    /// Bytes of saved VM state (memory, devices); 0 for a disk-only snapshot.
    pub vm_state_size: u64,
}

/// Entries read at most, and bytes of table read at most: a hostile header cannot make
/// this allocate or read without bound.
const MAX_ENTRIES: u32 = 4096;
const MAX_TABLE: u64 = 16 << 20;

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}
fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}
fn be64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// The entries of a snapshot table (`count` of them in `table`); stops at the first entry
/// that does not fit, so a damaged table gives what it holds intact.
pub fn parse_table(table: &[u8], count: u32) -> Vec<InternalSnapshot> {
    let mut out = Vec::new();
    let mut at = 0usize;
    for _ in 0..count.min(MAX_ENTRIES) {
        let (Some(id_len), Some(name_len), Some(small), Some(extra)) = (
            be16(table, at + 12),
            be16(table, at + 14),
            be32(table, at + 32),
            be32(table, at + 36),
        ) else {
            break;
        };
        let extra_at = at + 40;
        let Some(extra_end) = extra_at.checked_add(extra as usize) else {
            break;
        };
        // qcow2 v3 keeps the full size in the extra data; the 32-bit field is the old one.
        let vm_state_size = if extra >= 8 {
            match be64(table, extra_at) {
                Some(v) => v,
                None => break,
            }
        } else {
            u64::from(small)
        };
        let name_at = extra_end + id_len as usize;
        let Some(name) = table.get(name_at..name_at + name_len as usize) else {
            break;
        };
        out.push(InternalSnapshot {
            name: String::from_utf8_lossy(name).into_owned(),
            vm_state_size,
        });
        let end = name_at + name_len as usize;
        at = end.div_ceil(8) * 8;
    }
    out
}

/// The internal snapshots of the qcow2 image at `path` (none for another format). The file
/// is opened read-only and not followed through a link.
pub fn internal_snapshots(path: &Path) -> std::io::Result<Vec<InternalSnapshot>> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let mut file = options.open(path)?;
    if !file.metadata()?.is_file() {
        return Ok(Vec::new());
    }
    let mut head = [0u8; 72];
    if file.read_exact(&mut head).is_err() || &head[..4] != MAGIC {
        return Ok(Vec::new());
    }
    let count = be32(&head, 60).unwrap_or(0);
    let offset = be64(&head, 64).unwrap_or(0);
    if count == 0 || offset == 0 {
        return Ok(Vec::new());
    }
    let len = file.metadata()?.len();
    let want = len.saturating_sub(offset).min(MAX_TABLE);
    file.seek(SeekFrom::Start(offset))?;
    let mut table = Vec::new();
    file.take(want).read_to_end(&mut table)?;
    Ok(parse_table(&table, count))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One table entry as QEMU writes it (v3: 16 bytes of extra data).
    fn entry(name: &str, state: u64) -> Vec<u8> {
        let mut e = vec![0u8; 40];
        e[12..14].copy_from_slice(&1u16.to_be_bytes());
        e[14..16].copy_from_slice(&(name.len() as u16).to_be_bytes());
        e[32..36].copy_from_slice(&(state as u32).to_be_bytes());
        e[36..40].copy_from_slice(&16u32.to_be_bytes());
        e.extend_from_slice(&state.to_be_bytes());
        e.extend_from_slice(&[0u8; 8]);
        e.push(b'1');
        e.extend_from_slice(name.as_bytes());
        while !e.len().is_multiple_of(8) {
            e.push(0);
        }
        e
    }

    #[test]
    fn entries_give_their_names_and_memory_sizes() {
        let mut table = entry("disk-only", 0);
        table.extend(entry("with memory", 5 << 30));
        let got = parse_table(&table, 2);
        assert_eq!(
            got,
            [
                InternalSnapshot {
                    name: "disk-only".into(),
                    vm_state_size: 0
                },
                InternalSnapshot {
                    name: "with memory".into(),
                    vm_state_size: 5 << 30
                },
            ]
        );
    }

    #[test]
    fn a_truncated_or_lying_table_gives_what_is_intact() {
        let mut table = entry("ok", 1);
        table.extend(entry("cut", 2));
        table.truncate(table.len() - 6);
        assert_eq!(parse_table(&table, 2).len(), 1);
        // A count far beyond the table, and name lengths pointing past its end.
        assert_eq!(parse_table(&table, u32::MAX).len(), 1);
        let mut liar = entry("x", 0);
        liar[14..16].copy_from_slice(&u16::MAX.to_be_bytes());
        assert!(parse_table(&liar, 1).is_empty());
        assert!(parse_table(&[], 10).is_empty());
    }
}
