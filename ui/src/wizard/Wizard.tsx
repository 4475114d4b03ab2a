import { createEffect, createSignal, For, type JSX, on, onCleanup, onMount, Show } from "solid-js";
import { createStore } from "solid-js/store";
import { toApiError, type Unsubscribe, type WizardApi } from "../api";
import type { ApiError } from "../bindings/ApiError";
import type { ConnectionInfo } from "../bindings/ConnectionInfo";
import type { Created } from "../bindings/Created";
import type { ImportMode } from "../bindings/ImportMode";
import type { NetworkChoice } from "../bindings/NetworkChoice";
import type { OsChoice } from "../bindings/OsChoice";
import type { Progress } from "../bindings/Progress";
import type { SourceInfo } from "../bindings/SourceInfo";
import type { WizardDefaults } from "../bindings/WizardDefaults";
import { formatBytes } from "../shared/format";
import { StatusIcon } from "../shared/icons";
import { Modal } from "../shared/Modal";
import {
  applyDefaults,
  buildCreateRequest,
  defaultNetwork,
  initialState,
  isSessionUri,
  MODE_LABELS,
  NETWORK_LABELS,
  needsDisk,
  pinGeneric,
  type ResourceErrors,
  resourceWarnings,
  SOURCE_LABELS,
  type SourceKind,
  STEPS,
  type StepId,
  tpmAvailable,
  unacknowledged,
  validateName,
  validatePath,
  validateResources,
  type WizardState,
  withFirmware,
} from "./state";

export interface WizardProps {
  api: WizardApi;
  /** Connected connections only; the first is preselected. */
  connections: readonly ConnectionInfo[];
  onClose: () => void;
  /** After a successful create, before the wizard closes. */
  onCreated: (created: Created, connection: string) => void;
  /** The OS search debounce; tests set 0. */
  searchDelayMs?: number;
}

const SOURCE_KINDS: readonly SourceKind[] = ["import", "iso", "empty"];
const MODES: readonly ImportMode[] = ["overlay", "copy", "in-place"];
const NETWORKS: readonly NetworkChoice[] = ["nat", "user", "none"];
const SOURCE_HINTS: Record<SourceKind, string> = {
  import: "A qcow2 or raw disk with an installed system (a cloud image, a VM from elsewhere).",
  iso: "Boot an installer; a new empty disk is created for the system.",
  empty: "A new empty disk and no install media: set it up later.",
};
const SLOW_FALLBACK =
  "VMs will run under QEMU emulation, without hardware virtualization: much slower.";

/** The create-VM wizard: source, OS, resources, options, name & review, then create. */
export function Wizard(props: WizardProps) {
  const api = props.api;
  const first = props.connections[0];
  const [state, setState] = createStore<WizardState>(
    initialState(first?.id ?? "", first?.uri ?? ""),
  );
  const [step, setStep] = createSignal<StepId>("source");
  const [busy, setBusy] = createSignal(false);
  const [tried, setTried] = createSignal<Partial<Record<StepId, boolean>>>({});
  const attempted = (id: StepId) => tried()[id] === true;

  const uriOf = (id: string) => props.connections.find((c) => c.id === id)?.uri ?? "";

  // ------------------------------------------------------------------ step 1: source
  const [sourceInfo, setSourceInfo] = createSignal<SourceInfo | null>(null);
  /** What `sourceInfo` was inspected for: `${kind}:${path}`. */
  let inspectedFor = "";
  const [sourceError, setSourceError] = createSignal<string | null>(null);

  function setConnection(id: string) {
    setState({ connection: id, network: defaultNetwork(uriOf(id)) });
  }

  function setSourceKind(kind: SourceKind) {
    setState("sourceKind", kind);
    setSourceError(null);
  }

  async function nextFromSource(): Promise<boolean> {
    if (state.connection === "") return false;
    const pathError = validatePath(state);
    if (pathError) {
      setSourceError(pathError);
      return false;
    }
    setSourceError(null);
    if (state.sourceKind === "empty") return true;
    const pool = state.pool.trim();
    const key = `${state.connection}|${state.sourceKind}|${state.mode}|${pool}|${state.path.trim()}`;
    const current = sourceInfo();
    if (key === inspectedFor && current) return warningsConfirmed(current);
    setSourceInfo(null);
    try {
      const info = await api.inspectSource({
        path: state.path.trim(),
        iso: state.sourceKind === "iso",
        connection: state.connection,
        pool: pool === "" ? null : pool,
        mode: state.sourceKind === "import" ? state.mode : null,
      });
      inspectedFor = key;
      setSourceInfo(info);
      // A new file: its warnings are confirmed anew.
      setState("acknowledged", []);
      if (state.sourceKind === "iso" && info.detectedOs) setState("os", info.detectedOs);
      return info.warnings.length === 0;
    } catch (error) {
      inspectedFor = "";
      setSourceError(toApiError(error).message);
      return false;
    }
  }

  /** True when every warning of `info` is confirmed; otherwise says so at the field. */
  function warningsConfirmed(info: SourceInfo): boolean {
    if (unacknowledged(info.warnings, state.acknowledged).length === 0) return true;
    setSourceError("Confirm the warning above to use this file, or choose another one.");
    return false;
  }

  function setWarningsConfirmed(confirmed: boolean) {
    const info = sourceInfo();
    setState("acknowledged", confirmed && info ? info.warnings.map((w) => w.id) : []);
    if (confirmed) setSourceError(null);
  }

  // ------------------------------------------------------------------ step 2: OS
  const [osQuery, setOsQuery] = createSignal("");
  const [includeEol, setIncludeEol] = createSignal(false);
  const [osList, setOsList] = createSignal<OsChoice[] | null>(null);
  const [osError, setOsError] = createSignal<string | null>(null);
  let searchTimer: ReturnType<typeof setTimeout> | undefined;
  let searchId = 0;
  onCleanup(() => clearTimeout(searchTimer));

  createEffect(
    on([step, osQuery, includeEol], ([current, query, eol]) => {
      clearTimeout(searchTimer);
      if (current !== "os") return;
      const id = ++searchId;
      searchTimer = setTimeout(async () => {
        try {
          const list = await api.osSearch({ query: query.trim(), includeEol: eol });
          if (id === searchId) {
            setOsList(pinGeneric(list));
            setOsError(null);
          }
        } catch (error) {
          if (id === searchId) setOsError(toApiError(error).message);
        }
      }, props.searchDelayMs ?? 150);
    }),
  );

  const [defaults, setDefaults] = createSignal<WizardDefaults | null>(null);
  /** What the defaults were applied for; going Back and Next again keeps the user's entries. */
  let appliedFor = "";

  async function nextFromOs(): Promise<boolean> {
    const os = state.os;
    if (!os) {
      setOsError("Choose an operating system, or one of the generic choices.");
      return false;
    }
    const key = `${state.connection}|${os.id}|${state.sourceKind}`;
    if (key === appliedFor && defaults()) return true;
    try {
      const fetched = await api.defaults({ connection: state.connection, osId: os.id });
      setDefaults(fetched);
      setState((s) => applyDefaults(s, fetched));
      appliedFor = key;
      setOsError(null);
      return true;
    } catch (error) {
      setOsError(toApiError(error).message);
      return false;
    }
  }

  // ------------------------------------------------------------------ step 3: resources
  const resourceErrors = (): ResourceErrors => validateResources(state);
  const warnings = () => {
    const d = defaults();
    return d ? resourceWarnings(state, d) : {};
  };

  // ------------------------------------------------------------------ step 5: review
  const nameError = () => validateName(state.name.trim());
  const [xmlOpen, setXmlOpen] = createSignal(false);
  const [xml, setXml] = createSignal<string | null>(null);
  const [previewError, setPreviewError] = createSignal<ApiError | null>(null);
  const [previewing, setPreviewing] = createSignal(false);

  async function loadPreview() {
    setPreviewing(true);
    setPreviewError(null);
    setXml(null);
    try {
      setXml(await api.preview(buildCreateRequest(state, true)));
    } catch (error) {
      setPreviewError(toApiError(error));
    } finally {
      setPreviewing(false);
    }
  }

  function toggleXml() {
    const open = !xmlOpen();
    setXmlOpen(open);
    if (open) void loadPreview();
  }

  // Any edit makes a shown XML stale: close it.
  createEffect(
    on(
      () => JSON.stringify(buildCreateRequest(state, true)),
      () => {
        setXmlOpen(false);
        setXml(null);
        setPreviewError(null);
      },
      { defer: true },
    ),
  );

  const [creating, setCreating] = createSignal(false);
  const [cancelling, setCancelling] = createSignal(false);
  const [progress, setProgress] = createSignal<Progress | null>(null);
  const [createError, setCreateError] = createSignal<ApiError | null>(null);
  let unsubscribe: Unsubscribe | null = null;
  onCleanup(() => unsubscribe?.());

  async function create(start: boolean) {
    if (creating()) return;
    setTried((t) => ({ ...t, review: true }));
    if (nameError()) return;
    setCreating(true);
    setCreateError(null);
    setProgress(null);
    try {
      unsubscribe = await api.subscribeProgress((p) => setProgress(p));
    } catch {
      // Progress is a nicety: create without it.
    }
    try {
      const connection = state.connection;
      const created = await api.create(buildCreateRequest(state, start));
      props.onCreated(created, connection);
      props.onClose();
    } catch (error) {
      setCreateError(toApiError(error));
    } finally {
      unsubscribe?.();
      unsubscribe = null;
      setCreating(false);
      setCancelling(false);
    }
  }

  async function cancelCreate() {
    setCancelling(true);
    try {
      await api.cancelCreate();
    } catch (error) {
      setCreateError(toApiError(error));
      setCancelling(false);
    }
  }

  // ------------------------------------------------------------------ navigation
  const index = () => STEPS.findIndex((s) => s.id === step());
  let body: HTMLDivElement | undefined;

  async function next() {
    if (busy()) return;
    const current = step();
    setTried((t) => ({ ...t, [current]: true }));
    let ok = true;
    if (current === "source") {
      setBusy(true);
      ok = await nextFromSource();
      setBusy(false);
    } else if (current === "os") {
      setBusy(true);
      ok = await nextFromOs();
      setBusy(false);
    } else if (current === "resources") {
      ok = Object.keys(resourceErrors()).length === 0;
    }
    if (ok && index() < STEPS.length - 1) setStep(STEPS[index() + 1].id);
  }

  function back() {
    if (index() > 0 && !creating()) setStep(STEPS[index() - 1].id);
  }

  // A new step: focus its first field, so keyboard users start there.
  createEffect(
    on(
      step,
      () => {
        const target = body?.querySelector<HTMLElement>(
          "[data-autofocus], input:not([disabled]), select:not([disabled])",
        );
        target?.focus();
      },
      { defer: true },
    ),
  );

  function close() {
    if (!creating()) props.onClose();
  }

  // ------------------------------------------------------------------ view
  const footer = (
    <>
      <button
        type="button"
        class="button wizard-cancel"
        data-action="cancel"
        disabled={creating()}
        onClick={close}
      >
        Cancel
      </button>
      <Show when={index() > 0}>
        <button
          type="button"
          class="button"
          data-action="back"
          disabled={creating() || busy()}
          onClick={back}
        >
          Back
        </button>
      </Show>
      <Show
        when={step() === "review"}
        fallback={
          <button
            type="button"
            class="button button-suggested"
            data-action="next"
            disabled={busy() || props.connections.length === 0}
            aria-busy={busy()}
            onClick={() => void next()}
          >
            <Show when={busy()}>
              <span class="spinner" aria-hidden="true" />
            </Show>
            Next
          </button>
        }
      >
        <button
          type="button"
          class="button"
          data-action="create-only"
          disabled={creating()}
          onClick={() => void create(false)}
        >
          Create only
        </button>
        <button
          type="button"
          class="button button-suggested"
          data-action="create-start"
          disabled={creating()}
          onClick={() => void create(true)}
        >
          Create and start
        </button>
      </Show>
    </>
  );

  return (
    <Modal
      title="New virtual machine"
      onClose={close}
      testId="wizard"
      class="dialog-wide dialog-wizard"
      footer={footer}
    >
      <ol class="wizard-steps" aria-label="Steps">
        <For each={STEPS}>
          {(s, i) => (
            <li
              classList={{
                "wizard-step-current": s.id === step(),
                "wizard-step-done": i() < index(),
              }}
              aria-current={s.id === step() ? "step" : undefined}
            >
              {s.label}
            </li>
          )}
        </For>
      </ol>
      <div ref={body} class="dialog-form wizard-body" data-step={step()}>
        <Show when={step() === "source"}>{sourceStep()}</Show>
        <Show when={step() === "os"}>{osStep()}</Show>
        <Show when={step() === "resources"}>{resourcesStep()}</Show>
        <Show when={step() === "options"}>{optionsStep()}</Show>
        <Show when={step() === "review"}>{reviewStep()}</Show>
      </div>
    </Modal>
  );

  function sourceStep(): JSX.Element {
    return (
      <>
        <Show
          when={props.connections.length > 0}
          fallback={
            <InlineError testId="no-connection">
              No connection is connected. Connect one in the connections list first.
            </InlineError>
          }
        >
          <label class="field">
            <span class="field-label">Connection</span>
            <select
              class="entry"
              data-field="connection"
              value={state.connection}
              onChange={(e) => setConnection(e.currentTarget.value)}
            >
              <For each={props.connections}>{(c) => <option value={c.id}>{c.name}</option>}</For>
            </select>
          </label>
        </Show>
        <fieldset class="choice-list">
          <legend class="field-label">Source</legend>
          <For each={SOURCE_KINDS}>
            {(kind) => (
              <label class="choice" classList={{ "choice-current": state.sourceKind === kind }}>
                <input
                  type="radio"
                  name="wizard-source"
                  data-source={kind}
                  checked={state.sourceKind === kind}
                  onChange={() => setSourceKind(kind)}
                />
                <span class="choice-body">
                  <span class="choice-title">{SOURCE_LABELS[kind]}</span>
                  <span class="choice-hint">{SOURCE_HINTS[kind]}</span>
                </span>
              </label>
            )}
          </For>
        </fieldset>
        <Show when={state.sourceKind !== "empty"}>
          <label class="field">
            <span class="field-label">
              {state.sourceKind === "iso" ? "ISO file" : "Disk image file"}
            </span>
            <input
              class="entry mono"
              type="text"
              spellcheck={false}
              autocomplete="off"
              placeholder={
                state.sourceKind === "iso"
                  ? "/home/me/Downloads/install.iso"
                  : "/var/lib/images/disk.qcow2"
              }
              data-field="path"
              value={state.path}
              onInput={(e) => {
                setState("path", e.currentTarget.value);
                setSourceError(null);
              }}
              onKeyDown={(e) => {
                if (e.key === "Enter") void next();
              }}
            />
            <span class="field-hint">Paste the full path of the file.</span>
          </label>
        </Show>
        <Show when={state.sourceKind === "import"}>
          <fieldset class="choice-list">
            <legend class="field-label">How to use the image</legend>
            <For each={MODES}>
              {(mode) => (
                <label class="choice choice-compact">
                  <input
                    type="radio"
                    name="wizard-mode"
                    data-mode={mode}
                    checked={state.mode === mode}
                    onChange={() => setState("mode", mode)}
                  />
                  <span class="choice-body">
                    <span class="choice-title">{MODE_LABELS[mode].label}</span>
                    <span class="choice-hint">{MODE_LABELS[mode].hint}</span>
                  </span>
                </label>
              )}
            </For>
          </fieldset>
          <Show when={state.mode === "in-place"}>
            <div class="banner banner-warning" data-testid="in-place-warning">
              <StatusIcon status="warning" />
              <p class="banner-body">
                The VM will write to this file: its contents change for good. Use a copy or an
                overlay to keep the original as it is.
              </p>
            </div>
          </Show>
        </Show>
        <SourceSummary info={sourceInfo()} />
        <Show when={sourceInfo()?.warnings.length ? sourceInfo() : null}>
          {(info) => (
            <div class="banner banner-warning" data-testid="source-warnings">
              <StatusIcon status="warning" />
              <div class="banner-body">
                <For each={info().warnings}>{(w) => <p data-warning={w.id}>{w.message}</p>}</For>
                <label class="check">
                  <input
                    type="checkbox"
                    data-field="acknowledge"
                    checked={unacknowledged(info().warnings, state.acknowledged).length === 0}
                    onChange={(e) => setWarningsConfirmed(e.currentTarget.checked)}
                  />
                  <span>I understand; use this file anyway</span>
                </label>
              </div>
            </div>
          )}
        </Show>
        <Show when={sourceError()}>
          {(message) => <InlineError testId="source-error">{message()}</InlineError>}
        </Show>
      </>
    );
  }

  function osStep(): JSX.Element {
    return (
      <>
        <SourceSummary info={sourceInfo()} />
        <div class="os-search">
          <input
            class="entry search"
            type="search"
            placeholder="Search: Fedora, Ubuntu 24.04…"
            aria-label="Search operating systems"
            data-field="os-search"
            value={osQuery()}
            onInput={(e) => setOsQuery(e.currentTarget.value)}
          />
          <label class="check">
            <input
              type="checkbox"
              data-field="include-eol"
              checked={includeEol()}
              onChange={(e) => setIncludeEol(e.currentTarget.checked)}
            />
            Show end-of-life releases
          </label>
        </div>
        <Show when={state.os}>
          {(os) => (
            <p class="dim" data-testid="os-selected">
              Selected: <strong>{os().name}</strong>
            </p>
          )}
        </Show>
        <Show
          when={osList()}
          fallback={
            <div class="loading loading-small" role="status">
              <span class="spinner" aria-hidden="true" />
              Loading operating systems…
            </div>
          }
        >
          {(list) => (
            <fieldset class="os-list" data-testid="os-list">
              <legend class="visually-hidden">Operating system</legend>
              <Show when={list().length === 0}>
                <p class="dim">No operating system matches. Try a generic choice.</p>
              </Show>
              <For each={list()}>
                {(os) => (
                  <label class="os-row" classList={{ "os-row-generic": os.generic }}>
                    <input
                      type="radio"
                      name="wizard-os"
                      data-os-id={os.id}
                      checked={state.os?.id === os.id}
                      onChange={() => {
                        setState("os", os);
                        setOsError(null);
                      }}
                    />
                    <span class="os-name">{os.name}</span>
                    <span class="os-meta">
                      {[os.vendor, os.releaseDate?.slice(0, 4), os.eol ? "end of life" : null]
                        .filter(Boolean)
                        .join(" · ")}
                    </span>
                  </label>
                )}
              </For>
            </fieldset>
          )}
        </Show>
        <Show when={osError()}>
          {(message) => <InlineError testId="os-error">{message()}</InlineError>}
        </Show>
      </>
    );
  }

  function resourcesStep(): JSX.Element {
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

  function optionsStep(): JSX.Element {
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

  function reviewStep(): JSX.Element {
    const request = () => buildCreateRequest(state, true).request;
    const sourceText = () => {
      const r = request();
      switch (r.source.kind) {
        case "import":
          return `Import ${r.source.path} (${MODE_LABELS[r.source.mode].label.toLowerCase()})`;
        case "iso":
          return `Install from ${r.source.path}, new ${r.source.diskGib} GiB disk`;
        default:
          return `Empty, new ${r.source.diskGib} GiB disk`;
      }
    };
    const connectionName = () =>
      props.connections.find((c) => c.id === state.connection)?.name ?? state.connection;
    return (
      <>
        <label class="field">
          <span class="field-label">Name</span>
          <input
            class="entry"
            type="text"
            spellcheck={false}
            autocomplete="off"
            data-field="name"
            data-autofocus
            value={state.name}
            disabled={creating()}
            aria-invalid={attempted("review") && nameError() !== null}
            onInput={(e) => setState("name", e.currentTarget.value)}
          />
          <Show when={nameError()}>
            {(message) => (
              <span
                class={attempted("review") ? "field-error" : "field-hint"}
                data-testid="name-error"
              >
                {message()}
              </span>
            )}
          </Show>
        </label>
        <dl class="summary" data-testid="summary">
          <dt>Connection</dt>
          <dd>{connectionName()}</dd>
          <dt>Source</dt>
          <dd class="summary-wrap">{sourceText()}</dd>
          <dt>Operating system</dt>
          <dd>{state.os?.name ?? "—"}</dd>
          <dt>Memory</dt>
          <dd>{request().memoryMib} MiB</dd>
          <dt>CPUs</dt>
          <dd>{request().vcpus}</dd>
          <dt>Storage pool</dt>
          <dd>{request().pool ?? "default"}</dd>
          <dt>Firmware</dt>
          <dd>
            {request().firmware === "uefi" ? "UEFI" : "BIOS"}
            {request().tpm ? ", TPM 2.0" : ""}
          </dd>
          <dt>Network</dt>
          <dd>
            {NETWORK_LABELS[request().network]}
            {request().setupNetwork ? ", set up if needed" : ""}
          </dd>
        </dl>
        <div class="xml-disclosure">
          <button
            type="button"
            class="button button-small"
            data-action="view-xml"
            aria-expanded={xmlOpen()}
            onClick={toggleXml}
          >
            {xmlOpen() ? "Hide XML" : "View XML"}
          </button>
          <Show when={xmlOpen()}>
            <Show when={previewing()}>
              <div class="loading loading-small" role="status">
                <span class="spinner" aria-hidden="true" />
                Checking…
              </div>
            </Show>
            <Show when={xml()}>
              {(text) => (
                <pre class="xml" data-testid="xml">
                  {text()}
                </pre>
              )}
            </Show>
            <Show when={previewError()}>
              {(err) => <InlineError testId="preview-error">{err().message}</InlineError>}
            </Show>
          </Show>
        </div>
        <Show when={creating()}>
          <div class="create-progress" role="status" data-testid="create-progress">
            <span>{cancelling() ? "Cancelling…" : (progress()?.step ?? "Creating…")}</span>
            <Show
              when={progress() && (progress()?.total ?? 0) > 0}
              fallback={<progress class="progress" aria-label="Creating" />}
            >
              <progress
                class="progress"
                aria-label="Creating"
                max={progress()?.total}
                value={progress()?.done}
              />
            </Show>
            <button
              type="button"
              class="button button-small"
              data-action="cancel-create"
              disabled={cancelling()}
              onClick={() => void cancelCreate()}
            >
              Cancel
            </button>
          </div>
        </Show>
        <Show when={createError()}>
          {(err) => <InlineError testId="create-error">{err().message}</InlineError>}
        </Show>
      </>
    );
  }
}

/** An error at its field, scrolled into view when it appears (it may be below the fold). */
function InlineError(props: { testId: string; children: JSX.Element }) {
  let el: HTMLDivElement | undefined;
  onMount(() => el?.scrollIntoView?.({ block: "nearest" }));
  return (
    <div ref={el} class="inline-error" role="alert" data-testid={props.testId}>
      <p>{props.children}</p>
    </div>
  );
}

/** What inspection found: format, sizes, backing chain, the detected OS. */
function SourceSummary(props: { info: SourceInfo | null }) {
  return (
    <Show when={props.info}>
      {(info) => (
        <div class="source-info" data-testid="source-info">
          <Show when={info().image.link} fallback={<p class="disk-path">{info().image.path}</p>}>
            {(link) => (
              <p class="disk-path" data-testid="source-link">
                {link()} → {info().image.path}
              </p>
            )}
          </Show>
          <p class="disk-meta">
            <span data-testid="source-format">{info().image.format}</span>
            <span>{formatBytes(info().image.virtualSize)} virtual</span>
            <span>{formatBytes(info().image.fileSize)} on disk</span>
          </p>
          <Show when={info().image.backingChain.length > 0}>
            <div class="disk-meta">
              Backing chain:
              <ol class="backing-chain" data-testid="backing-chain">
                <For each={info().image.backingChain}>
                  {(file) => <li class="disk-path">{file}</li>}
                </For>
              </ol>
            </div>
          </Show>
          <Show
            when={info().detectedOs}
            fallback={
              <Show when={info().image.format === "iso"}>
                <p data-testid="unknown-os">
                  The system on this ISO
                  {info().volumeId ? ` (${info().volumeId})` : ""} was not recognised: choose it in
                  the next step.
                </p>
              </Show>
            }
          >
            {(os) => <p data-testid="detected-os">Detected: {os().name}</p>}
          </Show>
        </div>
      )}
    </Show>
  );
}

function NumberField(props: {
  label: string;
  field: string;
  value: string;
  onInput: (value: string) => void;
  hint?: string;
  warning?: string;
  error?: string;
}) {
  return (
    <label class="field">
      <span class="field-label">{props.label}</span>
      <input
        class="entry entry-number"
        type="number"
        min="1"
        step="1"
        inputmode="numeric"
        data-field={props.field}
        value={props.value}
        aria-invalid={props.error !== undefined}
        onInput={(e) => props.onInput(e.currentTarget.value)}
      />
      <Show when={props.hint}>
        <span class="field-hint">{props.hint}</span>
      </Show>
      <Show when={props.warning}>
        <span class="field-warning" data-testid={`${props.field}-warning`}>
          {props.warning}
        </span>
      </Show>
      <Show when={props.error}>
        <span class="field-error" data-testid={`${props.field}-error`}>
          {props.error}
        </span>
      </Show>
    </label>
  );
}
