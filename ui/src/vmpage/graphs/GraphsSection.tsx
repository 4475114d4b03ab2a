import "./graphs.css";
import { createEffect, createMemo, createSignal, on, onCleanup, Show } from "solid-js";
import { useBackend } from "../../backend";
import { toApiError } from "../../backend/errors";
import type { ApiError } from "../../bindings/ApiError";
import type { VmDetails } from "../../bindings/VmDetails";
import type { VmRef } from "../../bindings/VmRef";
import { isRunning } from "../../inventory/store";
import { formatBytes } from "../../shared/format";
import { InlineError } from "../../wizard/InlineError";
import { GraphCanvas } from "./GraphCanvas";
import { type Metric, niceCeiling, StatsSeries } from "./series";

const MIB = 1024 * 1024;

function rate(v: number | null): string {
  return v === null ? "—" : `${formatBytes(v)}/s`;
}

/**
 * The VM's CPU, memory, disk and network over the last 15 minutes. While the VM runs and
 * the window is visible the page watches it (the backend samples it in the connection's one
 * bulk call and keeps the history); otherwise nothing is sampled for it.
 */
export function GraphsSection(props: { vm: VmRef; details: VmDetails }) {
  const backend = useBackend();
  const series = new StatsSeries();
  const [version, setVersion] = createSignal(0);
  const [error, setError] = createSignal<ApiError | null>(null);
  const [visible, setVisible] = createSignal(document.visibilityState === "visible");
  const onVisibility = () => setVisible(document.visibilityState === "visible");
  document.addEventListener("visibilitychange", onVisibility);

  let disposed = false;
  let stopListening: (() => void) | undefined;
  const listening = backend
    .listen("inventory", (event) => {
      if (event.kind !== "stats" || event.connection !== props.vm.connection) return;
      const mine = event.stats.find((s) => s.uuid === props.vm.uuid);
      if (!mine) return;
      series.push(event.at, mine);
      setVersion((v) => v + 1);
    })
    .then((unlisten) => {
      if (disposed) unlisten();
      else stopListening = unlisten;
    })
    .catch((e) => setError(toApiError(e)));

  let watching = false;
  const want = createMemo(() => isRunning(props.details.summary.state) && visible());
  createEffect(
    on(want, (on) => {
      if (on === watching) return;
      watching = on;
      if (on) {
        // Listen first, so no sample falls between the history and the events.
        void listening
          .then(() => backend.vmStatsWatch(props.vm))
          .then((history) => {
            if (disposed) return;
            series.load(history);
            setError(null);
            setVersion((v) => v + 1);
          })
          .catch((e) => setError(toApiError(e)));
      } else {
        void backend.vmStatsUnwatch(props.vm).catch(() => {});
      }
    }),
  );
  onCleanup(() => {
    disposed = true;
    document.removeEventListener("visibilitychange", onVisibility);
    stopListening?.();
    if (watching) void backend.vmStatsUnwatch(props.vm).catch(() => {});
  });

  const latest = (metric: Metric) => {
    version();
    return series.latest(metric);
  };
  const memoryMax = () => {
    version();
    return Math.max(props.details.hardware.memoryMib * MIB, series.max(["memory", "guestMemory"]));
  };
  const autoMax = (metrics: Metric[]) => () => {
    version();
    return niceCeiling(series.max(metrics) * 1.1, 64 * 1024);
  };
  const diskMax = autoMax(["diskRead", "diskWrite"]);
  const netMax = autoMax(["netRx", "netTx"]);
  const minutes = () => Math.round(series.span() / 60000);

  return (
    <section class="vm-page-section" aria-labelledby="vm-graphs-heading" data-testid="vm-graphs">
      <h2 id="vm-graphs-heading">Usage</h2>
      <Show
        when={isRunning(props.details.summary.state)}
        fallback={<p class="vm-page-hint">Usage is shown while the VM runs.</p>}
      >
        <Show when={error()}>
          {(e) => <InlineError testId="vm-graphs-error">{e().message}</InlineError>}
        </Show>
        <div class="vm-graphs">
          <figure class="vm-graph">
            <figcaption>
              <span>CPU</span>
              <span class="vm-graph-value" data-testid="vm-graph-cpu-value">
                {latest("cpu") === null ? "—" : `${Math.round(latest("cpu") ?? 0)} %`}
              </span>
            </figcaption>
            <GraphCanvas
              series={series}
              lines={[{ metric: "cpu", color: "--graph-a" }]}
              max={() => 100}
              version={version}
              label={`CPU use over the last ${minutes()} minutes, 0 to 100 %`}
              testId="vm-graph-cpu"
            />
          </figure>
          <figure class="vm-graph">
            <figcaption>
              <span>Memory</span>
              <span class="vm-graph-value" data-testid="vm-graph-memory-value">
                <span class="vm-graph-key-a">
                  {latest("memory") === null
                    ? "—"
                    : `${formatBytes(latest("memory") ?? 0)} of ${formatBytes(
                        props.details.hardware.memoryMib * MIB,
                      )}`}
                </span>
                <Show when={latest("guestMemory") !== null}>
                  {" · "}
                  <span class="vm-graph-key-b" data-testid="vm-graph-guest-memory-value">
                    {formatBytes(latest("guestMemory") ?? 0)} in use in the guest
                  </span>
                </Show>
              </span>
            </figcaption>
            <GraphCanvas
              series={series}
              lines={[
                { metric: "memory", color: "--graph-a" },
                { metric: "guestMemory", color: "--graph-b" },
              ]}
              max={memoryMax}
              version={version}
              label={`Memory used on the host, and in the guest when it reports it, over the last ${minutes()} minutes`}
              testId="vm-graph-memory"
            />
          </figure>
          <RateGraph
            title="Disk"
            keys={["read", "write"]}
            metrics={["diskRead", "diskWrite"]}
            latest={latest}
            max={diskMax}
            version={version}
            series={series}
            label={`Disk reads and writes over the last ${minutes()} minutes, up to ${rate(diskMax())}`}
            id="disk"
          />
          <RateGraph
            title="Network"
            keys={["in", "out"]}
            metrics={["netRx", "netTx"]}
            latest={latest}
            max={netMax}
            version={version}
            series={series}
            label={`Network traffic in and out over the last ${minutes()} minutes, up to ${rate(netMax())}`}
            id="net"
          />
        </div>
        <p class="vm-page-hint">
          The last {minutes()} minutes, sampled every {series.intervalMs / 1000} s. Memory is what
          the VM uses on the host and, when its balloon driver reports it, what the guest has in use
          (free memory and caches it can drop are not counted).
        </p>
      </Show>
    </section>
  );
}

/** A graph of two rates (read/write, in/out) with their current values in its caption. */
function RateGraph(props: {
  title: string;
  keys: [string, string];
  metrics: [Metric, Metric];
  latest: (metric: Metric) => number | null;
  max: () => number;
  version: () => number;
  series: StatsSeries;
  label: string;
  id: string;
}) {
  return (
    <figure class="vm-graph">
      <figcaption>
        <span>{props.title}</span>
        <span class="vm-graph-value" data-testid={`vm-graph-${props.id}-value`}>
          <span class="vm-graph-key-a">
            {props.keys[0]} {rate(props.latest(props.metrics[0]))}
          </span>
          {" · "}
          <span class="vm-graph-key-b">
            {props.keys[1]} {rate(props.latest(props.metrics[1]))}
          </span>
        </span>
      </figcaption>
      <GraphCanvas
        series={props.series}
        lines={[
          { metric: props.metrics[0], color: "--graph-a" },
          { metric: props.metrics[1], color: "--graph-b" },
        ]}
        max={props.max}
        version={props.version}
        label={props.label}
        testId={`vm-graph-${props.id}`}
      />
    </figure>
  );
}
