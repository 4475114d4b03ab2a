import { batch } from "solid-js";
import { createStore, produce } from "solid-js/store";
import type { Unsubscribe } from "../backend";
import type { ConnectionInfo } from "../bindings/ConnectionInfo";
import type { InventoryEvent } from "../bindings/InventoryEvent";
import type { InventorySnapshot } from "../bindings/InventorySnapshot";
import type { VmRow } from "../bindings/VmRow";
import type { VmState } from "../bindings/VmState";
import type { VmSummary } from "../bindings/VmSummary";

/** `${connection}/${uuid}`: a VM's identity across connections. */
export type VmKey = string;

export function vmKey(connection: string, uuid: string): VmKey {
  return `${connection}/${uuid}`;
}

/** CPU samples kept per VM for the sparkline (the backend samples every 2 s: one minute). */
export const CPU_HISTORY = 30;

export interface VmLiveStats {
  /** The last `CPU_HISTORY` cpuPercent samples, oldest first. */
  cpu: number[];
  memoryUsed: number | null;
}

/**
 * The UI's copy of the inventory. VMs and their stats live in separate maps so a stats event
 * touches nothing a row's name, state or memory cell reads.
 */
export interface InventoryState {
  /** True once a snapshot has been applied. */
  loaded: boolean;
  /** Connection ids in the backend's order (built-ins first), then in order of appearance. */
  connectionIds: string[];
  connections: Record<string, ConnectionInfo>;
  vms: Record<VmKey, VmRow>;
  stats: Record<VmKey, VmLiveStats>;
}

export function emptyInventory(): InventoryState {
  return { loaded: false, connectionIds: [], connections: {}, vms: {}, stats: {} };
}

/** States in which the backend samples a VM's CPU: the sparkline is shown only then. */
export function isRunning(state: VmState): boolean {
  return state === "running" || state === "blocked";
}

function sameArray(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}

/**
 * Copies `source`'s fields into `target`, writing only those that differ. On a store draft each
 * write notifies only the readers of that field, so an upsert that changes a VM's state
 * re-renders its state cell and nothing else.
 */
function assignChanged<T extends object>(target: T, source: T): void {
  const t = target as Record<string, unknown>;
  for (const [field, value] of Object.entries(source)) {
    const current = t[field];
    if (Array.isArray(value) && Array.isArray(current)) {
      if (!sameArray(current, value)) t[field] = [...value];
    } else if (current !== value) {
      t[field] = value;
    }
  }
}

function upsertConnection(draft: InventoryState, info: ConnectionInfo): void {
  const existing = draft.connections[info.id];
  if (existing) {
    assignChanged(existing, info);
  } else {
    draft.connections[info.id] = { ...info };
    if (!draft.connectionIds.includes(info.id)) draft.connectionIds.push(info.id);
  }
}

function upsertVm(draft: InventoryState, connection: string, vm: VmSummary): void {
  const key = vmKey(connection, vm.uuid);
  const existing = draft.vms[key];
  if (existing) {
    assignChanged(existing.vm, vm);
  } else {
    draft.vms[key] = { connection, vm: { ...vm, allowed: [...vm.allowed] } };
  }
  // A stopped VM's old samples would draw a stale line when it starts again.
  if (!isRunning(vm.state) && draft.stats[key]) delete draft.stats[key];
}

function removeVm(draft: InventoryState, key: VmKey): void {
  if (draft.vms[key]) delete draft.vms[key];
  if (draft.stats[key]) delete draft.stats[key];
}

/**
 * Replaces the state with `snapshot`, in place: VMs and connections that are still there are
 * updated field by field (their rows stay), the rest are dropped. Stats history is kept.
 */
export function applySnapshot(draft: InventoryState, snapshot: InventorySnapshot): void {
  const connectionIds = new Set(snapshot.connections.map((c) => c.id));
  for (const id of Object.keys(draft.connections)) {
    if (!connectionIds.has(id)) delete draft.connections[id];
  }
  for (const info of snapshot.connections) upsertConnection(draft, info);
  const order = snapshot.connections.map((c) => c.id);
  if (!sameArray(draft.connectionIds, order)) draft.connectionIds = order;

  const keys = new Set(snapshot.vms.map((row) => vmKey(row.connection, row.vm.uuid)));
  for (const key of Object.keys(draft.vms)) {
    if (!keys.has(key)) removeVm(draft, key);
  }
  for (const key of Object.keys(draft.stats)) {
    if (!keys.has(key)) delete draft.stats[key];
  }
  for (const row of snapshot.vms) upsertVm(draft, row.connection, row.vm);
  draft.loaded = true;
}

/** Applies one live event. Safe to apply twice: upserts carry the whole VM. */
export function applyEvent(draft: InventoryState, event: InventoryEvent): void {
  switch (event.kind) {
    case "connection":
      upsertConnection(draft, event.connection);
      break;
    case "connection-removed": {
      if (draft.connections[event.id]) delete draft.connections[event.id];
      if (draft.connectionIds.includes(event.id)) {
        draft.connectionIds = draft.connectionIds.filter((id) => id !== event.id);
      }
      for (const [key, row] of Object.entries(draft.vms)) {
        if (row.connection === event.id) removeVm(draft, key);
      }
      break;
    }
    case "vms-replaced": {
      // A connection (re)connected: its list is now exactly this.
      const keep = new Set(event.vms.map((vm) => vmKey(event.connection, vm.uuid)));
      for (const [key, row] of Object.entries(draft.vms)) {
        if (row.connection === event.connection && !keep.has(key)) removeVm(draft, key);
      }
      for (const vm of event.vms) upsertVm(draft, event.connection, vm);
      break;
    }
    case "vm-upserted":
      upsertVm(draft, event.connection, event.vm);
      break;
    case "vm-removed":
      removeVm(draft, vmKey(event.connection, event.uuid));
      break;
    case "stats":
      for (const sample of event.stats) {
        const key = vmKey(event.connection, sample.uuid);
        const row = draft.vms[key];
        if (!row || !isRunning(row.vm.state)) continue;
        const previous = draft.stats[key]?.cpu ?? [];
        const cpu = previous.slice(-(CPU_HISTORY - 1));
        cpu.push(sample.cpuPercent);
        // A new object per sample: only the CPU cell of this VM reads it.
        draft.stats[key] = { cpu, memoryUsed: sample.memoryUsed };
      }
      break;
  }
}

export interface InventoryStore {
  /** Reactive, read-only. */
  state: InventoryState;
  applySnapshot(snapshot: InventorySnapshot): void;
  applyEvents(events: readonly InventoryEvent[]): void;
}

/** The inventory as a Solid store; every change is a targeted update of the fields it touches. */
export function createInventoryStore(): InventoryStore {
  const [state, setState] = createStore<InventoryState>(emptyInventory());
  return {
    state,
    applySnapshot(snapshot) {
      setState(produce((draft) => applySnapshot(draft, snapshot)));
    },
    applyEvents(events) {
      if (events.length === 0) return;
      batch(() => {
        setState(
          produce((draft) => {
            for (const event of events) applyEvent(draft, event);
          }),
        );
      });
    },
  };
}

/**
 * Where the inventory comes from: the part of the `Backend` this uses (a `Backend` is one),
 * narrowed to the `inventory` event so a test's source needs only that.
 */
export interface InventorySource {
  listen(event: "inventory", handler: (event: InventoryEvent) => void): Promise<Unsubscribe>;
  inventorySnapshot(): Promise<InventorySnapshot>;
}

/** Where it goes: usually an `InventoryStore`. */
export interface InventorySink {
  applySnapshot(snapshot: InventorySnapshot): void;
  applyEvents(events: readonly InventoryEvent[]): void;
}

export interface InventorySync {
  /**
   * Subscribes (once), then fetches the snapshot, applies it and the events that arrived
   * meanwhile. Rejects with the subscription's or the snapshot's error; call it again to retry.
   */
  start(): Promise<void>;
  /** Stops listening. */
  dispose(): void;
}

/**
 * Keeps `sink` in line with `source` without polling: subscribe first, then fetch the snapshot;
 * events that arrive before the snapshot are buffered and applied after it.
 */
export function createInventorySync(source: InventorySource, sink: InventorySink): InventorySync {
  // Events waiting for the snapshot; null once the sink is live.
  let buffer: InventoryEvent[] | null = [];
  let unsubscribe: Unsubscribe | null = null;
  let subscribing: Promise<void> | null = null;
  let disposed = false;

  function onEvent(event: InventoryEvent) {
    if (disposed) return;
    if (buffer) buffer.push(event);
    else sink.applyEvents([event]);
  }

  async function subscribe(): Promise<void> {
    const stop = await source.listen("inventory", onEvent);
    if (disposed) stop();
    else unsubscribe = stop;
  }

  return {
    async start() {
      if (disposed) return;
      if (!unsubscribe) {
        subscribing ??= subscribe().finally(() => {
          subscribing = null;
        });
        await subscribing;
      }
      if (disposed) return;
      buffer ??= [];
      const snapshot = await source.inventorySnapshot();
      if (disposed) return;
      const pending = buffer;
      buffer = null;
      sink.applySnapshot(snapshot);
      sink.applyEvents(pending);
    },
    dispose() {
      disposed = true;
      buffer = null;
      unsubscribe?.();
      unsubscribe = null;
    },
  };
}
