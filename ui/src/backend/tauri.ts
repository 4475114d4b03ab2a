import { invoke, isTauri } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import { getCurrentWindow } from "@tauri-apps/api/window";
import { commands, type Events, type Invoke } from "../bindings/commands";
import type { Backend, WindowFullscreen } from "./backend";
import { toApiError } from "./errors";

/** Invokes a backend command; every rejection becomes an `ApiError`. */
const call: Invoke = async <T>(command: string, args?: Record<string, unknown>): Promise<T> => {
  try {
    return await (args === undefined ? invoke<T>(command) : invoke<T>(command, args));
  } catch (error) {
    throw toApiError(error);
  }
};

/**
 * The app window through Tauri: the whole window goes fullscreen, and the console fills it by
 * CSS. (Needs the `core:window:allow-set-fullscreen` permission.)
 */
const tauriFullscreen: WindowFullscreen = {
  set: (on) => getCurrentWindow().setFullscreen(on),
  get: () => getCurrentWindow().isFullscreen(),
};

/** The page's Fullscreen API, for the UI running in a browser (development). */
const documentFullscreen: WindowFullscreen = {
  async set(on) {
    if (on) await document.documentElement.requestFullscreen?.();
    else if (document.fullscreenElement) await document.exitFullscreen();
  },
  get: async () => document.fullscreenElement != null,
};

/** The real backend, over Tauri's IPC. */
export function tauriBackend(): Backend {
  return {
    ...commands(call),
    async listen<E extends keyof Events>(event: E, handler: (payload: Events[E]) => void) {
      try {
        return await listen<Events[E]>(event, (e) => {
          const payload = e.payload;
          // A User Timing mark per whole-list event: `make bench` measures list paint from it.
          if (event === "inventory") {
            const inventory = payload as Events["inventory"];
            if (inventory.kind === "vms-replaced") {
              performance.mark(`vireo:vms-replaced:${inventory.connection}`);
            }
          }
          handler(payload);
        });
      } catch (error) {
        throw toApiError(error);
      }
    },
    connectConsole: (url) => new WebSocket(url),
    windowFullscreen: {
      // Chosen per call: the same page also runs in a browser (the Vite dev server).
      set: (on) => (isTauri() ? tauriFullscreen : documentFullscreen).set(on),
      get: () => (isTauri() ? tauriFullscreen : documentFullscreen).get(),
    },
  };
}
