import { cleanup, fireEvent, waitFor } from "@solidjs/testing-library";
import { afterEach, describe, expect, it } from "vitest";
import { createFakeBackend, renderWithBackend } from "../testing";
import { makeDetails, makeHardware } from "./fixtures";
import { PlatformSection } from "./PlatformSection";

const WEB = { connection: "system", uuid: "uuid-web" };

afterEach(() => cleanup());

function show(state: "running" | "shut-off", vnc = false) {
  const fake = createFakeBackend();
  const graphics = vnc ? [{ kind: "vnc", listen: "none" }] : [];
  const details = makeDetails("web", state, { hardware: makeHardware("web", { graphics }) });
  const view = renderWithBackend(
    () => <PlatformSection vm={WEB} details={details} />,
    fake.backend,
  );
  const byId = (id: string) => view.findByTestId(id);
  return { fake, view, byId };
}

describe("PlatformSection", () => {
  it("says what UEFI means and saves only what changed", async () => {
    const { fake, byId, view } = show("shut-off");
    const save = (await byId("platform-save")) as HTMLButtonElement;
    expect(save.disabled).toBe(true);
    fireEvent.change(await byId("firmware-uefi"), { target: { checked: true } });
    expect((await byId("firmware-consequence")).textContent).toContain("NVRAM");
    expect(save.disabled).toBe(false);
    // Back to what it has: no change, nothing to say.
    fireEvent.change(await byId("firmware-bios"), { target: { checked: true } });
    expect(view.queryByTestId("firmware-consequence")).toBeNull();
    expect(save.disabled).toBe(true);
    fireEvent.change(await byId("firmware-uefi"), { target: { checked: true } });
    fireEvent.click(await byId("tpm-toggle"));
    expect((await byId("tpm-consequence")).textContent).toContain("swtpm");
    fireEvent.click(save);
    await waitFor(() =>
      expect(fake.backend.vmSetFirmware).toHaveBeenCalledWith({ vm: WEB, firmware: "uefi" }),
    );
    await waitFor(() => expect(fake.backend.vmSetTpm).toHaveBeenCalledWith({ vm: WEB, on: true }));
    expect(fake.backend.vmSetVnc).not.toHaveBeenCalled();
  });

  it("warns before the display goes, and shows a refusal in place", async () => {
    const { fake, byId } = show("shut-off", true);
    fake.backend.vmSetVnc.mockRejectedValueOnce({
      code: "invalid-input",
      message: "could not save the VM's configuration",
    });
    fireEvent.click(await byId("vnc-toggle"));
    expect((await byId("vnc-consequence")).textContent).toContain("no graphical console");
    fireEvent.click(await byId("platform-save"));
    expect((await byId("platform-error")).textContent).toContain("could not save");
    expect(fake.backend.vmSetVnc).toHaveBeenCalledWith({ vm: WEB, on: false });
  });

  it("is locked while the VM runs, as the state table says", async () => {
    const { byId } = show("running");
    expect((await byId("platform-locked")).textContent).toContain("Shut the VM down");
    expect(((await byId("tpm-toggle")) as HTMLInputElement).disabled).toBe(true);
    expect(((await byId("platform-save")) as HTMLButtonElement).disabled).toBe(true);
  });
});
