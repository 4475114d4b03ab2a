import type { CreateVmRequest } from "../bindings/CreateVmRequest";
import type { Firmware } from "../bindings/Firmware";
import type { ImportMode } from "../bindings/ImportMode";
import type { NetworkChoice } from "../bindings/NetworkChoice";
import type { OsChoice } from "../bindings/OsChoice";
import type { Source } from "../bindings/Source";
import type { WarningId } from "../bindings/WarningId";
import type { WizardDefaults } from "../bindings/WizardDefaults";

/**
 * The create-VM wizard's state and rules, as pure functions. Client validation mirrors the
 * backend's for instant feedback; the backend (`preview_vm`, `create_vm`) stays authoritative.
 */

export type SourceKind = Source["kind"];

export type StepId = "source" | "os" | "resources" | "options" | "review";

export const STEPS: readonly { id: StepId; label: string }[] = [
  { id: "source", label: "Source" },
  { id: "os", label: "Operating system" },
  { id: "resources", label: "Resources" },
  { id: "options", label: "Storage & network" },
  { id: "review", label: "Name & review" },
];

export interface WizardState {
  connection: string;
  sourceKind: SourceKind;
  path: string;
  mode: ImportMode;
  os: OsChoice | null;
  /** Number inputs are kept as typed; parsed when validated and sent. */
  memory: string;
  vcpus: string;
  disk: string;
  pool: string;
  firmware: Firmware;
  tpm: boolean;
  network: NetworkChoice;
  setupNetwork: boolean;
  virtio: boolean;
  name: string;
  /** The source's warnings the user confirmed. */
  acknowledged: WarningId[];
}

export const MAX_NAME = 64;
/** The backend's floor (vireo_create::MIN_MEMORY_MIB): no OS starts in less. */
export const MIN_MEMORY_MIB = 64;
export const MAX_DISK_GIB = 65536;

/** A session connection (`qemu:///session`, `…/session?…`) has no system networks. */
export function isSessionUri(uri: string): boolean {
  return /^[^:]+:\/\/[^/]*\/session(\?|$)/.test(uri);
}

/** NAT on the `default` network for system connections, user-mode networking for session ones. */
export function defaultNetwork(uri: string): NetworkChoice {
  return isSessionUri(uri) ? "user" : "nat";
}

export function initialState(connection: string, uri: string): WizardState {
  return {
    connection,
    // Most people start from an image they have (a cloud image, an installer), not nothing.
    sourceKind: "import",
    path: "",
    mode: "overlay",
    os: null,
    memory: "",
    vcpus: "",
    disk: "",
    pool: "default",
    firmware: "bios",
    tpm: false,
    network: defaultNetwork(uri),
    setupNetwork: true,
    virtio: true,
    name: "",
    acknowledged: [],
  };
}

/** Null when valid, else what is wrong. */
export function validateName(name: string): string | null {
  if (name.length === 0) return "Enter a name.";
  if (name.length > MAX_NAME) return `At most ${MAX_NAME} characters.`;
  if (!/^[A-Za-z0-9._-]+$/.test(name)) {
    return "Use only letters, digits, dots, dashes and underscores.";
  }
  if (name.startsWith(".") || name.startsWith("-")) return "Cannot start with a dot or a dash.";
  return null;
}

/** A whole number as typed, or null (empty, decimals, signs, words). */
export function parseWhole(text: string): number | null {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return null;
  const value = Number(trimmed);
  return Number.isSafeInteger(value) ? value : null;
}

export function validatePath(state: WizardState): string | null {
  if (state.sourceKind === "empty") return null;
  const path = state.path.trim();
  if (path === "") return "Enter the full path of the file.";
  if (!path.startsWith("/")) return "Enter a full path, starting with /.";
  return null;
}

/** A new disk is created for ISO installs and empty VMs, not for an import. */
export function needsDisk(kind: SourceKind): boolean {
  return kind !== "import";
}

export interface ResourceErrors {
  memory?: string;
  vcpus?: string;
  disk?: string;
}

export function validateResources(state: WizardState): ResourceErrors {
  const errors: ResourceErrors = {};
  const memory = parseWhole(state.memory);
  if (memory === null || memory < MIN_MEMORY_MIB) {
    errors.memory = `Enter a whole number of MiB, at least ${MIN_MEMORY_MIB}.`;
  }
  const vcpus = parseWhole(state.vcpus);
  if (vcpus === null || vcpus < 1) errors.vcpus = "Enter a whole number, at least 1.";
  if (needsDisk(state.sourceKind)) {
    const disk = parseWhole(state.disk);
    if (disk === null || disk < 1 || disk > MAX_DISK_GIB) {
      errors.disk = `Enter a whole number of GiB from 1 to ${MAX_DISK_GIB}.`;
    }
  }
  return errors;
}

export interface ResourceWarnings {
  memory?: string;
  vcpus?: string;
}

/** Over-commit warnings: allowed, but worth a second look. */
export function resourceWarnings(state: WizardState, defaults: WizardDefaults): ResourceWarnings {
  const warnings: ResourceWarnings = {};
  const memory = parseWhole(state.memory);
  const least = state.os?.minMemoryMib ?? null;
  if (memory !== null && least !== null && memory >= MIN_MEMORY_MIB && memory < least) {
    warnings.memory = `Less than the ${least} MiB ${state.os?.name ?? "this OS"} needs at least: it may not start or install.`;
  } else if (memory !== null && memory > defaults.hostMemoryMib / 2) {
    warnings.memory = `More than half of the host's memory (${defaults.hostMemoryMib} MiB): the host and other VMs may run short (over-commit).`;
  }
  const vcpus = parseWhole(state.vcpus);
  if (vcpus !== null && vcpus > defaults.hostCpus) {
    warnings.vcpus = `More than the host's ${defaults.hostCpus} CPUs (over-commit): the VM may run slower, not faster.`;
  }
  return warnings;
}

/** TPM needs UEFI firmware and swtpm on the host. */
export function tpmAvailable(firmware: Firmware, defaults: WizardDefaults | null): boolean {
  return firmware === "uefi" && (defaults?.swtpm ?? false);
}

/**
 * Fills resources, firmware and name from the backend's defaults for the chosen connection and
 * OS. An import keeps its disk field empty: it has no new disk.
 */
export function applyDefaults(state: WizardState, defaults: WizardDefaults): WizardState {
  const firmware = state.os?.firmware === "uefi-required" ? "uefi" : defaults.firmware;
  return {
    ...state,
    name: defaults.name,
    memory: String(defaults.memoryMib),
    vcpus: String(defaults.vcpus),
    disk: needsDisk(state.sourceKind) ? String(defaults.diskGib) : "",
    firmware,
    tpm: defaults.tpm && tpmAvailable(firmware, defaults),
    virtio: defaults.virtio,
  };
}

/** Changing the firmware drops a TPM that is no longer possible. */
export function withFirmware(
  state: WizardState,
  firmware: Firmware,
  defaults: WizardDefaults | null,
): WizardState {
  return { ...state, firmware, tpm: state.tpm && tpmAvailable(firmware, defaults) };
}

export function buildSource(state: WizardState): Source {
  const path = state.path.trim();
  const diskGib = parseWhole(state.disk) ?? 0;
  switch (state.sourceKind) {
    case "import":
      return { kind: "import", path, mode: state.mode };
    case "iso":
      return { kind: "iso", path, diskGib };
    default:
      return { kind: "empty", diskGib };
  }
}

/** The request `preview_vm` and `create_vm` receive. */
export function buildCreateRequest(state: WizardState, start: boolean): CreateVmRequest {
  const pool = state.pool.trim();
  return {
    connection: state.connection,
    request: {
      name: state.name.trim(),
      source: buildSource(state),
      osId: state.os?.id ?? null,
      memoryMib: parseWhole(state.memory) ?? 0,
      vcpus: parseWhole(state.vcpus) ?? 0,
      pool: pool === "" ? null : pool,
      firmware: state.firmware,
      tpm: state.tpm,
      network: state.network,
      setupNetwork: state.network === "nat" && state.setupNetwork,
      virtio: state.virtio,
      start,
      serialLog: null,
      acknowledged: [...state.acknowledged],
    },
  };
}

/** Generic choices first, the rest in the backend's order (most recent first). */
export function pinGeneric(list: readonly OsChoice[]): OsChoice[] {
  return [...list.filter((os) => os.generic), ...list.filter((os) => !os.generic)];
}

export const SOURCE_LABELS: Record<SourceKind, string> = {
  import: "Import an existing disk image",
  iso: "Install from an ISO",
  empty: "Empty VM",
};

export const MODE_LABELS: Record<ImportMode, { label: string; hint: string }> = {
  overlay: {
    label: "Overlay",
    hint: "The VM writes to a new layer on top; the image itself is left unchanged.",
  },
  copy: { label: "Copy", hint: "The image is copied into the storage pool; the original stays." },
  "in-place": { label: "Use in place", hint: "The VM uses this file directly." },
};

export const NETWORK_LABELS: Record<NetworkChoice, string> = {
  nat: "NAT (the 'default' network)",
  user: "User-mode networking",
  none: "No network",
};

/** The warnings of `warnings` that `acknowledged` does not confirm yet. */
export function unacknowledged<W extends { id: WarningId }>(
  warnings: readonly W[],
  acknowledged: readonly WarningId[],
): W[] {
  return warnings.filter((w) => !acknowledged.includes(w.id));
}
