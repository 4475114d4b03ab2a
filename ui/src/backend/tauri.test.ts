import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

const invoke = vi.fn();
vi.mock("@tauri-apps/api/core", () => ({ invoke: (...args: unknown[]) => invoke(...args) }));
const listen = vi.fn();
vi.mock("@tauri-apps/api/event", () => ({ listen: (...args: unknown[]) => listen(...args) }));

const { tauriBackend } = await import("./tauri");
const { pvmReport } = await import("../hostcheck/fixtures");

const backend = tauriBackend();

describe("checkHost", () => {
  beforeEach(() => {
    invoke.mockReset();
  });

  it("invokes check_host", async () => {
    invoke.mockResolvedValue(pvmReport);
    await expect(backend.checkHost()).resolves.toBe(pvmReport);
    expect(invoke).toHaveBeenCalledWith("check_host");
  });

  it("rejects with an ApiError", async () => {
    invoke.mockRejectedValue({ code: "permission-denied", message: "no access" });
    await expect(backend.checkHost()).rejects.toEqual({
      code: "permission-denied",
      message: "no access",
    });
    invoke.mockRejectedValue(new Error("ipc broke"));
    await expect(backend.checkHost()).rejects.toEqual({ code: "internal", message: "ipc broke" });
  });
});

describe("inventory commands", () => {
  beforeEach(() => {
    invoke.mockReset();
    listen.mockReset();
  });

  const vm = { connection: "system", uuid: "u1" };

  it("invoke the Tauri commands with the backend's argument names", async () => {
    invoke.mockResolvedValue(undefined);
    await backend.inventorySnapshot();
    await backend.vmAction({ vm, action: "start" });
    await backend.vmActionMany({ vms: [vm], action: "shutdown" });
    await backend.vmDeletePreview(vm);
    await backend.vmDelete({ vm, removeDisks: ["vda"], confirmedRisky: false });
    await backend.setStatsActive(true);
    await backend.connectionAdd({ uri: "test:///default", name: null });
    await backend.connectionUpdate({ id: "c1", patch: { name: "Lab" } });
    await backend.connectionRemove("c1");
    await backend.connectionRetry("c2");
    await backend.vmThumbnail({ vm, maxWidth: 128 });
    expect(invoke.mock.calls).toEqual([
      ["inventory_snapshot"],
      ["vm_action", { req: { vm, action: "start" } }],
      ["vm_action_many", { req: { vms: [vm], action: "shutdown" } }],
      ["vm_delete_preview", { vm }],
      ["vm_delete", { req: { vm, removeDisks: ["vda"], confirmedRisky: false } }],
      ["set_stats_active", { on: true }],
      ["connection_add", { connection: { uri: "test:///default", name: null } }],
      ["connection_update", { req: { id: "c1", patch: { name: "Lab" } } }],
      ["connection_remove", { id: "c1" }],
      ["connection_retry", { id: "c2" }],
      ["vm_thumbnail", { req: { vm, maxWidth: 128 } }],
    ]);
  });

  it("reject with an ApiError", async () => {
    invoke.mockRejectedValue({ code: "not-found", message: "no such domain" });
    await expect(backend.vmAction({ vm, action: "start" })).rejects.toEqual({
      code: "not-found",
      message: "no such domain",
    });
    invoke.mockRejectedValue("command vm_delete not found");
    await expect(backend.vmDelete({ vm, removeDisks: [], confirmedRisky: false })).rejects.toEqual({
      code: "internal",
      message: "command vm_delete not found",
    });
  });

  it("listen('inventory') listens to `inventory` and hands over the payload", async () => {
    const unlisten = vi.fn();
    listen.mockResolvedValue(unlisten);
    const handler = vi.fn();
    const stop = await backend.listen("inventory", handler);
    expect(listen).toHaveBeenCalledWith("inventory", expect.any(Function));
    const deliver = listen.mock.calls[0][1] as (event: { payload: unknown }) => void;
    const payload = { kind: "connection-removed", id: "c1" };
    deliver({ payload });
    expect(handler).toHaveBeenCalledWith(payload);
    stop();
    expect(unlisten).toHaveBeenCalled();

    listen.mockRejectedValue(new Error("event plugin missing"));
    await expect(backend.listen("inventory", handler)).rejects.toEqual({
      code: "internal",
      message: "event plugin missing",
    });
  });
});

describe("events", () => {
  beforeEach(() => {
    listen.mockReset();
    listen.mockResolvedValue(() => {});
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("marks each whole-list inventory event, as `make bench` measures from it", async () => {
    const mark = vi.spyOn(performance, "mark");
    const handler = vi.fn();
    await backend.listen("inventory", handler);
    const deliver = listen.mock.calls[0][1] as (event: { payload: unknown }) => void;
    deliver({ payload: { kind: "connection-removed", id: "c1" } });
    expect(mark).not.toHaveBeenCalled();
    const replaced = { kind: "vms-replaced", connection: "system", vms: [] };
    deliver({ payload: replaced });
    expect(mark).toHaveBeenCalledWith("vireo:vms-replaced:system");
    expect(handler).toHaveBeenLastCalledWith(replaced);
  });

  it("listen('create-progress') hands over the progress", async () => {
    const handler = vi.fn();
    await backend.listen("create-progress", handler);
    expect(listen).toHaveBeenCalledWith("create-progress", expect.any(Function));
    const deliver = listen.mock.calls[0][1] as (event: { payload: unknown }) => void;
    const progress = { step: "Copying the image", done: 1, total: 4 };
    deliver({ payload: progress });
    expect(handler).toHaveBeenCalledWith(progress);
  });
});

describe("wizard and console commands", () => {
  beforeEach(() => {
    invoke.mockReset();
  });

  it("invoke the Tauri commands with the backend's argument names", async () => {
    invoke.mockResolvedValue(undefined);
    const vm = { connection: "system", uuid: "u1" };
    await backend.osSearch({ query: "fed", includeEol: false });
    await backend.cancelCreate();
    await backend.consoleOpen({ vm });
    await backend.consoleCancelOpen({ vm });
    await backend.consoleClose(7);
    await backend.consoleScreenshot({ id: 7 });
    await backend.consoleTypeText({ id: 7, text: "hi" });
    expect(invoke.mock.calls).toEqual([
      ["os_search", { q: { query: "fed", includeEol: false } }],
      ["cancel_create"],
      ["console_open", { req: { vm } }],
      ["console_cancel_open", { req: { vm } }],
      ["console_close", { id: 7 }],
      ["console_screenshot", { req: { id: 7 } }],
      ["console_type_text", { req: { id: 7, text: "hi" } }],
    ]);
  });

  it("connectConsole opens a WebSocket to the url", () => {
    const opened: string[] = [];
    vi.stubGlobal(
      "WebSocket",
      class {
        constructor(public url: string) {
          opened.push(url);
        }
      },
    );
    try {
      const socket = backend.connectConsole("ws://127.0.0.1:1/console/7?token=t");
      expect(opened).toEqual(["ws://127.0.0.1:1/console/7?token=t"]);
      expect((socket as unknown as { url: string }).url).toBe("ws://127.0.0.1:1/console/7?token=t");
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
