import { createSignal, For, onCleanup, Show } from "solid-js";
import { useBackend } from "../backend";
import { toApiError } from "../backend/errors";
import type { Apply } from "../bindings/Apply";
import type { DiskBus } from "../bindings/DiskBus";
import type { ImportMode } from "../bindings/ImportMode";
import type { NewDiskSource } from "../bindings/NewDiskSource";
import type { Progress } from "../bindings/Progress";
import type { SourceInfo } from "../bindings/SourceInfo";
import type { VmRef } from "../bindings/VmRef";
import type { WarningId } from "../bindings/WarningId";
import { InlineError } from "../wizard/InlineError";
import { SourceSummary } from "../wizard/SourceSummary";
import { MODE_LABELS } from "../wizard/state";
import { APPLY_LABELS } from "./pending";

const MODES: readonly ImportMode[] = ["overlay", "copy", "in-place"];

/**
 * Adds a disk: a new empty volume in a pool, or an existing image, inspected as the wizard
 * inspects it, with the same overlay / copy / in-place choice and the same warnings to
 * confirm. A copy shows its progress and can be cancelled; the backend removes what it made.
 */
export function AddDiskForm(props: { vm: VmRef; choices: Apply[] }) {
  const backend = useBackend();
  const [kind, setKind] = createSignal<"empty" | "import">("empty");
  const [gib, setGib] = createSignal("10");
  const [path, setPath] = createSignal("");
  const [mode, setMode] = createSignal<ImportMode>("overlay");
  const [pool, setPool] = createSignal("default");
  const [bus, setBus] = createSignal<DiskBus>("virtio");
  const [apply, setApply] = createSignal<Apply | null>(null);
  const [info, setInfo] = createSignal<SourceInfo | null>(null);
  const [confirmed, setConfirmed] = createSignal(false);
  const [checking, setChecking] = createSignal(false);
  const [busy, setBusy] = createSignal(false);
  const [progress, setProgress] = createSignal<Progress | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const [added, setAdded] = createSignal<string | null>(null);
  let unlisten: (() => void) | undefined;
  onCleanup(() => unlisten?.());

  // A SATA disk cannot be plugged into a running VM: it waits for the next boot.
  const choices = () =>
    bus() === "sata" ? props.choices.filter((c) => c === "next-boot") : props.choices;
  const chosenApply = () => {
    const a = apply();
    return a && choices().includes(a) ? a : choices()[0];
  };
  const warnings = () => info()?.warnings ?? [];
  const sizeGib = () => {
    const n = Number(gib());
    return Number.isInteger(n) && n >= 1 ? n : null;
  };
  const ready = () =>
    kind() === "empty"
      ? sizeGib() !== null
      : info() !== null && (warnings().length === 0 || confirmed());

  let inspections = 0;
  /** The image changed (path, mode or pool): judged again before it can be added; an
   * answer still on its way is for the old one. */
  function forget() {
    inspections += 1;
    setChecking(false);
    setInfo(null);
    setConfirmed(false);
  }

  async function check() {
    const chosen = path().trim();
    forget();
    const asked = inspections;
    setError(null);
    if (chosen === "") return;
    setChecking(true);
    try {
      const found = await backend.inspectSource({
        path: chosen,
        iso: false,
        connection: props.vm.connection,
        pool: mode() === "in-place" ? null : pool().trim() || null,
        mode: mode(),
        vm: props.vm,
      });
      // Only the newest question's answer counts: an older one may be for another path,
      // mode or pool, with other warnings.
      if (asked === inspections) setInfo(found);
    } catch (e) {
      if (asked === inspections) setError(toApiError(e).message);
    } finally {
      if (asked === inspections) setChecking(false);
    }
  }

  async function submit(event: Event) {
    event.preventDefault();
    const when = chosenApply();
    if (!when || !ready()) return;
    const source: NewDiskSource =
      kind() === "empty"
        ? { kind: "empty", gib: sizeGib() ?? 0 }
        : { kind: "import", path: path().trim(), mode: mode() };
    const acknowledged: WarningId[] = confirmed() ? warnings().map((w) => w.id) : [];
    setBusy(true);
    setError(null);
    setAdded(null);
    setProgress(null);
    try {
      unlisten = await backend.listen("create-progress", (p) => setProgress(p));
    } catch {
      // Progress is a nicety.
    }
    try {
      const disk = await backend.vmAddDisk({
        vm: props.vm,
        disk: {
          source,
          bus: bus(),
          pool: source.kind === "import" && mode() === "in-place" ? null : pool().trim() || null,
          apply: when,
          acknowledged,
        },
      });
      setAdded(`Added ${disk.target}: ${disk.path}`);
      setPath("");
      forget();
    } catch (e) {
      setError(toApiError(e).message);
    } finally {
      unlisten?.();
      unlisten = undefined;
      setBusy(false);
      setProgress(null);
    }
  }

  return (
    <form class="vm-disk-add" data-testid="disk-add" onSubmit={submit} noValidate>
      <h3>Add a disk</h3>
      <fieldset class="apply-choice">
        <legend>The disk is</legend>
        <label>
          <input
            type="radio"
            name="disk-kind"
            checked={kind() === "empty"}
            onChange={() => setKind("empty")}
            data-testid="disk-kind-empty"
          />
          A new empty disk
        </label>
        <label>
          <input
            type="radio"
            name="disk-kind"
            checked={kind() === "import"}
            onChange={() => setKind("import")}
            data-testid="disk-kind-import"
          />
          An existing disk image
        </label>
      </fieldset>
      <Show
        when={kind() === "import"}
        fallback={
          <label>
            <span>Size (GiB)</span>
            <input
              type="number"
              min="1"
              step="1"
              value={gib()}
              onInput={(e) => setGib(e.currentTarget.value)}
              data-testid="disk-add-size"
            />
          </label>
        }
      >
        <label class="vm-disk-add-path">
          <span>Image file</span>
          <input
            type="text"
            maxLength={4096}
            placeholder="/path/to/disk.qcow2"
            value={path()}
            onInput={(e) => {
              setPath(e.currentTarget.value);
              forget();
            }}
            onChange={() => void check()}
            data-testid="disk-add-path"
          />
        </label>
        <fieldset class="apply-choice">
          <legend>Use it as</legend>
          <For each={MODES}>
            {(m) => (
              <label title={MODE_LABELS[m].hint}>
                <input
                  type="radio"
                  name="disk-mode"
                  data-mode={m}
                  checked={mode() === m}
                  onChange={() => {
                    setMode(m);
                    void check();
                  }}
                />
                {MODE_LABELS[m].label}
              </label>
            )}
          </For>
        </fieldset>
        <p class="vm-page-hint">{MODE_LABELS[mode()].hint}</p>
        <Show when={checking()}>
          <p class="vm-page-hint">Inspecting the image…</p>
        </Show>
        <SourceSummary info={info()} />
        <Show when={warnings().length > 0}>
          <div class="banner banner-warning" data-testid="disk-add-warnings">
            <div>
              <For each={warnings()}>{(w) => <p data-warning={w.id}>{w.message}</p>}</For>
              <label>
                <input
                  type="checkbox"
                  checked={confirmed()}
                  onChange={(e) => setConfirmed(e.currentTarget.checked)}
                  data-testid="disk-add-confirm"
                />
                Add it anyway
              </label>
            </div>
          </div>
        </Show>
      </Show>
      <Show when={kind() === "empty" || mode() !== "in-place"}>
        <label>
          <span>Storage pool</span>
          <input
            type="text"
            maxLength={64}
            value={pool()}
            onInput={(e) => {
              setPool(e.currentTarget.value);
              if (kind() === "import") forget();
            }}
            onChange={() => kind() === "import" && void check()}
            data-testid="disk-add-pool"
          />
        </label>
      </Show>
      <label>
        <span>Bus</span>
        <select
          value={bus()}
          onChange={(e) => setBus(e.currentTarget.value as DiskBus)}
          data-testid="disk-add-bus"
        >
          <option value="virtio">virtio (fastest; can be plugged in while running)</option>
          <option value="sata">SATA (guests without virtio drivers; next boot only)</option>
        </select>
      </label>
      <Show when={choices().length > 1}>
        <fieldset class="apply-choice">
          <legend>Applies</legend>
          <For each={choices()}>
            {(choice) => (
              <label>
                <input
                  type="radio"
                  name="disk-apply"
                  checked={chosenApply() === choice}
                  onChange={() => setApply(choice)}
                />
                {APPLY_LABELS[choice]}
              </label>
            )}
          </For>
        </fieldset>
      </Show>
      <Show when={busy() && progress()}>
        {(p) => (
          <div class="create-progress" role="status" data-testid="disk-add-progress">
            <span>{p().step}</span>
            <progress class="progress" max={p().total} value={p().done} />
            <button
              type="button"
              class="button button-small"
              onClick={() => void backend.vmAddDiskCancel()}
              data-testid="disk-add-cancel"
            >
              Cancel
            </button>
          </div>
        )}
      </Show>
      <Show when={error()}>
        {(message) => <InlineError testId="disk-add-error">{message()}</InlineError>}
      </Show>
      <Show when={added()}>
        {(text) => (
          <p class="vm-page-hint" data-testid="disk-added">
            {text()}
          </p>
        )}
      </Show>
      <div class="vm-page-buttons">
        <button
          type="submit"
          class="button"
          disabled={busy() || checking() || !chosenApply() || !ready()}
          data-testid="disk-add-submit"
        >
          Add disk
        </button>
      </div>
    </form>
  );
}
