import { createContext, type JSX, useContext } from "solid-js";
import type { Backend } from "./backend";

const BackendContext = createContext<Backend>();

/** Gives `backend` to every component below: the Tauri one in the app, the fake in tests. */
export function BackendProvider(props: { backend: Backend; children: JSX.Element }) {
  return <BackendContext.Provider value={props.backend}>{props.children}</BackendContext.Provider>;
}

/**
 * The backend the nearest `BackendProvider` gives. Throws without one: a test that forgot to
 * provide the fake must fail, never reach the real IPC.
 */
export function useBackend(): Backend {
  const backend = useContext(BackendContext);
  if (!backend) {
    throw new Error(
      "useBackend: no BackendProvider above this component (tests: renderWithBackend from ui/src/testing)",
    );
  }
  return backend;
}
