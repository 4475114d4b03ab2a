import type { ScaleMode } from "./protocol";

export interface ScaleToggleProps {
  mode: ScaleMode;
  onChange: (mode: ScaleMode) => void;
}

/** Fit to window, or 1:1 (one guest pixel per device pixel): two toggle buttons. */
export function ScaleToggle(props: ScaleToggleProps) {
  const option = (mode: ScaleMode, label: string, title: string) => (
    <button
      type="button"
      class="button button-small console-segment"
      data-action={`scale-${mode}`}
      aria-pressed={props.mode === mode}
      data-tip={title}
      // A click leaves the keyboard where it was: grabbed stays grabbed, released stays so.
      onMouseDown={(event) => event.preventDefault()}
      onClick={() => props.onChange(mode)}
    >
      {label}
    </button>
  );
  return (
    // biome-ignore lint/a11y/useSemanticElements: a toggle-button group, not a form fieldset
    <div class="console-segmented" role="group" aria-label="Scale">
      {option("fit", "Fit", "Fit the screen to the window")}
      {option("actual", "1:1", "Actual size: one VM pixel per screen pixel")}
    </div>
  );
}
