import { cleanup, fireEvent, render, screen } from "@solidjs/testing-library";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Modal } from "../shared/Modal";
import { chordStrokes, KEY_CHORDS, type Key, SendKeysMenu } from "./SendKeysMenu";

afterEach(cleanup);

function setup(disabled = false) {
  const onSend = vi.fn((_keys: readonly Key[]) => {});
  render(() => <SendKeysMenu disabled={disabled} onSend={onSend} />);
  const button = screen.getByRole("button", { name: /Send key/ });
  const menu = document.querySelector('[role="menu"]') as HTMLElement;
  const items = () => [...menu.querySelectorAll<HTMLButtonElement>('[role="menuitem"]')];
  return { onSend, button, menu, items };
}

describe("chordStrokes", () => {
  it("presses in order and releases in reverse", () => {
    expect(
      chordStrokes([
        ["ControlLeft", "Control"],
        ["AltLeft", "Alt"],
        ["F2", "F2"],
      ]),
    ).toEqual([
      ["ControlLeft", "Control", true],
      ["AltLeft", "Alt", true],
      ["F2", "F2", true],
      ["F2", "F2", false],
      ["AltLeft", "Alt", false],
      ["ControlLeft", "Control", false],
    ]);
  });
});

describe("SendKeysMenu", () => {
  it("offers Ctrl+Alt+Del, Ctrl+Alt+Backspace, Print Screen and Ctrl+Alt+F1…F12", () => {
    const { items } = setup();
    expect(items().map((item) => item.textContent)).toEqual([
      "Ctrl+Alt+Del",
      "Ctrl+Alt+Backspace",
      "Print Screen",
      ...Array.from({ length: 12 }, (_, i) => `Ctrl+Alt+F${i + 1}`),
    ]);
    expect(items()[0].dataset.action).toBe("ctrl-alt-del");
    expect(KEY_CHORDS.find((c) => c.id === "ctrl-alt-f7")?.keys).toEqual([
      ["ControlLeft", "Control"],
      ["AltLeft", "Alt"],
      ["F7", "F7"],
    ]);
  });

  it("opens on click with the first item focused, and sends the chosen chord", () => {
    const { onSend, button, menu, items } = setup();
    expect(menu.hidden).toBe(true);
    expect(button.getAttribute("aria-expanded")).toBe("false");
    fireEvent.click(button);
    expect(menu.hidden).toBe(false);
    expect(button.getAttribute("aria-expanded")).toBe("true");
    expect(document.activeElement).toBe(items()[0]);
    fireEvent.click(items()[1]);
    expect(onSend).toHaveBeenCalledWith([
      ["ControlLeft", "Control"],
      ["AltLeft", "Alt"],
      ["Backspace", "Backspace"],
    ]);
    expect(menu.hidden).toBe(true);
  });

  it("moves with the arrows, Home and End, wrapping around", () => {
    const { button, menu, items } = setup();
    fireEvent.keyDown(button, { key: "ArrowDown" });
    expect(document.activeElement).toBe(items()[0]);
    fireEvent.keyDown(menu, { key: "ArrowUp" });
    expect(document.activeElement).toBe(items()[14]);
    fireEvent.keyDown(menu, { key: "ArrowDown" });
    expect(document.activeElement).toBe(items()[0]);
    fireEvent.keyDown(menu, { key: "ArrowDown" });
    expect(document.activeElement).toBe(items()[1]);
    fireEvent.keyDown(menu, { key: "End" });
    expect(document.activeElement?.textContent).toBe("Ctrl+Alt+F12");
    fireEvent.keyDown(menu, { key: "Home" });
    expect(document.activeElement?.textContent).toBe("Ctrl+Alt+Del");
  });

  it("opens on the last item with ArrowUp", () => {
    const { button, items } = setup();
    fireEvent.keyDown(button, { key: "ArrowUp" });
    expect(document.activeElement).toBe(items()[14]);
  });

  it("closes on Escape without closing the dialog around it, focus back on the button", () => {
    const onSend = vi.fn();
    const onClose = vi.fn();
    render(() => (
      <Modal title="Console" onClose={onClose}>
        <SendKeysMenu disabled={false} onSend={onSend} />
      </Modal>
    ));
    const button = screen.getByRole("button", { name: /Send key/ });
    const menu = document.querySelector('[role="menu"]') as HTMLElement;
    fireEvent.click(button);
    fireEvent.keyDown(document.activeElement as HTMLElement, { key: "Escape" });
    expect(menu.hidden).toBe(true);
    expect(document.activeElement).toBe(button);
    expect(onClose).not.toHaveBeenCalled();
    // With the menu closed, Escape is the dialog's again.
    fireEvent.keyDown(button, { key: "Escape" });
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it("closes on a click outside, and sends nothing", () => {
    const { onSend, button, menu } = setup();
    fireEvent.click(button);
    fireEvent.pointerDown(document.body);
    expect(menu.hidden).toBe(true);
    expect(onSend).not.toHaveBeenCalled();
  });

  it("stays closed while the console is not connected", () => {
    const { button, menu } = setup(true);
    expect((button as HTMLButtonElement).disabled).toBe(true);
    fireEvent.keyDown(button, { key: "ArrowDown" });
    expect(menu.hidden).toBe(true);
  });
});
