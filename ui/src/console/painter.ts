import { createSignal, onCleanup } from "solid-js";
import type { ConsoleInput } from "../bindings/ConsoleInput";
import type { ConsoleOpened } from "../bindings/ConsoleOpened";
import { nextAnimationFrame } from "./nextAnimationFrame";
import { type ConsoleMessage, decodeRect } from "./protocol";

/** Frames the page can take before it has painted any: one painting, one arriving. */
const CREDITS = 2;

/**
 * Counters for `make bench` and people curious (read with the dev tools or WebDriver): frames
 * painted, the server's update count from the last frame, and when the last paint ended.
 */
export interface ConsoleStats {
  framesPainted: number;
  serverUpdates: number;
  lastPaintAt: number;
  bytes: number;
  /** Time spent decoding frames and in putImageData, in ms (the engine paints after). */
  paintMs: number;
  /** Of `framesPainted`, those the native surface painted (each its own X paint). */
  surfaceFrames: number;
  /** Animation frames in which the page painted (frames arriving together share one). */
  pagePaints: number;
}

declare global {
  interface Window {
    vireoConsoleStats?: ConsoleStats;
  }
}

export interface PainterOptions {
  canvas: () => HTMLCanvasElement | undefined;
  /** False once the stream ended or the panel closed: nothing more is painted. */
  live: () => boolean;
  send: (input: ConsoleInput) => void;
}

/** What the painter is given: every message but CLOSED. */
export type StreamMessage = Exclude<ConsoleMessage, { kind: "closed" }>;
type FrameMessage = Extract<ConsoleMessage, { kind: "frame" }>;
type Part = { buffer: ArrayBuffer; frame: FrameMessage };

/**
 * Paints the guest's screen into the canvas: FRAMEs are decoded in the next animation frame,
 * then credited back; CURSOR messages set the canvas's pointer image; SURFACE messages (the
 * backend painted natively) keep the canvas the screen's size and the counters.
 */
export function createPainter(options: PainterOptions) {
  const [fbSize, setFbSize] = createSignal<{ width: number; height: number } | null>(null);
  const stats: ConsoleStats = {
    framesPainted: 0,
    serverUpdates: 0,
    lastPaintAt: 0,
    bytes: 0,
    paintMs: 0,
    surfaceFrames: 0,
    pagePaints: 0,
  };
  window.vireoConsoleStats = stats;
  onCleanup(() => {
    if (window.vireoConsoleStats === stats) window.vireoConsoleStats = undefined;
  });

  /** The native surface's painted count last heard of (per connection). */
  let nativePainted = 0;
  /** Parts of the frame being received (a large frame comes as FRAME_PARTs, then a FRAME). */
  let parts: Part[] = [];
  /** Whole frames received and not yet painted, in order; painted in one animation frame. */
  let pending: Part[][] = [];
  let paintScheduled = false;
  /**
   * The guest's screen as the page has it: frames are decoded into it, then only the box that
   * changed goes to the canvas, in one putImageData per animation frame.
   */
  let screenImage: ImageData | null = null;
  let screenPixels = new Uint32Array(0);
  /** The box changed since the last put, right and bottom exclusive; empty when right <= left. */
  let dirtyLeft = Number.POSITIVE_INFINITY;
  let dirtyTop = Number.POSITIVE_INFINITY;
  let dirtyRight = 0;
  let dirtyBottom = 0;

  /** A message of the stream other than CLOSED (the connection handles that one). */
  function receive(buffer: ArrayBuffer, message: StreamMessage) {
    if (message.kind === "cursor") {
      setCursor(buffer, message);
      return;
    }
    if (message.kind === "surface") {
      onSurface(message);
      return;
    }
    stats.bytes += buffer.byteLength;
    parts.push({ buffer, frame: message });
    if (!message.end) return;
    pending.push(parts);
    parts = [];
    if (!paintScheduled) {
      paintScheduled = true;
      nextAnimationFrame(paintPending);
    }
  }

  function paintPending() {
    paintScheduled = false;
    if (!options.live()) return;
    const frames = pending;
    pending = [];
    const start = performance.now();
    for (const { buffer, frame } of frames.flat()) {
      try {
        decodeFrame(buffer, frame);
      } catch (err) {
        // A failed paint must not stall the stream: the credit still goes back.
        console.error("console: could not paint a frame", err);
      }
      stats.serverUpdates = frame.updates;
    }
    try {
      putDirty();
    } catch (err) {
      console.error("console: could not paint a frame", err);
    }
    stats.framesPainted += frames.length;
    if (frames.length > 0) stats.pagePaints += 1;
    stats.lastPaintAt = performance.now();
    stats.paintMs += stats.lastPaintAt - start;
    options.send({ kind: "credit", frames: frames.length });
  }

  function clearDirty() {
    dirtyLeft = Number.POSITIVE_INFINITY;
    dirtyTop = Number.POSITIVE_INFINITY;
    dirtyRight = 0;
    dirtyBottom = 0;
  }

  function decodeFrame(buffer: ArrayBuffer, frame: FrameMessage) {
    const canvas = options.canvas();
    if (!canvas) return;
    const { width, height } = frame;
    if (canvas.width !== width || canvas.height !== height) {
      // The guest changed resolution; resizing also clears the canvas.
      canvas.width = width;
      canvas.height = height;
      setFbSize({ width, height });
      screenImage = null;
    }
    if (!screenImage || screenImage.width !== width || screenImage.height !== height) {
      // Blank, like the cleared canvas; what was dirty belonged to the old screen.
      clearDirty();
      screenImage = null;
      if (width === 0 || height === 0) return;
      screenImage = new ImageData(new Uint8ClampedArray(width * height * 4), width, height);
      screenPixels = new Uint32Array(screenImage.data.buffer);
    }
    for (const rect of frame.rects) {
      const right = Math.min(rect.x + rect.w, width);
      const bottom = Math.min(rect.y + rect.h, height);
      if (right <= rect.x || bottom <= rect.y) continue;
      // Widened before decoding: a rect that fails halfway has still changed pixels.
      dirtyLeft = Math.min(dirtyLeft, rect.x);
      dirtyTop = Math.min(dirtyTop, rect.y);
      dirtyRight = Math.max(dirtyRight, right);
      dirtyBottom = Math.max(dirtyBottom, bottom);
      decodeRect(buffer, rect, screenPixels, width, height);
    }
  }

  function putDirty() {
    if (dirtyRight <= dirtyLeft || dirtyBottom <= dirtyTop) return;
    const x = dirtyLeft;
    const y = dirtyTop;
    const w = dirtyRight - dirtyLeft;
    const h = dirtyBottom - dirtyTop;
    clearDirty();
    const ctx = options.canvas()?.getContext("2d");
    if (ctx && screenImage) ctx.putImageData(screenImage, 0, 0, x, y, w, h);
  }

  /** The native surface painted: keep the canvas the screen's size, and the counters. */
  function onSurface(message: Extract<ConsoleMessage, { kind: "surface" }>) {
    const canvas = options.canvas();
    if (canvas && (canvas.width !== message.width || canvas.height !== message.height)) {
      canvas.width = message.width;
      canvas.height = message.height;
      setFbSize({ width: message.width, height: message.height });
      screenImage = null;
    }
    const newly = Math.max(0, message.painted - nativePainted);
    stats.framesPainted += newly;
    stats.surfaceFrames += newly;
    nativePainted = message.painted;
    stats.serverUpdates = message.updates;
  }

  /** The guest's pointer image as the canvas's CSS cursor (0×0: hidden). */
  function setCursor(buffer: ArrayBuffer, cursor: Extract<ConsoleMessage, { kind: "cursor" }>) {
    const canvas = options.canvas();
    if (!canvas) return;
    if (cursor.width === 0 || cursor.height === 0) {
      canvas.style.cursor = "none";
      return;
    }
    try {
      const image = document.createElement("canvas");
      image.width = cursor.width;
      image.height = cursor.height;
      const pixels = new Uint8ClampedArray(buffer, cursor.offset, cursor.width * cursor.height * 4);
      image
        .getContext("2d")
        ?.putImageData(new ImageData(pixels, cursor.width, cursor.height), 0, 0);
      canvas.style.cursor = `url(${image.toDataURL()}) ${cursor.hotX} ${cursor.hotY}, default`;
    } catch (err) {
      console.error("console: could not set the guest's cursor", err);
    }
  }

  /** A new connection: the screen's size as opened, and counters from zero. */
  function opened(screen: ConsoleOpened) {
    nativePainted = 0;
    const canvas = options.canvas();
    if (canvas && (canvas.width !== screen.width || canvas.height !== screen.height)) {
      canvas.width = screen.width;
      canvas.height = screen.height;
      screenImage = null; // the resize cleared the canvas
    }
    setFbSize({ width: screen.width, height: screen.height });
  }

  /** The stream is open: the backend may send this many frames before the first credit. */
  function start() {
    options.send({ kind: "credit", frames: CREDITS });
  }

  /** The stream ended: frames received and not painted are dropped. */
  function stop() {
    pending = [];
    parts = [];
  }

  return { fbSize, receive, opened, start, stop };
}
