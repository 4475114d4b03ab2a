import "./delete-dialog.css";
import { createSignal, For, onMount, Show } from "solid-js";
import { createStore } from "solid-js/store";
import { errorHint, toApiError, useBackend } from "../backend";
import type { ApiError } from "../bindings/ApiError";
import type { DiskChoice } from "../bindings/DiskChoice";
import type { VmRef } from "../bindings/VmRef";
import { Modal } from "../shared/Modal";

export const RISK_CONFIRMATION =
  "I understand these files will be deleted although they are outside a storage pool / used by other VMs";

export interface DeleteDialogProps {
  vm: VmRef;
  name: string;
  onClose: () => void;
}

/**
 * Deleting a VM: which disks go with it. Suggested disks are checked; removing a file outside
 * a pool or shared with another VM needs a second, explicit confirmation.
 */
export function DeleteDialog(props: DeleteDialogProps) {
  const backend = useBackend();
  const [disks, setDisks] = createSignal<DiskChoice[] | null>(null);
  const [checked, setChecked] = createStore<Record<string, boolean>>({});
  const [riskConfirmed, setRiskConfirmed] = createSignal(false);
  const [loadError, setLoadError] = createSignal<ApiError | null>(null);
  const [deleteError, setDeleteError] = createSignal<ApiError | null>(null);
  const [busy, setBusy] = createSignal(false);
  const [snapshots, setSnapshots] = createSignal<string[]>([]);
  const [clones, setClones] = createSignal<string[]>([]);

  async function load() {
    setLoadError(null);
    setDisks(null);
    try {
      const choices = await backend.vmDeletePreview(props.vm);
      const initial: Record<string, boolean> = {};
      for (const disk of choices) initial[disk.target] = disk.removeByDefault && disk.path !== null;
      setChecked(initial);
      setDisks(choices);
    } catch (error) {
      setLoadError(toApiError(error));
    }
  }

  onMount(() => {
    void load();
    // Only to name them: without the list the dialog still deletes, as libvirt would.
    backend.vmSnapshots(props.vm).then(
      (all) => setSnapshots(all.snapshots.map((snap) => snap.name)),
      () => setSnapshots([]),
    );
    backend.vmLinkedClones(props.vm).then(setClones, () => setClones([]));
  });

  const selected = () => (disks() ?? []).filter((disk) => checked[disk.target]);
  const risky = () => selected().some((disk) => disk.needsConfirmation);
  const canDelete = () => disks() !== null && !busy() && (!risky() || riskConfirmed());

  async function confirm() {
    if (!canDelete()) return;
    setBusy(true);
    setDeleteError(null);
    try {
      await backend.vmDelete({
        vm: props.vm,
        removeDisks: selected().map((disk) => disk.target),
        confirmedRisky: risky() && riskConfirmed(),
      });
      props.onClose();
    } catch (error) {
      setDeleteError(toApiError(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal
      role="alertdialog"
      title={`Delete “${props.name}”?`}
      description={
        <p>
          The machine's configuration is removed. Checked disks are deleted with it; unchecked ones
          stay where they are.
        </p>
      }
      onClose={props.onClose}
      testId="delete-dialog"
      footer={
        <>
          <button type="button" class="button" data-autofocus onClick={() => props.onClose()}>
            Cancel
          </button>
          <button
            type="button"
            class="button button-destructive"
            disabled={!canDelete()}
            aria-busy={busy()}
            onClick={() => void confirm()}
            data-testid="confirm-delete"
            data-confirm="delete"
          >
            <Show when={busy()} fallback="Delete">
              <span class="spinner" aria-hidden="true" />
              Deleting…
            </Show>
          </button>
        </>
      }
    >
      <Show when={clones().length > 0}>
        <p class="field-warning" data-testid="delete-clones">
          {`Linked clones are built on this VM's disks: ${clones().join(", ")}. Deleting its disks breaks them; keep the disks, or delete the clones first.`}
        </p>
      </Show>
      <Show when={snapshots().length > 0}>
        <p class="dialog-note" data-testid="delete-snapshots">
          {`Its ${snapshots().length === 1 ? "snapshot goes" : `${snapshots().length} snapshots go`} with it: ${snapshots().join(", ")}. A snapshot's data inside a disk you keep stays in that file.`}
        </p>
      </Show>
      <Show when={loadError()}>
        {(err) => (
          <div class="inline-error" role="alert" data-code={err().code}>
            <p class="inline-error-message">Could not list the disks: {err().message}</p>
            <p class="inline-error-hint">{errorHint(err().code, "inventory")}</p>
            <button type="button" class="button button-small" onClick={() => void load()}>
              Try again
            </button>
          </div>
        )}
      </Show>
      <Show when={!disks() && !loadError()}>
        <div class="loading loading-small" role="status">
          <span class="spinner" aria-hidden="true" />
          Looking at the disks…
        </div>
      </Show>
      <Show when={disks()}>
        {(list) => (
          <Show
            when={list().length > 0}
            fallback={<p class="dialog-note">This machine has no disks.</p>}
          >
            <fieldset class="disk-list">
              <legend class="field-label">Also delete these files</legend>
              <For each={list()}>
                {(disk) => (
                  <DiskItem
                    disk={disk}
                    checked={checked[disk.target] === true}
                    onChange={(on) => setChecked(disk.target, on)}
                    disabled={busy()}
                  />
                )}
              </For>
            </fieldset>
          </Show>
        )}
      </Show>
      <Show when={risky()}>
        <label class="risk-confirm">
          <input
            type="checkbox"
            checked={riskConfirmed()}
            onChange={(event) => setRiskConfirmed(event.currentTarget.checked)}
            disabled={busy()}
            data-testid="confirm-risky"
          />
          <span>{RISK_CONFIRMATION}</span>
        </label>
      </Show>
      <Show when={deleteError()}>
        {(err) => (
          <div class="inline-error" role="alert" data-code={err().code}>
            <p class="inline-error-message">{err().message}</p>
            <p class="inline-error-hint">{errorHint(err().code, "inventory")}</p>
          </div>
        )}
      </Show>
    </Modal>
  );
}

function DiskItem(props: {
  disk: DiskChoice;
  checked: boolean;
  onChange: (on: boolean) => void;
  disabled: boolean;
}) {
  return (
    <label
      class="disk"
      classList={{ "disk-risky": props.disk.needsConfirmation }}
      data-disk-target={props.disk.target}
    >
      <input
        type="checkbox"
        checked={props.checked}
        disabled={props.disabled || props.disk.path === null}
        onChange={(event) => props.onChange(event.currentTarget.checked)}
      />
      <span class="disk-body">
        <span class="disk-title">
          <strong>{props.disk.target}</strong>
          <span class="disk-device">{props.disk.device}</span>
        </span>
        <span class="disk-path">{props.disk.path ?? "No file (empty drive)"}</span>
        <span class="disk-meta">
          <Show when={props.disk.path !== null}>
            <Show when={props.disk.pool} fallback={<span>Outside any storage pool</span>}>
              {(pool) => <span>In pool {pool()}</span>}
            </Show>
          </Show>
          <Show when={props.disk.sharedWith.length > 0}>
            <span class="disk-shared">used by {props.disk.sharedWith.join(", ")}</span>
          </Show>
        </span>
      </span>
    </label>
  );
}
