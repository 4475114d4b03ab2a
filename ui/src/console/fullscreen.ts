import { isTauri } from "@tauri-apps/api/core";
import { getCurrentWindow } from "@tauri-apps/api/window";
import { createSignal, onCleanup } from "solid-js";
import { toApiError } from "../backend";

/** Making the window fullscreen; tests inject a fake. */
export interface FullscreenApi {
  set(on: boolean): Promise<void>;
  /** Whether the window is fullscreen now (the window manager can change it too). */
  get(): Promise<boolean>;
}

/**
 * The app window through Tauri: the whole window goes fullscreen, and the console fills it by
 * CSS. (Needs the `core:window:allow-set-fullscreen` permission.)
 */
export const tauriFullscreen: FullscreenApi = {
  set: (on) => getCurrentWindow().setFullscreen(on),
  get: () => getCurrentWindow().isFullscreen(),
};

/** The page's Fullscreen API, for the UI running in a browser (development). */
export const documentFullscreen: FullscreenApi = {
  async set(on) {
    if (on) await document.documentElement.requestFullscreen?.();
    else if (document.fullscreenElement) await document.exitFullscreen();
  },
  get: async () => document.fullscreenElement != null,
};

export function defaultFullscreenApi(): FullscreenApi {
  return isTauri() ? tauriFullscreen : documentFullscreen;
}

/** How long after the last resize the fullscreen state is read back. */
const SETTLE_MS = 250;

/**
 * The console's fullscreen state. Follows the window when something else leaves fullscreen
 * (the window manager's key, the browser's Escape), and leaves fullscreen when the console
 * closes. Call inside a component.
 */
export function createFullscreen(api: FullscreenApi) {
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
