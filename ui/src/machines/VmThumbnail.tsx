import { createEffect, createSignal, onCleanup, Show } from "solid-js";
import type { Thumbnails } from "./thumbnails";

/** The thumbnail box in CSS pixels (rows are 48 px tall); matches `.vm-thumb` in the styles. */
export const THUMBNAIL_WIDTH = 64;

/** The width to ask the backend for: the box in device pixels, so HiDPI screens get sharp ones. */
export function thumbnailRequestWidth(devicePixelRatio: number): number {
  const ratio = Number.isFinite(devicePixelRatio) ? Math.min(Math.max(devicePixelRatio, 1), 4) : 1;
  return Math.round(THUMBNAIL_WIDTH * ratio);
}

export interface VmThumbnailProps {
  vmKey: string;
  connection: string;
  uuid: string;
  name: string;
  /** Only running VMs are watched; the rest show the placeholder and cost nothing. */
  running: boolean;
  thumbnails?: Thumbnails;
  /** Opens the VM's console (a click on the thumbnail). */
  onOpen?: () => void;
}

/**
 * A running VM's screen, refreshed by the shared schedule while this cell exists (the list is
 * windowed, so only rows near the view have one). A neutral placeholder otherwise.
 */
export function VmThumbnail(props: VmThumbnailProps) {
  const [url, setUrl] = createSignal<string | null>(null);
  createEffect(() => {
    const thumbnails = props.thumbnails;
    if (!thumbnails || !props.running) return;
    const vm = { connection: props.connection, uuid: props.uuid };
    const width = thumbnailRequestWidth(window.devicePixelRatio);
    const stop = thumbnails.watch(props.vmKey, vm, width, (next) => setUrl(next));
    onCleanup(() => {
      stop();
      setUrl(null);
    });
  });
  return (
    <Show
      when={url()}
      fallback={
        <span
          class="vm-thumb vm-thumb-empty"
          classList={{ "is-running": props.running }}
          data-testid="thumbnail-placeholder"
          aria-hidden="true"
        />
      }
    >
      {(src) => (
        <button
          type="button"
          class="vm-thumb vm-thumb-button"
          tabIndex={-1}
          data-tip={`Open the console of ${props.name}`}
          aria-label={`Open the console of ${props.name}`}
          disabled={props.onOpen === undefined}
          data-testid="thumbnail"
          onClick={() => props.onOpen?.()}
        >
          <img class="vm-thumb-image" src={src()} alt="" draggable={false} />
        </button>
      )}
    </Show>
  );
}
