import { createSignal, Index, Show } from "solid-js";
import { useBackend } from "../backend";
import { toApiError } from "../backend/errors";
import type { DiskInfo } from "../bindings/DiskInfo";
import type { VmDetails } from "../bindings/VmDetails";
import type { VmRef } from "../bindings/VmRef";
import { InlineError } from "../wizard/InlineError";
import { applyChoices } from "./pending";

/**
 * Each CD-ROM drive with its medium: eject it, or insert an ISO by path (judged by the
 * backend as the wizard judges one). A running VM changes now and at every boot; a stopped
 * one at its next boot.
 */
export function CdromSection(props: { vm: VmRef; details: VmDetails }) {
  const drives = () => props.details.hardware.disks.filter((d) => d.device === "cdrom");
  return (
    <section class="vm-page-section" aria-labelledby="vm-cdrom-heading">
      <h2 id="vm-cdrom-heading">CD-ROM</h2>
      <Show when={drives().length > 0} fallback={<p>This VM has no CD-ROM drive.</p>}>
        <ul class="vm-cdroms">
          {/* Index, not For: each reading of the VM is new objects, and a row must keep
              what the user is typing into it. */}
          <Index each={drives()}>
            {(drive) => <CdromDrive vm={props.vm} details={props.details} drive={drive()} />}
          </Index>
        </ul>
      </Show>
    </section>
  );
}

function CdromDrive(props: { vm: VmRef; details: VmDetails; drive: DiskInfo }) {
  const backend = useBackend();
  const [path, setPath] = createSignal("");
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const apply = () =>
    applyChoices(props.details.summary.allowed, props.details.summary.persistent)[0];

  async function change(iso: string | null) {
    const when = apply();
    if (!when) return;
    setBusy(true);
    setError(null);
    try {
      await backend.vmSetCdrom({ vm: props.vm, target: props.drive.target, iso, apply: when });
      setPath("");
    } catch (e) {
      setError(toApiError(e).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <li class="vm-cdrom" data-testid={`cdrom-${props.drive.target}`}>
      <div class="vm-cdrom-medium">
        <strong>{props.drive.target}</strong>
        <span class="vm-cdrom-bus">{props.drive.bus ?? ""}</span>
        <span class="vm-cdrom-source" title={props.drive.source ?? undefined}>
          {props.drive.source ?? "Empty"}
        </span>
        <Show when={props.drive.source}>
          <button
            class="button"
            type="button"
            disabled={busy() || !apply()}
            onClick={() => void change(null)}
            data-testid={`eject-${props.drive.target}`}
          >
            Eject
          </button>
        </Show>
      </div>
      <form
        class="vm-cdrom-insert"
        onSubmit={(e) => {
          e.preventDefault();
          void change(path().trim());
        }}
      >
        <label>
          <span>ISO image</span>
          <input
            type="text"
            placeholder="/path/to/installer.iso"
            value={path()}
            onInput={(e) => setPath(e.currentTarget.value)}
            data-testid={`iso-path-${props.drive.target}`}
          />
        </label>
        <button
          class="button"
          type="submit"
          disabled={busy() || !apply() || path().trim() === ""}
          data-testid={`insert-${props.drive.target}`}
        >
          {props.drive.source ? "Change" : "Insert"}
        </button>
      </form>
      <Show when={error()}>
        {(message) => (
          <InlineError testId={`cdrom-error-${props.drive.target}`}>{message()}</InlineError>
        )}
      </Show>
    </li>
  );
}
