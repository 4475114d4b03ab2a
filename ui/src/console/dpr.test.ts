import { createRoot } from "solid-js";
import { describe, expect, it } from "vitest";
import { createDevicePixelRatio } from "./dpr";

/** A window whose ratio can change, with media queries that fire like a browser's. */
function fakeWindow(initial: number) {
  const queries: { query: string; listeners: Set<() => void> }[] = [];
  const win = {
    devicePixelRatio: initial,
    matchMedia(query: string) {
      const entry = { query, listeners: new Set<() => void>() };
      queries.push(entry);
      return {
        matches: true,
        media: query,
        addEventListener: (_: string, l: () => void) => entry.listeners.add(l),
        removeEventListener: (_: string, l: () => void) => entry.listeners.delete(l),
      };
    },
  };
  return {
    win: win as unknown as Window,
    queries,
    /** The ratio changes: queries for the old ratio stop matching and fire. */
    change(ratio: number) {
      const old = `(resolution: ${win.devicePixelRatio}dppx)`;
      win.devicePixelRatio = ratio;
      for (const q of queries.filter((q) => q.query === old)) for (const l of [...q.listeners]) l();
    },
    listening: () => queries.filter((q) => q.listeners.size > 0).map((q) => q.query),
  };
}

describe("createDevicePixelRatio", () => {
  it("follows the ratio from 1 to 1.5 to 2 and back, watching only the current one", () => {
    const fake = fakeWindow(1);
    createRoot((dispose) => {
      const ratio = createDevicePixelRatio(fake.win);
      expect(ratio()).toBe(1);
      expect(fake.listening()).toEqual(["(resolution: 1dppx)"]);
      fake.change(1.5);
      expect(ratio()).toBe(1.5);
      expect(fake.listening()).toEqual(["(resolution: 1.5dppx)"]);
      fake.change(2);
      expect(ratio()).toBe(2);
      fake.change(1);
      expect(ratio()).toBe(1);
      expect(fake.listening()).toEqual(["(resolution: 1dppx)"]);
      dispose();
      expect(fake.listening()).toEqual([]);
    });
  });

  it("falls back to 1 without a ratio", () => {
    const fake = fakeWindow(0);
    createRoot((dispose) => {
      expect(createDevicePixelRatio(fake.win)()).toBe(1);
      dispose();
    });
  });
});
