import type { NicInfo } from "../bindings/NicInfo";
import type { VmDetails } from "../bindings/VmDetails";
import type { VmHardware } from "../bindings/VmHardware";
import type { VmState } from "../bindings/VmState";
import { makeVm } from "../inventory/fixtures";

export function makeHardware(name: string, extra: Partial<VmHardware> = {}): VmHardware {
  return {
    name,
    uuid: `uuid-${name}`,
    description: "",
    osId: "http://debian.org/debian/12",
    arch: "x86_64",
    machine: "pc-q35-7.2",
    firmware: "bios",
    memoryMib: 1024,
    maxMemoryMib: 2048,
    vcpus: 1,
    maxVcpus: 2,
    bootMenu: false,
    disks: [
      {
        target: "vda",
        device: "disk",
        bus: "virtio",
        source: "/var/lib/libvirt/images/web.qcow2",
        format: "qcow2",
        cache: null,
        readonly: false,
        bootOrder: null,
      },
      {
        target: "sda",
        device: "cdrom",
        bus: "sata",
        source: "/isos/debian.iso",
        format: "raw",
        cache: null,
        readonly: true,
        bootOrder: null,
      },
    ],
    nics: [],
    graphics: [],
    tpm: null,
    guestAgent: true,
    balloon: true,
    serialPorts: 1,
    ...extra,
  };
}

/** A NIC on the NAT network `default`, cable in. */
export function makeNic(mac = "52:54:00:00:00:01"): NicInfo {
  return {
    mac,
    kind: "network",
    source: "default",
    model: "virtio",
    linkUp: true,
    bootOrder: null,
  };
}

/** Details of a VM called `name` in `state` on the `system` connection. */
export function makeDetails(
  name: string,
  state: VmState,
  extra: Partial<VmDetails> = {},
): VmDetails {
  return {
    summary: makeVm(name, state),
    hardware: makeHardware(name),
    nextBoot: null,
    pending: [],
    hostMemoryMib: 16384,
    hostCpus: 8,
    ...extra,
  };
}
