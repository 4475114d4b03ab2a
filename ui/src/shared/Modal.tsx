import { createUniqueId, type JSX, onCleanup, onMount } from "solid-js";
import { Portal } from "solid-js/web";

const FOCUSABLE =
  'button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), a[href], [tabindex]:not([tabindex="-1"])';

function focusables(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)];
}

export interface ModalProps {
  title: string;
  /** Shown under the title. */
  description?: JSX.Element;
  onClose: () => void;
  children?: JSX.Element;
  /** The buttons row. */
  footer?: JSX.Element;
  /** `alertdialog` for confirmations. */
  role?: "dialog" | "alertdialog";
  testId?: string;
  /** Extra classes on the panel, e.g. `dialog-wide`. */
  class?: string;
}

/**
 * A modal dialog: focus moves in (to `[data-autofocus]` or the first control), Tab stays in,
 * Escape closes it, and focus returns where it was. Drawn by us over a dimmed backdrop (an open
 * `<dialog>`, not `showModal()`, which jsdom lacks).
 */
export function Modal(props: ModalProps) {
  const titleId = createUniqueId();
  const descriptionId = createUniqueId();
  let panel: HTMLDialogElement | undefined;
  const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;

  onMount(() => {
    if (!panel) return;
    const target =
      panel.querySelector<HTMLElement>("[data-autofocus]") ?? focusables(panel)[0] ?? panel;
    target.focus();
  });
  onCleanup(() => {
    if (previous?.isConnected) previous.focus();
  });

  function onKeyDown(event: KeyboardEvent) {
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      props.onClose();
      return;
    }
    if (event.key !== "Tab" || !panel) return;
    const items = focusables(panel);
    if (items.length === 0) {
      event.preventDefault();
      return;
    }
    const first = items[0];
    const last = items[items.length - 1];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  }

  return (
    <Portal>
      <div class="dialog-backdrop">
        <dialog
          ref={panel}
          open
          class={props.class ? `dialog ${props.class}` : "dialog"}
          role={props.role === "alertdialog" ? "alertdialog" : undefined}
          aria-modal="true"
          aria-labelledby={titleId}
          aria-describedby={props.description ? descriptionId : undefined}
          tabIndex={-1}
          data-testid={props.testId}
          onKeyDown={onKeyDown}
          onCancel={(event) => {
            event.preventDefault();
            props.onClose();
          }}
        >
          <h2 id={titleId} class="dialog-title">
            {props.title}
          </h2>
          {props.description && (
            <div id={descriptionId} class="dialog-description">
              {props.description}
            </div>
          )}
          {props.children}
          {props.footer && <div class="dialog-footer">{props.footer}</div>}
        </dialog>
      </div>
    </Portal>
  );
}
