import { type Accessor, createSignal, onCleanup } from "solid-js";

/**
 * `devicePixelRatio` as a signal. A `(resolution: Xdppx)` media query matches only the current
 * ratio, so its `change` event fires when the ratio changes (the window moved to another screen,
 * the page zoomed); the query is then made again for the new ratio.
 */
export function createDevicePixelRatio(win: Window = window): Accessor<number> {
  const [ratio, setRatio] = createSignal(win.devicePixelRatio || 1);
  let query: MediaQueryList | undefined;

  function watch() {
    query?.removeEventListener("change", watch);
    const now = win.devicePixelRatio || 1;
    setRatio(now);
    if (typeof win.matchMedia !== "function") return;
    query = win.matchMedia(`(resolution: ${now}dppx)`);
    query.addEventListener("change", watch);
  }

  watch();
  onCleanup(() => query?.removeEventListener("change", watch));
  return ratio;
}
