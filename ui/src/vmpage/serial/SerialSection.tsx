import "./serial-console.css";
import type { Terminal } from "@xterm/xterm";
import { createEffect, createSignal, Match, on, onCleanup, Show, Switch } from "solid-js";
import { useBackend } from "../../backend";
import type { VmDetails } from "../../bindings/VmDetails";
import type { VmRef } from "../../bindings/VmRef";
import { createSerialSession } from "./session";

/**
 * The VM's serial port in a terminal: the guest's shell or boot log, with scrollback, copy
 * and paste. Opened on request (it is one client at a time), kept across guest reboots, and
 * reconnected when a stopped VM runs again.
 */
export function SerialSection(props: { vm: VmRef; details: VmDetails }) {
  const backend = useBackend();
  const running = () => props.details.summary.state === "running";
  const hasPort = () => props.details.hardware.serialPorts > 0;
  let host: HTMLDivElement | undefined;
  // Loaded and made on the first Connect: a page that never uses its serial console pays
  // nothing, and xterm.js stays out of the bundle the window starts with.
  let term: Terminal | undefined;
  const [made, setMade] = createSignal(false);
  const pending: Uint8Array[] = [];
  const terminal = async (): Promise<Terminal> => {
    if (term) return term;
    const [{ Terminal }] = await Promise.all([
      import("@xterm/xterm"),
      import("@xterm/xterm/css/xterm.css"),
    ]);
    if (term) return term;
    const made = new Terminal({
      scrollback: 5000,
      fontSize: 13,
      rows: 24,
      cols: 80,
      fontFamily: 'ui-monospace, "Adwaita Mono", "Source Code Pro", "DejaVu Sans Mono", monospace',
    });
    made.onData((data) => void session.send(data));
    if (host) made.open(host);
    term = made;
    setMade(true);
    for (const data of pending.splice(0)) made.write(data);
    return made;
  };
  const session = createSerialSession(backend, props.vm, {
    write: (data) => (term ? term.write(data) : pending.push(data)),
  });
  onCleanup(() => {
    session.dispose();
    term?.dispose();
  });
  createEffect(on(running, (now) => session.vmRunning(now), { defer: true }));
  const open = () => session.state().kind === "open";

  async function copy() {
    const text = term?.getSelection();
    if (text) await navigator.clipboard?.writeText(text).catch(() => {});
    term?.focus();
  }
  async function paste() {
    const text = await navigator.clipboard?.readText().catch(() => "");
    if (text) await session.send(text);
    term?.focus();
  }

  return (
    <section class="vm-page-section" aria-labelledby="vm-serial-heading">
      <h2 id="vm-serial-heading">Serial console</h2>
      <div class="serial-bar">
        <span class="serial-status" data-testid="serial-status">
          <Switch>
            <Match when={!hasPort()}>This VM has no serial port.</Match>
            <Match when={session.state().kind === "open"}>Connected</Match>
            <Match when={session.state().kind === "opening"}>Connecting…</Match>
            <Match when={!running()}>Start the VM to use its serial console.</Match>
            <Match when={session.state().kind === "closed"}>
              {`Disconnected: ${(session.state() as { reason: string }).reason}`}
            </Match>
            <Match when={session.state().kind === "idle"}>Not connected</Match>
          </Switch>
        </span>
        <Show when={open()}>
          <button type="button" class="button button-small" onClick={() => void copy()}>
            Copy
          </button>
          <button type="button" class="button button-small" onClick={() => void paste()}>
            Paste
          </button>
          <button
            type="button"
            class="button button-small"
            onClick={() => session.close()}
            data-testid="serial-disconnect"
          >
            Disconnect
          </button>
        </Show>
        <Show when={!open() && running() && hasPort()}>
          <button
            type="button"
            class="button button-small button-suggested"
            disabled={session.state().kind === "opening"}
            onClick={() => {
              void terminal().then(async (t) => {
                await session.open();
                t.focus();
              });
            }}
            data-testid="serial-connect"
          >
            Connect
          </button>
        </Show>
      </div>
      <Show when={session.state().kind === "refused" ? session.state() : null}>
        {(refused) => {
          const r = refused() as { message: string; canTakeOver: boolean };
          return (
            <div class="inline-error" role="alert" data-testid="serial-error">
              <p>{r.message}</p>
              <Show when={r.canTakeOver}>
                <button
                  type="button"
                  class="button button-small"
                  onClick={() => void terminal().then(() => session.open(true))}
                  data-testid="serial-take-over"
                >
                  Take over
                </button>
              </Show>
            </div>
          );
        }}
      </Show>
      <div
        class="serial-terminal"
        classList={{ "serial-terminal-idle": !open(), "serial-terminal-unused": !made() }}
        ref={host}
        data-testid="serial-terminal"
      />
    </section>
  );
}
