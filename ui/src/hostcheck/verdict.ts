import type { Accelerator } from "../bindings/Accelerator";
import type { Finding } from "../bindings/Finding";
import type { HostReport } from "../bindings/HostReport";
import type { Status } from "../bindings/Status";
import { plural } from "../shared/format";

/** `good`: hardware acceleration; `limited`: emulation only; `bad`: no VMs at all. */
export type Tone = "good" | "limited" | "bad";

export interface VerdictView {
  tone: Tone;
  heading: string;
}

/** The big status line of the verdict card. */
export function classifyVerdict(report: HostReport): VerdictView {
  const { canRunVms, accelerator } = report.verdict;
  if (!canRunVms || accelerator === "none") {
    return { tone: "bad", heading: "VMs cannot run" };
  }
  if (accelerator === "tcg") {
    return { tone: "limited", heading: "Ready — emulation only" };
  }
  return { tone: "good", heading: "Ready" };
}

const ACCELERATOR_LABELS: Record<Accelerator, string> = {
  kvm: "KVM hardware acceleration",
  hvf: "Hypervisor.framework hardware acceleration",
  whpx: "Windows Hypervisor Platform acceleration",
  tcg: "QEMU emulation (TCG)",
  none: "No accelerator available",
};

export function acceleratorLabel(accelerator: Accelerator): string {
  return ACCELERATOR_LABELS[accelerator] ?? accelerator;
}

const PLATFORM_LABELS: Record<string, string> = {
  linux: "Linux",
  macos: "macOS",
  windows: "Windows",
  freebsd: "FreeBSD",
};

export function platformLabel(platform: string): string {
  return PLATFORM_LABELS[platform] ?? platform;
}

export const STATUS_LABELS: Record<Status, string> = {
  ok: "OK",
  info: "Info",
  warning: "Warning",
  error: "Error",
};

/** The line above the findings list: "2 warnings, 0 errors". */
export function findingsSummary(findings: readonly Finding[]): string {
  const warnings = findings.filter((f) => f.status === "warning").length;
  const errors = findings.filter((f) => f.status === "error").length;
  return `${plural(warnings, "warning")}, ${plural(errors, "error")}`;
}
