//! The real osinfo-db on this machine (Debian's package) and a private fixture database.

use std::path::PathBuf;
use vireo_osinfo::{read_iso_identity, FirmwareNeed, IsoIdentity, OsDb, GENERIC_IDS};

fn system_db() -> OsDb {
    let db = OsDb::load_from(&[PathBuf::from("/usr/share/osinfo")]);
    assert!(
        db.len() > 500,
        "osinfo-db is installed (make test installs it): {} entries",
        db.len()
    );
    db
}

#[test]
fn debian_has_inherited_resources_and_virtio() {
    let db = system_db();
    let d = db.get("http://debian.org/debian/11").expect("Debian 11");
    assert_eq!(d.name, "Debian 11");
    assert_eq!(d.short_id, "debian11");
    assert_eq!(d.minimum.ram, Some(1 << 30));
    let rec = d.recommended();
    assert_eq!(rec.ram, Some(1 << 30));
    assert_eq!(rec.storage, Some(20 << 30));
    assert!(d.virtio, "virtio-blk comes from an ancestor's device list");
}

#[test]
fn windows_11_requires_uefi() {
    let db = system_db();
    let w = db.get("http://microsoft.com/win/11").expect("Windows 11");
    assert_eq!(w.firmware, FirmwareNeed::UefiRequired);
    assert!(!w.virtio, "Windows has no inbox virtio-blk driver");
}

#[test]
fn generic_choices_exist() {
    let db = system_db();
    for id in GENERIC_IDS {
        assert!(db.get(id).is_some(), "{id}");
    }
}

#[test]
fn debian_isos_are_identified_by_volume_id() {
    let db = system_db();
    let iso = IsoIdentity {
        volume_id: "Debian 11.5.0 amd64 n".into(),
        ..Default::default()
    };
    assert_eq!(
        db.identify_iso(&iso).unwrap().id,
        "http://debian.org/debian/11"
    );
    let unknown = IsoIdentity {
        volume_id: "MY HOLIDAY PHOTOS".into(),
        ..Default::default()
    };
    assert!(db.identify_iso(&unknown).is_none());
}

#[test]
fn search_puts_recent_first_and_hides_eol_on_request() {
    let db = system_db();
    let all = db.search("debian", true, "2026-11-24");
    assert!(all.len() > 5);
    let dates: Vec<_> = all.iter().filter_map(|e| e.release_date.clone()).collect();
    let mut sorted = dates.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(dates, sorted, "most recent first");
    let current = db.search("", false, "2026-11-24");
    assert!(current.iter().all(|e| !e.is_eol("2026-11-24")));
    assert!(current.len() < db.len());
}

#[test]
fn later_locations_win_and_iso_identity_is_read() {
    let dir = std::env::temp_dir().join(format!("vireo-osinfo-{}", std::process::id()));
    let user = dir.join("user");
    std::fs::create_dir_all(user.join("os/example.org")).unwrap();
    std::fs::write(
        user.join("os/example.org/ex.xml"),
        r#"<libosinfo version="0.0.1"><os id="http://debian.org/debian/11">
           <name>Debian 11 (site override)</name>
           <resources arch="x86_64"><recommended><ram>4294967296</ram></recommended></resources>
           </os><os id="http://example.org/ex/1"><short-id>ex1</short-id><name>Example 1</name>
           <firmware arch="x86_64" type="efi"/>
           <media arch="x86_64"><iso><volume-id>^EXAMPLE-\d+$</volume-id>
           <system-id>LINUX</system-id></iso></media></os></libosinfo>"#,
    )
    .unwrap();
    let db = OsDb::load_from(&[PathBuf::from("/usr/share/osinfo"), user.clone()]);
    let d = db.get("http://debian.org/debian/11").unwrap();
    assert_eq!(d.name, "Debian 11 (site override)");
    assert_eq!(d.recommended().ram, Some(4 << 30));
    assert_eq!(
        d.minimum.ram,
        Some(1 << 30),
        "other fields keep the system data"
    );
    let ex = db.get("http://example.org/ex/1").unwrap();
    assert_eq!(ex.firmware, FirmwareNeed::Either);
    assert_eq!(
        ex.recommended().ram,
        Some(2 << 30),
        "fallback when nothing is known"
    );

    // An ISO 9660 primary volume descriptor with the example's identity.
    let mut iso = vec![0u8; 17 * 2048];
    let pvd = &mut iso[16 * 2048..];
    pvd[0] = 1;
    pvd[1..6].copy_from_slice(b"CD001");
    pvd[8..40].copy_from_slice(format!("{:32}", "LINUX").as_bytes());
    pvd[40..72].copy_from_slice(format!("{:32}", "EXAMPLE-7").as_bytes());
    let path = dir.join("ex.iso");
    std::fs::write(&path, iso).unwrap();
    let identity = read_iso_identity(&path).unwrap();
    assert_eq!(identity.volume_id, "EXAMPLE-7");
    assert_eq!(
        db.identify_iso(&identity).unwrap().id,
        "http://example.org/ex/1"
    );
    assert!(read_iso_identity(&dir.join("user/os/example.org/ex.xml")).is_none());
    std::fs::remove_dir_all(&dir).unwrap();
}
