import { createMemo, createSignal, onCleanup, onMount, Show } from "solid-js";
import {
  type ConsoleApi,
  type ConsoleKeyRequest,
  type ConsolePointerRequest,
  tauriConsoleApi,
  toApiError,
} from "../api";
import type { VmRef } from "../bindings/VmRef";
import { Modal } from "../machines/Dialog";
import {
  type ConsoleMessage,
  displaySize,
  parseConsoleMessage,
  pointerPosition,
  rfbButtons,
  wheelBit,
} from "./protocol";

export interface ConsoleProps {
  vm: VmRef;
  /** The VM's name: the panel's title. */
  name: string;
  /** The backend; tests inject a fake. */
  api?: ConsoleApi;
  onClose: () => void;
}

type Input =
  | { kind: "key"; req: ConsoleKeyRequest }
  | { kind: "pointer"; req: ConsolePointerRequest; move: boolean };

/** Ctrl+Alt+Del as `[code, key]` pairs, pressed in this order and released in reverse. */
const CTRL_ALT_DEL: readonly [string, string][] = [
  ["ControlLeft", "Control"],
  ["AltLeft", "Alt"],
  ["Delete", "Delete"],
];

/**
 * A running VM's screen in a large modal panel. The canvas keeps the guest's resolution; CSS
 * scales it to fit. Keys and pointer go to the VM while the canvas has the focus.
 *
 * Frames: each FRAME message is painted, then acked (the backend sends the next one only after
 * the ack). Messages that arrive before `open` resolves wait until the console id is known.
 * Input: keys and pointer events go out one at a time and in order; pointer moves are coalesced
 * while one is in flight (the latest one is always sent).
 */
export function Console(props: ConsoleProps) {
  const api = props.api ?? tauriConsoleApi;
  const [error, setError] = createSignal<string | null>(null);
  const [closedReason, setClosedReason] = createSignal<string | null>(null);
  const [opening, setOpening] = createSignal(true);
  const [fbSize, setFbSize] = createSignal<{ width: number; height: number } | null>(null);
  const [box, setBox] = createSignal<{ width: number; height: number } | null>(null);
  let canvas: HTMLCanvasElement | undefined;
  let screenBox: HTMLDivElement | undefined;

  let id: number | null = null;
  /** Unmounted: nothing more is painted or sent. */
  let disposed = false;
  /** The stream ended (closed by the backend, or broken): no more frames or input. */
  let stopped = false;
  const backlog: ArrayBuffer[] = [];

  // ------------------------------------------------------------------ frames
  function onMessage(buffer: ArrayBuffer) {
    if (disposed || stopped) return;
    if (id === null) backlog.push(buffer);
    else handle(id, buffer);
  }

  function handle(consoleId: number, buffer: ArrayBuffer) {
    let message: ConsoleMessage;
    try {
      message = parseConsoleMessage(buffer);
    } catch (err) {
      fail(err instanceof Error ? err.message : String(err));
      return;
    }
    if (message.kind === "closed") {
      setClosedReason(message.reason);
      stop();
      return;
    }
    try {
      paint(buffer, message);
    } catch (err) {
      // A failed paint must not stall the stream: the ack still goes out.
      console.error("console: could not paint a frame", err);
    }
    api.ack(consoleId).catch((err) => fail(toApiError(err).message));
  }

  function paint(buffer: ArrayBuffer, frame: Extract<ConsoleMessage, { kind: "frame" }>) {
    if (!canvas) return;
    if (canvas.width !== frame.width || canvas.height !== frame.height) {
      // The guest changed resolution; resizing also clears the canvas.
      canvas.width = frame.width;
      canvas.height = frame.height;
      setFbSize({ width: frame.width, height: frame.height });
    }
    const ctx = canvas.getContext("2d");
    if (!ctx) return;
    for (const rect of frame.rects) {
      if (rect.w === 0 || rect.h === 0) continue;
      const pixels = new Uint8ClampedArray(buffer, rect.offset, rect.w * rect.h * 4);
      ctx.putImageData(new ImageData(pixels, rect.w, rect.h), rect.x, rect.y);
    }
  }

  function stop() {
    stopped = true;
    queue.length = 0;
    held.clear();
  }

  function fail(message: string) {
    setError(message);
    stop();
  }

  onMount(() => {
    api
      .open({ vm: { connection: props.vm.connection, uuid: props.vm.uuid } }, onMessage)
      .then((opened) => {
        if (disposed) {
          void api.close(opened.id).catch(() => {});
          return;
        }
        id = opened.id;
        setOpening(false);
        if (canvas && (canvas.width !== opened.width || canvas.height !== opened.height)) {
          canvas.width = opened.width;
          canvas.height = opened.height;
        }
        setFbSize({ width: opened.width, height: opened.height });
        for (const buffer of backlog.splice(0)) {
          if (stopped) break;
          handle(opened.id, buffer);
        }
      })
      .catch((err) => {
        if (disposed) return;
        setOpening(false);
        fail(toApiError(err).message);
      });
  });

  onCleanup(() => {
    disposed = true;
    stop();
    if (id !== null) void api.close(id).catch(() => {});
  });

  // ------------------------------------------------------------------ input, in order
  const queue: Input[] = [];
  let sending = false;

  function send(input: Input) {
    if (id === null || stopped || disposed) return;
    const last = queue[queue.length - 1];
    if (input.kind === "pointer" && input.move && last?.kind === "pointer" && last.move) {
      queue[queue.length - 1] = input;
    } else {
      queue.push(input);
    }
    void pump();
  }

  async function pump() {
    if (sending) return;
    sending = true;
    try {
      for (let next = queue.shift(); next; next = queue.shift()) {
        try {
          await (next.kind === "key" ? api.key(next.req) : api.pointer(next.req));
        } catch {
          // Input is best effort: a console closing meanwhile rejects it.
        }
      }
    } finally {
      sending = false;
    }
  }

  /** Keys down on the guest, by code, with their key value. */
  const held = new Map<string, string>();

  function sendKey(code: string, key: string, down: boolean) {
    if (id === null) return;
    send({ kind: "key", req: { id, code, key, down } });
  }

  function onKeyDown(event: KeyboardEvent) {
    // Every key goes to the VM, Tab, Escape and F5 included.
    event.preventDefault();
    event.stopPropagation();
    if (event.isComposing) return;
    held.set(event.code, event.key);
    sendKey(event.code, event.key, true); // auto-repeats too: the guest handles repeat
  }

  function onKeyUp(event: KeyboardEvent) {
    event.preventDefault();
    event.stopPropagation();
    // An up without its down (pressed before the canvas had the focus) is not the VM's.
    if (!held.has(event.code)) return;
    held.delete(event.code);
    sendKey(event.code, event.key, false);
  }

  function releaseAll() {
    for (const [code, key] of [...held]) sendKey(code, key, false);
    held.clear();
  }

  let buttons = 0;

  function sendPointer(event: MouseEvent, mask: number, move: boolean) {
    if (!canvas || id === null) return;
    const { x, y } = pointerPosition(
      event.clientX,
      event.clientY,
      canvas.getBoundingClientRect(),
      canvas.width,
      canvas.height,
    );
    send({ kind: "pointer", req: { id, x, y, buttons: mask }, move });
  }

  function onPointer(event: PointerEvent) {
    const mask = rfbButtons(event.buttons);
    if (event.type === "pointerdown") {
      event.preventDefault();
      canvas?.focus();
      try {
        canvas?.setPointerCapture?.(event.pointerId);
      } catch {
        // Not capturable (synthetic event): fine.
      }
    }
    const move = event.type === "pointermove" && mask === buttons;
    buttons = mask;
    sendPointer(event, mask, move);
  }

  function onWheel(event: WheelEvent) {
    event.preventDefault();
    const bit = wheelBit(event.deltaY);
    if (bit === 0) return;
    sendPointer(event, buttons | bit, false);
    sendPointer(event, buttons, false);
  }

  function ctrlAltDel() {
    for (const [code, key] of CTRL_ALT_DEL) sendKey(code, key, true);
    for (const [code, key] of [...CTRL_ALT_DEL].reverse()) sendKey(code, key, false);
    canvas?.focus();
  }

  // Native listeners: they run before Solid's delegated ones, so the dialog's Escape and Tab
  // handling never sees keys meant for the VM.
  onMount(() => {
    const el = canvas;
    if (!el) return;
    const preventMenu = (event: Event) => event.preventDefault();
    el.addEventListener("keydown", onKeyDown);
    el.addEventListener("keyup", onKeyUp);
    el.addEventListener("blur", releaseAll);
    el.addEventListener("pointerdown", onPointer);
    el.addEventListener("pointerup", onPointer);
    el.addEventListener("pointermove", onPointer);
    el.addEventListener("wheel", onWheel, { passive: false });
    el.addEventListener("contextmenu", preventMenu);
    onCleanup(() => {
      el.removeEventListener("keydown", onKeyDown);
      el.removeEventListener("keyup", onKeyUp);
      el.removeEventListener("blur", releaseAll);
      el.removeEventListener("pointerdown", onPointer);
      el.removeEventListener("pointerup", onPointer);
      el.removeEventListener("pointermove", onPointer);
      el.removeEventListener("wheel", onWheel);
      el.removeEventListener("contextmenu", preventMenu);
    });
  });

  // ------------------------------------------------------------------ scaling
  onMount(() => {
    if (!screenBox || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver((entries) => {
      const rect = entries[entries.length - 1]?.contentRect;
      if (rect) setBox({ width: rect.width, height: rect.height });
    });
    observer.observe(screenBox);
    onCleanup(() => observer.disconnect());
  });

  /** The canvas's CSS size, once the box is measured; until then CSS alone fits it. */
  const display = createMemo(() => {
    const fb = fbSize();
    const area = box();
    if (!fb || !area) return null;
    return displaySize(fb.width, fb.height, area.width, area.height, window.devicePixelRatio || 1);
  });

  return (
    <Modal
      title={props.name}
      onClose={() => props.onClose()}
      testId="console"
      class="dialog-console"
    >
      <div class="console-toolbar">
        <p class="console-hint">Click the screen to type; keys go to the VM</p>
        <button
          type="button"
          class="button button-small"
          data-action="ctrl-alt-del"
          disabled={opening() || error() !== null || closedReason() !== null}
          onClick={ctrlAltDel}
        >
          Send Ctrl+Alt+Del
        </button>
        <button
          type="button"
          class="button button-small"
          data-action="close-console"
          onClick={() => props.onClose()}
        >
          Close
        </button>
      </div>
      <div ref={screenBox} class="console-screen" aria-busy={opening()}>
        <canvas
          ref={canvas}
          class="console-canvas"
          classList={{ "console-canvas-pixelated": display()?.pixelated ?? false }}
          style={
            display()
              ? { width: `${display()?.width}px`, height: `${display()?.height}px` }
              : undefined
          }
          width={0}
          height={0}
          tabindex="0"
          aria-label={`Screen of ${props.name}`}
          data-testid="console-canvas"
          data-autofocus
        />
        <Show when={opening() && !error()}>
          <div class="console-overlay" role="status">
            <span class="spinner spinner-large" aria-hidden="true" />
            Connecting to the console…
          </div>
        </Show>
        <Show when={error()}>
          {(message) => (
            <div
              class="console-overlay console-overlay-error"
              role="alert"
              data-testid="console-error"
            >
              {message()}
            </div>
          )}
        </Show>
        <Show when={closedReason() !== null && !error()}>
          <div class="console-overlay" role="status" data-testid="console-closed">
            Console closed: {closedReason()}
          </div>
        </Show>
      </div>
    </Modal>
  );
}
