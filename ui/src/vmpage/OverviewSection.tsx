import { createSignal, Show } from "solid-js";
import { useBackend } from "../backend";
import { toApiError } from "../backend/errors";
import type { VmDetails } from "../bindings/VmDetails";
import type { VmRef } from "../bindings/VmRef";
import { VM_STATE_LABELS } from "../machines/labels";
import { InlineError } from "../wizard/InlineError";
import { AddressesFact } from "./AddressesFact";

/**
 * State, OS, firmware, machine type, addresses and the connection: what the VM is, at a
 * glance; and whether it starts with the host.
 */
export function OverviewSection(props: { vm: VmRef; details: VmDetails; connectionName: string }) {
  const backend = useBackend();
  const hw = () => props.details.hardware;
  const summary = () => props.details.summary;
  const [autostartError, setAutostartError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  const autostartAction = () => (summary().autostart ? "disable-autostart" : "enable-autostart");
  const canToggle = () => summary().allowed.includes(autostartAction());

  async function toggleAutostart() {
    setBusy(true);
    setAutostartError(null);
    try {
      await backend.vmAction({ vm: props.vm, action: autostartAction() });
    } catch (e) {
      setAutostartError(toApiError(e).message);
    } finally {
      setBusy(false);
    }
  }
  return (
    <section class="vm-page-section" aria-labelledby="vm-overview-heading">
      <h2 id="vm-overview-heading">Overview</h2>
      <dl class="vm-page-facts" data-testid="vm-overview">
        <dt>State</dt>
        <dd data-testid="vm-page-state">{VM_STATE_LABELS[summary().state]}</dd>
        <dt>Operating system</dt>
        <dd>{summary().os ?? hw().osId ?? "Not recorded"}</dd>
        <dt>Firmware</dt>
        <dd>{hw().firmware === "uefi" ? "UEFI" : "BIOS"}</dd>
        <dt>Machine</dt>
        <dd>
          {hw().machine ?? "default"}
          <Show when={hw().arch}>{(arch) => ` (${arch()})`}</Show>
        </dd>
        <AddressesFact vm={props.vm} running={summary().state === "running"} />
        <dt>Starts at host boot</dt>
        <dd>
          <label class="vm-autostart">
            <input
              type="checkbox"
              checked={summary().autostart}
              disabled={busy() || !canToggle()}
              onChange={(e) => {
                // The box shows what libvirt says; the event after the change sets it.
                e.currentTarget.checked = summary().autostart;
                void toggleAutostart();
              }}
              data-testid="autostart-toggle"
            />
            {summary().autostart ? "Yes" : "No"}
          </label>
          <Show when={!canToggle() && !summary().persistent}>
            <span class="vm-page-hint"> (a transient VM cannot start with the host)</span>
          </Show>
          <Show when={autostartError()}>
            {(message) => <InlineError testId="autostart-error">{message()}</InlineError>}
          </Show>
        </dd>
        <dt>Connection</dt>
        <dd>{props.connectionName}</dd>
        <dt>Guest agent</dt>
        <dd>
          {hw().guestAgent ? "Channel present (the guest can report its addresses)" : "No channel"}
        </dd>
        <Show when={hw().tpm}>
          {(tpm) => (
            <>
              <dt>TPM</dt>
              <dd>{tpm()}</dd>
            </>
          )}
        </Show>
      </dl>
    </section>
  );
}
