import { createEffect, onCleanup, onMount } from "solid-js";
import { type Metric, type StatsSeries, segments } from "./series";

export interface GraphLine {
  metric: Metric;
  /** A CSS colour, usually a custom property of graphs.css. */
  color: string;
}

/**
 * One graph, drawn on a canvas from `series` whenever `version` changes or the canvas is
 * resized: a sample costs one redraw of this canvas, no DOM update.
 */
export function GraphCanvas(props: {
  series: StatsSeries;
  lines: readonly GraphLine[];
  max: () => number;
  version: () => number;
  label: string;
  testId: string;
}) {
  let canvas: HTMLCanvasElement | undefined;
  // The colours come from the stylesheet's custom properties; read once and again only when
  // the colour scheme changes, so a sample does not force a style recalculation.
  let colors: Map<string, string> | undefined;
  const scheme = window.matchMedia?.("(prefers-color-scheme: dark)");
  const forgetColors = () => {
    colors = undefined;
    draw();
  };
  scheme?.addEventListener?.("change", forgetColors);
  onCleanup(() => scheme?.removeEventListener?.("change", forgetColors));
  // A graph scrolled out of view is not drawn; it catches up when it comes back.
  let onScreen = true;

  function color(c: HTMLCanvasElement, name: string, fallback: string): string {
    if (!colors) colors = new Map();
    let value = colors.get(name);
    if (value === undefined) {
      value = getComputedStyle(c).getPropertyValue(name).trim() || fallback;
      colors.set(name, value);
    }
    return value;
  }

  function draw(): void {
    const c = canvas;
    if (!c || !onScreen) return;
    const ctx = c.getContext("2d");
    if (!ctx) return;
    const ratio = window.devicePixelRatio || 1;
    const width = c.clientWidth;
    const height = c.clientHeight;
    if (c.width !== Math.round(width * ratio) || c.height !== Math.round(height * ratio)) {
      c.width = Math.round(width * ratio);
      c.height = Math.round(height * ratio);
    }
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.strokeStyle = color(c, "--graph-grid", "rgba(0,0,0,0.08)");
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (const f of [0.25, 0.5, 0.75]) {
      const y = Math.round(height * f) + 0.5;
      ctx.moveTo(0, y);
      ctx.lineTo(width, y);
    }
    ctx.stroke();
    const now = props.series.points.at(-1)?.at ?? Date.now();
    const box = { width, height: height - 1, max: props.max(), now };
    ctx.lineWidth = 1.5;
    ctx.lineJoin = "round";
    for (const line of props.lines) {
      ctx.strokeStyle = color(c, line.color, line.color);
      for (const seg of segments(props.series, line.metric, box)) {
        ctx.beginPath();
        ctx.moveTo(seg[0][0], seg[0][1] + 0.5);
        for (const [x, y] of seg.slice(1)) ctx.lineTo(x, y + 0.5);
        if (seg.length === 1) ctx.lineTo(seg[0][0] + 1, seg[0][1] + 0.5);
        ctx.stroke();
      }
    }
  }

  createEffect(() => {
    props.version();
    draw();
  });
  /** How many samples are drawn: read by the end-to-end tests, updated with each sample. */
  const drawn = () => {
    props.version();
    return props.series.points.length;
  };
  onMount(() => {
    if (!canvas) return;
    if (typeof ResizeObserver !== "undefined") {
      const resized = new ResizeObserver(() => draw());
      resized.observe(canvas);
      onCleanup(() => resized.disconnect());
    }
    if (typeof IntersectionObserver !== "undefined") {
      const seen = new IntersectionObserver((entries) => {
        const was = onScreen;
        onScreen = entries.some((e) => e.isIntersecting);
        if (onScreen && !was) draw();
      });
      seen.observe(canvas);
      onCleanup(() => seen.disconnect());
    }
  });

  return (
    <canvas
      ref={canvas}
      class="vm-graph-canvas"
      role="img"
      aria-label={props.label}
      data-testid={props.testId}
      data-samples={drawn()}
    />
  );
}
