import { Show } from "solid-js";
import { plural } from "../shared/format";

export interface MachinesHeaderProps {
  loaded: boolean;
  machines: number;
  running: number;
  query: string;
  onQuery: (query: string) => void;
  filterRef: (el: HTMLInputElement) => void;
  /** ArrowDown in the filter: on to the list. */
  onListFocus: () => void;
  onNewVm: () => void;
}

/** The view's title and summary, the name filter and New VM. */
export function MachinesHeader(props: MachinesHeaderProps) {
  return (
    <div class="machines-header">
      <div>
        <h1 id="machines-heading">Machines</h1>
        <p class="page-subtitle" data-testid="machines-summary">
          <Show when={props.loaded} fallback="Loading…">
            {plural(props.machines, "machine")}, {props.running} running
          </Show>
        </p>
      </div>
      <input
        ref={props.filterRef}
        class="entry search"
        type="search"
        placeholder="Filter by name"
        aria-label="Filter machines by name"
        value={props.query}
        onInput={(event) => props.onQuery(event.currentTarget.value)}
        onKeyDown={(event) => {
          if (event.key === "ArrowDown") {
            event.preventDefault();
            props.onListFocus();
          }
        }}
        data-testid="filter"
      />
      <button
        type="button"
        class="button button-suggested"
        data-action="new-vm"
        onClick={() => props.onNewVm()}
      >
        New VM
      </button>
    </div>
  );
}
