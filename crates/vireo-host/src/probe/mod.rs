//! Gathering [`ProbeFacts`] from the real machine.

mod files;
mod libvirt;
#[cfg(target_os = "linux")]
mod linux;

use crate::facts::{AccelFacts, CpuFacts, ProbeFacts, ResourceFacts};

/// The seam between the machine and the classifier: tests hand in facts, the app probes.
pub trait HostProbe {
    fn probe(&self) -> ProbeFacts;
}

/// Probes this machine: /dev/kvm, /proc, libvirt's system and session connections.
#[derive(Debug, Clone)]
pub struct SystemProbe {
    pub system_uri: String,
    pub session_uri: String,
}

impl Default for SystemProbe {
    fn default() -> Self {
        SystemProbe {
            system_uri: "qemu:///system".to_string(),
            session_uri: "qemu:///session".to_string(),
        }
    }
}

impl HostProbe for SystemProbe {
    fn probe(&self) -> ProbeFacts {
        // The two libvirt connections are the slow part; open them side by side while this
        // thread does the local checks.
        std::thread::scope(|s| {
            let system = s.spawn(|| libvirt::probe_connection(&self.system_uri));
            let session = s.spawn(|| libvirt::probe_connection(&self.session_uri));
            let cpu = cpu_facts();
            let accel = accel_facts();
            let tools = files::tool_facts();
            let resources = resource_facts();
            let libvirt = crate::facts::LibvirtFacts {
                library_version: libvirt::library_version(),
                system: system.join().unwrap_or_default(),
                session: session.join().unwrap_or_default(),
            };
            ProbeFacts {
                cpu,
                accel,
                libvirt,
                tools,
                resources,
            }
        })
    }
}

fn cpu_facts() -> CpuFacts {
    #[cfg(target_os = "linux")]
    {
        linux::cpu_facts()
    }
    #[cfg(not(target_os = "linux"))]
    {
        CpuFacts::default()
    }
}

fn accel_facts() -> AccelFacts {
    #[cfg(target_os = "linux")]
    {
        AccelFacts::Linux(linux::kvm_facts())
    }
    #[cfg(target_os = "macos")]
    {
        AccelFacts::MacOs(crate::facts::HvfFacts {
            hv_support: crate::sys::hvf::hv_support(),
        })
    }
    #[cfg(windows)]
    {
        let (dll_loaded, hypervisor_present) = crate::sys::whpx::probe();
        AccelFacts::Windows(crate::facts::WhpxFacts {
            dll_loaded,
            hypervisor_present,
        })
    }
    #[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
    {
        AccelFacts::Unknown
    }
}

fn resource_facts() -> ResourceFacts {
    use sysinfo::{MemoryRefreshKind, RefreshKind, System};
    let cpu_threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    // Memory only: a full System refresh reads every process and costs milliseconds.
    let kind = RefreshKind::nothing().with_memory(MemoryRefreshKind::nothing().with_ram());
    match System::new_with_specifics(kind) {
        Ok(sys) => ResourceFacts {
            cpu_threads,
            total_memory: sys.total_memory(),
            available_memory: sys.available_memory(),
        },
        Err(_) => ResourceFacts {
            cpu_threads,
            ..ResourceFacts::default()
        },
    }
}
