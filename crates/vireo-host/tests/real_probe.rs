//! The real probe on this machine, with libvirtd running (`make test` starts it).
//! Expectations come from an independent look at /sys/module, so the test holds on a
//! desktop with kvm_intel as well as on the kvm_pvm sandboxes where CI runs.

use std::path::Path;
use vireo_host::{check, Accelerator, FindingId, Status, SystemProbe};

fn module_loaded(name: &str) -> bool {
    Path::new("/sys/module").join(name).exists()
}

#[test]
fn real_probe_matches_the_loaded_kvm_module() {
    let r = check(&SystemProbe::default());
    let system = r.finding(FindingId::LibvirtSystem).unwrap();
    assert_eq!(
        system.status,
        Status::Ok,
        "libvirtd must be running: {system:?}"
    );
    assert!(r.verdict.can_run_vms, "{:#?}", r);

    let hardware = module_loaded("kvm_intel") || module_loaded("kvm_amd");
    let kvm = r.finding(FindingId::Kvm).unwrap();
    if module_loaded("kvm_pvm") && !hardware {
        assert_eq!(kvm.status, Status::Warning);
        assert!(kvm.summary.contains("kvm_pvm"), "{}", kvm.summary);
        assert!(kvm.summary.contains("TCG"), "{}", kvm.summary);
        assert_eq!(r.verdict.accelerator, Accelerator::Tcg);
        assert_eq!(r.verdict.accelerator.domain_type(), Some("qemu"));
    } else if hardware && Path::new("/dev/kvm").exists() {
        assert_eq!(r.verdict.accelerator, Accelerator::Kvm, "{kvm:?}");
    } else {
        assert_eq!(r.verdict.accelerator, Accelerator::Tcg, "{kvm:?}");
    }
    assert_eq!(
        r.finding(FindingId::DomainQemu).unwrap().status,
        Status::Ok,
        "QEMU emulation must be available"
    );
    assert!(r.resources.total_memory > 0 && r.resources.cpu_threads > 0);
    assert!(r.duration_ms > 0.0);
}

#[test]
fn unreachable_uri_is_reported_not_fatal() {
    // A URI whose daemon socket does not exist: the system connection fails, the check goes on.
    let probe = SystemProbe {
        system_uri: "qemu:///system?socket=/nonexistent/libvirt-sock".to_string(),
        session_uri: "qemu:///session?socket=/nonexistent/libvirt-sock".to_string(),
    };
    let r = check(&probe);
    let system = r.finding(FindingId::LibvirtSystem).unwrap();
    assert_eq!(system.status, Status::Error, "{system:?}");
    assert!(
        system.summary.contains("libvirtd is not running"),
        "{}",
        system.summary
    );
    assert!(!r.verdict.can_run_vms);
    assert_eq!(
        r.verdict.summary,
        "VMs cannot run: libvirtd is not running."
    );
    // The local checks still ran.
    assert!(r.finding(FindingId::Kvm).is_some());
}
