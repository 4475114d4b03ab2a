import { vi } from "vitest";
import type {
  ConsoleApi,
  ConsoleInput,
  ConsoleOpened,
  ConsoleOpenRequest,
  ConsoleSocket,
} from "../api";

/** A console socket the test drives: `serverOpen`, `serverSend`, `serverClose`. */
export class FakeConsoleSocket implements ConsoleSocket {
  binaryType: BinaryType = "blob";
  readyState = 0;
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  /** Everything the page sent, parsed. */
  sent: ConsoleInput[] = [];
  closed = false;

  constructor(public url: string) {}

  send(data: string) {
    if (this.readyState !== 1) throw new Error("the socket is not open");
    this.sent.push(JSON.parse(data) as ConsoleInput);
  }

  close() {
    this.closed = true;
    this.readyState = 3;
  }

  serverOpen() {
    this.readyState = 1;
    this.onopen?.(new Event("open"));
  }

  serverSend(message: ArrayBuffer) {
    this.onmessage?.({ data: message } as MessageEvent);
  }

  serverClose() {
    this.readyState = 3;
    this.onclose?.({} as CloseEvent);
  }

  /** Credits the page gave back, summed. */
  credits() {
    return this.sent.reduce((n, m) => (m.kind === "credit" ? n + m.frames : n), 0);
  }

  keys() {
    return this.sent.filter((m) => m.kind === "key");
  }

  pointers() {
    return this.sent.filter((m) => m.kind === "pointer");
  }
}

/**
 * A fake console backend. Each `open` resolves with `opened` (or rejects with its message) and
 * `connect` returns a new FakeConsoleSocket, opened at once unless `autoOpen` is false.
 */
export function createFakeConsoleApi(
  opened: (Omit<ConsoleOpened, "url" | "surface"> & { surface?: boolean }) | Error = {
    id: 7,
    width: 4,
    height: 2,
  },
  { autoOpen = true }: { autoOpen?: boolean } = {},
) {
  const sockets: FakeConsoleSocket[] = [];
  let held = false;
  const waiting: (() => void)[] = [];
  const api = {
    open: vi.fn(
      (_req: ConsoleOpenRequest) =>
        new Promise<ConsoleOpened>((resolve, reject) => {
          const settle = () =>
            opened instanceof Error
              ? reject({ code: "invalid-state", message: opened.message })
              : resolve({
                  surface: false,
                  ...opened,
                  url: `ws://127.0.0.1:1/console/${opened.id}?token=t`,
                });
          if (held) waiting.push(settle);
          else settle();
        }),
    ),
    connect: vi.fn((url: string) => {
      const socket = new FakeConsoleSocket(url);
      sockets.push(socket);
      if (autoOpen) queueMicrotask(() => socket.serverOpen());
      return socket;
    }),
    cancelOpen: vi.fn(async (_req: ConsoleOpenRequest) => {}),
    close: vi.fn(async (_id: number) => {}),
  } satisfies ConsoleApi;
  return {
    api,
    sockets,
    /** The newest socket. */
    get socket(): FakeConsoleSocket {
      const last = sockets[sockets.length - 1];
      if (!last) throw new Error("no socket yet");
      return last;
    },
    /** Keeps `open` pending until `release`. */
    hold() {
      held = true;
    },
    release() {
      held = false;
      for (const settle of waiting.splice(0)) settle();
    },
  };
}
