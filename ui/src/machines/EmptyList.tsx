import { Show } from "solid-js";

export interface EmptyListProps {
  loaded: boolean;
  /** The load failed: its banner says so, not a spinner. */
  loadFailed: boolean;
  /** Any machine at all (the filter may hide every one). */
  hasMachines: boolean;
  query: string;
  onClearFilter: () => void;
}

/** What the list shows without rows: loading, no machines yet, or none matching the filter. */
export function EmptyList(props: EmptyListProps) {
  return (
    <Show
      when={props.loaded}
      fallback={
        <Show when={!props.loadFailed}>
          <div class="loading" role="status">
            <span class="spinner spinner-large" aria-hidden="true" />
            Loading machines…
          </div>
        </Show>
      }
    >
      <Show
        when={props.hasMachines}
        fallback={
          <div class="empty-state" data-testid="empty">
            <p class="empty-title">No virtual machines yet</p>
            <p class="empty-hint">
              Machines on these connections appear here as soon as they exist, created here or with
              virt-manager, virsh or GNOME Boxes. To see another host, add a connection.
            </p>
          </div>
        }
      >
        <div class="empty-state" data-testid="no-match">
          <p class="empty-title">No machine matches “{props.query.trim()}”</p>
          <button type="button" class="button button-small" onClick={() => props.onClearFilter()}>
            Clear the filter
          </button>
        </div>
      </Show>
    </Show>
  );
}
