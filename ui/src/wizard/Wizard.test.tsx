import { cleanup, fireEvent, screen, waitFor } from "@solidjs/testing-library";
import { afterEach, describe, expect, it } from "vitest";
import type { CreateVmRequest } from "../bindings/CreateVmRequest";
import { makeVm, sampleSnapshot } from "../inventory/fixtures";
import { Machines } from "../machines/Machines";
import { createFakeBackend, fedora, renderWithBackend } from "../testing";

afterEach(() => cleanup());

async function setup() {
  // Its console opens and never sends a frame.
  const fake = createFakeBackend({
    snapshot: sampleSnapshot(),
    consoleOpened: { id: 1, width: 4, height: 2 },
  });
  renderWithBackend(() => <Machines wizardSearchDelayMs={0} />, fake.backend);
  await waitFor(() => expect(screen.getByTestId("vm-list").dataset.rowCount).toBe("5"));
  fireEvent.click(q('[data-action="new-vm"]'));
  await waitFor(() => expect(q('[data-step="source"]')).toBeTruthy());
  return fake;
}

function q<T extends HTMLElement = HTMLElement>(selector: string): T {
  const el = document.querySelector<T>(selector);
  if (!el) throw new Error(`nothing matches ${selector}`);
  return el;
}

const step = () => q("[data-step]").dataset.step;
const next = () => fireEvent.click(q('[data-action="next"]'));
function type(selector: string, value: string) {
  fireEvent.input(q<HTMLInputElement>(selector), { target: { value } });
}

/** From the source step (empty VM) to the review step, with the generic Linux choice. */
async function walkToReview() {
  fireEvent.click(q('[data-source="empty"]'));
  next();
  await waitFor(() => expect(step()).toBe("os"));
  const generic = await waitFor(() => q('[data-os-id="generic-linux"]'));
  // Generic choices are pinned at the top.
  const ids = [...document.querySelectorAll<HTMLElement>("[data-os-id]")].map(
    (e) => e.dataset.osId,
  );
  expect(ids[0]).toBe("generic-linux");
  fireEvent.click(generic);
  next();
  await waitFor(() => expect(step()).toBe("resources"));
  expect(q<HTMLInputElement>('[data-field="memory"]').value).toBe("2048");
  expect(q<HTMLInputElement>('[data-field="disk"]').value).toBe("20");
  next();
  await waitFor(() => expect(step()).toBe("options"));
  expect(q<HTMLInputElement>('[data-network="nat"]').checked).toBe(true);
  next();
  await waitFor(() => expect(step()).toBe("review"));
  expect(q<HTMLInputElement>('[data-field="name"]').value).toBe("linux-1");
}

const expected: CreateVmRequest = {
  connection: "system",
  request: {
    name: "my-vm",
    source: { kind: "empty", diskGib: 20 },
    osId: "generic-linux",
    memoryMib: 2048,
    vcpus: 2,
    pool: "default",
    firmware: "bios",
    tpm: false,
    network: "nat",
    setupNetwork: true,
    virtio: true,
    start: true,
    serialLog: null,
    acknowledged: [],
  },
};

describe("create-VM wizard", () => {
  it("walks the steps; preview and create get the exact request; the new VM is selected", async () => {
    const { backend, emit } = await setup();
    // Only connected connections are offered: system and session (and vbox), not the failed lab.
    const options = [...q<HTMLSelectElement>('[data-field="connection"]').options].map(
      (o) => o.value,
    );
    expect(options).not.toContain("lab");
    expect(q<HTMLSelectElement>('[data-field="connection"]').value).toBe("system");

    await walkToReview();
    expect(backend.wizardDefaults).toHaveBeenCalledWith({
      connection: "system",
      osId: "generic-linux",
    });
    type('[data-field="name"]', "my-vm");

    fireEvent.click(q('[data-action="view-xml"]'));
    await waitFor(() => expect(q("[data-testid=xml]").textContent).toContain("<name>my-vm</name>"));
    expect(backend.previewVm).toHaveBeenCalledWith(expected);

    fireEvent.click(q('[data-action="create-start"]'));
    await waitFor(() => expect(document.querySelector("[data-testid=wizard]")).toBeNull());
    expect(backend.createVm).toHaveBeenCalledWith(expected);
    expect(screen.getByTestId("create-notice").textContent).toContain("my-vm");

    // The inventory lists it through its own event: it gets selected.
    emit("inventory", {
      kind: "vm-upserted",
      connection: "system",
      vm: makeVm("my-vm", "running"),
    });
    await waitFor(() => {
      const row = q('[data-vm-name="my-vm"]');
      expect(row.classList.contains("is-current")).toBe(true);
    });
    // "Create and start" goes on to the VM's screen.
    await waitFor(() => expect(backend.consoleOpen).toHaveBeenCalled());
    expect(backend.consoleOpen.mock.calls[0][0]).toEqual({
      vm: { connection: "system", uuid: makeVm("my-vm", "running").uuid },
    });
    expect(screen.getByTestId("console")).toBeTruthy();
  });

  it("Back keeps entries; invalid resources block Next", async () => {
    await setup();
    await walkToReview();
    fireEvent.click(q('[data-action="back"]'));
    fireEvent.click(q('[data-action="back"]'));
    expect(step()).toBe("resources");
    type('[data-field="memory"]', "0");
    type('[data-field="vcpus"]', "16");
    next();
    expect(step()).toBe("resources");
    expect(screen.getByTestId("memory-error")).toBeTruthy();
    expect(screen.getByTestId("vcpus-warning").textContent).toMatch(/over-commit/);
    type('[data-field="memory"]', "4096");
    next();
    await waitFor(() => expect(step()).toBe("options"));
    fireEvent.click(q('[data-action="back"]'));
    expect(q<HTMLInputElement>('[data-field="memory"]').value).toBe("4096");
  });

  it("an inspect_source rejection shows source-error and blocks Next", async () => {
    const { backend } = await setup();
    backend.inspectSource.mockRejectedValueOnce({
      code: "invalid-input",
      message: "/tmp/x.qcow2 is not a disk image",
    });
    fireEvent.click(q('[data-source="import"]'));
    expect(q<HTMLInputElement>('[data-mode="overlay"]').checked).toBe(true);
    fireEvent.click(q('[data-mode="in-place"]'));
    expect(screen.getByTestId("in-place-warning")).toBeTruthy();
    type('[data-field="path"]', "/tmp/x.qcow2");
    next();
    await waitFor(() =>
      expect(screen.getByTestId("source-error").textContent).toContain("not a disk image"),
    );
    expect(step()).toBe("source");
    expect(backend.inspectSource).toHaveBeenCalledWith({
      path: "/tmp/x.qcow2",
      iso: false,
      connection: "system",
      pool: "default",
      mode: "in-place",
    });
  });

  it("an escaped refusal is shown as sent, never interpreted", async () => {
    const { backend } = await setup();
    // What the backend sends for a backing name with a newline, ESC and a bidi override.
    const message =
      "/tmp/e.qcow2 names its backing file b\\n\\u{1b}[1A\\u{202e}x.qcow2, with control or invisible characters";
    backend.inspectSource.mockRejectedValueOnce({ code: "invalid-input", message });
    fireEvent.click(q('[data-source="import"]'));
    type('[data-field="path"]', "/tmp/e.qcow2");
    next();
    const error = await waitFor(() => screen.getByTestId("source-error"));
    expect(error.textContent).toBe(message);
    expect(error.querySelector("*:not(p)")).toBeNull();
    const hidden = [...(error.textContent ?? "")].filter((c) => {
      const n = c.codePointAt(0) ?? 0;
      return n < 0x20 || (n >= 0x202a && n <= 0x202e);
    });
    expect(hidden).toEqual([]);
  });

  it("a source's warnings must be confirmed, and the request acknowledges them", async () => {
    const { backend } = await setup();
    backend.inspectSource.mockResolvedValue({
      image: {
        path: "/img/real.qcow2",
        link: "/tmp/alias.qcow2",
        format: "qcow2",
        virtualSize: 20 * 1024 ** 3,
        fileSize: 1024 ** 3,
        backingChain: [],
        warnings: [],
      },
      detectedOs: null,
      volumeId: null,
      warnings: [{ id: "dirty-image", message: "/img/real.qcow2 was not closed cleanly" }],
    });
    fireEvent.click(q('[data-source="import"]'));
    type('[data-field="path"]', "/tmp/alias.qcow2");
    next();
    await waitFor(() =>
      expect(screen.getByTestId("source-warnings").textContent).toContain("not closed cleanly"),
    );
    expect(screen.getByTestId("source-link").textContent).toBe(
      "/tmp/alias.qcow2 → /img/real.qcow2",
    );
    expect(step()).toBe("source");
    next();
    await waitFor(() =>
      expect(screen.getByTestId("source-error").textContent).toContain("Confirm the warning"),
    );
    expect(step()).toBe("source");
    fireEvent.click(q('[data-field="acknowledge"]'));
    next();
    await waitFor(() => expect(step()).toBe("os"));
    expect(backend.inspectSource).toHaveBeenCalledTimes(1);
    fireEvent.click(await waitFor(() => q('[data-os-id="generic-linux"]')));
    next();
    await waitFor(() => expect(step()).toBe("resources"));
    next();
    await waitFor(() => expect(step()).toBe("options"));
    next();
    await waitFor(() => expect(step()).toBe("review"));
    fireEvent.click(q('[data-action="create-only"]'));
    await waitFor(() => expect(backend.createVm).toHaveBeenCalled());
    expect(backend.createVm.mock.calls[0][0].request.acknowledged).toEqual(["dirty-image"]);
  });

  it("an ISO with a detected OS preselects it; an import has no disk size", async () => {
    const { backend } = await setup();
    backend.inspectSource.mockResolvedValueOnce({
      image: {
        path: "/iso/f.iso",
        format: "iso",
        virtualSize: 2 * 1024 ** 3,
        fileSize: 2 * 1024 ** 3,
        backingChain: [],
        link: null,
        warnings: [],
      },
      detectedOs: fedora,
      volumeId: "Fedora-WS-41",
      warnings: [],
    });
    fireEvent.click(q('[data-source="iso"]'));
    type('[data-field="path"]', "/iso/f.iso");
    next();
    await waitFor(() => expect(step()).toBe("os"));
    expect(screen.getByTestId("detected-os").textContent).toBe("Detected: Fedora 41");
    await waitFor(() => expect(q<HTMLInputElement>('[data-os-id="fedora41"]').checked).toBe(true));
  });

  it("an ISO whose system is not recognised says so and asks for it", async () => {
    const { backend } = await setup();
    backend.inspectSource.mockResolvedValueOnce({
      image: {
        path: "/iso/x.iso",
        link: null,
        format: "iso",
        virtualSize: 1024 ** 3,
        fileSize: 1024 ** 3,
        backingChain: [],
        warnings: [],
      },
      detectedOs: null,
      volumeId: "HOMEBREW_OS",
      warnings: [],
    });
    fireEvent.click(q('[data-source="iso"]'));
    type('[data-field="path"]', "/iso/x.iso");
    next();
    await waitFor(() => expect(step()).toBe("os"));
    expect(screen.getByTestId("unknown-os").textContent).toContain(
      "(HOMEBREW_OS) was not recognised",
    );
  });

  it("a create_vm rejection shows create-error and stays on the step", async () => {
    const { backend } = await setup();
    backend.createVm.mockRejectedValueOnce({
      code: "invalid-input",
      message: "a domain named linux-1 already exists",
    });
    await walkToReview();
    fireEvent.click(q('[data-action="create-only"]'));
    await waitFor(() =>
      expect(screen.getByTestId("create-error").textContent).toContain("already exists"),
    );
    expect(step()).toBe("review");
    expect(backend.createVm.mock.calls[0][0].request.start).toBe(false);
  });

  it("an invalid name is caught before any backend call", async () => {
    const { backend } = await setup();
    await walkToReview();
    type('[data-field="name"]', ".bad name");
    fireEvent.click(q('[data-action="create-start"]'));
    expect(screen.getByTestId("name-error").textContent).toMatch(/letters/);
    expect(backend.createVm).not.toHaveBeenCalled();
  });

  it("progress events update the bar; Cancel calls cancel_create", async () => {
    const { backend, emit, listeners } = await setup();
    let reject: (error: unknown) => void = () => {};
    backend.createVm.mockImplementationOnce(
      () =>
        new Promise((_, r) => {
          reject = r;
        }),
    );
    await walkToReview();
    fireEvent.click(q('[data-action="create-start"]'));
    await waitFor(() => expect(listeners("create-progress")).toBe(1));
    expect(q<HTMLButtonElement>('[data-action="create-start"]').disabled).toBe(true);
    emit("create-progress", { step: "Copying the image", done: 25, total: 100 });
    await waitFor(() => {
      const bar = q<HTMLProgressElement>("[data-testid=create-progress] progress");
      expect(bar.max).toBe(100);
      expect(bar.value).toBe(25);
    });
    expect(screen.getByTestId("create-progress").textContent).toContain("Copying the image");

    fireEvent.click(q('[data-action="cancel-create"]'));
    expect(backend.cancelCreate).toHaveBeenCalledTimes(1);
    reject({ code: "invalid-state", message: "Cancelled; nothing was left behind." });
    await waitFor(() =>
      expect(screen.getByTestId("create-error").textContent).toContain("Cancelled"),
    );
    expect(listeners("create-progress")).toBe(0);
    expect(q<HTMLButtonElement>('[data-action="create-start"]').disabled).toBe(false);
  });

  it("Escape closes the wizard", async () => {
    await setup();
    fireEvent.keyDown(q("[data-testid=wizard]"), { key: "Escape" });
    await waitFor(() => expect(document.querySelector("[data-testid=wizard]")).toBeNull());
  });
});
