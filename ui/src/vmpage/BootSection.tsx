import { createSignal, For, Show } from "solid-js";
import { useBackend } from "../backend";
import { toApiError } from "../backend/errors";
import type { VmDetails } from "../bindings/VmDetails";
import type { VmHardware } from "../bindings/VmHardware";
import type { VmRef } from "../bindings/VmRef";
import { InlineError } from "../wizard/InlineError";
import { createDraft } from "./draft";

/** One device the firmware can boot from. */
export interface BootDevice {
  /** A disk target (`vda`) or a NIC's MAC: what the backend's boot order names. */
  key: string;
  label: string;
  enabled: boolean;
}

/**
 * The next boot's devices in boot order: those with an order first (by it), then the rest
 * in the order the VM lists them, not booted from.
 */
export function bootDevices(h: VmHardware): BootDevice[] {
  const all = [
    ...h.disks.map((d) => ({
      key: d.target,
      label: `${d.device === "cdrom" ? "CD-ROM" : "Disk"} ${d.target}`,
      order: d.bootOrder,
    })),
    // A NIC without a MAC (libvirt gives one on define) cannot be named in the order.
    ...h.nics.flatMap((n) =>
      n.mac === null ? [] : [{ key: n.mac, label: `Network ${n.mac}`, order: n.bootOrder }],
    ),
  ];
  const ordered = all
    .filter((d) => d.order !== null)
    .sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
  const rest = all.filter((d) => d.order === null);
  return [
    ...ordered.map(({ key, label }) => ({ key, label, enabled: true })),
    ...rest.map(({ key, label }) => ({ key, label, enabled: false })),
  ];
}

/**
 * The boot order and the firmware's boot menu, as virt-manager's Boot Options: tick the
 * devices to boot from, move them up or down. Applies at the next boot.
 */
export function BootSection(props: { vm: VmRef; details: VmDetails }) {
  const backend = useBackend();
  const next = () => props.details.nextBoot ?? props.details.hardware;
  const stored = () => ({ devices: bootDevices(next()), menu: next().bootMenu });
  const draft = createDraft(stored);
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const devices = () => draft.value().devices;
  const enabledCount = () => devices().filter((d) => d.enabled).length;
  const changed = () => JSON.stringify(draft.value()) !== JSON.stringify(stored());

  function update(devices: BootDevice[], menu = draft.value().menu) {
    draft.set({ devices, menu });
  }
  function move(i: number, by: number) {
    const list = [...devices()];
    const j = i + by;
    if (j < 0 || j >= list.length) return;
    [list[i], list[j]] = [list[j], list[i]];
    update(list);
  }
  function toggle(i: number, enabled: boolean) {
    update(devices().map((d, k) => (k === i ? { ...d, enabled } : d)));
  }

  async function save(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await backend.vmSetBoot({
        vm: props.vm,
        order: devices()
          .filter((d) => d.enabled)
          .map((d) => d.key),
        menu: draft.value().menu,
      });
      draft.reset();
    } catch (e) {
      setError(toApiError(e).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="vm-page-section" aria-labelledby="vm-boot-heading" data-testid="vm-boot">
      <h2 id="vm-boot-heading">Boot order</h2>
      <form class="vm-boot" onSubmit={save}>
        <ol class="vm-boot-list">
          <For each={devices()}>
            {(d, i) => (
              <li class="vm-boot-item" data-testid={`boot-${d.key}`}>
                <label>
                  <input
                    type="checkbox"
                    checked={d.enabled}
                    onChange={(e) => toggle(i(), e.currentTarget.checked)}
                    data-testid={`boot-enable-${d.key}`}
                  />
                  {d.label}
                </label>
                <span class="vm-boot-moves">
                  <button
                    class="button"
                    type="button"
                    disabled={i() === 0}
                    aria-label={`Move ${d.label} up`}
                    onClick={() => move(i(), -1)}
                    data-testid={`boot-up-${d.key}`}
                  >
                    ↑
                  </button>
                  <button
                    class="button"
                    type="button"
                    disabled={i() === devices().length - 1}
                    aria-label={`Move ${d.label} down`}
                    onClick={() => move(i(), 1)}
                    data-testid={`boot-down-${d.key}`}
                  >
                    ↓
                  </button>
                </span>
              </li>
            )}
          </For>
        </ol>
        <label class="vm-boot-menu">
          <input
            type="checkbox"
            checked={draft.value().menu}
            onChange={(e) => update(devices(), e.currentTarget.checked)}
            data-testid="boot-menu"
          />
          Show the firmware's boot menu
        </label>
        <p class="vm-page-hint">
          Applies at the next boot. The firmware tries the ticked devices from the top.
        </p>
        <Show when={stored().devices.every((d) => !d.enabled) && !draft.edited()}>
          <p class="vm-page-hint" data-testid="boot-firmware-order">
            No device has a boot order: the VM boots in its firmware's order. Ticking devices
            replaces it.
          </p>
        </Show>
        <Show when={draft.edited() && enabledCount() === 0}>
          <InlineError testId="boot-none">Tick at least one device to boot from.</InlineError>
        </Show>
        <div class="vm-page-buttons">
          <button
            class="button"
            type="button"
            disabled={busy() || !changed()}
            onClick={() => draft.reset()}
          >
            Revert
          </button>
          <button
            class="button"
            type="submit"
            disabled={busy() || !changed() || enabledCount() === 0}
            data-testid="boot-save"
          >
            Save boot order
          </button>
        </div>
        <Show when={error()}>
          {(message) => <InlineError testId="boot-error">{message()}</InlineError>}
        </Show>
      </form>
    </section>
  );
}
