//! # vireo-osinfo
//!
//! The osinfo database — the data libosinfo, virt-manager and GNOME Boxes use — read in
//! Rust: every OS with its recommended resources, virtio and firmware support, and the media
//! patterns that identify its install ISOs. Locations and precedence follow libosinfo: the
//! system database, then `/etc/osinfo`, then the user's `~/.config/osinfo`; for the same OS id,
//! a later location wins field by field.
//!
//! ```no_run
//! let db = vireo_osinfo::OsDb::load();
//! let debian = db.get("http://debian.org/debian/11").unwrap();
//! println!("{} needs {:?} bytes of RAM", debian.name, debian.recommended().ram);
//! ```
#![forbid(unsafe_code)]

use regex::Regex;
use roxmltree::{Document, Node};
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use ts_rs::TS;

/// What the OS needs of the firmware.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum FirmwareNeed {
    /// BIOS only (no UEFI entry).
    Bios,
    /// Both work; UEFI is the modern default.
    Either,
    /// BIOS is marked unsupported (Windows 11, some recent distributions).
    UefiRequired,
}

/// Resource figures, in bytes and CPUs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Resources {
    pub ram: Option<u64>,
    pub cpus: Option<u32>,
    pub storage: Option<u64>,
}

/// A media pattern, compiled on first use: the database holds ~2,000 of them and compiling
/// them all would triple the load time, while ISO detection needs few.
#[derive(Debug, Clone)]
pub struct Pattern {
    source: String,
    compiled: std::sync::OnceLock<Option<Regex>>,
}

impl Pattern {
    fn new(source: String) -> Self {
        Pattern {
            source,
            compiled: std::sync::OnceLock::new(),
        }
    }

    /// libosinfo matches case-insensitively and anchors nothing. A pattern that does not
    /// compile matches nothing.
    pub fn is_match(&self, value: &str) -> bool {
        self.compiled
            .get_or_init(|| Regex::new(&format!("(?i){}", self.source)).ok())
            .as_ref()
            .is_some_and(|r| r.is_match(value))
    }
}

/// One ISO pattern set: every pattern given must match (libosinfo's media matching).
#[derive(Debug, Clone, Default)]
pub struct MediaPattern {
    pub volume_id: Option<Pattern>,
    pub system_id: Option<Pattern>,
    pub publisher_id: Option<Pattern>,
    pub application_id: Option<Pattern>,
}

/// One operating system.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OsEntry {
    pub id: String,
    pub short_id: String,
    pub name: String,
    pub vendor: Option<String>,
    pub family: Option<String>,
    pub version: Option<String>,
    pub release_date: Option<String>,
    pub eol_date: Option<String>,
    pub minimum: Resources,
    pub recommended_raw: Resources,
    /// Virtio block devices are supported (the guest has drivers).
    pub virtio: bool,
    pub firmware: FirmwareNeed,
    #[serde(skip)]
    #[ts(skip)]
    pub media: Vec<MediaPattern>,
    #[serde(skip)]
    #[ts(skip)]
    parent: Option<String>,
    #[serde(skip)]
    #[ts(skip)]
    devices: Vec<(String, bool)>,
    #[serde(skip)]
    #[ts(skip)]
    firmware_own: Option<FirmwareNeed>,
}

/// Defaults when the database says nothing: 2 GiB, 2 vCPUs, 20 GiB.
pub const FALLBACK: Resources = Resources {
    ram: Some(2 << 30),
    cpus: Some(2),
    storage: Some(20 << 30),
};

impl OsEntry {
    /// What the wizard proposes: recommended, else twice the minimum, else the fallback.
    pub fn recommended(&self) -> Resources {
        let pick_u64 =
            |rec: Option<u64>, min: Option<u64>, fb: Option<u64>| rec.or(min.map(|m| m * 2)).or(fb);
        Resources {
            ram: pick_u64(self.recommended_raw.ram, self.minimum.ram, FALLBACK.ram),
            cpus: self
                .recommended_raw
                .cpus
                .or(self.minimum.cpus.map(|c| c * 2))
                .or(FALLBACK.cpus),
            storage: pick_u64(
                self.recommended_raw.storage,
                self.minimum.storage,
                FALLBACK.storage,
            ),
        }
    }

    /// End of life before `today` (YYYY-MM-DD compares as text).
    pub fn is_eol(&self, today: &str) -> bool {
        self.eol_date.as_deref().is_some_and(|d| d < today)
    }
}

/// The identity fields of an ISO 9660 primary volume descriptor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IsoIdentity {
    pub volume_id: String,
    pub system_id: String,
    pub publisher_id: String,
    pub application_id: String,
}

/// Reads the primary volume descriptor at sector 16; None when the file is not ISO 9660.
pub fn read_iso_identity(path: &Path) -> Option<IsoIdentity> {
    read_iso_identity_from(&mut std::fs::File::open(path).ok()?)
}

/// The same from an open file (the one image inspection judged).
pub fn read_iso_identity_from(f: &mut (impl std::io::Read + std::io::Seek)) -> Option<IsoIdentity> {
    use std::io::SeekFrom;
    let mut pvd = [0u8; 2048];
    f.seek(SeekFrom::Start(16 * 2048)).ok()?;
    f.read_exact(&mut pvd).ok()?;
    if pvd[0] != 1 || &pvd[1..6] != b"CD001" {
        return None;
    }
    let field = |from: usize, len: usize| {
        String::from_utf8_lossy(&pvd[from..from + len])
            .trim_end_matches([' ', '\0'])
            .to_string()
    };
    Some(IsoIdentity {
        system_id: field(8, 32),
        volume_id: field(40, 32),
        publisher_id: field(318, 128),
        application_id: field(574, 128),
    })
}

/// The loaded database.
#[derive(Debug, Default)]
pub struct OsDb {
    entries: Vec<OsEntry>,
    by_id: HashMap<String, usize>,
}

/// libosinfo's locations, lowest precedence first.
pub fn default_dirs() -> Vec<PathBuf> {
    let mut dirs = vec![std::env::var_os("OSINFO_SYSTEM_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/share/osinfo"))];
    dirs.push(PathBuf::from("/etc/osinfo"));
    if let Some(config) = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
    {
        dirs.push(config.join("osinfo"));
    }
    dirs
}

fn xml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            xml_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "xml") {
            out.push(p);
        }
    }
}

/// The untranslated text of the first child called `name`.
fn plain<'a>(node: Node<'a, '_>, name: &str) -> Option<String> {
    node.children()
        .find(|n| {
            n.has_tag_name(name)
                && n.attribute(("http://www.w3.org/XML/1998/namespace", "lang"))
                    .is_none()
        })
        .and_then(|n| n.text())
        .map(|t| t.trim().to_string())
}

fn resources(node: Node<'_, '_>) -> Resources {
    let num = |name: &str| plain(node, name).and_then(|t| t.parse::<u64>().ok());
    Resources {
        ram: num("ram"),
        cpus: num("n-cpus").map(|c| c as u32),
        storage: num("storage"),
    }
}

fn merge(into: &mut Resources, from: Resources) {
    into.ram = from.ram.or(into.ram);
    into.cpus = from.cpus.or(into.cpus);
    into.storage = from.storage.or(into.storage);
}

fn regex_of(node: Node<'_, '_>, name: &str) -> Option<Pattern> {
    plain(node, name).map(Pattern::new)
}

fn parse_os(node: Node<'_, '_>) -> Option<OsEntry> {
    let id = node.attribute("id")?.to_string();
    let mut minimum = Resources::default();
    let mut recommended = Resources::default();
    // x86_64 figures win over "all".
    let mut res: Vec<Node> = node
        .children()
        .filter(|n| n.has_tag_name("resources"))
        .filter(|n| matches!(n.attribute("arch"), Some("all") | Some("x86_64") | None))
        .collect();
    res.sort_by_key(|n| n.attribute("arch") == Some("x86_64"));
    for r in res {
        if let Some(m) = r.children().find(|n| n.has_tag_name("minimum")) {
            merge(&mut minimum, resources(m));
        }
        if let Some(m) = r.children().find(|n| n.has_tag_name("recommended")) {
            merge(&mut recommended, resources(m));
        }
    }
    let devices = node
        .children()
        .filter(|n| n.has_tag_name("devices"))
        .flat_map(|d| d.children())
        .filter(|n| n.has_tag_name("device"))
        .filter_map(|n| {
            let supported = n.attribute("supported") != Some("false");
            n.attribute("id").map(|id| (id.to_string(), supported))
        })
        .collect();
    let fw: Vec<Node> = node
        .children()
        .filter(|n| n.has_tag_name("firmware") && n.attribute("arch") == Some("x86_64"))
        .collect();
    let firmware_own = if fw.is_empty() {
        None
    } else if fw
        .iter()
        .any(|n| n.attribute("type") == Some("bios") && n.attribute("supported") == Some("false"))
    {
        Some(FirmwareNeed::UefiRequired)
    } else if fw.iter().any(|n| n.attribute("type") == Some("efi")) {
        Some(FirmwareNeed::Either)
    } else {
        Some(FirmwareNeed::Bios)
    };
    let media = node
        .children()
        .filter(|n| n.has_tag_name("media"))
        .filter(|n| matches!(n.attribute("arch"), Some("x86_64") | Some("all") | None))
        .filter_map(|m| m.children().find(|n| n.has_tag_name("iso")))
        .map(|iso| MediaPattern {
            volume_id: regex_of(iso, "volume-id"),
            system_id: regex_of(iso, "system-id"),
            publisher_id: regex_of(iso, "publisher-id"),
            application_id: regex_of(iso, "application-id"),
        })
        .filter(|p| p.volume_id.is_some())
        .collect();
    let parent = node
        .children()
        .find(|n| n.has_tag_name("derives-from") || n.has_tag_name("clones"))
        .and_then(|n| n.attribute("id"))
        .map(str::to_string);
    Some(OsEntry {
        short_id: plain(node, "short-id").unwrap_or_default(),
        name: plain(node, "name").unwrap_or_else(|| id.clone()),
        vendor: plain(node, "vendor"),
        family: plain(node, "family"),
        version: plain(node, "version"),
        release_date: plain(node, "release-date"),
        eol_date: plain(node, "eol-date"),
        id,
        minimum,
        recommended_raw: recommended,
        virtio: false,
        firmware: FirmwareNeed::Bios,
        media,
        parent,
        devices,
        firmware_own,
    })
}

const VIRTIO_BLOCK: [&str; 2] = [
    "http://pcisig.com/pci/1af4/1001",
    "http://pcisig.com/pci/1af4/1042",
];

impl OsDb {
    /// Loads the default locations. A missing database yields an empty one.
    pub fn load() -> Self {
        Self::load_from(&default_dirs())
    }

    /// Loads `dirs` (each holding an `os/` tree), later ones winning.
    pub fn load_from(dirs: &[PathBuf]) -> Self {
        let mut db = OsDb::default();
        for dir in dirs {
            let mut files = Vec::new();
            xml_files(&dir.join("os"), &mut files);
            for file in files {
                let Ok(text) = std::fs::read_to_string(&file) else {
                    continue;
                };
                let Ok(doc) = Document::parse(&text) else {
                    continue;
                };
                for os in doc
                    .root_element()
                    .children()
                    .filter(|n| n.has_tag_name("os"))
                {
                    if let Some(entry) = parse_os(os) {
                        db.add(entry);
                    }
                }
            }
        }
        db.resolve_inheritance();
        db
    }

    fn add(&mut self, e: OsEntry) {
        match self.by_id.get(&e.id) {
            // Later data (or a .d fragment with more media) for the same OS: merge.
            Some(&i) => {
                let old = &mut self.entries[i];
                if !e.short_id.is_empty() {
                    old.short_id = e.short_id;
                }
                if e.name != e.id {
                    old.name = e.name;
                }
                old.vendor = e.vendor.or(old.vendor.take());
                old.family = e.family.or(old.family.take());
                old.version = e.version.or(old.version.take());
                old.release_date = e.release_date.or(old.release_date.take());
                old.eol_date = e.eol_date.or(old.eol_date.take());
                merge(&mut old.minimum, e.minimum);
                merge(&mut old.recommended_raw, e.recommended_raw);
                old.media.extend(e.media);
                old.devices.extend(e.devices);
                old.parent = e.parent.or(old.parent.take());
                old.firmware_own = e.firmware_own.or(old.firmware_own);
            }
            None => {
                self.by_id.insert(e.id.clone(), self.entries.len());
                self.entries.push(e);
            }
        }
    }

    /// Resources, devices and firmware are inherited along derives-from/clones.
    fn resolve_inheritance(&mut self) {
        for i in 0..self.entries.len() {
            let mut minimum = self.entries[i].minimum;
            let mut recommended = self.entries[i].recommended_raw;
            let mut firmware = self.entries[i].firmware_own;
            let mut devices: HashMap<String, bool> = HashMap::new();
            let mut cursor = Some(i);
            let mut depth = 0;
            while let Some(c) = cursor {
                let e = &self.entries[c];
                for (id, supported) in &e.devices {
                    devices.entry(id.clone()).or_insert(*supported);
                }
                if c != i {
                    minimum.ram = minimum.ram.or(e.minimum.ram);
                    minimum.cpus = minimum.cpus.or(e.minimum.cpus);
                    minimum.storage = minimum.storage.or(e.minimum.storage);
                    recommended.ram = recommended.ram.or(e.recommended_raw.ram);
                    recommended.cpus = recommended.cpus.or(e.recommended_raw.cpus);
                    recommended.storage = recommended.storage.or(e.recommended_raw.storage);
                    firmware = firmware.or(e.firmware_own);
                }
                depth += 1;
                cursor = if depth > 32 {
                    None
                } else {
                    e.parent.as_ref().and_then(|p| self.by_id.get(p).copied())
                };
            }
            let e = &mut self.entries[i];
            e.minimum = minimum;
            e.recommended_raw = recommended;
            e.firmware = firmware.unwrap_or(FirmwareNeed::Bios);
            e.virtio = VIRTIO_BLOCK.iter().any(|v| devices.get(*v) == Some(&true));
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn get(&self, id: &str) -> Option<&OsEntry> {
        self.by_id.get(id).map(|&i| &self.entries[i])
    }

    /// Every OS, most recent release first (undated last), for the wizard's list.
    pub fn sorted(&self) -> Vec<&OsEntry> {
        let mut all: Vec<&OsEntry> = self.entries.iter().collect();
        all.sort_by(|a, b| {
            b.release_date
                .cmp(&a.release_date)
                .then_with(|| a.name.cmp(&b.name))
        });
        all
    }

    /// Case-insensitive search over name, short id and vendor.
    pub fn search(&self, query: &str, include_eol: bool, today: &str) -> Vec<&OsEntry> {
        let q = query.to_lowercase();
        self.sorted()
            .into_iter()
            .filter(|e| include_eol || !e.is_eol(today))
            .filter(|e| {
                q.is_empty()
                    || e.name.to_lowercase().contains(&q)
                    || e.short_id.to_lowercase().contains(&q)
                    || e.vendor
                        .as_deref()
                        .is_some_and(|v| v.to_lowercase().contains(&q))
            })
            .collect()
    }

    /// The OS whose install media matches this ISO, as libosinfo's media matching does.
    pub fn identify_iso(&self, iso: &IsoIdentity) -> Option<&OsEntry> {
        let ok = |p: &Option<Pattern>, value: &str| p.as_ref().is_none_or(|p| p.is_match(value));
        self.sorted().into_iter().find(|e| {
            e.media.iter().any(|m| {
                m.volume_id.is_some()
                    && ok(&m.volume_id, &iso.volume_id)
                    && ok(&m.system_id, &iso.system_id)
                    && ok(&m.publisher_id, &iso.publisher_id)
                    && ok(&m.application_id, &iso.application_id)
            })
        })
    }
}

/// The choices always offered besides the database's: generic Linux, Windows and other.
pub const GENERIC_IDS: [&str; 3] = [
    "http://libosinfo.org/linux/2022",
    "http://microsoft.com/win/11",
    "http://libosinfo.org/unknown",
];
