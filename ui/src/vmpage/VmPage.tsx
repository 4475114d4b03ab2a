import "./vm-page.css";
import { createSignal, For, onMount, Show } from "solid-js";
import { useBackend } from "../backend";
import type { VmRef } from "../bindings/VmRef";
import { CloneDialog } from "../clone/CloneDialog";
import { BootSection } from "./BootSection";
import { CdromSection } from "./CdromSection";
import { DisksSection } from "./DisksSection";
import { createVmDetails } from "./details";
import { GraphsSection } from "./graphs/GraphsSection";
import { NicsSection } from "./NicsSection";
import { NotesSection } from "./NotesSection";
import { OverviewSection } from "./OverviewSection";
import { PlatformSection } from "./PlatformSection";
import { pendingLabel } from "./pending";
import { RenameSection } from "./RenameSection";
import { ResourcesSection } from "./ResourcesSection";
import { SerialSection } from "./serial/SerialSection";
import { SnapshotsSection } from "./snapshots/SnapshotsSection";
import { TemplateBanner } from "./TemplateBanner";
import { XmlSection } from "./XmlSection";

export interface VmPageProps {
  vm: VmRef;
  /** The name the list shows, until the details arrive. */
  name: string;
  connectionName: string;
  onBack: () => void;
  /** Opens the VM's graphical console. */
  onConsole: () => void;
}

/**
 * One VM's page: what it is, and every change to it. It covers the list (Back, or Escape,
 * returns to it with the row still selected) and reads the VM again on every backend event
 * about it, so changes from elsewhere (virsh, another window) show too.
 */
export function VmPage(props: VmPageProps) {
  const backend = useBackend();
  const { details, error } = createVmDetails(backend, props.vm);
  let back: HTMLButtonElement | undefined;
  onMount(() => back?.focus());
  const [cloning, setCloning] = createSignal(false);

  return (
    <section
      class="vm-page"
      aria-label={`VM ${details()?.hardware.name ?? props.name}`}
      data-testid="vm-page"
      onKeyDown={(e) => {
        if (e.key === "Escape" && !(e.target instanceof HTMLTextAreaElement)) {
          e.preventDefault();
          props.onBack();
        }
      }}
    >
      <header class="vm-page-header">
        <button
          class="button"
          ref={back}
          type="button"
          onClick={() => props.onBack()}
          data-testid="vm-page-back"
        >
          ← All machines
        </button>
        <h1 data-testid="vm-page-name">{details()?.hardware.name ?? props.name}</h1>
        <button
          type="button"
          class="button"
          disabled={!details()?.summary.allowed.includes("clone")}
          title="Clone this VM (shut it down first)"
          onClick={() => setCloning(true)}
          data-testid="vm-page-clone"
        >
          Clone…
        </button>
        <button type="button" class="button button-suggested" onClick={() => props.onConsole()}>
          Console
        </button>
      </header>
      <Show when={cloning()}>
        <CloneDialog
          vm={props.vm}
          name={details()?.hardware.name ?? props.name}
          onClose={() => setCloning(false)}
        />
      </Show>
      <div class="vm-page-scroll" data-testid="vm-page-scroll">
        <Show when={error()}>
          {(e) => (
            <div class="banner banner-error" role="alert" data-testid="vm-page-error">
              {e().message}
            </div>
          )}
        </Show>
        <Show when={details()} fallback={<p class="vm-page-loading">Reading the VM…</p>}>
          {(d) => (
            <div class="vm-page-body">
              <Show when={d().pending.length > 0}>
                <div class="banner banner-info" role="status" data-testid="vm-page-pending">
                  {"Pending changes apply at the next boot: "}
                  <For each={d().pending}>
                    {(field, i) => (
                      <>
                        {i() > 0 ? ", " : ""}
                        {pendingLabel(field)}
                      </>
                    )}
                  </For>
                  .
                </div>
              </Show>
              <TemplateBanner vm={props.vm} details={d()} />
              <OverviewSection vm={props.vm} details={d()} connectionName={props.connectionName} />
              <GraphsSection vm={props.vm} details={d()} />
              <ResourcesSection vm={props.vm} details={d()} />
              <DisksSection vm={props.vm} details={d()} />
              <CdromSection vm={props.vm} details={d()} />
              <NicsSection vm={props.vm} details={d()} />
              <BootSection vm={props.vm} details={d()} />
              <PlatformSection vm={props.vm} details={d()} />
              <SnapshotsSection vm={props.vm} details={d()} />
              <SerialSection vm={props.vm} details={d()} />
              <NotesSection vm={props.vm} details={d()} />
              <RenameSection vm={props.vm} details={d()} />
              <XmlSection vm={props.vm} details={d()} />
            </div>
          )}
        </Show>
      </div>
    </section>
  );
}
