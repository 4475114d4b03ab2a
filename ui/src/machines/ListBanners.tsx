import { For, Show } from "solid-js";
import { errorHint } from "../backend";
import type { ApiError } from "../bindings/ApiError";
import type { InventoryState } from "../inventory/store";
import { StatusIcon } from "../shared/icons";

export interface ListBannersProps {
  state: InventoryState;
  loadError: ApiError | null;
  loading: boolean;
  onRetry: () => void;
  /** Connections that failed: their machines are missing from the list. */
  failedConnections: readonly string[];
  connectionName: (id: string) => string;
}

/** Above the list, what keeps it from being whole: the load failed, or connections did. */
export function ListBanners(props: ListBannersProps) {
  return (
    <>
      <Show when={props.loadError}>
        {(err) => (
          <div class="banner banner-error" role="alert" data-testid="load-error">
            <StatusIcon status="error" />
            <div class="banner-body">
              <p class="banner-title">Could not load the machines</p>
              <p class="banner-message">{err().message}</p>
              <p class="banner-hint">{errorHint(err().code, "inventory")}</p>
            </div>
            <button
              type="button"
              class="button button-small"
              onClick={() => props.onRetry()}
              disabled={props.loading}
            >
              Try again
            </button>
          </div>
        )}
      </Show>

      <For each={props.failedConnections}>
        {(id) => (
          <div
            class="banner banner-warning"
            data-testid="connection-banner"
            data-connection-id={id}
          >
            <StatusIcon status="warning" />
            <div class="banner-body">
              <p class="banner-title">
                “{props.connectionName(id)}” is not connected: its machines are not listed.
              </p>
              <Show when={props.state.connections[id]?.error}>
                {(message) => <p class="banner-message">{message()}</p>}
              </Show>
              <Show when={props.state.connections[id]?.hint}>
                {(hint) => <p class="banner-hint">{hint()}</p>}
              </Show>
            </div>
          </div>
        )}
      </For>
    </>
  );
}
