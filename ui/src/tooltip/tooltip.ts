/**
 * Tooltips drawn by the page, for controls with `data-tip`. GTK's native tooltips (the
 * `title` attribute) stay painted where they were when a click opens a dialog or the console
 * over them, and are cut at the window's edge; these go away on any click, key, scroll or
 * pointer leave, lie under modal backdrops, and are kept inside the window.
 */

/** Hover time before a tip shows, as GTK's. */
export const TIP_DELAY_MS = 500;
const MARGIN = 6;

/** Where a tip of `tip` size goes for an `anchor` rect: below it, else above; inside the view. */
export function placeTip(
  anchor: { left: number; top: number; bottom: number; width: number },
  tip: { width: number; height: number },
  view: { width: number; height: number },
): { left: number; top: number } {
  const centred = anchor.left + anchor.width / 2 - tip.width / 2;
  const left = Math.max(MARGIN, Math.min(centred, view.width - tip.width - MARGIN));
  const below = anchor.bottom + MARGIN;
  const top =
    below + tip.height + MARGIN <= view.height
      ? below
      : Math.max(MARGIN, anchor.top - MARGIN - tip.height);
  return { left, top };
}

/** Starts showing `data-tip` tooltips in `doc`; returns the function that stops it. */
export function installTooltips(doc: Document = document, delayMs = TIP_DELAY_MS): () => void {
  const tip = doc.createElement("div");
  tip.className = "tooltip";
  tip.setAttribute("role", "tooltip");
  tip.hidden = true;
  doc.body.append(tip);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let target: HTMLElement | null = null;

  function hide() {
    clearTimeout(timer);
    timer = undefined;
    target = null;
    tip.hidden = true;
  }

  function show(el: HTMLElement) {
    const text = el.dataset.tip;
    if (!text || !el.isConnected) return;
    tip.textContent = text;
    tip.hidden = false;
    const spot = placeTip(
      el.getBoundingClientRect(),
      { width: tip.offsetWidth, height: tip.offsetHeight },
      { width: doc.documentElement.clientWidth || window.innerWidth, height: window.innerHeight },
    );
    tip.style.left = `${spot.left}px`;
    tip.style.top = `${spot.top}px`;
  }

  function onOver(event: Event) {
    const el = (event.target as Element | null)?.closest?.<HTMLElement>("[data-tip]") ?? null;
    if (el === target) return;
    hide();
    if (!el) return;
    target = el;
    timer = setTimeout(() => show(el), delayMs);
  }

  const events: [string, EventListener][] = [
    ["pointerover", onOver],
    ["pointerdown", hide],
    ["keydown", hide],
    ["scroll", hide],
    ["focusout", hide],
  ];
  for (const [name, fn] of events) doc.addEventListener(name, fn, true);
  doc.defaultView?.addEventListener("blur", hide);
  return () => {
    hide();
    for (const [name, fn] of events) doc.removeEventListener(name, fn, true);
    doc.defaultView?.removeEventListener("blur", hide);
    tip.remove();
  };
}
