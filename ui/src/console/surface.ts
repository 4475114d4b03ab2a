import type { SurfacePlace } from "../bindings/SurfacePlace";
import type { SurfaceRect } from "../bindings/SurfaceRect";

/**
 * Where the backend's native surface should show the console (device pixels of the web view),
 * or null when it must not: nothing to show, or something of the page lies over the screen
 * (then the page paints it, and the menu or dialog stays visible).
 *
 * `canvas` is the canvas's client rect (the whole guest screen, scaled), `view` the visible
 * content box of its scrolling container, `viewport` the window's size, `covers` the client
 * rects of page elements drawn above the console (menus, dialogs, notices, a shown toolbar).
 */
export function surfacePlace(
  canvas: DOMRectReadOnly,
  view: DOMRectReadOnly,
  viewport: { width: number; height: number },
  dpr: number,
  covers: readonly DOMRectReadOnly[],
): SurfacePlace | null {
  if (canvas.width <= 0 || canvas.height <= 0) return null;
  const inView = intersect(canvas, view);
  const visible =
    inView &&
    intersect(inView, { left: 0, top: 0, right: viewport.width, bottom: viewport.height });
  if (!visible) return null;
  if (covers.some((c) => intersect(c, visible) !== null)) return null;
  const image = toDevice(canvas, dpr);
  const clip = toDevice(visible, dpr);
  if (clip.width === 0 || clip.height === 0) return null;
  return { clip, image };
}

interface Edges {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

function intersect(a: Edges, b: Edges): Edges | null {
  const left = Math.max(a.left, b.left);
  const top = Math.max(a.top, b.top);
  const right = Math.min(a.right, b.right);
  const bottom = Math.min(a.bottom, b.bottom);
  return right > left && bottom > top ? { left, top, right, bottom } : null;
}

/** Edges rounded to device pixels, as WebKit snaps the canvas. */
function toDevice(r: Edges, dpr: number): SurfaceRect {
  const left = Math.round(r.left * dpr);
  const top = Math.round(r.top * dpr);
  return {
    x: left,
    y: top,
    width: Math.max(0, Math.round(r.right * dpr) - left),
    height: Math.max(0, Math.round(r.bottom * dpr) - top),
  };
}

/** Page elements that may be drawn over a console: menus, other dialogs, notices, toasts. */
const COVER_SELECTOR = [
  '[role="menu"]',
  "dialog[open]",
  '[role="alertdialog"]',
  ".toast",
  ".console-notice",
  ".console-toolbar-floating:not(.console-toolbar-hidden)",
].join(",");

/** The client rects of elements over the console, other than its own dialog and what is in it. */
export function coveringRects(doc: Document, own: Element | null): DOMRectReadOnly[] {
  const rects: DOMRectReadOnly[] = [];
  for (const el of doc.querySelectorAll(COVER_SELECTOR)) {
    if (el === own) continue;
    // Inside the console's own dialog only a menu or the floating toolbar covers the screen.
    if (own?.contains(el) && el.matches("dialog[open]")) continue;
    const rect = el.getBoundingClientRect();
    if (rect.width > 0 && rect.height > 0) rects.push(rect);
  }
  return rects;
}
