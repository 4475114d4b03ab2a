import { createSignal, Show } from "solid-js";
import { useBackend } from "../backend";
import { toApiError } from "../backend/errors";
import type { FirmwareKind } from "../bindings/FirmwareKind";
import type { VmDetails } from "../bindings/VmDetails";
import type { VmRef } from "../bindings/VmRef";
import { InlineError } from "../wizard/InlineError";

/** What each change means for the guest, said before it is saved. */
const CONSEQUENCES = {
  toUefi:
    "The installed system needs a UEFI boot loader: one installed under BIOS usually has none " +
    "and will not start. libvirt picks the UEFI firmware and creates the VM's NVRAM (its boot " +
    "entries and Secure Boot keys) at the next start.",
  toBios:
    "A system installed for UEFI does not start under BIOS. The VM's NVRAM file stays on the " +
    "host, so going back to UEFI finds its boot entries again.",
  tpmOff:
    "Keys the guest sealed in its TPM (BitLocker, measured boot) go with it; Windows 11 " +
    "needs a TPM to start its updates.",
  tpmOn: "A TPM 2.0 emulated by swtpm on the host; its state is kept with the VM.",
  vncOff: "Without a display the VM has no graphical console here, only its serial console.",
  vncOn: "Reached through libvirt only: no network port is opened.",
};

/**
 * What a shut-off VM boots with: firmware (BIOS/UEFI), a TPM, a VNC display. A running QEMU
 * keeps its own, so these wait for the VM to be shut down (the state table's
 * `change-platform`); each change says what it means before it is saved.
 */
export function PlatformSection(props: { vm: VmRef; details: VmDetails }) {
  const backend = useBackend();
  const hardware = () => props.details.nextBoot ?? props.details.hardware;
  const hasTpm = () => hardware().tpm !== null;
  const hasVnc = () => hardware().graphics.some((g) => g.kind === "vnc");
  const [firmware, setFirmware] = createSignal<FirmwareKind | null>(null);
  const [tpm, setTpm] = createSignal<boolean | null>(null);
  const [vnc, setVnc] = createSignal<boolean | null>(null);
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const allowed = () => props.details.summary.allowed.includes("change-platform");

  // A draft value equal to what the VM has is no change.
  const chosenFirmware = () => firmware() ?? hardware().firmware;
  const chosenTpm = () => tpm() ?? hasTpm();
  const chosenVnc = () => vnc() ?? hasVnc();
  const changes = () => ({
    firmware: chosenFirmware() !== hardware().firmware,
    tpm: chosenTpm() !== hasTpm(),
    vnc: chosenVnc() !== hasVnc(),
  });
  const changed = () => Object.values(changes()).some(Boolean);

  async function save(event: Event) {
    event.preventDefault();
    const c = changes();
    setBusy(true);
    setError(null);
    try {
      if (c.firmware) await backend.vmSetFirmware({ vm: props.vm, firmware: chosenFirmware() });
      if (c.tpm) await backend.vmSetTpm({ vm: props.vm, on: chosenTpm() });
      if (c.vnc) await backend.vmSetVnc({ vm: props.vm, on: chosenVnc() });
      setFirmware(null);
      setTpm(null);
      setVnc(null);
    } catch (e) {
      setError(toApiError(e).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="vm-page-section" aria-labelledby="vm-platform-heading">
      <h2 id="vm-platform-heading">Firmware, TPM and display</h2>
      <form class="vm-platform" onSubmit={save} data-testid="vm-platform">
        <fieldset class="apply-choice" disabled={!allowed()}>
          <legend>Firmware</legend>
          <label>
            <input
              type="radio"
              name="vm-firmware"
              checked={chosenFirmware() === "bios"}
              onChange={() => setFirmware("bios")}
              data-testid="firmware-bios"
            />
            BIOS
          </label>
          <label>
            <input
              type="radio"
              name="vm-firmware"
              checked={chosenFirmware() === "uefi"}
              onChange={() => setFirmware("uefi")}
              data-testid="firmware-uefi"
            />
            UEFI
          </label>
        </fieldset>
        <Show when={changes().firmware}>
          <p class="field-warning" data-testid="firmware-consequence">
            {chosenFirmware() === "uefi" ? CONSEQUENCES.toUefi : CONSEQUENCES.toBios}
          </p>
        </Show>
        <label>
          <input
            type="checkbox"
            checked={chosenTpm()}
            disabled={!allowed()}
            onChange={(e) => setTpm(e.currentTarget.checked)}
            data-testid="tpm-toggle"
          />
          TPM 2.0
        </label>
        <Show when={changes().tpm}>
          <p class={chosenTpm() ? "vm-page-hint" : "field-warning"} data-testid="tpm-consequence">
            {chosenTpm() ? CONSEQUENCES.tpmOn : CONSEQUENCES.tpmOff}
          </p>
        </Show>
        <label>
          <input
            type="checkbox"
            checked={chosenVnc()}
            disabled={!allowed()}
            onChange={(e) => setVnc(e.currentTarget.checked)}
            data-testid="vnc-toggle"
          />
          VNC display (the graphical console)
        </label>
        <Show when={changes().vnc}>
          <p class={chosenVnc() ? "vm-page-hint" : "field-warning"} data-testid="vnc-consequence">
            {chosenVnc() ? CONSEQUENCES.vncOn : CONSEQUENCES.vncOff}
          </p>
        </Show>
        <Show when={!allowed()}>
          <p class="vm-page-hint" data-testid="platform-locked">
            Shut the VM down to change these: a running VM keeps what it started with.
          </p>
        </Show>
        <Show when={error()}>
          {(message) => <InlineError testId="platform-error">{message()}</InlineError>}
        </Show>
        <div class="vm-page-buttons">
          <button
            class="button"
            type="submit"
            disabled={busy() || !allowed() || !changed()}
            data-testid="platform-save"
          >
            Save
          </button>
        </div>
      </form>
    </section>
  );
}
