import { createSignal, onCleanup } from "solid-js";
import { createStore } from "solid-js/store";
import type { Backend } from "../backend";
import type { Action } from "../bindings/Action";
import type { VmRef } from "../bindings/VmRef";
import { createShutdownWatch } from "../inventory/shutdownWatch";
import type { InventoryState } from "../inventory/store";
import { plural } from "../shared/format";
import { ACTION_VERBS, CONFIRMED_ACTIONS, TRANSITION_LABELS } from "./labels";
import type { MachineList } from "./list";
import type { Notices } from "./notices";

/** How long a row says "Rebooting…" after the reboot was asked for. */
const REBOOT_NOTICE_MS = 4000;

/** The dialog an action waits on. */
export type Pending =
  | { kind: "confirm"; key: string; action: Action }
  | { kind: "delete"; key: string }
  | { kind: "clone"; key: string }
  | null;

export interface VmActionsOptions {
  backend: Pick<Backend, "vmAction" | "vmActionMany">;
  state: InventoryState;
  list: MachineList;
  notices: Notices;
  /** How long a guest gets to shut down before "Force off?" is offered. */
  graceMs: number;
}

/**
 * What the buttons do: one VM's actions (some asked first), bulk Start and Shut down, and
 * what a row says meanwhile ("Shutting down…", "Still running — Force off?").
 */
export function createVmActions(options: VmActionsOptions) {
  const { backend, state, list } = options;
  const { refOf, nameOf, selectedKeys } = list;
  const { pushNotice, notify } = options.notices;
  const watch = createShutdownWatch((key) => {
    const vm = state.vms[key]?.vm;
    return (
      !vm || vm.state === "shut-off" || vm.state === "saved" || !vm.allowed.includes("force-off")
    );
  }, options.graceMs);

  const [busy, setBusy] = createStore<Record<string, Action | undefined>>({});
  /** VMs asked to reboot: the guest restarts without an event libvirt could send, so the row
   * says "Rebooting…" for a moment instead of nothing. */
  const [rebooting, setRebooting] = createStore<Record<string, boolean | undefined>>({});
  const rebootTimers = new Map<string, ReturnType<typeof setTimeout>>();
  onCleanup(() => {
    for (const t of rebootTimers.values()) clearTimeout(t);
  });
  /** The state a row shows while something is under way, if anything is. */
  function transition(key: string): string | undefined {
    const action = busy[key];
    if (action) return TRANSITION_LABELS[action];
    if (watch.watching(key)) return TRANSITION_LABELS.shutdown;
    if (rebooting[key]) return TRANSITION_LABELS.reboot;
    return undefined;
  }
  const [pending, setPending] = createSignal<Pending>(null);
  const [bulkBusy, setBulkBusy] = createSignal<Action | null>(null);

  /** What a button click does: some actions ask first. */
  function request(key: string, action: Action) {
    if (action === "delete") setPending({ kind: "delete", key });
    else if (action === "clone") setPending({ kind: "clone", key });
    else if (CONFIRMED_ACTIONS.has(action)) setPending({ kind: "confirm", key, action });
    else void perform(key, action);
  }

  async function perform(key: string, action: Action) {
    const vm = refOf(key);
    if (!vm || busy[key]) return;
    const name = nameOf(key);
    if (action === "shutdown") watch.start(key);
    if (action === "force-off") watch.cancel(key);
    setBusy(key, action);
    try {
      await backend.vmAction({ vm, action });
      if (action === "reboot") {
        clearTimeout(rebootTimers.get(key));
        setRebooting(key, true);
        rebootTimers.set(
          key,
          setTimeout(() => setRebooting(key, undefined), REBOOT_NOTICE_MS),
        );
      }
    } catch (error) {
      if (action === "shutdown") watch.cancel(key);
      notify(`Could not ${ACTION_VERBS[action]} “${name}”`, error);
    } finally {
      setBusy(key, undefined);
    }
  }

  /** Bulk Start / Shut down: only the selected VMs that allow it are sent. */
  function eligible(action: Action): string[] {
    return selectedKeys().filter((key) => state.vms[key]?.vm.allowed.includes(action));
  }

  async function performMany(action: "start" | "shutdown") {
    const keys = eligible(action);
    if (keys.length === 0 || bulkBusy()) return;
    const refs = keys.map((key) => refOf(key)).filter((ref): ref is VmRef => ref !== null);
    const names = new Map(keys.map((key) => [key, nameOf(key)]));
    const keyOf = (ref: VmRef) => `${ref.connection}/${ref.uuid}`;
    if (action === "shutdown") for (const key of keys) watch.start(key);
    setBulkBusy(action);
    try {
      const outcomes = await backend.vmActionMany({ vms: refs, action });
      const failed = outcomes.filter((outcome) => outcome.error !== null);
      if (failed.length > 0) {
        if (action === "shutdown") for (const o of failed) watch.cancel(keyOf(o.vm));
        pushNotice({
          title: `Could not ${ACTION_VERBS[action]} ${failed.length} of ${plural(refs.length, "machine")}`,
          code: failed[0].error?.code ?? "internal",
          message: null,
          details: failed.map(
            (o) => `${names.get(keyOf(o.vm)) ?? o.vm.uuid}: ${o.error?.message ?? ""}`,
          ),
        });
      }
    } catch (error) {
      if (action === "shutdown") for (const key of keys) watch.cancel(key);
      notify(`Could not ${ACTION_VERBS[action]} the selected machines`, error);
    } finally {
      setBulkBusy(null);
    }
  }

  return {
    offered: watch.offered,
    busy: (key: string) => busy[key],
    transition,
    pending,
    setPending,
    bulkBusy,
    request,
    perform,
    eligible,
    performMany,
  };
}
