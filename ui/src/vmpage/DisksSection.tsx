import { createSignal, Index, Show } from "solid-js";
import { useBackend } from "../backend";
import { toApiError } from "../backend/errors";
import type { Apply } from "../bindings/Apply";
import type { DiskInfo } from "../bindings/DiskInfo";
import type { VmDetails } from "../bindings/VmDetails";
import type { VmRef } from "../bindings/VmRef";
import { InlineError } from "../wizard/InlineError";
import { AddDiskForm } from "./AddDiskForm";
import { DiskRemoval } from "./DiskRemoval";
import { applyChoices } from "./pending";

/**
 * The VM's disks with bus, format, cache and image; a disk can grow (never shrink), running
 * or stopped, be removed (its file kept unless the user asks), and new ones added. CD-ROM
 * drives have their own section.
 */
export function DisksSection(props: { vm: VmRef; details: VmDetails }) {
  const disks = () => props.details.hardware.disks.filter((d) => d.device !== "cdrom");
  const choices = () =>
    applyChoices(props.details.summary.allowed, props.details.summary.persistent);
  return (
    <section class="vm-page-section" aria-labelledby="vm-disks-heading">
      <h2 id="vm-disks-heading">Disks</h2>
      <Show when={disks().length > 0} fallback={<p>This VM has no disk.</p>}>
        <ul class="vm-disks">
          <Index each={disks()}>
            {(disk) => (
              <DiskRow
                vm={props.vm}
                disk={disk()}
                apply={removalApply(props.details, disk())}
                running={choices().includes("now")}
              />
            )}
          </Index>
        </ul>
        <p class="vm-page-hint">
          Growing a disk does not grow the partition or filesystem on it: do that inside the guest
          (growpart and resize2fs, or Disk Management).
        </p>
      </Show>
      <AddDiskForm vm={props.vm} choices={choices()} />
    </section>
  );
}

/**
 * When removing `disk` can apply: a running VM's virtio disk now and at every boot, unless
 * it is already gone from the next boot (then now only) or was plugged in for now only;
 * a disk on a bus without hot-unplug (SATA, IDE) only at the next boot. None: not at all.
 */
export function removalApply(details: VmDetails, disk: DiskInfo): Apply | undefined {
  const choices = applyChoices(details.summary.allowed, details.summary.persistent);
  if (!choices.includes("now")) return choices[0];
  const next = details.nextBoot ?? details.hardware;
  const inNextBoot = next.disks.some((d) => d.target === disk.target);
  const hotUnplug = disk.bus === "virtio" || disk.bus === "scsi";
  if (!hotUnplug) return inNextBoot && choices.includes("next-boot") ? "next-boot" : undefined;
  if (!inNextBoot) return "now";
  return choices[0];
}

function DiskRow(props: { vm: VmRef; disk: DiskInfo; apply: Apply | undefined; running: boolean }) {
  const backend = useBackend();
  const [gib, setGib] = createSignal("");
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const [grown, setGrown] = createSignal<string | null>(null);
  const bytes = () => {
    const n = Number(gib());
    return Number.isFinite(n) && n > 0 ? Math.round(n * 2 ** 30) : null;
  };

  async function grow(event: Event) {
    event.preventDefault();
    const size = bytes();
    if (size === null) {
      setError("the new size is a number of GiB, larger than the disk has");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const had = await backend.vmGrowDisk({
        vm: props.vm,
        target: props.disk.target,
        bytes: size,
      });
      setGrown(`${(had / 2 ** 30).toFixed(1)} GiB → ${gib()} GiB`);
      setGib("");
    } catch (e) {
      setError(toApiError(e).message);
    } finally {
      setBusy(false);
    }
  }

  const facts = () =>
    [props.disk.bus, props.disk.format, props.disk.cache ? `cache ${props.disk.cache}` : null]
      .filter(Boolean)
      .join(" · ");
  return (
    <li class="vm-disk" data-testid={`disk-${props.disk.target}`}>
      <div class="vm-disk-facts">
        <strong>{props.disk.target}</strong>
        <span class="vm-page-hint">{facts()}</span>
        <span class="vm-disk-source" title={props.disk.source ?? undefined}>
          {props.disk.source ?? "no image"}
        </span>
      </div>
      <Show when={props.disk.device === "disk" && !props.disk.readonly}>
        <form class="vm-disk-grow" onSubmit={grow} noValidate>
          <label>
            <span>Grow to (GiB)</span>
            <input
              type="number"
              min="1"
              step="any"
              value={gib()}
              onInput={(e) => setGib(e.currentTarget.value)}
              data-testid={`grow-${props.disk.target}`}
            />
          </label>
          <button
            class="button"
            type="submit"
            disabled={busy() || gib() === ""}
            data-testid={`grow-submit-${props.disk.target}`}
          >
            Grow
          </button>
        </form>
      </Show>
      <Show when={props.disk.device === "disk"}>
        <DiskRemoval
          vm={props.vm}
          disk={props.disk}
          apply={props.apply}
          running={props.running}
          onError={setError}
        />
      </Show>
      <Show when={grown()}>
        {(text) => (
          <p class="vm-page-hint" data-testid={`grown-${props.disk.target}`}>
            {text()}
          </p>
        )}
      </Show>
      <Show when={error()}>
        {(message) => (
          <InlineError testId={`disk-error-${props.disk.target}`}>{message()}</InlineError>
        )}
      </Show>
    </li>
  );
}
