import { createSignal, Show } from "solid-js";
import { useBackend } from "../backend";
import { toApiError } from "../backend/errors";
import type { VmDetails } from "../bindings/VmDetails";
import type { VmRef } from "../bindings/VmRef";
import { usePreferences } from "../preferences/store";
import { InlineError } from "../wizard/InlineError";

/**
 * The VM's stored domain XML, read when the user opens the editor and defined again on
 * Save after libvirt's schema check; an invalid document, another name or another UUID is
 * refused by the backend and nothing changes. Off unless the user turned XML editing on in
 * Preferences, as in virt-manager: the page's own editors cannot write a domain libvirt
 * refuses, a hand edit can.
 */
export function XmlSection(props: { vm: VmRef; details: VmDetails }) {
  const backend = useBackend();
  const prefs = usePreferences();
  const [open, setOpen] = createSignal(false);
  const [loaded, setLoaded] = createSignal<string | null>(null);
  const [text, setText] = createSignal("");
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const [saved, setSaved] = createSignal(false);

  /** Reads the stored XML into the editor; a failure is the caller's to show. */
  async function read() {
    const xml = await backend.vmXml(props.vm);
    setLoaded(xml);
    setText(xml);
  }

  /** Runs `step` with the buttons disabled, its failure shown at the editor. */
  async function busyWith(step: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await step();
    } catch (e) {
      setError(toApiError(e).message);
    } finally {
      setBusy(false);
    }
  }

  async function toggle() {
    const next = !open();
    setOpen(next);
    setSaved(false);
    if (next) await busyWith(read);
  }

  async function save(event: Event) {
    event.preventDefault();
    setSaved(false);
    await busyWith(async () => {
      await backend.vmDefineXml({ vm: props.vm, xml: text() });
      setSaved(true);
      await read();
    });
  }

  return (
    <section class="vm-page-section" aria-labelledby="vm-xml-heading" data-testid="vm-xml">
      <h2 id="vm-xml-heading">Domain XML</h2>
      <Show
        when={prefs.current().xmlEditing}
        fallback={
          <p class="vm-page-hint" data-testid="xml-off">
            XML editing is off. Turn on “Edit domain XML” in Preferences to change what this page
            does not cover.
          </p>
        }
      >
        <p class="vm-page-hint">
          For what the page does not cover. Changes apply at the next boot; the name and UUID stay.
        </p>
        <div class="vm-page-buttons">
          <button
            class="button"
            type="button"
            aria-expanded={open()}
            onClick={() => void toggle()}
            data-testid="xml-toggle"
          >
            {open() ? "Close the editor" : "Edit XML"}
          </button>
        </div>
        <Show when={open()}>
          <form class="vm-xml" onSubmit={save}>
            <textarea
              class="vm-xml-text"
              rows={18}
              spellcheck={false}
              aria-label={`Domain XML of ${props.details.hardware.name}`}
              value={text()}
              disabled={loaded() === null}
              onInput={(e) => {
                setText(e.currentTarget.value);
                setSaved(false);
              }}
              data-testid="xml-input"
            />
            <div class="vm-page-buttons">
              <button
                class="button"
                type="button"
                disabled={busy() || text() === loaded()}
                onClick={() => setText(loaded() ?? "")}
              >
                Revert
              </button>
              <button
                class="button"
                type="submit"
                disabled={busy() || loaded() === null || text() === loaded()}
                data-testid="xml-save"
              >
                Save XML
              </button>
            </div>
            <Show when={saved()}>
              <p class="vm-page-hint" role="status" data-testid="xml-saved">
                Saved. libvirt may have normalised what you wrote.
              </p>
            </Show>
          </form>
        </Show>
      </Show>
      <Show when={error()}>
        {(message) => <InlineError testId="xml-error">{message()}</InlineError>}
      </Show>
    </section>
  );
}
