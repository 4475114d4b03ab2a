//! Every in-place edit applied to a domain another tool wrote (`fixtures/foreign.xml`: a
//! foreign metadata namespace, a smartcard, `<os><boot dev>`, `<qemu:commandline>`): the
//! result is pinned by a golden file (`VIREO_BLESS=1` rewrites them), validates against
//! libvirt's schema, changes only the lines the edit is about, and keeps the rest byte-equal.

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::Command;
use vireo_domain::edit::{self, EditError, ResourcePatch};
use vireo_domain::hardware;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests")
}

fn foreign() -> String {
    std::fs::read_to_string(dir().join("fixtures/foreign.xml")).unwrap()
}

/// Parts another tool owns: each must come out byte-equal, whatever the edit.
const KEPT: &[&str] = &[
    "<metadata>\n    <other:tool xmlns:other=\"https://example.org/other-tool/1\">\n      \
     <other:setting key=\"x\" value=\"it's &lt;kept&gt;\"/>\n    </other:tool>\n  </metadata>",
    "<qemu:commandline>\n    <qemu:arg value='-device'/>\n    \
     <qemu:arg value='pvpanic,ioport=0x505'/>\n  </qemu:commandline>",
    "<smartcard mode='passthrough' type='spicevmc'/>",
    "<clock offset='utc'>\n    <timer name='rtc' tickpolicy='catchup'/>\n  </clock>",
    "<driver name='qemu' type='qcow2' cache='none' discard='unmap'/>",
    "<title>Made by another tool</title>",
];

fn lines(xml: &str) -> HashSet<&str> {
    xml.lines().collect()
}

/// Checks one edit's output: golden, valid, foreign parts kept, and exactly the expected
/// lines gone from the original.
fn check(name: &str, out: &str, gone: &[&str]) {
    golden_and_valid(name, out);
    for kept in KEPT {
        assert!(out.contains(kept), "{name} lost {kept}");
    }
    let original = foreign();
    let now = lines(out);
    let mut removed: Vec<&str> = original.lines().filter(|l| !now.contains(l)).collect();
    removed.sort();
    let mut want: Vec<&str> = gone.to_vec();
    want.sort();
    assert_eq!(removed, want, "{name}: changed other lines than its own");
}

/// The output equals its golden file, which libvirt's schema accepts.
fn golden_and_valid(name: &str, out: &str) {
    let path = dir().join(format!("golden/edit/{name}.xml"));
    if std::env::var_os("VIREO_BLESS").is_some() {
        std::fs::write(&path, out).unwrap();
    }
    let golden = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        out,
        golden,
        "{name}: differs from {} (regenerate with VIREO_BLESS=1 cargo test -p vireo-domain)",
        path.display()
    );
    let v = Command::new("virt-xml-validate")
        .arg(&path)
        .arg("domain")
        .output()
        .expect("virt-xml-validate (libvirt-clients) is installed");
    assert!(
        v.status.success(),
        "{name} does not validate: {}{}",
        String::from_utf8_lossy(&v.stdout),
        String::from_utf8_lossy(&v.stderr)
    );
}

#[test]
fn memory_and_vcpus_change_in_place() {
    let patch = ResourcePatch {
        memory_mib: Some(2048),
        max_memory_mib: Some(8192),
        vcpus: Some(3),
        max_vcpus: Some(4),
    };
    let out = edit::set_resources(&foreign(), &patch).unwrap();
    check(
        "resources",
        &out,
        &[
            "  <memory unit='GiB'>4</memory>",
            "  <vcpu placement=\"static\">2</vcpu>",
        ],
    );
    let h = hardware::read(&out).unwrap();
    assert_eq!(
        (h.memory_mib, h.max_memory_mib, h.vcpus, h.max_vcpus),
        (2048, 8192, 3, 4)
    );
    assert!(out.contains("<currentMemory unit='KiB'>2097152</currentMemory>"));
}

#[test]
fn memory_alone_keeps_the_vcpus_as_written() {
    let patch = ResourcePatch {
        memory_mib: Some(1024),
        ..Default::default()
    };
    let out = edit::set_resources(&foreign(), &patch).unwrap();
    check("memory", &out, &["  <memory unit='GiB'>4</memory>"]);
    assert!(out.contains("<vcpu placement=\"static\">2</vcpu>"));
}

#[test]
fn refused_resources_say_why() {
    let cases = [
        (
            ResourcePatch {
                memory_mib: Some(0),
                ..Default::default()
            },
            "at least 64 MiB",
        ),
        (
            ResourcePatch {
                memory_mib: Some(8192),
                ..Default::default()
            },
            "above the maximum",
        ),
        (
            ResourcePatch {
                vcpus: Some(0),
                ..Default::default()
            },
            "at least 1 vCPU",
        ),
        (
            ResourcePatch {
                vcpus: Some(3),
                ..Default::default()
            },
            "raise the maximum",
        ),
    ];
    for (patch, want) in cases {
        let err = edit::set_resources(&foreign(), &patch).unwrap_err();
        assert!(matches!(err, EditError::Invalid(_)), "{err}");
        assert!(err.to_string().contains(want), "{err}");
    }
}

#[test]
fn a_cdrom_gets_an_iso_and_is_ejected() {
    let inserted = edit::set_cdrom_media(&foreign(), "sda", Some("/srv/iso/it's.iso")).unwrap();
    check(
        "cdrom-insert",
        &inserted.xml,
        &[
            "    <disk type='block' device='cdrom'>",
            "      <source dev='/dev/sr0'/>",
        ],
    );
    assert!(inserted
        .device
        .starts_with("<disk type='file' device='cdrom'>"));
    assert!(inserted
        .device
        .contains("<source file='/srv/iso/it&apos;s.iso'>"));
    assert!(inserted.device.ends_with("</disk>"));
    let h = hardware::read(&inserted.xml).unwrap();
    assert_eq!(h.disks[1].source.as_deref(), Some("/srv/iso/it's.iso"));

    let ejected = edit::set_cdrom_media(&foreign(), "sda", None).unwrap();
    check(
        "cdrom-eject",
        &ejected.xml,
        &[
            "    <disk type='block' device='cdrom'>",
            "      <source dev='/dev/sr0'/>",
        ],
    );
    assert_eq!(hardware::read(&ejected.xml).unwrap().disks[1].source, None);
}

#[test]
fn only_cdrom_media_can_change() {
    let err = edit::set_cdrom_media(&foreign(), "vda", Some("/x.iso")).unwrap_err();
    assert!(err.to_string().contains("not a CD-ROM"), "{err}");
    let err = edit::set_cdrom_media(&foreign(), "hdz", None).unwrap_err();
    assert!(err.to_string().contains("no drive hdz"), "{err}");
}

#[test]
fn boot_order_moves_to_the_devices() {
    let order = [
        "vda".to_string(),
        "52:54:00:12:34:56".to_string(),
        "sda".to_string(),
    ];
    let out = edit::set_boot(&foreign(), &order, Some(true)).unwrap();
    check(
        "boot",
        &out,
        &["    <boot dev='cdrom'/>", "    <boot dev='hd'/>"],
    );
    let h = hardware::read(&out).unwrap();
    assert_eq!(h.disks[0].boot_order, Some(1));
    assert_eq!(h.nics[0].boot_order, Some(2));
    assert_eq!(h.disks[1].boot_order, Some(3));
    assert!(h.boot_menu);
    // Again, reordered: the existing <boot order> elements are renumbered, not duplicated.
    let again = edit::set_boot(&out, &["sda".to_string()], None).unwrap();
    let h = hardware::read(&again).unwrap();
    assert_eq!(
        (h.disks[0].boot_order, h.disks[1].boot_order),
        (None, Some(1))
    );
    assert_eq!(h.nics[0].boot_order, None);
    assert_eq!(again.matches("<boot order=").count(), 1);
}

#[test]
fn boot_order_names_real_devices_once() {
    let err = edit::set_boot(&foreign(), &["vdq".to_string()], None).unwrap_err();
    assert!(
        err.to_string().contains("no disk or network interface vdq"),
        "{err}"
    );
    let twice = ["vda".to_string(), "VDA".to_string()];
    let err = edit::set_boot(&foreign(), &twice, None).unwrap_err();
    assert!(err.to_string().contains("twice"), "{err}");
}

#[test]
fn an_edited_xml_stays_the_same_vm() {
    let xml = foreign();
    assert!(edit::check_same_vm(&xml, &xml.replace("GiB'>4", "GiB'>2")).is_ok());
    let renamed = xml.replace("<name>foreign</name>", "<name>other</name>");
    let err = edit::check_same_vm(&xml, &renamed).unwrap_err();
    assert!(err.to_string().contains("renames the VM"), "{err}");
    let uuid = xml.replace("3f7c1d2e", "00000000");
    let err = edit::check_same_vm(&xml, &uuid).unwrap_err();
    assert!(err.to_string().contains("UUID"), "{err}");
    let err = edit::check_same_vm(&xml, "<domain><name>foreign").unwrap_err();
    assert!(err.to_string().contains("not well-formed"), "{err}");
}

fn new_nic(source: vireo_domain::nic::NicSource) -> vireo_domain::nic::NewNic {
    vireo_domain::nic::NewNic {
        source,
        model: vireo_domain::nic::NicModel::E1000e,
        mac: None,
    }
}

#[test]
fn a_nic_is_added_as_the_last_device() {
    use vireo_domain::nic::{self, NicSource};
    let fragment = nic::nic_xml(
        &new_nic(NicSource::Bridge { name: "br0".into() }),
        "52:54:00:ab:cd:ef",
    )
    .unwrap();
    let out = nic::add_nic(&foreign(), &fragment).unwrap();
    check("nic-add", &out, &[]);
    let h = hardware::read(&out).unwrap();
    let added = h.nics.last().unwrap();
    assert_eq!(added.mac.as_deref(), Some("52:54:00:ab:cd:ef"));
    assert_eq!(
        (added.kind.as_str(), added.source.as_deref()),
        ("bridge", Some("br0"))
    );
    assert_eq!(
        nic::macs(&out).unwrap(),
        ["52:54:00:12:34:56", "52:54:00:ab:cd:ef"]
    );
}

#[test]
fn a_nic_is_removed_by_its_mac_and_its_cable_pulled_in_place() {
    use vireo_domain::nic;
    let (out, device) = nic::remove_nic(&foreign(), "52:54:00:12:34:56").unwrap();
    assert!(device.starts_with("<interface type='network'>"), "{device}");
    let gone: Vec<&str> = device.lines().map(|l| l.trim_start()).collect();
    let original = foreign();
    let gone: Vec<&str> = original
        .lines()
        .filter(|l| gone.contains(&l.trim_start()))
        .collect();
    check("nic-remove", &out, &gone);
    assert!(hardware::read(&out).unwrap().nics.is_empty());

    let (out, device) = nic::set_nic_link(&foreign(), "52:54:00:12:34:56", false).unwrap();
    assert!(device.contains("<link state='down'/>"), "{device}");
    check("nic-link-down", &out, &[]);
    assert!(!hardware::read(&out).unwrap().nics[0].link_up);
    let (up, _) = nic::set_nic_link(&out, "52:54:00:12:34:56", true).unwrap();
    assert!(hardware::read(&up).unwrap().nics[0].link_up);
}

#[test]
fn bad_nic_input_is_refused_and_nothing_is_written() {
    use vireo_domain::nic::{self, NicSource};
    for (mac, says) in [
        ("52:54:00:12:34", "not a MAC address"),
        ("52-54-00-12-34-56", "not a MAC address"),
        ("zz:54:00:12:34:56", "not a MAC address"),
        ("01:00:5e:00:00:01", "multicast"),
        ("00:00:00:00:00:00", "not a usable"),
    ] {
        match nic::validate_mac(mac) {
            Err(EditError::Invalid(m)) => assert!(m.contains(says), "{mac}: {m}"),
            other => panic!("{mac} must be refused, got {other:?}"),
        }
    }
    assert_eq!(
        nic::validate_mac("52:54:00:AB:cd:EF").unwrap(),
        "52:54:00:ab:cd:ef"
    );
    for source in [
        NicSource::Bridge {
            name: "br0'/><evil".into(),
        },
        NicSource::Bridge {
            name: "a-very-long-bridge-name".into(),
        },
        NicSource::Network {
            name: "net\u{202e}x".into(),
        },
    ] {
        assert!(
            matches!(
                nic::nic_xml(&new_nic(source.clone()), "52:54:00:00:00:09"),
                Err(EditError::Invalid(_))
            ),
            "{source:?}"
        );
    }
    assert!(matches!(
        nic::remove_nic(&foreign(), "52:54:00:00:00:99"),
        Err(EditError::Invalid(m)) if m.contains("no network interface")
    ));
}

fn new_disk(path: &str) -> vireo_domain::DiskSpec {
    vireo_domain::DiskSpec {
        kind: vireo_domain::DiskKind::Disk,
        path: path.into(),
        format: vireo_domain::DiskFormat::Qcow2,
        virtio: true,
        boot_order: None,
        backing: None,
        keep_owner: false,
    }
}

#[test]
fn a_disk_is_added_after_the_last_disk_under_the_next_free_name() {
    use vireo_domain::disk::{self, DiskBus};
    let taken = disk::targets(&foreign()).unwrap();
    assert_eq!(taken, ["vda", "sda"]);
    let target = disk::next_target(&taken, DiskBus::Virtio).unwrap();
    assert_eq!(target, "vdb");
    assert_eq!(
        disk::next_target(&taken, DiskBus::Sata).as_deref(),
        Some("sdb")
    );
    let fragment = disk::disk_xml(
        &new_disk("/var/lib/libvirt/images/it's <new>.qcow2"),
        &target,
        DiskBus::Virtio,
    );
    let out = disk::add_disk(&foreign(), &fragment).unwrap();
    check("disk-add", &out, &[]);
    let h = hardware::read(&out).unwrap();
    let added = h.disks.iter().find(|d| d.target == "vdb").unwrap();
    assert_eq!(
        added.source.as_deref(),
        Some("/var/lib/libvirt/images/it's <new>.qcow2")
    );
    assert_eq!(added.bus.as_deref(), Some("virtio"));
    // After the CD-ROM, before the interface: disks stay together.
    let at = |needle: &str| out.find(needle).unwrap();
    assert!(at("dev='sda'") < at("dev='vdb'") && at("dev='vdb'") < at("<interface"));
}

#[test]
fn a_disk_is_removed_by_its_target_in_place() {
    use vireo_domain::disk;
    let original = foreign();
    let (out, device) = disk::remove_disk(&original, "vda").unwrap();
    assert!(
        device.starts_with("<disk type='file' device='disk'>"),
        "{device}"
    );
    assert!(device.contains("foreign.qcow2"), "{device}");
    golden_and_valid("disk-remove", &out);
    // Exactly the disk's own lines are gone; every other byte stays (its driver line is
    // one of KEPT, so check() does not apply).
    assert_eq!(out, original.replacen(&format!("\n    {device}"), "", 1));
    let h = hardware::read(&out).unwrap();
    assert_eq!(
        h.disks
            .iter()
            .map(|d| d.target.as_str())
            .collect::<Vec<_>>(),
        ["sda"]
    );
    match disk::remove_disk(&original, "vdz'/>") {
        Err(EditError::Invalid(m)) => assert!(m.contains("no disk"), "{m}"),
        other => panic!("an unknown disk must be refused, got {other:?}"),
    }
}

#[test]
fn the_boot_disk_is_the_first_disk_in_the_boot_order() {
    use vireo_domain::disk::boot_disk;
    // foreign.xml boots with <os><boot dev='hd'/>: its first disk.
    let h = hardware::read(&foreign()).unwrap();
    assert_eq!(boot_disk(&h).as_deref(), Some("vda"));
    let fragment = vireo_domain::disk::disk_xml(
        &vireo_domain::DiskSpec {
            boot_order: Some(1),
            ..new_disk("/images/second.qcow2")
        },
        "vdb",
        vireo_domain::disk::DiskBus::Virtio,
    );
    let out = vireo_domain::disk::add_disk(&foreign(), &fragment).unwrap();
    let h = hardware::read(&out).unwrap();
    assert_eq!(boot_disk(&h).as_deref(), Some("vdb"));
    let (none, _) = vireo_domain::disk::remove_disk(&foreign(), "vda").unwrap();
    assert_eq!(boot_disk(&hardware::read(&none).unwrap()), None);
}

#[test]
fn firmware_changes_in_place_and_back() {
    use vireo_domain::hardware::FirmwareKind;
    use vireo_domain::platform::set_firmware;
    let original = foreign();
    let uefi = set_firmware(&original, FirmwareKind::Uefi).unwrap();
    check("firmware-uefi", &uefi, &["  <os>"]);
    assert_eq!(hardware::read(&uefi).unwrap().firmware, FirmwareKind::Uefi);
    assert_eq!(set_firmware(&uefi, FirmwareKind::Uefi).unwrap(), uefi);
    assert_eq!(set_firmware(&uefi, FirmwareKind::Bios).unwrap(), original);

    // What libvirt stores for a UEFI VM: the chosen image, the NVRAM, the feature list.
    let stored = original.replace(
        "  <os>\n",
        "  <os firmware='efi'>\n    <firmware>\n      <feature enabled='yes' name='secure-boot'/>\n    \
         </firmware>\n    <loader readonly='yes' secure='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.ms.fd</loader>\n    \
         <nvram template='/usr/share/OVMF/OVMF_VARS_4M.ms.fd'>/var/lib/libvirt/qemu/nvram/foreign_VARS.fd</nvram>\n",
    );
    let bios = set_firmware(&stored, FirmwareKind::Bios).unwrap();
    assert_eq!(bios, original, "every UEFI part goes, nothing else");
    assert_eq!(hardware::read(&bios).unwrap().firmware, FirmwareKind::Bios);
}

#[test]
fn a_tpm_and_a_vnc_display_are_added_and_removed_in_place() {
    use vireo_domain::platform::{set_tpm, set_vnc};
    let original = foreign();
    let tpm = set_tpm(&original, true).unwrap();
    check("tpm-add", &tpm, &[]);
    assert!(hardware::read(&tpm).unwrap().tpm.is_some());
    assert_eq!(set_tpm(&tpm, true).unwrap(), tpm, "one TPM at most");
    assert_eq!(set_tpm(&tpm, false).unwrap(), original);

    // foreign.xml has no display at all: one is added, reached through libvirt only.
    assert_eq!(set_vnc(&original, false).unwrap(), original);
    let vnc = set_vnc(&original, true).unwrap();
    check("vnc-add", &vnc, &[]);
    let g = hardware::read(&vnc).unwrap().graphics;
    assert!(
        g.iter()
            .any(|g| g.kind == "vnc" && g.listen.as_deref() == Some("none")),
        "{g:?}"
    );
    assert_eq!(set_vnc(&vnc, true).unwrap(), vnc, "one VNC display at most");
    assert_eq!(set_vnc(&vnc, false).unwrap(), original);
}
