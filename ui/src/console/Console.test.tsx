import { cleanup, fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import { createSignal, Show } from "solid-js";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type {
  ConsoleApi,
  ConsoleKeyRequest,
  ConsoleOpened,
  ConsoleOpenRequest,
  ConsolePointerRequest,
} from "../api";
import { Console } from "./Console";
import { encodeClosed, encodeFrame } from "./protocol";

const VM = { connection: "local", uuid: "0b5f6d2e-0000-4000-8000-000000000001" };

/** A fake backend; `send` plays the frames channel. */
function createFakeConsoleApi(opened: ConsoleOpened | Error = { id: 7, width: 4, height: 2 }) {
  let onMessage: ((message: ArrayBuffer) => void) | undefined;
  let resolveOpen: (() => void) | undefined;
  let held = false;
  const api = {
    open: vi.fn(
      (_req: ConsoleOpenRequest, handler: (message: ArrayBuffer) => void) =>
        new Promise<ConsoleOpened>((resolve, reject) => {
          onMessage = handler;
          const settle = () =>
            opened instanceof Error
              ? reject({ code: "invalid-state", message: opened.message })
              : resolve(opened);
          if (held) resolveOpen = settle;
          else settle();
        }),
    ),
    ack: vi.fn(async (_id: number) => {}),
    key: vi.fn(async (_req: ConsoleKeyRequest) => {}),
    pointer: vi.fn(async (_req: ConsolePointerRequest) => {}),
    close: vi.fn(async (_id: number) => {}),
  } satisfies ConsoleApi;
  return {
    api,
    send(message: ArrayBuffer) {
      if (!onMessage) throw new Error("console not opened");
      onMessage(message);
    },
    /** Keeps `open` pending until `release`. */
    hold() {
      held = true;
    },
    release() {
      resolveOpen?.();
    },
  };
}

interface PutCall {
  data: Uint8ClampedArray;
  width: number;
  height: number;
  x: number;
  y: number;
}

let puts: PutCall[];

beforeEach(() => {
  puts = [];
  // jsdom has no canvas: a 2D context that records putImageData, and a minimal ImageData.
  vi.stubGlobal(
    "ImageData",
    class {
      constructor(
        public data: Uint8ClampedArray,
        public width: number,
        public height: number,
      ) {}
    },
  );
  vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockImplementation(
    () =>
      ({
        putImageData: (image: ImageData, x: number, y: number) =>
          puts.push({ data: image.data, width: image.width, height: image.height, x, y }),
      }) as unknown as CanvasRenderingContext2D,
  );
});

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

function setup(fake = createFakeConsoleApi()) {
  const [open, setOpen] = createSignal(true);
  const onClose = vi.fn(() => setOpen(false));
  render(() => (
    <Show when={open()}>
      <Console vm={VM} name="web-01" api={fake.api} onClose={onClose} />
    </Show>
  ));
  const canvas = screen.getByTestId("console-canvas") as HTMLCanvasElement;
  return { ...fake, canvas, onClose };
}

async function opened(fake: ReturnType<typeof createFakeConsoleApi>, canvas: HTMLCanvasElement) {
  await waitFor(() => expect(fake.api.open).toHaveBeenCalled());
  await waitFor(() => expect(canvas.width).toBeGreaterThan(0));
}

describe("Console", () => {
  it("opens the VM's console, titled with its name, with the canvas focused", async () => {
    const fake = createFakeConsoleApi();
    const { api, canvas } = setup(fake);
    expect(screen.getByTestId("console").textContent).toContain("web-01");
    expect(screen.getByText("Click the screen to type; keys go to the VM")).toBeTruthy();
    expect(canvas.getAttribute("tabindex")).toBe("0");
    expect(document.activeElement).toBe(canvas);
    await opened(fake, canvas);
    expect(api.open).toHaveBeenCalledTimes(1);
    expect(api.open.mock.calls[0][0]).toEqual({ vm: VM });
    expect(canvas.width).toBe(4);
    expect(canvas.height).toBe(2);
  });

  it("paints a frame's rects and acks it, resizing the canvas to the framebuffer first", async () => {
    const fake = createFakeConsoleApi();
    const { api, canvas, send } = setup(fake);
    await opened(fake, canvas);
    const red = new Uint8Array([255, 0, 0, 255, 255, 0, 0, 255]);
    const blue = new Uint8Array([0, 0, 255, 255]);
    const frame = encodeFrame(8, 6, [
      { x: 1, y: 0, w: 2, h: 1, rgba: red },
      { x: 7, y: 5, w: 1, h: 1, rgba: blue },
    ]);
    send(frame);
    expect(canvas.width).toBe(8);
    expect(canvas.height).toBe(6);
    expect(puts).toHaveLength(2);
    expect(puts[0]).toMatchObject({ width: 2, height: 1, x: 1, y: 0 });
    expect([...puts[0].data]).toEqual([...red]);
    expect(puts[0].data.buffer).toBe(frame); // a view over the message: no copy
    expect(puts[1]).toMatchObject({ width: 1, height: 1, x: 7, y: 5 });
    expect([...puts[1].data]).toEqual([...blue]);
    expect(api.ack).toHaveBeenCalledTimes(1);
    expect(api.ack).toHaveBeenCalledWith(7);
  });

  it("acks an empty frame too", async () => {
    const fake = createFakeConsoleApi();
    const { api, canvas, send } = setup(fake);
    await opened(fake, canvas);
    send(encodeFrame(4, 2, []));
    expect(puts).toHaveLength(0);
    expect(api.ack).toHaveBeenCalledWith(7);
  });

  it("keeps frames that arrive before open resolves, then paints and acks them", async () => {
    const fake = createFakeConsoleApi();
    fake.hold();
    const { api, canvas, send } = setup(fake);
    await waitFor(() => expect(api.open).toHaveBeenCalled());
    send(encodeFrame(4, 2, [{ x: 0, y: 0, w: 1, h: 1 }]));
    expect(puts).toHaveLength(0);
    expect(api.ack).not.toHaveBeenCalled();
    fake.release();
    await waitFor(() => expect(api.ack).toHaveBeenCalledWith(7));
    expect(puts).toHaveLength(1);
    expect(canvas.width).toBe(4);
  });

  it("sends keys with code, key and direction, and keeps them from the page", async () => {
    const fake = createFakeConsoleApi();
    const { api, canvas } = setup(fake);
    await opened(fake, canvas);
    const down = new KeyboardEvent("keydown", {
      code: "KeyA",
      key: "a",
      bubbles: true,
      cancelable: true,
    });
    canvas.dispatchEvent(down);
    expect(down.defaultPrevented).toBe(true);
    expect(api.key).toHaveBeenLastCalledWith({ id: 7, code: "KeyA", key: "a", down: true });

    // Escape and Tab go to the VM too: the panel stays open.
    fireEvent.keyDown(canvas, { code: "Escape", key: "Escape" });
    await waitFor(() =>
      expect(api.key).toHaveBeenLastCalledWith({
        id: 7,
        code: "Escape",
        key: "Escape",
        down: true,
      }),
    );
    expect(screen.queryByTestId("console")).not.toBeNull();

    const up = new KeyboardEvent("keyup", {
      code: "KeyA",
      key: "a",
      bubbles: true,
      cancelable: true,
    });
    canvas.dispatchEvent(up);
    expect(up.defaultPrevented).toBe(true);
    await waitFor(() =>
      expect(api.key).toHaveBeenLastCalledWith({ id: 7, code: "KeyA", key: "a", down: false }),
    );
  });

  it("sends auto-repeats as further downs", async () => {
    const fake = createFakeConsoleApi();
    const { api, canvas } = setup(fake);
    await opened(fake, canvas);
    fireEvent.keyDown(canvas, { code: "KeyB", key: "b" });
    fireEvent.keyDown(canvas, { code: "KeyB", key: "b", repeat: true });
    await waitFor(() => expect(api.key).toHaveBeenCalledTimes(2));
    expect(api.key.mock.calls.map(([req]) => req.down)).toEqual([true, true]);
  });

  it("releases keys still held when the canvas loses the focus", async () => {
    const fake = createFakeConsoleApi();
    const { api, canvas } = setup(fake);
    await opened(fake, canvas);
    fireEvent.keyDown(canvas, { code: "ShiftLeft", key: "Shift" });
    fireEvent.keyDown(canvas, { code: "KeyQ", key: "Q" });
    fireEvent.keyUp(canvas, { code: "KeyQ", key: "Q" });
    await waitFor(() => expect(api.key).toHaveBeenCalledTimes(3));
    fireEvent.blur(canvas);
    await waitFor(() => expect(api.key).toHaveBeenCalledTimes(4));
    expect(api.key).toHaveBeenLastCalledWith({
      id: 7,
      code: "ShiftLeft",
      key: "Shift",
      down: false,
    });
    fireEvent.blur(canvas);
    await Promise.resolve();
    expect(api.key).toHaveBeenCalledTimes(4);
  });

  it("sends Ctrl+Alt+Del", async () => {
    const fake = createFakeConsoleApi();
    const { api, canvas } = setup(fake);
    await opened(fake, canvas);
    fireEvent.click(document.querySelector('[data-action="ctrl-alt-del"]') as HTMLElement);
    await waitFor(() => expect(api.key).toHaveBeenCalledTimes(6));
    expect(api.key.mock.calls.map(([req]) => [req.code, req.key, req.down])).toEqual([
      ["ControlLeft", "Control", true],
      ["AltLeft", "Alt", true],
      ["Delete", "Delete", true],
      ["Delete", "Delete", false],
      ["AltLeft", "Alt", false],
      ["ControlLeft", "Control", false],
    ]);
  });

  it("sends the pointer in framebuffer pixels, one at a time, coalescing moves", async () => {
    const fake = createFakeConsoleApi({ id: 3, width: 800, height: 600 });
    let finish: (() => void) | undefined;
    fake.api.pointer.mockImplementation(
      () =>
        new Promise<void>((resolve) => {
          finish = resolve;
        }),
    );
    const { api, canvas } = setup(fake);
    await opened(fake, canvas);
    vi.spyOn(canvas, "getBoundingClientRect").mockReturnValue({
      left: 100,
      top: 50,
      width: 400,
      height: 300,
    } as DOMRect);
    const pointer = (type: string, clientX: number, clientY: number, buttons = 0) =>
      canvas.dispatchEvent(
        new MouseEvent(type, { clientX, clientY, buttons, bubbles: true, cancelable: true }),
      );

    pointer("pointermove", 110, 60);
    pointer("pointermove", 120, 70); // dropped: superseded while the first is in flight
    pointer("pointermove", 130, 80);
    expect(api.pointer).toHaveBeenCalledTimes(1);
    expect(api.pointer).toHaveBeenLastCalledWith({ id: 3, x: 20, y: 20, buttons: 0 });
    finish?.();
    await waitFor(() => expect(api.pointer).toHaveBeenCalledTimes(2));
    expect(api.pointer).toHaveBeenLastCalledWith({ id: 3, x: 60, y: 60, buttons: 0 });

    // Presses are never dropped, and the right button is RFB bit 2.
    pointer("pointerdown", 300, 200, 2);
    pointer("pointerup", 300, 200, 0);
    finish?.();
    await waitFor(() => expect(api.pointer).toHaveBeenCalledTimes(3));
    expect(api.pointer).toHaveBeenLastCalledWith({ id: 3, x: 400, y: 300, buttons: 4 });
    finish?.();
    await waitFor(() => expect(api.pointer).toHaveBeenCalledTimes(4));
    expect(api.pointer).toHaveBeenLastCalledWith({ id: 3, x: 400, y: 300, buttons: 0 });
    finish?.();

    // Wheel down: a press of bit 4, then its release.
    const wheel = new WheelEvent("wheel", {
      clientX: 100,
      clientY: 50,
      deltaY: 100,
      bubbles: true,
      cancelable: true,
    });
    canvas.dispatchEvent(wheel);
    expect(wheel.defaultPrevented).toBe(true);
    await waitFor(() => expect(api.pointer).toHaveBeenCalledTimes(5));
    expect(api.pointer).toHaveBeenLastCalledWith({ id: 3, x: 0, y: 0, buttons: 16 });
    finish?.();
    await waitFor(() => expect(api.pointer).toHaveBeenCalledTimes(6));
    expect(api.pointer).toHaveBeenLastCalledWith({ id: 3, x: 0, y: 0, buttons: 0 });
  });

  it("closes the console on Close", async () => {
    const fake = createFakeConsoleApi();
    const { api, canvas, onClose } = setup(fake);
    await opened(fake, canvas);
    fireEvent.click(document.querySelector('[data-action="close-console"]') as HTMLElement);
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(screen.queryByTestId("console")).toBeNull();
    expect(api.close).toHaveBeenCalledTimes(1);
    expect(api.close).toHaveBeenCalledWith(7);
  });

  it("closes a console that opens after the panel was closed", async () => {
    const fake = createFakeConsoleApi();
    fake.hold();
    const { api } = setup(fake);
    await waitFor(() => expect(api.open).toHaveBeenCalled());
    fireEvent.click(document.querySelector('[data-action="close-console"]') as HTMLElement);
    expect(api.close).not.toHaveBeenCalled();
    fake.release();
    await waitFor(() => expect(api.close).toHaveBeenCalledWith(7));
  });

  it("shows why the console could not open", async () => {
    const fake = createFakeConsoleApi(new Error("The machine is not running"));
    setup(fake);
    const error = await screen.findByTestId("console-error");
    expect(error.textContent).toBe("The machine is not running");
    expect(fake.api.close).not.toHaveBeenCalled();
  });

  it("shows why the backend closed the console, and stops", async () => {
    const fake = createFakeConsoleApi();
    const { api, canvas, send } = setup(fake);
    await opened(fake, canvas);
    send(encodeClosed("the guest shut down"));
    expect((await screen.findByTestId("console-closed")).textContent).toBe(
      "Console closed: the guest shut down",
    );
    send(encodeFrame(4, 2, [{ x: 0, y: 0, w: 1, h: 1 }]));
    fireEvent.keyDown(canvas, { code: "KeyA", key: "a" });
    expect(puts).toHaveLength(0);
    expect(api.ack).not.toHaveBeenCalled();
    expect(api.key).not.toHaveBeenCalled();
  });

  it("shows a malformed frame as an error instead of reading past it", async () => {
    const fake = createFakeConsoleApi();
    const { canvas, send } = setup(fake);
    await opened(fake, canvas);
    send(encodeFrame(4, 2, [{ x: 0, y: 0, w: 2, h: 2 }]).slice(0, 12));
    expect((await screen.findByTestId("console-error")).textContent).toMatch(
      /Truncated console frame/,
    );
    expect(puts).toHaveLength(0);
  });
});
