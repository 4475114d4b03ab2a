import { createEffect, createSignal, on, onCleanup } from "solid-js";
import { createStore } from "solid-js/store";
import { type Backend, toApiError, type Unsubscribe } from "../backend";
import type { ApiError } from "../bindings/ApiError";
import type { ConnectionInfo } from "../bindings/ConnectionInfo";
import type { Created } from "../bindings/Created";
import type { OsChoice } from "../bindings/OsChoice";
import type { Progress } from "../bindings/Progress";
import type { SourceInfo } from "../bindings/SourceInfo";
import type { WizardDefaults } from "../bindings/WizardDefaults";
import {
  applyDefaults,
  buildCreateRequest,
  defaultNetwork,
  initialState,
  pinGeneric,
  type ResourceErrors,
  resourceWarnings,
  type SourceKind,
  STEPS,
  type StepId,
  unacknowledged,
  validateName,
  validatePath,
  validateResources,
  type WizardState,
} from "./state";

export interface WizardProps {
  /** Connected connections only; the first is preselected. */
  connections: readonly ConnectionInfo[];
  onClose: () => void;
  /** After a successful create, before the wizard closes. */
  onCreated: (created: Created, connection: string) => void;
  /** The OS search debounce; tests set 0. */
  searchDelayMs?: number;
}

/**
 * The create-VM wizard's state and flow, shared by its steps: what each step fetched (the source's
 * inspection, the OS list, the defaults), validation, navigation, the XML preview and create.
 */
export function createWizard(props: WizardProps, backend: Backend) {
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
      const info = await backend.inspectSource({
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
          const list = await backend.osSearch({ query: query.trim(), includeEol: eol });
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
      const fetched = await backend.wizardDefaults({ connection: state.connection, osId: os.id });
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
      setXml(await backend.previewVm(buildCreateRequest(state, true)));
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
      unsubscribe = await backend.listen("create-progress", (p) => setProgress(p));
    } catch {
      // Progress is a nicety: create without it.
    }
    try {
      const connection = state.connection;
      const created = await backend.createVm(buildCreateRequest(state, start));
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
      await backend.cancelCreate();
    } catch (error) {
      setCreateError(toApiError(error));
      setCancelling(false);
    }
  }

  // ------------------------------------------------------------------ navigation
  const index = () => STEPS.findIndex((s) => s.id === step());

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

  function close() {
    if (!creating()) props.onClose();
  }

  return {
    connections: () => props.connections,
    state,
    setState,
    step,
    busy,
    attempted,
    uriOf,
    index,
    next,
    back,
    close,
    // source
    sourceInfo,
    sourceError,
    setSourceError,
    setConnection,
    setSourceKind,
    setWarningsConfirmed,
    // OS
    osQuery,
    setOsQuery,
    includeEol,
    setIncludeEol,
    osList,
    osError,
    setOsError,
    defaults,
    // resources
    resourceErrors,
    warnings,
    // review
    nameError,
    xmlOpen,
    xml,
    previewError,
    previewing,
    toggleXml,
    creating,
    cancelling,
    progress,
    createError,
    create,
    cancelCreate,
  };
}

/** What the steps, the footer and the shell share. */
export type WizardController = ReturnType<typeof createWizard>;
