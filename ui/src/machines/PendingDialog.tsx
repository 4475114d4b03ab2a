import { Show } from "solid-js";
import type { Action } from "../bindings/Action";
import type { VmRef } from "../bindings/VmRef";
import { CloneDialog } from "../clone/CloneDialog";
import { ConfirmDialog } from "../shared/ConfirmDialog";
import type { Pending } from "./actions";
import { DeleteDialog } from "./DeleteDialog";
import { ACTION_LABELS } from "./labels";

export interface PendingDialogProps {
  pending: NonNullable<Pending>;
  refOf: (key: string) => VmRef | null;
  nameOf: (key: string) => string;
  onClose: () => void;
  onConfirm: (key: string, action: Action) => void;
}

/** The dialog an action waits on: Delete's, Clone's, or "Force off …?" / "Reset …?". */
export function PendingDialog(props: PendingDialogProps) {
  const open = props.pending;
  if (open.kind === "delete" || open.kind === "clone") {
    const vm = props.refOf(open.key);
    const Dialog = open.kind === "delete" ? DeleteDialog : CloneDialog;
    return (
      <Show when={vm}>
        {(ref) => (
          <Dialog vm={ref()} name={props.nameOf(open.key)} onClose={() => props.onClose()} />
        )}
      </Show>
    );
  }
  return (
    <ConfirmDialog
      title={`${ACTION_LABELS[open.action]} “${props.nameOf(open.key)}”?`}
      message={
        <p>
          {open.action === "reset"
            ? "Like pressing the reset button: the guest restarts at once, without shutting down. Unsaved work in it is lost."
            : "Like pulling the power plug: the guest stops at once, without shutting down. Unsaved work in it is lost."}
        </p>
      }
      confirmLabel={ACTION_LABELS[open.action]}
      destructive
      confirmId={open.action}
      onConfirm={() => props.onConfirm(open.key, open.action)}
      onCancel={() => props.onClose()}
    />
  );
}
