import { createEffect, createSignal, For, type JSX, Show } from "solid-js";
import { useBackend } from "../backend";
import { toApiError } from "../backend/errors";
import type { Apply } from "../bindings/Apply";
import type { ResourcePatch } from "../bindings/ResourcePatch";
import type { VmDetails } from "../bindings/VmDetails";
import type { VmRef } from "../bindings/VmRef";
import { InlineError } from "../wizard/InlineError";
import { createDraft } from "./draft";
import { APPLY_LABELS, applyChoices, isPending } from "./pending";

/**
 * Memory and vCPUs, now and at the next boot. The fields start from the next boot's values
 * when a change is pending (that is what Apply would build on); a pending value is marked.
 * The error sits under Apply: scrolled into view, it brings the button with it.
 */
export function ResourcesSection(props: { vm: VmRef; details: VmDetails }) {
  const backend = useBackend();
  const hw = () => props.details.hardware;
  const next = () => props.details.nextBoot ?? props.details.hardware;
  const choices = () =>
    applyChoices(props.details.summary.allowed, props.details.summary.persistent);
  const form = createDraft(() => {
    const n = next();
    return {
      memoryMib: n.memoryMib,
      maxMemoryMib: n.maxMemoryMib,
      vcpus: n.vcpus,
      maxVcpus: n.maxVcpus,
    };
  });
  const field = (key: keyof ReturnType<typeof form.value>) => (value: number) =>
    form.set({ ...form.value(), [key]: value });
  const [apply, setApply] = createSignal<Apply>("next-boot");
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);

  createEffect(() => {
    const offered = choices();
    if (!offered.includes(apply())) setApply(offered[0] ?? "next-boot");
  });

  const patch = (): ResourcePatch => {
    // Only what differs from the base the change applies to.
    const base = apply() === "now" ? hw() : next();
    const differs = <T,>(value: T, was: T) => (value === was ? null : value);
    const f = form.value();
    return {
      memoryMib: differs(f.memoryMib, base.memoryMib),
      maxMemoryMib: differs(f.maxMemoryMib, base.maxMemoryMib),
      vcpus: differs(f.vcpus, base.vcpus),
      maxVcpus: differs(f.maxVcpus, base.maxVcpus),
    };
  };
  const changed = () => Object.values(patch()).some((v) => v !== null);
  const liveOnly = () => apply() === "now";

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await backend.vmSetResources({ vm: props.vm, patch: patch(), apply: apply() });
      form.reset();
    } catch (e) {
      setError(toApiError(e).message);
    } finally {
      setBusy(false);
    }
  }

  const pendingMark = (field: string, text: () => string) => (
    <Show when={isPending(props.details, field)}>
      <span class="pending-mark" data-testid={`pending-${field}`}>
        {`now ${text()}; applies at next boot`}
      </span>
    </Show>
  );

  // noValidate: the backend judges the figures (host limits, balloon, maxima) and says why
  // at the field; the browser's own check would block the submit without a word in WebKit.
  return (
    <section class="vm-page-section" aria-labelledby="vm-resources-heading">
      <h2 id="vm-resources-heading">Memory and vCPUs</h2>
      <form class="vm-resources" onSubmit={submit} data-testid="vm-resources" noValidate>
        <ResourceField
          label="Memory (MiB)"
          testId="memory-input"
          value={form.value().memoryMib}
          onValue={field("memoryMib")}
          pending={pendingMark("memory", () => `${hw().memoryMib} MiB`)}
        />
        <ResourceField
          label="Maximum memory (MiB)"
          testId="max-memory-input"
          value={form.value().maxMemoryMib}
          disabled={liveOnly()}
          onValue={field("maxMemoryMib")}
          pending={pendingMark("maxMemory", () => `${hw().maxMemoryMib} MiB`)}
        />
        <ResourceField
          label="vCPUs"
          testId="vcpus-input"
          value={form.value().vcpus}
          onValue={field("vcpus")}
          pending={pendingMark("vcpus", () => `${hw().vcpus}`)}
        />
        <ResourceField
          label="Maximum vCPUs"
          testId="max-vcpus-input"
          value={form.value().maxVcpus}
          disabled={liveOnly()}
          onValue={field("maxVcpus")}
          pending={pendingMark("maxVcpus", () => `${hw().maxVcpus}`)}
        />
        <p class="vm-page-hint">
          {`The host has ${props.details.hostMemoryMib} MiB and ${props.details.hostCpus} CPUs.`}
          <Show when={!hw().balloon}>
            {" "}
            Without a memory balloon, memory changes at the next boot.
          </Show>
        </p>
        <fieldset class="apply-choice">
          <legend>Applies</legend>
          <For each={choices()}>
            {(choice) => (
              <label>
                <input
                  type="radio"
                  name="resources-apply"
                  value={choice}
                  checked={apply() === choice}
                  onChange={() => setApply(choice)}
                />
                {APPLY_LABELS[choice]}
              </label>
            )}
          </For>
          <Show when={choices().length === 0}>
            <p>Settings cannot change in this state.</p>
          </Show>
        </fieldset>
        <div class="vm-page-buttons">
          <button
            type="submit"
            class="button button-suggested"
            disabled={busy() || !changed() || choices().length === 0}
            data-testid="resources-apply"
          >
            Apply
          </button>
        </div>
        <Show when={error()}>
          {(message) => <InlineError testId="resources-error">{message()}</InlineError>}
        </Show>
      </form>
    </section>
  );
}

/** One figure of the form, with its pending mark under it. */
function ResourceField(props: {
  label: string;
  testId: string;
  value: number;
  disabled?: boolean;
  onValue: (value: number) => void;
  pending: JSX.Element;
}) {
  return (
    <label>
      <span>{props.label}</span>
      <input
        type="number"
        value={props.value}
        disabled={props.disabled ?? false}
        onInput={(e) => props.onValue(e.currentTarget.valueAsNumber)}
        data-testid={props.testId}
      />
      {props.pending}
    </label>
  );
}
