//! Test support (feature `testing`): qcow2 images written byte by byte from QEMU's
//! specification, for the hostile-image tests here and in the crates that import images.

use std::path::Path;

/// The builder's cluster size.
pub const CLUSTER: u64 = 1 << 16;

/// A qcow2 v3 header with 64 KiB clusters: header and extensions in cluster 0, the refcount
/// table in cluster 1, the L1 table in cluster 2, four clusters in all.
#[derive(Debug, Clone)]
pub struct Qcow2 {
    pub version: u32,
    pub cluster_bits: u32,
    pub size: u64,
    pub crypt: u32,
    pub l1_size: u32,
    pub l1_offset: u64,
    pub refcount_offset: u64,
    pub refcount_clusters: u32,
    pub nb_snapshots: u32,
    pub snapshots_offset: u64,
    pub incompat: u64,
    pub refcount_order: u32,
    pub header_len: u32,
    pub compression: u8,
    pub extensions: Vec<(u32, Vec<u8>)>,
    pub backing: Option<Vec<u8>>,
    pub file_len: u64,
}

impl Default for Qcow2 {
    fn default() -> Self {
        Qcow2 {
            version: 3,
            cluster_bits: 16,
            size: 1 << 30,
            crypt: 0,
            l1_size: 2,
            l1_offset: 2 * CLUSTER,
            refcount_offset: CLUSTER,
            refcount_clusters: 1,
            nb_snapshots: 0,
            snapshots_offset: 0,
            incompat: 0,
            refcount_order: 4,
            header_len: 112,
            compression: 0,
            extensions: Vec::new(),
            backing: None,
            file_len: 4 * CLUSTER,
        }
    }
}

impl Qcow2 {
    /// A v3 image whose backing file is `name` of format `format`.
    pub fn backed_by(name: &str, format: &str) -> Self {
        Qcow2 {
            backing: Some(name.as_bytes().to_vec()),
            extensions: vec![(0xe279_2aca, format.as_bytes().to_vec())],
            ..Qcow2::default()
        }
    }

    /// The whole file.
    pub fn bytes(&self) -> Vec<u8> {
        let mut b = vec![0u8; self.file_len as usize];
        let put32 =
            |b: &mut Vec<u8>, at: usize, v: u32| b[at..at + 4].copy_from_slice(&v.to_be_bytes());
        let put64 =
            |b: &mut Vec<u8>, at: usize, v: u64| b[at..at + 8].copy_from_slice(&v.to_be_bytes());
        b[0..4].copy_from_slice(b"QFI\xfb");
        put32(&mut b, 4, self.version);
        put32(&mut b, 20, self.cluster_bits);
        put64(&mut b, 24, self.size);
        put32(&mut b, 32, self.crypt);
        put32(&mut b, 36, self.l1_size);
        put64(&mut b, 40, self.l1_offset);
        put64(&mut b, 48, self.refcount_offset);
        put32(&mut b, 56, self.refcount_clusters);
        put32(&mut b, 60, self.nb_snapshots);
        put64(&mut b, 64, self.snapshots_offset);
        let mut at = 72;
        if self.version == 3 {
            put64(&mut b, 72, self.incompat);
            put32(&mut b, 96, self.refcount_order);
            put32(&mut b, 100, self.header_len);
            if self.header_len > 104 {
                b[104] = self.compression;
            }
            at = self.header_len as usize;
        }
        for (kind, data) in &self.extensions {
            put32(&mut b, at, *kind);
            put32(&mut b, at + 4, data.len() as u32);
            b[at + 8..at + 8 + data.len()].copy_from_slice(data);
            at += 8 + data.len().next_multiple_of(8);
        }
        at += 8; // the end extension: type 0, length 0
        if let Some(name) = &self.backing {
            put64(&mut b, 8, at as u64);
            put32(&mut b, 16, name.len() as u32);
            b[at..at + name.len()].copy_from_slice(name);
        }
        // Refcount table entry 0 -> a refcount block in cluster 3 counting clusters 0..4
        // (a header-only buffer, for fuzzing, has no room for them).
        if self.file_len >= 4 * CLUSTER {
            put64(&mut b, CLUSTER as usize, 3 * CLUSTER);
            for i in 0..4 {
                let at = 3 * CLUSTER as usize + i * 2;
                b[at..at + 2].copy_from_slice(&1u16.to_be_bytes());
            }
        }
        b
    }

    /// Writes the file to `path`.
    pub fn write(&self, path: &Path) {
        std::fs::write(path, self.bytes()).unwrap();
    }
}

/// A feature-name table extension: (type, bit, name) per entry.
pub fn feature_names(entries: &[(u8, u8, &str)]) -> (u32, Vec<u8>) {
    let mut data = Vec::new();
    for (kind, bit, name) in entries {
        let mut e = vec![0u8; 48];
        e[0] = *kind;
        e[1] = *bit;
        e[2..2 + name.len()].copy_from_slice(name.as_bytes());
        data.extend(e);
    }
    (0x6803_f857, data)
}
