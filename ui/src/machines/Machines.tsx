import {
  createEffect,
  createMemo,
  createSignal,
  For,
  type JSX,
  on,
  onCleanup,
  onMount,
  Show,
} from "solid-js";
import { createStore } from "solid-js/store";
import {
  type ConsoleApi,
  errorHint,
  type InventoryApi,
  tauriConsoleApi,
  tauriInventoryApi,
  tauriWizardApi,
  toApiError,
  type WizardApi,
} from "../api";
import type { Action } from "../bindings/Action";
import type { ApiError } from "../bindings/ApiError";
import type { Code } from "../bindings/Code";
import type { ConnectionInfo } from "../bindings/ConnectionInfo";
import type { Created } from "../bindings/Created";
import type { InventoryEvent } from "../bindings/InventoryEvent";
import type { VmRef } from "../bindings/VmRef";
import { Console } from "../console/Console";
import { emptySelection, focusRow, pruneSelection, type Selection } from "../inventory/selection";
import { createShutdownWatch, SHUTDOWN_GRACE_MS } from "../inventory/shutdownWatch";
import { DEFAULT_SORT, filterAndSort, type SortSpec, toggleSort } from "../inventory/sort";
import { createInventoryStore, createInventorySync, isRunning, vmKey } from "../inventory/store";
import { ConfirmDialog } from "../shared/ConfirmDialog";
import { plural } from "../shared/format";
import { StatusIcon } from "../shared/icons";
import { TopBar } from "../shared/TopBar";
import { Wizard } from "../wizard/Wizard";
import { ConnectionsPanel } from "./ConnectionsPanel";
import { DeleteDialog } from "./DeleteDialog";
import { ACTION_LABELS, ACTION_VERBS, CONFIRMED_ACTIONS, TRANSITION_LABELS } from "./labels";
import { createThumbnails } from "./thumbnails";
import { VmTable } from "./VmTable";

/** How long a row says "Rebooting…" after the reboot was asked for. */
const REBOOT_NOTICE_MS = 4000;

export interface MachinesProps {
  /** The backend; tests inject a fake. */
  api?: InventoryApi;
  /** The view switcher, shown in the top bar. */
  nav?: JSX.Element;
  /** False while another view is shown: live statistics are turned off then. */
  active?: boolean;
  /** How long a guest gets to shut down before "Force off?" is offered. */
  shutdownGraceMs?: number;
  /** The create-VM wizard's backend; tests inject a fake. */
  wizardApi?: WizardApi;
  /** The wizard's OS search debounce; tests set 0. */
  wizardSearchDelayMs?: number;
  /** The graphical console's backend; tests inject a fake. */
  consoleApi?: ConsoleApi;
}

/** How long the "Created" confirmation stays up. */
const CREATED_NOTICE_MS = 6000;
/** A new VM further down than this may be outside the list's rendered window: filter to it. */
const FOCUS_WITHOUT_FILTER = 8;

interface Notice {
  id: number;
  title: string;
  code: Code;
  message: string | null;
  /** One line per VM, for bulk failures. */
  details: string[];
}

const MAX_NOTICES = 3;

type Pending =
  | { kind: "confirm"; key: string; action: Action }
  | { kind: "delete"; key: string }
  | null;

/** The Machines view: connections on the left, every VM of every connection on the right. */
export function Machines(props: MachinesProps) {
  const api = props.api ?? tauriInventoryApi;
  const inventory = createInventoryStore();
  const state = inventory.state;

  // ------------------------------------------------------------------ loading and live updates
  const sync = createInventorySync(api, inventory);
  const [loadError, setLoadError] = createSignal<ApiError | null>(null);
  const [loading, setLoading] = createSignal(false);

  async function load() {
    setLoading(true);
    setLoadError(null);
    try {
      await sync.start();
    } catch (error) {
      setLoadError(toApiError(error));
    } finally {
      setLoading(false);
    }
  }
  onMount(() => void load());
  onCleanup(() => sync.dispose());

  const apply = (events: InventoryEvent[]) => inventory.applyEvents(events);

  // ------------------------------------------------------------------ notices
  const [notices, setNotices] = createSignal<Notice[]>([]);
  let noticeId = 0;

  function pushNotice(notice: Omit<Notice, "id">) {
    noticeId += 1;
    setNotices((list) => [...list.slice(-(MAX_NOTICES - 1)), { ...notice, id: noticeId }]);
  }

  function notify(title: string, error: unknown) {
    const err = toApiError(error);
    pushNotice({ title, code: err.code, message: err.message, details: [] });
  }

  // ------------------------------------------------------------------ live statistics
  const [pageVisible, setPageVisible] = createSignal(document.visibilityState === "visible");
  const onVisibility = () => setPageVisible(document.visibilityState === "visible");
  document.addEventListener("visibilitychange", onVisibility);
  onCleanup(() => document.removeEventListener("visibilitychange", onVisibility));

  let statsOn = false;
  const wantStats = createMemo(() => (props.active ?? true) && pageVisible());
  createEffect(
    on(wantStats, (want) => {
      if (want === statsOn) return;
      statsOn = want;
      api.setStatsActive(want).catch((error) => {
        notify(`Could not turn live statistics ${want ? "on" : "off"}`, error);
      });
    }),
  );
  onCleanup(() => {
    if (statsOn) void api.setStatsActive(false).catch(() => {});
  });

  // ------------------------------------------------------------------ rows: filter, sort
  const allKeys = createMemo(() => Object.keys(state.vms));
  const [query, setQuery] = createSignal("");
  const [sort, setSort] = createSignal<SortSpec>(DEFAULT_SORT);
  const rows = createMemo(() =>
    filterAndSort(allKeys(), (key) => state.vms[key]?.vm, query(), sort()),
  );

  const vmCounts = createMemo(() => {
    const counts: Record<string, number> = {};
    for (const key of allKeys()) {
      const connection = state.vms[key]?.connection;
      if (connection !== undefined) counts[connection] = (counts[connection] ?? 0) + 1;
    }
    return counts;
  });
  const runningCount = createMemo(
    () => allKeys().filter((key) => isRunning(state.vms[key]?.vm.state ?? "unknown")).length,
  );

  const connectionName = (id: string) => state.connections[id]?.name ?? id;
  const connectionDown = (id: string) => {
    const s = state.connections[id]?.state;
    return s !== undefined && s !== "connected";
  };
  const failedConnections = createMemo(() =>
    state.connectionIds.filter((id) => state.connections[id]?.state === "failed"),
  );

  // ------------------------------------------------------------------ selection
  const [selection, setSelection] = createSignal<Selection>(emptySelection);
  // Rows that left the list (filtered out, removed) leave the selection too.
  createEffect(on(rows, (list) => setSelection((sel) => pruneSelection(sel, list))));
  const selectedKeys = createMemo(() => rows().filter((key) => selection().selected.has(key)));

  let grid: HTMLTableElement | undefined;
  let filterInput: HTMLInputElement | undefined;

  // ------------------------------------------------------------------ the create-VM wizard
  const [wizardOpen, setWizardOpen] = createSignal(false);
  const connectedConnections = createMemo(() =>
    state.connectionIds
      .map((id) => state.connections[id])
      .filter((c): c is ConnectionInfo => c?.state === "connected"),
  );
  const [created, setCreated] = createSignal<{ name: string; started: boolean } | null>(null);
  /** The new VM to select once the inventory lists it. */
  const [revealKey, setRevealKey] = createSignal<{
    key: string;
    name: string;
    /** "Create and start" goes on to the VM's screen. */
    console: boolean;
  } | null>(null);
  let createdTimer: ReturnType<typeof setTimeout> | undefined;
  onCleanup(() => clearTimeout(createdTimer));

  function onCreated(vm: Created, connection: string) {
    setCreated({ name: vm.name, started: vm.started });
    clearTimeout(createdTimer);
    createdTimer = setTimeout(() => setCreated(null), CREATED_NOTICE_MS);
    setRevealKey({ key: vmKey(connection, vm.uuid), name: vm.name, console: vm.started });
  }

  // The inventory lists the new VM through its own events, before or after create returns.
  createEffect(() => {
    const target = revealKey();
    if (!target || !state.vms[target.key]) return;
    const position = rows().indexOf(target.key);
    if (position < 0 || position >= FOCUS_WITHOUT_FILTER) setQuery(target.name);
    setSelection((sel) => focusRow(sel, target.key));
    setRevealKey(null);
    if (target.console) openConsole(target.key);
    else queueMicrotask(() => grid?.focus());
  });

  // ------------------------------------------------------------------ actions
  const graceMs = props.shutdownGraceMs ?? SHUTDOWN_GRACE_MS;
  const watch = createShutdownWatch((key) => {
    const vm = state.vms[key]?.vm;
    return (
      !vm || vm.state === "shut-off" || vm.state === "saved" || !vm.allowed.includes("force-off")
    );
  }, graceMs);

  const [busy, setBusy] = createStore<Record<string, Action | undefined>>({});
  /** VMs asked to reboot: the guest restarts without an event libvirt could send, so the row
   * says "Rebooting…" for a moment instead of nothing. */
  const [rebooting, setRebooting] = createStore<Record<string, boolean | undefined>>({});
  const rebootTimers = new Map<string, ReturnType<typeof setTimeout>>();
  onCleanup(() => {
    for (const t of rebootTimers.values()) clearTimeout(t);
  });
  /** The state a row shows while something is under way, if anything is. */
  function transition(key: string): string | undefined {
    const action = busy[key];
    if (action) return TRANSITION_LABELS[action];
    if (watch.watching(key)) return TRANSITION_LABELS.shutdown;
    if (rebooting[key]) return TRANSITION_LABELS.reboot;
    return undefined;
  }
  const [pending, setPending] = createSignal<Pending>(null);
  const [bulkBusy, setBulkBusy] = createSignal<Action | null>(null);
  /** The VM whose console is open. */
  const [consoleOf, setConsoleOf] = createSignal<{ key: string; vm: VmRef } | null>(null);

  // Thumbnails refresh while the list is on screen, and not under an open console.
  const thumbnails = createThumbnails((req) => api.thumbnail(req));
  onCleanup(() => thumbnails.dispose());
  createEffect(() => thumbnails.setActive(wantStats() && consoleOf() === null));
  function openConsole(key: string) {
    const vm = refOf(key);
    if (vm) setConsoleOf({ key, vm });
  }

  function refOf(key: string): VmRef | null {
    const row = state.vms[key];
    return row ? { connection: row.connection, uuid: row.vm.uuid } : null;
  }
  const nameOf = (key: string) => state.vms[key]?.vm.name ?? key;

  /** What a button click does: some actions ask first. */
  function request(key: string, action: Action) {
    if (action === "delete") setPending({ kind: "delete", key });
    else if (CONFIRMED_ACTIONS.has(action)) setPending({ kind: "confirm", key, action });
    else void perform(key, action);
  }

  async function perform(key: string, action: Action) {
    const vm = refOf(key);
    if (!vm || busy[key]) return;
    const name = nameOf(key);
    if (action === "shutdown") watch.start(key);
    if (action === "force-off") watch.cancel(key);
    setBusy(key, action);
    try {
      await api.vmAction({ vm, action });
      if (action === "reboot") {
        clearTimeout(rebootTimers.get(key));
        setRebooting(key, true);
        rebootTimers.set(
          key,
          setTimeout(() => setRebooting(key, undefined), REBOOT_NOTICE_MS),
        );
      }
    } catch (error) {
      if (action === "shutdown") watch.cancel(key);
      notify(`Could not ${ACTION_VERBS[action]} “${name}”`, error);
    } finally {
      setBusy(key, undefined);
    }
  }

  /** Bulk Start / Shut down: only the selected VMs that allow it are sent. */
  function eligible(action: Action): string[] {
    return selectedKeys().filter((key) => state.vms[key]?.vm.allowed.includes(action));
  }

  async function performMany(action: "start" | "shutdown") {
    const keys = eligible(action);
    if (keys.length === 0 || bulkBusy()) return;
    const refs = keys.map((key) => refOf(key)).filter((ref): ref is VmRef => ref !== null);
    const names = new Map(keys.map((key) => [key, nameOf(key)]));
    const keyOf = (ref: VmRef) => `${ref.connection}/${ref.uuid}`;
    if (action === "shutdown") for (const key of keys) watch.start(key);
    setBulkBusy(action);
    try {
      const outcomes = await api.vmActionMany({ vms: refs, action });
      const failed = outcomes.filter((outcome) => outcome.error !== null);
      if (failed.length > 0) {
        if (action === "shutdown") for (const o of failed) watch.cancel(keyOf(o.vm));
        pushNotice({
          title: `Could not ${ACTION_VERBS[action]} ${failed.length} of ${plural(refs.length, "machine")}`,
          code: failed[0].error?.code ?? "internal",
          message: null,
          details: failed.map(
            (o) => `${names.get(keyOf(o.vm)) ?? o.vm.uuid}: ${o.error?.message ?? ""}`,
          ),
        });
      }
    } catch (error) {
      if (action === "shutdown") for (const key of keys) watch.cancel(key);
      notify(`Could not ${ACTION_VERBS[action]} the selected machines`, error);
    } finally {
      setBulkBusy(null);
    }
  }

  // ------------------------------------------------------------------ view
  const empty = () => (
    <Show
      when={state.loaded}
      fallback={
        <Show when={!loadError()}>
          <div class="loading" role="status">
            <span class="spinner spinner-large" aria-hidden="true" />
            Loading machines…
          </div>
        </Show>
      }
    >
      <Show
        when={allKeys().length > 0}
        fallback={
          <div class="empty-state" data-testid="empty">
            <p class="empty-title">No virtual machines yet</p>
            <p class="empty-hint">
              Machines on these connections appear here as soon as they exist, created here or with
              virt-manager, virsh or GNOME Boxes. To see another host, add a connection.
            </p>
          </div>
        }
      >
        <div class="empty-state" data-testid="no-match">
          <p class="empty-title">No machine matches “{query().trim()}”</p>
          <button
            type="button"
            class="button button-small"
            onClick={() => {
              setQuery("");
              filterInput?.focus();
            }}
          >
            Clear the filter
          </button>
        </div>
      </Show>
    </Show>
  );

  return (
    <div class="screen" data-testid="machines">
      <TopBar nav={props.nav} />
      <div class="machines">
        <ConnectionsPanel
          state={state}
          vmCounts={vmCounts}
          api={api}
          apply={apply}
          notify={notify}
        />
        <main class="machines-main" aria-labelledby="machines-heading">
          <div class="machines-header">
            <div>
              <h1 id="machines-heading">Machines</h1>
              <p class="page-subtitle" data-testid="machines-summary">
                <Show when={state.loaded} fallback="Loading…">
                  {plural(allKeys().length, "machine")}, {runningCount()} running
                </Show>
              </p>
            </div>
            <input
              ref={filterInput}
              class="entry search"
              type="search"
              placeholder="Filter by name"
              aria-label="Filter machines by name"
              value={query()}
              onInput={(event) => setQuery(event.currentTarget.value)}
              onKeyDown={(event) => {
                if (event.key === "ArrowDown") {
                  event.preventDefault();
                  grid?.focus();
                }
              }}
              data-testid="filter"
            />
            <button
              type="button"
              class="button button-suggested"
              data-action="new-vm"
              onClick={() => setWizardOpen(true)}
            >
              New VM
            </button>
          </div>

          <Show when={loadError()}>
            {(err) => (
              <div class="banner banner-error" role="alert" data-testid="load-error">
                <StatusIcon status="error" />
                <div class="banner-body">
                  <p class="banner-title">Could not load the machines</p>
                  <p class="banner-message">{err().message}</p>
                  <p class="banner-hint">{errorHint(err().code, "inventory")}</p>
                </div>
                <button
                  type="button"
                  class="button button-small"
                  onClick={() => void load()}
                  disabled={loading()}
                >
                  Try again
                </button>
              </div>
            )}
          </Show>

          <For each={failedConnections()}>
            {(id) => (
              <div
                class="banner banner-warning"
                data-testid="connection-banner"
                data-connection-id={id}
              >
                <StatusIcon status="warning" />
                <div class="banner-body">
                  <p class="banner-title">
                    “{connectionName(id)}” is not connected: its machines are not listed.
                  </p>
                  <Show when={state.connections[id]?.error}>
                    {(message) => <p class="banner-message">{message()}</p>}
                  </Show>
                  <Show when={state.connections[id]?.hint}>
                    {(hint) => <p class="banner-hint">{hint()}</p>}
                  </Show>
                </div>
              </div>
            )}
          </For>

          <Show when={selectedKeys().length > 0}>
            <div
              class="bulk-bar"
              role="toolbar"
              aria-label="Selected machines"
              data-testid="bulk-bar"
            >
              <span class="bulk-count">{selectedKeys().length} selected</span>
              <BulkButton
                label="Start"
                action="start"
                count={eligible("start").length}
                busy={bulkBusy() === "start"}
                disabled={bulkBusy() !== null}
                onClick={() => void performMany("start")}
              />
              <BulkButton
                label="Shut down"
                action="shutdown"
                count={eligible("shutdown").length}
                busy={bulkBusy() === "shutdown"}
                disabled={bulkBusy() !== null}
                onClick={() => void performMany("shutdown")}
              />
              <button
                type="button"
                class="button button-small button-flat"
                onClick={() =>
                  setSelection((sel) => ({ ...sel, selected: new Set(), base: new Set() }))
                }
              >
                Clear selection
              </button>
            </div>
          </Show>

          <VmTable
            ref={(el) => {
              grid = el;
            }}
            state={state}
            rows={rows}
            selection={selection}
            onSelection={setSelection}
            sort={sort}
            onSort={(column) => setSort((s) => toggleSort(s, column))}
            offered={watch.offered}
            onForceOffOffer={(key) => request(key, "force-off")}
            connectionName={connectionName}
            connectionDown={connectionDown}
            busy={(key) => busy[key]}
            transition={transition}
            onAction={request}
            onConsole={openConsole}
            thumbnails={thumbnails}
            empty={empty()}
          />
        </main>
        {/* Action errors float over the list: no layout shift under the pointer. */}
        <section class="toasts" aria-label="Errors">
          <Show when={created()}>
            {(vm) => (
              <div class="banner banner-ok toast" role="status" data-testid="create-notice">
                <StatusIcon status="ok" />
                <div class="banner-body">
                  <p class="banner-title">
                    Created “{vm().name}”{vm().started ? " and started it" : ""}
                  </p>
                </div>
                <button
                  type="button"
                  class="icon-button"
                  aria-label="Dismiss"
                  data-tip="Dismiss"
                  onClick={() => setCreated(null)}
                >
                  <CloseIcon />
                </button>
              </div>
            )}
          </Show>
          <For each={notices()}>
            {(notice) => (
              <div
                class="banner banner-error toast"
                role="alert"
                data-testid="action-error"
                data-code={notice.code}
              >
                <StatusIcon status="error" />
                <div class="banner-body">
                  <p class="banner-title">{notice.title}</p>
                  <Show when={notice.message}>
                    <p class="banner-message">{notice.message}</p>
                  </Show>
                  <Show when={notice.details.length > 0}>
                    <ul class="banner-details">
                      <For each={notice.details}>{(line) => <li>{line}</li>}</For>
                    </ul>
                  </Show>
                  <p class="banner-hint">{errorHint(notice.code, "inventory")}</p>
                </div>
                <button
                  type="button"
                  class="icon-button"
                  aria-label="Dismiss"
                  data-tip="Dismiss"
                  onClick={() => setNotices((list) => list.filter((n) => n.id !== notice.id))}
                >
                  <CloseIcon />
                </button>
              </div>
            )}
          </For>
        </section>
      </div>

      <Show when={wizardOpen()}>
        <Wizard
          api={props.wizardApi ?? tauriWizardApi}
          connections={connectedConnections()}
          searchDelayMs={props.wizardSearchDelayMs}
          onClose={() => setWizardOpen(false)}
          onCreated={onCreated}
        />
      </Show>

      {/* Open while the VM is listed; when the VM stops it waits, and reconnects when it runs. */}
      <Show when={consoleOf()} keyed>
        {(open) => (
          <Show when={state.vms[open.key] !== undefined}>
            <Console
              vm={open.vm}
              name={nameOf(open.key)}
              state={state.vms[open.key]?.vm.state}
              api={props.consoleApi ?? tauriConsoleApi}
              onClose={() => setConsoleOf(null)}
            />
          </Show>
        )}
      </Show>

      <Show when={pending()} keyed>
        {(open) => {
          if (open.kind === "delete") {
            const vm = refOf(open.key);
            return (
              <Show when={vm}>
                {(ref) => (
                  <DeleteDialog
                    vm={ref()}
                    name={nameOf(open.key)}
                    api={api}
                    onClose={() => setPending(null)}
                  />
                )}
              </Show>
            );
          }
          return (
            <ConfirmDialog
              title={`${ACTION_LABELS[open.action]} “${nameOf(open.key)}”?`}
              message={
                <p>
                  {open.action === "reset"
                    ? "Like pressing the reset button: the guest restarts at once, without shutting down. Unsaved work in it is lost."
                    : "Like pulling the power plug: the guest stops at once, without shutting down. Unsaved work in it is lost."}
                </p>
              }
              confirmLabel={ACTION_LABELS[open.action]}
              destructive
              confirmId={open.action}
              onConfirm={() => {
                setPending(null);
                void perform(open.key, open.action);
              }}
              onCancel={() => setPending(null)}
            />
          );
        }}
      </Show>
    </div>
  );
}

function BulkButton(props: {
  label: string;
  action: Action;
  count: number;
  busy: boolean;
  disabled: boolean;
  onClick: () => void;
}) {
  return (
    <button
      type="button"
      class="button button-small"
      data-bulk-action={props.action}
      disabled={props.disabled || props.count === 0}
      aria-busy={props.busy}
      onClick={() => props.onClick()}
      title={
        props.count === 0 ? `None of the selected machines can ${ACTION_VERBS[props.action]}` : ""
      }
    >
      <Show when={props.busy}>
        <span class="spinner" aria-hidden="true" />
      </Show>
      {props.label} ({props.count})
    </button>
  );
}

function CloseIcon() {
  return (
    <svg class="glyph" viewBox="0 0 16 16" aria-hidden="true">
      <path
        d="M4.5 4.5l7 7M11.5 4.5l-7 7"
        fill="none"
        stroke="currentColor"
        stroke-width="1.6"
        stroke-linecap="round"
      />
    </svg>
  );
}
