import { Show } from "solid-js";

/** A number entry with its hint, its warning (unusual, allowed) and its error (refused). */
export function NumberField(props: {
  label: string;
  field: string;
  value: string;
  onInput: (value: string) => void;
  hint?: string;
  warning?: string;
  error?: string;
}) {
  return (
    <label class="field">
      <span class="field-label">{props.label}</span>
      <input
        class="entry entry-number"
        type="number"
        min="1"
        step="1"
        inputmode="numeric"
        data-field={props.field}
        value={props.value}
        aria-invalid={props.error !== undefined}
        onInput={(e) => props.onInput(e.currentTarget.value)}
      />
      <Show when={props.hint}>
        <span class="field-hint">{props.hint}</span>
      </Show>
      <Show when={props.warning}>
        <span class="field-warning" data-testid={`${props.field}-warning`}>
          {props.warning}
        </span>
      </Show>
      <Show when={props.error}>
        <span class="field-error" data-testid={`${props.field}-error`}>
          {props.error}
        </span>
      </Show>
    </label>
  );
}
