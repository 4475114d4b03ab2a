import "./console-tools.css";
import { createEffect, createSignal, type JSX, on, onCleanup } from "solid-js";

/** The toolbar hides this long after the pointer left it (fullscreen only). */
export const HIDE_AFTER_MS = 2000;
/** Moving the pointer this close to the top edge shows the toolbar again. */
export const REVEAL_EDGE_PX = 4;

export interface ConsoleBarProps {
  /** Fullscreen: the bar floats over the screen's top edge and hides when not in use. */
  floating: boolean;
  children?: JSX.Element;
}

/**
 * The console's toolbar. In fullscreen it floats at the top and hides itself, like
 * virt-viewer's: it shows while the pointer is on it or near the top edge, or while the
 * keyboard is in it (Tab reaches it even when hidden).
 */
export function ConsoleBar(props: ConsoleBarProps) {
  const [shown, setShown] = createSignal(true);
  let hovered = false;
  let focused = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let bar: HTMLDivElement | undefined;

  function show() {
    setShown(true);
    clearTimeout(timer);
    timer = undefined;
  }

  function hideLater() {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (!hovered && !focused && props.floating) setShown(false);
    }, HIDE_AFTER_MS);
  }

  function onPointerMove(event: PointerEvent | MouseEvent) {
    if (!props.floating) return;
    if (event.clientY <= REVEAL_EDGE_PX) show();
    else if (shown() && !hovered && timer === undefined) hideLater();
  }

  // Entering fullscreen shows the bar for a moment, so people see where it went.
  createEffect(
    on(
      () => props.floating,
      (floating) => {
        show();
        if (floating) hideLater();
      },
    ),
  );

  document.addEventListener("pointermove", onPointerMove);
  onCleanup(() => {
    clearTimeout(timer);
    document.removeEventListener("pointermove", onPointerMove);
  });

  return (
    <div
      ref={bar}
      class="console-toolbar"
      classList={{
        "console-toolbar-floating": props.floating,
        "console-toolbar-hidden": props.floating && !shown(),
      }}
      data-testid="console-toolbar"
      data-shown={!props.floating || shown()}
      onPointerEnter={() => {
        hovered = true;
        show();
      }}
      onPointerLeave={() => {
        hovered = false;
        if (props.floating) hideLater();
      }}
      onFocusIn={() => {
        focused = true;
        show();
      }}
      onFocusOut={(event) => {
        if (bar?.contains(event.relatedTarget as Node | null)) return;
        focused = false;
        if (props.floating) hideLater();
      }}
    >
      {props.children}
    </div>
  );
}
