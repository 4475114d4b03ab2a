import { type Accessor, createRoot, createSignal } from "solid-js";
import { type Backend, useBackend } from "../backend";
import type { Preferences } from "../bindings/Preferences";
import type { PreferencesPatch } from "../bindings/PreferencesPatch";

export interface PreferencesStore {
  /** The saved preferences; the defaults until the first read answers. */
  current: Accessor<Preferences>;
  /** Saves `patch`; the new preferences show everywhere once the backend has saved them. */
  set(patch: PreferencesPatch): Promise<void>;
}

const DEFAULTS: Preferences = { xmlEditing: false };

// One store per backend, shared by every component: a switch flipped in the Preferences
// view shows on an open VM page at once. Keyed weakly, so a test's fake takes its store with it.
const stores = new WeakMap<Backend, PreferencesStore>();

function createStore(backend: Backend): PreferencesStore {
  return createRoot(() => {
    const [current, setCurrent] = createSignal<Preferences>(DEFAULTS);
    // A failed read keeps the defaults (everything off), which is safe.
    void backend.preferencesGet().then(setCurrent, () => {});
    return {
      current,
      async set(patch) {
        setCurrent(await backend.preferencesSet(patch));
      },
    };
  });
}

/** The user's preferences, read once from the backend of the nearest provider. */
export function usePreferences(): PreferencesStore {
  const backend = useBackend();
  let store = stores.get(backend);
  if (!store) {
    store = createStore(backend);
    stores.set(backend, store);
  }
  return store;
}
