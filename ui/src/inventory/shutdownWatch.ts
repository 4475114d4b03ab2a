import { createEffect, createSignal, onCleanup, untrack } from "solid-js";
import { createStore } from "solid-js/store";

/** How long a guest gets to shut down before Vireo offers to force it off. */
export const SHUTDOWN_GRACE_MS = 30_000;

export interface ShutdownWatch {
  /** Starts (or restarts) the timer for one VM: called on the Shut down click. */
  start(key: string): void;
  /** Forgets the VM: timer and offer. */
  cancel(key: string): void;
  /** Reactive: the grace time is over and the VM is still up. */
  offered(key: string): boolean;
  /** Reactive: a shutdown was asked for and the VM is still up. */
  watching(key: string): boolean;
}

/**
 * One timer per VM, started when the user asks a guest to shut down. When it fires and the VM
 * is still up, `offered(key)` turns true ("Still running — Force off?"). As soon as `isDone`
 * reports the VM off (or gone), timer and offer go. Must be created inside a component.
 *
 * `isDone` is read reactively, for the watched VMs only.
 */
export function createShutdownWatch(
  isDone: (key: string) => boolean,
  graceMs = SHUTDOWN_GRACE_MS,
): ShutdownWatch {
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const [offers, setOffers] = createStore<Record<string, boolean | undefined>>({});
  const [watched, setWatched] = createSignal<readonly string[]>([]);

  function cancel(key: string) {
    const timer = timers.get(key);
    if (timer !== undefined) clearTimeout(timer);
    timers.delete(key);
    if (untrack(() => offers[key])) setOffers(key, undefined);
    if (untrack(watched).includes(key)) setWatched((keys) => keys.filter((k) => k !== key));
  }

  function start(key: string) {
    cancel(key);
    timers.set(
      key,
      setTimeout(() => {
        timers.delete(key);
        if (untrack(() => isDone(key))) cancel(key);
        else setOffers(key, true);
      }, graceMs),
    );
    setWatched((keys) => [...keys, key]);
  }

  // Only the watched VMs are read here: a state change of any other VM does not run this.
  createEffect(() => {
    for (const key of watched()) {
      if (isDone(key)) cancel(key);
    }
  });

  onCleanup(() => {
    for (const timer of timers.values()) clearTimeout(timer);
    timers.clear();
  });

  return {
    start,
    cancel,
    offered: (key) => offers[key] === true,
    watching: (key) => watched().includes(key),
  };
}
