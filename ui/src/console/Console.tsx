import { createEffect, createMemo, createSignal, on, onCleanup, onMount, Show } from "solid-js";
import {
  type ConsoleApi,
  type ConsoleInput,
  type ConsoleSocket,
  type ConsoleToolsApi,
  consoleTools,
  tauriConsoleApi,
  toApiError,
} from "../api";
import type { VmRef } from "../bindings/VmRef";
import type { VmState } from "../bindings/VmState";
import { hasConsole } from "../machines/RowActions";
import { Modal } from "../shared/Modal";
import { ConsoleActions } from "./ConsoleActions";
import { ConsoleBar } from "./ConsoleBar";
import { createDevicePixelRatio } from "./dpr";
import { createFullscreen, defaultFullscreenApi, type FullscreenApi } from "./fullscreen";
import { GrabHint } from "./GrabHint";
import { createKeyboardGrab } from "./grab";
import {
  type ConsoleMessage,
  decodeRect,
  displaySize,
  parseConsoleMessage,
  pointerPosition,
  rfbButtons,
  type ScaleMode,
  wheelBit,
} from "./protocol";
import { ScaleToggle } from "./ScaleToggle";
import { chordStrokes, type Key, SendKeysMenu } from "./SendKeysMenu";
import { coveringRects, surfacePlace } from "./surface";

export interface ConsoleProps {
  vm: VmRef;
  /** The VM's name: the panel's title. */
  name: string;
  /** The backend; tests inject a fake. */
  api?: ConsoleApi;
  /** The VM's live state: a console closed by a shutdown reconnects when it runs again. */
  state?: VmState;
  onClose: () => void;
  /** Screenshots and typing text; tests inject a fake. */
  tools?: ConsoleToolsApi;
  /** Fullscreen of the window; tests inject a fake. */
  fullscreenApi?: FullscreenApi;
}

/** Frames the page can take before it has painted any: one painting, one arriving. */
const CREDITS = 2;

/**
 * Counters for `make bench` and people curious (read with the dev tools or WebDriver): frames
 * painted, the server's update count from the last frame, and when the last paint ended.
 */
export interface ConsoleStats {
  framesPainted: number;
  serverUpdates: number;
  lastPaintAt: number;
  bytes: number;
  /** Time spent decoding frames and in putImageData, in ms (the engine paints after). */
  paintMs: number;
  /** Of `framesPainted`, those the native surface painted (each its own X paint). */
  surfaceFrames: number;
  /** Animation frames in which the page painted (frames arriving together share one). */
  pagePaints: number;
}

declare global {
  interface Window {
    vireoConsoleStats?: ConsoleStats;
  }
}

function nextAnimationFrame(paint: () => void) {
  if (typeof requestAnimationFrame === "function") requestAnimationFrame(paint);
  else setTimeout(paint, 0);
}

/**
 * A running VM's screen in a large modal panel. The canvas keeps the guest's resolution; CSS
 * scales it to fit. Keys and pointer go to the VM while the canvas has the focus.
 *
 * Stream: `open` connects to the VM and names a local WebSocket; FRAME messages arrive on it
 * and are painted in the next animation frame, then credited back (the backend sends a frame
 * only against a credit and coalesces changes meanwhile). CURSOR messages set the pointer image
 * (drawn by the page, so it moves without a round trip). Input goes out on the same socket, in
 * order. When the VM stops, the console shows so and reconnects once it runs again.
 *
 * Native surface: where the backend can paint the screen into the window itself (X11), the
 * page tells it where the canvas is whenever that changes, and `null` while something of the
 * page (a menu, a dialog, the fullscreen toolbar) lies over it or there is nothing to show.
 * Meanwhile FRAMEs stop and SURFACE messages keep the canvas's size and the counters; input
 * still comes through the canvas, which stays beneath (the surface takes no input).
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
  const tools = props.tools ?? consoleTools;
  const fullscreen = createFullscreen(props.fullscreenApi ?? defaultFullscreenApi());
  /** The canvas has the keyboard; left Ctrl+Alt pressed and released alone gives it back. */
  const grab = createKeyboardGrab(() => canvas);

  let id: number | null = null;
  /** An `open` is under way: closing now cancels its handshake in the backend. */
  let openInFlight = false;
  let socket: ConsoleSocket | null = null;
  /** Unmounted: nothing more is painted or sent. */
  let disposed = false;
  /** The stream ended (closed by the backend, or broken): no more frames or input. */
  let stopped = false;
  const stats: ConsoleStats = {
    framesPainted: 0,
    serverUpdates: 0,
    lastPaintAt: 0,
    bytes: 0,
    paintMs: 0,
    surfaceFrames: 0,
    pagePaints: 0,
  };
  window.vireoConsoleStats = stats;

  /** The backend paints this console natively when told where (see above). */
  let surfaceAvailable = false;
  /** The placement last sent, as JSON: sent again only when it changes. */
  let sentPlace = "null";
  let placeScheduled = false;
  /** The native surface's painted count last heard of (per connection). */
  let nativePainted = 0;

  // ------------------------------------------------------------------ frames
  type Part = { buffer: ArrayBuffer; frame: Extract<ConsoleMessage, { kind: "frame" }> };
  /** Parts of the frame being received (a large frame comes as FRAME_PARTs, then a FRAME). */
  let parts: Part[] = [];
  /** Whole frames received and not yet painted, in order; painted in one animation frame. */
  let pending: Part[][] = [];
  let paintScheduled = false;
  /**
   * The guest's screen as the page has it: frames are decoded into it, then only the box that
   * changed goes to the canvas, in one putImageData per animation frame.
   */
  let screenImage: ImageData | null = null;
  let screenPixels = new Uint32Array(0);
  /** The box changed since the last put, right and bottom exclusive; empty when right <= left. */
  let dirtyLeft = Number.POSITIVE_INFINITY;
  let dirtyTop = Number.POSITIVE_INFINITY;
  let dirtyRight = 0;
  let dirtyBottom = 0;

  function onMessage(buffer: ArrayBuffer) {
    if (disposed || stopped) return;
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
    if (message.kind === "cursor") {
      setCursor(buffer, message);
      return;
    }
    if (message.kind === "surface") {
      onSurface(message);
      return;
    }
    stats.bytes += buffer.byteLength;
    parts.push({ buffer, frame: message });
    if (!message.end) return;
    pending.push(parts);
    parts = [];
    if (!paintScheduled) {
      paintScheduled = true;
      nextAnimationFrame(paintPending);
    }
  }

  function paintPending() {
    paintScheduled = false;
    if (disposed || stopped) return;
    const frames = pending;
    pending = [];
    const start = performance.now();
    for (const { buffer, frame } of frames.flat()) {
      try {
        decodeFrame(buffer, frame);
      } catch (err) {
        // A failed paint must not stall the stream: the credit still goes back.
        console.error("console: could not paint a frame", err);
      }
      stats.serverUpdates = frame.updates;
    }
    try {
      putDirty();
    } catch (err) {
      console.error("console: could not paint a frame", err);
    }
    stats.framesPainted += frames.length;
    if (frames.length > 0) stats.pagePaints += 1;
    stats.lastPaintAt = performance.now();
    stats.paintMs += stats.lastPaintAt - start;
    send({ kind: "credit", frames: frames.length });
  }

  function clearDirty() {
    dirtyLeft = Number.POSITIVE_INFINITY;
    dirtyTop = Number.POSITIVE_INFINITY;
    dirtyRight = 0;
    dirtyBottom = 0;
  }

  function decodeFrame(buffer: ArrayBuffer, frame: Extract<ConsoleMessage, { kind: "frame" }>) {
    if (!canvas) return;
    const { width, height } = frame;
    if (canvas.width !== width || canvas.height !== height) {
      // The guest changed resolution; resizing also clears the canvas.
      canvas.width = width;
      canvas.height = height;
      setFbSize({ width, height });
      screenImage = null;
    }
    if (!screenImage || screenImage.width !== width || screenImage.height !== height) {
      // Blank, like the cleared canvas; what was dirty belonged to the old screen.
      clearDirty();
      screenImage = null;
      if (width === 0 || height === 0) return;
      screenImage = new ImageData(new Uint8ClampedArray(width * height * 4), width, height);
      screenPixels = new Uint32Array(screenImage.data.buffer);
    }
    for (const rect of frame.rects) {
      const right = Math.min(rect.x + rect.w, width);
      const bottom = Math.min(rect.y + rect.h, height);
      if (right <= rect.x || bottom <= rect.y) continue;
      // Widened before decoding: a rect that fails halfway has still changed pixels.
      dirtyLeft = Math.min(dirtyLeft, rect.x);
      dirtyTop = Math.min(dirtyTop, rect.y);
      dirtyRight = Math.max(dirtyRight, right);
      dirtyBottom = Math.max(dirtyBottom, bottom);
      decodeRect(buffer, rect, screenPixels, width, height);
    }
  }

  function putDirty() {
    if (dirtyRight <= dirtyLeft || dirtyBottom <= dirtyTop) return;
    const x = dirtyLeft;
    const y = dirtyTop;
    const w = dirtyRight - dirtyLeft;
    const h = dirtyBottom - dirtyTop;
    clearDirty();
    const ctx = canvas?.getContext("2d");
    if (ctx && screenImage) ctx.putImageData(screenImage, 0, 0, x, y, w, h);
  }

  /** The native surface painted: keep the canvas the screen's size, and the counters. */
  function onSurface(message: Extract<ConsoleMessage, { kind: "surface" }>) {
    if (canvas && (canvas.width !== message.width || canvas.height !== message.height)) {
      canvas.width = message.width;
      canvas.height = message.height;
      setFbSize({ width: message.width, height: message.height });
      screenImage = null;
    }
    const newly = Math.max(0, message.painted - nativePainted);
    stats.framesPainted += newly;
    stats.surfaceFrames += newly;
    nativePainted = message.painted;
    stats.serverUpdates = message.updates;
  }

  /** Where the native surface goes: sent in the next animation frame, once layout settled. */
  function schedulePlace() {
    if (!surfaceAvailable || placeScheduled) return;
    placeScheduled = true;
    nextAnimationFrame(() => {
      placeScheduled = false;
      sendPlace();
    });
  }

  function sendPlace() {
    if (!surfaceAvailable || stopped || disposed || !canvas || !screenBox) return;
    let place = null;
    if (!inactive()) {
      const box = screenBox.getBoundingClientRect();
      // The container's content box without its borders and scroll bars.
      const view = new DOMRect(
        box.left + screenBox.clientLeft,
        box.top + screenBox.clientTop,
        screenBox.clientWidth,
        screenBox.clientHeight,
      );
      place = surfacePlace(
        canvas.getBoundingClientRect(),
        view,
        { width: window.innerWidth, height: window.innerHeight },
        window.devicePixelRatio || 1,
        coveringRects(document, canvas.closest("dialog")),
      );
    }
    const json = JSON.stringify(place);
    if (json === sentPlace) return;
    sentPlace = json;
    send({ kind: "surface", place });
  }

  /** The guest's pointer image as the canvas's CSS cursor (0×0: hidden). */
  function setCursor(buffer: ArrayBuffer, cursor: Extract<ConsoleMessage, { kind: "cursor" }>) {
    if (!canvas) return;
    if (cursor.width === 0 || cursor.height === 0) {
      canvas.style.cursor = "none";
      return;
    }
    try {
      const image = document.createElement("canvas");
      image.width = cursor.width;
      image.height = cursor.height;
      const pixels = new Uint8ClampedArray(buffer, cursor.offset, cursor.width * cursor.height * 4);
      image
        .getContext("2d")
        ?.putImageData(new ImageData(pixels, cursor.width, cursor.height), 0, 0);
      canvas.style.cursor = `url(${image.toDataURL()}) ${cursor.hotX} ${cursor.hotY}, default`;
    } catch (err) {
      console.error("console: could not set the guest's cursor", err);
    }
  }

  function stop() {
    // The surface ends with the backend's console; hidden first, so it never outlives the
    // panel on screen while the backend closes.
    if (sentPlace !== "null" && socket?.readyState === 1) {
      try {
        socket.send(JSON.stringify({ kind: "surface", place: null } satisfies ConsoleInput));
      } catch {
        // Closing anyway.
      }
    }
    stopped = true;
    surfaceAvailable = false;
    sentPlace = "null";
    pending = [];
    parts = [];
    held.clear();
    const s = socket;
    socket = null;
    if (s) {
      s.onclose = null;
      s.onmessage = null;
      s.close();
    }
    if (id !== null) void api.close(id).catch(() => {});
    id = null;
    if (openInFlight) {
      openInFlight = false;
      void api
        .cancelOpen({ vm: { connection: props.vm.connection, uuid: props.vm.uuid } })
        .catch(() => {});
    }
  }

  function fail(message: string) {
    setError(message);
    stop();
  }

  function connect() {
    stopped = false;
    setError(null);
    setClosedReason(null);
    setOpening(true);
    openInFlight = true;
    api
      .open({ vm: { connection: props.vm.connection, uuid: props.vm.uuid } })
      .then((opened) => {
        openInFlight = false;
        if (disposed || stopped) {
          void api.close(opened.id).catch(() => {});
          return;
        }
        id = opened.id;
        surfaceAvailable = opened.surface;
        sentPlace = "null";
        nativePainted = 0;
        if (canvas && (canvas.width !== opened.width || canvas.height !== opened.height)) {
          canvas.width = opened.width;
          canvas.height = opened.height;
          screenImage = null; // the resize cleared the canvas
        }
        setFbSize({ width: opened.width, height: opened.height });
        const s = api.connect(opened.url);
        socket = s;
        s.binaryType = "arraybuffer";
        s.onopen = () => {
          setOpening(false);
          send({ kind: "credit", frames: CREDITS });
          schedulePlace();
        };
        s.onmessage = (event) => {
          if (event.data instanceof ArrayBuffer) onMessage(event.data);
        };
        s.onerror = () => {};
        s.onclose = () => {
          if (socket !== s || stopped || disposed) return;
          setOpening(false);
          setClosedReason("the connection to the console ended");
          stop();
        };
      })
      .catch((err) => {
        openInFlight = false;
        if (disposed) return;
        setOpening(false);
        fail(toApiError(err).message);
      });
  }

  onMount(connect);

  // A console the VM's shutdown closed comes back when the VM runs again.
  createEffect(
    on(
      () => props.state,
      (state, previous) => {
        const live = (s: VmState | undefined) => s !== undefined && hasConsole(s);
        if (live(state) && previous !== undefined && !live(previous) && stopped) {
          connect();
        }
      },
    ),
  );

  onCleanup(() => {
    disposed = true;
    stop();
    if (window.vireoConsoleStats === stats) window.vireoConsoleStats = undefined;
  });

  // ------------------------------------------------------------------ input, in order
  /** Sends one input message; the socket keeps them in order. */
  function send(input: ConsoleInput) {
    if (stopped || disposed || !socket || socket.readyState !== 1) return;
    try {
      socket.send(JSON.stringify(input));
    } catch {
      // The socket is closing: its close handler reports it.
    }
  }

  /** Keys down on the guest, by code, with their key value. */
  const held = new Map<string, string>();

  function sendKey(code: string, key: string, down: boolean) {
    send({ kind: "key", code, key, down });
  }

  function onKeyDown(event: KeyboardEvent) {
    // Every key goes to the VM, Tab, Escape and F5 included.
    event.preventDefault();
    event.stopPropagation();
    if (event.isComposing) return;
    held.set(event.code, event.key);
    grab.chord.keyDown(event.code);
    sendKey(event.code, event.key, true); // auto-repeats too: the guest handles repeat
  }

  function onKeyUp(event: KeyboardEvent) {
    event.preventDefault();
    event.stopPropagation();
    // An up without its down (pressed before the canvas had the focus) is not the VM's.
    if (!held.has(event.code)) return;
    held.delete(event.code);
    sendKey(event.code, event.key, false);
    if (grab.chord.keyUp(event.code)) canvas?.blur(); // blurring releases every held key
  }

  function releaseAll() {
    for (const [code, key] of [...held]) sendKey(code, key, false);
    held.clear();
  }

  let buttons = 0;

  function sendPointer(event: MouseEvent, mask: number) {
    if (!canvas) return;
    const { x, y } = pointerPosition(
      event.clientX,
      event.clientY,
      canvas.getBoundingClientRect(),
      canvas.width,
      canvas.height,
    );
    send({ kind: "pointer", x, y, buttons: mask });
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
    buttons = mask;
    sendPointer(event, mask);
  }

  function onWheel(event: WheelEvent) {
    event.preventDefault();
    const bit = wheelBit(event.deltaY);
    if (bit === 0) return;
    sendPointer(event, buttons | bit);
    sendPointer(event, buttons);
  }

  /** A chord from the Send key menu: pressed in order, released in reverse. */
  function sendChord(keys: readonly Key[]) {
    for (const [code, key, down] of chordStrokes(keys)) sendKey(code, key, down);
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
      for (const entry of entries) {
        const rect = entry.contentRect;
        if (entry.target === screenBox) setBox({ width: rect.width, height: rect.height });
      }
      schedulePlace();
    });
    observer.observe(screenBox);
    if (canvas) observer.observe(canvas);
    onCleanup(() => observer.disconnect());
  });

  // The native surface follows the canvas: moves, scrolling, the window, and page elements
  // appearing over it (menus, dialogs, notices, the fullscreen toolbar).
  onMount(() => {
    const box = screenBox;
    const onLayout = () => schedulePlace();
    window.addEventListener("resize", onLayout);
    box?.addEventListener("scroll", onLayout, { passive: true });
    document.addEventListener("transitionend", onLayout);
    document.addEventListener("animationend", onLayout);
    const mutations =
      typeof MutationObserver === "undefined" ? null : new MutationObserver(onLayout);
    mutations?.observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ["hidden", "open", "class"],
    });
    onCleanup(() => {
      window.removeEventListener("resize", onLayout);
      box?.removeEventListener("scroll", onLayout);
      document.removeEventListener("transitionend", onLayout);
      document.removeEventListener("animationend", onLayout);
      mutations?.disconnect();
    });
  });

  const [scaleMode, setScaleMode] = createSignal<ScaleMode>("fit");
  const dpr = createDevicePixelRatio();

  /** The canvas's CSS size; in Fit, once the box is measured (until then CSS alone fits it). */
  const display = createMemo(() => {
    const fb = fbSize();
    const area = box();
    if (!fb || (!area && scaleMode() === "fit")) return null;
    const { width = 0, height = 0 } = area ?? {};
    return displaySize(fb.width, fb.height, width, height, dpr(), scaleMode());
  });
  const inactive = () => opening() || error() !== null || closedReason() !== null;
  createEffect(
    on([display, inactive, dpr, fullscreen.active, scaleMode], () => schedulePlace(), {
      defer: true,
    }),
  );

  return (
    <Modal
      title={props.name}
      onClose={() => props.onClose()}
      testId="console"
      class={fullscreen.active() ? "dialog-console dialog-console-fullscreen" : "dialog-console"}
    >
      <ConsoleBar floating={fullscreen.active()}>
        <Show when={fullscreen.error()}>
          {(message) => (
            <p class="console-grab" role="alert">
              {message()}
            </p>
          )}
        </Show>
        <SendKeysMenu disabled={inactive()} onSend={sendChord} />
        <ConsoleActions
          consoleId={() => id}
          disabled={inactive()}
          tools={tools}
          onTyped={() => canvas?.focus()}
        />
        <ScaleToggle mode={scaleMode()} onChange={(mode) => setScaleMode(mode)} />
        <button
          type="button"
          class="button button-small"
          data-action="fullscreen"
          aria-pressed={fullscreen.active()}
          // Like Fit and 1:1: the keyboard grab stays as the user left it.
          onMouseDown={(event) => event.preventDefault()}
          onClick={() => void fullscreen.toggle()}
        >
          {fullscreen.active() ? "Leave fullscreen" : "Fullscreen"}
        </button>
        <GrabHint grabbed={grab.grabbed()} />
        <button
          type="button"
          class="button button-small"
          data-action="close-console"
          onClick={() => props.onClose()}
        >
          Close
        </button>
      </ConsoleBar>
      <div
        ref={screenBox}
        class="console-screen"
        classList={{ "console-screen-actual": scaleMode() === "actual" }}
        aria-busy={opening()}
      >
        <canvas
          ref={canvas}
          class="console-canvas"
          classList={{
            "console-canvas-pixelated": display()?.pixelated ?? false,
            "console-canvas-actual": scaleMode() === "actual",
          }}
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
            <p>Console closed: {closedReason()}</p>
            <Show
              when={props.state === undefined || hasConsole(props.state)}
              fallback={
                <p class="console-overlay-hint" data-testid="console-waiting">
                  The console reconnects when the VM runs again.
                </p>
              }
            >
              <button
                type="button"
                class="button button-small"
                data-action="reconnect"
                onClick={connect}
              >
                Reconnect
              </button>
            </Show>
          </div>
        </Show>
      </div>
    </Modal>
  );
}
