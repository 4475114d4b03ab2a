import type { StatsSample } from "../../bindings/StatsSample";
import type { VmStats } from "../../bindings/VmStats";
import type { VmStatsHistory } from "../../bindings/VmStatsHistory";

/** What a graph line plots. */
export type Metric =
  | "cpu"
  | "memory"
  | "guestMemory"
  | "diskRead"
  | "diskWrite"
  | "netRx"
  | "netTx";

export interface Point {
  /** Milliseconds since the Unix epoch. */
  at: number;
  values: Record<Metric, number | null>;
}

function pointOf(at: number, s: StatsSample | VmStats): Point {
  const io = s.io ?? null;
  return {
    at,
    values: {
      cpu: s.cpuPercent,
      memory: s.memoryUsed,
      guestMemory: s.guestMemoryUsed ?? null,
      diskRead: io?.diskRead ?? null,
      diskWrite: io?.diskWrite ?? null,
      netRx: io?.netRx ?? null,
      netTx: io?.netTx ?? null,
    },
  };
}

/**
 * One VM's stats over the graphs' window: the backend's history, then each `stats` event's
 * sample appended. Plain data (not a store): the graphs redraw from it on each sample
 * without anything else on the page re-rendering.
 */
export class StatsSeries {
  points: Point[] = [];
  capacity = 450;
  intervalMs = 2000;

  load(history: VmStatsHistory): void {
    this.capacity = Math.max(history.capacity, 1);
    this.intervalMs = Math.max(history.intervalMs, 1);
    const loaded = history.samples.map((s) => pointOf(s.at, s));
    // Samples that arrived while the history was on its way stay, after it.
    const last = loaded.at(-1)?.at ?? Number.NEGATIVE_INFINITY;
    this.points = [...loaded, ...this.points.filter((p) => p.at > last)].slice(-this.capacity);
  }

  push(at: number, stats: VmStats): void {
    const last = this.points.at(-1);
    if (last && at <= last.at) return;
    this.points.push(pointOf(at, stats));
    if (this.points.length > this.capacity)
      this.points.splice(0, this.points.length - this.capacity);
  }

  latest(metric: Metric): number | null {
    return this.points.at(-1)?.values[metric] ?? null;
  }

  /** The largest value of `metrics` in the window (0 when there is none). */
  max(metrics: readonly Metric[]): number {
    let m = 0;
    for (const p of this.points) {
      for (const k of metrics) {
        const v = p.values[k];
        if (v !== null && Number.isFinite(v) && v > m) m = v;
      }
    }
    return m;
  }

  /** How many milliseconds the window spans. */
  span(): number {
    return this.capacity * this.intervalMs;
  }
}

/**
 * The line of `metric` as polylines in a `width`×`height` box: time runs from `now - span`
 * at the left to `now` at the right, values from 0 at the bottom to `max` at the top. A
 * missing value or more than 2.5 intervals without a sample (the page was closed, the VM
 * restarted) breaks the line instead of bridging the gap.
 */
export function segments(
  series: StatsSeries,
  metric: Metric,
  box: { width: number; height: number; max: number; now: number },
): [number, number][][] {
  const span = series.span();
  const left = box.now - span;
  const gap = series.intervalMs * 2.5;
  const max = box.max > 0 ? box.max : 1;
  const out: [number, number][][] = [];
  let line: [number, number][] = [];
  let previousAt = Number.NEGATIVE_INFINITY;
  for (const p of series.points) {
    const v = p.values[metric];
    if (v === null || !Number.isFinite(v) || p.at - previousAt > gap) {
      if (line.length > 0) out.push(line);
      line = [];
    }
    previousAt = p.at;
    if (v === null || !Number.isFinite(v) || p.at < left) continue;
    const x = ((p.at - left) / span) * box.width;
    const y = box.height - (Math.min(Math.max(v, 0), max) / max) * box.height;
    line.push([Math.round(x * 10) / 10, Math.round(y * 10) / 10]);
  }
  if (line.length > 0) out.push(line);
  return out;
}

/** A round ceiling for an automatic scale: 1, 2 or 5 times a power of ten, at least `floor`. */
export function niceCeiling(value: number, floor = 1): number {
  const v = Math.max(value, floor);
  const power = 10 ** Math.floor(Math.log10(v));
  for (const step of [1, 2, 5, 10]) {
    if (step * power >= v) return step * power;
  }
  return 10 * power;
}
