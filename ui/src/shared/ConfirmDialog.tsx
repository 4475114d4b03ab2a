import type { JSX } from "solid-js";
import { Modal } from "./Modal";

export interface ConfirmDialogProps {
  title: string;
  message: JSX.Element;
  confirmLabel: string;
  /** Red confirm button, for things that cannot be undone. */
  destructive?: boolean;
  /** `data-confirm` of the confirm button, for end-to-end tests: `force-off`, `reset`, …. */
  confirmId?: string;
  onConfirm: () => void;
  onCancel: () => void;
}

/** "Are you sure?" Cancel has the focus, so Enter alone does nothing harmful. */
export function ConfirmDialog(props: ConfirmDialogProps) {
  return (
    <Modal
      role="alertdialog"
      title={props.title}
      description={props.message}
      onClose={props.onCancel}
      testId="confirm-dialog"
      footer={
        <>
          <button type="button" class="button" data-autofocus onClick={() => props.onCancel()}>
            Cancel
          </button>
          <button
            type="button"
            class={props.destructive ? "button button-destructive" : "button button-suggested"}
            data-confirm={props.confirmId}
            onClick={() => props.onConfirm()}
          >
            {props.confirmLabel}
          </button>
        </>
      }
    />
  );
}
