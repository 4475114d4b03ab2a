import { createSignal, type JSX, Show } from "solid-js";
import { toApiError } from "../backend/errors";
import { TopBar } from "../shared/TopBar";
import { InlineError } from "../wizard/InlineError";
import { usePreferences } from "./store";
import "./preferences.css";

/** The app's preferences, saved by the backend as each switch changes. */
export function Preferences(props: { nav?: JSX.Element }) {
  const prefs = usePreferences();
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);

  async function setXmlEditing(box: HTMLInputElement) {
    setBusy(true);
    setError(null);
    try {
      await prefs.set({ xmlEditing: box.checked });
    } catch (e) {
      setError(toApiError(e).message);
      // The store did not change, so Solid will not reset the box the click flipped.
      box.checked = prefs.current().xmlEditing;
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="screen" data-testid="preferences">
      <TopBar nav={props.nav} />
      <main class="preferences" aria-labelledby="preferences-heading">
        <h1 id="preferences-heading">Preferences</h1>
        <section class="preferences-group" aria-labelledby="preferences-vm-page">
          <h2 id="preferences-vm-page">VM page</h2>
          <label class="preferences-switch">
            <input
              type="checkbox"
              checked={prefs.current().xmlEditing}
              disabled={busy()}
              onChange={(e) => void setXmlEditing(e.currentTarget)}
              data-testid="pref-xml-editing"
            />
            <span>
              <strong>Edit domain XML</strong>
              <span class="preferences-hint">
                Shows each VM's libvirt XML on its page, for what the page does not cover. libvirt
                checks an edit before it is saved, but a valid document can still stop a VM from
                starting.
              </span>
            </span>
          </label>
          <Show when={error()}>
            {(message) => <InlineError testId="pref-error">{message()}</InlineError>}
          </Show>
        </section>
      </main>
    </div>
  );
}
