"""What a person sees, on every screen and dialog, at 1024×700, 1100×720 (the default) and
1920×1080, and at GDK_SCALE=2: every visible control inside the window and not covered (a
hit test at its centre finds it), the VM list never scrolling sideways, errors in view, and
Next not moving when an error appears under it. A screenshot of each state is saved in
target/e2e/layout/ for review."""

import os
import time

import pytest
from layout import problems
from selenium.common.exceptions import ElementNotInteractableException, TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from lib.app import open_app, running_tauri_driver
from lib.libvirt import TEST_GUEST, virsh
from lib.paths import ARTIFACTS
from lib.xvfb import private_xvfb

PREFIX = f"vireo-e2e-layout-{os.getpid()}"
SIZES = [(1024, 700), (1100, 720), (1920, 1080)]
SHOTS = os.path.join(ARTIFACTS, "layout")


def domain_xml(name):
    return f"""<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory>
<vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type></os><features><acpi/></features>
<devices><graphics type='vnc'><listen type='none'/></graphics></devices></domain>"""


@pytest.fixture(scope="module")
def fifty_vms(tmp_path_factory):
    """50 defined VMs; the first one running (it sits in SeaBIOS: a screen, no disk)."""
    names = [f"{PREFIX}-{i:02d}" for i in range(50)]
    d = tmp_path_factory.mktemp("layout")
    for name in names:
        path = d / f"{name}.xml"
        path.write_text(domain_xml(name))
        virsh("define", str(path))
    virsh("start", names[0])
    yield names
    for name in names:
        virsh("destroy", name)
        virsh("undefine", name)


@pytest.fixture(params=["1x", "2x"], scope="module")
def screen(request):
    env = {"GDK_SCALE": "2"} if request.param == "2x" else {}
    with private_xvfb("3840x2200") as display:
        env["DISPLAY"] = display
        with running_tauri_driver(env) as url:
            with open_app(url) as driver:
                yield driver, request.param


def wait(driver, css, timeout=20):
    return WebDriverWait(driver, timeout).until(
        EC.presence_of_element_located((By.CSS_SELECTOR, css)))


HIT_JS = """
const el = arguments[0], r = el.getBoundingClientRect();
const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
return hit && (hit === el || el.contains(hit)) ? "" : (hit ? hit.outerHTML.slice(0, 160) : "nothing");"""


def click(driver, css):
    """A click where a person would click. After a window resize WebKitWebDriver sometimes
    calls a control it can see "not interactable"; then the page's own hit test decides, and
    only a control found at its centre is clicked."""
    # Views kept in the page while hidden have their own copies: the shown one is meant.
    el = WebDriverWait(driver, 20).until(lambda d: next(
        (e for e in d.find_elements(By.CSS_SELECTOR, css) if e.is_displayed()), None))
    try:
        WebDriverWait(driver, 5).until(EC.element_to_be_clickable(el)).click()
    except (ElementNotInteractableException, TimeoutException):
        # A person scrolls to a control below the fold first.
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", el)
        cover = driver.execute_script(HIT_JS, el)
        where = driver.execute_script(
            "const r = arguments[0].getBoundingClientRect();"
            "return [r.left, r.top, r.width, r.height, innerWidth, innerHeight,"
            " arguments[0].disabled];", el)
        assert not cover, f"{css} at {where} is covered where a person would click, by {cover}"
        driver.execute_script("arguments[0].click()", el)


def type_into(driver, css, text):
    field = WebDriverWait(driver, 20).until(EC.element_to_be_clickable((By.CSS_SELECTOR, css)))
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(Keys.DELETE)
    if text:
        field.send_keys(text)


class Walk:
    """Checks states and collects what is wrong, with a screenshot of each."""

    def __init__(self, driver, tag):
        self.driver, self.tag, self.found = driver, tag, []
        os.makedirs(SHOTS, exist_ok=True)

    def check(self, state):
        time.sleep(0.4)  # transitions and the list's scroll position settle
        self.driver.save_screenshot(os.path.join(SHOTS, f"{self.tag}-{state}.png"))
        self.found += [f"{self.tag} {state}: {p}" for p in problems(self.driver)]

    def next_button(self):
        return self.driver.find_element(By.XPATH, "//button[normalize-space()='Next']")


def filter_to(driver, text):
    type_into(driver, '[data-testid="filter"]', text)


def walk_list(w, names):
    d = w.driver
    filter_to(d, names[0])
    wait(d, f'[data-vm-name="{names[0]}"][data-vm-state="running"]').click()
    w.check("list-one-running-vm")
    filter_to(d, PREFIX)
    wait(d, f'[data-vm-name="{names[1]}"]').click()
    w.check("list-fifty-vms")
    click(d, f'[data-vm-name="{names[1]}"] [data-action="delete"]')
    wait(d, '[data-testid="delete-dialog"]')
    w.check("delete-dialog")
    d.switch_to.active_element.send_keys(Keys.ESCAPE)
    WebDriverWait(d, 10).until_not(EC.presence_of_element_located(
        (By.CSS_SELECTOR, '[data-testid="delete-dialog"]')))
    click(d, f'[data-vm-name="{names[1]}"] [aria-label="More actions"]')
    wait(d, '[role="menu"]')
    w.check("list-more-menu")
    d.switch_to.active_element.send_keys(Keys.ESCAPE)


def walk_wizard(w):
    d = w.driver
    click(d, '[data-action="new-vm"]')
    wait(d, '[data-step="source"]')
    w.check("wizard-source")
    click(d, '[data-source="import"]')
    type_into(d, '[data-field="path"]', "/nonexistent/disk.qcow2")
    before = w.next_button().rect
    w.next_button().click()
    wait(d, '[data-testid="source-error"]')
    w.check("wizard-source-error")
    after = w.next_button().rect
    if (before["x"], before["y"]) != (after["x"], after["y"]):
        w.found.append(f"{w.tag} wizard-source-error: Next moved from {before} to {after}")
    type_into(d, '[data-field="path"]', TEST_GUEST)
    w.next_button().click()
    wait(d, '[data-step="os"]')
    # Next before choosing: the OS step's error.
    wait(d, '[data-os-id="http://libosinfo.org/linux/2022"]')
    if not d.find_elements(By.CSS_SELECTOR, '[data-os-id]:checked'):
        w.next_button().click()
        wait(d, '[data-testid="os-error"]')
        w.check("wizard-os-error")
    click(d, '[data-os-id="http://libosinfo.org/linux/2022"]')
    w.check("wizard-os")
    w.next_button().click()
    wait(d, '[data-step="resources"]')
    type_into(d, '[data-field="memory"]', "")
    w.next_button().click()
    wait(d, '[data-testid="memory-error"]')
    w.check("wizard-resources-error")
    type_into(d, '[data-field="memory"]', "256")
    w.next_button().click()
    wait(d, '[data-step="options"]')
    w.check("wizard-options")
    w.next_button().click()
    wait(d, '[data-step="review"]')
    w.check("wizard-review")
    type_into(d, '[data-field="name"]', "bad name!")
    wait(d, '[data-testid="name-error"]')
    w.check("wizard-review-error")
    d.switch_to.active_element.send_keys(Keys.ESCAPE)
    WebDriverWait(d, 10).until_not(EC.presence_of_element_located(
        (By.CSS_SELECTOR, '[data-testid="wizard"]')))


def walk_console(w, name):
    d = w.driver
    filter_to(d, name)
    wait(d, f'[data-vm-name="{name}"][data-vm-state="running"]').click()
    click(d, f'[data-vm-name="{name}"] [data-action="console"]')
    WebDriverWait(d, 20).until(EC.visibility_of_element_located(
        (By.CSS_SELECTOR, '[data-testid="console-canvas"]')))
    time.sleep(1)
    w.check("console")
    click(d, '[data-action="send-key"]')
    wait(d, '[role="menu"][aria-label="Send key"]:not([hidden])')
    w.check("console-send-key-menu")
    d.switch_to.active_element.send_keys(Keys.ESCAPE)
    click(d, '[data-action="type-text"]')
    wait(d, '[data-testid="type-text-dialog"]')
    w.check("console-type-text-dialog")
    d.switch_to.active_element.send_keys(Keys.ESCAPE)
    WebDriverWait(d, 10).until_not(EC.presence_of_element_located(
        (By.CSS_SELECTOR, '[data-testid="type-text-dialog"]')))
    click(d, '[data-action="close-console"]')


def walk_vm_page(w, name):
    """The running VM's page, with a refusal shown at the memory field, and its end."""
    d = w.driver
    filter_to(d, name)
    click(d, f'[data-vm-name="{name}"] button.vm-name')
    wait(d, '[data-testid="vm-resources"]')
    w.check("vm-page")
    # The sections below: network interfaces and the serial console.
    scroll = "document.querySelector('[data-testid=\"vm-page-scroll\"]').scrollTop = "
    d.execute_script(scroll + "1e6")
    wait(d, '[data-testid="nic-add"]')
    w.check("vm-page-bottom")
    d.execute_script(scroll + "0")
    type_into(d, '[data-testid="memory-input"]', "99999999")
    click(d, '[data-testid="resources-apply"]')
    wait(d, '[data-testid="resources-error"]')
    w.check("vm-page-error")
    click(d, '[data-testid="vm-page-back"]')
    WebDriverWait(d, 10).until_not(EC.presence_of_element_located(
        (By.CSS_SELECTOR, '[data-testid="vm-page"]')))


def walk_host_check(w):
    d = w.driver
    click(d, '[data-view="host-check"]')
    wait(d, '[data-finding="kvm"], [data-testid="finding-kvm"], .finding')
    w.check("host-check")
    click(d, '[data-view="machines"]')


def test_every_screen_fits_and_nothing_is_covered(screen, fifty_vms):
    driver, scale = screen
    wait(driver, '[data-testid="vm-list"]')
    found = []
    for width, height in SIZES if scale == "1x" else [(1100, 720)]:
        driver.set_window_size(width, height)
        time.sleep(0.5)
        w = Walk(driver, f"{scale}-{width}x{height}")
        walk_list(w, fifty_vms)
        walk_wizard(w)
        walk_console(w, fifty_vms[0])
        walk_vm_page(w, fifty_vms[0])
        walk_host_check(w)
        found += w.found
    assert not found, "\n".join(found)


def test_the_layout_check_finds_what_it_looks_for(app):
    """Each check, broken on purpose: a covered control, a control past the window's edge, a
    list that scrolls sideways, an error out of view."""
    wait(app, '[data-testid="vm-list"]')
    assert problems(app) == []
    app.execute_script("""
        const b = document.querySelector('[data-action="new-vm"]').getBoundingClientRect();
        const c = document.createElement('div');
        c.id = 'cover';
        Object.assign(c.style, {position: 'fixed', left: b.left + 'px', top: b.top + 'px',
          width: b.width + 'px', height: b.height + 'px', zIndex: 999});
        document.body.append(c);""")
    assert any("new-vm" in p and "covered" in p for p in problems(app)), problems(app)
    app.execute_script("document.getElementById('cover').remove()")
    app.execute_script("""
        const b = document.createElement('button');
        b.textContent = 'edge'; b.id = 'edge';
        Object.assign(b.style, {position: 'fixed', right: '-40px', top: '200px', width: '80px'});
        document.body.append(b);""")
    assert any("edge" in p and "window edge" in p for p in problems(app)), problems(app)
    app.execute_script("document.getElementById('edge').remove()")
    app.execute_script("""
        const wide = document.createElement('div'); wide.id = 'wide';
        wide.style.width = '5000px'; wide.style.height = '1px';
        document.querySelector('[data-testid="vm-list"]').append(wide);""")
    assert any("scrolls sideways" in p for p in problems(app)), problems(app)
    app.execute_script("document.getElementById('wide').remove()")
    app.execute_script("""
        const grid = document.querySelector('[data-testid="vm-list"]');
        const e = document.createElement('div'); e.id = 'late'; e.setAttribute('role', 'alert');
        Object.assign(e.style, {position: 'relative', top: '4000px', height: '20px'});
        e.textContent = 'an error below the fold';
        grid.append(e);""")
    assert any("out of view" in p for p in problems(app)), problems(app)
    app.execute_script("document.getElementById('late').remove()")
