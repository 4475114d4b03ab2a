import { beforeEach, describe, expect, it, vi } from "vitest";

const invoke = vi.fn();
vi.mock("@tauri-apps/api/core", () => ({ invoke: (...args: unknown[]) => invoke(...args) }));
const listen = vi.fn();
vi.mock("@tauri-apps/api/event", () => ({ listen: (...args: unknown[]) => listen(...args) }));

const { checkHost, errorHint, subscribeInventory, tauriInventoryApi, toApiError } = await import(
  "./api"
);
const { pvmReport } = await import("./hostcheck/fixtures");

describe("toApiError", () => {
  it("keeps a backend ApiError", () => {
    expect(toApiError({ code: "unavailable", message: "libvirtd is down" })).toEqual({
      code: "unavailable",
      message: "libvirtd is down",
    });
  });

  it("turns anything else into an internal error", () => {
    expect(toApiError(new TypeError("window.__TAURI_INTERNALS__ is undefined"))).toEqual({
      code: "internal",
      message: "window.__TAURI_INTERNALS__ is undefined",
    });
    expect(toApiError("command check_host not found")).toEqual({
      code: "internal",
      message: "command check_host not found",
    });
    expect(toApiError({ code: "bogus", message: "what" })).toEqual({
      code: "internal",
      message: "what",
    });
    expect(toApiError(42)).toEqual({ code: "internal", message: "Unexpected error: 42" });
    expect(toApiError(undefined).code).toBe("internal");
  });
});

describe("checkHost", () => {
  beforeEach(() => {
    invoke.mockReset();
  });

  it("invokes check_host", async () => {
    invoke.mockResolvedValue(pvmReport);
    await expect(checkHost()).resolves.toBe(pvmReport);
    expect(invoke).toHaveBeenCalledWith("check_host");
  });

  it("rejects with an ApiError", async () => {
    invoke.mockRejectedValue({ code: "permission-denied", message: "no access" });
    await expect(checkHost()).rejects.toEqual({ code: "permission-denied", message: "no access" });
    invoke.mockRejectedValue(new Error("ipc broke"));
    await expect(checkHost()).rejects.toEqual({ code: "internal", message: "ipc broke" });
  });
});

describe("errorHint", () => {
  it("has a hint per code", () => {
    expect(errorHint("permission-denied")).toMatch(/group membership/);
    expect(errorHint("unavailable")).toMatch(/Is libvirtd running\?/);
    expect(errorHint("internal")).toMatch(/This is a bug; please report it/);
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
    const api = tauriInventoryApi;
    await api.snapshot();
    await api.vmAction({ vm, action: "start" });
    await api.vmActionMany({ vms: [vm], action: "shutdown" });
    await api.deletePreview(vm);
    await api.deleteVm({ vm, removeDisks: ["vda"], confirmedRisky: false });
    await api.setStatsActive(true);
    await api.addConnection({ uri: "test:///default", name: null });
    await api.updateConnection({ id: "c1", patch: { name: "Lab" } });
    await api.removeConnection("c1");
    await api.retryConnection("c2");
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
    ]);
  });

  it("reject with an ApiError", async () => {
    invoke.mockRejectedValue({ code: "not-found", message: "no such domain" });
    await expect(tauriInventoryApi.vmAction({ vm, action: "start" })).rejects.toEqual({
      code: "not-found",
      message: "no such domain",
    });
    invoke.mockRejectedValue("command vm_delete not found");
    await expect(
      tauriInventoryApi.deleteVm({ vm, removeDisks: [], confirmedRisky: false }),
    ).rejects.toEqual({ code: "internal", message: "command vm_delete not found" });
  });

  it("subscribeInventory listens to `inventory` and hands over the payload", async () => {
    const unlisten = vi.fn();
    listen.mockResolvedValue(unlisten);
    const handler = vi.fn();
    const stop = await subscribeInventory(handler);
    expect(listen).toHaveBeenCalledWith("inventory", expect.any(Function));
    const deliver = listen.mock.calls[0][1] as (event: { payload: unknown }) => void;
    const payload = { kind: "connection-removed", id: "c1" };
    deliver({ payload });
    expect(handler).toHaveBeenCalledWith(payload);
    stop();
    expect(unlisten).toHaveBeenCalled();

    listen.mockRejectedValue(new Error("event plugin missing"));
    await expect(subscribeInventory(handler)).rejects.toEqual({
      code: "internal",
      message: "event plugin missing",
    });
  });

  it("errorHint has inventory wording where the host check's would mislead", () => {
    expect(errorHint("not-found", "inventory")).toMatch(/removed meanwhile/);
    expect(errorHint("not-found")).toMatch(/check needs/);
    expect(errorHint("permission-denied", "inventory")).toBe(errorHint("permission-denied"));
    expect(errorHint("unavailable", "inventory")).toMatch(/Retry/);
  });
});
