import { createEffect, createMemo, createSignal, on } from "solid-js";
import type { VmRef } from "../bindings/VmRef";
import { emptySelection, pruneSelection, type Selection } from "../inventory/selection";
import { DEFAULT_SORT, filterAndSort, type SortSpec } from "../inventory/sort";
import { type InventoryState, isRunning } from "../inventory/store";

/** The list's rows (every VM, filtered and sorted), their counts, and which are selected. */
export function createMachineList(state: InventoryState) {
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

  function refOf(key: string): VmRef | null {
    const row = state.vms[key];
    return row ? { connection: row.connection, uuid: row.vm.uuid } : null;
  }
  const nameOf = (key: string) => state.vms[key]?.vm.name ?? key;

  return {
    allKeys,
    query,
    setQuery,
    sort,
    setSort,
    rows,
    vmCounts,
    runningCount,
    connectionName,
    connectionDown,
    failedConnections,
    selection,
    setSelection,
    selectedKeys,
    refOf,
    nameOf,
  };
}

export type MachineList = ReturnType<typeof createMachineList>;
