import { vi } from "vitest";
import type { InventoryApi } from "../api";
import type { BulkActionRequest } from "../bindings/BulkActionRequest";
import type { BulkOutcome } from "../bindings/BulkOutcome";
import type { ConnectionInfo } from "../bindings/ConnectionInfo";
import type { ConnectionUpdate } from "../bindings/ConnectionUpdate";
import type { DiskChoice } from "../bindings/DiskChoice";
import type { InventoryEvent } from "../bindings/InventoryEvent";
import type { InventorySnapshot } from "../bindings/InventorySnapshot";
import type { NewConnection } from "../bindings/NewConnection";
import type { VmRef } from "../bindings/VmRef";
import type { VmThumbnailRequest } from "../bindings/VmThumbnailRequest";

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

/** For tests: an in-memory backend whose every command is a `vi.fn`, and an event source. */
export function createFakeApi(snapshot: InventorySnapshot) {
  const handlers = new Set<(event: InventoryEvent) => void>();
  const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
  const api = {
    subscribe: vi.fn(async (handler: (event: InventoryEvent) => void) => {
      handlers.add(handler);
      return () => {
        handlers.delete(handler);
      };
    }),
    snapshot: vi.fn(async () => copy(snapshot)),
    vmAction: vi.fn(async () => {}),
    vmActionMany: vi.fn(
      async (req: BulkActionRequest): Promise<BulkOutcome[]> =>
        req.vms.map((vm) => ({ vm, error: null })),
    ),
    deletePreview: vi.fn(async (_vm: VmRef): Promise<DiskChoice[]> => []),
    deleteVm: vi.fn(async () => {}),
    setStatsActive: vi.fn(async () => {}),
    /** A 1×1 PNG for every VM, as if all were running. */
    thumbnail: vi.fn(
      async (_req: VmThumbnailRequest): Promise<Blob> =>
        new Blob([ONE_PIXEL_PNG], { type: "image/png" }),
    ),
    addConnection: vi.fn(
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
    updateConnection: vi.fn(async (req: ConnectionUpdate): Promise<ConnectionInfo> => {
      const info = snapshot.connections.find((c) => c.id === req.id);
      if (!info) throw { code: "not-found", message: `no connection ${req.id}` };
      return { ...info, name: req.patch.name ?? info.name };
    }),
    removeConnection: vi.fn(async () => {}),
    retryConnection: vi.fn(async () => {}),
  } satisfies InventoryApi;
  return {
    api,
    /** Delivers an event to every subscriber, as the backend's `inventory` event would. */
    emit(event: InventoryEvent) {
      for (const handler of handlers) handler(event);
    },
    subscribers: () => handlers.size,
  };
}
