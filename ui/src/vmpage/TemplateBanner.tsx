import { createEffect, createSignal, on, Show } from "solid-js";
import { useBackend } from "../backend";
import type { VmDetails } from "../bindings/VmDetails";
import type { VmRef } from "../bindings/VmRef";

/**
 * "A template": other VMs are linked clones built on this VM's disks, so it does not start
 * (starting it would change what they read). Read when the page opens and when the VM's state
 * changes; nothing shows when it has none, or when they cannot be read.
 */
export function TemplateBanner(props: { vm: VmRef; details: VmDetails }) {
  const backend = useBackend();
  const [clones, setClones] = createSignal<string[]>([]);
  createEffect(
    on(
      () => props.details.summary.state,
      () => {
        backend.vmLinkedClones(props.vm).then(setClones, () => setClones([]));
      },
    ),
  );
  return (
    <Show when={clones().length > 0}>
      <div class="banner banner-info" role="status" data-testid="vm-page-template">
        {`A template for its linked clones (${clones().join(", ")}): it cannot start while they exist, since that would change the disks they are built on.`}
      </div>
    </Show>
  );
}
