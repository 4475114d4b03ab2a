import { invoke } from "@tauri-apps/api/core";
import type { ApiError } from "./bindings/ApiError";
import type { Code } from "./bindings/Code";
import type { HostReport } from "./bindings/HostReport";

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

/** Runs the host check in the backend (`check_host`). Rejects with an `ApiError`. */
export async function checkHost(): Promise<HostReport> {
  try {
    return await invoke<HostReport>("check_host");
  } catch (error) {
    throw toApiError(error);
  }
}

const HINTS: Record<Code, string> = {
  "invalid-input": "The request was rejected as invalid. This is a bug; please report it.",
  "not-found": "Something the check needs was not found on this host.",
  "invalid-state": "The host is busy or changing. Try again in a moment.",
  "permission-denied": "Check your group membership (libvirt, kvm), then log out and in again.",
  unavailable: "Is libvirtd running? Try: sudo systemctl enable --now libvirtd",
  internal: "This is a bug; please report it.",
};

/** What the user can try, per error code. */
export function errorHint(code: Code): string {
  return HINTS[code] ?? HINTS.internal;
}
