//! The classifier over injected facts: one case per kind of host we must describe truthfully.

use vireo_host::facts::*;
use vireo_host::{classify, Accelerator, FindingId, HostReport, Status};

fn caps() -> DomainCaps {
    DomainCaps {
        emulator: Some("/usr/bin/qemu-system-x86_64".into()),
        machine: Some("pc-q35-7.2".into()),
        efi_autoselect: true,
        loaders: vec!["/usr/share/OVMF/OVMF_CODE_4M.fd".into()],
        tpm_emulator: true,
    }
}

fn reachable() -> ConnFacts {
    ConnFacts::Reachable(Box::new(ReachableConn {
        hypervisor_version: Some(7_002_022),
        domcaps_kvm: Ok(caps()),
        domcaps_qemu: Ok(caps()),
        default_network: Presence::Active,
        default_pool: PoolFacts {
            presence: Presence::Active,
            path: Some("/var/lib/libvirt/images".into()),
            available: Some(80 << 30),
        },
    }))
}

fn working_kvm() -> KvmFacts {
    KvmFacts {
        device: KvmDevice::Opened {
            api_version: Ok(12),
            create_vm: Ok(()),
        },
        modules: vec![KvmModule::Intel],
    }
}

/// A healthy desktop: real VT-x, libvirt up, everything installed.
fn healthy() -> ProbeFacts {
    ProbeFacts {
        cpu: CpuFacts {
            vendor: Some("GenuineIntel".into()),
            model: Some("Intel Core i7".into()),
            virt_flag: Some(VirtFlag::Vmx),
            is_guest: false,
        },
        accel: AccelFacts::Linux(working_kvm()),
        libvirt: LibvirtFacts {
            library_version: Some(9_000_000),
            system: reachable(),
            session: reachable(),
        },
        tools: ToolFacts {
            uefi_descriptors: vec![],
            swtpm: Some("/usr/bin/swtpm".into()),
            osinfo: Some(OsinfoFacts {
                dir: "/usr/share/osinfo".into(),
                version: Some("20221203".into()),
            }),
        },
        resources: ResourceFacts {
            cpu_threads: 8,
            total_memory: 16 << 30,
            available_memory: 12 << 30,
        },
    }
}

fn with_kvm(device: KvmDevice, modules: Vec<KvmModule>) -> ProbeFacts {
    let mut f = healthy();
    f.accel = AccelFacts::Linux(KvmFacts { device, modules });
    f
}

fn status(r: &HostReport, id: FindingId) -> Status {
    r.finding(id)
        .unwrap_or_else(|| panic!("no {id:?} finding"))
        .status
}

fn fix(r: &HostReport, id: FindingId) -> String {
    r.finding(id)
        .and_then(|f| f.fix.clone())
        .unwrap_or_default()
}

#[test]
fn healthy_desktop_uses_kvm() {
    let r = classify(&healthy(), "linux");
    assert_eq!(r.verdict.accelerator, Accelerator::Kvm);
    assert!(r.verdict.can_run_vms);
    assert!(
        r.findings.iter().all(|f| f.status <= Status::Info),
        "{r:#?}"
    );
    assert_eq!(r.resources.default_pool_free, Some(80 << 30));
}

#[test]
fn flags_absent_but_kvm_works_is_kvm() {
    // Nested or PVM-less cloud hosts hide vmx/svm: the functional test decides, not flags.
    let mut f = healthy();
    f.cpu.virt_flag = None;
    f.cpu.is_guest = true;
    let r = classify(&f, "linux");
    assert_eq!(r.verdict.accelerator, Accelerator::Kvm);
    assert_eq!(status(&r, FindingId::Kvm), Status::Ok);
    assert_eq!(status(&r, FindingId::Cpu), Status::Info);
    assert!(r
        .finding(FindingId::Cpu)
        .unwrap()
        .summary
        .contains("no vmx/svm"));
}

#[test]
fn kvm_pvm_falls_back_to_tcg() {
    let f = with_kvm(
        KvmDevice::Opened {
            api_version: Ok(12),
            create_vm: Ok(()),
        },
        vec![KvmModule::Pvm],
    );
    let r = classify(&f, "linux");
    assert_eq!(r.verdict.accelerator, Accelerator::Tcg);
    assert!(r.verdict.can_run_vms);
    assert!(
        r.verdict.summary.contains("kvm_pvm"),
        "{}",
        r.verdict.summary
    );
    assert_eq!(status(&r, FindingId::Kvm), Status::Warning);
    assert!(r.finding(FindingId::Kvm).unwrap().summary.contains("TCG"));
    // libvirt's own domcaps claim kvm: we say why we do not use it.
    assert_eq!(status(&r, FindingId::DomainKvm), Status::Info);
}

#[test]
fn no_dev_kvm_falls_back_with_firmware_hint() {
    let mut f = with_kvm(KvmDevice::Missing, vec![]);
    f.cpu.virt_flag = None;
    let r = classify(&f, "linux");
    assert_eq!(r.verdict.accelerator, Accelerator::Tcg);
    assert_eq!(status(&r, FindingId::Kvm), Status::Warning);
    assert!(fix(&r, FindingId::Kvm).contains("VT-x"));
    assert!(r.verdict.summary.contains("slower"));
}

#[test]
fn no_dev_kvm_with_vmx_flag_suggests_modprobe() {
    let r = classify(&with_kvm(KvmDevice::Missing, vec![]), "linux");
    assert!(fix(&r, FindingId::Kvm).contains("modprobe kvm_intel"));
}

#[test]
fn eacces_hints_the_kvm_group_and_keeps_kvm_via_the_system_daemon() {
    let f = with_kvm(KvmDevice::OpenFailed { errno: 13 }, vec![KvmModule::Intel]);
    let r = classify(&f, "linux");
    assert_eq!(status(&r, FindingId::Kvm), Status::Warning);
    assert!(fix(&r, FindingId::Kvm).contains("kvm group"));
    // libvirtd runs QEMU as its own user, which may open /dev/kvm.
    assert_eq!(r.verdict.accelerator, Accelerator::Kvm);
}

#[test]
fn eacces_without_system_daemon_is_tcg() {
    let mut f = with_kvm(KvmDevice::OpenFailed { errno: 13 }, vec![KvmModule::Intel]);
    f.libvirt.system = ConnFacts::Failed {
        kind: ConnFailure::PermissionDenied,
        message: "Permission denied".into(),
    };
    let r = classify(&f, "linux");
    assert_eq!(r.verdict.accelerator, Accelerator::Tcg);
}

#[test]
fn create_vm_failure_is_reported() {
    let f = with_kvm(
        KvmDevice::Opened {
            api_version: Ok(12),
            create_vm: Err(16),
        },
        vec![KvmModule::Intel],
    );
    let r = classify(&f, "linux");
    assert_eq!(r.verdict.accelerator, Accelerator::Tcg);
    let kvm = r.finding(FindingId::Kvm).unwrap();
    assert_eq!(kvm.status, Status::Warning);
    assert!(
        kvm.summary.contains("creating a VM failed"),
        "{}",
        kvm.summary
    );
    assert!(kvm.fix.as_deref().unwrap().contains("firmware"));
}

#[test]
fn wrong_api_version_is_unusable() {
    let f = with_kvm(
        KvmDevice::Opened {
            api_version: Ok(11),
            create_vm: Err(0),
        },
        vec![KvmModule::Amd],
    );
    let r = classify(&f, "linux");
    assert_eq!(r.verdict.accelerator, Accelerator::Tcg);
    assert!(r
        .finding(FindingId::Kvm)
        .unwrap()
        .summary
        .contains("version 11"));
}

#[test]
fn libvirtd_down_means_vms_cannot_run() {
    let mut f = healthy();
    let down = ConnFacts::Failed {
        kind: ConnFailure::DaemonDown,
        message:
            "Failed to connect socket to '/run/libvirt/libvirt-sock': No such file or directory"
                .into(),
    };
    f.libvirt.system = down.clone();
    f.libvirt.session = down;
    let r = classify(&f, "linux");
    assert!(!r.verdict.can_run_vms);
    assert_eq!(r.verdict.accelerator, Accelerator::None);
    assert_eq!(
        r.verdict.summary,
        "VMs cannot run: libvirtd is not running."
    );
    assert_eq!(status(&r, FindingId::LibvirtSystem), Status::Error);
    assert!(fix(&r, FindingId::LibvirtSystem).contains("systemctl enable --now libvirtd"));
    // Without a connection there is nothing to say about networks or pools.
    assert!(r.finding(FindingId::DefaultNetwork).is_none());
}

#[test]
fn session_only_access_warns_about_the_libvirt_group() {
    let mut f = healthy();
    f.libvirt.system = ConnFacts::Failed {
        kind: ConnFailure::PermissionDenied,
        message: "authentication unavailable: no polkit agent available".into(),
    };
    let r = classify(&f, "linux");
    assert!(r.verdict.can_run_vms);
    assert_eq!(r.verdict.accelerator, Accelerator::Kvm);
    assert_eq!(status(&r, FindingId::LibvirtSystem), Status::Warning);
    assert_eq!(status(&r, FindingId::LibvirtSession), Status::Ok);
    assert!(fix(&r, FindingId::LibvirtSystem).contains("libvirt group"));
    // The pool hint points at the session's directory.
    f.libvirt.session = match f.libvirt.session {
        ConnFacts::Reachable(mut c) => {
            c.default_pool = PoolFacts::default();
            ConnFacts::Reachable(c)
        }
        other => other,
    };
    let r = classify(&f, "linux");
    let pool = r.finding(FindingId::DefaultPool).unwrap();
    assert!(
        pool.summary.contains("~/.local/share/libvirt/images"),
        "{}",
        pool.summary
    );
}

#[test]
fn ovmf_missing_warns_with_package() {
    let mut f = healthy();
    for conn in [&mut f.libvirt.system, &mut f.libvirt.session] {
        if let ConnFacts::Reachable(c) = conn {
            let mut no_uefi = caps();
            no_uefi.loaders.clear();
            no_uefi.efi_autoselect = false;
            c.domcaps_qemu = Ok(no_uefi);
        }
    }
    let r = classify(&f, "linux");
    assert_eq!(status(&r, FindingId::Uefi), Status::Warning);
    assert!(fix(&r, FindingId::Uefi).contains("apt install ovmf"));
    assert!(r.verdict.can_run_vms);
}

#[test]
fn no_qemu_emulator_means_vms_cannot_run() {
    let mut f = with_kvm(KvmDevice::Missing, vec![]);
    for conn in [&mut f.libvirt.system, &mut f.libvirt.session] {
        if let ConnFacts::Reachable(c) = conn {
            c.domcaps_kvm = Err("no emulator for domain qemu".into());
            c.domcaps_qemu = Err("no emulator for domain qemu".into());
        }
    }
    let r = classify(&f, "linux");
    assert!(!r.verdict.can_run_vms);
    assert_eq!(status(&r, FindingId::DomainQemu), Status::Error);
    assert!(fix(&r, FindingId::DomainQemu).contains("qemu-system-x86"));
}

#[test]
fn missing_swtpm_and_osinfo_are_warnings() {
    let mut f = healthy();
    f.tools.swtpm = None;
    f.tools.osinfo = None;
    let r = classify(&f, "linux");
    assert_eq!(status(&r, FindingId::Swtpm), Status::Warning);
    assert_eq!(status(&r, FindingId::OsinfoDb), Status::Warning);
    assert_eq!(r.verdict.accelerator, Accelerator::Kvm);
}

#[test]
fn macos_with_hypervisor_framework() {
    let mut f = healthy();
    f.accel = AccelFacts::MacOs(HvfFacts {
        hv_support: Some(true),
    });
    let r = classify(&f, "macos");
    assert_eq!(r.verdict.accelerator, Accelerator::Hvf);
    assert_eq!(status(&r, FindingId::Hvf), Status::Ok);
}

#[test]
fn report_serializes_with_stable_ids() {
    let r = classify(&healthy(), "linux");
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["verdict"]["accelerator"], "kvm");
    assert_eq!(json["verdict"]["canRunVms"], true);
    assert_eq!(json["findings"][1]["id"], "kvm");
    assert_eq!(json["resources"]["totalMemory"], 16u64 << 30);
}
