import type { ApiError } from "../bindings/ApiError";
import type { Code } from "../bindings/Code";

const CODES: readonly Code[] = [
  "invalid-input",
  "not-found",
  "invalid-state",
  "permission-denied",
  "unavailable",
  "internal",
];

function isCode(value: unknown): value is Code {
  return typeof value === "string" && (CODES as readonly string[]).includes(value);
}

/**
 * Whatever a command rejected with, as an `ApiError`. The backend rejects with `{code, message}`;
 * anything else (IPC failure, a thrown Error, a bare string) becomes code `internal`.
 */
export function toApiError(error: unknown): ApiError {
  if (typeof error === "object" && error !== null) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    if (isCode(code) && typeof message === "string") return { code, message };
    if (error instanceof Error) return { code: "internal", message: error.message || error.name };
    if (typeof message === "string") return { code: "internal", message };
  }
  if (typeof error === "string" && error !== "") return { code: "internal", message: error };
  let text: string;
  try {
    text = JSON.stringify(error) ?? String(error);
  } catch {
    text = String(error);
  }
  return { code: "internal", message: `Unexpected error: ${text}` };
}

const HINTS: Record<Code, string> = {
  "invalid-input": "The request was refused; the message says what to change.",
  "not-found": "Something the check needs was not found on this host.",
  "invalid-state": "The host is busy or changing. Try again in a moment.",
  "permission-denied": "Check your group membership (libvirt, kvm), then log out and in again.",
  unavailable: "Is libvirtd running? Try: sudo systemctl enable --now libvirtd",
  internal: "This is a bug; please report it.",
};

/** The same codes, when they come from a VM or connection operation rather than the check. */
const INVENTORY_HINTS: Partial<Record<Code, string>> = {
  "invalid-input": "The request was rejected as invalid. Check what you entered.",
  "not-found": "It is gone: the machine or connection was removed meanwhile.",
  "invalid-state": "The machine changed state meanwhile. Try again once the list shows it.",
  unavailable:
    "The connection is down. Is libvirtd running on that host? Use Retry in the connections list.",
};

/** Where an error came from: the host check, or the inventory (VMs and connections). */
export type ErrorContext = "host" | "inventory";

/** What the user can try, per error code. */
export function errorHint(code: Code, context: ErrorContext = "host"): string {
  if (context === "inventory") {
    const hint = INVENTORY_HINTS[code];
    if (hint) return hint;
  }
  return HINTS[code] ?? HINTS.internal;
}
