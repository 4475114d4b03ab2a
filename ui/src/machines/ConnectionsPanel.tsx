import "./connections.css";
import { createSignal, For, Show } from "solid-js";
import { errorHint, toApiError, useBackend } from "../backend";
import type { ApiError } from "../bindings/ApiError";
import type { ConnectionInfo } from "../bindings/ConnectionInfo";
import type { InventoryEvent } from "../bindings/InventoryEvent";
import type { InventoryState } from "../inventory/store";
import { ConfirmDialog } from "../shared/ConfirmDialog";
import { plural } from "../shared/format";
import { Modal } from "../shared/Modal";
import { CONN_STATE_LABELS } from "./labels";

export interface ConnectionsPanelProps {
  state: InventoryState;
  /** VMs per connection id. */
  vmCounts: () => Record<string, number>;
  /** Applies what a command returned right away; the backend's event follows and is a no-op. */
  apply: (events: InventoryEvent[]) => void;
  notify: (title: string, error: unknown) => void;
}

/** The left column: every connection, its state, and what to do when it is not connected. */
export function ConnectionsPanel(props: ConnectionsPanelProps) {
  const backend = useBackend();
  const [adding, setAdding] = createSignal(false);
  const [removing, setRemoving] = createSignal<ConnectionInfo | null>(null);

  async function remove(info: ConnectionInfo) {
    setRemoving(null);
    try {
      await backend.connectionRemove(info.id);
      props.apply([{ kind: "connection-removed", id: info.id }]);
    } catch (error) {
      props.notify(`Could not remove the connection “${info.name}”`, error);
    }
  }

  return (
    <aside class="sidebar" aria-labelledby="connections-heading" data-testid="connections">
      <div class="sidebar-header">
        <h2 id="connections-heading" class="sidebar-title">
          Connections
        </h2>
        <button
          type="button"
          class="button button-small"
          onClick={() => setAdding(true)}
          data-testid="add-connection"
        >
          <span aria-hidden="true">+</span> Add
        </button>
      </div>
      <ul class="connection-list">
        <For each={props.state.connectionIds}>
          {(id) => (
            <Show when={props.state.connections[id]}>
              {(info) => (
                <ConnectionItem
                  info={info()}
                  count={props.vmCounts()[id] ?? 0}
                  apply={props.apply}
                  notify={props.notify}
                  onRemove={() => setRemoving(info())}
                />
              )}
            </Show>
          )}
        </For>
      </ul>
      <Show when={props.state.loaded && props.state.connectionIds.length === 0}>
        <p class="sidebar-empty">No connections.</p>
      </Show>

      <Show when={adding()}>
        <AddConnectionDialog
          onAdded={(info) => {
            props.apply([{ kind: "connection", connection: info }]);
            setAdding(false);
          }}
          onClose={() => setAdding(false)}
        />
      </Show>
      <Show when={removing()}>
        {(info) => (
          <ConfirmDialog
            title={`Remove “${info().name}”?`}
            message={
              <p>
                Vireo forgets this connection ({info().uri}). Its virtual machines are not touched:
                they stay on that host.
              </p>
            }
            confirmLabel="Remove"
            destructive
            confirmId="remove-connection"
            onConfirm={() => void remove(info())}
            onCancel={() => setRemoving(null)}
          />
        )}
      </Show>
    </aside>
  );
}

function ConnectionItem(props: {
  info: ConnectionInfo;
  count: number;
  apply: (events: InventoryEvent[]) => void;
  notify: (title: string, error: unknown) => void;
  onRemove: () => void;
}) {
  const backend = useBackend();
  const [editing, setEditing] = createSignal(false);
  const [draft, setDraft] = createSignal("");
  const [saving, setSaving] = createSignal(false);
  const [renameError, setRenameError] = createSignal<ApiError | null>(null);
  const [retrying, setRetrying] = createSignal(false);
  let renameButton: HTMLButtonElement | undefined;

  const canRetry = () => props.info.state === "failed" || props.info.state === "lost";

  function beginRename() {
    setDraft(props.info.name);
    setRenameError(null);
    setEditing(true);
  }

  function endRename() {
    setEditing(false);
    setRenameError(null);
    queueMicrotask(() => renameButton?.focus());
  }

  async function saveRename() {
    const name = draft().trim();
    if (name === "" || name === props.info.name) {
      endRename();
      return;
    }
    setSaving(true);
    try {
      const info = await backend.connectionUpdate({ id: props.info.id, patch: { name } });
      props.apply([{ kind: "connection", connection: info }]);
      endRename();
    } catch (error) {
      setRenameError(toApiError(error));
    } finally {
      setSaving(false);
    }
  }

  async function retry() {
    setRetrying(true);
    try {
      await backend.connectionRetry(props.info.id);
    } catch (error) {
      props.notify(`Could not reconnect “${props.info.name}”`, error);
    } finally {
      setRetrying(false);
    }
  }

  return (
    <li
      class="connection"
      data-connection-id={props.info.id}
      data-connection-state={props.info.state}
    >
      <div class="connection-row">
        <span class={`state-dot state-dot-${props.info.state}`} aria-hidden="true" />
        <div class="connection-text">
          <Show
            when={editing()}
            fallback={
              <span class="connection-name" title={props.info.name}>
                {props.info.name}
              </span>
            }
          >
            <form
              class="rename-form"
              onSubmit={(event) => {
                event.preventDefault();
                void saveRename();
              }}
            >
              <input
                class="entry entry-small"
                value={draft()}
                onInput={(event) => setDraft(event.currentTarget.value)}
                onKeyDown={(event) => {
                  if (event.key === "Escape") {
                    event.preventDefault();
                    endRename();
                  }
                }}
                ref={(el) =>
                  queueMicrotask(() => {
                    el.focus();
                    el.select();
                  })
                }
                aria-label={`New name for ${props.info.name}`}
                disabled={saving()}
              />
              <button type="submit" class="button button-small" disabled={saving()}>
                Save
              </button>
              <button
                type="button"
                class="button button-small button-flat"
                onClick={endRename}
                disabled={saving()}
              >
                Cancel
              </button>
            </form>
          </Show>
          <span class="connection-meta">
            <span class="connection-state">{CONN_STATE_LABELS[props.info.state]}</span>
            <span aria-hidden="true"> · </span>
            <span>{plural(props.count, "VM")}</span>
          </span>
          <span class="connection-uri" title={props.info.uri}>
            {props.info.uri}
          </span>
        </div>
        <Show when={!editing()}>
          <div class="connection-tools">
            <button
              ref={renameButton}
              type="button"
              class="icon-button"
              onClick={beginRename}
              aria-label={`Rename ${props.info.name}`}
              data-tip="Rename"
            >
              <PencilIcon />
            </button>
            <Show when={!props.info.builtin}>
              <button
                type="button"
                class="icon-button"
                onClick={() => props.onRemove()}
                aria-label={`Remove ${props.info.name}`}
                data-tip="Remove"
              >
                <TrashIcon />
              </button>
            </Show>
          </div>
        </Show>
      </div>

      <Show when={renameError()}>
        {(err) => (
          <p class="connection-error" role="alert">
            {err().message}
          </p>
        )}
      </Show>
      <Show when={props.info.state === "connected" && !props.info.liveEvents}>
        <p class="connection-note">
          No live events from this driver: polling for changes every few seconds.
        </p>
      </Show>
      <Show when={props.info.error}>
        {(message) => <p class="connection-error">{message()}</p>}
      </Show>
      <Show when={props.info.hint}>{(hint) => <p class="connection-hint">{hint()}</p>}</Show>
      <Show when={canRetry()}>
        <button
          type="button"
          class="button button-small connection-retry"
          onClick={() => void retry()}
          disabled={retrying()}
          aria-label={`Retry ${props.info.name}`}
        >
          <Show when={retrying()} fallback="Retry">
            <span class="spinner" aria-hidden="true" />
            Retrying…
          </Show>
        </button>
      </Show>
    </li>
  );
}

const URI_EXAMPLES: readonly { uri: string; what: string }[] = [
  { uri: "qemu+ssh://user@host/system", what: "libvirt on another machine, over SSH" },
  { uri: "vbox:///session", what: "VirtualBox on this computer" },
  { uri: "test:///path/to/node.xml", what: "libvirt's test driver, from an XML file" },
];

function AddConnectionDialog(props: {
  onAdded: (info: ConnectionInfo) => void;
  onClose: () => void;
}) {
  const backend = useBackend();
  const [uri, setUri] = createSignal("");
  const [name, setName] = createSignal("");
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<ApiError | null>(null);
  let uriInput: HTMLInputElement | undefined;

  async function submit(event: Event) {
    event.preventDefault();
    const trimmed = uri().trim();
    if (trimmed === "" || busy()) return;
    setBusy(true);
    setError(null);
    try {
      const info = await backend.connectionAdd({ uri: trimmed, name: name().trim() || null });
      props.onAdded(info);
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal
      title="Add a connection"
      description={<p>A libvirt URI: another host, or another hypervisor on this one.</p>}
      onClose={props.onClose}
      testId="add-connection-dialog"
    >
      <form class="dialog-form" onSubmit={(event) => void submit(event)}>
        <label class="field">
          <span class="field-label">URI</span>
          <input
            ref={uriInput}
            class="entry"
            type="text"
            name="uri"
            value={uri()}
            onInput={(event) => setUri(event.currentTarget.value)}
            placeholder="qemu+ssh://user@host/system"
            autocomplete="off"
            spellcheck={false}
            required
            data-autofocus
          />
        </label>
        <div class="examples">
          <span class="field-label">Examples</span>
          <ul class="example-list">
            <For each={URI_EXAMPLES}>
              {(example) => (
                <li>
                  <button
                    type="button"
                    class="example"
                    onClick={() => {
                      setUri(example.uri);
                      uriInput?.focus();
                    }}
                  >
                    <code>{example.uri}</code>
                    <span class="example-what">{example.what}</span>
                  </button>
                </li>
              )}
            </For>
          </ul>
        </div>
        <label class="field">
          <span class="field-label">Name (optional)</span>
          <input
            class="entry"
            type="text"
            name="name"
            value={name()}
            onInput={(event) => setName(event.currentTarget.value)}
            placeholder="Defaults to the URI"
            autocomplete="off"
          />
        </label>
        <Show when={error()}>
          {(err) => (
            <div class="inline-error" role="alert" data-code={err().code}>
              <p class="inline-error-message">{err().message}</p>
              <p class="inline-error-hint">{errorHint(err().code, "inventory")}</p>
            </div>
          )}
        </Show>
        <div class="dialog-footer">
          <button type="button" class="button" onClick={() => props.onClose()}>
            Cancel
          </button>
          <button
            type="submit"
            class="button button-suggested"
            disabled={busy() || uri().trim() === ""}
            aria-busy={busy()}
          >
            <Show when={busy()} fallback="Add">
              <span class="spinner" aria-hidden="true" />
              Adding…
            </Show>
          </button>
        </div>
      </form>
    </Modal>
  );
}

function PencilIcon() {
  return (
    <svg class="glyph" viewBox="0 0 16 16" aria-hidden="true">
      <path
        d="M10.5 3.5l2 2L6 12H4v-2zM9.5 4.5l2 2"
        fill="none"
        stroke="currentColor"
        stroke-width="1.5"
        stroke-linejoin="round"
      />
    </svg>
  );
}

function TrashIcon() {
  return (
    <svg class="glyph" viewBox="0 0 16 16" aria-hidden="true">
      <path
        d="M3.5 5h9M6.5 5V3.5h3V5M5 5l.6 7.5h4.8L11 5"
        fill="none"
        stroke="currentColor"
        stroke-width="1.5"
        stroke-linejoin="round"
        stroke-linecap="round"
      />
    </svg>
  );
}
