import { cleanup, render } from "@solidjs/testing-library";
import { afterEach, describe, expect, it } from "vitest";
import { makeVm } from "../inventory/fixtures";
import { RowActions } from "./RowActions";

afterEach(() => cleanup());

function buttons(labelled: boolean) {
  const vm = makeVm("web-01", "running");
  const { container } = render(() => (
    <RowActions
      vm={vm}
      busy={undefined}
      labelled={labelled}
      onAction={() => {}}
      onConsole={() => {}}
    />
  ));
  const of = (action: string) =>
    container.querySelector(`[data-action="${action}"]`) as HTMLButtonElement;
  return of;
}

describe("RowActions tips", () => {
  it("labelled: what can be done has its label and no tooltip; the rest keeps its tooltip", () => {
    const of = buttons(true);
    expect(of("console").disabled).toBe(false);
    expect(of("console").hasAttribute("data-tip")).toBe(false);
    expect(of("shutdown").hasAttribute("data-tip")).toBe(false);
    expect(of("shutdown").textContent).toContain("Shut down");
    expect(of("start").disabled).toBe(true);
    expect(of("start").dataset.tip).toBe("Start");
  });

  it("icons only: every button keeps its tooltip", () => {
    const of = buttons(false);
    expect(of("console").dataset.tip).toBe("Console");
    expect(of("shutdown").dataset.tip).toBe("Shut down");
    // The page draws its tooltips: no native one to stay painted over a dialog.
    expect(of("console").hasAttribute("title")).toBe(false);
  });
});
