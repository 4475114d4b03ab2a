import { createSignal, Show } from "solid-js";
import { useBackend } from "../backend";
import { toApiError } from "../backend/errors";
import type { VmDetails } from "../bindings/VmDetails";
import type { VmRef } from "../bindings/VmRef";
import { InlineError } from "../wizard/InlineError";

/** Renaming keeps the VM's UUID, disks and snapshots; libvirt allows it only when stopped. */
export function RenameSection(props: { vm: VmRef; details: VmDetails }) {
  const backend = useBackend();
  const [name, setName] = createSignal("");
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const allowed = () => props.details.summary.allowed.includes("rename");

  async function rename(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await backend.vmRename({ vm: props.vm, name: name().trim() });
      setName("");
    } catch (e) {
      setError(toApiError(e).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="vm-page-section" aria-labelledby="vm-rename-heading">
      <h2 id="vm-rename-heading">Name</h2>
      <form class="vm-rename" onSubmit={rename}>
        <label>
          <span>New name</span>
          <input
            type="text"
            maxLength={200}
            value={name()}
            disabled={!allowed()}
            placeholder={props.details.hardware.name}
            onInput={(e) => setName(e.currentTarget.value)}
            data-testid="rename-input"
          />
        </label>
        <button
          class="button"
          type="submit"
          disabled={busy() || !allowed() || name().trim() === ""}
          data-testid="rename-submit"
        >
          Rename
        </button>
      </form>
      <Show when={!allowed()}>
        <p class="vm-page-hint">Shut the VM down to rename it.</p>
      </Show>
      <Show when={error()}>
        {(message) => <InlineError testId="rename-error">{message()}</InlineError>}
      </Show>
    </section>
  );
}
