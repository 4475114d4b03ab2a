import "./snapshots.css";
import { createEffect, createSignal, For, on, Show } from "solid-js";
import { useBackend } from "../../backend";
import { toApiError } from "../../backend/errors";
import type { SnapshotInfo } from "../../bindings/SnapshotInfo";
import type { VmDetails } from "../../bindings/VmDetails";
import type { VmRef } from "../../bindings/VmRef";
import type { VmSnapshots } from "../../bindings/VmSnapshots";
import { isRunning } from "../../inventory/store";
import { ConfirmDialog } from "../../shared/ConfirmDialog";
import { formatBytes, plural } from "../../shared/format";
import { Modal } from "../../shared/Modal";
import { InlineError } from "../../wizard/InlineError";
import { SnapshotCreateForm } from "./SnapshotCreateForm";
import { depth, descendants, formatTaken } from "./tree";

const MECHANISM_LABELS = {
  internal: "internal snapshots, kept inside the VM's qcow2 disks",
  external: "external snapshots, new overlay files on top of the VM's disks",
} as const;

type Asking =
  | { kind: "revert"; snap: SnapshotInfo }
  | { kind: "delete"; snap: SnapshotInfo; children: number };

/**
 * The VM's snapshots as a tree (the current one marked), taking new ones, and reverting to,
 * deleting and describing each. What this VM and the connection's libvirt allow comes from
 * the backend's table: without a mechanism the section says why instead of offering a button.
 */
export function SnapshotsSection(props: { vm: VmRef; details: VmDetails }) {
  const backend = useBackend();
  const [data, setData] = createSignal<VmSnapshots | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const [asking, setAsking] = createSignal<Asking | null>(null);
  const [editing, setEditing] = createSignal<string | null>(null);
  const [draft, setDraft] = createSignal("");
  const [busy, setBusy] = createSignal(false);
  // A paused VM has memory to keep too: its snapshot is a running one's.
  const running = () =>
    isRunning(props.details.summary.state) || props.details.summary.state === "paused";
  const allowed = (action: "snapshot" | "revert-snapshot") =>
    props.details.summary.allowed.includes(action);

  async function load() {
    try {
      setData(await backend.vmSnapshots(props.vm));
      setError(null);
    } catch (e) {
      setError(toApiError(e).message);
    }
  }
  // Again when the VM starts or stops: the choices depend on it, and a revert changes it.
  createEffect(
    on(
      () => props.details.summary.state,
      () => void load(),
    ),
  );

  async function act(step: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await step();
    } catch (e) {
      setError(toApiError(e).message);
    } finally {
      setBusy(false);
      await load();
    }
  }

  function confirmRevert(snap: SnapshotInfo) {
    setAsking(null);
    void act(() => backend.vmSnapshotRevert({ vm: props.vm, name: snap.name }));
  }

  function confirmDelete(snap: SnapshotInfo, withChildren: boolean) {
    setAsking(null);
    void act(() =>
      backend.vmSnapshotDelete({
        vm: props.vm,
        name: snap.name,
        which: withChildren ? "with-children" : "one",
      }),
    );
  }

  function saveDescription(snap: SnapshotInfo) {
    void act(async () => {
      await backend.vmSnapshotDescribe({ vm: props.vm, name: snap.name, description: draft() });
      setEditing(null);
    });
  }

  const revertMessage = (snap: SnapshotInfo) => {
    const lost = running()
      ? "Everything the VM did since then is lost, including its current running state."
      : "Every change to its disks since then is lost.";
    const after = snap.hasMemory
      ? "The VM then runs from where it was when the snapshot was taken."
      : "The VM is then shut off, with its disks as they were.";
    return `Revert “${props.details.hardware.name}” to “${snap.name}” (${formatTaken(snap.created)})? ${lost} ${after}`;
  };

  return (
    <section
      class="vm-page-section"
      aria-labelledby="vm-snapshots-heading"
      data-testid="vm-snapshots"
    >
      <h2 id="vm-snapshots-heading">Snapshots</h2>
      <Show
        when={data()}
        fallback={
          <Show when={error()} fallback={<p class="vm-page-hint">Reading the snapshots…</p>}>
            <div class="vm-page-buttons">
              <button
                type="button"
                class="button button-small"
                onClick={() => void load()}
                data-testid="snapshots-retry"
              >
                Try again
              </button>
            </div>
          </Show>
        }
      >
        {(d) => (
          <>
            <Show
              when={d().support.mechanism}
              fallback={
                <p class="vm-page-hint" data-testid="snapshots-unavailable">
                  No snapshots for this VM: {d().support.reason}
                </p>
              }
            >
              {(mechanism) => (
                <>
                  <p class="vm-page-hint" data-testid="snapshots-mechanism">
                    With libvirt {d().support.libvirtVersion} this VM gets{" "}
                    {MECHANISM_LABELS[mechanism()]}.
                  </p>
                  <SnapshotCreateForm
                    vm={props.vm}
                    support={d().support}
                    snapshots={d().snapshots}
                    running={running()}
                    allowed={allowed("snapshot")}
                    onCreated={() => void load()}
                  />
                </>
              )}
            </Show>
            <Show
              when={d().snapshots.length > 0}
              fallback={<p class="vm-page-hint">No snapshots yet.</p>}
            >
              <ul class="vm-snapshot-tree" aria-label="Snapshots, oldest first">
                <For each={d().snapshots}>
                  {(snap) => (
                    <li
                      class="vm-snapshot"
                      classList={{ "vm-snapshot-current": snap.current }}
                      style={{ "--depth": depth(d().snapshots, snap) }}
                      data-testid={`snapshot-row-${snap.name}`}
                    >
                      <div class="vm-snapshot-head">
                        <strong>{snap.name}</strong>
                        <Show when={snap.current}>
                          <span class="badge" title="The VM's disks now grow from this snapshot">
                            current
                          </span>
                        </Show>
                        <Show when={snap.hasMemory}>
                          <span
                            class="badge"
                            title="Its saved memory: what this snapshot takes on disk of its own"
                          >
                            {snap.memorySize === null
                              ? "with memory"
                              : `with memory · ${formatBytes(snap.memorySize)}`}
                          </span>
                        </Show>
                        <span class="vm-page-hint">{formatTaken(snap.created)}</span>
                      </div>
                      <Show
                        when={editing() === snap.name}
                        fallback={
                          <Show when={snap.description}>
                            <p class="vm-snapshot-description">{snap.description}</p>
                          </Show>
                        }
                      >
                        <textarea
                          class="vm-snapshot-edit"
                          rows={2}
                          maxLength={2000}
                          aria-label={`Description of ${snap.name}`}
                          value={draft()}
                          onInput={(e) => setDraft(e.currentTarget.value)}
                          data-testid={`snapshot-describe-input-${snap.name}`}
                        />
                      </Show>
                      <div class="vm-page-buttons">
                        <Show
                          when={editing() === snap.name}
                          fallback={
                            <>
                              <button
                                type="button"
                                class="button button-small"
                                disabled={busy() || !allowed("revert-snapshot")}
                                onClick={() => setAsking({ kind: "revert", snap })}
                                data-testid={`snapshot-revert-${snap.name}`}
                              >
                                Revert…
                              </button>
                              <button
                                type="button"
                                class="button button-small"
                                disabled={busy()}
                                onClick={() => {
                                  setDraft(snap.description);
                                  setEditing(snap.name);
                                }}
                                data-testid={`snapshot-describe-${snap.name}`}
                              >
                                Edit description
                              </button>
                              <button
                                type="button"
                                class="button button-small button-destructive"
                                disabled={busy() || !allowed("revert-snapshot")}
                                onClick={() =>
                                  setAsking({
                                    kind: "delete",
                                    snap,
                                    children: descendants(d().snapshots, snap).length,
                                  })
                                }
                                data-testid={`snapshot-delete-${snap.name}`}
                              >
                                Delete…
                              </button>
                            </>
                          }
                        >
                          <button
                            type="button"
                            class="button button-small"
                            disabled={busy()}
                            onClick={() => saveDescription(snap)}
                            data-testid={`snapshot-describe-save-${snap.name}`}
                          >
                            Save
                          </button>
                          <button
                            type="button"
                            class="button button-small"
                            onClick={() => setEditing(null)}
                          >
                            Cancel
                          </button>
                        </Show>
                      </div>
                    </li>
                  )}
                </For>
              </ul>
            </Show>
          </>
        )}
      </Show>
      <Show when={error()}>
        {(message) => <InlineError testId="snapshots-error">{message()}</InlineError>}
      </Show>
      <Show when={asking()}>
        {(a) => {
          const current = a();
          if (current.kind === "revert") {
            return (
              <ConfirmDialog
                title="Revert to this snapshot?"
                message={revertMessage(current.snap)}
                confirmLabel="Revert"
                destructive
                confirmId="snapshot-revert"
                onConfirm={() => confirmRevert(current.snap)}
                onCancel={() => setAsking(null)}
              />
            );
          }
          if (current.children === 0) {
            return (
              <ConfirmDialog
                title="Delete this snapshot?"
                message={`Delete “${current.snap.name}”? The VM as it is now stays; only this point to go back to is gone.`}
                confirmLabel="Delete"
                destructive
                confirmId="snapshot-delete"
                onConfirm={() => confirmDelete(current.snap, false)}
                onCancel={() => setAsking(null)}
              />
            );
          }
          const later = plural(current.children, "later snapshot");
          return (
            <Modal
              role="alertdialog"
              title="Delete this snapshot?"
              description={`“${current.snap.name}” has ${later} on its branches. Delete only “${current.snap.name}” (the later ones stay, and move up), or it with them. The VM as it is now stays either way.`}
              onClose={() => setAsking(null)}
              testId="confirm-dialog"
              footer={
                <>
                  <button
                    type="button"
                    class="button"
                    data-autofocus
                    onClick={() => setAsking(null)}
                  >
                    Cancel
                  </button>
                  <button
                    type="button"
                    class="button"
                    data-confirm="snapshot-delete"
                    onClick={() => confirmDelete(current.snap, false)}
                  >
                    Delete only this one
                  </button>
                  <button
                    type="button"
                    class="button button-destructive"
                    data-confirm="snapshot-delete-children"
                    onClick={() => confirmDelete(current.snap, true)}
                  >
                    Delete with {later}
                  </button>
                </>
              }
            />
          );
        }}
      </Show>
    </section>
  );
}
