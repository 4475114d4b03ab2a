import { describe, expect, it } from "vitest";
import { sparklinePoints } from "./Sparkline";

describe("sparklinePoints", () => {
  it("right-aligns samples, newest at the right edge, 100% at the top", () => {
    // capacity 5 over 40 px: one step is 10 px; height 23 with 1.5 px padding: 0% is y=21.5.
    expect(sparklinePoints([0, 50, 100], 40, 23, 5)).toBe("20,21.5 30,11.5 40,1.5");
  });

  it("draws one sample as a short flat line and clamps out-of-range values", () => {
    expect(sparklinePoints([150], 40, 23, 5)).toBe("30,1.5 40,1.5");
    expect(sparklinePoints([-5, Number.NaN], 40, 23, 5)).toBe("30,21.5 40,21.5");
    expect(sparklinePoints([], 40, 23, 5)).toBe("");
  });

  it("keeps only the last `capacity` samples", () => {
    const points = sparklinePoints([1, 2, 3, 4, 5, 6, 7], 40, 23, 5).split(" ");
    expect(points).toHaveLength(5);
    expect(points[0].startsWith("0,")).toBe(true);
  });
});
