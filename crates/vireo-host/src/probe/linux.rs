//! Linux: /proc/cpuinfo, /sys/module and a functional test of /dev/kvm.

use crate::facts::{CpuFacts, KvmDevice, KvmFacts, KvmModule, VirtFlag};
use std::path::Path;

pub fn cpu_facts() -> CpuFacts {
    std::fs::read_to_string("/proc/cpuinfo")
        .map(|text| parse_cpuinfo(&text))
        .unwrap_or_default()
}

/// Reads the first processor block; all cores of one host agree on these fields.
pub fn parse_cpuinfo(text: &str) -> CpuFacts {
    let mut facts = CpuFacts::default();
    for line in text.lines() {
        if line.trim().is_empty() && facts.vendor.is_some() {
            break;
        }
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match key.trim() {
            "vendor_id" => facts.vendor = Some(value.to_string()),
            "model name" => facts.model = Some(value.to_string()),
            "flags" => {
                let flags: Vec<&str> = value.split_whitespace().collect();
                facts.virt_flag = if flags.contains(&"vmx") {
                    Some(VirtFlag::Vmx)
                } else if flags.contains(&"svm") {
                    Some(VirtFlag::Svm)
                } else {
                    None
                };
                facts.is_guest = flags.contains(&"hypervisor");
            }
            _ => {}
        }
    }
    facts
}

pub fn kvm_facts() -> KvmFacts {
    kvm_facts_at(Path::new("/dev/kvm"), Path::new("/sys/module"))
}

fn kvm_facts_at(dev: &Path, sys_module: &Path) -> KvmFacts {
    let modules = [
        ("kvm_intel", KvmModule::Intel),
        ("kvm_amd", KvmModule::Amd),
        ("kvm_pvm", KvmModule::Pvm),
    ]
    .into_iter()
    .filter(|(name, _)| sys_module.join(name).exists())
    .map(|(_, m)| m)
    .collect();

    let device = if !dev.exists() {
        KvmDevice::Missing
    } else {
        match std::fs::OpenOptions::new().read(true).write(true).open(dev) {
            Err(e) => KvmDevice::OpenFailed {
                errno: e.raw_os_error().unwrap_or(0),
            },
            Ok(file) => {
                let api_version = crate::sys::kvm::api_version(&file);
                // Only a KVM with the expected API is worth asking for a VM.
                let create_vm = match api_version {
                    Ok(12) => crate::sys::kvm::create_vm(&file),
                    Ok(_) => Err(0),
                    Err(e) => Err(e),
                };
                KvmDevice::Opened {
                    api_version,
                    create_vm,
                }
            }
        }
    };
    KvmFacts { device, modules }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpuinfo_without_flags_is_parsed() {
        let text = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel Xeon\n\
                    flags\t\t: fpu sse2 hypervisor\n\nprocessor\t: 1\nvendor_id\t: Other\n";
        let f = parse_cpuinfo(text);
        assert_eq!(f.vendor.as_deref(), Some("GenuineIntel"));
        assert_eq!(f.model.as_deref(), Some("Intel Xeon"));
        assert_eq!(f.virt_flag, None);
        assert!(f.is_guest);
    }

    #[test]
    fn cpuinfo_svm_is_seen() {
        let f = parse_cpuinfo("vendor_id : AuthenticAMD\nflags : fpu svm lm\n");
        assert_eq!(f.virt_flag, Some(VirtFlag::Svm));
        assert!(!f.is_guest);
    }

    #[test]
    fn missing_device_and_modules() {
        let dir = std::env::temp_dir().join(format!("vireo-kvm-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("kvm_pvm")).unwrap();
        let facts = kvm_facts_at(&dir.join("no-such-kvm"), &dir);
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(facts.device, KvmDevice::Missing);
        assert_eq!(facts.modules, vec![KvmModule::Pvm]);
    }
}
