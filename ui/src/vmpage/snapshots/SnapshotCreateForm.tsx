import { createSignal, Show } from "solid-js";
import { useBackend } from "../../backend";
import { toApiError } from "../../backend/errors";
import type { SnapshotInfo } from "../../bindings/SnapshotInfo";
import type { SnapshotSupport } from "../../bindings/SnapshotSupport";
import type { VmRef } from "../../bindings/VmRef";
import { InlineError } from "../../wizard/InlineError";
import { suggestName } from "./tree";

/**
 * Take a snapshot: a name (suggested), a description, and for a running VM whether its
 * memory is kept. An internal snapshot of a running VM always holds its memory, so the
 * choice shows only where the mechanism allows disk-only snapshots of a running VM.
 */
export function SnapshotCreateForm(props: {
  vm: VmRef;
  support: SnapshotSupport;
  snapshots: readonly SnapshotInfo[];
  running: boolean;
  allowed: boolean;
  onCreated: (snap: SnapshotInfo) => void;
}) {
  const backend = useBackend();
  const [name, setName] = createSignal<string | null>(null);
  const [description, setDescription] = createSignal("");
  const [memory, setMemory] = createSignal(true);
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const shownName = () => name() ?? suggestName(props.snapshots);
  const keepsMemory = () => props.running && (!props.support.diskOnlyWhileRunning || memory());

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const snap = await backend.vmSnapshotCreate({
        vm: props.vm,
        snapshot: { name: shownName(), description: description(), memory: keepsMemory() },
      });
      setName(null);
      setDescription("");
      props.onCreated(snap);
    } catch (e) {
      setError(toApiError(e).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="vm-snapshot-create" onSubmit={submit} noValidate data-testid="snapshot-create">
      <label class="field">
        <span>Name</span>
        <input
          type="text"
          maxLength={64}
          value={shownName()}
          onInput={(e) => setName(e.currentTarget.value)}
          data-testid="snapshot-name"
        />
      </label>
      <label class="field">
        <span>Description (optional)</span>
        <textarea
          rows={2}
          maxLength={2000}
          value={description()}
          onInput={(e) => setDescription(e.currentTarget.value)}
          data-testid="snapshot-description"
        />
      </label>
      <Show
        when={props.running}
        fallback={<p class="vm-page-hint">The VM is shut off: the snapshot holds its disks.</p>}
      >
        <Show
          when={props.support.diskOnlyWhileRunning}
          fallback={
            <p class="vm-page-hint">
              The VM runs: the snapshot holds its disks and memory, and reverting resumes it where
              it was. It pauses while the memory is written.
            </p>
          }
        >
          <label>
            <input
              type="checkbox"
              checked={memory()}
              onChange={(e) => setMemory(e.currentTarget.checked)}
              data-testid="snapshot-memory"
            />
            Keep its memory (reverting resumes it where it was)
          </label>
        </Show>
      </Show>
      <Show when={error()}>
        {(message) => <InlineError testId="snapshot-error">{message()}</InlineError>}
      </Show>
      <div class="vm-page-buttons">
        <button
          type="submit"
          class="button"
          disabled={busy() || !props.allowed || shownName().trim() === ""}
          data-testid="snapshot-submit"
        >
          {busy() ? "Taking the snapshot…" : "Take snapshot"}
        </button>
      </div>
    </form>
  );
}
