import { cleanup, fireEvent, waitFor } from "@solidjs/testing-library";
import { afterEach, describe, expect, it } from "vitest";
import { createFakeBackend, renderWithBackend } from "../testing";
import { makeDetails } from "../vmpage/fixtures";
import { XmlSection } from "../vmpage/XmlSection";
import { Preferences } from "./Preferences";

const WEB = { connection: "system", uuid: "uuid-web" };

afterEach(() => cleanup());

describe("Preferences", () => {
  it("shows the saved switch, saves a change, and an open VM page follows it", async () => {
    const fake = createFakeBackend();
    const view = renderWithBackend(
      () => (
        <>
          <Preferences />
          <XmlSection vm={WEB} details={makeDetails("web", "shut-off")} />
        </>
      ),
      fake.backend,
    );
    const box = (await view.findByTestId("pref-xml-editing")) as HTMLInputElement;
    await waitFor(() => expect(fake.backend.preferencesGet).toHaveBeenCalledTimes(1));
    expect(box.checked).toBe(false);
    expect(view.getByTestId("xml-off")).toBeTruthy();

    fireEvent.click(box);
    await waitFor(() => expect(view.queryByTestId("xml-toggle")).not.toBeNull());
    expect(fake.backend.preferencesSet).toHaveBeenCalledWith({ xmlEditing: true });
    expect(box.checked).toBe(true);
    // One read for both components: they share the store.
    expect(fake.backend.preferencesGet).toHaveBeenCalledTimes(1);
  });

  it("says why a change could not be saved and keeps the switch as saved", async () => {
    const fake = createFakeBackend();
    fake.backend.preferencesSet.mockRejectedValueOnce({
      code: "unavailable",
      message: "preferences could not be saved in /ro: Read-only file system",
    });
    const view = renderWithBackend(() => <Preferences />, fake.backend);
    const box = (await view.findByTestId("pref-xml-editing")) as HTMLInputElement;
    fireEvent.click(box);
    expect((await view.findByTestId("pref-error")).textContent).toContain("Read-only");
    await waitFor(() => expect(box.checked).toBe(false));
  });
});
