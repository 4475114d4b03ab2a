import { afterEach, describe, expect, it, vi } from "vitest";
import { coveringRects, surfacePlace } from "./surface";

const rect = (x: number, y: number, w: number, h: number) => new DOMRect(x, y, w, h);
const VIEWPORT = { width: 1100, height: 720 };

describe("surfacePlace", () => {
  it("places the surface on the canvas at 1:1 and 1x", () => {
    expect(surfacePlace(rect(40, 60, 720, 400), rect(20, 50, 1000, 600), VIEWPORT, 1, [])).toEqual({
      clip: { x: 40, y: 60, width: 720, height: 400 },
      image: { x: 40, y: 60, width: 720, height: 400 },
    });
  });

  it("counts device pixels at 1.5x and 2x, rounding edges as WebKit snaps them", () => {
    // 720x400 at 1:1 on a 1.5x screen: 480x266.67 CSS pixels at (10.5, 20.2).
    expect(
      surfacePlace(rect(10.5, 20.2, 480, 400 / 1.5), rect(0, 0, 1000, 700), VIEWPORT, 1.5, []),
    ).toEqual({
      clip: { x: 16, y: 30, width: 720, height: 400 },
      image: { x: 16, y: 30, width: 720, height: 400 },
    });
    expect(surfacePlace(rect(5, 5, 360, 200), rect(0, 0, 1000, 700), VIEWPORT, 2, [])).toEqual({
      clip: { x: 10, y: 10, width: 720, height: 400 },
      image: { x: 10, y: 10, width: 720, height: 400 },
    });
  });

  it("clips a scrolled 1:1 screen to its container and the window", () => {
    // A 1920x1080 screen scrolled by (300, 200) in a 900x500 view at (50, 80).
    expect(
      surfacePlace(rect(-250, -120, 1920, 1080), rect(50, 80, 900, 500), VIEWPORT, 1, []),
    ).toEqual({
      clip: { x: 50, y: 80, width: 900, height: 500 },
      image: { x: -250, y: -120, width: 1920, height: 1080 },
    });
    expect(
      surfacePlace(rect(0, 0, 1920, 1080), rect(0, 0, 1920, 1080), VIEWPORT, 1, [])?.clip,
    ).toEqual({ x: 0, y: 0, width: 1100, height: 720 });
  });

  it("is null when the page covers the screen, and not when something lies beside it", () => {
    const canvas = rect(40, 60, 720, 400);
    const view = rect(0, 0, 1000, 700);
    expect(surfacePlace(canvas, view, VIEWPORT, 1, [rect(100, 40, 200, 300)])).toBeNull();
    expect(surfacePlace(canvas, view, VIEWPORT, 1, [rect(100, 10, 200, 50)])).not.toBeNull();
  });

  it("is null with nothing to show", () => {
    expect(surfacePlace(rect(0, 0, 0, 0), rect(0, 0, 100, 100), VIEWPORT, 1, [])).toBeNull();
    expect(
      surfacePlace(rect(0, 800, 100, 100), rect(0, 0, 2000, 2000), VIEWPORT, 1, []),
    ).toBeNull();
  });
});

describe("coveringRects", () => {
  afterEach(() => {
    document.body.innerHTML = "";
    vi.restoreAllMocks();
  });

  /** jsdom lays nothing out: every element gets `rects[its id]`, or nothing. */
  function layout(rects: Record<string, DOMRect>) {
    vi.spyOn(Element.prototype, "getBoundingClientRect").mockImplementation(function (
      this: Element,
    ) {
      return rects[this.id] ?? rect(0, 0, 0, 0);
    });
  }

  it("lists shown menus, other dialogs, notices and a shown floating toolbar, not the console's own dialog", () => {
    document.body.innerHTML = `
      <dialog id="own" open>
        <div id="menu" role="menu"></div>
        <div id="bar" class="console-toolbar console-toolbar-floating"></div>
        <canvas id="canvas"></canvas>
      </dialog>
      <dialog id="other" open></dialog>
      <div id="toast" class="toast"></div>
      <div id="hidden-menu" role="menu" hidden></div>`;
    layout({
      own: rect(0, 0, 1000, 700),
      menu: rect(10, 10, 100, 200),
      bar: rect(400, 0, 300, 40),
      other: rect(200, 200, 400, 300),
      toast: rect(20, 600, 300, 40),
    });
    const own = document.getElementById("own");
    // DOMRect's fields are getters: compared as plain boxes.
    const covers = () =>
      coveringRects(document, own).map(({ x, y, width, height }) => [x, y, width, height]);
    expect(covers()).toEqual([
      [10, 10, 100, 200],
      [400, 0, 300, 40],
      [200, 200, 400, 300],
      [20, 600, 300, 40],
    ]);
    document.getElementById("bar")?.classList.add("console-toolbar-hidden");
    expect(covers()).toEqual([
      [10, 10, 100, 200],
      [200, 200, 400, 300],
      [20, 600, 300, 40],
    ]);
  });
});
