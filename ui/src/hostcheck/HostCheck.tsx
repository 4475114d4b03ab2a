import "./hostcheck.css";
import { createSignal, For, type JSX, onMount, Show } from "solid-js";
import { errorHint, toApiError, useBackend } from "../backend";
import type { ApiError } from "../bindings/ApiError";
import type { Finding } from "../bindings/Finding";
import type { HostReport } from "../bindings/HostReport";
import { formatBytes, formatDuration } from "../shared/format";
import { StatusIcon } from "../shared/icons";
import { TopBar } from "../shared/TopBar";
import { ToneIcon } from "./ToneIcon";
import {
  acceleratorLabel,
  classifyVerdict,
  findingsSummary,
  platformLabel,
  STATUS_LABELS,
} from "./verdict";

export interface HostCheckProps {
  /** The view switcher, shown in the top bar. */
  nav?: JSX.Element;
}

/** The first screen: can this host run VMs, and what to fix if not. */
export function HostCheck(props: HostCheckProps) {
  const backend = useBackend();
  const [report, setReport] = createSignal<HostReport | null>(null);
  const [error, setError] = createSignal<ApiError | null>(null);
  const [running, setRunning] = createSignal(false);
  // Completed checks (success or failure), exposed as data-check-count for end-to-end tests.
  const [checkCount, setCheckCount] = createSignal(0);

  async function run() {
    if (running()) return;
    setRunning(true);
    try {
      const result = await backend.checkHost();
      setReport(result);
      setError(null);
    } catch (e) {
      setReport(null);
      setError(toApiError(e));
    } finally {
      setRunning(false);
      setCheckCount((n) => n + 1);
    }
  }

  onMount(() => void run());

  return (
    <div class="screen" data-testid="host-check" data-check-count={checkCount()}>
      <TopBar nav={props.nav}>
        <button
          type="button"
          class="button"
          onClick={() => void run()}
          disabled={running()}
          aria-busy={running()}
        >
          <Show when={running()} fallback="Check again">
            <span class="spinner" aria-hidden="true" />
            Checking…
          </Show>
        </button>
      </TopBar>
      <main class="content" aria-busy={running()}>
        <div class="page-header">
          <h1>Host check</h1>
          <p class="page-subtitle">Can this computer run virtual machines?</p>
        </div>

        <Show when={error()}>{(err) => <ErrorBanner error={err()} />}</Show>

        <Show when={!report() && !error()}>
          <div class="loading" role="status">
            <span class="spinner spinner-large" aria-hidden="true" />
            Checking this host…
          </div>
        </Show>

        <Show when={report()}>{(r) => <ReportView report={r()} />}</Show>
      </main>
    </div>
  );
}

function ErrorBanner(props: { error: ApiError }) {
  return (
    <div class="banner banner-error" role="alert" data-testid="error" data-code={props.error.code}>
      <StatusIcon status="error" />
      <div class="banner-body">
        <p class="banner-title">The host check failed</p>
        <p class="banner-message">{props.error.message}</p>
        <p class="banner-hint">{errorHint(props.error.code)}</p>
      </div>
    </div>
  );
}

function ReportView(props: { report: HostReport }) {
  const view = () => classifyVerdict(props.report);
  const resources = () => props.report.resources;
  return (
    <>
      <section
        class={`card verdict tone-${view().tone}`}
        data-testid="verdict"
        data-tone={view().tone}
        aria-live="polite"
        aria-labelledby="verdict-heading"
      >
        <div class="verdict-icon">
          <ToneIcon tone={view().tone} />
        </div>
        <div class="verdict-body">
          <h2 id="verdict-heading" class="verdict-heading">
            {view().heading}
          </h2>
          <p class="verdict-summary">{props.report.verdict.summary}</p>
          <p class="verdict-meta">
            <span data-testid="accelerator">
              {acceleratorLabel(props.report.verdict.accelerator)}
            </span>
            <span class="dot" aria-hidden="true">
              ·
            </span>
            <span>{platformLabel(props.report.platform)}</span>
            <span class="dot" aria-hidden="true">
              ·
            </span>
            <span data-testid="duration">checked in {formatDuration(props.report.durationMs)}</span>
          </p>
        </div>
      </section>

      <section class="section" aria-labelledby="resources-heading">
        <h2 id="resources-heading" class="section-title">
          Resources
        </h2>
        <dl class="resources">
          <Resource id="cpu-threads" label="CPU threads" value={String(resources().cpuThreads)} />
          <Resource
            id="total-memory"
            label="Total memory"
            value={formatBytes(resources().totalMemory)}
          />
          <Resource
            id="available-memory"
            label="Available memory"
            value={formatBytes(resources().availableMemory)}
          />
          <Show when={resources().defaultPoolFree !== null}>
            <Resource
              id="pool-free"
              label="Free in default pool"
              value={formatBytes(resources().defaultPoolFree ?? 0)}
            />
          </Show>
        </dl>
      </section>

      <section class="section" aria-labelledby="findings-heading">
        <div class="section-header">
          <h2 id="findings-heading" class="section-title">
            Findings
          </h2>
          <p class="findings-summary" data-testid="findings-summary">
            {findingsSummary(props.report.findings)}
          </p>
        </div>
        <ul class="card findings">
          <For each={props.report.findings}>{(finding) => <FindingRow finding={finding} />}</For>
        </ul>
      </section>
    </>
  );
}

function Resource(props: { id: string; label: string; value: string }) {
  return (
    <div class="resource" data-resource={props.id}>
      <dt>{props.label}</dt>
      <dd>{props.value}</dd>
    </div>
  );
}

function FindingRow(props: { finding: Finding }) {
  return (
    <li class="finding" data-finding-id={props.finding.id} data-status={props.finding.status}>
      <div class="finding-status">
        <span class={`badge badge-${props.finding.status}`}>
          <StatusIcon status={props.finding.status} />
          <span class="badge-label">{STATUS_LABELS[props.finding.status]}</span>
        </span>
      </div>
      <div class="finding-body">
        <h3 class="finding-title">{props.finding.title}</h3>
        <p class="finding-summary">{props.finding.summary}</p>
        <Show when={props.finding.fix}>
          {(fix) => (
            <p class="finding-fix">
              <span class="fix-label">Fix:</span> <span class="fix-text">{fix()}</span>
            </p>
          )}
        </Show>
      </div>
    </li>
  );
}
