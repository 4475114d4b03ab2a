import { createSignal } from "solid-js";
import type { Backend } from "../../backend";
import { toApiError } from "../../backend/errors";
import type { VmRef } from "../../bindings/VmRef";

/** Where the guest's bytes go (the terminal). */
export interface SerialSink {
  write(data: Uint8Array): void;
}

/**
 * A serial console's states. `refused` keeps whether taking over would help (another
 * client holds the console); `closed` is an end the page did not ask for (the VM stopped,
 * or another client took over), reconnected when the VM runs again.
 */
export type SerialState =
  | { kind: "idle" }
  | { kind: "opening" }
  | { kind: "open"; id: number }
  | { kind: "closed"; reason: string }
  | { kind: "refused"; message: string; canTakeOver: boolean };

/**
 * One VM's serial console on its page: opens on request, streams the `serial` events of its
 * session into the sink, sends what the user types, and closes when the page goes.
 */
export function createSerialSession(backend: Backend, vm: VmRef, sink: SerialSink) {
  const [state, setState] = createSignal<SerialState>({ kind: "idle" });
  let wanted = false;
  let unlisten: (() => void) | undefined;
  let disposed = false;

  const current = () => {
    const s = state();
    return s.kind === "open" ? s.id : null;
  };

  const listening = backend
    .listen("serial", (event) => {
      if (event.id !== current()) return;
      if (event.kind === "output") sink.write(Uint8Array.from(event.data));
      else {
        void backend.serialClose(event.id).catch(() => {});
        setState({ kind: "closed", reason: event.reason ?? "the VM stopped" });
      }
    })
    .then((stop) => {
      if (disposed) stop();
      else unlisten = stop;
    });

  async function open(takeOver = false) {
    await listening;
    if (disposed || state().kind === "opening" || state().kind === "open") return;
    wanted = true;
    setState({ kind: "opening" });
    try {
      const { id } = await backend.serialOpen({ vm, takeOver });
      if (disposed) {
        void backend.serialClose(id).catch(() => {});
        return;
      }
      setState({ kind: "open", id });
    } catch (e) {
      const error = toApiError(e);
      setState({
        kind: "refused",
        message: error.message,
        canTakeOver: error.message.includes("take the console over"),
      });
    }
  }

  return {
    state,
    open,
    /** Typed or pasted text; ignored when no session is open. */
    async send(data: string) {
      const id = current();
      if (id === null || data === "") return;
      try {
        await backend.serialSend({ id, data });
      } catch (e) {
        setState({ kind: "closed", reason: toApiError(e).message });
      }
    },
    /** The VM's state changed: a stop ends the session; a console the user opened comes
     * back when the VM runs again. */
    vmRunning(running: boolean) {
      const id = current();
      if (!running && id !== null) {
        // A stopped VM has no console, whether or not its stream's end was heard.
        void backend.serialClose(id).catch(() => {});
        setState({ kind: "closed", reason: "the VM stopped" });
        return;
      }
      const s = state().kind;
      if (running && wanted && (s === "closed" || s === "refused")) void open();
    },
    close() {
      wanted = false;
      const id = current();
      setState({ kind: "idle" });
      if (id !== null) void backend.serialClose(id).catch(() => {});
    },
    dispose() {
      disposed = true;
      unlisten?.();
      const id = current();
      if (id !== null) void backend.serialClose(id).catch(() => {});
    },
  };
}
