import { cleanup, fireEvent, waitFor } from "@solidjs/testing-library";
import { afterEach, describe, expect, it } from "vitest";
import { createFakeBackend, renderWithBackend } from "../testing";
import { DisksSection, removalApply } from "./DisksSection";
import { makeDetails } from "./fixtures";

const WEB = { connection: "system", uuid: "uuid-web" };

afterEach(() => cleanup());

function show(state: "running" | "shut-off") {
  const fake = createFakeBackend();
  const details = makeDetails("web", state);
  const view = renderWithBackend(() => <DisksSection vm={WEB} details={details} />, fake.backend);
  const byId = (id: string) => view.findByTestId(id);
  return { fake, view, byId };
}

describe("Adding a disk", () => {
  it("adds a new empty disk now and at every boot of a running VM", async () => {
    const { fake, byId } = show("running");
    fireEvent.input(await byId("disk-add-size"), { target: { value: "20" } });
    fireEvent.click(await byId("disk-add-submit"));
    await waitFor(() =>
      expect(fake.backend.vmAddDisk).toHaveBeenCalledWith({
        vm: WEB,
        disk: {
          source: { kind: "empty", gib: 20 },
          bus: "virtio",
          pool: "default",
          apply: "now-and-next-boot",
          acknowledged: [],
        },
      }),
    );
    expect((await byId("disk-added")).textContent).toContain("Added vdb");
  });

  it("a size that is not a whole number of GiB cannot be sent", async () => {
    const { byId } = show("shut-off");
    const submit = (await byId("disk-add-submit")) as HTMLButtonElement;
    fireEvent.input(await byId("disk-add-size"), { target: { value: "0" } });
    expect(submit.disabled).toBe(true);
    fireEvent.input(await byId("disk-add-size"), { target: { value: "1.5" } });
    expect(submit.disabled).toBe(true);
  });

  it("inspects an image like the wizard and adds it only once its warnings are confirmed", async () => {
    const { fake, byId, view } = show("shut-off");
    fake.backend.inspectSource.mockResolvedValueOnce({
      image: {
        path: "/img/shared.qcow2",
        format: "qcow2",
        virtualSize: 2 ** 30,
        fileSize: 2 ** 20,
        backingChain: [],
        link: null,
        warnings: [],
      },
      detectedOs: null,
      volumeId: null,
      warnings: [{ id: "shared-disk", message: "/img/shared.qcow2 is disk vda of db" }],
    });
    fireEvent.click(await byId("disk-kind-import"));
    const path = await byId("disk-add-path");
    fireEvent.input(path, { target: { value: "/img/shared.qcow2" } });
    fireEvent.change(path);
    expect((await byId("disk-add-warnings")).textContent).toContain("is disk vda of db");
    expect(fake.backend.inspectSource).toHaveBeenCalledWith({
      path: "/img/shared.qcow2",
      iso: false,
      connection: "system",
      pool: "default",
      mode: "overlay",
      vm: WEB,
    });
    const submit = (await byId("disk-add-submit")) as HTMLButtonElement;
    expect(submit.disabled).toBe(true);
    fireEvent.click(await byId("disk-add-confirm"));
    expect(submit.disabled).toBe(false);
    fireEvent.click(submit);
    await waitFor(() => expect(fake.backend.vmAddDisk).toHaveBeenCalled());
    expect(fake.backend.vmAddDisk.mock.calls[0][0].disk).toEqual({
      source: { kind: "import", path: "/img/shared.qcow2", mode: "overlay" },
      bus: "virtio",
      pool: "default",
      apply: "next-boot",
      acknowledged: ["shared-disk"],
    });
    expect(view.queryByTestId("disk-add-error")).toBeNull();
  });

  it("adds a SATA disk to a running VM for its next boot only", async () => {
    const { fake, byId, view } = show("running");
    fireEvent.change(await byId("disk-add-bus"), { target: { value: "sata" } });
    expect(view.queryByText("Now only (until the VM stops)")).toBeNull();
    fireEvent.click(await byId("disk-add-submit"));
    await waitFor(() => expect(fake.backend.vmAddDisk).toHaveBeenCalled());
    expect(fake.backend.vmAddDisk.mock.calls[0][0].disk).toMatchObject({
      bus: "sata",
      apply: "next-boot",
    });
  });

  it("shows a refusal at the form and keeps what was typed", async () => {
    const { fake, byId } = show("shut-off");
    fake.backend.vmAddDisk.mockRejectedValueOnce({
      code: "invalid-input",
      message: "there is no storage pool called fast",
    });
    fireEvent.input(await byId("disk-add-pool"), { target: { value: "fast" } });
    fireEvent.click(await byId("disk-add-submit"));
    expect((await byId("disk-add-error")).textContent).toContain("no storage pool called fast");
    expect(((await byId("disk-add-size")) as HTMLInputElement).value).toBe("10");
    expect(((await byId("disk-add-pool")) as HTMLInputElement).value).toBe("fast");
  });
});

describe("removalApply", () => {
  it("follows the disk: hot-unplug now and for good, else what is possible", () => {
    const running = makeDetails("web", "running");
    const vda = running.hardware.disks[0];
    expect(removalApply(running, vda)).toBe("now-and-next-boot");
    // Plugged in for now only: not in the next boot's configuration.
    const next = structuredClone(running.hardware);
    next.disks = next.disks.filter((d) => d.target !== vda.target);
    expect(removalApply({ ...running, nextBoot: next }, vda)).toBe("now");
    // SATA has no hot-unplug: the next boot only.
    expect(removalApply(running, { ...vda, bus: "sata" })).toBe("next-boot");
    expect(removalApply(makeDetails("web", "shut-off"), vda)).toBe("next-boot");
  });
});

describe("Removing a disk", () => {
  it("keeps the file unless asked, and asks twice for a file outside every pool", async () => {
    const { fake, byId } = show("shut-off");
    fake.backend.vmDeletePreview.mockResolvedValue([
      {
        target: "vda",
        device: "disk",
        path: "/home/me/web.qcow2",
        pool: null,
        sharedWith: [],
        removeByDefault: false,
        needsConfirmation: true,
      },
    ]);
    fireEvent.click(await byId("disk-remove-vda"));
    fireEvent.click(await byId("disk-remove-file-vda"));
    const confirm = (await byId("disk-remove-confirm-vda")) as HTMLButtonElement;
    expect(confirm.disabled).toBe(true);
    expect((await byId("disk-remove-ask-vda")).textContent).toContain(
      "lies outside every storage pool",
    );
    fireEvent.click(await byId("disk-remove-risky-vda"));
    fireEvent.click(confirm);
    await waitFor(() =>
      expect(fake.backend.vmRemoveDisk).toHaveBeenCalledWith({
        vm: WEB,
        target: "vda",
        deleteFile: true,
        confirmedRisky: true,
        apply: "next-boot",
      }),
    );
  });

  it("says at the row why the disk a running VM runs from stays", async () => {
    const { fake, byId } = show("running");
    fake.backend.vmRemoveDisk.mockRejectedValueOnce({
      code: "invalid-input",
      message: "vda is the disk web runs from: shut the VM down first, then remove it",
    });
    fireEvent.click(await byId("disk-remove-vda"));
    fireEvent.click(await byId("disk-remove-confirm-vda"));
    expect((await byId("disk-error-vda")).textContent).toContain("runs from");
    expect(fake.backend.vmRemoveDisk.mock.calls[0][0]).toMatchObject({
      deleteFile: false,
      apply: "now-and-next-boot",
    });
  });
});
