import type { Action } from "../bindings/Action";
import type { ConnectionInfo } from "../bindings/ConnectionInfo";
import type { InventorySnapshot } from "../bindings/InventorySnapshot";
import type { VmState } from "../bindings/VmState";
import type { VmSummary } from "../bindings/VmSummary";

const GIB = 1024 ** 3;

/** What the backend's state machine allows per state (a plausible subset, for tests). */
export function allowedFor(state: VmState, autostart = false): Action[] {
  const autostartToggle: Action = autostart ? "disable-autostart" : "enable-autostart";
  switch (state) {
    case "running":
    case "blocked":
      return [
        "shutdown",
        "force-off",
        "reboot",
        "reset",
        "pause",
        "save",
        autostartToggle,
        "configure",
        "configure-live",
        "snapshot",
        "revert-snapshot",
      ];
    case "paused":
      return [
        "resume",
        "force-off",
        "save",
        autostartToggle,
        "configure",
        "configure-live",
        "snapshot",
        "revert-snapshot",
      ];
    case "saved":
      return ["start", "discard-save", "delete", autostartToggle, "configure", "clone"];
    case "shut-off":
      return [
        "start",
        "delete",
        autostartToggle,
        "configure",
        "rename",
        "change-platform",
        "snapshot",
        "revert-snapshot",
        "clone",
      ];
    case "crashed":
      return ["start", "delete", autostartToggle, "configure"];
    default:
      return [];
  }
}

export function makeVm(name: string, state: VmState = "shut-off", extra: Partial<VmSummary> = {}) {
  const vm: VmSummary = {
    uuid: `uuid-${name}`,
    name,
    state,
    vcpus: 2,
    memory: 2 * GIB,
    osId: "http://debian.org/debian/12",
    os: "Debian 12",
    persistent: true,
    autostart: false,
    allowed: allowedFor(state, extra.autostart ?? false),
    ...extra,
  };
  return vm;
}

export function makeConnection(id: string, extra: Partial<ConnectionInfo> = {}): ConnectionInfo {
  return {
    id,
    name: id,
    uri: `qemu:///${id}`,
    builtin: false,
    state: "connected",
    error: null,
    hint: null,
    liveEvents: true,
    ...extra,
  };
}

export const systemConnection = makeConnection("system", {
  name: "This computer (system)",
  uri: "qemu:///system",
  builtin: true,
});

export const sessionConnection = makeConnection("session", {
  name: "This computer (session)",
  uri: "qemu:///session",
  builtin: true,
});

export const remoteConnection = makeConnection("lab", {
  name: "Lab server",
  uri: "qemu+ssh://admin@lab/system?no_tty=1",
  state: "failed",
  error: "Cannot recv data: ssh: Could not resolve hostname lab: Name or service not known",
  hint: "Check the host name, and that you can log in with: ssh admin@lab",
});

export const vboxConnection = makeConnection("vbox", {
  name: "VirtualBox",
  uri: "vbox:///session",
  liveEvents: false,
});

/** Four connections (one failed, one polled), five VMs on two of them. */
export function sampleSnapshot(): InventorySnapshot {
  return {
    connections: [systemConnection, sessionConnection, remoteConnection, vboxConnection].map(
      (c) => ({ ...c }),
    ),
    vms: [
      { connection: "system", vm: makeVm("web-01", "running", { vcpus: 4, memory: 4 * GIB }) },
      { connection: "system", vm: makeVm("db-01", "shut-off", { memory: 8 * GIB, os: null }) },
      { connection: "system", vm: makeVm("build", "paused", { vcpus: 8, autostart: true }) },
      { connection: "session", vm: makeVm("scratch", "saved", { os: "Fedora 40" }) },
      { connection: "vbox", vm: makeVm("legacy-xp", "shut-off", { os: "Windows XP" }) },
    ],
  };
}

/** `count` shut-off VMs on the system connection, named vm-0001…. */
export function bigSnapshot(count: number): InventorySnapshot {
  return {
    connections: [{ ...systemConnection }],
    vms: Array.from({ length: count }, (_, i) => ({
      connection: "system",
      vm: makeVm(`vm-${String(i + 1).padStart(4, "0")}`, i % 3 === 0 ? "running" : "shut-off"),
    })),
  };
}
