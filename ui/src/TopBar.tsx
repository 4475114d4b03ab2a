import type { JSX } from "solid-js";

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

/** The window's header bar: app name on the left, the screen's actions on the right. */
export function TopBar(props: { children?: JSX.Element }) {
  return (
    <header class="topbar">
      <div class="brand">
        <Logo />
        <span class="brand-name">Vireo</span>
      </div>
      <div class="topbar-actions">{props.children}</div>
    </header>
  );
}
