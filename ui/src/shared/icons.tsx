import type { Status } from "../bindings/Status";

const PATHS: Record<Status, string> = {
  ok: "M4.5 8.5 7 11l4.5-6",
  info: "M8 7.5V11.5M8 4.75v.01",
  warning: "M8 4.5v4M8 11.25v.01",
  error: "M5.5 5.5l5 5M10.5 5.5l-5 5",
};

/** A 16 px status glyph drawn in currentColor; decorative (the label carries the meaning). */
export function StatusIcon(props: { status: Status }) {
  return (
    <svg class="status-icon" viewBox="0 0 16 16" aria-hidden="true">
      <circle cx="8" cy="8" r="7.25" fill="currentColor" opacity="0.16" />
      <path
        d={PATHS[props.status]}
        fill="none"
        stroke="currentColor"
        stroke-width="1.8"
        stroke-linecap="round"
        stroke-linejoin="round"
      />
    </svg>
  );
}
