"""WebKit's paint ceiling in Vireo's real window: a 1920x1080 canvas given new pixels every
animation frame, over the machine list, with the app's styles as shipped and with blurred
shadows put back (what the styles drop when WebKit paints on the CPU), and alone on the page.

Prints painted frames/s and the CPU of the app's whole process tree per frame. Part of
`make bench` (tests/bench/__main__.py); figures are printed, not asserted.
"""

import os
import time

from bench.procfs import comm, cpu_ticks, process_tree
from bench.xlib import biggest_window, xdotool
from lib.wait import wait_until
from lib.xvfb import private_xvfb

SECONDS = 6
W, H = 1920, 1080

PAINT = r"""
const [variant, W, H, secs] = arguments;
const done = arguments[arguments.length - 1];
const root = document.documentElement;
if (variant === 'blurred') delete root.dataset.rendering;
for (const c of document.body.children) c.style.visibility = variant === 'alone' ? 'hidden' : '';
const canvas = document.createElement('canvas');
canvas.width = W; canvas.height = H;
canvas.style.cssText = 'position:fixed;z-index:99999;left:0;top:0;visibility:visible';
document.body.appendChild(canvas);
const ctx = canvas.getContext('2d');
const frames = [0, 1].map(i => {
  const a = new Uint8ClampedArray(W * H * 4);
  const u = new Uint32Array(a.buffer);
  for (let k = 0; k < u.length; k++) u[k] = 0xff000000 | ((k * 2654435761 + i * 77777) >>> 8);
  return new ImageData(a, W, H);
});
let n = 0;
const t0 = performance.now();
function tick() {
  const now = performance.now();
  if (now - t0 > secs * 1000) {
    canvas.remove();
    done({ frames: n, seconds: (now - t0) / 1000 });
    return;
  }
  ctx.putImageData(frames[n % 2], 0, 0);
  n++;
  requestAnimationFrame(tick);
}
requestAnimationFrame(tick);
"""


def main():
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    from lib.app import open_app, running_tauri_driver

    saved = os.environ.get("DISPLAY")
    with private_xvfb("2048x1280", range(140, 180)) as display:
        try:
            os.environ["DISPLAY"] = display
            with running_tauri_driver() as url, open_app(url) as driver:
                WebDriverWait(driver, 30).until(
                    EC.presence_of_element_located((By.CSS_SELECTOR, '[data-testid="filter"]')))
                wid = wait_until("Vireo's window", lambda: biggest_window(display, "--name", "^Vireo$"))[0]
                xdotool(display, "windowsize", str(wid), "2048", "1280")
                driver.set_script_timeout(SECONDS + 30)
                rendering = driver.execute_script("return document.documentElement.dataset.rendering || 'gpu'")
                apps = [p for p in process_tree(os.getpid()) if comm(p) == "vireo-app"]
                print(f"page paint ceiling: a {W}x{H} canvas, new pixels every animation frame, "
                      f"window 2048x1280 (rendering: {rendering}):")
                for variant, label in [("shipped", "over the machine list, styles as shipped"),
                                       ("blurred", "over the machine list, blurred shadows"),
                                       ("alone", "alone on the page")]:
                    pids = process_tree(*apps)
                    c0, t0 = cpu_ticks(pids), time.monotonic()
                    r = driver.execute_async_script(PAINT, variant, W, H, SECONDS)
                    c1, t1 = cpu_ticks(process_tree(*apps)), time.monotonic()
                    cpu = (c1 - c0) / os.sysconf("SC_CLK_TCK") / (t1 - t0)
                    fps = r["frames"] / r["seconds"]
                    print(f"  {label:42} {fps:5.1f} frames/s, CPU {cpu * 100:5.1f} % of a core, "
                          f"{cpu * 1000 / max(fps, 0.01):6.1f} ms a frame")
        finally:
            if saved is None:
                os.environ.pop("DISPLAY", None)
            else:
                os.environ["DISPLAY"] = saved


if __name__ == "__main__":
    main()
