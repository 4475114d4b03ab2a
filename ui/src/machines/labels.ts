import type { Action } from "../bindings/Action";
import type { ConnState } from "../bindings/ConnState";
import type { VmState } from "../bindings/VmState";

export const VM_STATE_LABELS: Record<VmState, string> = {
  running: "Running",
  blocked: "Running (blocked)",
  paused: "Paused",
  "shutting-down": "Shutting down",
  "shut-off": "Shut off",
  saved: "Saved",
  crashed: "Crashed",
  "pm-suspended": "Suspended",
  unknown: "Unknown",
};

export type StateTone = "ok" | "info" | "warning" | "error" | "neutral";

export const VM_STATE_TONES: Record<VmState, StateTone> = {
  running: "ok",
  blocked: "ok",
  paused: "warning",
  "shutting-down": "info",
  "shut-off": "neutral",
  saved: "info",
  crashed: "error",
  "pm-suspended": "warning",
  unknown: "neutral",
};

/** Button labels. Every action has one; `delete` opens a dialog, hence the ellipsis. */
export const ACTION_LABELS: Record<Action, string> = {
  start: "Start",
  shutdown: "Shut down",
  "force-off": "Force off",
  reboot: "Reboot",
  reset: "Reset",
  pause: "Pause",
  resume: "Resume",
  save: "Save",
  "discard-save": "Discard saved state",
  "enable-autostart": "Start at boot",
  "disable-autostart": "Don't start at boot",
  delete: "Delete…",
  configure: "Change settings",
  "configure-live": "Change now",
  rename: "Rename…",
  "change-platform": "Change firmware…",
  snapshot: "Take snapshot…",
  "revert-snapshot": "Revert…",
  clone: "Clone…",
};

/** For messages: "Could not shut down “web”". */
/** What a row's state says while an action runs (and a shutdown or reboot is under way). */
export const TRANSITION_LABELS: Partial<Record<Action, string>> = {
  start: "Starting…",
  shutdown: "Shutting down…",
  "force-off": "Forcing off…",
  reboot: "Rebooting…",
  reset: "Resetting…",
  pause: "Pausing…",
  resume: "Resuming…",
  save: "Saving…",
  "discard-save": "Discarding…",
  delete: "Deleting…",
};

export const ACTION_VERBS: Record<Action, string> = {
  start: "start",
  shutdown: "shut down",
  "force-off": "force off",
  reboot: "reboot",
  reset: "reset",
  pause: "pause",
  resume: "resume",
  save: "save",
  "discard-save": "discard the saved state of",
  "enable-autostart": "turn on start at boot for",
  "disable-autostart": "turn off start at boot for",
  delete: "delete",
  configure: "change the settings of",
  "configure-live": "change the running",
  rename: "rename",
  "change-platform": "change the firmware, TPM or display of",
  snapshot: "take a snapshot of",
  "revert-snapshot": "revert or delete a snapshot of",
  clone: "clone",
};

/** The action bar's layout: these always show, the rest sit in the "More" menu. */
export const PRIMARY_ACTIONS: readonly Action[] = [
  "start",
  "shutdown",
  "reboot",
  "pause",
  "resume",
  "save",
  "force-off",
  "delete",
];

export const MORE_ACTIONS: readonly Action[] = [
  "reset",
  "discard-save",
  "enable-autostart",
  "disable-autostart",
  "clone",
];

/** Actions that lose guest state without asking the guest: they ask first. */
export const CONFIRMED_ACTIONS: ReadonlySet<Action> = new Set<Action>(["force-off", "reset"]);

export const CONN_STATE_LABELS: Record<ConnState, string> = {
  connecting: "Connecting…",
  connected: "Connected",
  lost: "Connection lost",
  reconnecting: "Reconnecting…",
  failed: "Failed",
};
