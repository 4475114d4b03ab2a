import "./clone.css";
import { createSignal, onCleanup, onMount, Show } from "solid-js";
import { useBackend } from "../backend";
import { toApiError } from "../backend/errors";
import type { CloneMode } from "../bindings/CloneMode";
import type { Progress } from "../bindings/Progress";
import type { VmDetails } from "../bindings/VmDetails";
import type { VmRef } from "../bindings/VmRef";
import { Modal } from "../shared/Modal";
import { InlineError } from "../wizard/InlineError";

/** The disks a clone gets files of its own for, and whether each can carry an overlay. */
function writableDisks(details: VmDetails) {
  return details.hardware.disks.filter((d) => d.device === "disk" && !d.readonly);
}

/**
 * Cloning a shut-off or saved VM: a name and linked or full. Linked is the default when every disk is
 * qcow2 (fast, small; the source then cannot start while the clone exists); a raw disk says
 * why only a full copy is offered. A full copy shows its progress and can be cancelled.
 */
export function CloneDialog(props: { vm: VmRef; name: string; onClose: () => void }) {
  const backend = useBackend();
  const [details, setDetails] = createSignal<VmDetails | null>(null);
  const [name, setName] = createSignal(`${props.name}-clone`);
  const [mode, setMode] = createSignal<CloneMode | null>(null);
  const [busy, setBusy] = createSignal(false);
  const [progress, setProgress] = createSignal<Progress | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  let unlisten: (() => void) | undefined;
  onCleanup(() => unlisten?.());

  const rawDisk = () => {
    const d = details();
    return d ? writableDisks(d).find((disk) => disk.format !== "qcow2") : undefined;
  };
  const chosen = (): CloneMode => mode() ?? (rawDisk() ? "full" : "linked");
  const allowed = () => details()?.summary.allowed.includes("clone") ?? false;

  const state = () => details()?.summary.state;
  const [shuttingDown, setShuttingDown] = createSignal(false);
  async function read() {
    try {
      setDetails(await backend.vmDetails(props.vm));
    } catch (e) {
      setError(toApiError(e).message);
    }
  }
  onMount(() => void read());
  // While it shuts down, each event about it is read again, so Clone enables once it is off.
  let stopWatching: (() => void) | undefined;
  let closed = false;
  onCleanup(() => {
    closed = true;
    stopWatching?.();
  });
  onMount(() => {
    void backend
      .listen("inventory", (event) => {
        const mine =
          event.kind === "vm-upserted" &&
          event.connection === props.vm.connection &&
          event.vm.uuid === props.vm.uuid;
        if (mine && shuttingDown()) void read();
      })
      .then((stop) => {
        if (closed) stop();
        else stopWatching = stop;
      });
  });

  /** Shut down (running) or save (paused: QEMU holds its disks until it stops). */
  async function stopIt(action: "shutdown" | "save") {
    setShuttingDown(true);
    setError(null);
    try {
      await backend.vmAction({ vm: props.vm, action });
    } catch (e) {
      setError(toApiError(e).message);
      setShuttingDown(false);
    }
  }

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setProgress(null);
    try {
      unlisten = await backend.listen("create-progress", (p) => setProgress(p));
      await backend.vmClone({ vm: props.vm, clone: { name: name().trim(), mode: chosen() } });
      props.onClose();
    } catch (e) {
      setError(toApiError(e).message);
    } finally {
      unlisten?.();
      unlisten = undefined;
      setBusy(false);
    }
  }

  return (
    <Modal
      title={`Clone “${props.name}”`}
      description={
        <p>
          A new VM with this one's hardware, a new identity (UUID, network addresses) and disks of
          its own.
        </p>
      }
      onClose={() => {
        if (!busy()) props.onClose();
      }}
      testId="clone-dialog"
      footer={
        <>
          <button
            type="button"
            class="button"
            data-autofocus
            onClick={() => (busy() ? void backend.vmCloneCancel() : props.onClose())}
            data-testid="clone-cancel"
          >
            Cancel
          </button>
          <button
            type="submit"
            form="clone-form"
            class="button button-suggested"
            disabled={busy() || !details() || !allowed() || name().trim() === ""}
            data-testid="clone-submit"
          >
            {busy() ? "Cloning…" : "Clone"}
          </button>
        </>
      }
    >
      <form id="clone-form" class="clone-form" onSubmit={submit} noValidate>
        <label class="field">
          <span>Name of the clone</span>
          <input
            type="text"
            maxLength={64}
            value={name()}
            onInput={(e) => setName(e.currentTarget.value)}
            disabled={busy()}
            data-testid="clone-name"
          />
        </label>
        <Show when={details() && !allowed()}>
          <div class="field-warning" data-testid="clone-not-now">
            <Show
              when={state() === "paused"}
              fallback={
                <p>
                  Only a shut-off or saved VM can be cloned: its disks must not change while they
                  are read. Shut it down first; the dialog waits for it.
                </p>
              }
            >
              <p>
                It is paused, and QEMU still holds its disks. Save it: its memory goes to disk, it
                stops, and it resumes from there when you start it again. The clone's disks are then
                as at a power cut (what the guest had not written yet stays in the saved memory).
              </p>
            </Show>
            <Show when={details()?.summary.allowed.includes("shutdown")}>
              <button
                type="button"
                class="button button-small"
                disabled={shuttingDown()}
                onClick={() => void stopIt("shutdown")}
                data-testid="clone-shutdown"
              >
                {shuttingDown() ? "Shutting down…" : "Shut down"}
              </button>
            </Show>
            <Show when={state() === "paused" && details()?.summary.allowed.includes("save")}>
              <button
                type="button"
                class="button button-small"
                disabled={shuttingDown()}
                onClick={() => void stopIt("save")}
                data-testid="clone-save"
              >
                {shuttingDown() ? "Saving…" : "Save"}
              </button>
            </Show>
          </div>
        </Show>
        <Show when={allowed() && state() === "saved"}>
          <p class="vm-page-hint" data-testid="clone-saved-note">
            Its memory is saved: the clone gets its disks as they are, like after a power cut, and
            starts fresh. This VM resumes from its saved memory as before.
          </p>
        </Show>
        <fieldset class="clone-modes" disabled={busy()}>
          <legend class="field-label">Disks</legend>
          <label>
            <input
              type="radio"
              name="clone-mode"
              checked={chosen() === "linked"}
              disabled={rawDisk() !== undefined}
              onChange={() => setMode("linked")}
              data-testid="clone-linked"
            />
            <span>
              <strong>Linked</strong>: new overlay files on top of this VM's disks. Made in a moment
              and small. This VM then becomes a template: it cannot start while the clone exists,
              since that would change the disks the clone is built on.
            </span>
          </label>
          <Show when={rawDisk()}>
            {(d) => (
              <p class="vm-page-hint" data-testid="clone-linked-why">
                Disk {d().target} is {d().format ?? "not qcow2"}: a linked clone needs qcow2 disks
                to build on.
              </p>
            )}
          </Show>
          <label>
            <input
              type="radio"
              name="clone-mode"
              checked={chosen() === "full"}
              onChange={() => setMode("full")}
              data-testid="clone-full"
            />
            <span>
              <strong>Full</strong>: every disk copied. Takes longer and needs the space, and the
              clone is independent of this VM.
            </span>
          </label>
        </fieldset>
        <Show when={busy() && progress()}>
          {(p) => (
            <div class="create-progress" role="status" data-testid="clone-progress">
              <span>{p().step}</span>
              <progress class="progress" max={p().total} value={p().done} />
            </div>
          )}
        </Show>
        <Show when={error()}>
          {(message) => <InlineError testId="clone-error">{message()}</InlineError>}
        </Show>
      </form>
    </Modal>
  );
}
