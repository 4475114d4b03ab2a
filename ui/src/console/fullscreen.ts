import { createSignal, onCleanup } from "solid-js";
import { toApiError, type WindowFullscreen } from "../backend";

/** How long after the last resize the fullscreen state is read back. */
const SETTLE_MS = 250;

/**
 * The console's fullscreen state. Follows the window when something else leaves fullscreen
 * (the window manager's key, the browser's Escape), and leaves fullscreen when the console
 * closes. Call inside a component.
 */
export function createFullscreen(api: WindowFullscreen) {
  const [active, setActive] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  async function set(on: boolean) {
    try {
      await api.set(on);
      if (!closed) {
        setActive(on);
        setError(null);
      }
    } catch (err) {
      if (!closed) setError(`Fullscreen is not available: ${toApiError(err).message}`);
    }
  }

  function sync() {
    clearTimeout(timer);
    timer = setTimeout(() => {
      api
        .get()
        .then((now) => {
          if (!closed) setActive(now);
        })
        .catch(() => {});
    }, SETTLE_MS);
  }

  window.addEventListener("resize", sync);
  document.addEventListener("fullscreenchange", sync);
  onCleanup(() => {
    closed = true;
    clearTimeout(timer);
    window.removeEventListener("resize", sync);
    document.removeEventListener("fullscreenchange", sync);
    if (active()) void api.set(false).catch(() => {});
  });

  return { active, error, set, toggle: () => set(!active()) };
}
