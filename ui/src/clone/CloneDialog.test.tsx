import { cleanup, fireEvent, screen, waitFor } from "@solidjs/testing-library";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createFakeBackend, renderWithBackend } from "../testing";
import { makeDetails, makeHardware } from "../vmpage/fixtures";
import { CloneDialog } from "./CloneDialog";

const WEB = { connection: "system", uuid: "uuid-web" };

afterEach(() => cleanup());

function show(state: "shut-off" | "running" | "paused", format = "qcow2") {
  const hardware = makeHardware("web");
  for (const d of hardware.disks) if (d.device === "disk") d.format = format;
  const fake = createFakeBackend({
    details: { "uuid-web": makeDetails("web", state, { hardware }) },
  });
  const onClose = vi.fn();
  renderWithBackend(() => <CloneDialog vm={WEB} name="web" onClose={onClose} />, fake.backend);
  return { fake, onClose };
}

describe("CloneDialog", () => {
  it("makes a linked clone by default for qcow2 disks, named after the source", async () => {
    const { fake, onClose } = show("shut-off");
    const linked = (await screen.findByTestId("clone-linked")) as HTMLInputElement;
    await waitFor(() => expect(linked.checked).toBe(true));
    expect((screen.getByTestId("clone-name") as HTMLInputElement).value).toBe("web-clone");
    fireEvent.click(screen.getByTestId("clone-submit"));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(fake.backend.vmClone).toHaveBeenCalledWith({
      vm: WEB,
      clone: { name: "web-clone", mode: "linked" },
    });
  });

  it("offers only a full copy for a raw disk, and says why", async () => {
    const { fake } = show("shut-off", "raw");
    const linked = (await screen.findByTestId("clone-linked")) as HTMLInputElement;
    await waitFor(() => expect(linked.disabled).toBe(true));
    expect(screen.getByTestId("clone-linked-why").textContent).toContain("is raw");
    expect((screen.getByTestId("clone-full") as HTMLInputElement).checked).toBe(true);
    fireEvent.input(screen.getByTestId("clone-name"), { target: { value: "copy" } });
    fireEvent.click(screen.getByTestId("clone-submit"));
    await waitFor(() =>
      expect(fake.backend.vmClone).toHaveBeenCalledWith({
        vm: WEB,
        clone: { name: "copy", mode: "full" },
      }),
    );
  });

  it("refuses a running VM before asking, and shows a backend refusal at the form", async () => {
    const running = show("running");
    await screen.findByTestId("clone-not-now");
    expect((screen.getByTestId("clone-submit") as HTMLButtonElement).disabled).toBe(true);
    expect(running.fake.backend.vmClone).not.toHaveBeenCalled();
    cleanup();

    const { fake, onClose } = show("shut-off");
    fake.backend.vmClone.mockRejectedValueOnce({
      code: "invalid-input",
      message: "the pool default has 1.0 GiB free, the copies need up to 4.0 GiB",
    });
    fireEvent.click(await screen.findByTestId("clone-full"));
    await waitFor(() =>
      expect((screen.getByTestId("clone-submit") as HTMLButtonElement).disabled).toBe(false),
    );
    fireEvent.click(screen.getByTestId("clone-submit"));
    expect((await screen.findByTestId("clone-error")).textContent).toContain("1.0 GiB free");
    expect(onClose).not.toHaveBeenCalled();
  });

  it("shuts a running VM down from the dialog, and Clone opens once it is off", async () => {
    const { fake } = show("running");
    fireEvent.click(await screen.findByTestId("clone-shutdown"));
    await waitFor(() =>
      expect(fake.backend.vmAction).toHaveBeenCalledWith({ vm: WEB, action: "shutdown" }),
    );
    const off = makeDetails("web", "shut-off");
    fake.backend.vmDetails.mockResolvedValue(off);
    fake.emit("inventory", { kind: "vm-upserted", connection: "system", vm: off.summary });
    await waitFor(() =>
      expect((screen.getByTestId("clone-submit") as HTMLButtonElement).disabled).toBe(false),
    );
    expect(screen.queryByTestId("clone-not-now")).toBeNull();
  });

  it("offers Save for a paused VM, then clones the saved VM with a note", async () => {
    const { fake } = show("paused");
    expect((await screen.findByTestId("clone-not-now")).textContent).toContain("QEMU still holds");
    expect(screen.queryByTestId("clone-shutdown")).toBeNull();
    fireEvent.click(screen.getByTestId("clone-save"));
    await waitFor(() =>
      expect(fake.backend.vmAction).toHaveBeenCalledWith({ vm: WEB, action: "save" }),
    );
    const saved = makeDetails("web", "saved");
    fake.backend.vmDetails.mockResolvedValue(saved);
    fake.emit("inventory", { kind: "vm-upserted", connection: "system", vm: saved.summary });
    expect((await screen.findByTestId("clone-saved-note")).textContent).toContain("power cut");
    expect((screen.getByTestId("clone-submit") as HTMLButtonElement).disabled).toBe(false);
  });

  it("shows a copy's progress, and Cancel while copying asks the backend to stop", async () => {
    const { fake } = show("shut-off");
    let finish: () => void = () => {};
    fake.backend.vmClone.mockImplementationOnce(
      () =>
        new Promise((resolve, reject) => {
          finish = () => reject({ code: "invalid-input", message: "cancelled" });
          void resolve;
        }),
    );
    fireEvent.click(await screen.findByTestId("clone-full"));
    await waitFor(() =>
      expect((screen.getByTestId("clone-submit") as HTMLButtonElement).disabled).toBe(false),
    );
    fireEvent.click(screen.getByTestId("clone-submit"));
    await waitFor(() => expect(fake.backend.vmClone).toHaveBeenCalled());
    fake.emit("create-progress", { step: "Copying vda", done: 5, total: 10 });
    expect((await screen.findByTestId("clone-progress")).textContent).toContain("Copying vda");
    fireEvent.click(screen.getByTestId("clone-cancel"));
    expect(fake.backend.vmCloneCancel).toHaveBeenCalled();
    finish();
    expect((await screen.findByTestId("clone-error")).textContent).toBe("cancelled");
  });
});
