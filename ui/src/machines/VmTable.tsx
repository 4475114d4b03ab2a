import "./vm-table.css";
import {
  createEffect,
  createMemo,
  createSignal,
  For,
  type JSX,
  onCleanup,
  onMount,
  Show,
} from "solid-js";
import type { Action } from "../bindings/Action";
import {
  clearSelection,
  extendTo,
  focusRow,
  handleKey,
  type Selection,
  selectAll,
  toggleRow,
} from "../inventory/selection";
import { ariaSort, type SortColumn, type SortSpec } from "../inventory/sort";
import { type InventoryState, isRunning, type VmLiveStats } from "../inventory/store";
import { formatBytes } from "../shared/format";
import { VM_STATE_LABELS, VM_STATE_TONES } from "./labels";
import { RowActions } from "./RowActions";
import { Sparkline } from "./Sparkline";
import type { Thumbnails } from "./thumbnails";
import { VmThumbnail } from "./VmThumbnail";

/** Every row has this height: the window of rendered rows is computed from it. */
export const ROW_HEIGHT = 48;
/** From this list width on, the toolbar's enabled buttons show their labels (row-actions.css). */
export const LABELS_MIN_WIDTH = 760;
/** The focused row grows by its action toolbar's line (it covers none of the row's cells). */
export const TOOLBAR_HEIGHT = 40;

/** Where row `index` starts when the focused row (`current`, -1 for none) is taller. */
export function rowTop(index: number, current: number): number {
  return index * ROW_HEIGHT + (current >= 0 && index > current ? TOOLBAR_HEIGHT : 0);
}
/** Rows rendered above and below the visible ones, so fast scrolling shows no gaps. */
export const OVERSCAN = 8;
/** Used before the grid has a size (and in tests, where nothing has one). */
const FALLBACK_VIEWPORT = 720;

/** The slice of rows to render for a scroll position: `[first, last)`. */
export function visibleRange(
  scrollTop: number,
  viewportHeight: number,
  total: number,
  rowHeight = ROW_HEIGHT,
  overscan = OVERSCAN,
): { first: number; last: number } {
  const top = Math.max(0, scrollTop);
  const first = Math.max(0, Math.floor(top / rowHeight) - overscan);
  const last = Math.min(total, Math.ceil((top + viewportHeight) / rowHeight) + overscan);
  return { first, last: Math.max(first, last) };
}

/** A DOM id for a row (for aria-activedescendant). */
export function rowDomId(key: string): string {
  return `vm-row-${key.replace(/[^A-Za-z0-9_-]/g, "_")}`;
}

interface Column {
  id: string;
  label: string;
  sort?: SortColumn;
  class: string;
  /** Named for screen readers only (the thumbnails speak for themselves). */
  hideLabel?: boolean;
}

const COLUMNS: readonly Column[] = [
  { id: "screen", label: "Screen", class: "cell-thumb", hideLabel: true },
  { id: "name", label: "Name", sort: "name", class: "cell-name" },
  { id: "state", label: "State", sort: "state", class: "cell-state" },
  { id: "os", label: "OS", sort: "os", class: "cell-os" },
  { id: "vcpus", label: "vCPUs", sort: "vcpus", class: "cell-num" },
  { id: "memory", label: "Memory", sort: "memory", class: "cell-num" },
  { id: "cpu", label: "CPU", class: "cell-cpu" },
];

export interface VmTableProps {
  state: InventoryState;
  /** Keys of the rows to list (filtered and sorted). */
  rows: () => readonly string[];
  selection: () => Selection;
  onSelection: (selection: Selection) => void;
  sort: () => SortSpec;
  onSort: (column: SortColumn) => void;
  /** True when a VM's "Still running — Force off?" offer is up. */
  offered: (key: string) => boolean;
  onForceOffOffer: (key: string) => void;
  connectionName: (id: string) => string;
  /** The connection is not connected: its rows may be out of date. */
  connectionDown: (id: string) => boolean;
  /** The action in flight for a VM. */
  busy: (key: string) => Action | undefined;
  /** What the row's state says while an action is under way ("Shutting down…"). */
  transition?: (key: string) => string | undefined;
  /** A click on one of the focused row's action buttons. */
  onAction: (key: string, action: Action) => void;
  /** Opens a VM's graphical console. */
  onConsole?: (key: string) => void;
  /** Opens a VM's page (double-click, Enter on the focused row, or its name). */
  onOpen?: (key: string) => void;
  /** The live thumbnails of running VMs; without it every row shows the placeholder. */
  thumbnails?: Thumbnails;
  /** Shown in place of rows when there are none. */
  empty?: JSX.Element;
  ref?: (el: HTMLTableElement) => void;
}

/**
 * The VM list as an ARIA grid. Windowed: only the rows in view (plus overscan) exist in the DOM,
 * each absolutely placed (`rowTop`) inside a body as tall as all rows together; the focused
 * row is taller by its toolbar's line, so the toolbar covers none of its cells.
 * The grid is one Tab stop; arrows, Space, Shift, Home/End and Ctrl/Cmd+A work on it.
 */
export function VmTable(props: VmTableProps) {
  let grid: HTMLTableElement | undefined;
  const [scrollTop, setScrollTop] = createSignal(0);
  const [viewport, setViewport] = createSignal(0);
  const [width, setWidth] = createSignal(0);
  /** The toolbar's buttons show their labels (row-actions.css, the same 760 px). */
  const labelled = () => width() >= LABELS_MIN_WIDTH;

  const range = createMemo(() =>
    visibleRange(scrollTop(), viewport() || FALLBACK_VIEWPORT, props.rows().length),
  );
  const windowKeys = createMemo(() => {
    const { first, last } = range();
    return props.rows().slice(first, last);
  });
  const pageSize = () =>
    Math.max(1, Math.floor((viewport() || FALLBACK_VIEWPORT) / ROW_HEIGHT) - 1);

  onMount(() => {
    if (!grid) return;
    const el = grid;
    const measure = () => {
      setViewport(el.clientHeight);
      setWidth(el.clientWidth);
    };
    measure();
    if (typeof ResizeObserver !== "undefined") {
      const observer = new ResizeObserver(measure);
      observer.observe(el);
      onCleanup(() => observer.disconnect());
    } else {
      window.addEventListener("resize", measure);
      onCleanup(() => window.removeEventListener("resize", measure));
    }
  });

  const currentIndex = createMemo(() => {
    const cursor = props.selection().cursor;
    return cursor === null ? -1 : props.rows().indexOf(cursor);
  });
  const bodyHeight = () =>
    props.rows().length * ROW_HEIGHT + (currentIndex() >= 0 ? TOOLBAR_HEIGHT : 0);

  // The list got shorter than the scroll position (filtering): follow the browser's clamp.
  createEffect(() => {
    const total = props.rows().length;
    if (grid && scrollTop() > total * ROW_HEIGHT) setScrollTop(grid.scrollTop);
  });

  /** Scrolls the minimum needed for the row to be fully visible below the sticky header. */
  function ensureVisible(key: string | null) {
    if (!grid || key === null) return;
    const index = props.rows().indexOf(key);
    if (index < 0) return;
    const header = grid.querySelector<HTMLElement>(".vm-head")?.offsetHeight ?? 0;
    const height = grid.clientHeight || FALLBACK_VIEWPORT;
    // The row about to be focused has its toolbar line below it.
    const top = rowTop(index, index);
    const bottom = top + ROW_HEIGHT + TOOLBAR_HEIGHT;
    if (top < grid.scrollTop) {
      grid.scrollTop = top;
    } else if (header + bottom > grid.scrollTop + height) {
      grid.scrollTop = header + bottom - height;
    }
    setScrollTop(grid.scrollTop);
  }

  function update(next: Selection) {
    props.onSelection(next);
    ensureVisible(next.cursor);
  }

  function onKeyDown(event: KeyboardEvent) {
    // Keys typed into a control inside the grid (header buttons, an offer) are theirs.
    if (event.target !== event.currentTarget) return;
    const cursor = props.selection().cursor;
    if (event.key === "Enter" && cursor !== null && props.onOpen) {
      event.preventDefault();
      props.onOpen(cursor);
      return;
    }
    const next = handleKey(props.selection(), props.rows(), event, pageSize());
    if (!next) return;
    event.preventDefault();
    update(next);
  }

  function onRowClick(event: MouseEvent, key: string) {
    if ((event.target as Element).closest("button, a, input")) return;
    const sel = props.selection();
    if (event.shiftKey) update(extendTo(sel, props.rows(), key));
    else if (event.ctrlKey || event.metaKey) update(toggleRow(sel, key));
    else update(focusRow(sel, key));
    grid?.focus({ preventScroll: true });
  }

  function onCheckClick(event: MouseEvent, key: string) {
    event.stopPropagation();
    const sel = props.selection();
    update(event.shiftKey ? extendTo(sel, props.rows(), key) : toggleRow(sel, key));
    grid?.focus({ preventScroll: true });
  }

  const shownSelected = () => {
    const selected = props.selection().selected;
    let count = 0;
    for (const key of props.rows()) if (selected.has(key)) count++;
    return count;
  };
  const allSelected = () => props.rows().length > 0 && shownSelected() === props.rows().length;

  const activeId = () => {
    const cursor = props.selection().cursor;
    return cursor !== null && windowKeys().includes(cursor) ? rowDomId(cursor) : undefined;
  };

  return (
    <table
      ref={(el) => {
        grid = el;
        props.ref?.(el);
      }}
      class="vm-grid"
      // The WAI-ARIA data grid pattern (APG) on a table: the keyboard moves between rows.
      // biome-ignore lint/a11y/noNoninteractiveElementToInteractiveRole: an interactive data grid
      role="grid"
      aria-label="Virtual machines"
      aria-rowcount={props.rows().length + 1}
      aria-multiselectable="true"
      aria-activedescendant={activeId()}
      tabIndex={0}
      data-testid="vm-list"
      data-layout-fit
      data-row-count={props.rows().length}
      onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}
      onKeyDown={onKeyDown}
    >
      <thead class="vm-head">
        <tr class="vm-row vm-head-row" aria-rowindex={1}>
          <th class="cell cell-check" scope="col">
            <input
              type="checkbox"
              tabIndex={-1}
              aria-label="Select all shown machines"
              checked={allSelected()}
              ref={(el) => {
                createEffect(() => {
                  el.indeterminate = shownSelected() > 0 && !allSelected();
                });
              }}
              disabled={props.rows().length === 0}
              onClick={() => {
                const sel = props.selection();
                props.onSelection(
                  allSelected() ? clearSelection(sel) : selectAll(sel, props.rows()),
                );
                grid?.focus({ preventScroll: true });
              }}
            />
          </th>
          <For each={COLUMNS}>
            {(column) => (
              <th
                scope="col"
                class={`cell ${column.class}`}
                aria-sort={
                  column.sort && props.sort().column === column.sort
                    ? ariaSort(props.sort(), column.sort)
                    : undefined
                }
                data-column={column.id}
              >
                <Show
                  when={column.sort}
                  fallback={
                    column.hideLabel ? (
                      <span class="visually-hidden">{column.label}</span>
                    ) : (
                      column.label
                    )
                  }
                >
                  {(sort) => (
                    <button type="button" class="sort-button" onClick={() => props.onSort(sort())}>
                      {column.label}
                      <SortArrow
                        direction={
                          props.sort().column === sort() ? props.sort().direction : undefined
                        }
                      />
                    </button>
                  )}
                </Show>
              </th>
            )}
          </For>
        </tr>
      </thead>
      <tbody class="vm-body" style={{ height: `${Math.max(bodyHeight(), 0)}px` }}>
        <For each={windowKeys()}>
          {(key, i) => (
            <VmGridRow
              vmKey={key}
              index={range().first + i()}
              top={rowTop(range().first + i(), currentIndex())}
              labelled={labelled()}
              table={props}
              selected={props.selection().selected.has(key)}
              current={props.selection().cursor === key}
              onClick={(event) => onRowClick(event, key)}
              onCheckClick={(event) => onCheckClick(event, key)}
            />
          )}
        </For>
      </tbody>
      <Show when={props.rows().length === 0}>
        <tbody class="vm-empty">
          <tr>
            <td colSpan={COLUMNS.length + 1}>{props.empty}</td>
          </tr>
        </tbody>
      </Show>
    </table>
  );
}

function SortArrow(props: { direction?: "asc" | "desc" }) {
  return (
    <svg
      class="sort-arrow"
      classList={{ "sort-arrow-active": props.direction !== undefined }}
      viewBox="0 0 16 16"
      aria-hidden="true"
    >
      <path
        d={props.direction === "desc" ? "M4.5 6.5 8 10l3.5-3.5" : "M4.5 9.5 8 6l3.5 3.5"}
        fill="none"
        stroke="currentColor"
        stroke-width="1.6"
        stroke-linecap="round"
        stroke-linejoin="round"
      />
    </svg>
  );
}

function VmGridRow(props: {
  vmKey: string;
  index: number;
  top: number;
  labelled: boolean;
  table: VmTableProps;
  selected: boolean;
  current: boolean;
  onClick: (event: MouseEvent) => void;
  onCheckClick: (event: MouseEvent) => void;
}) {
  const row = () => props.table.state.vms[props.vmKey];
  return (
    <Show when={row()}>
      {(entry) => {
        const vm = () => entry().vm;
        return (
          <tr
            id={rowDomId(props.vmKey)}
            class="vm-row"
            classList={{
              "is-selected": props.selected,
              "is-current": props.current,
              "is-stale": props.table.connectionDown(entry().connection),
            }}
            style={{ top: `${props.top}px` }}
            aria-rowindex={props.index + 2}
            aria-selected={props.selected}
            data-vm-name={vm().name}
            data-vm-state={vm().state}
            data-vm-uuid={vm().uuid}
            data-connection={entry().connection}
            onClick={(event) => props.onClick(event)}
            onDblClick={(event) => {
              if ((event.target as Element).closest("button, a, input")) return;
              props.table.onOpen?.(props.vmKey);
            }}
          >
            <td class="cell cell-check">
              <input
                type="checkbox"
                tabIndex={-1}
                checked={props.selected}
                aria-label={`Select ${vm().name}`}
                onClick={(event) => props.onCheckClick(event)}
              />
            </td>
            <td class="cell cell-thumb">
              <VmThumbnail
                vmKey={props.vmKey}
                connection={entry().connection}
                uuid={vm().uuid}
                name={vm().name}
                running={isRunning(vm().state)}
                thumbnails={props.table.thumbnails}
                onOpen={
                  props.table.onConsole ? () => props.table.onConsole?.(props.vmKey) : undefined
                }
              />
            </td>
            <td class="cell cell-name">
              <Show
                when={props.table.onOpen}
                fallback={
                  <span class="vm-name" title={vm().name}>
                    {vm().name}
                  </span>
                }
              >
                <button
                  type="button"
                  class="vm-name link-button"
                  tabIndex={-1}
                  title={vm().name}
                  onClick={() => props.table.onOpen?.(props.vmKey)}
                >
                  {vm().name}
                </button>
              </Show>
              <span class="vm-flags">
                <span class="cell-conn" title={entry().connection}>
                  {props.table.connectionName(entry().connection)}
                </span>
                <Show when={vm().autostart || !vm().persistent}>
                  {` · ${[
                    vm().autostart ? "starts at boot" : "",
                    vm().persistent ? "" : "transient",
                  ]
                    .filter(Boolean)
                    .join(" · ")}`}
                </Show>
              </span>
            </td>
            <td class="cell cell-state">
              <Show
                when={props.table.transition?.(props.vmKey)}
                fallback={
                  <span
                    class={`badge badge-${VM_STATE_TONES[vm().state] ?? "neutral"} state-badge`}
                  >
                    <span class="badge-dot" aria-hidden="true" />
                    <span class="badge-label">{VM_STATE_LABELS[vm().state] ?? vm().state}</span>
                  </span>
                }
              >
                {(label) => (
                  <span class="badge badge-busy state-badge" data-testid="transition">
                    <span class="spinner spinner-small" aria-hidden="true" />
                    <span class="badge-label">{label()}</span>
                  </span>
                )}
              </Show>
              <Show when={props.table.offered(props.vmKey)}>
                <span class="offer" data-testid="force-off-offer">
                  Still running —{" "}
                  <button
                    type="button"
                    class="link-button"
                    onClick={() => props.table.onForceOffOffer(props.vmKey)}
                  >
                    Force off?
                  </button>
                </span>
              </Show>
            </td>
            <td class="cell cell-os" title={vm().os ?? vm().osId ?? undefined}>
              <Show when={vm().os} fallback={<span class="dim">—</span>}>
                {vm().os}
              </Show>
            </td>
            <td class="cell cell-num">{vm().vcpus}</td>
            <td class="cell cell-num">{formatBytes(vm().memory)}</td>
            <td class="cell cell-cpu">
              <CpuCell
                running={isRunning(vm().state)}
                stats={props.table.state.stats[props.vmKey]}
              />
            </td>
            <Show when={props.current}>
              <td class="cell cell-actions">
                <RowActions
                  vm={vm()}
                  labelled={props.labelled}
                  busy={props.table.busy(props.vmKey)}
                  onAction={(action) => props.table.onAction(props.vmKey, action)}
                  onConsole={
                    props.table.onConsole ? () => props.table.onConsole?.(props.vmKey) : undefined
                  }
                />
              </td>
            </Show>
          </tr>
        );
      }}
    </Show>
  );
}

/** The only cell that reads stats: a stats event re-renders this and nothing else. */
function CpuCell(props: { running: boolean; stats: VmLiveStats | undefined }) {
  const latest = () => {
    const cpu = props.stats?.cpu;
    return cpu && cpu.length > 0 ? cpu[cpu.length - 1] : null;
  };
  return (
    <Show when={props.running && latest() !== null} fallback={<span class="dim">—</span>}>
      <span class="cpu" data-testid="cpu">
        <Sparkline values={props.stats?.cpu ?? []} />
        <span class="cpu-value">{Math.round(latest() ?? 0)}%</span>
      </span>
    </Show>
  );
}
