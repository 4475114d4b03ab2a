import { Show } from "solid-js";
import type { VmDetails } from "../bindings/VmDetails";
import { VM_STATE_LABELS } from "../machines/labels";

/** State, OS, firmware, machine type and the connection: what the VM is, at a glance. */
export function OverviewSection(props: { details: VmDetails; connectionName: string }) {
  const hw = () => props.details.hardware;
  const summary = () => props.details.summary;
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
        <dt>Starts at host boot</dt>
        <dd>{summary().autostart ? "Yes" : "No"}</dd>
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
