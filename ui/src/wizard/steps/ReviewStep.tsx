import { Show } from "solid-js";
import type { WizardController } from "../controller";
import { InlineError } from "../InlineError";
import { buildCreateRequest, MODE_LABELS, NETWORK_LABELS } from "../state";
/** Step 5: the name, a summary, the domain XML on demand, and progress while creating. */
export function ReviewStep(props: { wizard: WizardController }) {
  const {
    connections,
    state,
    setState,
    attempted,
    nameError,
    xmlOpen,
    xml,
    previewError,
    previewing,
    toggleXml,
    creating,
    cancelling,
    progress,
    createError,
    cancelCreate,
  } = props.wizard;
  const request = () => buildCreateRequest(state, true).request;
  const sourceText = () => {
    const r = request();
    switch (r.source.kind) {
      case "import":
        return `Import ${r.source.path} (${MODE_LABELS[r.source.mode].label.toLowerCase()})`;
      case "iso":
        return `Install from ${r.source.path}, new ${r.source.diskGib} GiB disk`;
      default:
        return `Empty, new ${r.source.diskGib} GiB disk`;
    }
  };
  const connectionName = () =>
    connections().find((c) => c.id === state.connection)?.name ?? state.connection;
  return (
    <>
      <label class="field">
        <span class="field-label">Name</span>
        <input
          class="entry"
          type="text"
          spellcheck={false}
          autocomplete="off"
          data-field="name"
          data-autofocus
          value={state.name}
          disabled={creating()}
          aria-invalid={attempted("review") && nameError() !== null}
          onInput={(e) => setState("name", e.currentTarget.value)}
        />
        <Show when={nameError()}>
          {(message) => (
            <span
              class={attempted("review") ? "field-error" : "field-hint"}
              data-testid="name-error"
            >
              {message()}
            </span>
          )}
        </Show>
      </label>
      <dl class="summary" data-testid="summary">
        <dt>Connection</dt>
        <dd>{connectionName()}</dd>
        <dt>Source</dt>
        <dd class="summary-wrap">{sourceText()}</dd>
        <dt>Operating system</dt>
        <dd>{state.os?.name ?? "—"}</dd>
        <dt>Memory</dt>
        <dd>{request().memoryMib} MiB</dd>
        <dt>CPUs</dt>
        <dd>{request().vcpus}</dd>
        <dt>Storage pool</dt>
        <dd>{request().pool ?? "default"}</dd>
        <dt>Firmware</dt>
        <dd>
          {request().firmware === "uefi" ? "UEFI" : "BIOS"}
          {request().tpm ? ", TPM 2.0" : ""}
        </dd>
        <dt>Network</dt>
        <dd>
          {NETWORK_LABELS[request().network]}
          {request().setupNetwork ? ", set up if needed" : ""}
        </dd>
      </dl>
      <div class="xml-disclosure">
        <button
          type="button"
          class="button button-small"
          data-action="view-xml"
          aria-expanded={xmlOpen()}
          onClick={toggleXml}
        >
          {xmlOpen() ? "Hide XML" : "View XML"}
        </button>
        <Show when={xmlOpen()}>
          <Show when={previewing()}>
            <div class="loading loading-small" role="status">
              <span class="spinner" aria-hidden="true" />
              Checking…
            </div>
          </Show>
          <Show when={xml()}>
            {(text) => (
              <pre class="xml" data-testid="xml">
                {text()}
              </pre>
            )}
          </Show>
          <Show when={previewError()}>
            {(err) => <InlineError testId="preview-error">{err().message}</InlineError>}
          </Show>
        </Show>
      </div>
      <Show when={creating()}>
        <div class="create-progress" role="status" data-testid="create-progress">
          <span>{cancelling() ? "Cancelling…" : (progress()?.step ?? "Creating…")}</span>
          <Show
            when={progress() && (progress()?.total ?? 0) > 0}
            fallback={<progress class="progress" aria-label="Creating" />}
          >
            <progress
              class="progress"
              aria-label="Creating"
              max={progress()?.total}
              value={progress()?.done}
            />
          </Show>
          <button
            type="button"
            class="button button-small"
            data-action="cancel-create"
            disabled={cancelling()}
            onClick={() => void cancelCreate()}
          >
            Cancel
          </button>
        </div>
      </Show>
      <Show when={createError()}>
        {(err) => <InlineError testId="create-error">{err().message}</InlineError>}
      </Show>
    </>
  );
}
