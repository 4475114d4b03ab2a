import { Show } from "solid-js";
import type { Action } from "../bindings/Action";
import { ACTION_VERBS } from "./labels";

export interface BulkBarProps {
  /** Selected machines (in the list). */
  selected: number;
  /** Of the selected machines, how many allow `action`. */
  eligible: (action: Action) => number;
  /** The bulk action under way. */
  busy: Action | null;
  onPerform: (action: "start" | "shutdown") => void;
  onClear: () => void;
}

/** What to do with the selected machines; shown while any is selected. */
export function BulkBar(props: BulkBarProps) {
  return (
    <Show when={props.selected > 0}>
      <div class="bulk-bar" role="toolbar" aria-label="Selected machines" data-testid="bulk-bar">
        <span class="bulk-count">{props.selected} selected</span>
        <BulkButton
          label="Start"
          action="start"
          count={props.eligible("start")}
          busy={props.busy === "start"}
          disabled={props.busy !== null}
          onClick={() => props.onPerform("start")}
        />
        <BulkButton
          label="Shut down"
          action="shutdown"
          count={props.eligible("shutdown")}
          busy={props.busy === "shutdown"}
          disabled={props.busy !== null}
          onClick={() => props.onPerform("shutdown")}
        />
        <button
          type="button"
          class="button button-small button-flat"
          onClick={() => props.onClear()}
        >
          Clear selection
        </button>
      </div>
    </Show>
  );
}

function BulkButton(props: {
  label: string;
  action: Action;
  count: number;
  busy: boolean;
  disabled: boolean;
  onClick: () => void;
}) {
  return (
    <button
      type="button"
      class="button button-small"
      data-bulk-action={props.action}
      disabled={props.disabled || props.count === 0}
      aria-busy={props.busy}
      onClick={() => props.onClick()}
      title={
        props.count === 0 ? `None of the selected machines can ${ACTION_VERBS[props.action]}` : ""
      }
    >
      <Show when={props.busy}>
        <span class="spinner" aria-hidden="true" />
      </Show>
      {props.label} ({props.count})
    </button>
  );
}
