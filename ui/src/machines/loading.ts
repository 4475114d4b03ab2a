import { createSignal, onCleanup, onMount } from "solid-js";
import { toApiError } from "../backend";
import type { ApiError } from "../bindings/ApiError";
import { createInventorySync, type InventorySource, type InventoryStore } from "../inventory/store";

/** Loads the inventory on mount and keeps it live; `load` again after a failure. */
export function createInventoryLoading(backend: InventorySource, inventory: InventoryStore) {
  const sync = createInventorySync(backend, inventory);
  const [loadError, setLoadError] = createSignal<ApiError | null>(null);
  const [loading, setLoading] = createSignal(false);

  async function load() {
    setLoading(true);
    setLoadError(null);
    try {
      await sync.start();
    } catch (error) {
      setLoadError(toApiError(error));
    } finally {
      setLoading(false);
    }
  }
  onMount(() => void load());
  onCleanup(() => sync.dispose());

  return { loadError, loading, load };
}
