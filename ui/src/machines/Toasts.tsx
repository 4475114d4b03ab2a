import { For, Show } from "solid-js";
import { errorHint } from "../backend";
import { StatusIcon } from "../shared/icons";
import type { Notice } from "./notices";

export interface ToastsProps {
  /** The VM just created, while its confirmation is up. */
  created: { name: string; started: boolean } | null;
  onDismissCreated: () => void;
  notices: readonly Notice[];
  onDismiss: (id: number) => void;
}

/** Cards floating over the list until dismissed: "Created …", and the errors of actions. */
export function Toasts(props: ToastsProps) {
  return (
    // Action errors float over the list: no layout shift under the pointer.
    <section class="toasts" aria-label="Errors">
      <Show when={props.created}>
        {(vm) => (
          <div class="banner banner-ok toast" role="status" data-testid="create-notice">
            <StatusIcon status="ok" />
            <div class="banner-body">
              <p class="banner-title">
                Created “{vm().name}”{vm().started ? " and started it" : ""}
              </p>
            </div>
            <button
              type="button"
              class="icon-button"
              aria-label="Dismiss"
              data-tip="Dismiss"
              onClick={() => props.onDismissCreated()}
            >
              <CloseIcon />
            </button>
          </div>
        )}
      </Show>
      <For each={props.notices}>
        {(notice) => (
          <div
            class="banner banner-error toast"
            role="alert"
            data-testid="action-error"
            data-code={notice.code}
          >
            <StatusIcon status="error" />
            <div class="banner-body">
              <p class="banner-title">{notice.title}</p>
              <Show when={notice.message}>
                <p class="banner-message">{notice.message}</p>
              </Show>
              <Show when={notice.details.length > 0}>
                <ul class="banner-details">
                  <For each={notice.details}>{(line) => <li>{line}</li>}</For>
                </ul>
              </Show>
              <p class="banner-hint">{errorHint(notice.code, "inventory")}</p>
            </div>
            <button
              type="button"
              class="icon-button"
              aria-label="Dismiss"
              data-tip="Dismiss"
              onClick={() => props.onDismiss(notice.id)}
            >
              <CloseIcon />
            </button>
          </div>
        )}
      </For>
    </section>
  );
}

function CloseIcon() {
  return (
    <svg class="glyph" viewBox="0 0 16 16" aria-hidden="true">
      <path
        d="M4.5 4.5l7 7M11.5 4.5l-7 7"
        fill="none"
        stroke="currentColor"
        stroke-width="1.6"
        stroke-linecap="round"
      />
    </svg>
  );
}
