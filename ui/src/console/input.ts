import { onCleanup, onMount } from "solid-js";
import type { ConsoleInput } from "../bindings/ConsoleInput";
import type { createKeyboardGrab } from "./grab";
import { pointerPosition, rfbButtons, wheelBit } from "./protocol";
import { chordStrokes, type Key } from "./SendKeysMenu";

export interface InputOptions {
  canvas: () => HTMLCanvasElement | undefined;
  send: (input: ConsoleInput) => void;
  grab: ReturnType<typeof createKeyboardGrab>;
}

/**
 * Keys and pointer to the VM while the canvas has the focus, in order on the stream's socket.
 * Every key goes to the VM; left Ctrl+Alt pressed and released alone gives the keyboard back.
 */
export function createConsoleInput(options: InputOptions) {
  const { send, grab } = options;

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
    if (grab.chord.keyUp(event.code)) options.canvas()?.blur(); // blurring releases every held key
  }

  function releaseAll() {
    for (const [code, key] of [...held]) sendKey(code, key, false);
    held.clear();
  }

  let buttons = 0;

  function sendPointer(event: MouseEvent, mask: number) {
    const canvas = options.canvas();
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
      const canvas = options.canvas();
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
    options.canvas()?.focus();
  }

  // Native listeners: they run before Solid's delegated ones, so the dialog's Escape and Tab
  // handling never sees keys meant for the VM.
  onMount(() => {
    const el = options.canvas();
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

  return {
    sendChord,
    /** The stream ended: the guest no longer holds any key. */
    stop: () => held.clear(),
  };
}
