import { cleanup, fireEvent, screen, waitFor } from "@solidjs/testing-library";
import { createSignal, Show } from "solid-js";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { VmState } from "../bindings/VmState";
import { createFakeBackend, type FakeBackend, renderWithBackend } from "../testing";
import { Console } from "./Console";
import { encodeClosed, encodeCursor, encodeFrame, encodeSurface, MSG_FRAME_PART } from "./protocol";

const VM = { connection: "local", uuid: "0b5f6d2e-0000-4000-8000-000000000001" };

interface PutCall {
  image: ImageData;
  /** The image's pixels when it was put (the console's image changes after). */
  data: Uint8ClampedArray;
  width: number;
  height: number;
  x: number;
  y: number;
  /** The part put: x, y, width, height. */
  dirty?: number[];
}

/** Pixel (x, y) of a put image, RGBA. */
const pixel = (put: PutCall, x: number, y: number) => [
  ...put.data.subarray((y * put.width + x) * 4, (y * put.width + x) * 4 + 4),
];

const RED = [255, 0, 0, 255];
const BLUE = [0, 0, 255, 255];
const NONE = [0, 0, 0, 0];

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
        putImageData: (image: ImageData, x: number, y: number, ...dirty: number[]) =>
          puts.push({
            image,
            data: image.data.slice(),
            width: image.width,
            height: image.height,
            x,
            y,
            dirty: dirty.length > 0 ? dirty : undefined,
          }),
      }) as unknown as CanvasRenderingContext2D,
  );
});

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

function setup(fake = createFakeBackend(), initialState: VmState = "running") {
  const [open, setOpen] = createSignal(true);
  const [state, setState] = createSignal<VmState>(initialState);
  const onClose = vi.fn(() => setOpen(false));
  renderWithBackend(
    () => (
      <Show when={open()}>
        <Console vm={VM} name="web-01" state={state()} onClose={onClose} />
      </Show>
    ),
    fake.backend,
  );
  const canvas = screen.getByTestId("console-canvas") as HTMLCanvasElement;
  /** Plays one message from the backend on the newest socket. */
  const send = (message: ArrayBuffer) => fake.socket.serverSend(message);
  return { backend: fake.backend, canvas, onClose, send, setState };
}

/** The console is open and its socket connected (the page has sent its first credits). */
async function opened(fake: FakeBackend, canvas: HTMLCanvasElement) {
  await waitFor(() => expect(fake.backend.consoleOpen).toHaveBeenCalled());
  await waitFor(() => expect(canvas.width).toBeGreaterThan(0));
  await waitFor(() => expect(fake.sockets.length).toBeGreaterThan(0));
  await waitFor(() => expect(fake.socket.credits()).toBe(2));
}

/** Lets the pending animation frame paint. */
const painted = () => new Promise((resolve) => setTimeout(resolve, 40));

describe("Console", () => {
  it("opens the VM's console, titled with its name, with the canvas focused", async () => {
    const fake = createFakeBackend();
    const { backend, canvas } = setup(fake);
    expect(screen.getByTestId("console").textContent).toContain("web-01");
    expect(screen.getByTestId("console-grab-hint").textContent).toContain("Press Ctrl+Alt");
    expect(canvas.getAttribute("tabindex")).toBe("0");
    expect(document.activeElement).toBe(canvas);
    await opened(fake, canvas);
    expect(backend.consoleOpen).toHaveBeenCalledTimes(1);
    expect(backend.consoleOpen.mock.calls[0][0]).toEqual({ vm: VM });
    expect(backend.connectConsole).toHaveBeenCalledWith("ws://127.0.0.1:1/console/7?token=t");
    expect(fake.socket.binaryType).toBe("arraybuffer");
    expect(canvas.width).toBe(4);
    expect(canvas.height).toBe(2);
    expect(screen.queryByText("Connecting to the console…")).toBeNull();
  });

  it("shows the connecting overlay until the socket opens", async () => {
    const fake = createFakeBackend({ autoOpen: false });
    const { canvas } = setup(fake);
    await waitFor(() => expect(fake.sockets.length).toBe(1));
    expect(screen.getByText("Connecting to the console…")).toBeTruthy();
    expect(fake.socket.sent).toEqual([]);
    fake.socket.serverOpen();
    await opened(fake, canvas);
    await waitFor(() => expect(screen.queryByText("Connecting to the console…")).toBeNull());
  });

  it("paints a frame's rects and credits it back, resizing the canvas first", async () => {
    const fake = createFakeBackend();
    const { canvas, send } = setup(fake);
    await opened(fake, canvas);
    const frame = encodeFrame(8, 6, [
      { x: 1, y: 0, w: 2, h: 1, rgba: new Uint8Array([...RED, ...RED]) },
      { x: 7, y: 5, w: 1, h: 1, rgba: new Uint8Array(BLUE) },
    ]);
    send(frame);
    expect(puts).toHaveLength(0); // painted in the next animation frame
    await painted();
    expect(canvas.width).toBe(8);
    expect(canvas.height).toBe(6);
    // The whole screen's image, put once: only the box around both rects.
    expect(puts).toHaveLength(1);
    expect(puts[0]).toMatchObject({ width: 8, height: 6, x: 0, y: 0, dirty: [1, 0, 7, 6] });
    expect(pixel(puts[0], 1, 0)).toEqual(RED);
    expect(pixel(puts[0], 2, 0)).toEqual(RED);
    expect(pixel(puts[0], 7, 5)).toEqual(BLUE);
    expect(pixel(puts[0], 0, 0)).toEqual(NONE);
    expect(pixel(puts[0], 3, 0)).toEqual(NONE);
    expect(fake.socket.credits()).toBe(3);
    expect(fake.socket.sent.at(-1)).toEqual({ kind: "credit", frames: 1 });
  });

  it("paints palette rects, solid and indexed, decoded", async () => {
    const fake = createFakeBackend();
    const { canvas, send } = setup(fake);
    await opened(fake, canvas);
    const stats = window.vireoConsoleStats;
    const before = { bytes: stats?.bytes ?? 0, paintMs: stats?.paintMs ?? 0 };
    const frame = encodeFrame(16, 8, [
      { x: 0, y: 0, w: 16, h: 8, palette: new Uint8Array(BLUE) },
      {
        x: 3,
        y: 2,
        w: 5,
        h: 2,
        palette: new Uint8Array([...BLUE, ...RED]),
        indices: [1, 0, 0, 0, 1, 0, 1, 1, 1, 0],
      },
    ]);
    send(frame);
    await painted();
    expect(puts).toHaveLength(1);
    expect(puts[0]).toMatchObject({ width: 16, height: 8, x: 0, y: 0, dirty: [0, 0, 16, 8] });
    const rows = [2, 3].map((y) =>
      [2, 3, 4, 5, 6, 7, 8].map((x) => (pixel(puts[0], x, y)[0] === 255 ? "r" : "b")).join(""),
    );
    expect(rows).toEqual(["brbbbrb", "bbrrrbb"]);
    expect(pixel(puts[0], 15, 7)).toEqual(BLUE);
    expect(stats?.bytes).toBe(before.bytes + frame.byteLength);
    expect(stats?.paintMs).toBeGreaterThanOrEqual(before.paintMs);
  });

  it("keeps the screen between frames, puts only what changed, and starts blank on a resize", async () => {
    const fake = createFakeBackend();
    const { canvas, send } = setup(fake);
    await opened(fake, canvas);
    send(encodeFrame(4, 2, [{ x: 0, y: 0, w: 1, h: 1, rgba: new Uint8Array(RED) }]));
    await painted();
    send(encodeFrame(4, 2, [{ x: 2, y: 1, w: 2, h: 1, palette: new Uint8Array(BLUE) }]));
    await painted();
    expect(puts).toHaveLength(2);
    expect(puts[1].dirty).toEqual([2, 1, 2, 1]);
    expect(puts[1].image).toBe(puts[0].image);
    expect(pixel(puts[1], 0, 0)).toEqual(RED);
    expect(pixel(puts[1], 3, 1)).toEqual(BLUE);

    send(encodeFrame(6, 3, [{ x: 5, y: 2, w: 1, h: 1, palette: new Uint8Array(RED) }]));
    await painted();
    expect([canvas.width, canvas.height]).toEqual([6, 3]);
    expect(puts[2]).toMatchObject({ width: 6, height: 3, dirty: [5, 2, 1, 1] });
    expect(puts[2].image).not.toBe(puts[0].image);
    expect(pixel(puts[2], 0, 0)).toEqual(NONE);
    expect(pixel(puts[2], 5, 2)).toEqual(RED);
  });

  it("clips rects to the screen and puts nothing for a rect outside it", async () => {
    const fake = createFakeBackend();
    const { canvas, send } = setup(fake);
    await opened(fake, canvas);
    send(encodeFrame(4, 2, [{ x: 4, y: 0, w: 2, h: 2, palette: new Uint8Array(RED) }]));
    await painted();
    expect(puts).toHaveLength(0);
    expect(fake.socket.credits()).toBe(3);
    send(encodeFrame(4, 2, [{ x: 2, y: 1, w: 5, h: 5, palette: new Uint8Array(RED) }]));
    await painted();
    expect(puts[0].dirty).toEqual([2, 1, 2, 1]);
    expect(pixel(puts[0], 3, 1)).toEqual(RED);
  });

  it("credits a frame that fails to decode, and paints the next", async () => {
    const fake = createFakeBackend();
    const { canvas, send } = setup(fake);
    await opened(fake, canvas);
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    // Index 3 of a 3-colour palette.
    const palette = new Uint8Array([...RED, ...RED, ...RED]);
    send(encodeFrame(4, 2, [{ x: 0, y: 0, w: 2, h: 1, palette, indices: [0, 3] }]));
    await painted();
    expect(logged).toHaveBeenCalledWith("console: could not paint a frame", expect.any(Error));
    expect(fake.socket.credits()).toBe(3);
    expect(screen.queryByTestId("console-error")).toBeNull();
    send(encodeFrame(4, 2, [{ x: 3, y: 1, w: 1, h: 1, rgba: new Uint8Array(BLUE) }]));
    await painted();
    expect(pixel(puts.at(-1) as PutCall, 3, 1)).toEqual(BLUE);
    expect(fake.socket.credits()).toBe(4);
  });

  it("paints frames that arrive together in one animation frame, in order, and counts them", async () => {
    const fake = createFakeBackend();
    const { canvas, send } = setup(fake);
    await opened(fake, canvas);
    const before = window.vireoConsoleStats?.framesPainted ?? 0;
    send(encodeFrame(4, 2, [{ x: 0, y: 0, w: 2, h: 1, palette: new Uint8Array(RED) }], 10));
    send(
      encodeFrame(
        4,
        2,
        [
          { x: 1, y: 0, w: 1, h: 1, palette: new Uint8Array(BLUE) },
          { x: 2, y: 0, w: 1, h: 1 },
        ],
        12,
      ),
    );
    await painted();
    expect(puts).toHaveLength(1);
    expect(puts[0].dirty).toEqual([0, 0, 3, 1]);
    // The later frame's pixel wins.
    expect(pixel(puts[0], 1, 0)).toEqual(BLUE);
    expect(fake.socket.sent.at(-1)).toEqual({ kind: "credit", frames: 2 });
    expect(window.vireoConsoleStats?.framesPainted).toBe(before + 2);
    expect(window.vireoConsoleStats?.serverUpdates).toBe(12);
  });

  it("holds a large frame's parts until its end, then paints them together for one credit", async () => {
    const fake = createFakeBackend();
    const { canvas, send } = setup(fake);
    await opened(fake, canvas);
    send(
      encodeFrame(
        4,
        2,
        [{ x: 0, y: 0, w: 4, h: 1, palette: new Uint8Array(RED) }],
        5,
        MSG_FRAME_PART,
      ),
    );
    await painted();
    expect(puts).toHaveLength(0);
    expect(fake.socket.credits()).toBe(2);
    send(
      encodeFrame(4, 2, [{ x: 1, y: 1, w: 2, h: 1, rgba: new Uint8Array([...BLUE, ...BLUE]) }], 5),
    );
    await painted();
    expect(puts).toHaveLength(1);
    expect(puts[0].dirty).toEqual([0, 0, 4, 2]);
    expect(pixel(puts[0], 3, 0)).toEqual(RED);
    expect(pixel(puts[0], 2, 1)).toEqual(BLUE);
    expect(pixel(puts[0], 3, 1)).toEqual(NONE);
    expect(fake.socket.credits()).toBe(3);
  });

  it("credits an empty frame too", async () => {
    const fake = createFakeBackend();
    const { canvas, send } = setup(fake);
    await opened(fake, canvas);
    send(encodeFrame(4, 2, []));
    await painted();
    expect(puts).toHaveLength(0);
    expect(fake.socket.credits()).toBe(3);
  });

  it("shows the guest's cursor as the canvas's cursor, and hides it for an empty one", async () => {
    const fake = createFakeBackend();
    const { canvas, send } = setup(fake);
    await opened(fake, canvas);
    vi.spyOn(HTMLCanvasElement.prototype, "toDataURL").mockReturnValue("data:image/png;base64,AA");
    send(encodeCursor(2, 2, 1, 0));
    // jsdom drops url() cursors it cannot load; the value set is what matters here.
    expect(puts.at(-1)).toMatchObject({ width: 2, height: 2, x: 0, y: 0 });
    send(encodeCursor(0, 0, 0, 0));
    expect(canvas.style.cursor).toBe("none");
    expect(fake.socket.credits()).toBe(2); // cursors need no credit
  });

  it("sends keys with code, key and direction, and keeps them from the page", async () => {
    const fake = createFakeBackend();
    const { canvas } = setup(fake);
    await opened(fake, canvas);
    const down = new KeyboardEvent("keydown", {
      code: "KeyA",
      key: "a",
      bubbles: true,
      cancelable: true,
    });
    canvas.dispatchEvent(down);
    expect(down.defaultPrevented).toBe(true);
    expect(fake.socket.keys().at(-1)).toEqual({ kind: "key", code: "KeyA", key: "a", down: true });

    // Escape and Tab go to the VM too: the panel stays open.
    fireEvent.keyDown(canvas, { code: "Escape", key: "Escape" });
    expect(fake.socket.keys().at(-1)).toEqual({
      kind: "key",
      code: "Escape",
      key: "Escape",
      down: true,
    });
    expect(screen.queryByTestId("console")).not.toBeNull();

    const up = new KeyboardEvent("keyup", {
      code: "KeyA",
      key: "a",
      bubbles: true,
      cancelable: true,
    });
    canvas.dispatchEvent(up);
    expect(up.defaultPrevented).toBe(true);
    expect(fake.socket.keys().at(-1)).toEqual({
      kind: "key",
      code: "KeyA",
      key: "a",
      down: false,
    });
  });

  it("sends auto-repeats as further downs", async () => {
    const fake = createFakeBackend();
    const { canvas } = setup(fake);
    await opened(fake, canvas);
    fireEvent.keyDown(canvas, { code: "KeyB", key: "b" });
    fireEvent.keyDown(canvas, { code: "KeyB", key: "b", repeat: true });
    expect(fake.socket.keys().map((k) => k.kind === "key" && k.down)).toEqual([true, true]);
  });

  it("releases keys still held when the canvas loses the focus", async () => {
    const fake = createFakeBackend();
    const { canvas } = setup(fake);
    await opened(fake, canvas);
    fireEvent.keyDown(canvas, { code: "ShiftLeft", key: "Shift" });
    fireEvent.keyDown(canvas, { code: "KeyQ", key: "Q" });
    fireEvent.keyUp(canvas, { code: "KeyQ", key: "Q" });
    expect(fake.socket.keys()).toHaveLength(3);
    fireEvent.blur(canvas);
    expect(fake.socket.keys()).toHaveLength(4);
    expect(fake.socket.keys().at(-1)).toEqual({
      kind: "key",
      code: "ShiftLeft",
      key: "Shift",
      down: false,
    });
    fireEvent.blur(canvas);
    expect(fake.socket.keys()).toHaveLength(4);
  });

  it("sends Ctrl+Alt+Del", async () => {
    const fake = createFakeBackend();
    const { canvas } = setup(fake);
    await opened(fake, canvas);
    fireEvent.click(document.querySelector('[data-action="ctrl-alt-del"]') as HTMLElement);
    const keys = fake.socket.keys();
    expect(keys.map((k) => k.kind === "key" && [k.code, k.key, k.down])).toEqual([
      ["ControlLeft", "Control", true],
      ["AltLeft", "Alt", true],
      ["Delete", "Delete", true],
      ["Delete", "Delete", false],
      ["AltLeft", "Alt", false],
      ["ControlLeft", "Control", false],
    ]);
  });

  it("sends the pointer in framebuffer pixels, with the RFB button mask and the wheel", async () => {
    const fake = createFakeBackend({ consoleOpened: { id: 3, width: 800, height: 600 } });
    const { canvas } = setup(fake);
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
    const last = () => fake.socket.pointers().at(-1);

    pointer("pointermove", 110, 60);
    expect(last()).toEqual({ kind: "pointer", x: 20, y: 20, buttons: 0 });
    pointer("pointermove", 130, 80);
    expect(last()).toEqual({ kind: "pointer", x: 60, y: 60, buttons: 0 });

    // The right button is RFB bit 2.
    pointer("pointerdown", 300, 200, 2);
    expect(last()).toEqual({ kind: "pointer", x: 400, y: 300, buttons: 4 });
    pointer("pointerup", 300, 200, 0);
    expect(last()).toEqual({ kind: "pointer", x: 400, y: 300, buttons: 0 });

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
    expect(fake.socket.pointers().slice(-2)).toEqual([
      { kind: "pointer", x: 0, y: 0, buttons: 16 },
      { kind: "pointer", x: 0, y: 0, buttons: 0 },
    ]);
  });

  it("Fit, 1:1 and Fullscreen leave the keyboard grab as it was", async () => {
    const fake = createFakeBackend();
    const { canvas } = setup(fake);
    await opened(fake, canvas);
    // Released: clicking the tools does not grab the keyboard again.
    canvas.blur();
    for (const action of ["scale-actual", "scale-fit", "fullscreen"]) {
      const button = document.querySelector(`[data-action="${action}"]`) as HTMLElement;
      const down = new MouseEvent("mousedown", { bubbles: true, cancelable: true });
      button.dispatchEvent(down);
      expect(down.defaultPrevented).toBe(true);
      fireEvent.click(button);
      expect(document.activeElement).not.toBe(canvas);
    }
    // Grabbed: a click on them does not take the focus away from the screen either.
    canvas.focus();
    const down = new MouseEvent("mousedown", { bubbles: true, cancelable: true });
    document.querySelector('[data-action="scale-actual"]')?.dispatchEvent(down);
    expect(down.defaultPrevented).toBe(true);
    expect(document.activeElement).toBe(canvas);
  });

  it("closes the console on Close", async () => {
    const fake = createFakeBackend();
    const { backend, canvas, onClose } = setup(fake);
    await opened(fake, canvas);
    fireEvent.click(document.querySelector('[data-action="close-console"]') as HTMLElement);
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(screen.queryByTestId("console")).toBeNull();
    expect(backend.consoleClose).toHaveBeenCalledTimes(1);
    expect(backend.consoleClose).toHaveBeenCalledWith(7);
    expect(fake.socket.closed).toBe(true);
  });

  it("closes a console that opens after the panel was closed", async () => {
    const fake = createFakeBackend();
    fake.hold();
    const { backend } = setup(fake);
    await waitFor(() => expect(backend.consoleOpen).toHaveBeenCalled());
    fireEvent.click(document.querySelector('[data-action="close-console"]') as HTMLElement);
    expect(backend.consoleClose).not.toHaveBeenCalled();
    fake.release();
    await waitFor(() => expect(backend.consoleClose).toHaveBeenCalledWith(7));
    expect(backend.connectConsole).not.toHaveBeenCalled();
  });

  it("closing while the console opens cancels the backend's handshake", async () => {
    const fake = createFakeBackend();
    fake.hold();
    const { backend } = setup(fake);
    await waitFor(() => expect(backend.consoleOpen).toHaveBeenCalled());
    expect(backend.consoleCancelOpen).not.toHaveBeenCalled();
    fireEvent.click(document.querySelector('[data-action="close-console"]') as HTMLElement);
    expect(backend.consoleCancelOpen).toHaveBeenCalledTimes(1);
    expect(backend.consoleCancelOpen).toHaveBeenCalledWith({ vm: VM });
  });

  it("an opened console's close does not cancel anything", async () => {
    const fake = createFakeBackend();
    const { backend, canvas } = setup(fake);
    await opened(fake, canvas);
    fireEvent.click(document.querySelector('[data-action="close-console"]') as HTMLElement);
    expect(backend.consoleCancelOpen).not.toHaveBeenCalled();
  });

  it("shows why the console could not open", async () => {
    const fake = createFakeBackend({ consoleOpened: new Error("The machine is not running") });
    setup(fake);
    const error = await screen.findByTestId("console-error");
    expect(error.textContent).toBe("The machine is not running");
    expect(fake.backend.consoleClose).not.toHaveBeenCalled();
  });

  it("shows why the backend closed the console, and stops", async () => {
    const fake = createFakeBackend();
    const { backend, canvas, send } = setup(fake);
    await opened(fake, canvas);
    const socket = fake.socket;
    send(encodeClosed("the guest shut down"));
    expect((await screen.findByTestId("console-closed")).textContent).toContain(
      "Console closed: the guest shut down",
    );
    expect(socket.closed).toBe(true);
    expect(backend.consoleClose).toHaveBeenCalledWith(7);
    send(encodeFrame(4, 2, [{ x: 0, y: 0, w: 1, h: 1 }]));
    fireEvent.keyDown(canvas, { code: "KeyA", key: "a" });
    await painted();
    expect(puts).toHaveLength(0);
    expect(socket.sent.filter((m) => m.kind !== "credit")).toEqual([]);
  });

  it("says so when the socket drops, and reconnects on request", async () => {
    const fake = createFakeBackend();
    const { canvas } = setup(fake);
    await opened(fake, canvas);
    fake.socket.serverClose();
    const closed = await screen.findByTestId("console-closed");
    expect(closed.textContent).toContain("the connection to the console ended");
    fireEvent.click(closed.querySelector('[data-action="reconnect"]') as HTMLElement);
    await waitFor(() => expect(fake.sockets).toHaveLength(2));
    await waitFor(() => expect(fake.socket.credits()).toBe(2));
    expect(screen.queryByTestId("console-closed")).toBeNull();
  });

  it("waits while the VM is shut off and reconnects when it runs again", async () => {
    const fake = createFakeBackend();
    const { backend, canvas, send, setState } = setup(fake);
    await opened(fake, canvas);
    setState("shut-off");
    send(encodeClosed("the VM stopped"));
    expect((await screen.findByTestId("console-waiting")).textContent).toContain(
      "reconnects when the VM runs again",
    );
    expect(screen.queryByRole("button", { name: "Reconnect" })).toBeNull();
    expect(backend.consoleOpen).toHaveBeenCalledTimes(1);
    setState("running");
    await waitFor(() => expect(backend.consoleOpen).toHaveBeenCalledTimes(2));
    await waitFor(() => expect(fake.sockets).toHaveLength(2));
    await waitFor(() => expect(screen.queryByTestId("console-closed")).toBeNull());
    send(encodeFrame(4, 2, [{ x: 0, y: 0, w: 1, h: 1 }]));
    await painted();
    expect(puts).toHaveLength(1);
  });

  it("shows a malformed frame as an error instead of reading past it", async () => {
    const fake = createFakeBackend();
    const { canvas, send } = setup(fake);
    await opened(fake, canvas);
    send(encodeFrame(4, 2, [{ x: 0, y: 0, w: 2, h: 2 }]).slice(0, 16));
    expect((await screen.findByTestId("console-error")).textContent).toMatch(
      /Truncated console frame/,
    );
    expect(puts).toHaveLength(0);
  });
});

describe("Console view controls", () => {
  function setupTools() {
    const fake = createFakeBackend();
    fake.backend.consoleScreenshot.mockResolvedValue({ path: "/p/Vireo/web-01.png" });
    const fullscreenApi = fake.backend.windowFullscreen;
    const onClose = vi.fn();
    renderWithBackend(
      () => <Console vm={VM} name="web-01" state="running" onClose={onClose} />,
      fake.backend,
    );
    const canvas = screen.getByTestId("console-canvas") as HTMLCanvasElement;
    const keys = () =>
      fake.socket.keys().map((k) => k.kind === "key" && [k.code, k.down ? "down" : "up"]);
    return { fake, canvas, fullscreenApi, keys };
  }

  const hint = () => screen.getByTestId("console-grab-hint").textContent ?? "";

  it("says the keyboard is in the VM and releases it on left Ctrl+Alt alone", async () => {
    const { fake, canvas, keys } = setupTools();
    await opened(fake, canvas);
    expect(hint()).toContain("Press Ctrl+Alt to release the keyboard");
    fireEvent.keyDown(canvas, { code: "ControlLeft", key: "Control" });
    fireEvent.keyDown(canvas, { code: "AltLeft", key: "Alt" });
    fireEvent.keyUp(canvas, { code: "AltLeft", key: "Alt" });
    expect(document.activeElement).toBe(canvas);
    fireEvent.keyUp(canvas, { code: "ControlLeft", key: "Control" });
    expect(document.activeElement).not.toBe(canvas);
    expect(hint()).toBe("Click the screen to type into the VM");
    // The guest saw both keys go down and up: nothing stays held.
    expect(keys()).toEqual([
      ["ControlLeft", "down"],
      ["AltLeft", "down"],
      ["AltLeft", "up"],
      ["ControlLeft", "up"],
    ]);
    // A click on the screen grabs it again.
    fireEvent.pointerDown(canvas, { buttons: 1 });
    expect(document.activeElement).toBe(canvas);
    expect(hint()).toContain("Press Ctrl+Alt to release the keyboard");
  });

  it("keeps the keyboard for Ctrl+Alt chords such as Ctrl+Alt+F2", async () => {
    const { fake, canvas, keys } = setupTools();
    await opened(fake, canvas);
    for (const [code, key] of [
      ["ControlLeft", "Control"],
      ["AltLeft", "Alt"],
      ["F2", "F2"],
    ]) {
      fireEvent.keyDown(canvas, { code, key });
    }
    for (const [code, key] of [
      ["F2", "F2"],
      ["AltLeft", "Alt"],
      ["ControlLeft", "Control"],
    ]) {
      fireEvent.keyUp(canvas, { code, key });
    }
    expect(document.activeElement).toBe(canvas);
    expect(keys()).toHaveLength(6);
  });

  it("sends Ctrl+Alt+F2 from the Send key menu, then gives the keyboard back to the screen", async () => {
    const { fake, canvas, keys } = setupTools();
    await opened(fake, canvas);
    fireEvent.click(screen.getByRole("button", { name: /Send key/ }));
    fireEvent.click(screen.getByRole("menuitem", { name: "Ctrl+Alt+F2" }));
    expect(keys()).toEqual([
      ["ControlLeft", "down"],
      ["AltLeft", "down"],
      ["F2", "down"],
      ["F2", "up"],
      ["AltLeft", "up"],
      ["ControlLeft", "up"],
    ]);
    expect(document.activeElement).toBe(canvas);
  });

  it("shows 1:1 as one guest pixel per device pixel, and follows the pixel ratio", async () => {
    Object.defineProperty(window, "devicePixelRatio", { value: 2, configurable: true });
    try {
      const { fake, canvas } = setupTools();
      await opened(fake, canvas);
      fireEvent.click(screen.getByRole("button", { name: "1:1" }));
      // The framebuffer is 4×2: 2×1 CSS pixels at 2×.
      expect(canvas.style.width).toBe("2px");
      expect(canvas.style.height).toBe("1px");
      expect(canvas.classList.contains("console-canvas-pixelated")).toBe(true);
      expect(canvas.classList.contains("console-canvas-actual")).toBe(true);
      expect(
        screen
          .getByTestId("console-canvas")
          .parentElement?.classList.contains("console-screen-actual"),
      ).toBe(true);
      fireEvent.click(screen.getByRole("button", { name: "Fit" }));
      expect(canvas.classList.contains("console-canvas-actual")).toBe(false);
    } finally {
      Object.defineProperty(window, "devicePixelRatio", { value: 1, configurable: true });
    }
  });

  it("goes fullscreen with only the screen and a floating toolbar, and back", async () => {
    const { fake, canvas, fullscreenApi } = setupTools();
    await opened(fake, canvas);
    fireEvent.click(screen.getByRole("button", { name: "Fullscreen" }));
    await waitFor(() =>
      expect(screen.getByTestId("console").classList.contains("dialog-console-fullscreen")).toBe(
        true,
      ),
    );
    expect(fullscreenApi.set).toHaveBeenLastCalledWith(true);
    expect(
      screen.getByTestId("console-toolbar").classList.contains("console-toolbar-floating"),
    ).toBe(true);
    fireEvent.click(screen.getByRole("button", { name: "Leave fullscreen" }));
    await waitFor(() =>
      expect(screen.getByTestId("console").classList.contains("dialog-console-fullscreen")).toBe(
        false,
      ),
    );
    expect(fullscreenApi.set).toHaveBeenLastCalledWith(false);
  });

  it("saves a screenshot of this console", async () => {
    const { fake, canvas } = setupTools();
    await opened(fake, canvas);
    fireEvent.click(screen.getByRole("button", { name: "Screenshot" }));
    expect(fake.backend.consoleScreenshot).toHaveBeenCalledWith({ id: 7 });
    expect((await screen.findByTestId("console-notice")).textContent).toContain(
      "Saved to /p/Vireo/web-01.png",
    );
  });
});

describe("Console with a native surface", () => {
  /** Lays out the screen box and the canvas (jsdom has no layout); menus when shown. */
  function layout(menuRect = new DOMRect(100, 40, 200, 300)) {
    const box = document.querySelector(".console-screen") as HTMLElement;
    Object.defineProperty(box, "clientWidth", { value: 1000, configurable: true });
    Object.defineProperty(box, "clientHeight", { value: 700, configurable: true });
    vi.spyOn(Element.prototype, "getBoundingClientRect").mockImplementation(function (
      this: Element,
    ) {
      if (this === box) return new DOMRect(0, 0, 1000, 700);
      if (this instanceof HTMLCanvasElement) return new DOMRect(100, 50, 400, 300);
      if (this.getAttribute("role") === "menu" && !(this as HTMLElement).hidden) return menuRect;
      return new DOMRect(0, 0, 0, 0);
    });
  }

  const places = (fake: FakeBackend) =>
    fake.socket.sent.flatMap((m) => (m.kind === "surface" ? [m.place] : []));
  const AT = {
    clip: { x: 100, y: 50, width: 400, height: 300 },
    image: { x: 100, y: 50, width: 400, height: 300 },
  };

  it("says where the screen is, and takes it back while the Send key menu covers it", async () => {
    const fake = createFakeBackend({
      consoleOpened: { id: 3, width: 800, height: 600, surface: true },
    });
    const { canvas } = setup(fake);
    layout();
    await opened(fake, canvas);
    await waitFor(() => expect(places(fake)).toEqual([AT]));

    fireEvent.click(screen.getByRole("button", { name: /Send key/ }));
    await waitFor(() => expect(places(fake)).toEqual([AT, null]));
    fireEvent.click(screen.getByRole("button", { name: /Send key/ }));
    await waitFor(() => expect(places(fake)).toEqual([AT, null, AT]));
    // Nothing changed: nothing more is sent.
    window.dispatchEvent(new Event("resize"));
    await painted();
    expect(places(fake)).toEqual([AT, null, AT]);
    // Closing the panel hides the surface before the socket closes.
    const socket = fake.socket;
    fireEvent.click(document.querySelector('[data-action="close-console"]') as HTMLElement);
    expect(socket.sent.flatMap((m) => (m.kind === "surface" ? [m.place] : []))).toEqual([
      AT,
      null,
      AT,
      null,
    ]);
  });

  it("does not take the screen back for a menu beside it", async () => {
    const fake = createFakeBackend({
      consoleOpened: { id: 3, width: 800, height: 600, surface: true },
    });
    const { canvas } = setup(fake);
    layout(new DOMRect(600, 0, 100, 40));
    await opened(fake, canvas);
    await waitFor(() => expect(places(fake)).toEqual([AT]));
    fireEvent.click(screen.getByRole("button", { name: /Send key/ }));
    await painted();
    expect(places(fake)).toEqual([AT]);
  });

  it("keeps the canvas the screen's size and counts what the surface painted", async () => {
    const fake = createFakeBackend({
      consoleOpened: { id: 3, width: 800, height: 600, surface: true },
    });
    const { canvas, send } = setup(fake);
    layout();
    await opened(fake, canvas);
    send(encodeSurface(1024, 768, 10, 12));
    expect([canvas.width, canvas.height]).toEqual([1024, 768]);
    expect(window.vireoConsoleStats?.framesPainted).toBe(10);
    expect(window.vireoConsoleStats?.serverUpdates).toBe(12);
    send(encodeSurface(1024, 768, 15, 20));
    expect(window.vireoConsoleStats?.framesPainted).toBe(15);
    // Frames painted by the page after the surface hid add to the count.
    send(encodeFrame(1024, 768, [], 21));
    await painted();
    expect(window.vireoConsoleStats?.framesPainted).toBe(16);
  });

  it("sends no placement when the backend has no surface", async () => {
    const fake = createFakeBackend({ consoleOpened: { id: 3, width: 800, height: 600 } });
    const { canvas } = setup(fake);
    layout();
    await opened(fake, canvas);
    await painted();
    expect(places(fake)).toEqual([]);
  });
});
