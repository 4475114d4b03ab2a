import { createSignal, onCleanup } from "solid-js";
import type { Backend } from "../backend";
import { toApiError } from "../backend/errors";
import type { ApiError } from "../bindings/ApiError";
import type { VmDetails } from "../bindings/VmDetails";
import type { VmRef } from "../bindings/VmRef";

/**
 * The page's copy of a VM's details: read when the page opens, and again whenever the
 * backend says the VM changed (its summary, or its configuration even when the list's
 * summary did not). Reads never overlap; a change during a read triggers one more.
 */
export function createVmDetails(backend: Backend, vm: VmRef) {
  const [details, setDetails] = createSignal<VmDetails | null>(null);
  const [error, setError] = createSignal<ApiError | null>(null);
  let reading = false;
  let again = false;
  let disposed = false;

  async function read(): Promise<void> {
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    try {
      do {
        again = false;
        try {
          const next = await backend.vmDetails(vm);
          if (disposed) return;
          setDetails(next);
          setError(null);
        } catch (e) {
          if (disposed) return;
          setError(toApiError(e));
        }
      } while (again);
    } finally {
      reading = false;
    }
  }

  let stop: (() => void) | undefined;
  void backend
    .listen("inventory", (event) => {
      const mine =
        (event.kind === "vm-upserted" &&
          event.connection === vm.connection &&
          event.vm.uuid === vm.uuid) ||
        (event.kind === "vm-config-changed" &&
          event.connection === vm.connection &&
          event.uuid === vm.uuid);
      if (mine) void read();
    })
    .then((unlisten) => {
      if (disposed) unlisten();
      else stop = unlisten;
    })
    .catch(() => {});
  onCleanup(() => {
    disposed = true;
    stop?.();
  });
  void read();
  return { details, error, reload: read };
}
