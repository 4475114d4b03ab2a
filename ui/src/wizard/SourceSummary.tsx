import { For, Show } from "solid-js";
import type { SourceInfo } from "../bindings/SourceInfo";
import { formatBytes } from "../shared/format";

/** What inspection found: format, sizes, backing chain, the detected OS. */
export function SourceSummary(props: { info: SourceInfo | null }) {
  return (
    <Show when={props.info}>
      {(info) => (
        <div class="source-info" data-testid="source-info">
          <Show when={info().image.link} fallback={<p class="disk-path">{info().image.path}</p>}>
            {(link) => (
              <p class="disk-path" data-testid="source-link">
                {link()} → {info().image.path}
              </p>
            )}
          </Show>
          <p class="disk-meta">
            <span data-testid="source-format">{info().image.format}</span>
            <span>{formatBytes(info().image.virtualSize)} virtual</span>
            <span>{formatBytes(info().image.fileSize)} on disk</span>
          </p>
          <Show when={info().image.backingChain.length > 0}>
            <div class="disk-meta">
              Backing chain:
              <ol class="backing-chain" data-testid="backing-chain">
                <For each={info().image.backingChain}>
                  {(file) => <li class="disk-path">{file}</li>}
                </For>
              </ol>
            </div>
          </Show>
          <Show
            when={info().detectedOs}
            fallback={
              <Show when={info().image.format === "iso"}>
                <p data-testid="unknown-os">
                  The system on this ISO
                  {info().volumeId ? ` (${info().volumeId})` : ""} was not recognised: choose it in
                  the next step.
                </p>
              </Show>
            }
          >
            {(os) => <p data-testid="detected-os">Detected: {os().name}</p>}
          </Show>
        </div>
      )}
    </Show>
  );
}
