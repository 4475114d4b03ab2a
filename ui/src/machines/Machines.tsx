import "./machines.css";
import { createEffect, createSignal, type JSX, onCleanup, Show } from "solid-js";
import { useBackend } from "../backend";
import type { InventoryEvent } from "../bindings/InventoryEvent";
import type { VmRef } from "../bindings/VmRef";
import { Console } from "../console/Console";
import { SHUTDOWN_GRACE_MS } from "../inventory/shutdownWatch";
import { toggleSort } from "../inventory/sort";
import { createInventoryStore } from "../inventory/store";
import { TopBar } from "../shared/TopBar";
import { VmPage } from "../vmpage/VmPage";
import { Wizard } from "../wizard/Wizard";
import { createVmActions } from "./actions";
import { BulkBar } from "./BulkBar";
import { ConnectionsPanel } from "./ConnectionsPanel";
import { EmptyList } from "./EmptyList";
import { ListBanners } from "./ListBanners";
import { createMachineList } from "./list";
import { createLiveStats } from "./liveStats";
import { createInventoryLoading } from "./loading";
import { MachinesHeader } from "./MachinesHeader";
import { createNewVm } from "./newVm";
import { createNotices } from "./notices";
import { PendingDialog } from "./PendingDialog";
import { Toasts } from "./Toasts";
import { createThumbnails } from "./thumbnails";
import { VmTable } from "./VmTable";

export interface MachinesProps {
  /** The view switcher, shown in the top bar. */
  nav?: JSX.Element;
  /** False while another view is shown: live statistics are turned off then. */
  active?: boolean;
  /** How long a guest gets to shut down before "Force off?" is offered. */
  shutdownGraceMs?: number;
  /** The wizard's OS search debounce; tests set 0. */
  wizardSearchDelayMs?: number;
}

/** The Machines view: connections on the left, every VM of every connection on the right. */
export function Machines(props: MachinesProps) {
  const backend = useBackend();
  const inventory = createInventoryStore();
  const state = inventory.state;
  const { loadError, loading, load } = createInventoryLoading(backend, inventory);
  const apply = (events: InventoryEvent[]) => inventory.applyEvents(events);
  const notices = createNotices();
  /** The VM whose page is open, over the list. */
  const [pageOf, setPageOf] = createSignal<{ key: string; vm: VmRef } | null>(null);
  // The list's stats and thumbnails run only while the list is seen: a page over it watches
  // its own VM (the page's graphs), nothing else.
  const wantStats = createLiveStats(
    backend,
    () => (props.active ?? true) && pageOf() === null,
    notices.notify,
  );
  const list = createMachineList(state);

  let grid: HTMLTableElement | undefined;
  let filterInput: HTMLInputElement | undefined;

  const newVm = createNewVm({ state, list, openConsole, focusList: () => grid?.focus() });
  const actions = createVmActions({
    backend,
    state,
    list,
    notices,
    graceMs: props.shutdownGraceMs ?? SHUTDOWN_GRACE_MS,
  });
  /** The VM whose console is open. */
  const [consoleOf, setConsoleOf] = createSignal<{ key: string; vm: VmRef } | null>(null);

  // Thumbnails refresh while the list is on screen, and not under an open console.
  const thumbnails = createThumbnails(backend);
  onCleanup(() => thumbnails.dispose());
  createEffect(() => thumbnails.setActive(wantStats() && consoleOf() === null));
  function openPage(key: string) {
    const vm = list.refOf(key);
    if (vm) setPageOf({ key, vm });
  }
  function closePage() {
    setPageOf(null);
    grid?.focus();
  }
  function openConsole(key: string) {
    const vm = list.refOf(key);
    if (vm) setConsoleOf({ key, vm });
  }

  return (
    <div class="screen" data-testid="machines">
      <TopBar nav={props.nav} />
      <div class="machines">
        <ConnectionsPanel
          state={state}
          vmCounts={list.vmCounts}
          apply={apply}
          notify={notices.notify}
        />
        <main
          class="machines-main"
          classList={{ "has-page": pageOf() !== null }}
          aria-labelledby="machines-heading"
        >
          <MachinesHeader
            loaded={state.loaded}
            machines={list.allKeys().length}
            running={list.runningCount()}
            query={list.query()}
            onQuery={list.setQuery}
            filterRef={(el) => {
              filterInput = el;
            }}
            onListFocus={() => grid?.focus()}
            onNewVm={() => newVm.setWizardOpen(true)}
          />

          <ListBanners
            state={state}
            loadError={loadError()}
            loading={loading()}
            onRetry={() => void load()}
            failedConnections={list.failedConnections()}
            connectionName={list.connectionName}
          />

          <BulkBar
            selected={list.selectedKeys().length}
            eligible={(action) => actions.eligible(action).length}
            busy={actions.bulkBusy()}
            onPerform={(action) => void actions.performMany(action)}
            onClear={() =>
              list.setSelection((sel) => ({ ...sel, selected: new Set(), base: new Set() }))
            }
          />

          <VmTable
            ref={(el) => {
              grid = el;
            }}
            state={state}
            rows={list.rows}
            selection={list.selection}
            onSelection={list.setSelection}
            sort={list.sort}
            onSort={(column) => list.setSort((s) => toggleSort(s, column))}
            offered={actions.offered}
            onForceOffOffer={(key) => actions.request(key, "force-off")}
            connectionName={list.connectionName}
            connectionDown={list.connectionDown}
            busy={actions.busy}
            transition={actions.transition}
            onAction={actions.request}
            onConsole={openConsole}
            onOpen={openPage}
            thumbnails={thumbnails}
            empty={
              <EmptyList
                loaded={state.loaded}
                loadFailed={loadError() !== null}
                hasMachines={list.allKeys().length > 0}
                query={list.query()}
                onClearFilter={() => {
                  list.setQuery("");
                  filterInput?.focus();
                }}
              />
            }
          />
          <Show when={pageOf()} keyed>
            {(open) => (
              <Show
                when={state.vms[open.key] !== undefined}
                fallback={<PageGone onBack={closePage} />}
              >
                <VmPage
                  vm={open.vm}
                  name={list.nameOf(open.key)}
                  connectionName={list.connectionName(open.vm.connection)}
                  onBack={closePage}
                  onConsole={() => openConsole(open.key)}
                />
              </Show>
            )}
          </Show>
        </main>
        <Toasts
          created={newVm.created()}
          onDismissCreated={() => newVm.setCreated(null)}
          notices={notices.notices()}
          onDismiss={notices.dismiss}
        />
      </div>

      <Show when={newVm.wizardOpen()}>
        <Wizard
          connections={newVm.connectedConnections()}
          searchDelayMs={props.wizardSearchDelayMs}
          onClose={() => newVm.setWizardOpen(false)}
          onCreated={newVm.onCreated}
        />
      </Show>

      {/* Open while the VM is listed; when the VM stops it waits, and reconnects when it runs. */}
      <Show when={consoleOf()} keyed>
        {(open) => (
          <Show when={state.vms[open.key] !== undefined}>
            <Console
              vm={open.vm}
              name={list.nameOf(open.key)}
              state={state.vms[open.key]?.vm.state}
              onClose={() => setConsoleOf(null)}
            />
          </Show>
        )}
      </Show>

      <Show when={actions.pending()} keyed>
        {(open) => (
          <PendingDialog
            pending={open}
            refOf={list.refOf}
            nameOf={list.nameOf}
            onClose={() => actions.setPending(null)}
            onConfirm={(key, action) => {
              actions.setPending(null);
              void actions.perform(key, action);
            }}
          />
        )}
      </Show>
    </div>
  );
}

/** The page's VM went away (deleted elsewhere, or its connection removed). */
function PageGone(props: { onBack: () => void }) {
  return (
    <section class="vm-page" data-testid="vm-page-gone">
      <header class="vm-page-header">
        <button class="button" type="button" onClick={() => props.onBack()}>
          ← All machines
        </button>
        <h1>This VM no longer exists</h1>
      </header>
    </section>
  );
}
