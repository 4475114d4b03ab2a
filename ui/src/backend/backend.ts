import type { Commands, Events } from "../bindings/commands";

/** Stops a subscription. */
export type Unsubscribe = () => void;

/** The part of a WebSocket the console uses; the fake backend gives a scripted one. */
export interface ConsoleSocket {
  binaryType: BinaryType;
  readonly readyState: number;
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
  send(data: string): void;
  close(): void;
}

/**
 * Everything the UI asks of the backend: every operation (generated from Rust's operation
 * table, under its Rust name camelCased), the events it emits, and the console's socket.
 * Components get it from `useBackend()`; the app provides the Tauri one, tests the fake in
 * `ui/src/testing`. Every rejection is an `ApiError`.
 */
export interface Backend extends Commands {
  /**
   * Calls `handler` with every `event` until the returned function is called. Resolves once
   * the listener is registered, so a snapshot fetched afterwards misses nothing.
   */
  listen<E extends keyof Events>(
    event: E,
    handler: (payload: Events[E]) => void,
  ): Promise<Unsubscribe>;
  /** Opens a console's socket (FRAME / CURSOR / CLOSED messages in, ConsoleInput out). */
  connectConsole(url: string): ConsoleSocket;
  /** The app window's fullscreen state (the console's Fullscreen button). */
  windowFullscreen: WindowFullscreen;
}

/** Making the app window fullscreen. */
export interface WindowFullscreen {
  set(on: boolean): Promise<void>;
  /** Whether the window is fullscreen now (the window manager can change it too). */
  get(): Promise<boolean>;
}
