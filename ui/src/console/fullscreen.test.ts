import { createRoot } from "solid-js";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { WindowFullscreen } from "../backend";
import { createFullscreen } from "./fullscreen";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function fakeApi() {
  let on = false;
  const api = {
    set: vi.fn(async (value: boolean) => {
      on = value;
    }),
    get: vi.fn(async () => on),
  } satisfies WindowFullscreen;
  return { api, external: (value: boolean) => (on = value) };
}

describe("createFullscreen", () => {
  it("enters and leaves fullscreen through the API", async () => {
    const { api } = fakeApi();
    await createRoot(async (dispose) => {
      const fs = createFullscreen(api);
      expect(fs.active()).toBe(false);
      await fs.toggle();
      expect(api.set).toHaveBeenLastCalledWith(true);
      expect(fs.active()).toBe(true);
      await fs.toggle();
      expect(api.set).toHaveBeenLastCalledWith(false);
      expect(fs.active()).toBe(false);
      dispose();
    });
  });

  it("follows the window when the window manager leaves fullscreen", async () => {
    const { api, external } = fakeApi();
    await createRoot(async (dispose) => {
      const fs = createFullscreen(api);
      await fs.set(true);
      external(false);
      window.dispatchEvent(new Event("resize"));
      await vi.advanceTimersByTimeAsync(300);
      expect(fs.active()).toBe(false);
      dispose();
    });
  });

  it("leaves fullscreen when the console closes", async () => {
    const { api } = fakeApi();
    await createRoot(async (dispose) => {
      const fs = createFullscreen(api);
      await fs.set(true);
      dispose();
      expect(api.set).toHaveBeenLastCalledWith(false);
    });
  });

  it("says why when fullscreen is refused", async () => {
    const api: WindowFullscreen = {
      set: async () => {
        throw "window.set_fullscreen not allowed";
      },
      get: async () => false,
    };
    await createRoot(async (dispose) => {
      const fs = createFullscreen(api);
      await fs.toggle();
      expect(fs.active()).toBe(false);
      expect(fs.error()).toBe("Fullscreen is not available: window.set_fullscreen not allowed");
      dispose();
    });
  });
});
