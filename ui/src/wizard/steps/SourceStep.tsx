import { For, Show } from "solid-js";
import type { ImportMode } from "../../bindings/ImportMode";
import { StatusIcon } from "../../shared/icons";
import type { WizardController } from "../controller";
import { InlineError } from "../InlineError";
import { SourceSummary } from "../SourceSummary";
import { MODE_LABELS, SOURCE_LABELS, type SourceKind, unacknowledged } from "../state";

const SOURCE_KINDS: readonly SourceKind[] = ["import", "iso", "empty"];
const MODES: readonly ImportMode[] = ["overlay", "copy", "in-place"];
const SOURCE_HINTS: Record<SourceKind, string> = {
  import: "A qcow2 or raw disk with an installed system (a cloud image, a VM from elsewhere).",
  iso: "Boot an installer; a new empty disk is created for the system.",
  empty: "A new empty disk and no install media: set it up later.",
};
/** Step 1: the connection, and what the VM starts from (an image, an ISO, nothing). */
export function SourceStep(props: { wizard: WizardController }) {
  const {
    connections,
    state,
    setState,
    next,
    sourceInfo,
    sourceError,
    setSourceError,
    setConnection,
    setSourceKind,
    setWarningsConfirmed,
  } = props.wizard;
  return (
    <>
      <Show
        when={connections().length > 0}
        fallback={
          <InlineError testId="no-connection">
            No connection is connected. Connect one in the connections list first.
          </InlineError>
        }
      >
        <label class="field">
          <span class="field-label">Connection</span>
          <select
            class="entry"
            data-field="connection"
            value={state.connection}
            onChange={(e) => setConnection(e.currentTarget.value)}
          >
            <For each={connections()}>{(c) => <option value={c.id}>{c.name}</option>}</For>
          </select>
        </label>
      </Show>
      <fieldset class="choice-list">
        <legend class="field-label">Source</legend>
        <For each={SOURCE_KINDS}>
          {(kind) => (
            <label class="choice" classList={{ "choice-current": state.sourceKind === kind }}>
              <input
                type="radio"
                name="wizard-source"
                data-source={kind}
                checked={state.sourceKind === kind}
                onChange={() => setSourceKind(kind)}
              />
              <span class="choice-body">
                <span class="choice-title">{SOURCE_LABELS[kind]}</span>
                <span class="choice-hint">{SOURCE_HINTS[kind]}</span>
              </span>
            </label>
          )}
        </For>
      </fieldset>
      <Show when={state.sourceKind !== "empty"}>
        <label class="field">
          <span class="field-label">
            {state.sourceKind === "iso" ? "ISO file" : "Disk image file"}
          </span>
          <input
            class="entry mono"
            type="text"
            spellcheck={false}
            autocomplete="off"
            placeholder={
              state.sourceKind === "iso"
                ? "/home/me/Downloads/install.iso"
                : "/var/lib/images/disk.qcow2"
            }
            data-field="path"
            value={state.path}
            onInput={(e) => {
              setState("path", e.currentTarget.value);
              setSourceError(null);
            }}
            onKeyDown={(e) => {
              if (e.key === "Enter") void next();
            }}
          />
          <span class="field-hint">Paste the full path of the file.</span>
        </label>
      </Show>
      <Show when={state.sourceKind === "import"}>
        <fieldset class="choice-list">
          <legend class="field-label">How to use the image</legend>
          <For each={MODES}>
            {(mode) => (
              <label class="choice choice-compact">
                <input
                  type="radio"
                  name="wizard-mode"
                  data-mode={mode}
                  checked={state.mode === mode}
                  onChange={() => setState("mode", mode)}
                />
                <span class="choice-body">
                  <span class="choice-title">{MODE_LABELS[mode].label}</span>
                  <span class="choice-hint">{MODE_LABELS[mode].hint}</span>
                </span>
              </label>
            )}
          </For>
        </fieldset>
        <Show when={state.mode === "in-place"}>
          <div class="banner banner-warning" data-testid="in-place-warning">
            <StatusIcon status="warning" />
            <p class="banner-body">
              The VM will write to this file: its contents change for good. Use a copy or an overlay
              to keep the original as it is.
            </p>
          </div>
        </Show>
      </Show>
      <SourceSummary info={sourceInfo()} />
      <Show when={sourceInfo()?.warnings.length ? sourceInfo() : null}>
        {(info) => (
          <div class="banner banner-warning" data-testid="source-warnings">
            <StatusIcon status="warning" />
            <div class="banner-body">
              <For each={info().warnings}>{(w) => <p data-warning={w.id}>{w.message}</p>}</For>
              <label class="check">
                <input
                  type="checkbox"
                  data-field="acknowledge"
                  checked={unacknowledged(info().warnings, state.acknowledged).length === 0}
                  onChange={(e) => setWarningsConfirmed(e.currentTarget.checked)}
                />
                <span>I understand; use this file anyway</span>
              </label>
            </div>
          </div>
        )}
      </Show>
      <Show when={sourceError()}>
        {(message) => <InlineError testId="source-error">{message()}</InlineError>}
      </Show>
    </>
  );
}
