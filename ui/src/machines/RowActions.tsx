import "./row-actions.css";
import { createSignal, For, type JSX, onCleanup, Show } from "solid-js";
import type { Action } from "../bindings/Action";
import type { VmState } from "../bindings/VmState";
import type { VmSummary } from "../bindings/VmSummary";
import { ACTION_LABELS, MORE_ACTIONS, PRIMARY_ACTIONS } from "./labels";

export interface RowActionsProps {
  vm: VmSummary;
  /** The action in flight for this VM, if any: every button waits for it. */
  busy: Action | undefined;
  onAction: (action: Action) => void;
  /** Opens the VM's graphical console. */
  onConsole?: () => void;
  /** Enabled buttons show their labels: they get no tooltip (a native tooltip stays painted
   * over the dialog or console the click opens). */
  labelled?: boolean;
}

/** VM states with a screen to show. */
const CONSOLE_STATES: ReadonlySet<VmState> = new Set<VmState>(["running", "blocked", "paused"]);

export const hasConsole = (state: VmState) => CONSOLE_STATES.has(state);

/**
 * The focused row's toolbar: every action, enabled exactly when the backend allows it. The
 * common ones are icon buttons (named by aria-label and tooltip), the rest sit in "More".
 */
export function RowActions(props: RowActionsProps) {
  const enabled = (action: Action) => props.vm.allowed.includes(action) && props.busy === undefined;
  return (
    <div class="row-actions" role="toolbar" aria-label={`Actions for ${props.vm.name}`}>
      <button
        type="button"
        class="icon-button row-action"
        data-action="console"
        aria-label="Console"
        data-tip={props.labelled && hasConsole(props.vm.state) ? undefined : "Console"}
        disabled={!hasConsole(props.vm.state) || props.onConsole === undefined}
        onClick={() => props.onConsole?.()}
      >
        <svg class="glyph" viewBox="0 0 16 16" aria-hidden="true">
          <path
            d="M2.5 3.5h11v7.5h-11zM6 13.5h4M8 11v2.5"
            fill="none"
            stroke="currentColor"
            stroke-width="1.5"
            stroke-linejoin="round"
            stroke-linecap="round"
          />
        </svg>
        <span class="row-action-label">Console</span>
      </button>
      <For each={PRIMARY_ACTIONS}>
        {(action) => (
          <button
            type="button"
            class="icon-button row-action"
            classList={{ "row-action-danger": action === "force-off" || action === "delete" }}
            data-action={action}
            aria-label={ACTION_LABELS[action].replace("…", "")}
            data-tip={
              props.labelled && enabled(action) ? undefined : ACTION_LABELS[action].replace("…", "")
            }
            disabled={!enabled(action)}
            aria-busy={props.busy === action}
            onClick={() => props.onAction(action)}
          >
            <Show when={props.busy === action} fallback={<ActionIcon action={action} />}>
              <span class="spinner" aria-hidden="true" />
            </Show>
            <span class="row-action-label" aria-hidden="true">
              {ACTION_LABELS[action].replace("…", "")}
            </span>
          </button>
        )}
      </For>
      <MoreMenu actions={MORE_ACTIONS} enabled={enabled} onAction={props.onAction} />
    </div>
  );
}

/**
 * A menu button whose popup is fixed-positioned, so the grid's scroll box does not clip it.
 * Arrow keys move between items, Escape and Tab close it, focus returns to the button.
 */
function MoreMenu(props: {
  actions: readonly Action[];
  enabled: (action: Action) => boolean;
  onAction: (action: Action) => void;
}) {
  const [open, setOpen] = createSignal(false);
  const [position, setPosition] = createSignal<JSX.CSSProperties>({});
  let button: HTMLButtonElement | undefined;
  let menu: HTMLDivElement | undefined;

  const items = () => [...(menu?.querySelectorAll<HTMLButtonElement>("button") ?? [])];

  function onOutside(event: Event) {
    const target = event.target as Node;
    if (!menu?.contains(target) && !button?.contains(target)) close(false);
  }
  function onScroll(event: Event) {
    if (!menu?.contains(event.target as Node)) close(false);
  }

  function show() {
    const rect = button?.getBoundingClientRect();
    if (rect) {
      // Below the button when there is room, else above.
      const below = rect.bottom + 200 < window.innerHeight;
      setPosition(
        below
          ? { top: `${rect.bottom + 4}px`, right: `${window.innerWidth - rect.right}px` }
          : {
              bottom: `${window.innerHeight - rect.top + 4}px`,
              right: `${window.innerWidth - rect.right}px`,
            },
      );
    }
    setOpen(true);
    document.addEventListener("mousedown", onOutside, true);
    window.addEventListener("scroll", onScroll, true);
    queueMicrotask(() => (items().find((item) => !item.disabled) ?? menu)?.focus());
  }

  function close(restoreFocus: boolean) {
    if (!open()) return;
    setOpen(false);
    document.removeEventListener("mousedown", onOutside, true);
    window.removeEventListener("scroll", onScroll, true);
    if (restoreFocus) button?.focus();
  }
  onCleanup(() => close(false));

  function onMenuKey(event: KeyboardEvent) {
    const list = items().filter((item) => !item.disabled);
    const index = list.indexOf(document.activeElement as HTMLButtonElement);
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      close(true);
    } else if (event.key === "Tab") {
      close(false);
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (list.length === 0) return;
      const step = event.key === "ArrowDown" ? 1 : -1;
      list[(index + step + list.length) % list.length].focus();
    } else if (event.key === "Home" || event.key === "End") {
      event.preventDefault();
      list[event.key === "Home" ? 0 : list.length - 1]?.focus();
    }
  }

  return (
    <>
      <button
        ref={button}
        type="button"
        class="icon-button row-action"
        aria-label="More actions"
        data-tip="More actions"
        aria-haspopup="menu"
        aria-expanded={open()}
        onClick={() => (open() ? close(true) : show())}
      >
        <svg class="glyph" viewBox="0 0 16 16" aria-hidden="true">
          <circle cx="3.5" cy="8" r="1.4" fill="currentColor" />
          <circle cx="8" cy="8" r="1.4" fill="currentColor" />
          <circle cx="12.5" cy="8" r="1.4" fill="currentColor" />
        </svg>
      </button>
      <Show when={open()}>
        <div
          ref={menu}
          class="menu"
          role="menu"
          tabIndex={-1}
          style={position()}
          onKeyDown={onMenuKey}
        >
          <For each={props.actions}>
            {(action) => (
              <button
                type="button"
                role="menuitem"
                class="menu-item"
                data-action={action}
                disabled={!props.enabled(action)}
                onClick={() => {
                  close(true);
                  props.onAction(action);
                }}
              >
                {ACTION_LABELS[action]}
              </button>
            )}
          </For>
        </div>
      </Show>
    </>
  );
}

const GLYPHS: Partial<Record<Action, () => JSX.Element>> = {
  start: () => <path d="M5 3.5v9l7-4.5z" fill="currentColor" />,
  resume: () => (
    <path
      d="M3.5 3.5v9M6.5 3.5v9l6.5-4.5z"
      fill="currentColor"
      stroke="currentColor"
      stroke-width="0.01"
    />
  ),
  pause: () => <path d="M5 3.5v9M11 3.5v9" stroke="currentColor" stroke-width="2.2" fill="none" />,
  shutdown: () => (
    <path
      d="M8 2.5v5M4.6 4.6a5 5 0 1 0 6.8 0"
      fill="none"
      stroke="currentColor"
      stroke-width="1.6"
      stroke-linecap="round"
    />
  ),
  "force-off": () => (
    <path
      d="M5.5 2.5v3M10.5 2.5v3M4 5.5h8v2.5a4 4 0 0 1-8 0zM8 12v2"
      fill="none"
      stroke="currentColor"
      stroke-width="1.5"
      stroke-linejoin="round"
      stroke-linecap="round"
    />
  ),
  reboot: () => (
    <path
      d="M12.8 8A4.8 4.8 0 1 1 11 4.3M11.5 1.8v2.8H8.7"
      fill="none"
      stroke="currentColor"
      stroke-width="1.6"
      stroke-linecap="round"
      stroke-linejoin="round"
    />
  ),
  // A disk: the VM's memory goes to a file.
  save: () => (
    <path
      d="M3 2.5h8l2 2v9H3zM5.5 2.5v3h4.5v-3M5 13.5v-4h6v4"
      fill="none"
      stroke="currentColor"
      stroke-width="1.6"
      stroke-linecap="round"
      stroke-linejoin="round"
    />
  ),
  delete: () => (
    <path
      d="M3.5 4.5h9M6.5 4.5V3h3v1.5M4.8 4.5l.7 8.5h5l.7-8.5"
      fill="none"
      stroke="currentColor"
      stroke-width="1.5"
      stroke-linejoin="round"
      stroke-linecap="round"
    />
  ),
};

/** A 16 px glyph per primary action, drawn in currentColor; the button's label names it. */
export function ActionIcon(props: { action: Action }) {
  return (
    <svg class="glyph" viewBox="0 0 16 16" aria-hidden="true">
      {GLYPHS[props.action]?.()}
    </svg>
  );
}
