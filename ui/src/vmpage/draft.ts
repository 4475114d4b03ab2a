import { createEffect, createMemo, createSignal, on } from "solid-js";

/**
 * A form's value over a VM reading that is replaced on every backend event (a running VM's
 * stats tick too). The draft follows the reading only when what it shows really changed
 * and the user has not edited it: typing is never overwritten by a refresh, and a failed
 * Apply keeps what the user typed.
 */
export function createDraft<T>(base: () => T) {
  const stable = createMemo(base, undefined, {
    equals: (a, b) => JSON.stringify(a) === JSON.stringify(b),
  });
  const [value, setValue] = createSignal<T>(stable());
  const [edited, setEdited] = createSignal(false);
  createEffect(
    on(
      stable,
      (next) => {
        if (!edited()) setValue(() => next);
      },
      { defer: true },
    ),
  );
  return {
    value,
    edited,
    /** The user's change. */
    set(next: T) {
      setEdited(true);
      setValue(() => next);
    },
    /** Back to what the VM is (after a successful change, or to discard the edit). */
    reset() {
      setEdited(false);
      setValue(() => stable());
    },
  };
}
