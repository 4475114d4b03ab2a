import { beforeEach, describe, expect, it, vi } from "vitest";

const invoke = vi.fn();
vi.mock("@tauri-apps/api/core", () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

const { checkHost, errorHint, toApiError } = await import("./api");
const { pvmReport } = await import("./fixtures");

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
