import "./console.css";
import { createEffect, on, Show } from "solid-js";
import { useBackend } from "../backend";
import type { VmRef } from "../bindings/VmRef";
import type { VmState } from "../bindings/VmState";
import { hasConsole } from "../machines/RowActions";
import { Modal } from "../shared/Modal";
import { ConsoleActions } from "./ConsoleActions";
import { ConsoleBar } from "./ConsoleBar";
import { createConsoleConnection } from "./connection";
import { createFullscreen } from "./fullscreen";
import { GrabHint } from "./GrabHint";
import { createKeyboardGrab } from "./grab";
import { createConsoleInput } from "./input";
import { createPainter } from "./painter";
import { createSurfacePlacement } from "./placement";
import { ScaleToggle } from "./ScaleToggle";
import { SendKeysMenu } from "./SendKeysMenu";
import { createScaling } from "./scaling";

export interface ConsoleProps {
  vm: VmRef;
  /** The VM's name: the panel's title. */
  name: string;
  /** The VM's live state: a console closed by a shutdown reconnects when it runs again. */
  state?: VmState;
  onClose: () => void;
}

/**
 * A running VM's screen in a large modal panel. The canvas keeps the guest's resolution; CSS
 * scales it to fit. Keys and pointer go to the VM while the canvas has the focus.
 *
 * Stream: `consoleOpen` connects to the VM and names a local WebSocket; FRAME messages arrive on it
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
  const backend = useBackend();
  let canvas: HTMLCanvasElement | undefined;
  let screenBox: HTMLDivElement | undefined;
  const fullscreen = createFullscreen(backend.windowFullscreen);
  /** The canvas has the keyboard; left Ctrl+Alt pressed and released alone gives it back. */
  const grab = createKeyboardGrab(() => canvas);

  const painter = createPainter({
    canvas: () => canvas,
    live: () => connection.live(),
    send: (message) => connection.send(message),
  });
  const connection = createConsoleConnection({
    backend,
    vm: () => props.vm,
    vmState: () => props.state,
    onOpened: (opened) => {
      placement.opened(opened.surface);
      painter.opened(opened);
    },
    onOpen: () => {
      painter.start();
      placement.schedule();
    },
    onMessage: (buffer, message) => painter.receive(buffer, message),
    onStop: () => {
      placement.stop();
      painter.stop();
      input.stop();
    },
  });
  const input = createConsoleInput({ canvas: () => canvas, send: connection.send, grab });
  const scaling = createScaling({
    screenBox: () => screenBox,
    canvas: () => canvas,
    fbSize: painter.fbSize,
    onResize: () => placement.schedule(),
  });
  const placement = createSurfacePlacement({
    canvas: () => canvas,
    screenBox: () => screenBox,
    inactive: connection.inactive,
    live: connection.live,
    send: connection.send,
    sendWhileStopping: connection.sendWhileStopping,
  });
  createEffect(
    on(
      [scaling.display, connection.inactive, scaling.dpr, fullscreen.active, scaling.scaleMode],
      () => placement.schedule(),
      { defer: true },
    ),
  );

  const failure = () => {
    const state = connection.state();
    return state.kind === "failed" ? state.error : null;
  };
  const closedReason = () => {
    const state = connection.state();
    return state.kind === "closed" ? state.reason : null;
  };

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
        <SendKeysMenu disabled={connection.inactive()} onSend={input.sendChord} />
        <ConsoleActions
          consoleId={connection.id}
          disabled={connection.inactive()}
          onTyped={() => canvas?.focus()}
        />
        <ScaleToggle mode={scaling.scaleMode()} onChange={(mode) => scaling.setScaleMode(mode)} />
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
        classList={{ "console-screen-actual": scaling.scaleMode() === "actual" }}
        aria-busy={connection.state().kind === "connecting"}
      >
        <canvas
          ref={canvas}
          class="console-canvas"
          classList={{
            "console-canvas-pixelated": scaling.display()?.pixelated ?? false,
            "console-canvas-actual": scaling.scaleMode() === "actual",
          }}
          style={
            scaling.display()
              ? { width: `${scaling.display()?.width}px`, height: `${scaling.display()?.height}px` }
              : undefined
          }
          width={0}
          height={0}
          tabindex="0"
          aria-label={`Screen of ${props.name}`}
          data-testid="console-canvas"
          data-autofocus
        />
        <Show when={connection.state().kind === "connecting"}>
          <div class="console-overlay" role="status">
            <span class="spinner spinner-large" aria-hidden="true" />
            Connecting to the console…
          </div>
        </Show>
        <Show when={failure()}>
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
        <Show when={connection.state().kind === "closed"}>
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
                onClick={connection.connect}
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
