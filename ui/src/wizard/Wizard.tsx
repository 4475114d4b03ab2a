import "./wizard.css";
import { createEffect, For, on, Show } from "solid-js";
import { useBackend } from "../backend";
import { Modal } from "../shared/Modal";
import { createWizard, type WizardProps } from "./controller";
import { STEPS } from "./state";
import { OptionsStep } from "./steps/OptionsStep";
import { OsStep } from "./steps/OsStep";
import { ResourcesStep } from "./steps/ResourcesStep";
import { ReviewStep } from "./steps/ReviewStep";
import { SourceStep } from "./steps/SourceStep";
import { WizardFooter } from "./WizardFooter";

export type { WizardProps } from "./controller";

/** The create-VM wizard: source, OS, resources, options, name & review, then create. */
export function Wizard(props: WizardProps) {
  const wizard = createWizard(props, useBackend());
  let body: HTMLDivElement | undefined;

  // A new step: focus its first field, so keyboard users start there.
  createEffect(
    on(
      wizard.step,
      () => {
        const target = body?.querySelector<HTMLElement>(
          "[data-autofocus], input:not([disabled]), select:not([disabled])",
        );
        target?.focus();
      },
      { defer: true },
    ),
  );

  const footer = <WizardFooter wizard={wizard} />;

  return (
    <Modal
      title="New virtual machine"
      onClose={wizard.close}
      testId="wizard"
      class="dialog-wide dialog-wizard"
      footer={footer}
    >
      <ol class="wizard-steps" aria-label="Steps">
        <For each={STEPS}>
          {(s, i) => (
            <li
              classList={{
                "wizard-step-current": s.id === wizard.step(),
                "wizard-step-done": i() < wizard.index(),
              }}
              aria-current={s.id === wizard.step() ? "step" : undefined}
            >
              {s.label}
            </li>
          )}
        </For>
      </ol>
      <div ref={body} class="dialog-form wizard-body" data-step={wizard.step()}>
        <Show when={wizard.step() === "source"}>
          <SourceStep wizard={wizard} />
        </Show>
        <Show when={wizard.step() === "os"}>
          <OsStep wizard={wizard} />
        </Show>
        <Show when={wizard.step() === "resources"}>
          <ResourcesStep wizard={wizard} />
        </Show>
        <Show when={wizard.step() === "options"}>
          <OptionsStep wizard={wizard} />
        </Show>
        <Show when={wizard.step() === "review"}>
          <ReviewStep wizard={wizard} />
        </Show>
      </div>
    </Modal>
  );
}
