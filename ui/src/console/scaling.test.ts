import { describe, expect, it } from "vitest";
import { displaySize, pointerPosition } from "./protocol";

const RATIOS = [1, 1.5, 2];
const ODD_SIZES: [number, number][] = [
  [1023, 767],
  [721, 401],
  [17, 9],
];

describe("displaySize: actual pixels", () => {
  it.each(RATIOS)("shows one guest pixel per device pixel at %s×", (dpr) => {
    for (const [w, h] of ODD_SIZES) {
      const size = displaySize(w, h, 300, 200, dpr, "actual");
      expect(size.width * dpr).toBeCloseTo(w, 9);
      expect(size.height * dpr).toBeCloseTo(h, 9);
      expect(size.pixelated).toBe(true);
    }
  });

  it("ignores the box: larger screens scroll", () => {
    expect(displaySize(1920, 1080, 640, 480, 1, "actual")).toEqual({
      width: 1920,
      height: 1080,
      pixelated: true,
    });
  });
});

describe("displaySize: fit", () => {
  it("keeps the aspect ratio and stays inside the box", () => {
    for (const dpr of RATIOS) {
      for (const [w, h] of ODD_SIZES) {
        for (const [bw, bh] of [
          [800, 600],
          [333, 1000],
          [1280, 300],
        ]) {
          const size = displaySize(w, h, bw, bh, dpr);
          expect(size.width).toBeLessThanOrEqual(bw + 1e-9);
          expect(size.height).toBeLessThanOrEqual(bh + 1e-9);
          // Within one device pixel of the exact aspect ratio (sizes are whole device pixels).
          expect(Math.abs(size.width * dpr - ((size.height * dpr) / h) * w)).toBeLessThan(
            (w / h) * 1 + 1,
          );
          // Whole device pixels: no half-covered pixel at the edges.
          expect(Number.isInteger(Math.round(size.width * dpr * 1e6) / 1e6)).toBe(true);
        }
      }
    }
  });

  it("grows by whole device-pixel factors only, and shrinks smoothly", () => {
    // 1.5 CSS px per guest pixel at 1.5× is 2.25 device px: 2, pixelated.
    expect(displaySize(400, 300, 600, 450, 1.5)).toEqual({
      width: 800 / 1.5,
      height: 600 / 1.5,
      pixelated: true,
    });
    // A box exactly the guest's device size: 1×, pixelated (no resampling).
    expect(displaySize(721, 401, 721 / 1.5, 401 / 1.5, 1.5)).toEqual({
      width: 721 / 1.5,
      height: 401 / 1.5,
      pixelated: true,
    });
    // Room for 1.25 device px per guest pixel: 1×, crisp, never a fractional enlargement.
    expect(displaySize(800, 600, 1000, 750, 1)).toEqual({
      width: 800,
      height: 600,
      pixelated: true,
    });
    // Room for 2.8 (a 720×400 console in a 1012×460 box at 2×): 2 device px per guest pixel.
    expect(displaySize(720, 400, 1012, 460, 2)).toEqual({
      width: 720,
      height: 400,
      pixelated: true,
    });
    // Shrinking is always smooth.
    expect(displaySize(1920, 1080, 480, 270, 2).pixelated).toBe(false);
    // …but a 960×540 CSS box at 2× is 1920×1080 device pixels: 1×.
    expect(displaySize(1920, 1080, 960, 540, 2).pixelated).toBe(true);
  });
});

describe("pointerPosition at every scale", () => {
  /** Every guest column's first device pixel, middle and last device pixel map to it. */
  function checkColumns(fb: number, cssSize: number, dpr: number, left: number) {
    const devicePerGuest = (cssSize * dpr) / fb;
    for (let x = 0; x < fb; x++) {
      const starts = (x * devicePerGuest) / dpr;
      const ends = ((x + 1) * devicePerGuest - 0.25) / dpr;
      for (const at of [starts, (starts + ends) / 2, ends]) {
        const got = pointerPosition(
          left + at,
          0,
          { left, top: 0, width: cssSize, height: 1 },
          fb,
          1,
        );
        if (got.x !== x)
          throw new Error(`dpr ${dpr} fb ${fb}: offset ${at} gave ${got.x}, not ${x}`);
      }
    }
  }

  it.each(RATIOS)("maps each device pixel to its guest pixel at 1:1 and %s×", (dpr) => {
    for (const [w, h] of ODD_SIZES) {
      const size = displaySize(w, h, 0, 0, dpr, "actual");
      checkColumns(w, size.width, dpr, 10.5);
      checkColumns(h, size.height, dpr, 3);
    }
  });

  it.each(RATIOS)("maps guest pixels exactly when fitted at %s×", (dpr) => {
    for (const [w, h] of ODD_SIZES) {
      for (const box of [500, 1500, 2222]) {
        const size = displaySize(w, h, box, box, dpr);
        checkColumns(w, size.width, dpr, 7.25);
        checkColumns(h, size.height, dpr, 0);
      }
    }
  });

  it.each(RATIOS)("maps the edges to 0 and size-1 at %s×", (dpr) => {
    for (const [w, h] of ODD_SIZES) {
      for (const mode of ["fit", "actual"] as const) {
        const size = displaySize(w, h, 640, 480, dpr, mode);
        const box = { left: 20, top: 40, width: size.width, height: size.height };
        expect(pointerPosition(20, 40, box, w, h)).toEqual({ x: 0, y: 0 });
        expect(pointerPosition(20 + size.width, 40 + size.height, box, w, h)).toEqual({
          x: w - 1,
          y: h - 1,
        });
        if (mode === "actual") {
          // The last device pixel is the last guest pixel.
          expect(
            pointerPosition(20 + size.width - 1 / dpr, 40 + size.height - 1 / dpr, box, w, h),
          ).toEqual({ x: w - 1, y: h - 1 });
        }
        // Outside the canvas (pointer captured while dragging): clamped.
        expect(pointerPosition(0, 0, box, w, h)).toEqual({ x: 0, y: 0 });
        expect(pointerPosition(5000, 5000, box, w, h)).toEqual({ x: w - 1, y: h - 1 });
      }
    }
  });
});
