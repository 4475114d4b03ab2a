import { Show } from "solid-js";

/**
 * Where the keyboard goes: into the VM (and how to get it back), or how to give it to the VM.
 * One line whose text changes in place, at the toolbar's end: the buttons before it never move
 * when the screen takes or loses the keyboard (a button pressed just as the screen lost the
 * focus would otherwise move under the pointer and the click be lost).
 */
export function GrabHint(props: { grabbed: boolean }) {
  return (
    <p
      class="console-grab"
      classList={{ "console-grab-on": props.grabbed }}
      role="status"
      data-testid="console-grab-hint"
    >
      <Show when={props.grabbed} fallback="Click the screen to type into the VM">
        <span class="console-grab-badge">Keyboard in the VM</span>
        Press <kbd>Ctrl</kbd>+<kbd>Alt</kbd> to release the keyboard
      </Show>
    </p>
  );
}
