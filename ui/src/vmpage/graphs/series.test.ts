import { describe, expect, it } from "vitest";
import type { VmStats } from "../../bindings/VmStats";
import { niceCeiling, StatsSeries, segments } from "./series";

function stats(cpu: number, diskRead: number | null = null): VmStats {
  return {
    uuid: "u",
    cpuPercent: cpu,
    memoryUsed: 1000,
    io: { diskRead, diskWrite: null, netRx: null, netTx: null },
  };
}

describe("StatsSeries", () => {
  it("loads the history and keeps samples that came while it was on its way", () => {
    const s = new StatsSeries();
    s.push(5000, stats(50));
    s.load({
      intervalMs: 2000,
      capacity: 3,
      samples: [
        { at: 1000, cpuPercent: 10, memoryUsed: null, guestMemoryUsed: null, io: null },
        { at: 3000, cpuPercent: 30, memoryUsed: null, guestMemoryUsed: null, io: null },
      ],
    });
    expect(s.points.map((p) => p.at)).toEqual([1000, 3000, 5000]);
    s.push(7000, stats(70));
    expect(s.points.map((p) => p.at)).toEqual([3000, 5000, 7000]);
    s.push(7000, stats(99));
    expect(s.latest("cpu")).toBe(70);
    expect(s.latest("diskRead")).toBeNull();
    expect(s.max(["cpu"])).toBe(70);
    expect(s.span()).toBe(6000);
  });
});

describe("segments", () => {
  it("maps time to x and value to y over the window ending now", () => {
    const s = new StatsSeries();
    s.load({ intervalMs: 1000, capacity: 10, samples: [] });
    s.push(5000, stats(0));
    s.push(6000, stats(50));
    s.push(7000, stats(100));
    const lines = segments(s, "cpu", { width: 100, height: 50, max: 100, now: 10000 });
    expect(lines).toEqual([
      [
        [50, 50],
        [60, 25],
        [70, 0],
      ],
    ]);
  });

  it("breaks the line at a gap in time and at a missing value", () => {
    const s = new StatsSeries();
    s.load({ intervalMs: 1000, capacity: 100, samples: [] });
    s.push(1000, stats(10, 1));
    s.push(2000, stats(10, 1));
    s.push(9000, stats(10, 1)); // 7 s later: the page was closed
    s.push(10000, stats(10, null));
    s.push(11000, stats(10, 1));
    const box = { width: 100, height: 10, max: 100, now: 11000 };
    expect(segments(s, "cpu", box)).toHaveLength(2);
    expect(segments(s, "diskRead", box).map((l) => l.length)).toEqual([2, 1, 1]);
  });

  it("drops samples older than the window and clamps values to the scale", () => {
    const s = new StatsSeries();
    s.load({ intervalMs: 1000, capacity: 2, samples: [] });
    s.push(1000, stats(500));
    s.push(2000, stats(-5));
    const lines = segments(s, "cpu", { width: 10, height: 10, max: 100, now: 2500 });
    expect(lines).toEqual([
      [
        [2.5, 0],
        [7.5, 10],
      ],
    ]);
    expect(segments(s, "cpu", { width: 10, height: 10, max: 100, now: 4000 })).toEqual([[[0, 10]]]);
  });
});

describe("niceCeiling", () => {
  it("rounds up to 1, 2 or 5 times a power of ten", () => {
    expect(niceCeiling(0, 64)).toBe(100);
    expect(niceCeiling(1.5)).toBe(2);
    expect(niceCeiling(3000)).toBe(5000);
    expect(niceCeiling(5001)).toBe(10000);
    expect(niceCeiling(100)).toBe(100);
  });
});
