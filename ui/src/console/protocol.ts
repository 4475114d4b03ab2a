/**
 * The console stream's binary messages (parsed, their rects decoded into an RGBA framebuffer,
 * encoded for tests) and the input helpers: pure, no DOM needed.
 *
 * Messages, little-endian, by their first byte: FRAME and FRAME_PART (u16 width, height, rect
 * count, u32 updates, then each rect: u16 x, y, w, h, u8 encoding and its data, RAW RGBA pixels
 * or a PALETTE), CURSOR (u16 width, height, hotspot x, y, RGBA pixels), CLOSED (a UTF-8 reason).
 */

export const MSG_FRAME = 1;
export const MSG_CLOSED = 2;
export const MSG_CURSOR = 3;
/** Part of a large frame, laid out as a FRAME; the FRAME that follows ends it. */
export const MSG_FRAME_PART = 4;
/**
 * The native surface paints the screen (outside the page): its size, frames painted so far and
 * the server's update count.
 */
export const MSG_SURFACE = 5;

/** Rect encodings: RGBA pixels, or a palette of 1 to 16 colours and packed indices. */
export const ENCODING_RAW = 0;
export const ENCODING_PALETTE = 1;

/**
 * One updated rectangle. RAW: `w * h * 4` bytes of RGBA pixels at `offset`. PALETTE: `colors`
 * RGBA colours at `colorsOffset`, then at `offset` `h` rows of `bits`-bit indices, each row
 * starting on a byte; `bits` is 0 for a single colour (a solid fill, no indices). For RAW,
 * `colorsOffset`, `colors` and `bits` are 0.
 */
export interface ConsoleRect {
  x: number;
  y: number;
  w: number;
  h: number;
  encoding: "raw" | "palette";
  offset: number;
  colorsOffset: number;
  colors: number;
  bits: number;
}

export type ConsoleMessage =
  | {
      kind: "frame";
      width: number;
      height: number;
      /** Server updates with changed content so far (the page compares it with its paints). */
      updates: number;
      /** False for a FRAME_PART: more of this frame follows. */
      end: boolean;
      rects: ConsoleRect[];
    }
  | { kind: "closed"; reason: string }
  /** The guest's pointer image: RGBA pixels at `offset`; 0×0 hides it. */
  | { kind: "cursor"; width: number; height: number; hotX: number; hotY: number; offset: number }
  | { kind: "surface"; width: number; height: number; painted: number; updates: number };

const FRAME_HEADER = 11; // kind, u16 width, u16 height, u16 rect count, u32 updates
const RECT_HEADER = 9; // u16 x, y, w, h, u8 encoding
const CURSOR_HEADER = 9; // kind, u16 width, height, hotspot x, hotspot y
const SURFACE_SIZE = 13; // kind, u16 width, height, u32 painted, updates
const MAX_COLORS = 16;

/** Bits per palette index for `colors` colours: 0 (a solid fill), 1, 2 or 4. */
function indexBits(colors: number): number {
  if (colors <= 1) return 0;
  if (colors === 2) return 1;
  return colors <= 4 ? 2 : 4;
}

/** Bytes of one row of indices: rows start on a byte boundary. */
const rowBytes = (w: number, bits: number) => Math.ceil((w * bits) / 8);

/**
 * Parses one message (little-endian). Throws a descriptive Error for an empty, unknown, corrupt
 * or truncated message; never reads past the buffer. (A rect outside the framebuffer is
 * allowed: decoding clips it. Palette indices are checked by `decodeRect`.)
 */
export function parseConsoleMessage(buf: ArrayBuffer): ConsoleMessage {
  const view = new DataView(buf);
  if (buf.byteLength < 1) throw new Error("Console message is empty");
  const kind = view.getUint8(0);
  if (kind === MSG_CLOSED) {
    return { kind: "closed", reason: new TextDecoder().decode(new Uint8Array(buf, 1)) };
  }
  if (kind === MSG_CURSOR) {
    if (buf.byteLength < CURSOR_HEADER) {
      throw new Error(`Truncated cursor message: ${buf.byteLength} bytes`);
    }
    const width = view.getUint16(1, true);
    const height = view.getUint16(3, true);
    if (buf.byteLength < CURSOR_HEADER + width * height * 4) {
      throw new Error(
        `Truncated cursor message: ${width}×${height} needs ${CURSOR_HEADER + width * height * 4} bytes, message is ${buf.byteLength} bytes`,
      );
    }
    return {
      kind: "cursor",
      width,
      height,
      hotX: view.getUint16(5, true),
      hotY: view.getUint16(7, true),
      offset: CURSOR_HEADER,
    };
  }
  if (kind === MSG_SURFACE) {
    if (buf.byteLength !== SURFACE_SIZE) {
      throw new Error(`Surface message is ${buf.byteLength} bytes, not ${SURFACE_SIZE}`);
    }
    return {
      kind: "surface",
      width: view.getUint16(1, true),
      height: view.getUint16(3, true),
      painted: view.getUint32(5, true),
      updates: view.getUint32(9, true),
    };
  }
  if (kind !== MSG_FRAME && kind !== MSG_FRAME_PART) {
    throw new Error(`Unknown console message kind ${kind}`);
  }
  const length = buf.byteLength;
  if (length < FRAME_HEADER) {
    throw new Error(`Truncated console frame: ${length} bytes, the header needs ${FRAME_HEADER}`);
  }
  const width = view.getUint16(1, true);
  const height = view.getUint16(3, true);
  const count = view.getUint16(5, true);
  const updates = view.getUint32(7, true);
  const rects: ConsoleRect[] = [];
  let at = FRAME_HEADER;
  for (let i = 0; i < count; i++) {
    const which = `rect ${i + 1} of ${count}`;
    if (at + RECT_HEADER > length) {
      throw new Error(
        `Truncated console frame: ${which} header at byte ${at}, message is ${length} bytes`,
      );
    }
    const x = view.getUint16(at, true);
    const y = view.getUint16(at + 2, true);
    const w = view.getUint16(at + 4, true);
    const h = view.getUint16(at + 6, true);
    const encoding = view.getUint8(at + 8);
    at += RECT_HEADER;
    if (encoding === ENCODING_RAW) {
      const size = w * h * 4;
      if (at + size > length) {
        throw new Error(
          `Truncated console frame: ${which} (${w}×${h}) needs ${size} bytes at byte ${at}, message is ${length} bytes`,
        );
      }
      rects.push({ x, y, w, h, encoding: "raw", offset: at, colorsOffset: 0, colors: 0, bits: 0 });
      at += size;
    } else if (encoding === ENCODING_PALETTE) {
      if (at + 1 > length) {
        throw new Error(
          `Truncated console frame: ${which} (${w}×${h}) needs its palette size at byte ${at}, message is ${length} bytes`,
        );
      }
      const colors = view.getUint8(at);
      if (colors < 1 || colors > MAX_COLORS) {
        throw new Error(
          `Corrupt console frame: ${which} (${w}×${h}) has a palette of ${colors} colours, 1 to ${MAX_COLORS} allowed`,
        );
      }
      const colorsOffset = at + 1;
      const bits = indexBits(colors);
      const offset = colorsOffset + colors * 4;
      const size = colors * 4 + 1 + rowBytes(w, bits) * h;
      if (at + size > length) {
        throw new Error(
          `Truncated console frame: ${which} (${w}×${h}, ${colors} colours) needs ${size} bytes at byte ${at}, message is ${length} bytes`,
        );
      }
      rects.push({ x, y, w, h, encoding: "palette", offset, colorsOffset, colors, bits });
      at += size;
    } else {
      throw new Error(`Corrupt console frame: ${which} has unknown encoding ${encoding}`);
    }
  }
  return { kind: "frame", width, height, updates, end: kind === MSG_FRAME, rects };
}

/**
 * Decodes a parsed rect of the message `buf` into `dest`, a `destWidth`×`destHeight` RGBA
 * framebuffer viewed as one u32 per pixel; what falls outside it is clipped (and its indices not
 * looked at). Throws for a palette index past the palette, having written only valid colours.
 */
export function decodeRect(
  buf: ArrayBuffer,
  rect: ConsoleRect,
  dest: Uint32Array,
  destWidth: number,
  destHeight: number,
): void {
  const { x, y, w, h, offset } = rect;
  const width = Math.min(w, destWidth - x);
  const height = Math.min(h, destHeight - y);
  if (width <= 0 || height <= 0) return;
  if (rect.encoding === "raw") {
    const bytes = new Uint8Array(dest.buffer, dest.byteOffset, dest.byteLength);
    const src = new Uint8Array(buf);
    for (let row = 0; row < height; row++) {
      const from = offset + row * w * 4;
      bytes.set(src.subarray(from, from + width * 4), ((y + row) * destWidth + x) * 4);
    }
    return;
  }
  const colors = rect.colors;
  // A copy of the RGBA bytes viewed as u32: the same byte order as `dest`, whatever the host's.
  const palette = new Uint32Array(buf.slice(rect.colorsOffset, rect.colorsOffset + colors * 4));
  if (rect.bits === 0) {
    const color = palette[0];
    for (let row = 0; row < height; row++) {
      const start = (y + row) * destWidth + x;
      dest.fill(color, start, start + width);
    }
    return;
  }
  const bits = rect.bits;
  const stride = rowBytes(w, bits);
  const src = new Uint8Array(buf, offset, stride * h);
  if (bits === 1) {
    // Text is two colours a tile: a loop of its own, with no index to check, is 40 % faster.
    const zero = palette[0];
    const one = palette[1];
    for (let row = 0; row < height; row++) {
      let at = row * stride;
      let to = (y + row) * destWidth + x;
      const end = to + width;
      while (to < end) {
        let byte = src[at++];
        const stop = Math.min(end, to + 8);
        while (to < stop) {
          dest[to++] = byte & 0x80 ? one : zero;
          byte <<= 1;
        }
      }
    }
    return;
  }
  const perByte = 8 / bits;
  const down = 8 - bits;
  const mask = (1 << bits) - 1;
  for (let row = 0; row < height; row++) {
    let at = row * stride;
    let to = (y + row) * destWidth + x;
    const end = to + width;
    while (to < end) {
      let byte = src[at++];
      const stop = Math.min(end, to + perByte);
      // The first pixel is in the high bits.
      while (to < stop) {
        const index = (byte >> down) & mask;
        if (index >= colors) {
          throw new Error(
            `Corrupt console frame: the ${w}×${h} rect at (${x}, ${y}) has palette index ${index}, it has ${colors} colours`,
          );
        }
        dest[to++] = palette[index];
        byte <<= bits;
      }
    }
  }
}

/**
 * A rect for `encodeFrame`: RAW with `rgba` (zeros without), or PALETTE with `palette` (RGBA
 * bytes, 4 per colour) and `indices` (one per pixel, row by row; none for a single colour).
 */
export interface EncodeRect {
  x: number;
  y: number;
  w: number;
  h: number;
  rgba?: Uint8Array;
  palette?: Uint8Array;
  indices?: ArrayLike<number>;
}

function encodedSize(r: EncodeRect): number {
  if (!r.palette) return RECT_HEADER + r.w * r.h * 4;
  const colors = r.palette.length / 4;
  return RECT_HEADER + 1 + r.palette.length + rowBytes(r.w, indexBits(colors)) * r.h;
}

/** For tests and the fake backend: encodes a FRAME message (or a FRAME_PART, by `kind`). */
export function encodeFrame(
  width: number,
  height: number,
  rects: EncodeRect[],
  updates = 0,
  kind = MSG_FRAME,
): ArrayBuffer {
  const size = rects.reduce((sum, r) => sum + encodedSize(r), FRAME_HEADER);
  const buf = new ArrayBuffer(size);
  const view = new DataView(buf);
  const bytes = new Uint8Array(buf);
  view.setUint8(0, kind);
  view.setUint16(1, width, true);
  view.setUint16(3, height, true);
  view.setUint16(5, rects.length, true);
  view.setUint32(7, updates, true);
  let at = FRAME_HEADER;
  for (const r of rects) {
    view.setUint16(at, r.x, true);
    view.setUint16(at + 2, r.y, true);
    view.setUint16(at + 4, r.w, true);
    view.setUint16(at + 6, r.h, true);
    view.setUint8(at + 8, r.palette ? ENCODING_PALETTE : ENCODING_RAW);
    at += RECT_HEADER;
    if (!r.palette) {
      if (r.rgba) bytes.set(r.rgba.subarray(0, r.w * r.h * 4), at);
      at += r.w * r.h * 4;
      continue;
    }
    const colors = r.palette.length / 4;
    view.setUint8(at, colors);
    bytes.set(r.palette, at + 1);
    at += 1 + r.palette.length;
    const bits = indexBits(colors);
    if (bits === 0) continue;
    const stride = rowBytes(r.w, bits);
    const indices = r.indices ?? [];
    for (let row = 0; row < r.h; row++) {
      for (let col = 0; col < r.w; col++) {
        const index = (indices[row * r.w + col] ?? 0) & ((1 << bits) - 1);
        const bit = col * bits;
        bytes[at + (bit >> 3)] |= index << (8 - bits - (bit & 7));
      }
      at += stride;
    }
  }
  return buf;
}

/** For tests and the fake backend: encodes a CURSOR message. */
export function encodeCursor(
  width: number,
  height: number,
  hotX: number,
  hotY: number,
  rgba = new Uint8Array(width * height * 4),
): ArrayBuffer {
  const buf = new ArrayBuffer(CURSOR_HEADER + width * height * 4);
  const view = new DataView(buf);
  view.setUint8(0, MSG_CURSOR);
  view.setUint16(1, width, true);
  view.setUint16(3, height, true);
  view.setUint16(5, hotX, true);
  view.setUint16(7, hotY, true);
  new Uint8Array(buf).set(rgba.subarray(0, width * height * 4), CURSOR_HEADER);
  return buf;
}

/** For tests and the fake backend: encodes a CLOSED message. */
/** A SURFACE message, as the backend sends it (for tests). */
export function encodeSurface(
  width: number,
  height: number,
  painted: number,
  updates: number,
): ArrayBuffer {
  const buf = new ArrayBuffer(SURFACE_SIZE);
  const view = new DataView(buf);
  view.setUint8(0, MSG_SURFACE);
  view.setUint16(1, width, true);
  view.setUint16(3, height, true);
  view.setUint32(5, painted, true);
  view.setUint32(9, updates, true);
  return buf;
}

export function encodeClosed(reason: string): ArrayBuffer {
  const text = new TextEncoder().encode(reason);
  const bytes = new Uint8Array(1 + text.length);
  bytes[0] = MSG_CLOSED;
  bytes.set(text, 1);
  return bytes.buffer;
}

// ------------------------------------------------------------------------------ input

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

/**
 * A client point as framebuffer pixels: scaled from the element's CSS box to the canvas's pixel
 * size, clamped to 0..width-1 and 0..height-1.
 */
export function pointerPosition(
  clientX: number,
  clientY: number,
  box: { left: number; top: number; width: number; height: number },
  fbWidth: number,
  fbHeight: number,
): { x: number; y: number } {
  // Multiplied before dividing, plus a hair: at 1.5× the left edge of guest pixel 3 is
  // 2 CSS px, and 2 * 3 / 2 must give 3, never 2.9999999.
  const along = (offset: number, css: number, fb: number) =>
    css > 0 ? Math.floor((offset * fb) / css + 1e-6) : Math.floor(offset);
  return {
    x: clamp(along(clientX - box.left, box.width, fbWidth), 0, Math.max(0, fbWidth - 1)),
    y: clamp(along(clientY - box.top, box.height, fbHeight), 0, Math.max(0, fbHeight - 1)),
  };
}

export const RFB_LEFT = 1;
export const RFB_MIDDLE = 2;
export const RFB_RIGHT = 4;
export const RFB_WHEEL_UP = 8;
export const RFB_WHEEL_DOWN = 16;

/** `MouseEvent.buttons` (1 left, 2 right, 4 middle) as the RFB mask (1 left, 2 middle, 4 right). */
export function rfbButtons(domButtons: number): number {
  return (
    (domButtons & 1 ? RFB_LEFT : 0) |
    (domButtons & 4 ? RFB_MIDDLE : 0) |
    (domButtons & 2 ? RFB_RIGHT : 0)
  );
}

/** The wheel bit for a wheel event's vertical delta, or 0 when it does not scroll vertically. */
export function wheelBit(deltaY: number): number {
  if (deltaY < 0) return RFB_WHEEL_UP;
  if (deltaY > 0) return RFB_WHEEL_DOWN;
  return 0;
}

/** Fit: the whole screen in the box. Actual: one guest pixel per device pixel, scrolling. */
export type ScaleMode = "fit" | "actual";

/**
 * How big to show the framebuffer in a box (CSS pixels) on a screen with `dpr` device pixels per
 * CSS pixel. Returns CSS pixels, sized so the canvas covers a whole number of device pixels.
 *
 * - `actual`: each guest pixel is one device pixel (CSS size = size / dpr), pixelated.
 * - `fit` (default): the largest whole device-pixel factor that fits (pixelated, never a
 *   fractional enlargement); a screen larger than the box is shrunk to fit, smoothly.
 */
export function displaySize(
  fbWidth: number,
  fbHeight: number,
  boxWidth: number,
  boxHeight: number,
  dpr = 1,
  mode: ScaleMode = "fit",
): { width: number; height: number; pixelated: boolean } {
  const ratio = dpr > 0 ? dpr : 1;
  if (fbWidth <= 0 || fbHeight <= 0) {
    return { width: fbWidth, height: fbHeight, pixelated: false };
  }
  if (mode === "actual") {
    return { width: fbWidth / ratio, height: fbHeight / ratio, pixelated: true };
  }
  if (boxWidth <= 0 || boxHeight <= 0) {
    return { width: fbWidth, height: fbHeight, pixelated: false };
  }
  const fit = Math.min(boxWidth / fbWidth, boxHeight / fbHeight) * ratio; // device px per fb px
  // Growing: by whole device-pixel factors only, the rest of the box stays empty. Text stays
  // sharp, and painting stays cheap: resampling the whole screen on every update took
  // WebKitGTK's web process from 38 % to 94 % of a core on the scrolling test console.
  // Shrinking (the screen is larger than the box): smoothly, to fit.
  const whole = Math.floor(fit + 1e-9);
  const pixelated = whole >= 1;
  const scale = pixelated ? whole : fit;
  return {
    width: Math.floor(fbWidth * scale + 1e-6) / ratio,
    height: Math.floor(fbHeight * scale + 1e-6) / ratio,
    pixelated,
  };
}
