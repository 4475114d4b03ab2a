import { cleanup, fireEvent, waitFor } from "@solidjs/testing-library";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { VmAddresses } from "../bindings/VmAddresses";
import type { VmDetails } from "../bindings/VmDetails";
import { createFakeBackend, renderWithBackend } from "../testing";
import { makeDetails, makeHardware, makeNic } from "./fixtures";
import { VmPage } from "./VmPage";

// jsdom has no canvas: the usage graphs draw nothing here (GraphsSection.test.tsx draws).
beforeEach(() => {
  vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue(null);
});
afterEach(() => cleanup());

const WEB = { connection: "system", uuid: "uuid-web" };

function open(details: VmDetails, addresses?: VmAddresses) {
  const fake = createFakeBackend({
    details: { "uuid-web": details },
    addresses: addresses ? { "uuid-web": addresses } : {},
  });
  const onBack = vi.fn();
  const onConsole = vi.fn();
  const view = renderWithBackend(
    () => (
      <VmPage vm={WEB} name="web" connectionName="System" onBack={onBack} onConsole={onConsole} />
    ),
    fake.backend,
  );
  const byId = (id: string) => view.findByTestId(id);
  return { fake, view, byId, onBack, onConsole };
}

describe("VmPage", () => {
  it("shows the overview of the VM it was opened for", async () => {
    const { byId, fake } = open(makeDetails("web", "running"));
    const overview = await byId("vm-overview");
    expect(fake.backend.vmDetails).toHaveBeenCalledWith(WEB);
    expect(overview.textContent).toContain("Running");
    expect(overview.textContent).toContain("Debian 12");
    expect(overview.textContent).toContain("pc-q35-7.2");
    expect(overview.textContent).toContain("System");
  });

  it("marks a template once it has linked clones", async () => {
    const { byId, fake, view } = open(makeDetails("web", "shut-off"));
    await byId("vm-overview");
    await waitFor(() => expect(fake.backend.vmLinkedClones).toHaveBeenCalledTimes(1));
    expect(view.queryByTestId("vm-page-template")).toBeNull();
    fake.backend.vmLinkedClones.mockResolvedValue(["web-linked"]);
    // The VM changes state (its clone was made elsewhere meanwhile): read again.
    fake.backend.vmDetails.mockResolvedValue(makeDetails("web", "paused"));
    fake.emit("inventory", { kind: "vm-config-changed", connection: "system", uuid: "uuid-web" });
    await waitFor(() => expect(fake.backend.vmLinkedClones).toHaveBeenCalledTimes(2));
    expect((await byId("vm-page-template")).textContent).toContain("web-linked");
  });

  it("a running VM cannot be cloned: the header's button waits for it to stop", async () => {
    const { byId } = open(makeDetails("web", "running"));
    await byId("vm-overview");
    expect(((await byId("vm-page-clone")) as HTMLButtonElement).disabled).toBe(true);
  });

  it("offers now / next boot for a running VM and sends only what changed", async () => {
    const { byId, fake } = open(makeDetails("web", "running"));
    const memory = (await byId("memory-input")) as HTMLInputElement;
    expect(memory.value).toBe("1024");
    fireEvent.input(memory, { target: { value: "1536" } });
    const nextBoot = (await byId("vm-resources")).querySelector(
      'input[value="next-boot"]',
    ) as HTMLInputElement;
    fireEvent.change(nextBoot, { target: { checked: true } });
    fireEvent.click(await byId("resources-apply"));
    await waitFor(() =>
      expect(fake.backend.vmSetResources).toHaveBeenCalledWith({
        vm: WEB,
        patch: { memoryMib: 1536, maxMemoryMib: null, vcpus: null, maxVcpus: null },
        apply: "next-boot",
      }),
    );
  });

  it("a stopped VM changes at its next boot only", async () => {
    const { byId } = open(makeDetails("web", "shut-off"));
    const form = await byId("vm-resources");
    const choices = [...form.querySelectorAll('input[type="radio"]')].map(
      (r) => (r as HTMLInputElement).value,
    );
    expect(choices).toEqual(["next-boot"]);
  });

  it("marks pending changes until the VM restarts, and reads the VM again on its events", async () => {
    const running = makeDetails("web", "running", {
      nextBoot: makeHardware("web", { memoryMib: 1536 }),
      pending: ["memory"],
    });
    const { byId, fake } = open(running);
    expect((await byId("vm-page-pending")).textContent).toContain("memory");
    expect((await byId("pending-memory")).textContent).toContain("now 1024 MiB");
    // The form starts from what the next boot will have.
    expect(((await byId("memory-input")) as HTMLInputElement).value).toBe("1536");
    const restarted = makeDetails("web", "running", {
      hardware: makeHardware("web", { memoryMib: 1536 }),
    });
    fake.backend.vmDetails.mockResolvedValue(restarted);
    fake.emit("inventory", { kind: "vm-config-changed", connection: "system", uuid: "uuid-web" });
    await waitFor(() => expect(fake.backend.vmDetails).toHaveBeenCalledTimes(2));
    await waitFor(async () =>
      expect((await byId("vm-page")).querySelector('[data-testid="vm-page-pending"]')).toBeNull(),
    );
    // Events about other VMs are not this page's.
    fake.emit("inventory", { kind: "vm-config-changed", connection: "system", uuid: "uuid-db" });
    expect(fake.backend.vmDetails).toHaveBeenCalledTimes(2);
  });

  it("shows the backend's refusal at the field, escaped as text", async () => {
    const { byId, fake } = open(makeDetails("web", "shut-off"));
    fake.backend.vmSetResources.mockRejectedValue({
      code: "invalid-input",
      message: "70000 MiB is more memory than the host has (16384 MiB) <b>",
    });
    fireEvent.input(await byId("memory-input"), { target: { value: "70000" } });
    fireEvent.click(await byId("resources-apply"));
    await waitFor(() => expect(fake.backend.vmSetResources).toHaveBeenCalled());
    const error = await byId("resources-error");
    expect(error.textContent).toContain("more memory than the host has (16384 MiB) <b>");
    expect(error.querySelector("b")).toBeNull();
  });

  it("a refresh of the VM never overwrites what the user is typing", async () => {
    const { byId, fake } = open(makeDetails("web", "running"));
    const memory = (await byId("memory-input")) as HTMLInputElement;
    const notes = (await byId("notes-input")) as HTMLTextAreaElement;
    fireEvent.input(memory, { target: { value: "2048" } });
    fireEvent.input(notes, { target: { value: "half a sent" } });
    // A stats tick: the same VM read again, as a new object.
    fake.backend.vmDetails.mockResolvedValue(makeDetails("web", "running"));
    fake.emit("inventory", { kind: "vm-config-changed", connection: "system", uuid: "uuid-web" });
    await waitFor(() => expect(fake.backend.vmDetails).toHaveBeenCalledTimes(2));
    await new Promise((r) => setTimeout(r, 0));
    expect(memory.value).toBe("2048");
    expect(notes.value).toBe("half a sent");
    // A failed Apply keeps the figure too.
    fake.backend.vmSetResources.mockRejectedValue({ code: "invalid-input", message: "no" });
    fireEvent.click(await byId("resources-apply"));
    await byId("resources-error");
    expect(memory.value).toBe("2048");
  });

  it("a refresh keeps the ISO path being typed and the NIC removal being confirmed", async () => {
    const nic = makeNic();
    const withNic = () =>
      makeDetails("web", "running", { hardware: makeHardware("web", { nics: [nic] }) });
    const { byId, fake } = open(withNic());
    const path = (await byId("iso-path-sda")) as HTMLInputElement;
    fireEvent.input(path, { target: { value: "/isos/half" } });
    fireEvent.click(await byId("nic-remove-52:54:00:00:00:01"));
    fake.backend.vmDetails.mockResolvedValue(withNic());
    fake.emit("inventory", { kind: "vm-config-changed", connection: "system", uuid: "uuid-web" });
    await waitFor(() => expect(fake.backend.vmDetails).toHaveBeenCalledTimes(2));
    await new Promise((r) => setTimeout(r, 0));
    expect(((await byId("iso-path-sda")) as HTMLInputElement).value).toBe("/isos/half");
    expect(await byId("nic-remove-confirm-52:54:00:00:00:01")).toBeTruthy();
  });

  it("an untouched form follows a change made elsewhere", async () => {
    const { byId, fake } = open(makeDetails("web", "shut-off"));
    const memory = (await byId("memory-input")) as HTMLInputElement;
    expect(memory.value).toBe("1024");
    fake.backend.vmDetails.mockResolvedValue(
      makeDetails("web", "shut-off", { hardware: makeHardware("web", { memoryMib: 512 }) }),
    );
    fake.emit("inventory", { kind: "vm-config-changed", connection: "system", uuid: "uuid-web" });
    await waitFor(() => expect(memory.value).toBe("512"));
  });

  it("shows the addresses and the source that answered, escaped", async () => {
    const { byId, fake } = open(makeDetails("web", "running"), {
      source: "lease",
      addresses: [
        {
          interface: "vnet0<i>",
          mac: "52:54:00:00:00:01",
          family: "ipv4",
          address: "192.168.122.7",
          prefix: 24,
        },
      ],
      tried: [
        { source: "agent", outcome: "QEMU guest agent is not connected" },
        { source: "lease", outcome: "1 address" },
      ],
    });
    const facts = await byId("vm-addresses");
    await waitFor(() => expect(facts.textContent).toContain("192.168.122.7/24"));
    expect((await byId("vm-addresses-source")).textContent).toBe("from the DHCP lease");
    expect(facts.querySelector("i")).toBeNull();
    fireEvent.click(await byId("vm-addresses-refresh"));
    await waitFor(() => expect(fake.backend.vmAddresses).toHaveBeenCalledTimes(2));
  });

  it("without an address, says what each source answered", async () => {
    const { byId } = open(makeDetails("web", "running"), {
      source: null,
      addresses: [],
      tried: [
        { source: "agent", outcome: "QEMU guest agent is not connected" },
        { source: "lease", outcome: "no addresses" },
        { source: "arp", outcome: "no addresses" },
      ],
    });
    const facts = await byId("vm-addresses");
    await waitFor(() =>
      expect(facts.textContent).toContain("guest agent: QEMU guest agent is not connected"),
    );
    expect(facts.textContent).toContain("ARP table: no addresses");
  });

  it("turns autostart on through the state table's action, and shows a refusal", async () => {
    const { byId, fake } = open(makeDetails("web", "shut-off"));
    const toggle = (await byId("autostart-toggle")) as HTMLInputElement;
    expect(toggle.checked).toBe(false);
    fake.backend.vmAction.mockRejectedValueOnce({
      code: "invalid-state",
      message: "cannot enable autostart: storage gone",
    });
    fireEvent.change(toggle, { target: { checked: true } });
    await waitFor(() =>
      expect(fake.backend.vmAction).toHaveBeenCalledWith({ vm: WEB, action: "enable-autostart" }),
    );
    expect((await byId("autostart-error")).textContent).toContain("storage gone");
    // The box still says what libvirt says.
    expect(toggle.checked).toBe(false);
  });

  it("a transient VM offers no autostart", async () => {
    const transient = makeDetails("web", "running");
    transient.summary.persistent = false;
    transient.summary.allowed = transient.summary.allowed.filter((a) => !a.includes("autostart"));
    const { byId } = open(transient);
    expect(((await byId("autostart-toggle")) as HTMLInputElement).disabled).toBe(true);
  });

  it("adds, unplugs and removes network interfaces, and shows a refusal at the form", async () => {
    const nic = makeNic();
    const details = makeDetails("web", "running", {
      hardware: makeHardware("web", { nics: [nic] }),
    });
    const { byId, fake } = open(details);
    fireEvent.change(await byId("nic-link-52:54:00:00:00:01"), { target: { checked: false } });
    await waitFor(() =>
      expect(fake.backend.vmSetNicLink).toHaveBeenCalledWith({
        vm: WEB,
        mac: "52:54:00:00:00:01",
        up: false,
        apply: "now-and-next-boot",
      }),
    );
    // Remove asks once more before it acts.
    fireEvent.click(await byId("nic-remove-52:54:00:00:00:01"));
    expect(fake.backend.vmRemoveNic).not.toHaveBeenCalled();
    fireEvent.click(await byId("nic-remove-confirm-52:54:00:00:00:01"));
    await waitFor(() =>
      expect(fake.backend.vmRemoveNic).toHaveBeenCalledWith({
        vm: WEB,
        mac: "52:54:00:00:00:01",
        apply: "now-and-next-boot",
      }),
    );
    // A bridge, a model, a MAC typed with spaces around it.
    fireEvent.change(await byId("nic-kind"), { target: { value: "bridge" } });
    fireEvent.input(await byId("nic-source-name"), { target: { value: "br1" } });
    fireEvent.change(await byId("nic-model"), { target: { value: "e1000e" } });
    fireEvent.input(await byId("nic-mac"), { target: { value: " 52:54:00:00:00:02 " } });
    fake.backend.vmAddNic.mockRejectedValueOnce({
      code: "invalid-input",
      message: "the MAC address 52:54:00:00:00:02 is already used by db",
    });
    fireEvent.click(await byId("nic-add-submit"));
    await waitFor(() =>
      expect(fake.backend.vmAddNic).toHaveBeenCalledWith({
        vm: WEB,
        nic: { source: { kind: "bridge", name: "br1" }, model: "e1000e", mac: "52:54:00:00:00:02" },
        apply: "now-and-next-boot",
      }),
    );
    expect((await byId("nic-error")).textContent).toContain("already used by db");
    // What was typed stays for the user to correct.
    expect(((await byId("nic-mac")) as HTMLInputElement).value).toBe(" 52:54:00:00:00:02 ");
  });

  it("grows a disk by GiB and shows the backend's refusal at the disk", async () => {
    const { byId, fake } = open(makeDetails("web", "running"));
    // CD-ROM drives are not listed with the disks.
    expect((await byId("vm-page")).querySelector('[data-testid="disk-sda"]')).toBeNull();
    fireEvent.input(await byId("grow-vda"), { target: { value: "20" } });
    fireEvent.click(await byId("grow-submit-vda"));
    await waitFor(() =>
      expect(fake.backend.vmGrowDisk).toHaveBeenCalledWith({
        vm: WEB,
        target: "vda",
        bytes: 20 * 2 ** 30,
      }),
    );
    expect((await byId("grown-vda")).textContent).toBe("10.0 GiB → 20 GiB");
    fake.backend.vmGrowDisk.mockRejectedValueOnce({
      code: "invalid-input",
      message: "vda has 20.0 GiB already: disks only grow",
    });
    fireEvent.input(await byId("grow-vda"), { target: { value: "5" } });
    fireEvent.click(await byId("grow-submit-vda"));
    expect((await byId("disk-error-vda")).textContent).toContain("disks only grow");
  });

  it("ejects and inserts CD-ROM media", async () => {
    const { byId, fake } = open(makeDetails("web", "running"));
    fireEvent.click(await byId("eject-sda"));
    await waitFor(() =>
      expect(fake.backend.vmSetCdrom).toHaveBeenCalledWith({
        vm: WEB,
        target: "sda",
        iso: null,
        apply: "now-and-next-boot",
      }),
    );
    fireEvent.input(await byId("iso-path-sda"), { target: { value: " /isos/new.iso " } });
    fireEvent.click(await byId("insert-sda"));
    await waitFor(() =>
      expect(fake.backend.vmSetCdrom).toHaveBeenLastCalledWith({
        vm: WEB,
        target: "sda",
        iso: "/isos/new.iso",
        apply: "now-and-next-boot",
      }),
    );
  });

  it("rename is offered only when the state table allows it", async () => {
    const running = open(makeDetails("web", "running"));
    expect(((await running.byId("rename-input")) as HTMLInputElement).disabled).toBe(true);
    cleanup();
    const stopped = open(makeDetails("web", "shut-off"));
    const input = (await stopped.byId("rename-input")) as HTMLInputElement;
    expect(input.disabled).toBe(false);
    fireEvent.input(input, { target: { value: "web-old" } });
    fireEvent.click(await stopped.byId("rename-submit"));
    await waitFor(() =>
      expect(stopped.fake.backend.vmRename).toHaveBeenCalledWith({ vm: WEB, name: "web-old" }),
    );
  });

  it("saves notes, and Back or Escape returns to the list", async () => {
    const { byId, fake, onBack, onConsole } = open(makeDetails("web", "running"));
    fireEvent.input(await byId("notes-input"), { target: { value: "front end" } });
    fireEvent.click(await byId("notes-save"));
    await waitFor(() =>
      expect(fake.backend.vmSetNotes).toHaveBeenCalledWith({ vm: WEB, text: "front end" }),
    );
    fireEvent.click(await byId("vm-page-back"));
    expect(onBack).toHaveBeenCalledTimes(1);
    fireEvent.keyDown(await byId("vm-page"), { key: "Escape" });
    expect(onBack).toHaveBeenCalledTimes(2);
    expect(onConsole).not.toHaveBeenCalled();
  });

  it("says so when the VM cannot be read", async () => {
    const fake = createFakeBackend({ details: {} });
    const view = renderWithBackend(
      () => (
        <VmPage
          vm={WEB}
          name="web"
          connectionName="System"
          onBack={() => {}}
          onConsole={() => {}}
        />
      ),
      fake.backend,
    );
    expect((await view.findByTestId("vm-page-error")).textContent).toContain("no VM uuid-web");
  });
});
