import { CPU_HISTORY } from "../inventory/store";

/**
 * SVG points for `values` (0–100), right-aligned so the newest sample sits at the right edge
 * and the line grows leftwards until `capacity` samples fill the width.
 */
export function sparklinePoints(
  values: readonly number[],
  width: number,
  height: number,
  capacity = CPU_HISTORY,
): string {
  if (values.length === 0) return "";
  const step = width / Math.max(capacity - 1, 1);
  const pad = 1.5;
  const y = (v: number) => {
    const clamped = Math.min(Math.max(Number.isFinite(v) ? v : 0, 0), 100);
    return pad + (1 - clamped / 100) * (height - 2 * pad);
  };
  const shown = values.slice(-capacity);
  // One sample is a dot's worth of line: draw it one step wide.
  const series = shown.length === 1 ? [shown[0], shown[0]] : shown;
  const n = series.length;
  return series.map((v, i) => `${round(width - (n - 1 - i) * step)},${round(y(v))}`).join(" ");
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

/** A tiny CPU history chart; decorative (the percentage next to it carries the value). */
export function Sparkline(props: { values: readonly number[]; width?: number; height?: number }) {
  const width = () => props.width ?? 64;
  const height = () => props.height ?? 20;
  const points = () => sparklinePoints(props.values, width(), height());
  const area = () => {
    const p = points();
    if (p === "") return "";
    const first = p.split(" ")[0].split(",")[0];
    return `${first},${height()} ${p} ${width()},${height()}`;
  };
  return (
    <svg
      class="sparkline"
      width={width()}
      height={height()}
      viewBox={`0 0 ${width()} ${height()}`}
      aria-hidden="true"
    >
      <polygon class="sparkline-fill" points={area()} />
      <polyline class="sparkline-line" points={points()} />
    </svg>
  );
}
