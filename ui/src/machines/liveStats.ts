import { createEffect, createMemo, createSignal, on, onCleanup } from "solid-js";
import type { Backend } from "../backend";

/**
 * The backend's CPU/memory sampling is on only while the view is shown and the page visible.
 * Returns whether it is wanted (the thumbnails follow it too).
 */
export function createLiveStats(
  backend: Pick<Backend, "setStatsActive">,
  active: () => boolean,
  notify: (title: string, error: unknown) => void,
) {
  const [pageVisible, setPageVisible] = createSignal(document.visibilityState === "visible");
  const onVisibility = () => setPageVisible(document.visibilityState === "visible");
  document.addEventListener("visibilitychange", onVisibility);
  onCleanup(() => document.removeEventListener("visibilitychange", onVisibility));

  let statsOn = false;
  const wantStats = createMemo(() => active() && pageVisible());
  createEffect(
    on(wantStats, (want) => {
      if (want === statsOn) return;
      statsOn = want;
      backend.setStatsActive(want).catch((error) => {
        notify(`Could not turn live statistics ${want ? "on" : "off"}`, error);
      });
    }),
  );
  onCleanup(() => {
    if (statsOn) void backend.setStatsActive(false).catch(() => {});
  });

  return wantStats;
}
