import { createSignal, Show } from "solid-js";
import { useBackend } from "../backend";
import { toApiError } from "../backend/errors";
import type { VmDetails } from "../bindings/VmDetails";
import type { VmRef } from "../bindings/VmRef";
import { InlineError } from "../wizard/InlineError";
import { createDraft } from "./draft";

/** The VM's notes, kept in its domain XML (`<description>`), as virt-manager shows them. */
export function NotesSection(props: { vm: VmRef; details: VmDetails }) {
  const backend = useBackend();
  const stored = () => props.details.hardware.description;
  const text = createDraft(stored);
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);

  async function save(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await backend.vmSetNotes({ vm: props.vm, text: text.value() });
      text.reset();
    } catch (e) {
      setError(toApiError(e).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="vm-page-section" aria-labelledby="vm-notes-heading">
      <h2 id="vm-notes-heading">Notes</h2>
      <form class="vm-notes" onSubmit={save}>
        <textarea
          rows={4}
          maxLength={10000}
          aria-label="Notes"
          value={text.value()}
          onInput={(e) => text.set(e.currentTarget.value)}
          data-testid="notes-input"
        />
        <div class="vm-page-buttons">
          <button
            class="button"
            type="submit"
            disabled={busy() || text.value() === stored()}
            data-testid="notes-save"
          >
            Save notes
          </button>
        </div>
        <Show when={error()}>
          {(message) => <InlineError testId="notes-error">{message()}</InlineError>}
        </Show>
      </form>
    </section>
  );
}
