//! The wizard's API functions as the UI calls them.

use vireo_api::*;

#[test]
fn os_search_offers_generic_choices_first() {
    let list = os_search(serde_json::from_str(r#"{"query":"debian","includeEol":false}"#).unwrap());
    assert!(list.len() > 3);
    assert!(list[0].generic && list[1].generic && list[2].generic);
    assert!(list[3..].iter().all(|o| !o.generic && !o.eol));
    assert!(list[3..].iter().any(|o| o.name.starts_with("Debian")));
    assert!(list
        .iter()
        .all(|o| o.memory_mib > 0 && o.vcpus > 0 && o.disk_gib > 0));
}

#[test]
fn requests_with_unknown_fields_are_refused() {
    let bad = r#"{"connection":"system","request":{"name":"x","source":{"kind":"empty","diskGib":1},
        "osId":null,"memoryMib":256,"vcpus":1,"pool":null,"firmware":"bios","tpm":false,
        "network":"none","setupNetwork":false,"virtio":true,"start":false,"serialLog":null,"acknowledged":[],
        "sneaky":true}}"#;
    let err = serde_json::from_str::<CreateVmRequest>(bad).unwrap_err();
    assert!(err.to_string().contains("unknown field `sneaky`"), "{err}");
    let good = bad.replace(",\n        \"sneaky\":true", "");
    assert!(serde_json::from_str::<CreateVmRequest>(&good).is_ok());
}

#[test]
fn inspect_source_checks_the_kind_of_file() {
    let dir = std::env::temp_dir().join(format!("vireo-api-inspect-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let iso = dir.join("cd.iso");
    let mut data = vec![0u8; 17 * 2048];
    data[0x8000] = 1;
    data[0x8001..0x8006].copy_from_slice(b"CD001");
    data[0x8028..0x8048].copy_from_slice(format!("{:32}", "Debian 11.5.0 amd64 n").as_bytes());
    std::fs::write(&iso, data).unwrap();
    let path = iso.display().to_string();
    let inv = Inventory::with_config_dir(|_| {}, None);
    let request = |path: &str, iso: bool| InspectRequest {
        path: path.to_string(),
        iso,
        connection: None,
        pool: None,
        mode: None,
        vm: None,
    };
    let info = inspect_source(&inv, request(&path, true)).unwrap();
    assert_eq!(info.volume_id.as_deref(), Some("Debian 11.5.0 amd64 n"));
    assert_eq!(info.detected_os.unwrap().id, "http://debian.org/debian/11");
    let err = inspect_source(&inv, request(&path, false)).unwrap_err();
    assert_eq!(err.code, Code::InvalidInput);
    assert!(err.message.contains("is an ISO"));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A 1 GiB qcow2 v3 written byte by byte, with a backing file name (none if empty) and
/// incompatible feature bits.
fn qcow2_backed_by(backing: &str, incompat: u64) -> Vec<u8> {
    vireo_storage::testing::Qcow2 {
        backing: (!backing.is_empty()).then(|| backing.as_bytes().to_vec()),
        incompat,
        ..Default::default()
    }
    .bytes()
}

#[test]
fn hostile_names_arrive_escaped_and_refusals_are_invalid_input() {
    let dir = std::env::temp_dir().join(format!("vireo-api-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let inv = Inventory::with_config_dir(|_| {}, None);
    let p = dir.join("evil.qcow2");
    std::fs::write(&p, qcow2_backed_by("b\n\u{1b}[1A\u{202e}x.qcow2", 0)).unwrap();
    let err = inspect_source(
        &inv,
        InspectRequest {
            path: p.display().to_string(),
            iso: false,
            connection: None,
            pool: None,
            mode: None,
            vm: None,
        },
    )
    .unwrap_err();
    assert_eq!(err.code, Code::InvalidInput);
    assert!(
        err.message.contains("b\\n\\u{1b}[1A\\u{202e}x.qcow2"),
        "{}",
        err.message
    );
    assert!(
        !err.message.chars().any(char::is_control),
        "{:?}",
        err.message
    );
    let json = serde_json::to_string(&err).unwrap();
    assert!(json.contains("\"code\":\"invalid-input\""), "{json}");

    // A dirty image: accepted, with a warning the request must acknowledge.
    let dirty = dir.join("dirty.qcow2");
    std::fs::write(&dirty, qcow2_backed_by("", 1)).unwrap();
    let info = inspect_source(
        &inv,
        InspectRequest {
            path: dirty.display().to_string(),
            iso: false,
            connection: None,
            pool: None,
            mode: None,
            vm: None,
        },
    )
    .unwrap();
    assert_eq!(info.warnings.len(), 1);
    assert_eq!(info.warnings[0].id, WarningId::DirtyImage);
    std::fs::remove_dir_all(&dir).unwrap();
}
