import { createUniqueId, For, onCleanup, Show } from "solid-js";

/** A key as `[KeyboardEvent.code, KeyboardEvent.key]`. */
export type Key = readonly [code: string, key: string];

export interface KeyChord {
  /** `data-action` of its menu item. */
  id: string;
  label: string;
  keys: readonly Key[];
}

const CTRL: Key = ["ControlLeft", "Control"];
const ALT: Key = ["AltLeft", "Alt"];

/** What the menu sends: keys the host would catch itself (or the window manager would). */
export const KEY_CHORDS: readonly KeyChord[] = [
  { id: "ctrl-alt-del", label: "Ctrl+Alt+Del", keys: [CTRL, ALT, ["Delete", "Delete"]] },
  {
    id: "ctrl-alt-backspace",
    label: "Ctrl+Alt+Backspace",
    keys: [CTRL, ALT, ["Backspace", "Backspace"]],
  },
  { id: "print-screen", label: "Print Screen", keys: [["PrintScreen", "PrintScreen"]] },
  ...Array.from({ length: 12 }, (_, i) => ({
    id: `ctrl-alt-f${i + 1}`,
    label: `Ctrl+Alt+F${i + 1}`,
    keys: [CTRL, ALT, [`F${i + 1}`, `F${i + 1}`] as Key],
  })),
];

/** A chord as key events: pressed in order, released in reverse. */
export function chordStrokes(keys: readonly Key[]): [code: string, key: string, down: boolean][] {
  return [
    ...keys.map(([code, key]) => [code, key, true] as [string, string, boolean]),
    ...[...keys].reverse().map(([code, key]) => [code, key, false] as [string, string, boolean]),
  ];
}

export interface SendKeysMenuProps {
  disabled: boolean;
  onSend: (keys: readonly Key[]) => void;
}

/**
 * "Send key" menu button (WAI-ARIA menu button): Enter, Space or ArrowDown open it on the first
 * item, ArrowUp on the last; arrows, Home and End move; Escape closes it and returns to the
 * button; Tab and a click outside close it. Items stay in the DOM while closed (hidden).
 */
export function SendKeysMenu(props: SendKeysMenuProps) {
  const menuId = createUniqueId();
  let button: HTMLButtonElement | undefined;
  let menu: HTMLDivElement | undefined;
  let open = false;

  const items = () => [...(menu?.querySelectorAll<HTMLButtonElement>('[role="menuitem"]') ?? [])];

  function onOutside(event: Event) {
    const target = event.target as Node | null;
    if (menu?.contains(target) || button?.contains(target)) return;
    close(false);
  }

  function setOpen(value: boolean) {
    open = value;
    if (menu) menu.hidden = !value;
    button?.setAttribute("aria-expanded", String(value));
  }

  /** Fixed under the button, moved left or up only as far as it must to stay in the window
   * (no toolbar or scroll box clips it). */
  function place() {
    if (!button || !menu) return;
    const anchor = button.getBoundingClientRect();
    const margin = 8;
    const width = menu.offsetWidth;
    const height = menu.offsetHeight;
    const left = Math.max(margin, Math.min(anchor.left, window.innerWidth - width - margin));
    const below = anchor.bottom + 4;
    const top =
      below + height + margin <= window.innerHeight
        ? below
        : Math.max(margin, anchor.top - 4 - height);
    menu.style.left = `${left}px`;
    menu.style.top = `${top}px`;
  }

  function show(focus: "first" | "last") {
    if (props.disabled) return;
    setOpen(true);
    place();
    document.addEventListener("pointerdown", onOutside, true);
    const list = items();
    (focus === "first" ? list[0] : list[list.length - 1])?.focus();
  }

  function close(restoreFocus: boolean) {
    if (!open) return;
    setOpen(false);
    document.removeEventListener("pointerdown", onOutside, true);
    if (restoreFocus) button?.focus();
  }
  onCleanup(() => close(false));

  function onButtonKey(event: KeyboardEvent) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      show(event.key === "ArrowDown" ? "first" : "last");
    }
  }

  function onMenuKey(event: KeyboardEvent) {
    const list = items();
    const index = list.indexOf(document.activeElement as HTMLButtonElement);
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation(); // the menu closes, not the console
      close(true);
    } else if (event.key === "Tab") {
      close(false);
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      list[(index + step + list.length) % list.length]?.focus();
    } else if (event.key === "Home" || event.key === "End") {
      event.preventDefault();
      list[event.key === "Home" ? 0 : list.length - 1]?.focus();
    }
  }

  function send(chord: KeyChord) {
    close(false);
    props.onSend(chord.keys);
  }

  return (
    <div class="console-menu-anchor">
      <button
        ref={button}
        type="button"
        class="button button-small"
        data-action="send-key"
        aria-haspopup="menu"
        aria-expanded="false"
        aria-controls={menuId}
        disabled={props.disabled}
        onClick={() => (open ? close(true) : show("first"))}
        onKeyDown={onButtonKey}
      >
        Send key
        <svg class="console-caret" viewBox="0 0 10 6" aria-hidden="true">
          <path d="M1 1l4 4 4-4" fill="none" stroke="currentColor" stroke-width="1.5" />
        </svg>
      </button>
      <div
        ref={menu}
        id={menuId}
        class="menu console-keys-menu"
        role="menu"
        aria-label="Send key"
        tabIndex={-1}
        hidden
        onKeyDown={onMenuKey}
      >
        <For each={KEY_CHORDS}>
          {(chord, i) => (
            <>
              <Show when={i() === 3}>
                <hr class="console-menu-separator" />
              </Show>
              <button
                type="button"
                role="menuitem"
                class="menu-item"
                classList={{ "console-menu-fkey": chord.id.startsWith("ctrl-alt-f") }}
                tabIndex={-1}
                data-action={chord.id}
                disabled={props.disabled}
                onClick={() => send(chord)}
              >
                {chord.label}
              </button>
            </>
          )}
        </For>
      </div>
    </div>
  );
}
