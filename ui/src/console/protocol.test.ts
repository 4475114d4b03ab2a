import { describe, expect, it } from "vitest";
import {
  displaySize,
  encodeClosed,
  encodeCursor,
  encodeFrame,
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

describe("parseConsoleMessage", () => {
  it("parses a frame with two rects, with their pixel offsets", () => {
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
        { x: 1, y: 2, w: 2, h: 1, offset: 19 },
        { x: 300, y: 400, w: 1, h: 3, offset: 19 + 8 + 8 },
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
