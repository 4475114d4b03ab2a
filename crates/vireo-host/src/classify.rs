//! Turns [`ProbeFacts`] into a [`HostReport`]. Pure: no I/O, so every host shape is testable.

use crate::facts::*;
use crate::report::*;

const EACCES: i32 = 13;
const TCG_SLOWDOWN: &str = "typically 5 to 20 times slower than KVM";
const ENABLE_VT: &str = "Enable Intel VT-x or AMD-V (SVM) in the firmware (BIOS/UEFI) setup, \
     then load the module: sudo modprobe kvm_intel (or kvm_amd).";

/// How usable the hardware accelerator is, before libvirt has its say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HwAccel {
    Usable,
    /// The device exists but this user may not open it; libvirt's system daemon may still.
    NoAccess,
    Unusable,
}

/// Builds the report. `duration_ms` is left at 0 for the caller to fill in.
pub fn classify(facts: &ProbeFacts, platform: &str) -> HostReport {
    let mut findings = vec![cpu_finding(&facts.cpu)];
    let hw = match &facts.accel {
        AccelFacts::Linux(kvm) => {
            let (finding, hw) = kvm_finding(kvm, &facts.cpu);
            findings.push(finding);
            hw
        }
        AccelFacts::MacOs(hvf) => {
            let (finding, hw) = hvf_finding(hvf);
            findings.push(finding);
            hw
        }
        AccelFacts::Windows(whpx) => {
            let (finding, hw) = whpx_finding(whpx);
            findings.push(finding);
            hw
        }
        AccelFacts::Unknown => HwAccel::Unusable,
    };
    let is_pvm = matches!(&facts.accel, AccelFacts::Linux(k) if pvm_only(k));

    let lv = &facts.libvirt;
    findings.push(libvirt_client_finding(lv.library_version));
    findings.push(connection_finding(
        FindingId::LibvirtSystem,
        "qemu:///system",
        &lv.system,
        lv.session.reachable().is_some(),
    ));
    findings.push(connection_finding(
        FindingId::LibvirtSession,
        "qemu:///session",
        &lv.session,
        lv.system.reachable().is_some(),
    ));

    // The system connection is where VMs live by default; fall back to the session one.
    let main_conn = lv.system.reachable().or(lv.session.reachable());
    let kvm_in_libvirt = main_conn.is_some_and(|c| c.domcaps_kvm.is_ok());
    let tcg_in_libvirt = main_conn.is_some_and(|c| c.domcaps_qemu.is_ok());

    if let Some(conn) = main_conn {
        findings.push(domain_kvm_finding(conn, hw, is_pvm));
        findings.push(domain_qemu_finding(conn));
        findings.push(network_finding(conn.default_network));
        findings.push(pool_finding(
            &conn.default_pool,
            lv.system.reachable().is_some(),
        ));
    }
    findings.push(uefi_finding(main_conn, &facts.tools));
    findings.push(swtpm_finding(facts.tools.swtpm.as_deref()));
    findings.push(osinfo_finding(facts.tools.osinfo.as_ref()));

    let resources = HostResources {
        cpu_threads: facts.resources.cpu_threads as u32,
        total_memory: facts.resources.total_memory,
        available_memory: facts.resources.available_memory,
        default_pool_free: main_conn.and_then(|c| c.default_pool.available),
    };
    findings.push(resources_finding(&resources));

    // KVM through libvirt needs libvirt to accept type='kvm' and the hardware to really
    // work. A user without access to /dev/kvm still gets KVM through the system daemon,
    // which runs QEMU as its own user.
    let via_system_daemon = lv.system.reachable().is_some_and(|c| c.domcaps_kvm.is_ok());
    let accelerator = match (&facts.accel, hw) {
        (AccelFacts::Linux(_), HwAccel::Usable) if kvm_in_libvirt => Accelerator::Kvm,
        (AccelFacts::Linux(k), HwAccel::NoAccess) if via_system_daemon && hardware_module(k) => {
            Accelerator::Kvm
        }
        (AccelFacts::MacOs(_), HwAccel::Usable) if kvm_in_libvirt => Accelerator::Hvf,
        _ if tcg_in_libvirt => Accelerator::Tcg,
        _ => Accelerator::None,
    };
    let verdict = verdict(accelerator, is_pvm, lv);

    HostReport {
        platform: platform.to_string(),
        verdict,
        findings,
        resources,
        duration_ms: 0.0,
    }
}

fn verdict(accelerator: Accelerator, is_pvm: bool, lv: &LibvirtFacts) -> Verdict {
    let summary = match accelerator {
        Accelerator::Kvm => "VMs run with KVM hardware acceleration.".to_string(),
        Accelerator::Hvf => "VMs run with Hypervisor.framework acceleration.".to_string(),
        Accelerator::Whpx => "VMs run with Windows Hypervisor Platform.".to_string(),
        Accelerator::Tcg if is_pvm => format!(
            "VMs run under QEMU emulation (TCG), {TCG_SLOWDOWN}: this host's KVM is kvm_pvm, \
             which cannot run ordinary guests."
        ),
        Accelerator::Tcg => format!(
            "VMs run under QEMU emulation (TCG), {TCG_SLOWDOWN}: hardware virtualization is \
             not usable."
        ),
        Accelerator::None => {
            let both_down = [&lv.system, &lv.session].iter().all(|c| {
                matches!(
                    c,
                    ConnFacts::Failed {
                        kind: ConnFailure::DaemonDown,
                        ..
                    }
                )
            });
            if both_down {
                "VMs cannot run: libvirtd is not running.".to_string()
            } else if lv.system.reachable().is_none() && lv.session.reachable().is_none() {
                "VMs cannot run: no libvirt connection could be opened.".to_string()
            } else {
                "VMs cannot run: libvirt has no QEMU emulator for this machine.".to_string()
            }
        }
    };
    Verdict {
        can_run_vms: accelerator != Accelerator::None,
        accelerator,
        summary,
    }
}

fn finding(id: FindingId, status: Status, title: &str, summary: String) -> Finding {
    Finding {
        id,
        status,
        title: title.to_string(),
        summary,
        fix: None,
    }
}

fn with_fix(mut f: Finding, fix: impl Into<String>) -> Finding {
    f.fix = Some(fix.into());
    f
}

fn cpu_finding(cpu: &CpuFacts) -> Finding {
    let name = cpu
        .model
        .clone()
        .or_else(|| cpu.vendor.clone())
        .unwrap_or_else(|| "Unknown CPU".to_string());
    let flags = match cpu.virt_flag {
        Some(VirtFlag::Vmx) => "vmx flag present",
        Some(VirtFlag::Svm) => "svm flag present",
        None => "no vmx/svm flag",
    };
    let guest = if cpu.is_guest {
        "; this host is itself a virtual machine"
    } else {
        ""
    };
    finding(
        FindingId::Cpu,
        Status::Info,
        "CPU",
        format!("{name}: {flags}{guest} (flags are information only; KVM is tested directly)"),
    )
}

fn pvm_only(kvm: &KvmFacts) -> bool {
    kvm.modules.contains(&KvmModule::Pvm) && !hardware_module(kvm)
}

fn hardware_module(kvm: &KvmFacts) -> bool {
    kvm.modules
        .iter()
        .any(|m| matches!(m, KvmModule::Intel | KvmModule::Amd))
}

fn module_name(kvm: &KvmFacts) -> &'static str {
    if kvm.modules.contains(&KvmModule::Intel) {
        "kvm_intel"
    } else if kvm.modules.contains(&KvmModule::Amd) {
        "kvm_amd"
    } else if kvm.modules.contains(&KvmModule::Pvm) {
        "kvm_pvm"
    } else {
        "built into the kernel"
    }
}

fn errno_text(errno: i32) -> String {
    std::io::Error::from_raw_os_error(errno).to_string()
}

/// What the functional test of /dev/kvm did, in words.
fn device_result(device: &KvmDevice) -> String {
    match device {
        KvmDevice::Missing => "/dev/kvm is missing".to_string(),
        KvmDevice::OpenFailed { errno } => {
            format!("/dev/kvm does not open ({})", errno_text(*errno))
        }
        KvmDevice::Opened {
            api_version: Ok(12),
            create_vm: Ok(()),
        } => "/dev/kvm opens, API version 12, KVM_CREATE_VM succeeds".to_string(),
        KvmDevice::Opened { .. } => "/dev/kvm opens".to_string(),
    }
}

fn kvm_finding(kvm: &KvmFacts, cpu: &CpuFacts) -> (Finding, HwAccel) {
    let warn = |summary: String| finding(FindingId::Kvm, Status::Warning, "KVM", summary);
    let tcg = format!("VMs will use QEMU emulation (TCG), {TCG_SLOWDOWN}");
    if pvm_only(kvm) {
        let f = warn(format!(
            "{}, but it is provided by kvm_pvm, which cannot run ordinary guests (firmware and \
             stock kernels stop with \"emulation failure\"). {tcg}.",
            device_result(&kvm.device)
        ));
        let f = with_fix(
            f,
            "For full speed run Vireo on a machine with Intel VT-x or AMD-V and the kvm_intel \
             or kvm_amd module.",
        );
        return (f, HwAccel::Unusable);
    }
    match &kvm.device {
        KvmDevice::Missing => {
            let fix = match (cpu.virt_flag, cpu.is_guest) {
                (Some(VirtFlag::Vmx), _) => {
                    "The CPU has VT-x: load the module with sudo modprobe kvm_intel; if that \
                     fails, enable VT-x in the firmware (BIOS/UEFI) setup."
                }
                (Some(VirtFlag::Svm), _) => {
                    "The CPU has AMD-V: load the module with sudo modprobe kvm_amd; if that \
                     fails, enable SVM in the firmware (BIOS/UEFI) setup."
                }
                (None, true) => {
                    "This host is a virtual machine: enable nested virtualization in the \
                     outer hypervisor, then load kvm_intel or kvm_amd."
                }
                (None, false) => ENABLE_VT,
            };
            let f = warn(format!("No /dev/kvm. {tcg}."));
            (with_fix(f, fix), HwAccel::Unusable)
        }
        KvmDevice::OpenFailed { errno } if *errno == EACCES => {
            let f = warn(
                "/dev/kvm exists but your user may not open it (permission denied): \
                 qemu:///session VMs would run emulated."
                    .to_string(),
            );
            let fix = "Add yourself to the kvm group: sudo usermod -aG kvm $USER, then log out \
                       and in again.";
            (with_fix(f, fix), HwAccel::NoAccess)
        }
        KvmDevice::OpenFailed { errno } => {
            let f = warn(format!(
                "/dev/kvm could not be opened: {}. {tcg}.",
                errno_text(*errno)
            ));
            (with_fix(f, ENABLE_VT), HwAccel::Unusable)
        }
        KvmDevice::Opened { api_version, .. } if *api_version != Ok(12) => {
            let got = match api_version {
                Ok(v) => format!("version {v}"),
                Err(e) => errno_text(*e),
            };
            let f = warn(format!(
                "KVM_GET_API_VERSION returned {got}, expected 12. {tcg}."
            ));
            (
                with_fix(f, "Update the kernel; this KVM is not one QEMU can use."),
                HwAccel::Unusable,
            )
        }
        KvmDevice::Opened {
            create_vm: Err(e), ..
        } => {
            let f = warn(format!(
                "/dev/kvm opens but creating a VM failed ({}). {tcg}.",
                errno_text(*e)
            ));
            let fix = "VT-x/AMD-V may be disabled in the firmware, or another hypervisor \
                       (an old VirtualBox, VMware) holds it: enable it in the BIOS/UEFI setup \
                       or close the other hypervisor.";
            (with_fix(f, fix), HwAccel::Unusable)
        }
        KvmDevice::Opened { .. } => {
            let f = finding(
                FindingId::Kvm,
                Status::Ok,
                "KVM",
                format!(
                    "KVM works: /dev/kvm opens read-write, API version 12, a test VM was \
                     created (module {}).",
                    module_name(kvm)
                ),
            );
            (f, HwAccel::Usable)
        }
    }
}

fn hvf_finding(hvf: &HvfFacts) -> (Finding, HwAccel) {
    match hvf.hv_support {
        Some(true) => (
            finding(
                FindingId::Hvf,
                Status::Ok,
                "Hypervisor.framework",
                "kern.hv_support = 1: hardware acceleration is available.".to_string(),
            ),
            HwAccel::Usable,
        ),
        other => {
            let what = if other.is_some() {
                "kern.hv_support = 0"
            } else {
                "kern.hv_support is missing"
            };
            let f = finding(
                FindingId::Hvf,
                Status::Warning,
                "Hypervisor.framework",
                format!("{what}: VMs will use QEMU emulation (TCG), {TCG_SLOWDOWN}."),
            );
            (
                with_fix(
                    f,
                    "Use a Mac with a CPU that supports virtualization (any Apple silicon or \
                     a recent Intel Mac), not a VM without nested virtualization.",
                ),
                HwAccel::Unusable,
            )
        }
    }
}

fn whpx_finding(whpx: &WhpxFacts) -> (Finding, HwAccel) {
    let fix = "Turn on \"Windows Hypervisor Platform\" in Windows Features, then restart.";
    match (whpx.dll_loaded, whpx.hypervisor_present) {
        (true, Some(true)) => (
            finding(
                FindingId::Whpx,
                Status::Ok,
                "Windows Hypervisor Platform",
                "WHvGetCapability reports a hypervisor.".to_string(),
            ),
            HwAccel::Usable,
        ),
        (false, _) => (
            with_fix(
                finding(
                    FindingId::Whpx,
                    Status::Warning,
                    "Windows Hypervisor Platform",
                    "WinHvPlatform.dll is not installed.".to_string(),
                ),
                fix,
            ),
            HwAccel::Unusable,
        ),
        (true, _) => (
            with_fix(
                finding(
                    FindingId::Whpx,
                    Status::Warning,
                    "Windows Hypervisor Platform",
                    "The platform is installed but no hypervisor is running.".to_string(),
                ),
                fix,
            ),
            HwAccel::Unusable,
        ),
    }
}

/// Formats libvirt's `major * 1_000_000 + minor * 1_000 + micro` encoding.
pub fn version_string(v: u32) -> String {
    format!("{}.{}.{}", v / 1_000_000, (v / 1_000) % 1_000, v % 1_000)
}

fn libvirt_client_finding(version: Option<u32>) -> Finding {
    match version {
        Some(v) => finding(
            FindingId::LibvirtClient,
            Status::Ok,
            "libvirt library",
            format!("libvirt {} client library.", version_string(v)),
        ),
        None => with_fix(
            finding(
                FindingId::LibvirtClient,
                Status::Error,
                "libvirt library",
                "The libvirt client library did not answer.".to_string(),
            ),
            "Install libvirt: sudo apt install libvirt-daemon-system libvirt-clients",
        ),
    }
}

fn connection_finding(id: FindingId, uri: &str, conn: &ConnFacts, other_ok: bool) -> Finding {
    let title = if id == FindingId::LibvirtSystem {
        "libvirt (system)"
    } else {
        "libvirt (session)"
    };
    // One working connection is enough to run VMs; the other one failing is a warning.
    let fail_status = if other_ok {
        Status::Warning
    } else {
        Status::Error
    };
    match conn {
        ConnFacts::NotTried => finding(id, Status::Info, title, format!("{uri} not tried.")),
        ConnFacts::Reachable(c) => {
            let qemu = c
                .hypervisor_version
                .map(|v| format!(" (QEMU {})", version_string(v)))
                .unwrap_or_default();
            finding(id, Status::Ok, title, format!("{uri} is reachable{qemu}."))
        }
        ConnFacts::Failed { kind, message } => {
            let (what, fix) = match (kind, id) {
                (ConnFailure::PermissionDenied, FindingId::LibvirtSystem) => (
                    "permission denied",
                    "Add yourself to the libvirt group: sudo usermod -aG libvirt $USER, then \
                     log out and in again.",
                ),
                (ConnFailure::PermissionDenied, _) => (
                    "permission denied",
                    "Check that your runtime directory ($XDG_RUNTIME_DIR/libvirt) belongs to you.",
                ),
                (ConnFailure::DaemonDown, FindingId::LibvirtSystem) => (
                    "libvirtd is not running",
                    "Start it: sudo systemctl enable --now libvirtd (without systemd: sudo \
                     virtlogd -d && sudo libvirtd -d). Not installed? sudo apt install \
                     libvirt-daemon-system",
                ),
                (ConnFailure::DaemonDown, _) => (
                    "the session daemon could not be started",
                    "Install libvirt's daemon: sudo apt install libvirt-daemon-system",
                ),
                (ConnFailure::Other, _) => (
                    "connection failed",
                    "Run virsh -c URI list to see libvirt's full error.",
                ),
            };
            let fix = fix.replace("URI", uri);
            with_fix(
                finding(id, fail_status, title, format!("{uri}: {what} ({message})")),
                fix,
            )
        }
    }
}

fn domain_kvm_finding(conn: &ReachableConn, hw: HwAccel, is_pvm: bool) -> Finding {
    let title = "Domain type kvm";
    match (&conn.domcaps_kvm, hw) {
        (Ok(_), _) if is_pvm => finding(
            FindingId::DomainKvm,
            Status::Info,
            title,
            "libvirt offers type 'kvm', but this host's KVM is kvm_pvm: Vireo creates \
             type 'qemu' (TCG) domains instead."
                .to_string(),
        ),
        (Ok(_), HwAccel::Usable | HwAccel::NoAccess) => finding(
            FindingId::DomainKvm,
            Status::Ok,
            title,
            "libvirt can run type 'kvm' domains.".to_string(),
        ),
        (Ok(_), HwAccel::Unusable) => finding(
            FindingId::DomainKvm,
            Status::Info,
            title,
            "libvirt offers type 'kvm', but KVM failed the functional test above: Vireo \
             creates type 'qemu' domains."
                .to_string(),
        ),
        (Err(e), HwAccel::Usable) => with_fix(
            finding(
                FindingId::DomainKvm,
                Status::Warning,
                title,
                format!("KVM works, but libvirt refuses type 'kvm': {e}"),
            ),
            "Restart libvirtd so it probes QEMU again: sudo systemctl restart libvirtd",
        ),
        (Err(e), _) => finding(
            FindingId::DomainKvm,
            Status::Info,
            title,
            format!("libvirt cannot run type 'kvm' domains: {e}"),
        ),
    }
}

fn domain_qemu_finding(conn: &ReachableConn) -> Finding {
    let title = "QEMU emulation";
    match &conn.domcaps_qemu {
        Ok(caps) => {
            let emulator = caps.emulator.as_deref().unwrap_or("QEMU");
            let machine = caps
                .machine
                .as_deref()
                .map(|m| format!(", machine {m}"))
                .unwrap_or_default();
            finding(
                FindingId::DomainQemu,
                Status::Ok,
                title,
                format!("{emulator}{machine} can run type 'qemu' domains."),
            )
        }
        Err(e) => with_fix(
            finding(
                FindingId::DomainQemu,
                Status::Error,
                title,
                format!("libvirt has no QEMU emulator for x86_64: {e}"),
            ),
            "Install QEMU: sudo apt install qemu-system-x86, then restart libvirtd.",
        ),
    }
}

fn network_finding(net: Presence) -> Finding {
    let title = "Default network";
    match net {
        Presence::Active => finding(
            FindingId::DefaultNetwork,
            Status::Ok,
            title,
            "The NAT network 'default' is active.".to_string(),
        ),
        Presence::Inactive => with_fix(
            finding(
                FindingId::DefaultNetwork,
                Status::Warning,
                title,
                "The NAT network 'default' is defined but not running.".to_string(),
            ),
            "Vireo offers to start it when a VM needs it, or: sudo virsh net-start default && \
             sudo virsh net-autostart default",
        ),
        Presence::Missing => with_fix(
            finding(
                FindingId::DefaultNetwork,
                Status::Warning,
                title,
                "There is no network named 'default'.".to_string(),
            ),
            "Vireo offers to define it when a VM needs it; it ships with libvirt-daemon-config-network.",
        ),
    }
}

fn pool_finding(pool: &PoolFacts, system: bool) -> Finding {
    let title = "Default storage pool";
    let dir = if system {
        "/var/lib/libvirt/images"
    } else {
        "~/.local/share/libvirt/images"
    };
    match pool.presence {
        Presence::Active => {
            let path = pool.path.as_deref().unwrap_or("?");
            let free = pool
                .available
                .map(|b| format!(", {} free", human_bytes(b)))
                .unwrap_or_default();
            finding(
                FindingId::DefaultPool,
                Status::Ok,
                title,
                format!("Pool 'default' at {path}{free}."),
            )
        }
        Presence::Inactive => with_fix(
            finding(
                FindingId::DefaultPool,
                Status::Warning,
                title,
                "Pool 'default' is defined but not active.".to_string(),
            ),
            "Vireo starts it when a VM needs it, or: virsh pool-start default",
        ),
        Presence::Missing => finding(
            FindingId::DefaultPool,
            Status::Info,
            title,
            format!("No pool 'default' yet: Vireo creates it at {dir} with the first VM."),
        ),
    }
}

fn uefi_finding(conn: Option<&ReachableConn>, tools: &ToolFacts) -> Finding {
    let title = "UEFI firmware";
    let caps = conn.and_then(|c| c.domcaps_qemu.as_ref().ok());
    if let Some(loader) = caps.and_then(|c| c.loaders.first()) {
        return finding(
            FindingId::Uefi,
            Status::Ok,
            title,
            format!("OVMF available to libvirt: {loader}."),
        );
    }
    if caps.is_some_and(|c| c.efi_autoselect) {
        return finding(
            FindingId::Uefi,
            Status::Ok,
            title,
            "libvirt can select UEFI firmware automatically.".to_string(),
        );
    }
    if caps.is_none() {
        if let Some(d) = tools.uefi_descriptors.first() {
            return finding(
                FindingId::Uefi,
                Status::Ok,
                title,
                format!("UEFI firmware described by {}.", d.display()),
            );
        }
    }
    with_fix(
        finding(
            FindingId::Uefi,
            Status::Warning,
            title,
            "No UEFI firmware (OVMF) found: VMs can only boot with BIOS; Windows 11 and some \
             Linux images need UEFI."
                .to_string(),
        ),
        "Install it: sudo apt install ovmf, then restart libvirtd.",
    )
}

fn swtpm_finding(swtpm: Option<&std::path::Path>) -> Finding {
    let title = "TPM emulator";
    match swtpm {
        Some(p) => finding(
            FindingId::Swtpm,
            Status::Ok,
            title,
            format!("swtpm found at {}: VMs can get a virtual TPM.", p.display()),
        ),
        None => with_fix(
            finding(
                FindingId::Swtpm,
                Status::Warning,
                title,
                "swtpm not found: VMs get no TPM (Windows 11 requires one).".to_string(),
            ),
            "Install it: sudo apt install swtpm swtpm-tools",
        ),
    }
}

fn osinfo_finding(osinfo: Option<&OsinfoFacts>) -> Finding {
    let title = "OS database";
    match osinfo {
        Some(o) => {
            let version = o
                .version
                .as_deref()
                .map(|v| format!(" {v}"))
                .unwrap_or_default();
            finding(
                FindingId::OsinfoDb,
                Status::Ok,
                title,
                format!("osinfo-db{version} in {}.", o.dir.display()),
            )
        }
        None => with_fix(
            finding(
                FindingId::OsinfoDb,
                Status::Warning,
                title,
                "osinfo-db not found: the wizard cannot suggest OS defaults.".to_string(),
            ),
            "Install it: sudo apt install osinfo-db",
        ),
    }
}

fn resources_finding(r: &HostResources) -> Finding {
    let title = "Host resources";
    let pool = r
        .default_pool_free
        .map(|b| format!(", {} free in the default pool", human_bytes(b)))
        .unwrap_or_default();
    let summary = format!(
        "{} CPU threads, {} memory ({} available){pool}.",
        r.cpu_threads,
        human_bytes(r.total_memory),
        human_bytes(r.available_memory)
    );
    const LOW_MEMORY: u64 = 1 << 30;
    if r.available_memory < LOW_MEMORY {
        with_fix(
            finding(FindingId::Resources, Status::Warning, title, summary),
            "Less than 1 GiB of memory is free: close programs before starting VMs.",
        )
    } else {
        finding(FindingId::Resources, Status::Ok, title, summary)
    }
}

/// Binary units, one decimal: "23.4 GiB".
pub fn human_bytes(b: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = b as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{b} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}
