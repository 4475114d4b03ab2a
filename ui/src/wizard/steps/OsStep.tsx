import { For, Show } from "solid-js";
import type { WizardController } from "../controller";
import { InlineError } from "../InlineError";
import { SourceSummary } from "../SourceSummary";
/** Step 2: the guest OS, searched in the host's osinfo database. */
export function OsStep(props: { wizard: WizardController }) {
  const {
    state,
    setState,
    sourceInfo,
    osQuery,
    setOsQuery,
    includeEol,
    setIncludeEol,
    osList,
    osError,
    setOsError,
  } = props.wizard;
  return (
    <>
      <SourceSummary info={sourceInfo()} />
      <div class="os-search">
        <input
          class="entry search"
          type="search"
          placeholder="Search: Fedora, Ubuntu 24.04…"
          aria-label="Search operating systems"
          data-field="os-search"
          value={osQuery()}
          onInput={(e) => setOsQuery(e.currentTarget.value)}
        />
        <label class="check">
          <input
            type="checkbox"
            data-field="include-eol"
            checked={includeEol()}
            onChange={(e) => setIncludeEol(e.currentTarget.checked)}
          />
          Show end-of-life releases
        </label>
      </div>
      <Show when={state.os}>
        {(os) => (
          <p class="dim" data-testid="os-selected">
            Selected: <strong>{os().name}</strong>
          </p>
        )}
      </Show>
      <Show
        when={osList()}
        fallback={
          <div class="loading loading-small" role="status">
            <span class="spinner" aria-hidden="true" />
            Loading operating systems…
          </div>
        }
      >
        {(list) => (
          <fieldset class="os-list" data-testid="os-list">
            <legend class="visually-hidden">Operating system</legend>
            <Show when={list().length === 0}>
              <p class="dim">No operating system matches. Try a generic choice.</p>
            </Show>
            <For each={list()}>
              {(os) => (
                <label class="os-row" classList={{ "os-row-generic": os.generic }}>
                  <input
                    type="radio"
                    name="wizard-os"
                    data-os-id={os.id}
                    checked={state.os?.id === os.id}
                    onChange={() => {
                      setState("os", os);
                      setOsError(null);
                    }}
                  />
                  <span class="os-name">{os.name}</span>
                  <span class="os-meta">
                    {[os.vendor, os.releaseDate?.slice(0, 4), os.eol ? "end of life" : null]
                      .filter(Boolean)
                      .join(" · ")}
                  </span>
                </label>
              )}
            </For>
          </fieldset>
        )}
      </Show>
      <Show when={osError()}>
        {(message) => <InlineError testId="os-error">{message()}</InlineError>}
      </Show>
    </>
  );
}
