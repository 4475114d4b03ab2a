import { cleanup, fireEvent, render, screen } from "@solidjs/testing-library";
import { createSignal } from "solid-js";
import { afterEach, describe, expect, it } from "vitest";
import type { ScaleMode } from "./protocol";
import { ScaleToggle } from "./ScaleToggle";

afterEach(cleanup);

describe("ScaleToggle", () => {
  it("shows the mode as pressed and switches it", () => {
    const [mode, setMode] = createSignal<ScaleMode>("fit");
    render(() => <ScaleToggle mode={mode()} onChange={setMode} />);
    const fit = screen.getByRole("button", { name: "Fit" });
    const actual = screen.getByRole("button", { name: "1:1" });
    expect(screen.getByRole("group", { name: "Scale" })).toBeTruthy();
    expect(fit.getAttribute("aria-pressed")).toBe("true");
    expect(actual.getAttribute("aria-pressed")).toBe("false");
    fireEvent.click(actual);
    expect(mode()).toBe("actual");
    expect(fit.getAttribute("aria-pressed")).toBe("false");
    expect(actual.getAttribute("aria-pressed")).toBe("true");
    fireEvent.click(fit);
    expect(mode()).toBe("fit");
  });
});
