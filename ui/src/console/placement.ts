import { onCleanup, onMount } from "solid-js";
import type { ConsoleInput } from "../bindings/ConsoleInput";
import { nextAnimationFrame } from "./nextAnimationFrame";
import { coveringRects, surfacePlace } from "./surface";

export interface PlacementOptions {
  canvas: () => HTMLCanvasElement | undefined;
  screenBox: () => HTMLDivElement | undefined;
  /** Nothing to show (connecting, failed, closed): the surface is hidden. */
  inactive: () => boolean;
  /** The stream is neither stopped nor unmounted. */
  live: () => boolean;
  send: (input: ConsoleInput) => void;
  /** Sends while the stream stops. */
  sendWhileStopping: (input: ConsoleInput) => void;
}

/**
 * Where the backend paints the screen natively (X11), when it can: the page tells it where
 * the canvas is whenever that changes, and `null` while something of the page (a menu, a
 * dialog, the fullscreen toolbar) lies over it or there is nothing to show. Input still comes
 * through the canvas, which stays beneath (the surface takes no input).
 */
export function createSurfacePlacement(options: PlacementOptions) {
  /** The backend paints this console natively when told where. */
  let surfaceAvailable = false;
  /** The placement last sent, as JSON: sent again only when it changes. */
  let sentPlace = "null";
  let placeScheduled = false;

  /** Where the native surface goes: sent in the next animation frame, once layout settled. */
  function schedule() {
    if (!surfaceAvailable || placeScheduled) return;
    placeScheduled = true;
    nextAnimationFrame(() => {
      placeScheduled = false;
      sendPlace();
    });
  }

  function sendPlace() {
    const canvas = options.canvas();
    const screenBox = options.screenBox();
    if (!surfaceAvailable || !options.live() || !canvas || !screenBox) return;
    let place = null;
    if (!options.inactive()) {
      const box = screenBox.getBoundingClientRect();
      // The container's content box without its borders and scroll bars.
      const view = new DOMRect(
        box.left + screenBox.clientLeft,
        box.top + screenBox.clientTop,
        screenBox.clientWidth,
        screenBox.clientHeight,
      );
      place = surfacePlace(
        canvas.getBoundingClientRect(),
        view,
        { width: window.innerWidth, height: window.innerHeight },
        window.devicePixelRatio || 1,
        coveringRects(document, canvas.closest("dialog")),
      );
    }
    const json = JSON.stringify(place);
    if (json === sentPlace) return;
    sentPlace = json;
    options.send({ kind: "surface", place });
  }

  /** A new connection: whether its screen can be painted natively; nothing placed yet. */
  function opened(surface: boolean) {
    surfaceAvailable = surface;
    sentPlace = "null";
  }

  function stop() {
    // The surface ends with the backend's console; hidden first, so it never outlives the
    // panel on screen while the backend closes.
    if (sentPlace !== "null") options.sendWhileStopping({ kind: "surface", place: null });
    surfaceAvailable = false;
    sentPlace = "null";
  }

  // The native surface follows the canvas: moves, scrolling, the window, and page elements
  // appearing over it (menus, dialogs, notices, the fullscreen toolbar).
  onMount(() => {
    const box = options.screenBox();
    const onLayout = () => schedule();
    window.addEventListener("resize", onLayout);
    box?.addEventListener("scroll", onLayout, { passive: true });
    document.addEventListener("transitionend", onLayout);
    document.addEventListener("animationend", onLayout);
    const mutations =
      typeof MutationObserver === "undefined" ? null : new MutationObserver(onLayout);
    mutations?.observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ["hidden", "open", "class"],
    });
    onCleanup(() => {
      window.removeEventListener("resize", onLayout);
      box?.removeEventListener("scroll", onLayout);
      document.removeEventListener("transitionend", onLayout);
      document.removeEventListener("animationend", onLayout);
      mutations?.disconnect();
    });
  });

  return { schedule, opened, stop };
}
