import type { Action } from "../bindings/Action";
import type { Apply } from "../bindings/Apply";
import type { VmDetails } from "../bindings/VmDetails";

/** What the backend's `pending` field names, in the user's words. */
const PENDING_LABELS: Record<string, string> = {
  memory: "memory",
  maxMemory: "maximum memory",
  vcpus: "vCPUs",
  maxVcpus: "maximum vCPUs",
  firmware: "firmware",
  machine: "machine type",
  tpm: "TPM",
  graphics: "graphics",
  bootOrder: "boot order",
};

export function pendingLabel(field: string): string {
  return PENDING_LABELS[field] ?? field;
}

/** Whether a field waits for the next boot. */
export function isPending(details: VmDetails, field: string): boolean {
  return details.pending.includes(field);
}

/**
 * When the page's changes can apply, from the state table's verdict in `allowed`: a running
 * persistent VM may choose, a stopped one changes at its next boot, a transient one only now.
 */
export function applyChoices(allowed: readonly Action[], persistent: boolean): Apply[] {
  const live = allowed.includes("configure-live");
  const config = allowed.includes("configure");
  if (live && persistent) return ["now-and-next-boot", "next-boot", "now"];
  if (live) return ["now"];
  if (config) return ["next-boot"];
  return [];
}

export const APPLY_LABELS: Record<Apply, string> = {
  now: "Now only (until the VM stops)",
  "next-boot": "At the next boot",
  "now-and-next-boot": "Now and at every boot",
};
