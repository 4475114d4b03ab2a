import { Show } from "solid-js";
import { StatusIcon } from "../../shared/icons";
import type { WizardController } from "../controller";
import { NumberField } from "../NumberField";
import { needsDisk, type ResourceErrors } from "../state";

const SLOW_FALLBACK =
  "VMs will run under QEMU emulation, without hardware virtualization: much slower.";
/** Step 3: memory, CPUs and (for a new disk) its size, against what the host has. */
export function ResourcesStep(props: { wizard: WizardController }) {
  const { state, setState, attempted, defaults, resourceErrors, warnings } = props.wizard;
  const errorOf = (field: keyof ResourceErrors) =>
    attempted("resources") ? resourceErrors()[field] : undefined;
  return (
    <>
      <Show when={defaults()?.domainType === "qemu"}>
        <div class="banner banner-warning" data-testid="slow-notice">
          <StatusIcon status="warning" />
          <p class="banner-body">{defaults()?.slowNotice ?? SLOW_FALLBACK}</p>
        </div>
      </Show>
      <NumberField
        label="Memory (MiB)"
        field="memory"
        value={state.memory}
        onInput={(v) => setState("memory", v)}
        hint={`The host has ${defaults()?.hostMemoryMib ?? "?"} MiB in total.`}
        warning={warnings().memory}
        error={errorOf("memory")}
      />
      <NumberField
        label="Virtual CPUs"
        field="vcpus"
        value={state.vcpus}
        onInput={(v) => setState("vcpus", v)}
        hint={`The host has ${defaults()?.hostCpus ?? "?"} CPUs.`}
        warning={warnings().vcpus}
        error={errorOf("vcpus")}
      />
      <Show when={needsDisk(state.sourceKind)}>
        <NumberField
          label="Disk size (GiB)"
          field="disk"
          value={state.disk}
          onInput={(v) => setState("disk", v)}
          hint="A new disk, allocated as the guest writes to it."
          error={errorOf("disk")}
        />
      </Show>
    </>
  );
}
