import { createComputed, createRoot } from "solid-js";
import { describe, expect, it, vi } from "vitest";
import type { InventoryEvent } from "../bindings/InventoryEvent";
import type { InventorySnapshot } from "../bindings/InventorySnapshot";
import { makeConnection, makeVm, sampleSnapshot } from "./fixtures";
import {
  applyEvent,
  applySnapshot,
  CPU_HISTORY,
  createInventoryStore,
  createInventorySync,
  emptyInventory,
  type InventoryState,
  vmKey,
} from "./store";

function loaded(snapshot = sampleSnapshot()): InventoryState {
  const state = emptyInventory();
  applySnapshot(state, snapshot);
  return state;
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("applySnapshot", () => {
  it("keys VMs by connection and uuid and keeps the connections' order", () => {
    const state = loaded();
    expect(state.loaded).toBe(true);
    expect(state.connectionIds).toEqual(["system", "session", "lab", "vbox"]);
    expect(Object.keys(state.vms).sort()).toEqual(
      [
        "session/uuid-scratch",
        "system/uuid-build",
        "system/uuid-db-01",
        "system/uuid-web-01",
        "vbox/uuid-legacy-xp",
      ].sort(),
    );
    expect(state.vms["system/uuid-web-01"].vm.state).toBe("running");
    expect(state.connections.lab.state).toBe("failed");
  });

  it("a second snapshot updates in place and drops what is gone", () => {
    const state = loaded();
    const web = state.vms["system/uuid-web-01"];
    applyEvent(state, {
      kind: "stats",
      connection: "system",
      at: 1,
      stats: [{ uuid: "uuid-web-01", cpuPercent: 12, memoryUsed: null }],
    });
    const next = sampleSnapshot();
    next.vms = next.vms.filter((row) => row.vm.name !== "db-01");
    next.vms[0].vm.vcpus = 6;
    next.connections = next.connections.filter((c) => c.id !== "lab");
    applySnapshot(state, next);
    expect(state.vms["system/uuid-db-01"]).toBeUndefined();
    expect(state.vms["system/uuid-web-01"]).toBe(web);
    expect(web.vm.vcpus).toBe(6);
    expect(state.stats["system/uuid-web-01"].cpu).toEqual([12]);
    expect(state.connectionIds).toEqual(["system", "session", "vbox"]);
    expect(state.connections.lab).toBeUndefined();
  });
});

describe("applyEvent", () => {
  it("vm-upserted adds a new VM", () => {
    const state = loaded();
    applyEvent(state, { kind: "vm-upserted", connection: "session", vm: makeVm("new-one") });
    expect(state.vms["session/uuid-new-one"]).toEqual({
      connection: "session",
      vm: makeVm("new-one"),
    });
  });

  it("vm-upserted updates an existing VM in place", () => {
    const state = loaded();
    const before = state.vms["system/uuid-db-01"];
    const vmBefore = before.vm;
    applyEvent(state, {
      kind: "vm-upserted",
      connection: "system",
      vm: makeVm("db-01", "running", { memory: 8 * 1024 ** 3, os: null }),
    });
    expect(state.vms["system/uuid-db-01"]).toBe(before);
    expect(before.vm).toBe(vmBefore);
    expect(before.vm.state).toBe("running");
    expect(before.vm.allowed).toContain("shutdown");
    expect(before.vm.allowed).not.toContain("start");
    expect(Object.keys(state.vms)).toHaveLength(5);
  });

  it("the same VM on two connections is two VMs", () => {
    const state = loaded();
    applyEvent(state, { kind: "vm-upserted", connection: "session", vm: makeVm("web-01") });
    expect(state.vms["system/uuid-web-01"].vm.state).toBe("running");
    expect(state.vms["session/uuid-web-01"].vm.state).toBe("shut-off");
  });

  it("vm-removed removes the VM and its stats; an unknown one is ignored", () => {
    const state = loaded();
    applyEvent(state, {
      kind: "stats",
      connection: "system",
      at: 1,
      stats: [{ uuid: "uuid-web-01", cpuPercent: 50, memoryUsed: 1 }],
    });
    applyEvent(state, { kind: "vm-removed", connection: "system", uuid: "uuid-web-01" });
    expect(state.vms["system/uuid-web-01"]).toBeUndefined();
    expect(state.stats["system/uuid-web-01"]).toBeUndefined();
    applyEvent(state, { kind: "vm-removed", connection: "system", uuid: "nope" });
    expect(Object.keys(state.vms)).toHaveLength(4);
  });

  it("connection updates an existing connection and appends a new one", () => {
    const state = loaded();
    applyEvent(state, {
      kind: "connection",
      connection: makeConnection("lab", {
        name: "Lab server",
        state: "connected",
        error: null,
        hint: null,
      }),
    });
    expect(state.connections.lab.state).toBe("connected");
    expect(state.connections.lab.error).toBeNull();
    applyEvent(state, { kind: "connection", connection: makeConnection("extra") });
    expect(state.connectionIds).toEqual(["system", "session", "lab", "vbox", "extra"]);
  });

  it("vms-replaced makes a connection's list exactly the one sent, leaving others alone", () => {
    const state = loaded();
    const systemBefore = Object.keys(state.vms).filter((k) => k.startsWith("system/"));
    expect(systemBefore.length).toBeGreaterThan(1);
    applyEvent(state, {
      kind: "vms-replaced",
      connection: "system",
      vms: [makeVm("web-01", "paused"), makeVm("fresh")],
    });
    expect(
      Object.keys(state.vms)
        .filter((k) => k.startsWith("system/"))
        .sort(),
    ).toEqual(["system/uuid-fresh", "system/uuid-web-01"]);
    expect(state.vms["system/uuid-web-01"].vm.state).toBe("paused");
    expect(state.vms["session/uuid-scratch"]).toBeDefined();
  });

  it("connection-removed drops the connection and only its VMs", () => {
    const state = loaded();
    applyEvent(state, { kind: "connection-removed", id: "system" });
    expect(state.connections.system).toBeUndefined();
    expect(state.connectionIds).toEqual(["session", "lab", "vbox"]);
    expect(Object.keys(state.vms).sort()).toEqual(["session/uuid-scratch", "vbox/uuid-legacy-xp"]);
  });

  it("stats keep the last CPU_HISTORY samples of running VMs only", () => {
    const state = loaded();
    for (let i = 0; i < CPU_HISTORY + 5; i++) {
      applyEvent(state, {
        kind: "stats",
        connection: "system",
        at: 1,
        stats: [
          { uuid: "uuid-web-01", cpuPercent: i, memoryUsed: 1000 + i },
          { uuid: "uuid-db-01", cpuPercent: 99, memoryUsed: null },
          { uuid: "uuid-unknown", cpuPercent: 99, memoryUsed: null },
        ],
      });
    }
    const web = state.stats["system/uuid-web-01"];
    expect(web.cpu).toHaveLength(CPU_HISTORY);
    expect(web.cpu[0]).toBe(5);
    expect(web.cpu[CPU_HISTORY - 1]).toBe(CPU_HISTORY + 4);
    expect(web.memoryUsed).toBe(1000 + CPU_HISTORY + 4);
    // db-01 is shut off; uuid-unknown is not in the inventory.
    expect(state.stats["system/uuid-db-01"]).toBeUndefined();
    expect(state.stats["system/uuid-unknown"]).toBeUndefined();
  });

  it("a VM that stops loses its CPU history", () => {
    const state = loaded();
    applyEvent(state, {
      kind: "stats",
      connection: "system",
      at: 1,
      stats: [{ uuid: "uuid-web-01", cpuPercent: 40, memoryUsed: null }],
    });
    applyEvent(state, { kind: "vm-upserted", connection: "system", vm: makeVm("web-01") });
    expect(state.stats["system/uuid-web-01"]).toBeUndefined();
  });
});

describe("createInventoryStore", () => {
  it("updates only what an event touches", () => {
    createRoot((dispose) => {
      const store = createInventoryStore();
      store.applySnapshot(sampleSnapshot());
      const key = vmKey("system", "uuid-web-01");
      const runs = { keys: 0, name: 0, state: 0, stats: 0 };
      createComputed(() => {
        Object.keys(store.state.vms);
        runs.keys++;
      });
      createComputed(() => {
        store.state.vms[key]?.vm.name;
        runs.name++;
      });
      createComputed(() => {
        store.state.vms[key]?.vm.state;
        runs.state++;
      });
      createComputed(() => {
        store.state.stats[key];
        runs.stats++;
      });
      expect(runs).toEqual({ keys: 1, name: 1, state: 1, stats: 1 });

      store.applyEvents([
        {
          kind: "stats",
          connection: "system",
          at: 1,
          stats: [{ uuid: "uuid-web-01", cpuPercent: 3, memoryUsed: null }],
        },
      ]);
      expect(runs).toEqual({ keys: 1, name: 1, state: 1, stats: 2 });

      store.applyEvents([
        { kind: "vm-upserted", connection: "system", vm: makeVm("web-01", "paused") },
      ]);
      // The state changed (and the stats were dropped); the name and the key set did not.
      expect(runs).toEqual({ keys: 1, name: 1, state: 2, stats: 3 });

      store.applyEvents([{ kind: "vm-upserted", connection: "system", vm: makeVm("other") }]);
      expect(runs.keys).toBe(2);
      expect(runs.name).toBe(1);
      dispose();
    });
  });
});

describe("createInventorySync", () => {
  function source(snapshot: Promise<InventorySnapshot>) {
    const calls: string[] = [];
    let handler: ((event: InventoryEvent) => void) | null = null;
    const unsubscribe = vi.fn();
    return {
      calls,
      unsubscribe,
      emit: (event: InventoryEvent) => handler?.(event),
      source: {
        listen: vi.fn(async (_event: "inventory", h: (event: InventoryEvent) => void) => {
          calls.push("subscribe");
          handler = h;
          return unsubscribe;
        }),
        inventorySnapshot: vi.fn(() => {
          calls.push("snapshot");
          return snapshot;
        }),
      },
    };
  }

  it("subscribes first and applies events that arrive before the snapshot after it", async () => {
    const pending = deferred<InventorySnapshot>();
    const fake = source(pending.promise);
    const state = emptyInventory();
    const applied: string[] = [];
    const sink = {
      applySnapshot: (s: InventorySnapshot) => {
        applied.push("snapshot");
        applySnapshot(state, s);
      },
      applyEvents: (events: readonly InventoryEvent[]) => {
        for (const e of events) {
          applied.push(e.kind);
          applyEvent(state, e);
        }
      },
    };
    const sync = createInventorySync(fake.source, sink);
    const started = sync.start();
    await vi.waitFor(() => expect(fake.calls).toEqual(["subscribe", "snapshot"]));

    // Before the snapshot: a new VM, and web-01 stopping.
    fake.emit({ kind: "vm-upserted", connection: "system", vm: makeVm("early") });
    fake.emit({ kind: "vm-upserted", connection: "system", vm: makeVm("web-01", "shut-off") });
    expect(applied).toEqual([]);

    // The snapshot was taken before those changes.
    pending.resolve(sampleSnapshot());
    await started;
    expect(applied).toEqual(["snapshot", "vm-upserted", "vm-upserted"]);
    expect(state.vms["system/uuid-early"]).toBeDefined();
    expect(state.vms["system/uuid-web-01"].vm.state).toBe("shut-off");

    // Live from now on.
    fake.emit({ kind: "vm-removed", connection: "system", uuid: "uuid-early" });
    expect(applied).toHaveLength(4);
    expect(state.vms["system/uuid-early"]).toBeUndefined();

    sync.dispose();
    expect(fake.unsubscribe).toHaveBeenCalledTimes(1);
    fake.emit({ kind: "vm-removed", connection: "system", uuid: "uuid-web-01" });
    expect(state.vms["system/uuid-web-01"]).toBeDefined();
  });

  it("keeps buffering when the snapshot fails, and a retry does not subscribe again", async () => {
    const fake = source(Promise.reject({ code: "unavailable", message: "down" }));
    const state = emptyInventory();
    const sink = {
      applySnapshot: (s: InventorySnapshot) => applySnapshot(state, s),
      applyEvents: (events: readonly InventoryEvent[]) => {
        for (const e of events) applyEvent(state, e);
      },
    };
    const sync = createInventorySync(fake.source, sink);
    await expect(sync.start()).rejects.toEqual({ code: "unavailable", message: "down" });
    fake.emit({ kind: "vm-upserted", connection: "system", vm: makeVm("meanwhile") });
    expect(state.loaded).toBe(false);

    fake.source.inventorySnapshot.mockImplementation(() => Promise.resolve(sampleSnapshot()));
    await sync.start();
    expect(fake.source.listen).toHaveBeenCalledTimes(1);
    expect(state.loaded).toBe(true);
    expect(state.vms["system/uuid-meanwhile"]).toBeDefined();
    expect(Object.keys(state.vms)).toHaveLength(6);
  });

  it("a failed subscription rejects start and is retried by the next start", async () => {
    const fake = source(Promise.resolve(sampleSnapshot()));
    fake.source.listen.mockRejectedValueOnce({ code: "internal", message: "no IPC" });
    const sink = { applySnapshot: vi.fn(), applyEvents: vi.fn() };
    const sync = createInventorySync(fake.source, sink);
    await expect(sync.start()).rejects.toEqual({ code: "internal", message: "no IPC" });
    expect(fake.source.inventorySnapshot).not.toHaveBeenCalled();
    await sync.start();
    expect(fake.source.listen).toHaveBeenCalledTimes(2);
    expect(sink.applySnapshot).toHaveBeenCalledTimes(1);
  });

  it("unsubscribes when disposed before the subscription resolved", async () => {
    const fake = source(Promise.resolve(sampleSnapshot()));
    const sink = { applySnapshot: vi.fn(), applyEvents: vi.fn() };
    const sync = createInventorySync(fake.source, sink);
    const started = sync.start();
    sync.dispose();
    await started;
    expect(fake.unsubscribe).toHaveBeenCalledTimes(1);
    expect(sink.applySnapshot).not.toHaveBeenCalled();
  });
});
