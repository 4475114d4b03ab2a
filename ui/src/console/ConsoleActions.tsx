import { createSignal, onCleanup, Show } from "solid-js";
import { toApiError, useBackend } from "../backend";
import { TypeTextDialog } from "./TypeTextDialog";

/** A "Saved to …" notice goes away after this long; errors stay until dismissed. */
export const NOTICE_MS = 6000;

export interface ConsoleActionsProps {
  /** The open console's id, read when a button is pressed; null while connecting. */
  consoleId: () => number | null;
  disabled: boolean;
  /** After typing text: give the keyboard back to the screen. */
  onTyped?: () => void;
}

interface Notice {
  tone: "ok" | "error";
  text: string;
}

/** "Type text…" and "Screenshot", with the notice that says where the picture went. */
export function ConsoleActions(props: ConsoleActionsProps) {
  const backend = useBackend();
  const [notice, setNotice] = createSignal<Notice | null>(null);
  /** The console the "Type text" dialog types into, while it is open. */
  const [typingInto, setTypingInto] = createSignal<number | null>(null);
  const [saving, setSaving] = createSignal(false);
  let timer: ReturnType<typeof setTimeout> | undefined;
  onCleanup(() => clearTimeout(timer));

  function tell(next: Notice) {
    clearTimeout(timer);
    setNotice(next);
    if (next.tone === "ok") timer = setTimeout(() => setNotice(null), NOTICE_MS);
  }

  async function screenshot() {
    const id = props.consoleId();
    if (id === null || saving()) return;
    setSaving(true);
    try {
      const saved = await backend.consoleScreenshot({ id });
      tell({ tone: "ok", text: `Saved to ${saved.path}` });
    } catch (err) {
      tell({ tone: "error", text: `Could not save the screenshot: ${toApiError(err).message}` });
    } finally {
      setSaving(false);
    }
  }

  return (
    <>
      <button
        type="button"
        class="button button-small"
        data-action="type-text"
        disabled={props.disabled}
        onClick={() => setTypingInto(props.consoleId())}
      >
        Type text…
      </button>
      <button
        type="button"
        class="button button-small"
        data-action="screenshot"
        disabled={props.disabled || saving()}
        onClick={() => void screenshot()}
      >
        Screenshot
      </button>
      <Show when={typingInto() !== null}>
        <TypeTextDialog
          consoleId={typingInto() as number}
          onClose={() => setTypingInto(null)}
          onTyped={(count) => {
            setTypingInto(null);
            tell({ tone: "ok", text: `Typed ${count} character${count === 1 ? "" : "s"}` });
            props.onTyped?.();
          }}
        />
      </Show>
      <Show when={notice()}>
        {(current) => (
          <div
            class="banner console-notice"
            classList={{
              "banner-ok": current().tone === "ok",
              "banner-error": current().tone === "error",
            }}
            role={current().tone === "error" ? "alert" : "status"}
            data-testid="console-notice"
          >
            <span class="console-notice-text">{current().text}</span>
            <button
              type="button"
              class="button button-small button-flat"
              aria-label="Dismiss"
              onClick={() => setNotice(null)}
            >
              ×
            </button>
          </div>
        )}
      </Show>
    </>
  );
}
