import { createEffect, createSignal, on, onCleanup, onMount } from "solid-js";
import { type Backend, type ConsoleSocket, toApiError } from "../backend";
import type { ConsoleInput } from "../bindings/ConsoleInput";
import type { ConsoleOpened } from "../bindings/ConsoleOpened";
import type { VmRef } from "../bindings/VmRef";
import type { VmState } from "../bindings/VmState";
import { hasConsole } from "../machines/RowActions";
import type { StreamMessage } from "./painter";
import { type ConsoleMessage, parseConsoleMessage } from "./protocol";

/** Where the console's stream is; the panel shows each but `connected` over the screen. */
export type ConnectionState =
  | { kind: "connecting" }
  | { kind: "connected" }
  /** `consoleOpen` failed, or the stream broke (a message that does not parse). */
  | { kind: "failed"; error: string }
  /** The backend closed the console (the VM stopped, …), or the socket ended. */
  | { kind: "closed"; reason: string };

function sameState(a: ConnectionState, b: ConnectionState): boolean {
  if (a.kind === "failed" && b.kind === "failed") return a.error === b.error;
  if (a.kind === "closed" && b.kind === "closed") return a.reason === b.reason;
  return a.kind === b.kind;
}

export interface ConnectionOptions {
  backend: Pick<Backend, "consoleOpen" | "consoleCancelOpen" | "consoleClose" | "connectConsole">;
  vm: () => VmRef;
  /** The VM's live state: a console closed by a shutdown reconnects when it runs again. */
  vmState: () => VmState | undefined;
  /** `consoleOpen` answered; the socket is not open yet. */
  onOpened: (opened: ConsoleOpened) => void;
  /** The socket opened: the stream starts. */
  onOpen: () => void;
  onMessage: (buffer: ArrayBuffer, message: StreamMessage) => void;
  /** The stream ends: what it left under way is dropped, before the socket closes. */
  onStop: () => void;
}

/**
 * The console's stream: `consoleOpen` connects to the VM and names a local WebSocket, which carries
 * the screen in and the input out, in order. Opens on mount, closes on cleanup, and reconnects
 * once a VM whose shutdown closed it runs again.
 */
export function createConsoleConnection(options: ConnectionOptions) {
  const backend = options.backend;
  const [state, setState] = createSignal<ConnectionState>(
    { kind: "connecting" },
    { equals: sameState },
  );
  let id: number | null = null;
  /** A `consoleOpen` is under way: closing now cancels its handshake in the backend. */
  let openInFlight = false;
  let socket: ConsoleSocket | null = null;
  /** Unmounted: nothing more is painted or sent. */
  let disposed = false;
  /** The stream ended (closed by the backend, or broken): no more frames or input. */
  let stopped = false;

  function receive(buffer: ArrayBuffer) {
    if (disposed || stopped) return;
    let message: ConsoleMessage;
    try {
      message = parseConsoleMessage(buffer);
    } catch (err) {
      fail(err instanceof Error ? err.message : String(err));
      return;
    }
    if (message.kind === "closed") {
      setState({ kind: "closed", reason: message.reason });
      stop();
      return;
    }
    options.onMessage(buffer, message);
  }

  function stop() {
    options.onStop();
    stopped = true;
    const s = socket;
    socket = null;
    if (s) {
      s.onclose = null;
      s.onmessage = null;
      s.close();
    }
    if (id !== null) void backend.consoleClose(id).catch(() => {});
    id = null;
    if (openInFlight) {
      openInFlight = false;
      const vm = options.vm();
      void backend
        .consoleCancelOpen({ vm: { connection: vm.connection, uuid: vm.uuid } })
        .catch(() => {});
    }
  }

  function fail(message: string) {
    setState({ kind: "failed", error: message });
    stop();
  }

  function connect() {
    stopped = false;
    setState({ kind: "connecting" });
    openInFlight = true;
    const vm = options.vm();
    backend
      .consoleOpen({ vm: { connection: vm.connection, uuid: vm.uuid } })
      .then((opened) => {
        openInFlight = false;
        if (disposed || stopped) {
          void backend.consoleClose(opened.id).catch(() => {});
          return;
        }
        id = opened.id;
        options.onOpened(opened);
        const s = backend.connectConsole(opened.url);
        socket = s;
        s.binaryType = "arraybuffer";
        s.onopen = () => {
          setState({ kind: "connected" });
          options.onOpen();
        };
        s.onmessage = (event) => {
          if (event.data instanceof ArrayBuffer) receive(event.data);
        };
        s.onerror = () => {};
        s.onclose = () => {
          if (socket !== s || stopped || disposed) return;
          setState({ kind: "closed", reason: "the connection to the console ended" });
          stop();
        };
      })
      .catch((err) => {
        openInFlight = false;
        if (disposed) return;
        fail(toApiError(err).message);
      });
  }

  /** Sends one input message; the socket keeps them in order. */
  function send(input: ConsoleInput) {
    if (stopped || disposed || !socket || socket.readyState !== 1) return;
    try {
      socket.send(JSON.stringify(input));
    } catch {
      // The socket is closing: its close handler reports it.
    }
  }

  /** Sends while the stream stops too (from `onStop`), as long as the socket is open. */
  function sendWhileStopping(input: ConsoleInput) {
    if (socket?.readyState !== 1) return;
    try {
      socket.send(JSON.stringify(input));
    } catch {
      // Closing anyway.
    }
  }

  onMount(connect);

  // A console the VM's shutdown closed comes back when the VM runs again.
  createEffect(
    on(options.vmState, (vmState, previous) => {
      const live = (s: VmState | undefined) => s !== undefined && hasConsole(s);
      if (live(vmState) && previous !== undefined && !live(previous) && stopped) {
        connect();
      }
    }),
  );

  onCleanup(() => {
    disposed = true;
    stop();
  });

  return {
    state,
    /** Anything but a live stream: the toolbar's stream actions are off then. */
    inactive: () => state().kind !== "connected",
    /** The backend's console id while connected. */
    id: () => id,
    /** Neither stopped nor unmounted. */
    live: () => !stopped && !disposed,
    connect,
    send,
    sendWhileStopping,
  };
}
