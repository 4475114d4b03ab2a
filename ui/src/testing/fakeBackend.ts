import { vi } from "vitest";
import type { Backend, ConsoleSocket, Unsubscribe } from "../backend";
import type { AddedDisk } from "../bindings/AddedDisk";
import type { BulkActionRequest } from "../bindings/BulkActionRequest";
import type { BulkOutcome } from "../bindings/BulkOutcome";
import type { Cloned } from "../bindings/Cloned";
import type { ConnectionInfo } from "../bindings/ConnectionInfo";
import type { ConnectionUpdate } from "../bindings/ConnectionUpdate";
import type { ConsoleInput } from "../bindings/ConsoleInput";
import type { ConsoleOpened } from "../bindings/ConsoleOpened";
import type { ConsoleOpenRequest } from "../bindings/ConsoleOpenRequest";
import type { ConsoleScreenshot } from "../bindings/ConsoleScreenshot";
import type { ConsoleScreenshotRequest } from "../bindings/ConsoleScreenshotRequest";
import type { ConsoleTypeTextRequest } from "../bindings/ConsoleTypeTextRequest";
import type { CreateVmRequest } from "../bindings/CreateVmRequest";
import type { Events } from "../bindings/commands";
import type { DiskChoice } from "../bindings/DiskChoice";
import type { HostReport } from "../bindings/HostReport";
import type { InspectRequest } from "../bindings/InspectRequest";
import type { InventorySnapshot } from "../bindings/InventorySnapshot";
import type { NewConnection } from "../bindings/NewConnection";
import type { OsChoice } from "../bindings/OsChoice";
import type { OsQuery } from "../bindings/OsQuery";
import type { Preferences } from "../bindings/Preferences";
import type { PreferencesPatch } from "../bindings/PreferencesPatch";
import type { SerialOpened } from "../bindings/SerialOpened";
import type { SerialOpenRequest } from "../bindings/SerialOpenRequest";
import type { SerialSendRequest } from "../bindings/SerialSendRequest";
import type { SnapshotInfo } from "../bindings/SnapshotInfo";
import type { SourceInfo } from "../bindings/SourceInfo";
import type { VmAddresses } from "../bindings/VmAddresses";
import type { VmBootRequest } from "../bindings/VmBootRequest";
import type { VmCdromRequest } from "../bindings/VmCdromRequest";
import type { VmCloneRequest } from "../bindings/VmCloneRequest";
import type { VmDefineXmlRequest } from "../bindings/VmDefineXmlRequest";
import type { VmDetails } from "../bindings/VmDetails";
import type { VmDiskAddRequest } from "../bindings/VmDiskAddRequest";
import type { VmDiskGrowRequest } from "../bindings/VmDiskGrowRequest";
import type { VmDiskRemoveRequest } from "../bindings/VmDiskRemoveRequest";
import type { VmFirmwareRequest } from "../bindings/VmFirmwareRequest";
import type { VmNicAddRequest } from "../bindings/VmNicAddRequest";
import type { VmNicLinkRequest } from "../bindings/VmNicLinkRequest";
import type { VmNicRemoveRequest } from "../bindings/VmNicRemoveRequest";
import type { VmNotesRequest } from "../bindings/VmNotesRequest";
import type { VmRef } from "../bindings/VmRef";
import type { VmRenameRequest } from "../bindings/VmRenameRequest";
import type { VmResourcesRequest } from "../bindings/VmResourcesRequest";
import type { VmSnapshotCreateRequest } from "../bindings/VmSnapshotCreateRequest";
import type { VmSnapshotDeleteRequest } from "../bindings/VmSnapshotDeleteRequest";
import type { VmSnapshotDescribeRequest } from "../bindings/VmSnapshotDescribeRequest";
import type { VmSnapshotRequest } from "../bindings/VmSnapshotRequest";
import type { VmSnapshots } from "../bindings/VmSnapshots";
import type { VmStatsHistory } from "../bindings/VmStatsHistory";
import type { VmThumbnailRequest } from "../bindings/VmThumbnailRequest";
import type { VmToggleRequest } from "../bindings/VmToggleRequest";
import type { WizardDefaults } from "../bindings/WizardDefaults";

/** What libvirt 9.0 allows a BIOS VM with qcow2 disks: internal snapshots. */
export const INTERNAL_SNAPSHOTS: VmSnapshots["support"] = {
  mechanism: "internal",
  reason: null,
  diskOnlyWhileRunning: false,
  libvirtVersion: "9.0.0",
};

/** The smallest PNG: one black pixel. */
export const ONE_PIXEL_PNG = Uint8Array.from(
  atob(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==",
  ),
  (c) => c.charCodeAt(0),
);

/**
 * jsdom has no object URLs: tests get `blob:fake/N`, and can count the ones not yet revoked.
 * Installed on import, since every test rendering the Machines view imports this file.
 */
export const fakeObjectUrls = (() => {
  const live = new Set<string>();
  let next = 0;
  URL.createObjectURL = (_blob: Blob | MediaSource) => {
    next += 1;
    const url = `blob:fake/${next}`;
    live.add(url);
    return url;
  };
  URL.revokeObjectURL = (url: string) => {
    live.delete(url);
  };
  return { live: () => [...live] };
})();

export function makeOs(id: string, extra: Partial<OsChoice> = {}): OsChoice {
  return {
    id,
    shortId: id,
    name: id,
    vendor: null,
    releaseDate: null,
    eol: false,
    generic: false,
    memoryMib: 2048,
    minMemoryMib: null,
    vcpus: 2,
    diskGib: 20,
    firmware: "either",
    virtio: true,
    ...extra,
  };
}

export const genericLinux = makeOs("generic-linux", { name: "Generic Linux", generic: true });
export const fedora = makeOs("fedora41", {
  name: "Fedora 41",
  vendor: "Fedora Project",
  releaseDate: "2024-10-29",
});
export const win11 = makeOs("win11", {
  name: "Windows 11",
  vendor: "Microsoft",
  firmware: "uefi-required",
  memoryMib: 4096,
  minMemoryMib: 4096,
});

export const sampleDefaults: WizardDefaults = {
  name: "linux-1",
  memoryMib: 2048,
  vcpus: 2,
  diskGib: 20,
  firmware: "bios",
  tpm: false,
  virtio: true,
  hostMemoryMib: 16384,
  hostCpus: 8,
  domainType: "kvm",
  slowNotice: null,
  swtpm: true,
};

/** A console socket the test drives: `serverOpen`, `serverSend`, `serverClose`. */
export class FakeConsoleSocket implements ConsoleSocket {
  binaryType: BinaryType = "blob";
  readyState = 0;
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  /** Everything the page sent, parsed. */
  sent: ConsoleInput[] = [];
  closed = false;

  constructor(public url: string) {}

  send(data: string) {
    if (this.readyState !== 1) throw new Error("the socket is not open");
    this.sent.push(JSON.parse(data) as ConsoleInput);
  }

  close() {
    this.closed = true;
    this.readyState = 3;
  }

  serverOpen() {
    this.readyState = 1;
    this.onopen?.(new Event("open"));
  }

  serverSend(message: ArrayBuffer) {
    this.onmessage?.({ data: message } as MessageEvent);
  }

  serverClose() {
    this.readyState = 3;
    this.onclose?.({} as CloseEvent);
  }

  /** Credits the page gave back, summed. */
  credits() {
    return this.sent.reduce((n, m) => (m.kind === "credit" ? n + m.frames : n), 0);
  }

  keys() {
    return this.sent.filter((m) => m.kind === "key");
  }

  pointers() {
    return this.sent.filter((m) => m.kind === "pointer");
  }
}

const EMPTY_SNAPSHOT: InventorySnapshot = { connections: [], vms: [] };

export interface FakeBackendOptions {
  /** What `inventorySnapshot` answers (a copy each time). */
  snapshot?: InventorySnapshot;
  /** What `checkHost` answers; without it, it rejects. */
  report?: HostReport;
  /** What each `consoleOpen` resolves with, or an Error it rejects with (`invalid-state`). */
  consoleOpened?: (Omit<ConsoleOpened, "url" | "surface"> & { surface?: boolean }) | Error;
  /** Whether a socket from `connectConsole` opens at once (default true). */
  autoOpen?: boolean;
  /** What `vmDetails` answers, by VM uuid; a VM not listed is `not-found`. */
  details?: Record<string, VmDetails>;
  /** What `vmAddresses` answers, by VM uuid; a VM not listed has none (nothing asked). */
  addresses?: Record<string, VmAddresses>;
  /** The saved preferences to start from (default: everything off). */
  preferences?: Preferences;
}

/**
 * For tests: the whole backend in memory, every operation a `vi.fn` (replace its
 * implementation per test), with event sources (`emit`) and scripted console sockets.
 */
export function createFakeBackend(options: FakeBackendOptions = {}) {
  const snapshot = options.snapshot ?? EMPTY_SNAPSHOT;
  const opened = options.consoleOpened ?? { id: 7, width: 4, height: 2 };
  const autoOpen = options.autoOpen ?? true;
  const handlers: { [E in keyof Events]: Set<(payload: Events[E]) => void> } = {
    inventory: new Set(),
    "create-progress": new Set(),
    serial: new Set(),
  };
  const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
  const sockets: FakeConsoleSocket[] = [];
  let fullscreen = false;
  let held = false;
  let preferences: Preferences = copy(options.preferences ?? { xmlEditing: false });
  const waiting: (() => void)[] = [];

  const backend = {
    checkHost: vi.fn(async (): Promise<HostReport> => {
      if (!options.report) throw { code: "internal", message: "no host report in this test" };
      return copy(options.report);
    }),
    inventorySnapshot: vi.fn(async () => copy(snapshot)),
    vmAction: vi.fn(async () => {}),
    vmActionMany: vi.fn(
      async (req: BulkActionRequest): Promise<BulkOutcome[]> =>
        req.vms.map((vm) => ({ vm, error: null })),
    ),
    vmDeletePreview: vi.fn(async (_vm: VmRef): Promise<DiskChoice[]> => []),
    vmDelete: vi.fn(async () => {}),
    vmDetails: vi.fn(async (vm: VmRef): Promise<VmDetails> => {
      const found = options.details?.[vm.uuid];
      if (!found) throw { code: "not-found", message: `no VM ${vm.uuid}` };
      return copy(found);
    }),
    vmAddresses: vi.fn(
      async (vm: VmRef): Promise<VmAddresses> =>
        copy(options.addresses?.[vm.uuid] ?? { source: null, addresses: [], tried: [] }),
    ),
    vmSetResources: vi.fn(async (_req: VmResourcesRequest) => {}),
    serialOpen: vi.fn(async (_req: SerialOpenRequest): Promise<SerialOpened> => ({ id: 1 })),
    serialSend: vi.fn(async (_req: SerialSendRequest) => {}),
    serialClose: vi.fn(async (_id: number) => {}),
    vmSetCdrom: vi.fn(async (_req: VmCdromRequest) => {}),
    vmSetBoot: vi.fn(async (_req: VmBootRequest) => {}),
    vmGrowDisk: vi.fn(async (_req: VmDiskGrowRequest): Promise<number> => 10 * 2 ** 30),
    vmAddDisk: vi.fn(
      async (_req: VmDiskAddRequest): Promise<AddedDisk> => ({
        target: "vdb",
        path: "/var/lib/libvirt/images/vm-vdb.qcow2",
      }),
    ),
    vmAddDiskCancel: vi.fn(async () => {}),
    vmRemoveDisk: vi.fn(async (_req: VmDiskRemoveRequest) => {}),
    vmSetFirmware: vi.fn(async (_req: VmFirmwareRequest) => {}),
    vmSetTpm: vi.fn(async (_req: VmToggleRequest) => {}),
    vmSetVnc: vi.fn(async (_req: VmToggleRequest) => {}),
    vmAddNic: vi.fn(async (_req: VmNicAddRequest): Promise<string> => "52:54:00:00:00:aa"),
    vmRemoveNic: vi.fn(async (_req: VmNicRemoveRequest) => {}),
    vmSetNicLink: vi.fn(async (_req: VmNicLinkRequest) => {}),
    vmSetNotes: vi.fn(async (_req: VmNotesRequest) => {}),
    vmRename: vi.fn(async (_req: VmRenameRequest) => {}),
    vmXml: vi.fn(async (_vm: VmRef): Promise<string> => "<domain/>"),
    vmDefineXml: vi.fn(async (_req: VmDefineXmlRequest) => {}),
    /** No snapshots, internal ones possible (replace per test). */
    vmSnapshots: vi.fn(
      async (_vm: VmRef): Promise<VmSnapshots> => ({
        support: { ...INTERNAL_SNAPSHOTS },
        snapshots: [],
      }),
    ),
    vmSnapshotCreate: vi.fn(
      async (req: VmSnapshotCreateRequest): Promise<SnapshotInfo> => ({
        name: req.snapshot.name,
        description: req.snapshot.description,
        created: 1_764_000_000,
        parent: null,
        current: true,
        hasMemory: req.snapshot.memory,
        state: req.snapshot.memory ? "running" : "shutoff",
        mechanism: "internal",
        memorySize: null,
      }),
    ),
    vmSnapshotRevert: vi.fn(async (_req: VmSnapshotRequest) => {}),
    vmClone: vi.fn(
      async (req: VmCloneRequest): Promise<Cloned> => ({
        uuid: `uuid-${req.clone.name}`,
        name: req.clone.name,
        disks: [`/var/lib/libvirt/images/${req.clone.name}-vda.qcow2`],
      }),
    ),
    vmCloneCancel: vi.fn(async () => {}),
    vmLinkedClones: vi.fn(async (_vm: VmRef): Promise<string[]> => []),
    vmSnapshotDelete: vi.fn(async (_req: VmSnapshotDeleteRequest) => {}),
    vmSnapshotDescribe: vi.fn(async (_req: VmSnapshotDescribeRequest) => {}),
    /** A 1×1 PNG for every VM, as if all were running. */
    vmThumbnail: vi.fn(
      async (_req: VmThumbnailRequest): Promise<ArrayBuffer> => ONE_PIXEL_PNG.slice().buffer,
    ),
    setStatsActive: vi.fn(async (_on: boolean) => {}),
    preferencesGet: vi.fn(async (): Promise<Preferences> => copy(preferences)),
    preferencesSet: vi.fn(async (patch: PreferencesPatch): Promise<Preferences> => {
      preferences = { ...preferences, ...patch };
      return copy(preferences);
    }),
    vmStatsWatch: vi.fn(
      async (_vm: VmRef): Promise<VmStatsHistory> => ({
        intervalMs: 2000,
        capacity: 450,
        samples: [],
      }),
    ),
    vmStatsUnwatch: vi.fn(async (_vm: VmRef) => {}),
    connectionAdd: vi.fn(
      async (connection: NewConnection): Promise<ConnectionInfo> => ({
        id: `custom-${connection.uri}`,
        name: connection.name ?? connection.uri,
        uri: connection.uri,
        builtin: false,
        state: "connecting",
        error: null,
        hint: null,
        liveEvents: false,
      }),
    ),
    connectionUpdate: vi.fn(async (req: ConnectionUpdate): Promise<ConnectionInfo> => {
      const info = snapshot.connections.find((c) => c.id === req.id);
      if (!info) throw { code: "not-found", message: `no connection ${req.id}` };
      return { ...info, name: req.patch.name ?? info.name };
    }),
    connectionRemove: vi.fn(async (_id: string) => {}),
    connectionRetry: vi.fn(async (_id: string) => {}),
    osSearch: vi.fn(async (q: OsQuery): Promise<OsChoice[]> => {
      // Out of order on purpose: the wizard pins the generic choices.
      const all = [fedora, genericLinux, win11];
      const query = q.query.toLowerCase();
      return all.filter((os) => os.generic || os.name.toLowerCase().includes(query));
    }),
    inspectSource: vi.fn(
      async (req: InspectRequest): Promise<SourceInfo> => ({
        image: {
          path: req.path,
          format: req.iso ? "iso" : "qcow2",
          virtualSize: 20 * 1024 ** 3,
          fileSize: 1024 ** 3,
          backingChain: [],
          link: null,
          warnings: [],
        },
        detectedOs: null,
        volumeId: null,
        warnings: [],
      }),
    ),
    wizardDefaults: vi.fn(async () => ({ ...sampleDefaults })),
    previewVm: vi.fn(
      async (req: CreateVmRequest) => `<domain><name>${req.request.name}</name></domain>`,
    ),
    createVm: vi.fn(async (req: CreateVmRequest) => ({
      uuid: `uuid-${req.request.name}`,
      name: req.request.name,
      xml: "<domain/>",
      started: req.request.start,
    })),
    cancelCreate: vi.fn(async () => {}),
    consoleOpen: vi.fn(
      (_req: ConsoleOpenRequest) =>
        new Promise<ConsoleOpened>((resolve, reject) => {
          const settle = () =>
            opened instanceof Error
              ? reject({ code: "invalid-state", message: opened.message })
              : resolve({
                  surface: false,
                  ...opened,
                  url: `ws://127.0.0.1:1/console/${opened.id}?token=t`,
                });
          if (held) waiting.push(settle);
          else settle();
        }),
    ),
    consoleCancelOpen: vi.fn(async (_req: ConsoleOpenRequest) => {}),
    consoleClose: vi.fn(async (_id: number) => {}),
    consoleScreenshot: vi.fn(
      async (_req: ConsoleScreenshotRequest): Promise<ConsoleScreenshot> => ({
        path: "Pictures/Vireo/screen.png",
      }),
    ),
    consoleTypeText: vi.fn(async (_req: ConsoleTypeTextRequest) => {}),
    listen: vi.fn(
      async <E extends keyof Events>(
        event: E,
        handler: (payload: Events[E]) => void,
      ): Promise<Unsubscribe> => {
        const set = handlers[event] as Set<(payload: Events[E]) => void>;
        set.add(handler);
        return () => {
          set.delete(handler);
        };
      },
    ),
    connectConsole: vi.fn((url: string) => {
      const socket = new FakeConsoleSocket(url);
      sockets.push(socket);
      if (autoOpen) queueMicrotask(() => socket.serverOpen());
      return socket;
    }),
    windowFullscreen: {
      set: vi.fn(async (on: boolean) => {
        fullscreen = on;
      }),
      get: vi.fn(async () => fullscreen),
    },
  } satisfies Backend;

  const fake = {
    backend,
    /** Delivers `payload` to every listener of `event`, as the backend's event would. */
    emit<E extends keyof Events>(event: E, payload: Events[E]) {
      for (const handler of handlers[event] as Set<(payload: Events[E]) => void>) handler(payload);
    },
    /** How many listeners `event` has now. */
    listeners: (event: keyof Events) => handlers[event].size,
    sockets,
    /** Keeps `consoleOpen` pending until `release`. */
    hold() {
      held = true;
    },
    release() {
      held = false;
      for (const settle of waiting.splice(0)) settle();
    },
  };
  // Not enumerable, so a test can spread the fake (`{ ...fake, list }`) before any socket exists.
  Object.defineProperty(fake, "socket", {
    get(): FakeConsoleSocket {
      const last = sockets[sockets.length - 1];
      if (!last) throw new Error("no socket yet");
      return last;
    },
  });
  return fake as typeof fake & {
    /** The newest console socket. */
    readonly socket: FakeConsoleSocket;
  };
}

export type FakeBackend = ReturnType<typeof createFakeBackend>;
