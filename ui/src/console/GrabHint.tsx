import { Show } from "solid-js";

/** While the screen has the keyboard: says so, and how to get it back. */
export function GrabHint(props: { grabbed: boolean }) {
  return (
    <p class="console-grab" role="status" data-testid="console-grab-hint">
      <Show when={props.grabbed}>
        <span class="console-grab-badge">Keyboard in the VM</span>
        Press <kbd>Ctrl</kbd>+<kbd>Alt</kbd> to release the keyboard
      </Show>
    </p>
  );
}
