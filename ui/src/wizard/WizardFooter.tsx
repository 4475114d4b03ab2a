import { Show } from "solid-js";
import type { WizardController } from "./controller";

/** Cancel, Back, and Next, or on the last step Create only and Create and start. */
export function WizardFooter(props: { wizard: WizardController }) {
  const { connections, step, busy, index, next, back, close, creating, create } = props.wizard;
  return (
    <>
      <button
        type="button"
        class="button wizard-cancel"
        data-action="cancel"
        disabled={creating()}
        onClick={close}
      >
        Cancel
      </button>
      <Show when={index() > 0}>
        <button
          type="button"
          class="button"
          data-action="back"
          disabled={creating() || busy()}
          onClick={back}
        >
          Back
        </button>
      </Show>
      <Show
        when={step() === "review"}
        fallback={
          <button
            type="button"
            class="button button-suggested"
            data-action="next"
            disabled={busy() || connections().length === 0}
            aria-busy={busy()}
            onClick={() => void next()}
          >
            <Show when={busy()}>
              <span class="spinner" aria-hidden="true" />
            </Show>
            Next
          </button>
        }
      >
        <button
          type="button"
          class="button"
          data-action="create-only"
          disabled={creating()}
          onClick={() => void create(false)}
        >
          Create only
        </button>
        <button
          type="button"
          class="button button-suggested"
          data-action="create-start"
          disabled={creating()}
          onClick={() => void create(true)}
        >
          Create and start
        </button>
      </Show>
    </>
  );
}
