import { For, type JSX } from "solid-js";

/** The app icon: a white chevron "V" on a green rounded square. Vector only, crisp at any DPI. */
export function Logo(props: { size?: number }) {
  return (
    <svg
      class="logo"
      width={props.size ?? 24}
      height={props.size ?? 24}
      viewBox="0 0 32 32"
      aria-hidden="true"
    >
      <rect width="32" height="32" rx="8" fill="#1f7a6c" />
      <path
        d="M9.5 10.5 16 22.5l6.5-12"
        fill="none"
        stroke="#fff"
        stroke-width="3.4"
        stroke-linecap="round"
        stroke-linejoin="round"
      />
    </svg>
  );
}

/**
 * The window's header bar: app name on the left, the view switcher in the middle, the screen's
 * actions on the right.
 */
export function TopBar(props: { nav?: JSX.Element; children?: JSX.Element }) {
  return (
    <header class="topbar">
      <div class="brand">
        <Logo />
        <span class="brand-name">Vireo</span>
      </div>
      <div class="topbar-center">{props.nav}</div>
      <div class="topbar-actions">{props.children}</div>
    </header>
  );
}

export type View = "machines" | "host-check" | "preferences";

export const VIEWS: readonly { id: View; label: string }[] = [
  { id: "machines", label: "Machines" },
  { id: "host-check", label: "Host check" },
  { id: "preferences", label: "Preferences" },
];

/** Switches between the app's top-level views (libadwaita's view switcher, as buttons). */
export function ViewSwitcher(props: { current: View; onSelect: (view: View) => void }) {
  return (
    <nav class="view-switcher" aria-label="Views">
      <For each={VIEWS}>
        {(view) => (
          <button
            type="button"
            class="view-switch"
            classList={{ "view-switch-current": props.current === view.id }}
            aria-current={props.current === view.id ? "page" : undefined}
            data-view={view.id}
            onClick={() => props.onSelect(view.id)}
          >
            {view.label}
          </button>
        )}
      </For>
    </nav>
  );
}
