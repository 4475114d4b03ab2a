import { cleanup, fireEvent, render, screen } from "@solidjs/testing-library";
import { createSignal } from "solid-js";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ConsoleBar, HIDE_AFTER_MS, REVEAL_EDGE_PX } from "./ConsoleBar";

beforeEach(() => vi.useFakeTimers());
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

function setup(initial: boolean) {
  const [floating, setFloating] = createSignal(initial);
  render(() => (
    <ConsoleBar floating={floating()}>
      <button type="button">Leave fullscreen</button>
    </ConsoleBar>
  ));
  const bar = screen.getByTestId("console-toolbar");
  const move = (clientY: number) =>
    document.dispatchEvent(new MouseEvent("pointermove", { clientX: 300, clientY }));
  return { bar, setFloating, move, shown: () => bar.dataset.shown === "true" };
}

describe("ConsoleBar", () => {
  it("is an ordinary toolbar outside fullscreen: never hides", () => {
    const { bar, move, shown } = setup(false);
    move(300);
    vi.advanceTimersByTime(HIDE_AFTER_MS * 3);
    expect(shown()).toBe(true);
    expect(bar.classList.contains("console-toolbar-floating")).toBe(false);
  });

  it("floats in fullscreen, shows at first, then hides itself", () => {
    const { bar, setFloating, shown } = setup(false);
    setFloating(true);
    expect(bar.classList.contains("console-toolbar-floating")).toBe(true);
    expect(shown()).toBe(true);
    vi.advanceTimersByTime(HIDE_AFTER_MS + 1);
    expect(shown()).toBe(false);
    expect(bar.classList.contains("console-toolbar-hidden")).toBe(true);
  });

  it("comes back at the top edge and stays while the pointer is on it", () => {
    const { bar, move, shown } = setup(true);
    vi.advanceTimersByTime(HIDE_AFTER_MS + 1);
    expect(shown()).toBe(false);
    move(300);
    expect(shown()).toBe(false);
    move(REVEAL_EDGE_PX);
    expect(shown()).toBe(true);
    fireEvent.pointerEnter(bar);
    vi.advanceTimersByTime(HIDE_AFTER_MS * 3);
    expect(shown()).toBe(true);
    fireEvent.pointerLeave(bar);
    vi.advanceTimersByTime(HIDE_AFTER_MS + 1);
    expect(shown()).toBe(false);
  });

  it("shows while the keyboard is in it", () => {
    const { shown } = setup(true);
    vi.advanceTimersByTime(HIDE_AFTER_MS + 1);
    const button = screen.getByRole("button", { name: "Leave fullscreen" });
    fireEvent.focusIn(button);
    expect(shown()).toBe(true);
    vi.advanceTimersByTime(HIDE_AFTER_MS * 3);
    expect(shown()).toBe(true);
    fireEvent.focusOut(button, { relatedTarget: document.body });
    vi.advanceTimersByTime(HIDE_AFTER_MS + 1);
    expect(shown()).toBe(false);
  });

  it("shows again on leaving fullscreen", () => {
    const { setFloating, shown, bar } = setup(true);
    vi.advanceTimersByTime(HIDE_AFTER_MS + 1);
    setFloating(false);
    expect(shown()).toBe(true);
    expect(bar.classList.contains("console-toolbar-hidden")).toBe(false);
  });
});
