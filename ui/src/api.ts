import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type { ApiError } from "./bindings/ApiError";
import type { BulkActionRequest } from "./bindings/BulkActionRequest";
import type { BulkOutcome } from "./bindings/BulkOutcome";
import type { Code } from "./bindings/Code";
import type { ConnectionInfo } from "./bindings/ConnectionInfo";
import type { ConnectionUpdate } from "./bindings/ConnectionUpdate";
import type { ConsoleInput } from "./bindings/ConsoleInput";
import type { ConsoleOpened } from "./bindings/ConsoleOpened";
import type { ConsoleOpenRequest } from "./bindings/ConsoleOpenRequest";
import type { ConsoleScreenshot } from "./bindings/ConsoleScreenshot";
import type { ConsoleScreenshotRequest } from "./bindings/ConsoleScreenshotRequest";
import type { ConsoleTypeTextRequest } from "./bindings/ConsoleTypeTextRequest";
import type { Created } from "./bindings/Created";
import type { CreateVmRequest } from "./bindings/CreateVmRequest";
import type { DefaultsRequest } from "./bindings/DefaultsRequest";
import type { DeleteRequest } from "./bindings/DeleteRequest";
import type { DiskChoice } from "./bindings/DiskChoice";
import type { HostReport } from "./bindings/HostReport";
import type { InspectRequest } from "./bindings/InspectRequest";
import type { InventoryEvent } from "./bindings/InventoryEvent";
import type { InventorySnapshot } from "./bindings/InventorySnapshot";
import type { NewConnection } from "./bindings/NewConnection";
import type { OsChoice } from "./bindings/OsChoice";
import type { OsQuery } from "./bindings/OsQuery";
import type { Progress } from "./bindings/Progress";
import type { SourceInfo } from "./bindings/SourceInfo";
import type { VmActionRequest } from "./bindings/VmActionRequest";
import type { VmRef } from "./bindings/VmRef";
import type { VmThumbnailRequest } from "./bindings/VmThumbnailRequest";
import type { WizardDefaults } from "./bindings/WizardDefaults";

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

/** Invokes a backend command; every rejection becomes an `ApiError`. */
async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await (args === undefined ? invoke<T>(command) : invoke<T>(command, args));
  } catch (error) {
    throw toApiError(error);
  }
}

/** Runs the host check in the backend (`check_host`). Rejects with an `ApiError`. */
export function checkHost(): Promise<HostReport> {
  return call<HostReport>("check_host");
}

/** Every connection and every VM, as the backend knows them now. */
export function inventorySnapshot(): Promise<InventorySnapshot> {
  return call<InventorySnapshot>("inventory_snapshot");
}

/** One lifecycle action on one VM. */
export function vmAction(req: VmActionRequest): Promise<void> {
  return call<void>("vm_action", { req });
}

/** One action on several VMs; resolves with one outcome per VM (failures included). */
export function vmActionMany(req: BulkActionRequest): Promise<BulkOutcome[]> {
  return call<BulkOutcome[]>("vm_action_many", { req });
}

/** The disks deleting `vm` could remove, and what removing each would mean. */
export function vmDeletePreview(vm: VmRef): Promise<DiskChoice[]> {
  return call<DiskChoice[]>("vm_delete_preview", { vm });
}

export function vmDelete(req: DeleteRequest): Promise<void> {
  return call<void>("vm_delete", { req });
}

/**
 * A running VM's screen as a PNG at most `maxWidth` device pixels wide. The backend answers
 * with raw bytes (an ArrayBuffer), wrapped here in a Blob for `URL.createObjectURL`.
 */
export async function vmThumbnail(req: VmThumbnailRequest): Promise<Blob> {
  const png = await call<ArrayBuffer>("vm_thumbnail", { req });
  return new Blob([png], { type: "image/png" });
}

/** Turns the backend's CPU/memory sampling (the `stats` events) on or off. */
export function setStatsActive(on: boolean): Promise<void> {
  return call<void>("set_stats_active", { on });
}

export function connectionAdd(connection: NewConnection): Promise<ConnectionInfo> {
  return call<ConnectionInfo>("connection_add", { connection });
}

export function connectionUpdate(req: ConnectionUpdate): Promise<ConnectionInfo> {
  return call<ConnectionInfo>("connection_update", { req });
}

export function connectionRemove(id: string): Promise<void> {
  return call<void>("connection_remove", { id });
}

export function connectionRetry(id: string): Promise<void> {
  return call<void>("connection_retry", { id });
}

/** Stops a subscription. */
export type Unsubscribe = () => void;

/**
 * Calls `handler` with every `inventory` event until the returned function is called.
 * Resolves once the listener is registered, so a snapshot fetched afterwards misses nothing.
 */
export async function subscribeInventory(
  handler: (event: InventoryEvent) => void,
): Promise<Unsubscribe> {
  try {
    return await listen<InventoryEvent>("inventory", (event) => {
      // A User Timing mark per whole-list event: `make bench` measures list paint from it.
      if (event.payload.kind === "vms-replaced") {
        performance.mark(`vireo:vms-replaced:${event.payload.connection}`);
      }
      handler(event.payload);
    });
  } catch (error) {
    throw toApiError(error);
  }
}

/** Everything the Machines view needs from the backend; tests inject a fake. */
export interface InventoryApi {
  subscribe(handler: (event: InventoryEvent) => void): Promise<Unsubscribe>;
  snapshot(): Promise<InventorySnapshot>;
  vmAction(req: VmActionRequest): Promise<void>;
  vmActionMany(req: BulkActionRequest): Promise<BulkOutcome[]>;
  deletePreview(vm: VmRef): Promise<DiskChoice[]>;
  deleteVm(req: DeleteRequest): Promise<void>;
  setStatsActive(on: boolean): Promise<void>;
  thumbnail(req: VmThumbnailRequest): Promise<Blob>;
  addConnection(connection: NewConnection): Promise<ConnectionInfo>;
  updateConnection(req: ConnectionUpdate): Promise<ConnectionInfo>;
  removeConnection(id: string): Promise<void>;
  retryConnection(id: string): Promise<void>;
}

/** The real backend, over Tauri IPC. */
export const tauriInventoryApi: InventoryApi = {
  subscribe: subscribeInventory,
  snapshot: inventorySnapshot,
  vmAction,
  vmActionMany,
  deletePreview: vmDeletePreview,
  deleteVm: vmDelete,
  setStatsActive,
  thumbnail: vmThumbnail,
  addConnection: connectionAdd,
  updateConnection: connectionUpdate,
  removeConnection: connectionRemove,
  retryConnection: connectionRetry,
};

// ---------------------------------------------------------------------- the create-VM wizard

/** Operating systems matching a search; the generic choices first. */
export function osSearch(q: OsQuery): Promise<OsChoice[]> {
  return call<OsChoice[]>("os_search", { q });
}

/** What a disk image or ISO is; rejects with `invalid-input` for unusable files. */
export function inspectSource(req: InspectRequest): Promise<SourceInfo> {
  return call<SourceInfo>("inspect_source", { req });
}

export function wizardDefaults(req: DefaultsRequest): Promise<WizardDefaults> {
  return call<WizardDefaults>("wizard_defaults", { req });
}

/** The domain XML a create would define, after the backend's full validation. */
export function previewVm(req: CreateVmRequest): Promise<string> {
  return call<string>("preview_vm", { req });
}

export function createVm(req: CreateVmRequest): Promise<Created> {
  return call<Created>("create_vm", { req });
}

/** Cancels the running create; the backend rolls back what it did. */
export function cancelCreate(): Promise<void> {
  return call<void>("cancel_create");
}

/** Calls `handler` with every `create-progress` event (copying an image) until unsubscribed. */
export async function subscribeCreateProgress(
  handler: (progress: Progress) => void,
): Promise<Unsubscribe> {
  try {
    return await listen<Progress>("create-progress", (event) => handler(event.payload));
  } catch (error) {
    throw toApiError(error);
  }
}

/** Everything the create-VM wizard needs from the backend; tests inject a fake. */
export interface WizardApi {
  osSearch(q: OsQuery): Promise<OsChoice[]>;
  inspectSource(req: InspectRequest): Promise<SourceInfo>;
  defaults(req: DefaultsRequest): Promise<WizardDefaults>;
  preview(req: CreateVmRequest): Promise<string>;
  create(req: CreateVmRequest): Promise<Created>;
  cancelCreate(): Promise<void>;
  subscribeProgress(handler: (progress: Progress) => void): Promise<Unsubscribe>;
}

export const tauriWizardApi: WizardApi = {
  osSearch,
  inspectSource,
  defaults: wizardDefaults,
  preview: previewVm,
  create: createVm,
  cancelCreate,
  subscribeProgress: subscribeCreateProgress,
};

// ---------------------------------------------------------------------- the graphical console

// The request and response types are generated from Rust (bindings/Console*.ts).
export type { ConsoleInput, ConsoleOpened, ConsoleOpenRequest };

/** The part of a WebSocket the console uses; tests inject a fake. */
export interface ConsoleSocket {
  binaryType: BinaryType;
  readonly readyState: number;
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
  send(data: string): void;
  close(): void;
}

/** Everything the console needs from the backend; tests inject a fake. */
export interface ConsoleApi {
  /** Connects to the VM's screen; the result names the socket to stream it from. */
  open(req: ConsoleOpenRequest): Promise<ConsoleOpened>;
  /** Opens the console's socket (FRAME / CURSOR / CLOSED messages in, ConsoleInput out). */
  connect(url: string): ConsoleSocket;
  /** Ends an `open` still under way (its handshake), which then rejects. */
  cancelOpen(req: ConsoleOpenRequest): Promise<void>;
  close(id: number): Promise<void>;
}

export const tauriConsoleApi: ConsoleApi = {
  open: (req) => call<ConsoleOpened>("console_open", { req }),
  connect: (url) => new WebSocket(url),
  cancelOpen: (req) => call<void>("console_cancel_open", { req }),
  close: (id) => call<void>("console_close", { id }),
};

// ---------------------------------------------------------------------- console tools

export type { ConsoleScreenshot, ConsoleScreenshotRequest, ConsoleTypeTextRequest };

/** The console's extras beside the stream: screenshots and typing text; tests inject a fake. */
export interface ConsoleToolsApi {
  /** Saves the screen as a PNG in the pictures folder; resolves with its path. */
  screenshot(req: ConsoleScreenshotRequest): Promise<ConsoleScreenshot>;
  /** Types the text as key presses; resolves once the last key is sent. */
  typeText(req: ConsoleTypeTextRequest): Promise<void>;
}

export const consoleTools: ConsoleToolsApi = {
  screenshot: (req) => call<ConsoleScreenshot>("console_screenshot", { req }),
  typeText: (req) => call<void>("console_type_text", { req }),
};

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
