import { createSignal, Show } from "solid-js";
import { toApiError, useBackend } from "../backend";
import { Modal } from "../shared/Modal";

/** As the backend's limit (`vireo_api::MAX_TYPED_CHARS`). */
export const MAX_TYPED_CHARS = 4096;

export interface TypeTextDialogProps {
  consoleId: number;
  /** After the text was typed: how many characters. */
  onTyped: (characters: number) => void;
  onClose: () => void;
}

/**
 * "Type text": a textarea whose text is typed into the VM as key presses, only when the user
 * asks. The keys are those of a US keyboard, so the guest should use a US layout.
 */
export function TypeTextDialog(props: TypeTextDialogProps) {
  const backend = useBackend();
  const [text, setText] = createSignal("");
  const [typing, setTyping] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const length = () => [...text()].length;
  const tooLong = () => length() > MAX_TYPED_CHARS;

  async function submit(event: Event) {
    event.preventDefault();
    if (typing() || length() === 0 || tooLong()) return;
    setTyping(true);
    setError(null);
    try {
      await backend.consoleTypeText({ id: props.consoleId, text: text() });
      props.onTyped(length());
    } catch (err) {
      setError(toApiError(err).message);
      setTyping(false);
    }
  }

  return (
    <Modal
      title="Type text into the VM"
      description="Each character is typed as a key press on a US keyboard, so the VM should use a US layout. Newlines press Enter; Ctrl+Enter types the text."
      onClose={() => {
        if (!typing()) props.onClose();
      }}
      testId="type-text-dialog"
      footer={
        <>
          <button type="button" class="button" disabled={typing()} onClick={() => props.onClose()}>
            Cancel
          </button>
          <button
            type="submit"
            form="console-type-text"
            class="button button-suggested"
            data-action="type-text-submit"
            disabled={typing() || length() === 0 || tooLong()}
          >
            <Show when={typing()} fallback="Type into the VM">
              <span class="spinner" aria-hidden="true" /> Typing…
            </Show>
          </button>
        </>
      }
    >
      <form id="console-type-text" class="console-type-form" onSubmit={submit}>
        <label class="console-type-label" for="console-type-textarea">
          Text
        </label>
        <textarea
          id="console-type-textarea"
          class="console-type-text"
          rows={6}
          spellcheck={false}
          autocomplete="off"
          data-autofocus
          value={text()}
          disabled={typing()}
          aria-invalid={tooLong()}
          aria-describedby="console-type-count"
          onInput={(event) => {
            setText(event.currentTarget.value);
            setError(null);
          }}
          onKeyDown={(event) => {
            // Ctrl+Enter types, as in chat boxes; Enter alone is a newline.
            if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) void submit(event);
          }}
        />
        <p
          id="console-type-count"
          class="console-type-count"
          classList={{ "console-type-count-over": tooLong() }}
        >
          {length()} / {MAX_TYPED_CHARS} characters
          <Show when={tooLong()}> — too long to type in one go</Show>
        </p>
        <Show when={error()}>
          {(message) => (
            <p class="banner banner-error" role="alert" data-testid="type-text-error">
              {message()}
            </p>
          )}
        </Show>
      </form>
    </Modal>
  );
}
