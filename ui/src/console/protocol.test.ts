import { describe, expect, it } from "vitest";
import {
  type ConsoleRect,
  decodeRect,
  displaySize,
  ENCODING_PALETTE,
  ENCODING_RAW,
  type EncodeRect,
  encodeClosed,
  encodeCursor,
  encodeFrame,
  encodeSurface,
  MSG_FRAME,
  MSG_FRAME_PART,
  parseConsoleMessage,
  pointerPosition,
  RFB_LEFT,
  RFB_MIDDLE,
  RFB_RIGHT,
  RFB_WHEEL_DOWN,
  RFB_WHEEL_UP,
  rfbButtons,
  wheelBit,
} from "./protocol";

const RAW = { encoding: "raw", colorsOffset: 0, colors: 0, bits: 0 } as const;

describe("parseConsoleMessage", () => {
  it("parses a frame with two raw rects, with their pixel offsets", () => {
    const first = new Uint8Array(2 * 1 * 4).fill(7);
    const second = new Uint8Array(1 * 3 * 4).fill(9);
    const buf = encodeFrame(
      640,
      480,
      [
        { x: 1, y: 2, w: 2, h: 1, rgba: first },
        { x: 300, y: 400, w: 1, h: 3, rgba: second },
      ],
      70000,
    );
    const message = parseConsoleMessage(buf);
    expect(message).toEqual({
      kind: "frame",
      width: 640,
      height: 480,
      updates: 70000,
      end: true,
      rects: [
        { ...RAW, x: 1, y: 2, w: 2, h: 1, offset: 20 },
        { ...RAW, x: 300, y: 400, w: 1, h: 3, offset: 20 + 8 + 9 },
      ],
    });
    if (message.kind !== "frame") throw new Error("not a frame");
    const [a, b] = message.rects;
    expect([...new Uint8Array(buf, a.offset, 8)]).toEqual([...first]);
    expect([...new Uint8Array(buf, b.offset, 12)]).toEqual([...second]);
    expect(b.offset + 12).toBe(buf.byteLength);
  });

  it("reads little-endian sizes", () => {
    const message = parseConsoleMessage(encodeFrame(1920, 1080, []));
    expect(message).toEqual({
      kind: "frame",
      width: 1920,
      height: 1080,
      updates: 0,
      end: true,
      rects: [],
    });
  });

  it("parses an empty frame", () => {
    const buf = encodeFrame(800, 600, []);
    expect(buf.byteLength).toBe(11);
    expect(parseConsoleMessage(buf)).toEqual({
      kind: "frame",
      width: 800,
      height: 600,
      updates: 0,
      end: true,
      rects: [],
    });
  });

  it("parses a frame part as a frame that does not end", () => {
    const buf = encodeFrame(4, 2, [{ x: 0, y: 0, w: 1, h: 1 }], 3, MSG_FRAME_PART);
    expect(parseConsoleMessage(buf)).toMatchObject({ kind: "frame", end: false, updates: 3 });
  });

  it("throws a clear error for a truncated header", () => {
    const buf = encodeFrame(800, 600, []).slice(0, 9);
    expect(() => parseConsoleMessage(buf)).toThrow(/Truncated console frame: 9 bytes/);
  });

  it("parses a cursor with its hotspot and pixels, and refuses a truncated one", () => {
    const rgba = new Uint8Array(3 * 2 * 4).fill(5);
    const buf = encodeCursor(3, 2, 1, 0, rgba);
    expect(parseConsoleMessage(buf)).toEqual({
      kind: "cursor",
      width: 3,
      height: 2,
      hotX: 1,
      hotY: 0,
      offset: 9,
    });
    expect(() => parseConsoleMessage(buf.slice(0, buf.byteLength - 1))).toThrow(
      /Truncated cursor message: 3×2 needs 33 bytes/,
    );
    expect(() => parseConsoleMessage(buf.slice(0, 4))).toThrow(/Truncated cursor message/);
    expect(parseConsoleMessage(encodeCursor(0, 0, 0, 0))).toMatchObject({ width: 0, height: 0 });
  });

  it("throws a clear error for truncated pixels instead of reading past the end", () => {
    const whole = encodeFrame(10, 10, [{ x: 0, y: 0, w: 2, h: 2 }]);
    expect(() => parseConsoleMessage(whole.slice(0, whole.byteLength - 1))).toThrow(
      /Truncated console frame: rect 1 of 1 \(2×2\) needs 16 bytes/,
    );
  });

  it("throws when the rect count promises more rects than the message holds", () => {
    const buf = encodeFrame(10, 10, [{ x: 0, y: 0, w: 1, h: 1 }]);
    new DataView(buf).setUint16(5, 2, true);
    expect(() => parseConsoleMessage(buf)).toThrow(/rect 2 of 2 header/);
  });

  it("throws for an empty message and an unknown kind", () => {
    expect(() => parseConsoleMessage(new ArrayBuffer(0))).toThrow(/empty/);
    expect(() => parseConsoleMessage(new Uint8Array([9]).buffer)).toThrow(/Unknown .* kind 9/);
  });

  it("parses closed with its UTF-8 reason", () => {
    expect(parseConsoleMessage(encodeClosed("guest shut down — bye"))).toEqual({
      kind: "closed",
      reason: "guest shut down — bye",
    });
    expect(parseConsoleMessage(new Uint8Array([2]).buffer)).toEqual({ kind: "closed", reason: "" });
  });
});

const BACKGROUND = [9, 8, 7, 6];

/** `n` distinct colours as palette bytes, RGBA. */
function paletteOf(n: number): Uint8Array {
  const bytes = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) bytes.set([i * 15 + 1, 255 - i * 13, (i * 77) & 255, 200 + i], i * 4);
  return bytes;
}

/** Every index of `n` appears, in no simple pattern. */
const indicesFor = (w: number, h: number, n: number) =>
  Array.from({ length: w * h }, (_, i) => (i * 7 + Math.floor(i / w) * 3) % n);

/** A `width`×`height` RGBA screen of BACKGROUND. */
function blankScreen(width: number, height: number): Uint8Array {
  const bytes = new Uint8Array(width * height * 4);
  for (let i = 0; i < bytes.length; i += 4) bytes.set(BACKGROUND, i);
  return bytes;
}

/** What the screen must hold after `rects`, pixel by pixel, clipped to it. */
function expectedScreen(width: number, height: number, rects: EncodeRect[]): number[] {
  const out = blankScreen(width, height);
  for (const r of rects) {
    for (let row = 0; row < r.h; row++) {
      for (let col = 0; col < r.w; col++) {
        const [x, y] = [r.x + col, r.y + row];
        if (x >= width || y >= height) continue;
        const i = row * r.w + col;
        const color = r.palette
          ? r.palette.subarray((r.indices?.[i] ?? 0) * 4, (r.indices?.[i] ?? 0) * 4 + 4)
          : (r.rgba ?? new Uint8Array(r.w * r.h * 4)).subarray(i * 4, i * 4 + 4);
        out.set(color, (y * width + x) * 4);
      }
    }
  }
  return [...out];
}

function frameRects(buf: ArrayBuffer): ConsoleRect[] {
  const message = parseConsoleMessage(buf);
  if (message.kind !== "frame") throw new Error("not a frame");
  return message.rects;
}

/** Parses `buf` and decodes its rects, in order, into a blank screen; returns its bytes. */
function decodeAll(buf: ArrayBuffer, width: number, height: number): Uint8Array {
  const bytes = blankScreen(width, height);
  const dest = new Uint32Array(bytes.buffer);
  for (const rect of frameRects(buf)) decodeRect(buf, rect, dest, width, height);
  return bytes;
}

describe("surface messages", () => {
  it("parse the bytes the backend sends", () => {
    // The same bytes as vireo-vnc's stream test `surface_counters_are_little_endian_after_the_size`.
    const bytes = new Uint8Array([5, 0x80, 0x07, 0x38, 0x04, 4, 3, 2, 1, 7, 0, 0, 0]);
    expect(parseConsoleMessage(bytes.buffer)).toEqual({
      kind: "surface",
      width: 1920,
      height: 1080,
      painted: 0x01020304,
      updates: 7,
    });
    expect(parseConsoleMessage(encodeSurface(720, 400, 5, 6))).toEqual({
      kind: "surface",
      width: 720,
      height: 400,
      painted: 5,
      updates: 6,
    });
  });

  it("of the wrong length are refused", () => {
    expect(() => parseConsoleMessage(new Uint8Array([5, 0, 0]).buffer)).toThrow(/13/);
    expect(() => parseConsoleMessage(new Uint8Array(14).fill(5).buffer)).toThrow(/13/);
  });
});

describe("palette rects", () => {
  const cases = [1, 2, 3, 4, 5, 9, 16].flatMap((n) => [5, 13, 64, 67].map((w) => [n, w]));

  it.each(cases)("decodes %i colours at width %i exactly, each row padded to a byte", (n, w) => {
    const h = 3;
    const rect = { x: 1, y: 2, w, h, palette: paletteOf(n), indices: indicesFor(w, h, n) };
    const buf = encodeFrame(w + 3, 6, [rect]);
    const bits = n === 1 ? 0 : n === 2 ? 1 : n <= 4 ? 2 : 4;
    const stride = Math.ceil((w * bits) / 8);
    expect(buf.byteLength).toBe(11 + 9 + 1 + n * 4 + stride * h);
    expect(new Uint8Array(buf)[19]).toBe(ENCODING_PALETTE);
    expect(frameRects(buf)).toEqual([
      {
        x: 1,
        y: 2,
        w,
        h,
        encoding: "palette",
        colorsOffset: 21,
        colors: n,
        bits,
        offset: 21 + n * 4,
      },
    ]);
    expect([...decodeAll(buf, w + 3, 6)]).toEqual(expectedScreen(w + 3, 6, [rect]));
  });

  it("packs indices most significant bits first, each row starting on a byte", () => {
    const packed = (n: number, w: number, h: number, indices: number[]) => {
      const buf = encodeFrame(w, h, [{ x: 0, y: 0, w, h, palette: paletteOf(n), indices }]);
      return [...new Uint8Array(buf, frameRects(buf)[0].offset)];
    };
    expect(packed(2, 5, 2, [1, 0, 1, 1, 0, 0, 1, 0, 0, 1])).toEqual([0b1011_0000, 0b0100_1000]);
    expect(packed(3, 3, 1, [2, 1, 0])).toEqual([0b10_01_00_00]);
    expect(packed(5, 3, 2, [4, 0, 3, 1, 15 % 5, 2])).toEqual([0x40, 0x30, 0x10, 0x20]);
  });

  it("decodes a message built by hand, ignoring the padding bits", () => {
    const red = [255, 0, 0, 255];
    const green = [0, 255, 0, 255];
    const blue = [0, 0, 255, 128];
    // 3×1, 3 colours, 2 bits: indices 2, 1, 0, then padding 0b11 (no colour, never read).
    const buf = new Uint8Array([
      ...[MSG_FRAME, 3, 0, 1, 0, 1, 0, 0, 0, 0, 0],
      ...[0, 0, 0, 0, 3, 0, 1, 0, ENCODING_PALETTE, 3],
      ...red,
      ...green,
      ...blue,
      0b10_01_00_11,
    ]).buffer;
    expect([...decodeAll(buf, 3, 1)]).toEqual([...blue, ...green, ...red]);
  });

  it("fills a single-colour rect with no index bytes", () => {
    const rect = { x: 0, y: 0, w: 640, h: 480, palette: new Uint8Array([1, 2, 3, 4]) };
    const buf = encodeFrame(640, 480, [rect]);
    expect(buf.byteLength).toBe(11 + 9 + 1 + 4);
    const screen = decodeAll(buf, 640, 480);
    expect(new Set(new Uint32Array(screen.buffer)).size).toBe(1);
    expect([...screen.subarray(-4)]).toEqual([1, 2, 3, 4]);
  });

  it("decodes raw rects row by row into a wider screen", () => {
    const rgba = Uint8Array.from({ length: 3 * 2 * 4 }, (_, i) => i + 1);
    const rect = { x: 2, y: 1, w: 3, h: 2, rgba };
    const buf = encodeFrame(7, 4, [rect]);
    expect(new Uint8Array(buf)[19]).toBe(ENCODING_RAW);
    expect([...decodeAll(buf, 7, 4)]).toEqual(expectedScreen(7, 4, [rect]));
  });

  it("decodes a frame mixing raw, palette and solid rects, in order", () => {
    const rects: EncodeRect[] = [
      { x: 0, y: 0, w: 4, h: 3, rgba: Uint8Array.from({ length: 48 }, (_, i) => 100 + i) },
      { x: 2, y: 1, w: 5, h: 2, palette: paletteOf(3), indices: indicesFor(5, 2, 3) },
      { x: 6, y: 0, w: 2, h: 4, palette: paletteOf(1) },
      { x: 1, y: 2, w: 13, h: 2, palette: paletteOf(11), indices: indicesFor(13, 2, 11) },
    ];
    const buf = encodeFrame(14, 4, rects);
    const parsed = frameRects(buf);
    expect(parsed.map((r) => [r.encoding, r.colors, r.bits])).toEqual([
      ["raw", 0, 0],
      ["palette", 3, 2],
      ["palette", 1, 0],
      ["palette", 11, 4],
    ]);
    // Each rect starts where the one before ends.
    expect(parsed[1].colorsOffset).toBe(20 + 48 + 9 + 1);
    expect(parsed[2].colorsOffset).toBe(parsed[1].offset + 2 * 2 + 9 + 1);
    expect(parsed[3].colorsOffset).toBe(parsed[2].offset + 9 + 1);
    expect(parsed[3].offset + 7 * 2).toBe(buf.byteLength);
    expect([...decodeAll(buf, 14, 4)]).toEqual(expectedScreen(14, 4, rects));
  });

  it("clips rects to the screen, and skips those outside it", () => {
    const rects: EncodeRect[] = [
      { x: 4, y: 2, w: 4, h: 3, rgba: Uint8Array.from({ length: 48 }, (_, i) => i) },
      { x: 3, y: 3, w: 5, h: 2, palette: paletteOf(3), indices: indicesFor(5, 2, 3) },
      { x: 5, y: 0, w: 10, h: 10, palette: paletteOf(1) },
      { x: 6, y: 0, w: 2, h: 2, palette: paletteOf(2), indices: [1, 1, 1, 1] },
      { x: 0, y: 4, w: 2, h: 2, rgba: new Uint8Array(16).fill(1) },
    ];
    const buf = encodeFrame(6, 4, rects);
    const screen = decodeAll(buf, 6, 4);
    expect([...screen]).toEqual(expectedScreen(6, 4, rects));
    // Screen's last column: the solid rect, clipped to 1×4.
    expect([...screen.subarray(5 * 4, 6 * 4)]).toEqual([...paletteOf(1)]);
  });
});

describe("corrupt or truncated rects", () => {
  const solid = () => encodeFrame(4, 4, [{ x: 0, y: 0, w: 2, h: 2, palette: paletteOf(1) }]);

  it("refuses a palette of 0 or more than 16 colours", () => {
    for (const n of [0, 17, 255]) {
      const buf = solid();
      new DataView(buf).setUint8(20, n);
      expect(() => parseConsoleMessage(buf)).toThrow(
        new RegExp(`Corrupt console frame: rect 1 of 1 \\(2×2\\) has a palette of ${n} colours`),
      );
    }
  });

  it("refuses an unknown encoding", () => {
    for (const encoding of [2, 255]) {
      const buf = solid();
      new DataView(buf).setUint8(19, encoding);
      expect(() => parseConsoleMessage(buf)).toThrow(
        new RegExp(`rect 1 of 1 has unknown encoding ${encoding}`),
      );
    }
  });

  it("throws for a palette rect cut anywhere, instead of reading past the end", () => {
    const w = 2;
    const buf = encodeFrame(4, 4, [
      { x: 0, y: 0, w, h: 2, palette: paletteOf(3), indices: [0, 1, 2, 0] },
    ]);
    expect(buf.byteLength).toBe(11 + 9 + 1 + 12 + 2);
    expect(() => parseConsoleMessage(buf.slice(0, 20))).toThrow(
      /Truncated console frame: rect 1 of 1 \(2×2\) needs its palette size at byte 20, message is 20 bytes/,
    );
    for (const length of [21, 25, 32]) {
      expect(() => parseConsoleMessage(buf.slice(0, length))).toThrow(
        new RegExp(
          `Truncated console frame: rect 1 of 1 \\(2×2, 3 colours\\) needs 15 bytes at byte 20, message is ${length} bytes`,
        ),
      );
    }
    // The indices: the palette is whole, the last row is not.
    expect(() => parseConsoleMessage(buf.slice(0, 34))).toThrow(/needs 15 bytes .* 34 bytes/);
    expect(() => parseConsoleMessage(buf)).not.toThrow();
  });

  it("throws for a truncated rect after a whole one", () => {
    const buf = encodeFrame(4, 4, [
      { x: 0, y: 0, w: 1, h: 1, palette: paletteOf(1) },
      { x: 0, y: 0, w: 3, h: 1, palette: paletteOf(16), indices: [15, 14, 13] },
    ]);
    expect(() => parseConsoleMessage(buf.slice(0, buf.byteLength - 1))).toThrow(
      /rect 2 of 2 \(3×1, 16 colours\) needs 67 bytes at byte 34/,
    );
  });

  it("throws for an index past the palette, having written only valid colours", () => {
    for (const [n, bad] of [
      [3, 3],
      [5, 15],
      [9, 9],
    ]) {
      const buf = encodeFrame(4, 1, [
        { x: 0, y: 0, w: 4, h: 1, palette: paletteOf(n), indices: [0, n - 1, bad, 1] },
      ]);
      const [rect] = frameRects(buf);
      const screen = blankScreen(4, 1);
      expect(() => decodeRect(buf, rect, new Uint32Array(screen.buffer), 4, 1)).toThrow(
        new RegExp(
          `Corrupt console frame: the 4×1 rect at \\(0, 0\\) has palette index ${bad}, it has ${n} colours`,
        ),
      );
      const palette = paletteOf(n);
      expect([...screen]).toEqual([
        ...palette.subarray(0, 4),
        ...palette.subarray((n - 1) * 4, n * 4),
        ...BACKGROUND,
        ...BACKGROUND,
      ]);
    }
  });
});

describe("pointerPosition", () => {
  const box = { left: 100, top: 50, width: 400, height: 300 };

  it("scales from the CSS box to framebuffer pixels", () => {
    expect(pointerPosition(100, 50, box, 800, 600)).toEqual({ x: 0, y: 0 });
    expect(pointerPosition(300, 200, box, 800, 600)).toEqual({ x: 400, y: 300 });
    expect(pointerPosition(101, 51, box, 800, 600)).toEqual({ x: 2, y: 2 });
  });

  it("scales down when the canvas is shown larger than its pixels", () => {
    expect(pointerPosition(300, 200, box, 200, 150)).toEqual({ x: 100, y: 75 });
  });

  it("clamps to 0..size-1", () => {
    expect(pointerPosition(500, 350, box, 800, 600)).toEqual({ x: 799, y: 599 });
    expect(pointerPosition(0, 0, box, 800, 600)).toEqual({ x: 0, y: 0 });
    expect(pointerPosition(9999, -5, box, 800, 600)).toEqual({ x: 799, y: 0 });
  });
});

describe("button masks", () => {
  it("maps DOM buttons (left 1, right 2, middle 4) to RFB (left 1, middle 2, right 4)", () => {
    expect(rfbButtons(0)).toBe(0);
    expect(rfbButtons(1)).toBe(RFB_LEFT);
    expect(rfbButtons(2)).toBe(RFB_RIGHT);
    expect(rfbButtons(4)).toBe(RFB_MIDDLE);
    expect(rfbButtons(1 | 2 | 4)).toBe(7);
    expect(rfbButtons(8 | 16)).toBe(0); // back/forward: not in RFB
  });

  it("maps the wheel direction to bits 3 and 4", () => {
    expect(wheelBit(-3)).toBe(RFB_WHEEL_UP);
    expect(RFB_WHEEL_UP).toBe(8);
    expect(wheelBit(120)).toBe(RFB_WHEEL_DOWN);
    expect(RFB_WHEEL_DOWN).toBe(16);
    expect(wheelBit(0)).toBe(0);
  });
});

describe("displaySize", () => {
  it("scales down to fit, smoothly, keeping the aspect ratio", () => {
    expect(displaySize(1920, 1080, 960, 1000)).toEqual({
      width: 960,
      height: 540,
      pixelated: false,
    });
  });

  it("scales up by a whole factor of 2 or more, pixelated", () => {
    expect(displaySize(640, 480, 2000, 1500)).toEqual({
      width: 1920,
      height: 1440,
      pixelated: true,
    });
  });

  it("never enlarges by a fraction: room for 1.5× shows 1×", () => {
    expect(displaySize(800, 600, 1200, 900)).toEqual({
      width: 800,
      height: 600,
      pixelated: true,
    });
  });

  it("counts device pixels on HiDPI screens", () => {
    // 1.5 CSS px per guest pixel is 3 device px at 2×: a whole factor, so pixelated.
    expect(displaySize(800, 600, 1200, 900, 2)).toEqual({
      width: 1200,
      height: 900,
      pixelated: true,
    });
  });

  it("leaves the size alone while the box is unmeasured", () => {
    expect(displaySize(800, 600, 0, 0)).toEqual({ width: 800, height: 600, pixelated: false });
  });
});
