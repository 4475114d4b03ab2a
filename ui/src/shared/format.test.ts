import { describe, expect, it } from "vitest";
import { formatBytes, formatDuration, plural } from "./format";

describe("formatBytes", () => {
  it.each([
    [0, "0 B"],
    [1, "1 B"],
    [1023, "1023 B"],
    [1024, "1 KiB"],
    [1536, "1.5 KiB"],
    [1024 * 1024 - 1, "1 MiB"],
    [5 * 1024 ** 2, "5 MiB"],
    [25_276_502_016, "23.5 GiB"],
    [24_447_627_264, "22.8 GiB"],
    [2 * 1024 ** 4, "2 TiB"],
    [1.25 * 1024 ** 4, "1.3 TiB"],
    [3 * 1024 ** 5, "3 PiB"],
  ])("formats %d as %s", (bytes, expected) => {
    expect(formatBytes(bytes)).toBe(expected);
  });

  it("rejects nonsense", () => {
    expect(formatBytes(-1)).toBe("—");
    expect(formatBytes(Number.NaN)).toBe("—");
  });
});

describe("formatDuration", () => {
  it.each([
    [0.4, "<1 ms"],
    [8.3, "8 ms"],
    [9.467477, "9 ms"],
    [999.4, "999 ms"],
    [1234, "1.2 s"],
  ])("formats %d ms as %s", (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected);
  });
});

describe("plural", () => {
  it("uses the singular only for one", () => {
    expect(plural(0, "error")).toBe("0 errors");
    expect(plural(1, "warning")).toBe("1 warning");
    expect(plural(2, "warning")).toBe("2 warnings");
  });
});
