import { describe, expect, it } from "vitest";
import {
  emptySelection,
  extendTo,
  focusRow,
  handleKey,
  type KeyInput,
  pruneSelection,
  type Selection,
  toggleRow,
} from "./selection";

const rows = ["a", "b", "c", "d", "e", "f"];

function press(sel: Selection, ...keys: (string | KeyInput)[]): Selection {
  let current = sel;
  for (const k of keys) {
    const input = typeof k === "string" ? { key: k } : k;
    const next = handleKey(current, rows, input, 3);
    if (!next) throw new Error(`key ${input.key} not handled`);
    current = next;
  }
  return current;
}

const selected = (sel: Selection) => [...sel.selected].sort();
const shift = (key: string): KeyInput => ({ key, shiftKey: true });

describe("keyboard", () => {
  it("arrows move the cursor without selecting, clamped at the ends", () => {
    let sel = press(emptySelection, "ArrowDown");
    expect(sel.cursor).toBe("a");
    sel = press(sel, "ArrowDown", "ArrowDown");
    expect(sel.cursor).toBe("c");
    expect(selected(sel)).toEqual([]);
    sel = press(sel, "ArrowUp", "ArrowUp", "ArrowUp");
    expect(sel.cursor).toBe("a");
    sel = press(sel, "End", "ArrowDown");
    expect(sel.cursor).toBe("f");
    sel = press(sel, "Home");
    expect(sel.cursor).toBe("a");
    sel = press(sel, "PageDown");
    expect(sel.cursor).toBe("d");
    sel = press(sel, "PageUp", "PageUp");
    expect(sel.cursor).toBe("a");
  });

  it("Space toggles the focused row", () => {
    let sel = press(emptySelection, "ArrowDown", "ArrowDown", " ");
    expect(selected(sel)).toEqual(["b"]);
    sel = press(sel, "ArrowDown", " ");
    expect(selected(sel)).toEqual(["b", "c"]);
    sel = press(sel, " ");
    expect(selected(sel)).toEqual(["b"]);
    expect(sel.cursor).toBe("c");
  });

  it("Shift+arrows extend from the anchor, and shrink when going back", () => {
    let sel = press(emptySelection, "ArrowDown", "ArrowDown", shift("ArrowDown"));
    expect(sel.cursor).toBe("c");
    expect(selected(sel)).toEqual(["b", "c"]);
    sel = press(sel, shift("ArrowDown"), shift("ArrowDown"));
    expect(selected(sel)).toEqual(["b", "c", "d", "e"]);
    sel = press(sel, shift("ArrowUp"), shift("ArrowUp"), shift("ArrowUp"), shift("ArrowUp"));
    expect(sel.cursor).toBe("a");
    expect(selected(sel)).toEqual(["a", "b"]);
    sel = press(sel, shift("End"));
    expect(selected(sel)).toEqual(["b", "c", "d", "e", "f"]);
  });

  it("Shift-extension adds to what was selected before", () => {
    // Select f with Space, move to b, then extend to c: f stays selected.
    let sel = press(emptySelection, "End", " ", "Home", "ArrowDown");
    sel = press(sel, shift("ArrowDown"));
    expect(selected(sel)).toEqual(["b", "c", "f"]);
  });

  it("Ctrl+A and Cmd+A select exactly the listed (filtered) rows", () => {
    const filtered = ["b", "d"];
    const start = toggleRow(emptySelection, "f");
    const all = handleKey(start, filtered, { key: "a", ctrlKey: true });
    expect(all && selected(all)).toEqual(["b", "d"]);
    const mac = handleKey(emptySelection, filtered, { key: "a", metaKey: true });
    expect(mac && selected(mac)).toEqual(["b", "d"]);
  });

  it("Escape clears; Enter and other keys are not handled", () => {
    const sel = press(emptySelection, "ArrowDown", " ");
    expect(selected(press(sel, "Escape"))).toEqual([]);
    expect(handleKey(sel, rows, { key: "Enter" })).toBeNull();
    expect(handleKey(sel, rows, { key: "x" })).toBeNull();
    expect(handleKey(sel, rows, { key: "c", ctrlKey: true })).toBeNull();
    expect(handleKey(sel, rows, { key: "ArrowDown", altKey: true })).toBeNull();
    expect(handleKey(emptySelection, rows, { key: "Escape" })).toBeNull();
    expect(handleKey(emptySelection, [], { key: "ArrowDown" })).toBeNull();
  });
});

describe("mouse helpers", () => {
  it("focusRow moves the anchor; extendTo selects the range from it", () => {
    const sel = extendTo(focusRow(emptySelection, "e"), rows, "c");
    expect(selected(sel)).toEqual(["c", "d", "e"]);
    expect(sel.cursor).toBe("c");
  });
});

describe("pruneSelection", () => {
  it("drops rows that are gone and returns the same object when nothing is", () => {
    const sel = press(emptySelection, "ArrowDown", " ", "ArrowDown", " ");
    expect(pruneSelection(sel, rows)).toBe(sel);
    const pruned = pruneSelection(sel, ["a", "c"]);
    expect(selected(pruned)).toEqual(["a"]);
    expect(pruned.cursor).toBeNull();
  });
});
