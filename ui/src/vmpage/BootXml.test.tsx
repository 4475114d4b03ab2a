import { cleanup, fireEvent, waitFor } from "@solidjs/testing-library";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createFakeBackend, renderWithBackend } from "../testing";
import { BootSection, bootDevices } from "./BootSection";
import { makeDetails, makeHardware, makeNic } from "./fixtures";
import { XmlSection } from "./XmlSection";

const WEB = { connection: "system", uuid: "uuid-web" };

beforeEach(() => {
  vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue(null);
});
afterEach(() => cleanup());

function hardware() {
  const h = makeHardware("web", { nics: [makeNic()] });
  h.disks[0].bootOrder = 2;
  h.nics[0].bootOrder = 1;
  return h;
}

describe("bootDevices", () => {
  it("lists the ordered devices first, by their order, then the rest unticked", () => {
    expect(bootDevices(hardware())).toEqual([
      { key: "52:54:00:00:00:01", label: "Network 52:54:00:00:00:01", enabled: true },
      { key: "vda", label: "Disk vda", enabled: true },
      { key: "sda", label: "CD-ROM sda", enabled: false },
    ]);
  });
});

describe("BootSection", () => {
  function show() {
    const fake = createFakeBackend();
    const details = makeDetails("web", "shut-off", { hardware: hardware() });
    const view = renderWithBackend(() => <BootSection vm={WEB} details={details} />, fake.backend);
    return { fake, view };
  }

  it("saves the ticked devices in the order shown, with the menu choice", async () => {
    const { fake, view } = show();
    const save = (await view.findByTestId("boot-save")) as HTMLButtonElement;
    expect(save.disabled).toBe(true);
    fireEvent.click(await view.findByTestId("boot-enable-sda"));
    fireEvent.click(await view.findByTestId("boot-up-sda"));
    fireEvent.click(await view.findByTestId("boot-up-sda"));
    fireEvent.click(await view.findByTestId("boot-menu"));
    expect(save.disabled).toBe(false);
    fireEvent.click(save);
    await waitFor(() =>
      expect(fake.backend.vmSetBoot).toHaveBeenCalledWith({
        vm: WEB,
        order: ["sda", "52:54:00:00:00:01", "vda"],
        menu: true,
      }),
    );
  });

  it("needs one device to boot from, and shows the backend's refusal", async () => {
    const { fake, view } = show();
    fireEvent.click(await view.findByTestId("boot-enable-vda"));
    fireEvent.click(await view.findByTestId("boot-enable-52:54:00:00:00:01"));
    expect((await view.findByTestId("boot-none")).textContent).toContain("at least one");
    expect(((await view.findByTestId("boot-save")) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(await view.findByTestId("boot-enable-vda"));
    fake.backend.vmSetBoot.mockRejectedValueOnce({
      code: "invalid-input",
      message: "the VM has no disk or network interface vda",
    });
    fireEvent.click(await view.findByTestId("boot-save"));
    expect((await view.findByTestId("boot-error")).textContent).toBe(
      "the VM has no disk or network interface vda",
    );
    expect(
      ((await view.findByTestId("boot-enable-52:54:00:00:00:01")) as HTMLInputElement).checked,
    ).toBe(false);
  });
});

describe("XmlSection", () => {
  it("is off until XML editing is turned on in Preferences, and reads nothing", async () => {
    const fake = createFakeBackend();
    const view = renderWithBackend(
      () => <XmlSection vm={WEB} details={makeDetails("web", "running")} />,
      fake.backend,
    );
    await waitFor(() => expect(fake.backend.preferencesGet).toHaveBeenCalled());
    expect((await view.findByTestId("xml-off")).textContent).toContain("Preferences");
    expect(view.queryByTestId("xml-toggle")).toBeNull();
    expect(fake.backend.vmXml).not.toHaveBeenCalled();
  });

  it("reads the XML on open, defines the edit, and keeps it when refused", async () => {
    const fake = createFakeBackend({ preferences: { xmlEditing: true } });
    fake.backend.vmXml.mockResolvedValue("<domain><name>web</name></domain>");
    const view = renderWithBackend(
      () => <XmlSection vm={WEB} details={makeDetails("web", "running")} />,
      fake.backend,
    );
    expect(fake.backend.vmXml).not.toHaveBeenCalled();
    fireEvent.click(await view.findByTestId("xml-toggle"));
    const input = (await view.findByTestId("xml-input")) as HTMLTextAreaElement;
    await waitFor(() => expect(input.value).toBe("<domain><name>web</name></domain>"));
    const edited = "<domain><name>web2</name></domain>";
    fake.backend.vmDefineXml.mockRejectedValueOnce({
      code: "invalid-input",
      message: "the XML renames the VM (web2); use Rename instead",
    });
    fireEvent.input(input, { target: { value: edited } });
    fireEvent.click(await view.findByTestId("xml-save"));
    expect((await view.findByTestId("xml-error")).textContent).toContain("renames the VM");
    expect(fake.backend.vmDefineXml).toHaveBeenCalledWith({ vm: WEB, xml: edited });
    expect(input.value).toBe(edited);

    const fixed = "<domain><name>web</name><description>x</description></domain>";
    fireEvent.input(input, { target: { value: fixed } });
    fireEvent.click(await view.findByTestId("xml-save"));
    await view.findByTestId("xml-saved");
    expect(fake.backend.vmDefineXml).toHaveBeenLastCalledWith({ vm: WEB, xml: fixed });
    expect(view.queryByTestId("xml-error")).toBeNull();
  });
});
