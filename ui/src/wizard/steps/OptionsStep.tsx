import { For, Show } from "solid-js";
import type { NetworkChoice } from "../../bindings/NetworkChoice";
import type { WizardController } from "../controller";
import { isSessionUri, NETWORK_LABELS, tpmAvailable, withFirmware } from "../state";

const NETWORKS: readonly NetworkChoice[] = ["nat", "user", "none"];
/** Step 4: storage pool, firmware and TPM, network. */
export function OptionsStep(props: { wizard: WizardController }) {
  const { state, setState, uriOf, defaults } = props.wizard;
  const uefiRequired = () => state.os?.firmware === "uefi-required";
  const session = () => isSessionUri(uriOf(state.connection));
  return (
    <>
      <label class="field">
        <span class="field-label">Storage pool</span>
        <input
          class="entry"
          type="text"
          data-field="pool"
          value={state.pool}
          onInput={(e) => setState("pool", e.currentTarget.value)}
        />
        <span class="field-hint">For new disks; created if missing.</span>
      </label>
      <fieldset class="choice-list">
        <legend class="field-label">Firmware</legend>
        <label class="check">
          <input
            type="radio"
            name="wizard-firmware"
            data-firmware="bios"
            checked={state.firmware === "bios"}
            disabled={uefiRequired()}
            onChange={() => setState((s) => withFirmware(s, "bios", defaults()))}
          />
          BIOS
        </label>
        <label class="check">
          <input
            type="radio"
            name="wizard-firmware"
            data-firmware="uefi"
            checked={state.firmware === "uefi"}
            onChange={() => setState((s) => withFirmware(s, "uefi", defaults()))}
          />
          UEFI
        </label>
        <Show when={uefiRequired()}>
          <p class="field-hint" data-testid="uefi-note">
            {state.os?.name} requires UEFI.
          </p>
        </Show>
        <label class="check">
          <input
            type="checkbox"
            data-field="tpm"
            checked={state.tpm}
            disabled={!tpmAvailable(state.firmware, defaults())}
            onChange={(e) => setState("tpm", e.currentTarget.checked)}
          />
          TPM 2.0
        </label>
        <Show when={!tpmAvailable(state.firmware, defaults())}>
          <p class="field-hint">
            {defaults()?.swtpm === false
              ? "A TPM needs swtpm, which is not installed on the host."
              : "A TPM needs UEFI firmware."}
          </p>
        </Show>
      </fieldset>
      <fieldset class="choice-list">
        <legend class="field-label">Network</legend>
        <For each={NETWORKS}>
          {(network) => (
            <label class="check">
              <input
                type="radio"
                name="wizard-network"
                data-network={network}
                checked={state.network === network}
                onChange={() => setState("network", network)}
              />
              {NETWORK_LABELS[network]}
              <Show when={network === "user" && session()}>
                <span class="dim"> (usual for session connections)</span>
              </Show>
            </label>
          )}
        </For>
      </fieldset>
      <Show when={state.network === "nat"}>
        <label class="check">
          <input
            type="checkbox"
            data-field="setup-network"
            checked={state.setupNetwork}
            onChange={(e) => setState("setupNetwork", e.currentTarget.checked)}
          />
          Create or start the 'default' network if needed
        </label>
      </Show>
    </>
  );
}
