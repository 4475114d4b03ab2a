import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { installTooltips, placeTip } from "./tooltip";

describe("placeTip", () => {
  const view = { width: 1024, height: 700 };
  it("goes below and centred, and stays inside the window", () => {
    expect(
      placeTip({ left: 500, top: 100, bottom: 130, width: 40 }, { width: 80, height: 20 }, view),
    ).toEqual({ left: 480, top: 136 });
    // At the right edge: moved left so nothing is cut.
    const right = placeTip(
      { left: 1000, top: 100, bottom: 130, width: 24 },
      { width: 120, height: 20 },
      view,
    );
    expect(right.left + 120).toBeLessThanOrEqual(1024 - 6);
    // At the bottom: above the anchor.
    expect(
      placeTip({ left: 10, top: 670, bottom: 694, width: 24 }, { width: 60, height: 20 }, view).top,
    ).toBe(644);
  });
});

describe("installTooltips", () => {
  let stop: () => void;
  beforeEach(() => {
    vi.useFakeTimers();
    document.body.innerHTML = '<button data-tip="Console">C</button><p>text</p>';
    stop = installTooltips(document, 500);
  });
  afterEach(() => {
    stop();
    vi.useRealTimers();
  });
  const tip = () => document.querySelector<HTMLElement>(".tooltip") as HTMLElement;
  const button = () => document.querySelector("button") as HTMLButtonElement;

  it("shows after the delay and goes on a click, so it never stays over what the click opens", () => {
    button().dispatchEvent(new Event("pointerover", { bubbles: true }));
    expect(tip().hidden).toBe(true);
    vi.advanceTimersByTime(500);
    expect(tip().hidden).toBe(false);
    expect(tip().textContent).toBe("Console");
    button().dispatchEvent(new Event("pointerdown", { bubbles: true }));
    expect(tip().hidden).toBe(true);
  });

  it("goes when the pointer moves elsewhere, and a key hides it too", () => {
    button().dispatchEvent(new Event("pointerover", { bubbles: true }));
    vi.advanceTimersByTime(500);
    document.querySelector("p")?.dispatchEvent(new Event("pointerover", { bubbles: true }));
    expect(tip().hidden).toBe(true);
    button().dispatchEvent(new Event("pointerover", { bubbles: true }));
    vi.advanceTimersByTime(500);
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter" }));
    expect(tip().hidden).toBe(true);
  });
});
