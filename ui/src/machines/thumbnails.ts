import type { Backend } from "../backend";
import type { VmRef } from "../bindings/VmRef";

/** How often a shown thumbnail is refreshed. */
export const THUMBNAIL_INTERVAL_MS = 5000;
/** After a failure the next try waits this many intervals (a flaky host is not hammered). */
const FAILURE_BACKOFF = 3;

/** Turns image bytes into something an `<img src>` takes; tests inject a fake. */
export interface ImageUrls {
  create(image: Blob): string;
  revoke(url: string): void;
}

const objectUrls: ImageUrls = {
  create: (image) => URL.createObjectURL(image),
  revoke: (url) => URL.revokeObjectURL(url),
};

export interface ThumbnailOptions {
  intervalMs?: number;
  urls?: ImageUrls;
}

/** Why a thumbnail request failed, as far as the schedule cares. */
interface Failure {
  code?: unknown;
}

export interface Thumbnails {
  /**
   * Shows `vm`'s screen through `onImage` (an image URL, or null for the placeholder): fetched
   * now, then every interval while active. The URL handed over stays valid until the next
   * call of `onImage` or until the returned function is called, which stops it all.
   */
  watch(
    key: string,
    vm: VmRef,
    maxWidth: number,
    onImage: (url: string | null) => void,
  ): () => void;
  /** Off while the list is not on screen: nothing is fetched then. */
  setActive(on: boolean): void;
  /** Stops everything and revokes every URL. */
  dispose(): void;
}

interface Entry {
  key: string;
  vm: VmRef;
  maxWidth: number;
  onImage: (url: string | null) => void;
  url: string | null;
  /** When the next fetch is due (ms, the clock of `Date.now`). */
  due: number;
  inFlight: boolean;
}

/**
 * The schedule behind the list's thumbnails. Only watched VMs are fetched (the rows that
 * exist: the list is windowed), only while active, each every `intervalMs`, and at most one
 * request per connection is in flight: a host with hundreds of VMs sees one screenshot at a
 * time, the most overdue first.
 */
export function createThumbnails(
  backend: Pick<Backend, "vmThumbnail">,
  options: ThumbnailOptions = {},
): Thumbnails {
  const interval = options.intervalMs ?? THUMBNAIL_INTERVAL_MS;
  const urls = options.urls ?? objectUrls;
  const entries = new Map<string, Entry>();
  /** Connections with a request in flight (possibly for a VM no longer watched). */
  const busy = new Set<string>();
  let active = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  function stopTimer() {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  }

  /** Starts what is due (one per idle connection), then sleeps until the next due time. */
  function pump() {
    stopTimer();
    if (!active) return;
    const now = Date.now();
    const picks = new Map<string, Entry>();
    let next = Number.POSITIVE_INFINITY;
    for (const entry of entries.values()) {
      const connection = entry.vm.connection;
      if (entry.inFlight || busy.has(connection)) continue;
      if (entry.due > now) {
        next = Math.min(next, entry.due);
        continue;
      }
      const picked = picks.get(connection);
      if (!picked || entry.due < picked.due) picks.set(connection, entry);
    }
    for (const entry of picks.values()) start(entry);
    // Connections now busy wake the schedule when their request ends.
    if (next !== Number.POSITIVE_INFINITY) timer = setTimeout(pump, Math.max(0, next - now));
  }

  function start(entry: Entry) {
    const connection = entry.vm.connection;
    entry.inFlight = true;
    busy.add(connection);
    const live = () => entries.get(entry.key) === entry;
    let delay = interval;
    backend
      .vmThumbnail({ vm: entry.vm, maxWidth: entry.maxWidth })
      .then((png) => {
        if (!live()) return;
        const previous = entry.url;
        // The backend answers with raw PNG bytes; an object URL needs a typed Blob.
        entry.url = urls.create(new Blob([png], { type: "image/png" }));
        entry.onImage(entry.url);
        if (previous !== null) urls.revoke(previous);
      })
      .catch((error: Failure | undefined) => {
        delay = interval * FAILURE_BACKOFF;
        // Stopped or gone: the placeholder until the list says otherwise.
        if (live() && (error?.code === "invalid-state" || error?.code === "not-found")) {
          drop(entry);
          entry.onImage(null);
        }
      })
      .finally(() => {
        entry.inFlight = false;
        entry.due = Date.now() + delay;
        busy.delete(connection);
        pump();
      });
  }

  function drop(entry: Entry) {
    if (entry.url !== null) urls.revoke(entry.url);
    entry.url = null;
  }

  return {
    watch(key, vm, maxWidth, onImage) {
      const old = entries.get(key);
      if (old) drop(old);
      const entry: Entry = {
        key,
        vm,
        maxWidth,
        onImage,
        url: null,
        due: Date.now(),
        inFlight: false,
      };
      entries.set(key, entry);
      pump();
      return () => {
        if (entries.get(key) !== entry) return;
        entries.delete(key);
        drop(entry);
      };
    },
    setActive(on) {
      if (on === active) return;
      active = on;
      pump();
    },
    dispose() {
      active = false;
      stopTimer();
      for (const entry of entries.values()) drop(entry);
      entries.clear();
    },
  };
}
