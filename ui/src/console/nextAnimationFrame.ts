/** Runs `paint` before the next repaint; jsdom has no requestAnimationFrame, so a timer there. */
export function nextAnimationFrame(paint: () => void) {
  if (typeof requestAnimationFrame === "function") requestAnimationFrame(paint);
  else setTimeout(paint, 0);
}
