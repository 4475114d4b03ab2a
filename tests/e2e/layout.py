"""What a person sees, checked in the real window: every visible control inside the window
and not covered (a hit test at its centre finds it), no horizontal scrolling where the
layout must fit, errors in view. `problems(driver)` returns what is wrong, as sentences."""

# Runs in the page. A control is checked when it is rendered and its centre lies inside
# every clipping ancestor (what scrolling could bring into view is not a problem).
CHECK_JS = r"""
const selector = 'button, a[href], input:not([type=hidden]), select, textarea, ' +
  '[role=menuitem], [role=tab], [role=option], [tabindex]:not([tabindex="-1"])';
const out = [];
const W = window.innerWidth, H = window.innerHeight;
function describe(el) {
  const id = el.getAttribute('data-action') || el.getAttribute('data-field') ||
    el.getAttribute('data-testid') || el.getAttribute('aria-label') || el.id ||
    (el.textContent || '').trim().slice(0, 30);
  return `${el.tagName.toLowerCase()}[${id}]`;
}
function shown(el) {
  if (el.closest('[hidden], [inert], [aria-hidden="true"]')) return false;
  const s = getComputedStyle(el);
  if (s.visibility !== 'visible' || s.display === 'none' || Number(s.opacity) === 0) return false;
  const r = el.getBoundingClientRect();
  return r.width > 1 && r.height > 1;
}
function clipBox(el) {
  let box = {left: 0, top: 0, right: W, bottom: H};
  // A fixed element (a menu) escapes its ancestors' overflow: only the window clips it.
  for (let node = el, p = el.parentElement; p; node = p, p = p.parentElement) {
    if (getComputedStyle(node).position === 'fixed') break;
    const s = getComputedStyle(p);
    if (/(auto|scroll|hidden|clip)/.test(s.overflowX + s.overflowY)) {
      const r = p.getBoundingClientRect();
      box = {left: Math.max(box.left, r.left), top: Math.max(box.top, r.top),
             right: Math.min(box.right, r.right), bottom: Math.min(box.bottom, r.bottom)};
    }
  }
  return box;
}
// With a modal dialog open, what lies behind it is meant to be covered: only the dialog (and
// the menus it opens) is checked.
const modal = [...document.querySelectorAll('[aria-modal="true"]')].filter(shown).pop();
function scrolledAway(el, cx, cy) {
  for (let node = el, p = el.parentElement; p; node = p, p = p.parentElement) {
    if (getComputedStyle(node).position === 'fixed') break;
    const s = getComputedStyle(p);
    if (/(auto|scroll)/.test(s.overflowX + s.overflowY)) {
      const r = p.getBoundingClientRect();
      if (cx < r.left || cx > r.right || cy < r.top || cy > r.bottom) return true;
    }
  }
  return false;
}
function scrollsOn(el, r) {
  for (let p = el.parentElement; p; p = p.parentElement) {
    const s = getComputedStyle(p);
    if (!/(auto|scroll)/.test(s.overflowY)) continue;
    const below = r.bottom > H + 0.5 && p.scrollTop + p.clientHeight < p.scrollHeight - 1;
    const above = r.top < -0.5 && p.scrollTop > 0;
    if (below || above) return true;
  }
  return false;
}
for (const el of document.querySelectorAll(selector)) {
  if (!shown(el)) continue;
  if (modal && !modal.contains(el) && !el.closest('[role=menu]')) continue;
  const r = el.getBoundingClientRect();
  const cx = r.left + r.width / 2, cy = r.top + r.height / 2;
  const box = clipBox(el);
  if (cx < box.left || cx > box.right || cy < box.top || cy > box.bottom) {
    // Scrolled out of a scroll box: reachable by scrolling. Otherwise it is cut off for good.
    if (!scrolledAway(el, cx, cy)) out.push(`${describe(el)} is clipped out of sight`);
    continue;
  }
  if (r.left < -0.5 || r.top < -0.5 || r.right > W + 0.5 || r.bottom > H + 0.5) {
    // Half out at the edge of a box that scrolls on in that direction: scrolling shows it.
    if (scrollsOn(el, r)) continue;
    out.push(`${describe(el)} is cut by the window edge (${Math.round(r.left)},${Math.round(r.top)} ` +
      `${Math.round(r.width)}x${Math.round(r.height)} in ${W}x${H})`);
    continue;
  }
  const hit = document.elementFromPoint(cx, cy);
  const label = el.id ? document.querySelector(`label[for="${el.id}"]`) : el.closest('label');
  if (!hit || !(el === hit || el.contains(hit) || (label && label.contains(hit)))) {
    out.push(`${describe(el)} is covered by ${hit ? describe(hit) : 'nothing'}`);
  }
}
for (const el of document.querySelectorAll('[data-layout-fit]')) {
  if (shown(el) && el.scrollWidth > el.clientWidth + 1) {
    out.push(`${describe(el)} scrolls sideways (${el.scrollWidth} > ${el.clientWidth})`);
  }
}
for (const el of document.querySelectorAll('[role=alert], .inline-error, .field-error')) {
  if (!shown(el)) continue;
  const r = el.getBoundingClientRect();
  const box = clipBox(el);
  if (r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5) {
    out.push(`${describe(el)} (an error) is out of view`);
  }
}
return out;
"""


def problems(driver):
    return driver.execute_script(CHECK_JS)
