import { createEffect, createSignal, on, Show } from "solid-js";
import { useBackend } from "../backend";
import { toApiError } from "../backend/errors";
import type { Apply } from "../bindings/Apply";
import type { DiskChoice } from "../bindings/DiskChoice";
import type { DiskInfo } from "../bindings/DiskInfo";
import type { VmRef } from "../bindings/VmRef";
import { APPLY_LABELS } from "./pending";

/**
 * Removing one disk: asks first, and offers to delete its file by the delete dialog's rules
 * (a volume in a pool used by no other VM is simple; a file outside every pool, or one
 * another VM uses, needs a second confirmation that says why). Refusals (the disk a running
 * VM runs from) come back at the row.
 */
export function DiskRemoval(props: {
  vm: VmRef;
  disk: DiskInfo;
  apply: Apply | undefined;
  running: boolean;
  onError: (message: string | null) => void;
}) {
  const backend = useBackend();
  const [asking, setAsking] = createSignal(false);
  const [choice, setChoice] = createSignal<DiskChoice | null>(null);
  const [deleteFile, setDeleteFile] = createSignal(false);
  const [risky, setRisky] = createSignal(false);
  const [busy, setBusy] = createSignal(false);
  // Rows follow positions: a row that now shows another disk asks again.
  createEffect(
    on(
      () => props.disk.target,
      () => setAsking(false),
      { defer: true },
    ),
  );

  async function ask() {
    setChoice(null);
    setAsking(true);
    setDeleteFile(false);
    setRisky(false);
    props.onError(null);
    try {
      const choices = await backend.vmDeletePreview(props.vm);
      setChoice(choices.find((c) => c.target === props.disk.target) ?? null);
    } catch {
      // Without the preview the file is simply kept.
      setChoice(null);
    }
  }

  // The file goes only when no half of the VM still uses it.
  const canDeleteFile = () => !props.running || props.apply === "now-and-next-boot";
  const why = () => {
    const c = choice();
    if (!c?.needsConfirmation) return null;
    return c.sharedWith.length > 0
      ? `it is also used by ${c.sharedWith.join(", ")}`
      : "it lies outside every storage pool";
  };

  async function remove() {
    const when = props.apply;
    if (!when) return;
    setBusy(true);
    props.onError(null);
    try {
      await backend.vmRemoveDisk({
        vm: props.vm,
        target: props.disk.target,
        deleteFile: deleteFile(),
        confirmedRisky: risky(),
        apply: when,
      });
      setAsking(false);
    } catch (e) {
      props.onError(toApiError(e).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Show
      when={asking()}
      fallback={
        <button
          type="button"
          class="button button-small"
          disabled={!props.apply}
          onClick={() => void ask()}
          data-testid={`disk-remove-${props.disk.target}`}
        >
          Remove
        </button>
      }
    >
      <div class="vm-disk-remove" data-testid={`disk-remove-ask-${props.disk.target}`}>
        <p>Remove {props.disk.target} from this VM?</p>
        <Show when={props.running && props.apply}>
          {(when) => <p class="vm-page-hint">Applies: {APPLY_LABELS[when()]}.</p>}
        </Show>
        <Show
          when={choice()?.device === "disk" && canDeleteFile() ? choice() : null}
          fallback={<p class="vm-page-hint">Its file stays where it is.</p>}
        >
          {(c) => (
            <>
              <label>
                <input
                  type="checkbox"
                  checked={deleteFile()}
                  onChange={(e) => setDeleteFile(e.currentTarget.checked)}
                  data-testid={`disk-remove-file-${props.disk.target}`}
                />
                Also delete its file{c().pool ? ` (in pool ${c().pool})` : ""}
              </label>
              <Show when={deleteFile() && why()}>
                {(reason) => (
                  <label class="field-warning">
                    <input
                      type="checkbox"
                      checked={risky()}
                      onChange={(e) => setRisky(e.currentTarget.checked)}
                      data-testid={`disk-remove-risky-${props.disk.target}`}
                    />
                    Delete it although {reason()}
                  </label>
                )}
              </Show>
            </>
          )}
        </Show>
        <div class="vm-page-buttons">
          <button
            type="button"
            class="button button-small button-destructive"
            disabled={busy() || (deleteFile() && why() !== null && !risky())}
            onClick={() => void remove()}
            data-testid={`disk-remove-confirm-${props.disk.target}`}
          >
            {deleteFile() ? "Remove and delete" : "Remove"}
          </button>
          <button type="button" class="button button-small" onClick={() => setAsking(false)}>
            Keep
          </button>
        </div>
      </div>
    </Show>
  );
}
