import { createEffect, createMemo, createSignal, For, Index, on, Show } from "solid-js";
import { useBackend } from "../backend";
import { toApiError } from "../backend/errors";
import type { Apply } from "../bindings/Apply";
import type { NicInfo } from "../bindings/NicInfo";
import type { NicModel } from "../bindings/NicModel";
import type { NicSource } from "../bindings/NicSource";
import type { VmDetails } from "../bindings/VmDetails";
import type { VmRef } from "../bindings/VmRef";
import { InlineError } from "../wizard/InlineError";
import { APPLY_LABELS, applyChoices } from "./pending";

const MODELS: { value: NicModel; label: string }[] = [
  { value: "virtio", label: "virtio (fastest; Linux, Windows with drivers)" },
  { value: "e1000e", label: "e1000e (any guest)" },
  { value: "e1000", label: "e1000 (older guests)" },
  { value: "rtl8139", label: "rtl8139 (very old guests)" },
];

type SourceKind = NicSource["kind"];

/**
 * The VM's network interfaces: each with its source, model and cable (plugged in or
 * pulled out, live), removable; and a form to add one. A running VM changes now and at
 * every boot unless the user chooses otherwise; a stopped one at its next boot.
 */
export function NicsSection(props: { vm: VmRef; details: VmDetails }) {
  const backend = useBackend();
  const choices = () =>
    applyChoices(props.details.summary.allowed, props.details.summary.persistent);
  const when = (): Apply | undefined => choices()[0];
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);

  async function run(step: () => Promise<unknown>) {
    setBusy(true);
    setError(null);
    try {
      await step();
      return true;
    } catch (e) {
      setError(toApiError(e).message);
      return false;
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="vm-page-section" aria-labelledby="vm-nics-heading">
      <h2 id="vm-nics-heading">Network interfaces</h2>
      <Show
        when={props.details.hardware.nics.length > 0}
        fallback={<p>This VM has no network interface.</p>}
      >
        <ul class="vm-nics">
          <Index each={props.details.hardware.nics}>
            {(nic) => (
              <NicRow
                nic={nic()}
                busy={busy() || !when()}
                onLink={(up) =>
                  void run(() =>
                    backend.vmSetNicLink({
                      vm: props.vm,
                      mac: nic().mac ?? "",
                      up,
                      apply: when() ?? "next-boot",
                    }),
                  )
                }
                onRemove={() =>
                  void run(() =>
                    backend.vmRemoveNic({
                      vm: props.vm,
                      mac: nic().mac ?? "",
                      apply: when() ?? "next-boot",
                    }),
                  )
                }
              />
            )}
          </Index>
        </ul>
      </Show>
      <Show when={error()}>
        {(message) => <InlineError testId="nic-error">{message()}</InlineError>}
      </Show>
      <AddNicForm
        choices={choices()}
        busy={busy()}
        onAdd={(source, model, mac, apply) =>
          run(() => backend.vmAddNic({ vm: props.vm, nic: { source, model, mac }, apply }))
        }
      />
    </section>
  );
}

function NicRow(props: {
  nic: NicInfo;
  busy: boolean;
  onLink: (up: boolean) => void;
  onRemove: () => void;
}) {
  const [confirming, setConfirming] = createSignal(false);
  // Rows follow positions: a row that now shows another NIC asks again before removing.
  const mac = createMemo(() => props.nic.mac);
  createEffect(on(mac, () => setConfirming(false), { defer: true }));
  const where = () =>
    props.nic.kind === "user"
      ? "user-mode networking"
      : `${props.nic.kind} ${props.nic.source ?? "?"}`;
  return (
    <li class="vm-nic" data-testid={`nic-${props.nic.mac}`}>
      <span class="vm-address">{props.nic.mac ?? "no address"}</span>
      <span>{where()}</span>
      <span class="vm-page-hint">{props.nic.model ?? "default model"}</span>
      <label class="vm-nic-link">
        <input
          type="checkbox"
          checked={props.nic.linkUp}
          disabled={props.busy || !props.nic.mac}
          onChange={(e) => {
            const up = e.currentTarget.checked;
            // The box shows what libvirt says; the event after the change sets it.
            e.currentTarget.checked = props.nic.linkUp;
            props.onLink(up);
          }}
          data-testid={`nic-link-${props.nic.mac}`}
        />
        Cable connected
      </label>
      <Show
        when={confirming()}
        fallback={
          <button
            type="button"
            class="button button-small"
            disabled={props.busy || !props.nic.mac}
            onClick={() => setConfirming(true)}
            data-testid={`nic-remove-${props.nic.mac}`}
          >
            Remove
          </button>
        }
      >
        <button
          type="button"
          class="button button-small button-destructive"
          onClick={() => {
            setConfirming(false);
            props.onRemove();
          }}
          data-testid={`nic-remove-confirm-${props.nic.mac}`}
        >
          Remove it
        </button>
        <button type="button" class="button button-small" onClick={() => setConfirming(false)}>
          Keep
        </button>
      </Show>
    </li>
  );
}

function AddNicForm(props: {
  choices: Apply[];
  busy: boolean;
  onAdd: (source: NicSource, model: NicModel, mac: string | null, apply: Apply) => Promise<boolean>;
}) {
  const [kind, setKind] = createSignal<SourceKind>("network");
  const [name, setName] = createSignal("default");
  const [model, setModel] = createSignal<NicModel>("virtio");
  const [mac, setMac] = createSignal("");
  const [apply, setApply] = createSignal<Apply | null>(null);
  const chosenApply = () =>
    apply() && props.choices.includes(apply() as Apply) ? (apply() as Apply) : props.choices[0];
  const source = (): NicSource =>
    kind() === "user"
      ? { kind: "user" }
      : { kind: kind() as "network" | "bridge", name: name().trim() };

  return (
    <form
      class="vm-nic-add"
      data-testid="nic-add"
      onSubmit={(e) => {
        e.preventDefault();
        const when = chosenApply();
        if (!when) return;
        void props
          .onAdd(source(), model(), mac().trim() === "" ? null : mac().trim(), when)
          .then((ok) => ok && setMac(""));
      }}
    >
      <h3>Add an interface</h3>
      <label>
        <span>Connect to</span>
        <select
          value={kind()}
          onChange={(e) => {
            const next = e.currentTarget.value as SourceKind;
            setKind(next);
            setName(next === "network" ? "default" : next === "bridge" ? "br0" : "");
          }}
          data-testid="nic-kind"
        >
          <option value="network">A libvirt network</option>
          <option value="bridge">A host bridge</option>
          <option value="user">User-mode networking</option>
        </select>
      </label>
      <Show when={kind() !== "user"}>
        <label>
          <span>{kind() === "network" ? "Network" : "Bridge"}</span>
          <input
            type="text"
            maxLength={64}
            value={name()}
            onInput={(e) => setName(e.currentTarget.value)}
            data-testid="nic-source-name"
          />
        </label>
      </Show>
      <label>
        <span>Model</span>
        <select
          value={model()}
          onChange={(e) => setModel(e.currentTarget.value as NicModel)}
          data-testid="nic-model"
        >
          <For each={MODELS}>{(m) => <option value={m.value}>{m.label}</option>}</For>
        </select>
      </label>
      <label>
        <span>MAC address (empty: a new one)</span>
        <input
          type="text"
          maxLength={32}
          placeholder="52:54:00:…"
          value={mac()}
          onInput={(e) => setMac(e.currentTarget.value)}
          data-testid="nic-mac"
        />
      </label>
      <Show when={props.choices.length > 1}>
        <fieldset class="apply-choice">
          <legend>Applies</legend>
          <For each={props.choices}>
            {(choice) => (
              <label>
                <input
                  type="radio"
                  name="nic-apply"
                  value={choice}
                  checked={chosenApply() === choice}
                  onChange={() => setApply(choice)}
                />
                {APPLY_LABELS[choice]}
              </label>
            )}
          </For>
        </fieldset>
      </Show>
      <div class="vm-page-buttons">
        <button
          type="submit"
          class="button"
          disabled={props.busy || !chosenApply() || (kind() !== "user" && name().trim() === "")}
          data-testid="nic-add-submit"
        >
          Add interface
        </button>
      </div>
    </form>
  );
}
