/**
 * Multi-selection and keyboard focus over a list of row keys, as pure functions.
 * `cursor` is the focused row (the one the action bar acts on); `selected` the checked rows.
 */
export interface Selection {
  readonly selected: ReadonlySet<string>;
  readonly cursor: string | null;
  /** Where a Shift-extension starts. */
  readonly anchor: string | null;
  /** The selection before the current Shift-extension; the range is added to it. */
  readonly base: ReadonlySet<string>;
}

export const emptySelection: Selection = {
  selected: new Set(),
  cursor: null,
  anchor: null,
  base: new Set(),
};

/** Moves the cursor without touching the selection; Shift-extensions start from here. */
export function focusRow(sel: Selection, key: string): Selection {
  return { selected: sel.selected, cursor: key, anchor: key, base: sel.selected };
}

/** Checks or unchecks one row and moves the cursor to it. */
export function toggleRow(sel: Selection, key: string): Selection {
  const selected = new Set(sel.selected);
  if (selected.has(key)) selected.delete(key);
  else selected.add(key);
  return { selected, cursor: key, anchor: key, base: selected };
}

/** Selects the rows between the anchor and `key` (inclusive), on top of the earlier selection. */
export function extendTo(sel: Selection, rows: readonly string[], key: string): Selection {
  const to = rows.indexOf(key);
  if (to < 0) return sel;
  const anchor = sel.anchor !== null && rows.includes(sel.anchor) ? sel.anchor : key;
  const from = rows.indexOf(anchor);
  const selected = new Set(sel.base);
  for (let i = Math.min(from, to); i <= Math.max(from, to); i++) selected.add(rows[i]);
  return { selected, cursor: key, anchor, base: sel.base };
}

/** Ctrl/Cmd+A: exactly the given (visible) rows. */
export function selectAll(sel: Selection, rows: readonly string[]): Selection {
  const selected = new Set(rows);
  return { selected, cursor: sel.cursor, anchor: sel.cursor, base: selected };
}

export function clearSelection(sel: Selection): Selection {
  if (sel.selected.size === 0) return sel;
  const selected = new Set<string>();
  return { selected, cursor: sel.cursor, anchor: sel.cursor, base: selected };
}

/** Forgets rows that are no longer listed (filtered out or removed); same object if none. */
export function pruneSelection(sel: Selection, rows: readonly string[]): Selection {
  const present = new Set(rows);
  const cursorGone = sel.cursor !== null && !present.has(sel.cursor);
  const anchorGone = sel.anchor !== null && !present.has(sel.anchor);
  const stale = [...sel.selected].some((key) => !present.has(key));
  const baseStale = [...sel.base].some((key) => !present.has(key));
  if (!cursorGone && !anchorGone && !stale && !baseStale) return sel;
  const keep = (set: ReadonlySet<string>) => new Set([...set].filter((key) => present.has(key)));
  const selected = stale ? keep(sel.selected) : sel.selected;
  return {
    selected,
    cursor: cursorGone ? null : sel.cursor,
    anchor: anchorGone ? null : sel.anchor,
    base: baseStale ? keep(sel.base) : sel.base,
  };
}

export interface KeyInput {
  key: string;
  shiftKey?: boolean;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
}

/**
 * The list's keyboard behaviour. Returns the new selection, or null when the key is not the
 * list's (the caller then leaves the event alone). Enter is deliberately not handled yet.
 */
export function handleKey(
  sel: Selection,
  rows: readonly string[],
  input: KeyInput,
  pageSize = 10,
): Selection | null {
  if (input.altKey) return null;
  const command = input.ctrlKey || input.metaKey;
  if (command) {
    if (input.key === "a" || input.key === "A") return selectAll(sel, rows);
    return null;
  }
  if (input.key === "Escape") return sel.selected.size > 0 ? clearSelection(sel) : null;
  if (rows.length === 0) return null;

  const current = sel.cursor === null ? -1 : rows.indexOf(sel.cursor);
  const last = rows.length - 1;
  let target: number;
  switch (input.key) {
    case "ArrowDown":
      target = current < 0 ? 0 : Math.min(current + 1, last);
      break;
    case "ArrowUp":
      target = current < 0 ? 0 : Math.max(current - 1, 0);
      break;
    case "PageDown":
      target = current < 0 ? 0 : Math.min(current + pageSize, last);
      break;
    case "PageUp":
      target = current < 0 ? 0 : Math.max(current - pageSize, 0);
      break;
    case "Home":
      target = 0;
      break;
    case "End":
      target = last;
      break;
    case " ":
    case "Spacebar":
      return toggleRow(sel, rows[current < 0 ? 0 : current]);
    default:
      return null;
  }
  const key = rows[target];
  if (input.shiftKey) {
    // Starting an extension from nowhere: anchor at the row we were on (or land on).
    const from = current < 0 ? key : rows[current];
    const anchored =
      sel.anchor !== null && rows.includes(sel.anchor)
        ? sel
        : { ...sel, anchor: from, base: sel.selected };
    return extendTo(anchored, rows, key);
  }
  return focusRow(sel, key);
}
