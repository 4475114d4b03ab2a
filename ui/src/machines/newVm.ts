import { createEffect, createMemo, createSignal, onCleanup } from "solid-js";
import type { ConnectionInfo } from "../bindings/ConnectionInfo";
import type { Created } from "../bindings/Created";
import { focusRow } from "../inventory/selection";
import { type InventoryState, vmKey } from "../inventory/store";
import type { MachineList } from "./list";

/** How long the "Created" confirmation stays up. */
const CREATED_NOTICE_MS = 6000;
/** A new VM further down than this may be outside the list's rendered window: filter to it. */
const FOCUS_WITHOUT_FILTER = 8;

export interface NewVmOptions {
  state: InventoryState;
  list: MachineList;
  openConsole: (key: string) => void;
  focusList: () => void;
}

/**
 * The create-VM wizard's open state, the "Created" confirmation, and the new VM selected once
 * the inventory lists it ("Create and start" goes on to its console).
 */
export function createNewVm(options: NewVmOptions) {
  const { state, list } = options;
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
    const position = list.rows().indexOf(target.key);
    if (position < 0 || position >= FOCUS_WITHOUT_FILTER) list.setQuery(target.name);
    list.setSelection((sel) => focusRow(sel, target.key));
    setRevealKey(null);
    if (target.console) options.openConsole(target.key);
    else queueMicrotask(() => options.focusList());
  });

  return { wizardOpen, setWizardOpen, connectedConnections, created, setCreated, onCreated };
}
