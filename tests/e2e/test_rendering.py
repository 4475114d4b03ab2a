"""Without a GPU the page knows WebKit paints on the CPU, and nothing in it has a blurred shadow.

A blurred box-shadow is recomputed over its whole box at every repaint beneath it: one under
a 1920x1080 console cost 260 ms a frame instead of 13 ms (DESIGN.md). The app turns WebKit's
compositing off and tells the page so when the machine has no GPU render node, as this one
(Xvfb, llvmpipe) has not.
"""

import glob
import os
import re

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

# Every box's computed shadows with a blur radius above zero, as "tag.class: shadow".
BLURRED = r"""
const found = [];
for (const el of document.querySelectorAll('*')) {
  const shadow = getComputedStyle(el).boxShadow;
  if (!shadow || shadow === 'none') continue;
  // Computed form: "rgba(…) 0px 1px 3px 0px, …"; the third length is the blur.
  for (const one of shadow.split(/,(?![^(]*\))/)) {
    const lengths = one.replace(/rgba?\([^)]*\)/, '').trim().split(/\s+/).filter(s => s.endsWith('px'));
    if (lengths.length >= 3 && parseFloat(lengths[2]) > 0)
      found.push(el.tagName.toLowerCase() + '.' + [...el.classList].join('.') + ': ' + one.trim());
  }
}
return found;
"""


def software_rendering_expected():
    value = os.environ.get("WEBKIT_DISABLE_COMPOSITING_MODE")
    if value is not None:
        return value not in ("", "0")
    return not glob.glob("/dev/dri/renderD*")


def test_the_page_paints_without_blurred_shadows_on_the_cpu(app):
    WebDriverWait(app, 20).until(
        EC.presence_of_element_located((By.CSS_SELECTOR, '[data-testid="filter"]')))
    rendering = app.execute_script("return document.documentElement.dataset.rendering || null")
    if not software_rendering_expected():
        assert rendering is None
        return
    assert rendering == "software"
    # Shadows exist (cards, the grid) and are crisp: the list is drawn, not bare.
    shadows = app.execute_script(
        "return [...document.querySelectorAll('*')].filter("
        "e => getComputedStyle(e).boxShadow !== 'none').length")
    assert shadows > 0
    assert app.execute_script(BLURRED) == []

    # A dialog's shadow too: open the new-VM wizard and look again.
    app.find_element(By.CSS_SELECTOR, '[data-action="new-vm"]').click()
    dialog = WebDriverWait(app, 20).until(
        EC.visibility_of_element_located((By.CSS_SELECTOR, "dialog.dialog")))
    assert re.search(r"\dpx", app.execute_script(
        "return getComputedStyle(arguments[0]).boxShadow", dialog))
    assert app.execute_script(BLURRED) == []
