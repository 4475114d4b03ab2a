import { type Accessor, createMemo, createSignal, onCleanup, onMount } from "solid-js";
import { createDevicePixelRatio } from "./dpr";
import { displaySize, type ScaleMode } from "./protocol";

type Size = { width: number; height: number };

export interface ScalingOptions {
  screenBox: () => HTMLDivElement | undefined;
  canvas: () => HTMLCanvasElement | undefined;
  /** The guest's screen size, once known. */
  fbSize: Accessor<Size | null>;
  /** The box or the canvas changed size. */
  onResize: () => void;
}

/**
 * The canvas's CSS size: Fit scales the guest's screen into the box (keeping its aspect ratio),
 * 1:1 shows its pixels as they are and scrolls.
 */
export function createScaling(options: ScalingOptions) {
  const [box, setBox] = createSignal<Size | null>(null);

  onMount(() => {
    const screenBox = options.screenBox();
    if (!screenBox || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver((entries) => {
      for (const entry of entries) {
        const rect = entry.contentRect;
        if (entry.target === screenBox) setBox({ width: rect.width, height: rect.height });
      }
      options.onResize();
    });
    observer.observe(screenBox);
    const canvas = options.canvas();
    if (canvas) observer.observe(canvas);
    onCleanup(() => observer.disconnect());
  });

  const [scaleMode, setScaleMode] = createSignal<ScaleMode>("fit");
  const dpr = createDevicePixelRatio();

  /** The canvas's CSS size; in Fit, once the box is measured (until then CSS alone fits it). */
  const display = createMemo(() => {
    const fb = options.fbSize();
    const area = box();
    if (!fb || (!area && scaleMode() === "fit")) return null;
    const { width = 0, height = 0 } = area ?? {};
    return displaySize(fb.width, fb.height, width, height, dpr(), scaleMode());
  });

  return { scaleMode, setScaleMode, dpr, display };
}
