import { render } from "@solidjs/testing-library";
import type { JSX } from "solid-js";
import type { Backend } from "../backend";
import { BackendProvider } from "../backend";

/** Renders `ui` with `backend` provided, as the app provides the real one. */
export function renderWithBackend(ui: () => JSX.Element, backend: Backend) {
  return render(() => <BackendProvider backend={backend}>{ui()}</BackendProvider>);
}
