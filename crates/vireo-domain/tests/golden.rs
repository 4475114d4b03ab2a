//! Golden domain XML for every source × firmware × network combination, each validated
//! against libvirt's schema with `virt-xml-validate`. `VIREO_BLESS=1` rewrites the files.

use std::path::PathBuf;
use std::process::Command;
use vireo_domain::*;

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn disk(kind: DiskKind, path: &str, format: DiskFormat, boot: u32) -> DiskSpec {
    DiskSpec {
        kind,
        path: path.to_string(),
        format,
        virtio: true,
        boot_order: Some(boot),
        backing: None,
        keep_owner: kind == DiskKind::Cdrom,
    }
}

fn spec(source: &str, firmware: Firmware, network: &str) -> DomainSpec {
    let mut s = DomainSpec::new(
        &format!(
            "golden-{source}-{}-{network}",
            if firmware == Firmware::Bios {
                "bios"
            } else {
                "uefi"
            }
        ),
        DomainType::Qemu,
        2048,
        2,
    );
    s.os_id = Some("http://debian.org/debian/12".to_string());
    s.firmware = firmware;
    s.tpm = firmware == Firmware::Uefi;
    let images = "/var/lib/libvirt/images";
    s.disks = match source {
        "import" => {
            // A linked overlay: the user's image is the backing file, never relabelled.
            let overlay = format!("{images}/{}.qcow2", s.name);
            let mut d = disk(DiskKind::Disk, &overlay, DiskFormat::Qcow2, 1);
            let original = "/home/user/images/debian-12.qcow2".to_string();
            d.backing = Some((original, DiskFormat::Qcow2));
            vec![d]
        }
        "iso" => vec![
            disk(
                DiskKind::Disk,
                &format!("{images}/{}.qcow2", s.name),
                DiskFormat::Qcow2,
                2,
            ),
            disk(
                DiskKind::Cdrom,
                "/srv/iso/debian-12.iso",
                DiskFormat::Raw,
                1,
            ),
        ],
        "empty" => vec![disk(
            DiskKind::Disk,
            &format!("{images}/{}.qcow2", s.name),
            DiskFormat::Qcow2,
            1,
        )],
        other => panic!("unknown source {other}"),
    };
    s.network = match network {
        "nat" => Network::Nat {
            network: "default".to_string(),
        },
        "user" => Network::User,
        "none" => Network::None,
        other => panic!("unknown network {other}"),
    };
    s
}

#[test]
fn golden_domain_xml_is_current_and_valid() {
    let bless = std::env::var_os("VIREO_BLESS").is_some();
    let mut checked = 0;
    let mut stale = Vec::new();
    for source in ["import", "iso", "empty"] {
        for firmware in [Firmware::Bios, Firmware::Uefi] {
            for network in ["nat", "user", "none"] {
                let s = spec(source, firmware, network);
                let xml = s.to_xml();
                let path = golden_dir().join(format!("{}.xml", s.name));
                if bless {
                    std::fs::write(&path, &xml).unwrap();
                }
                let current = std::fs::read_to_string(&path).unwrap_or_default();
                if current != xml {
                    stale.push(path.display().to_string());
                    continue;
                }
                let out = Command::new("virt-xml-validate")
                    .arg(&path)
                    .arg("domain")
                    .output()
                    .expect("virt-xml-validate (libvirt-clients) is installed");
                assert!(
                    out.status.success(),
                    "{} does not validate: {}{}",
                    path.display(),
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
                checked += 1;
            }
        }
    }
    assert!(
        stale.is_empty(),
        "golden files differ (regenerate with VIREO_BLESS=1 cargo test -p vireo-domain): {stale:?}"
    );
    assert_eq!(checked, 18);
}

#[test]
fn kvm_domains_pass_the_host_cpu_and_tcg_ones_do_not() {
    let mut s = spec("import", Firmware::Bios, "nat");
    assert!(!s.to_xml().contains("host-passthrough"));
    s.domain_type = DomainType::Kvm;
    let xml = s.to_xml();
    assert!(xml.starts_with("<domain type='kvm'>"));
    assert!(xml.contains("<cpu mode='host-passthrough'/>"));
}
