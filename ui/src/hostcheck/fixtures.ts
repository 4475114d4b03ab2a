import type { HostReport } from "../bindings/HostReport";

/**
 * A real report from a kvm_pvm sandbox (`vireo check --json`): /dev/kvm works but is provided by
 * kvm_pvm, so VMs use TCG. One KVM warning with a fix, libvirt reachable, default network down.
 */
export const pvmReport: HostReport = {
  platform: "linux",
  verdict: {
    canRunVms: true,
    accelerator: "tcg",
    summary:
      "VMs run under QEMU emulation (TCG), typically 5 to 20 times slower than KVM: this host's KVM is kvm_pvm, which cannot run ordinary guests.",
  },
  findings: [
    {
      id: "cpu",
      status: "info",
      title: "CPU",
      summary:
        "AMD EPYC: no vmx/svm flag; this host is itself a virtual machine (flags are information only; KVM is tested directly)",
      fix: null,
    },
    {
      id: "kvm",
      status: "warning",
      title: "KVM",
      summary:
        '/dev/kvm opens, API version 12, KVM_CREATE_VM succeeds, but it is provided by kvm_pvm, which cannot run ordinary guests (firmware and stock kernels stop with "emulation failure"). VMs will use QEMU emulation (TCG), typically 5 to 20 times slower than KVM.',
      fix: "For full speed run Vireo on a machine with Intel VT-x or AMD-V and the kvm_intel or kvm_amd module.",
    },
    {
      id: "libvirt-client",
      status: "ok",
      title: "libvirt library",
      summary: "libvirt 9.0.0 client library.",
      fix: null,
    },
    {
      id: "libvirt-system",
      status: "ok",
      title: "libvirt (system)",
      summary: "qemu:///system is reachable (QEMU 7.2.22).",
      fix: null,
    },
    {
      id: "libvirt-session",
      status: "ok",
      title: "libvirt (session)",
      summary: "qemu:///session is reachable (QEMU 7.2.22).",
      fix: null,
    },
    {
      id: "domain-kvm",
      status: "info",
      title: "Domain type kvm",
      summary:
        "libvirt offers type 'kvm', but this host's KVM is kvm_pvm: Vireo creates type 'qemu' (TCG) domains instead.",
      fix: null,
    },
    {
      id: "domain-qemu",
      status: "ok",
      title: "QEMU emulation",
      summary: "/usr/bin/qemu-system-x86_64, machine pc-i440fx-7.2 can run type 'qemu' domains.",
      fix: null,
    },
    {
      id: "default-network",
      status: "warning",
      title: "Default network",
      summary: "The NAT network 'default' is defined but not running.",
      fix: "Vireo offers to start it when a VM needs it, or: sudo virsh net-start default && sudo virsh net-autostart default",
    },
    {
      id: "default-pool",
      status: "info",
      title: "Default storage pool",
      summary:
        "No pool 'default' yet: Vireo creates it at /var/lib/libvirt/images with the first VM.",
      fix: null,
    },
    {
      id: "uefi",
      status: "ok",
      title: "UEFI firmware",
      summary: "OVMF available to libvirt: /usr/share/OVMF/OVMF_CODE_4M.fd.",
      fix: null,
    },
    {
      id: "swtpm",
      status: "ok",
      title: "TPM emulator",
      summary: "swtpm found at /usr/bin/swtpm: VMs can get a virtual TPM.",
      fix: null,
    },
    {
      id: "osinfo-db",
      status: "ok",
      title: "OS database",
      summary: "osinfo-db 20221203 in /usr/share/osinfo.",
      fix: null,
    },
    {
      id: "resources",
      status: "ok",
      title: "Host resources",
      summary: "2 CPU threads, 23.5 GiB memory (22.4 GiB available).",
      fix: null,
    },
  ],
  resources: {
    cpuThreads: 2,
    totalMemory: 25276502016,
    availableMemory: 24028602368,
    defaultPoolFree: null,
  },
  durationMs: 7.211182,
};

/** A desktop with working KVM, a default pool and nothing to fix. */
export const kvmReport: HostReport = {
  platform: "linux",
  verdict: {
    canRunVms: true,
    accelerator: "kvm",
    summary: "VMs run with KVM hardware acceleration.",
  },
  findings: [
    {
      id: "kvm",
      status: "ok",
      title: "KVM",
      summary:
        "KVM works: /dev/kvm opens read-write, API version 12, a test VM was created (module kvm_intel).",
      fix: null,
    },
    {
      id: "libvirt-system",
      status: "ok",
      title: "libvirt (system)",
      summary: "qemu:///system is reachable (QEMU 8.2.2).",
      fix: null,
    },
    {
      id: "default-pool",
      status: "ok",
      title: "Default storage pool",
      summary: "Pool 'default' at /var/lib/libvirt/images, 412.3 GiB free.",
      fix: null,
    },
  ],
  resources: {
    cpuThreads: 16,
    totalMemory: 33_554_432_000,
    availableMemory: 21_474_836_480,
    defaultPoolFree: 442_701_168_640,
  },
  durationMs: 41.2,
};

/** libvirtd is down: nothing can run. */
export const cannotRunReport: HostReport = {
  platform: "linux",
  verdict: {
    canRunVms: false,
    accelerator: "none",
    summary: "VMs cannot run: libvirtd is not running.",
  },
  findings: [
    {
      id: "libvirt-system",
      status: "error",
      title: "libvirt (system)",
      summary: "qemu:///system: libvirtd is not running (Failed to connect socket)",
      fix: "Start it: sudo systemctl enable --now libvirtd",
    },
    {
      id: "libvirt-session",
      status: "error",
      title: "libvirt (session)",
      summary: "qemu:///session: the session daemon could not be started (no such file)",
      fix: "Install libvirt's daemon: sudo apt install libvirt-daemon-system",
    },
  ],
  resources: {
    cpuThreads: 4,
    totalMemory: 8_589_934_592,
    availableMemory: 536_870_912,
    defaultPoolFree: null,
  },
  durationMs: 0.4,
};
