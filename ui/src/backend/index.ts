// The one way components reach the backend (see backend.ts).
export type { Backend, ConsoleSocket, Unsubscribe, WindowFullscreen } from "./backend";
export { BackendProvider, useBackend } from "./context";
export { type ErrorContext, errorHint, toApiError } from "./errors";
