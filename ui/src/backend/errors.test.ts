import { describe, expect, it } from "vitest";
import { errorHint, toApiError } from "./errors";

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

describe("errorHint", () => {
  it("has a hint per code", () => {
    expect(errorHint("permission-denied")).toMatch(/group membership/);
    expect(errorHint("unavailable")).toMatch(/Is libvirtd running\?/);
    expect(errorHint("internal")).toMatch(/This is a bug; please report it/);
  });

  it("has inventory wording where the host check's would mislead", () => {
    expect(errorHint("not-found", "inventory")).toMatch(/removed meanwhile/);
    expect(errorHint("not-found")).toMatch(/check needs/);
    expect(errorHint("permission-denied", "inventory")).toBe(errorHint("permission-denied"));
    expect(errorHint("unavailable", "inventory")).toMatch(/Retry/);
  });
});
