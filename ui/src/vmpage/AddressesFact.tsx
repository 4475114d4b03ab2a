import { createEffect, createSignal, For, on, onCleanup, Show } from "solid-js";
import { useBackend } from "../backend";
import { toApiError } from "../backend/errors";
import type { AddressSource } from "../bindings/AddressSource";
import type { VmAddresses } from "../bindings/VmAddresses";
import type { VmRef } from "../bindings/VmRef";

export const SOURCE_LABELS: Record<AddressSource, string> = {
  agent: "guest agent",
  lease: "DHCP lease",
  arp: "ARP table",
};

/** A booting guest gets its lease a little later: look again, while nothing is found. */
const RETRY_MS = 15_000;

/**
 * The VM's IP addresses and which source answered, as an overview row. Read when the page
 * opens, when the VM starts or stops, on Refresh, and again every 15 s while a running VM
 * has none yet. Not read with the details: an agent can take seconds to answer.
 */
export function AddressesFact(props: { vm: VmRef; running: boolean }) {
  const backend = useBackend();
  const [found, setFound] = createSignal<VmAddresses | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const [reading, setReading] = createSignal(false);
  let retry: ReturnType<typeof setTimeout> | undefined;
  let disposed = false;

  async function read() {
    clearTimeout(retry);
    setReading(true);
    try {
      const next = await backend.vmAddresses(props.vm);
      if (disposed) return;
      setFound(next);
      setError(null);
      if (props.running && next.source === null) retry = setTimeout(read, RETRY_MS);
    } catch (e) {
      if (!disposed) setError(toApiError(e).message);
    } finally {
      if (!disposed) setReading(false);
    }
  }
  createEffect(
    on(
      () => props.running,
      () => void read(),
    ),
  );
  onCleanup(() => {
    disposed = true;
    clearTimeout(retry);
  });

  const tried = () =>
    (found()?.tried ?? []).map((t) => `${SOURCE_LABELS[t.source]}: ${t.outcome}`).join("; ");

  return (
    <>
      <dt>IP addresses</dt>
      <dd class="vm-addresses" data-testid="vm-addresses">
        <Show when={error()}>{(message) => <span class="vm-page-hint">{message()}</span>}</Show>
        <Show
          when={found()?.source}
          fallback={
            <span title={tried() || undefined}>
              {!props.running
                ? "None while the VM is not running"
                : found()
                  ? `None found (${tried()})`
                  : "Looking…"}
            </span>
          }
        >
          {(source) => (
            <>
              <ul>
                <For each={found()?.addresses ?? []}>
                  {(a) => (
                    <li>
                      <span class="vm-address">{`${a.address}/${a.prefix}`}</span>
                      <span class="vm-page-hint">{` ${a.interface}`}</span>
                    </li>
                  )}
                </For>
              </ul>
              <span class="vm-page-hint" data-testid="vm-addresses-source">
                {`from the ${SOURCE_LABELS[source()]}`}
              </span>
            </>
          )}
        </Show>
        <Show when={props.running}>
          <button
            type="button"
            class="button button-small"
            disabled={reading()}
            onClick={() => void read()}
            data-testid="vm-addresses-refresh"
          >
            Refresh
          </button>
        </Show>
      </dd>
    </>
  );
}
