import type { VmState } from "../bindings/VmState";
import type { VmSummary } from "../bindings/VmSummary";

export type SortColumn = "name" | "state" | "os" | "vcpus" | "memory";
export type SortDirection = "asc" | "desc";

export interface SortSpec {
  column: SortColumn;
  direction: SortDirection;
}

export const DEFAULT_SORT: SortSpec = { column: "name", direction: "asc" };

/** Ascending "state" order: what needs attention and what runs first, stopped ones last. */
const STATE_RANK: Record<VmState, number> = {
  crashed: 0,
  running: 1,
  blocked: 2,
  "shutting-down": 3,
  paused: 4,
  "pm-suspended": 5,
  saved: 6,
  "shut-off": 7,
  unknown: 8,
};

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

/** Case-insensitive substring match; an empty or blank query matches everything. */
export function matchesFilter(name: string, query: string): boolean {
  const q = query.trim().toLocaleLowerCase();
  return q === "" || name.toLocaleLowerCase().includes(q);
}

/** Clicking a header: a new column sorts ascending, the same column flips direction. */
export function toggleSort(current: SortSpec, column: SortColumn): SortSpec {
  if (current.column !== column) return { column, direction: "asc" };
  return { column, direction: current.direction === "asc" ? "desc" : "asc" };
}

export function ariaSort(spec: SortSpec, column: SortColumn): "ascending" | "descending" | "none" {
  if (spec.column !== column) return "none";
  return spec.direction === "asc" ? "ascending" : "descending";
}

type SortValue = string | number | null;

function sortValue(vm: VmSummary, column: SortColumn): SortValue {
  switch (column) {
    case "name":
      return vm.name;
    case "state":
      return STATE_RANK[vm.state] ?? STATE_RANK.unknown;
    case "os":
      return vm.os;
    case "vcpus":
      return vm.vcpus;
    case "memory":
      return vm.memory;
  }
}

function compareValues(a: SortValue, b: SortValue): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return collator.compare(String(a), String(b));
}

/**
 * The keys of the VMs whose name matches `query`, in `sort` order. Ties (and unknown OSes, which
 * always come last) fall back to the name, then the key, so the order is stable.
 * Reads only the name and the sorted field of each VM: called inside a memo, it re-runs only
 * when one of those changes, not on every update of every VM.
 */
export function filterAndSort(
  keys: readonly string[],
  get: (key: string) => VmSummary | undefined,
  query: string,
  sort: SortSpec,
): string[] {
  const rows: { key: string; name: string; value: SortValue }[] = [];
  for (const key of keys) {
    const vm = get(key);
    if (!vm || !matchesFilter(vm.name, query)) continue;
    rows.push({
      key,
      name: vm.name,
      value: sort.column === "name" ? null : sortValue(vm, sort.column),
    });
  }
  const sign = sort.direction === "asc" ? 1 : -1;
  rows.sort((a, b) => {
    if (sort.column !== "name") {
      if (a.value === null || b.value === null) {
        if (a.value !== b.value) return a.value === null ? 1 : -1;
      } else {
        const primary = compareValues(a.value, b.value);
        if (primary !== 0) return sign * primary;
      }
      const byName = collator.compare(a.name, b.name);
      if (byName !== 0) return byName;
    } else {
      const byName = collator.compare(a.name, b.name);
      if (byName !== 0) return sign * byName;
    }
    return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
  });
  return rows.map((row) => row.key);
}
