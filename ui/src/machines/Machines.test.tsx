import { cleanup, fireEvent, screen, waitFor, within } from "@solidjs/testing-library";
import { createSignal } from "solid-js";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Action } from "../bindings/Action";
import type { DiskChoice } from "../bindings/DiskChoice";
import type { InventorySnapshot } from "../bindings/InventorySnapshot";
import { bigSnapshot, makeVm, sampleSnapshot } from "../inventory/fixtures";
import { createFakeBackend, INTERNAL_SNAPSHOTS, renderWithBackend } from "../testing";
import { Machines } from "./Machines";

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

const ALL_ACTIONS: Action[] = [
  "start",
  "shutdown",
  "force-off",
  "reboot",
  "reset",
  "pause",
  "resume",
  "save",
  "discard-save",
  "enable-autostart",
  "disable-autostart",
  "delete",
];

async function setup(snapshot: InventorySnapshot = sampleSnapshot()) {
  const fake = createFakeBackend({ snapshot: snapshot });
  const result = renderWithBackend(() => <Machines />, fake.backend);
  const list = screen.getByTestId("vm-list");
  if (snapshot.vms.length > 0) {
    await waitFor(() => expect(list.querySelector("[data-vm-name]")).not.toBeNull());
  } else {
    await screen.findByTestId("empty");
  }
  return { ...fake, ...result, list };
}

function row(list: HTMLElement, name: string): HTMLElement {
  const el = list.querySelector<HTMLElement>(`[data-vm-name="${name}"]`);
  if (!el) throw new Error(`no row ${name}`);
  return el;
}

function renderedNames(list: HTMLElement): string[] {
  return [...list.querySelectorAll<HTMLElement>("tbody [data-vm-name]")]
    .sort(
      (a, b) => Number(a.getAttribute("aria-rowindex")) - Number(b.getAttribute("aria-rowindex")),
    )
    .map((el) => el.dataset.vmName ?? "");
}

/** The focused row's toolbar (the only row that has one). */
function toolbar(list: HTMLElement): HTMLElement {
  const bars = list.querySelectorAll<HTMLElement>('[role="toolbar"]');
  expect(bars).toHaveLength(1);
  return bars[0];
}

/** An action button of the focused row: an icon button, or an item of its "More" menu. */
function actionButton(list: HTMLElement, action: Action): HTMLButtonElement {
  const bar = toolbar(list);
  let button = bar.querySelector<HTMLButtonElement>(`[data-action="${action}"]`);
  if (!button) {
    const more = within(bar).getByRole("button", { name: "More actions" });
    if (more.getAttribute("aria-expanded") !== "true") fireEvent.click(more);
    button = document.querySelector<HTMLButtonElement>(`[role="menu"] [data-action="${action}"]`);
  }
  if (!button) throw new Error(`no button ${action}`);
  return button;
}

/** Clicks a row (not its checkbox): it becomes the focused row, with the action toolbar. */
function focus(list: HTMLElement, name: string) {
  fireEvent.click(row(list, name).querySelector(".cell-name") as HTMLElement);
  expect(row(list, name).classList.contains("is-current")).toBe(true);
  expect(toolbar(list).closest("[data-vm-name]")).toBe(row(list, name));
}

describe("Machines: rows", () => {
  it("renders one row per VM of every connection, with data attributes", async () => {
    const { list, backend } = await setup();
    expect(backend.listen).toHaveBeenCalledTimes(1);
    expect(backend.listen.mock.invocationCallOrder[0]).toBeLessThan(
      backend.inventorySnapshot.mock.invocationCallOrder[0],
    );
    expect(renderedNames(list)).toEqual(["build", "db-01", "legacy-xp", "scratch", "web-01"]);
    expect(list.dataset.rowCount).toBe("5");

    const web = row(list, "web-01");
    expect(web.dataset.vmState).toBe("running");
    expect(web.dataset.vmUuid).toBe("uuid-web-01");
    expect(web.textContent).toContain("Running");
    expect(web.textContent).toContain("Debian 12");
    expect(web.textContent).toContain("4 GiB");
    expect(web.querySelector(".cell-conn")?.textContent).toBe("This computer (system)");

    const db = row(list, "db-01");
    expect(db.dataset.vmState).toBe("shut-off");
    expect(db.querySelector(".badge")?.className).toContain("badge-neutral");
    expect(db.textContent).toContain("Shut off");
    expect(db.textContent).toContain("8 GiB");
    expect(row(list, "scratch").querySelector(".cell-conn")?.textContent).toBe(
      "This computer (session)",
    );
    expect(row(list, "build").textContent).toContain("starts at boot");
    expect(screen.getByTestId("machines-summary").textContent).toBe("5 machines, 1 running");
  });

  it("applies live events as they come", async () => {
    const { list, emit } = await setup();
    emit("inventory", {
      kind: "vm-upserted",
      connection: "session",
      vm: makeVm("added", "running"),
    });
    await waitFor(() => expect(row(list, "added").dataset.vmState).toBe("running"));
    emit("inventory", {
      kind: "vm-upserted",
      connection: "system",
      vm: makeVm("db-01", "running"),
    });
    await waitFor(() => expect(row(list, "db-01").dataset.vmState).toBe("running"));
    emit("inventory", { kind: "vm-removed", connection: "system", uuid: "uuid-build" });
    await waitFor(() => expect(list.querySelector('[data-vm-name="build"]')).toBeNull());
    emit("inventory", { kind: "connection-removed", id: "vbox" });
    await waitFor(() => expect(list.querySelector('[data-vm-name="legacy-xp"]')).toBeNull());
    expect(renderedNames(list)).toEqual(["added", "db-01", "scratch", "web-01"]);
  });

  it("draws a CPU sparkline for running VMs from stats, without re-creating the row", async () => {
    const { list, emit } = await setup();
    const web = row(list, "web-01");
    const name = web.querySelector(".vm-name");
    expect(web.querySelector("polyline")).toBeNull();
    for (const cpu of [10, 30, 42.4]) {
      emit("inventory", {
        kind: "stats",
        connection: "system",
        at: 1,
        stats: [
          { uuid: "uuid-web-01", cpuPercent: cpu, memoryUsed: null },
          { uuid: "uuid-db-01", cpuPercent: 50, memoryUsed: null },
        ],
      });
    }
    await waitFor(() => expect(web.querySelector(".cpu-value")?.textContent).toBe("42%"));
    const points = web.querySelector("polyline")?.getAttribute("points") ?? "";
    expect(points.split(" ")).toHaveLength(3);
    // Same DOM nodes: the stats event updated the CPU cell only.
    expect(row(list, "web-01")).toBe(web);
    expect(web.querySelector(".vm-name")).toBe(name);
    // db-01 is shut off: no sparkline.
    expect(row(list, "db-01").querySelector("polyline")).toBeNull();
  });

  it("filters by name, case-insensitively", async () => {
    const { list } = await setup();
    fireEvent.input(screen.getByTestId("filter"), { target: { value: "WEB" } });
    await waitFor(() => expect(renderedNames(list)).toEqual(["web-01"]));
    fireEvent.input(screen.getByTestId("filter"), { target: { value: "zzz" } });
    await screen.findByTestId("no-match");
    expect(list.dataset.rowCount).toBe("0");
    fireEvent.click(screen.getByRole("button", { name: "Clear the filter" }));
    await waitFor(() => expect(renderedNames(list)).toHaveLength(5));
  });

  it("sorts by clicking column headers, with aria-sort", async () => {
    const { list } = await setup();
    const header = (label: string) =>
      screen.getByRole("button", { name: label }).closest("th") as HTMLElement;
    expect(header("Name").getAttribute("aria-sort")).toBe("ascending");

    fireEvent.click(screen.getByRole("button", { name: "Memory" }));
    expect(header("Memory").getAttribute("aria-sort")).toBe("ascending");
    expect(header("Name").getAttribute("aria-sort")).toBeNull();
    expect(renderedNames(list).slice(-2)).toEqual(["web-01", "db-01"]);

    fireEvent.click(screen.getByRole("button", { name: "Memory" }));
    expect(header("Memory").getAttribute("aria-sort")).toBe("descending");
    expect(renderedNames(list)[0]).toBe("db-01");

    fireEvent.click(screen.getByRole("button", { name: "State" }));
    expect(renderedNames(list)[0]).toBe("web-01");
    fireEvent.click(screen.getByRole("button", { name: "vCPUs" }));
    fireEvent.click(screen.getByRole("button", { name: "vCPUs" }));
    expect(renderedNames(list)[0]).toBe("build");
    fireEvent.click(screen.getByRole("button", { name: "OS" }));
    expect(renderedNames(list).at(-1)).toBe("db-01");
  });

  it("shows the empty state when there are no VMs", async () => {
    await setup({ connections: sampleSnapshot().connections, vms: [] });
    expect(screen.getByTestId("empty").textContent).toContain("No virtual machines yet");
    expect(screen.getByTestId("machines-summary").textContent).toBe("0 machines, 0 running");
  });
});

describe("Machines: keyboard and selection", () => {
  it("moves with arrows, toggles with Space, extends with Shift, Ctrl+A selects the filtered", async () => {
    const { list } = await setup();
    list.focus();
    fireEvent.keyDown(list, { key: "ArrowDown" });
    expect(row(list, "build").classList.contains("is-current")).toBe(true);
    expect(list.getAttribute("aria-activedescendant")).toBe(row(list, "build").id);
    expect(toolbar(list).closest("[data-vm-name]")).toBe(row(list, "build"));
    fireEvent.keyDown(list, { key: " " });
    expect(row(list, "build").getAttribute("aria-selected")).toBe("true");
    fireEvent.keyDown(list, { key: "ArrowDown", shiftKey: true });
    fireEvent.keyDown(list, { key: "ArrowDown", shiftKey: true });
    const selectedNames = () =>
      [...list.querySelectorAll<HTMLElement>('tbody [aria-selected="true"]')]
        .map((el) => el.dataset.vmName)
        .sort();
    expect(selectedNames()).toEqual(["build", "db-01", "legacy-xp"]);
    expect(screen.getByTestId("bulk-bar").textContent).toContain("3 selected");

    fireEvent.keyDown(list, { key: "End" });
    expect(toolbar(list).getAttribute("aria-label")).toBe("Actions for web-01");
    fireEvent.keyDown(list, { key: "Enter" });
    expect(selectedNames()).toHaveLength(3);

    fireEvent.input(screen.getByTestId("filter"), { target: { value: "-0" } });
    await waitFor(() => expect(renderedNames(list)).toEqual(["db-01", "web-01"]));
    fireEvent.keyDown(list, { key: "a", ctrlKey: true });
    expect(selectedNames()).toEqual(["db-01", "web-01"]);
    fireEvent.input(screen.getByTestId("filter"), { target: { value: "" } });
    await waitFor(() => expect(renderedNames(list)).toHaveLength(5));
    expect(selectedNames()).toEqual(["db-01", "web-01"]);
    fireEvent.keyDown(list, { key: "Escape" });
    expect(selectedNames()).toEqual([]);
    expect(screen.queryByTestId("bulk-bar")).toBeNull();
  });

  it("checkboxes toggle, the header checkbox selects all shown", async () => {
    const { list } = await setup();
    const check = (name: string) =>
      row(list, name).querySelector<HTMLInputElement>('input[type="checkbox"]') as HTMLInputElement;
    fireEvent.click(check("scratch"));
    expect(check("scratch").checked).toBe(true);
    const all = screen.getByRole("checkbox", {
      name: "Select all shown machines",
    }) as HTMLInputElement;
    expect(all.indeterminate).toBe(true);
    fireEvent.click(all);
    expect(list.querySelectorAll('tbody [aria-selected="true"]')).toHaveLength(5);
    expect(all.checked).toBe(true);
    fireEvent.click(all);
    expect(list.querySelectorAll('tbody [aria-selected="true"]')).toHaveLength(0);
  });
});

describe("Machines: actions", () => {
  it("enables exactly the allowed actions of the focused VM", async () => {
    const { list } = await setup();
    for (const name of ["web-01", "db-01", "build", "scratch"]) {
      focus(list, name);
      const allowed = sampleSnapshot().vms.find((r) => r.vm.name === name)?.vm.allowed ?? [];
      for (const action of ALL_ACTIONS) {
        expect(actionButton(list, action).disabled, `${name} ${action}`).toBe(
          !allowed.includes(action),
        );
      }
    }
  });

  it("follows the allowed list when an event changes it", async () => {
    const { list, emit } = await setup();
    focus(list, "db-01");
    expect(actionButton(list, "start").disabled).toBe(false);
    emit("inventory", {
      kind: "vm-upserted",
      connection: "system",
      vm: makeVm("db-01", "running"),
    });
    await waitFor(() => expect(actionButton(list, "start").disabled).toBe(true));
    expect(actionButton(list, "shutdown").disabled).toBe(false);
  });

  it("Start sends vm_action with the VM's ref", async () => {
    const { list, backend } = await setup();
    focus(list, "db-01");
    fireEvent.click(actionButton(list, "start"));
    expect(backend.vmAction).toHaveBeenCalledWith({
      vm: { connection: "system", uuid: "uuid-db-01" },
      action: "start",
    });
    await waitFor(() => expect(actionButton(list, "start").disabled).toBe(false));
  });

  it("works the way the end-to-end test drives it: buttons inside the clicked row", async () => {
    const { list, backend } = await setup();
    const web = row(list, "web-01");
    fireEvent.click(web);
    const forceOff = web.querySelector<HTMLButtonElement>('[data-action="force-off"]');
    expect(forceOff?.disabled).toBe(false);
    expect(web.querySelector<HTMLButtonElement>('[data-action="start"]')?.disabled).toBe(true);
    fireEvent.click(forceOff as HTMLButtonElement);
    fireEvent.click(document.querySelector('[data-confirm="force-off"]') as HTMLElement);
    expect(backend.vmAction).toHaveBeenCalledWith({
      vm: { connection: "system", uuid: "uuid-web-01" },
      action: "force-off",
    });
    // Only the focused row has buttons.
    expect(row(list, "db-01").querySelector("[data-action]")).toBeNull();
  });

  it("opens the console of a running VM from its row, and closes it", async () => {
    const fake = createFakeBackend({
      snapshot: sampleSnapshot(),
      consoleOpened: { id: 1, width: 640, height: 480 },
    });
    renderWithBackend(() => <Machines />, fake.backend);
    const list = screen.getByTestId("vm-list");
    await waitFor(() => expect(list.querySelector("[data-vm-name]")).not.toBeNull());
    const web = row(list, "web-01");
    fireEvent.click(web);
    const button = web.querySelector<HTMLButtonElement>('[data-action="console"]');
    expect(button?.disabled).toBe(false);
    fireEvent.click(button as HTMLButtonElement);
    const panel = await screen.findByTestId("console");
    expect(panel.textContent).toContain("web-01");
    expect(fake.backend.consoleOpen).toHaveBeenCalledWith({
      vm: { connection: "system", uuid: "uuid-web-01" },
    });
    await waitFor(() =>
      expect(screen.getByTestId<HTMLCanvasElement>("console-canvas").width).toBe(640),
    );
    fireEvent.click(document.querySelector('[data-action="close-console"]') as HTMLElement);
    expect(screen.queryByTestId("console")).toBeNull();
    expect(fake.backend.consoleClose).toHaveBeenCalledWith(1);
  });

  it("offers the console only for running, blocked and paused VMs", async () => {
    const { list } = await setup();
    for (const el of list.querySelectorAll<HTMLElement>("tbody [data-vm-name]")) {
      const name = el.dataset.vmName ?? "";
      fireEvent.click(row(list, name));
      const state = row(list, name).dataset.vmState ?? "";
      const button = row(list, name).querySelector<HTMLButtonElement>('[data-action="console"]');
      expect(button?.disabled, `${name} (${state})`).toBe(
        !["running", "blocked", "paused"].includes(state),
      );
    }
  });

  it("the More menu opens with the keyboard, moves with arrows, closes with Escape", async () => {
    const { list, backend } = await setup();
    focus(list, "build");
    const more = within(toolbar(list)).getByRole("button", { name: "More actions" });
    fireEvent.click(more);
    expect(more.getAttribute("aria-expanded")).toBe("true");
    const menu = screen.getByRole("menu");
    const items = within(menu).getAllByRole("menuitem") as HTMLButtonElement[];
    expect(items.map((item) => item.dataset.action)).toEqual([
      "reset",
      "discard-save",
      "enable-autostart",
      "disable-autostart",
      "clone",
    ]);
    // build is paused, starts at boot: only "Don't start at boot" is possible.
    expect(items.map((item) => item.disabled)).toEqual([true, true, true, false, true]);
    await waitFor(() => expect(document.activeElement).toBe(items[3]));
    fireEvent.keyDown(menu, { key: "ArrowDown" });
    expect(document.activeElement).toBe(items[3]);
    fireEvent.keyDown(menu, { key: "Escape" });
    expect(screen.queryByRole("menu")).toBeNull();
    expect(document.activeElement).toBe(more);
    fireEvent.click(more);
    fireEvent.click(
      within(screen.getByRole("menu")).getByRole("menuitem", { name: "Don't start at boot" }),
    );
    expect(screen.queryByRole("menu")).toBeNull();
    expect(backend.vmAction).toHaveBeenCalledWith({
      vm: { connection: "system", uuid: "uuid-build" },
      action: "disable-autostart",
    });
  });

  it("Clone… in the More menu opens the clone dialog for a shut-off VM", async () => {
    const { list } = await setup();
    focus(list, "db-01");
    fireEvent.click(within(toolbar(list)).getByRole("button", { name: "More actions" }));
    fireEvent.click(within(screen.getByRole("menu")).getByRole("menuitem", { name: "Clone…" }));
    const dialog = await screen.findByTestId("clone-dialog");
    expect(dialog.textContent).toContain("Clone “db-01”");
  });

  it("shows a dismissible error banner with a hint when an action fails", async () => {
    const { list, backend } = await setup();
    backend.vmAction.mockRejectedValueOnce({
      code: "invalid-state",
      message: "Requested operation is not valid: domain is already running",
    });
    focus(list, "db-01");
    fireEvent.click(actionButton(list, "start"));
    const banner = await screen.findByTestId("action-error");
    expect(banner.getAttribute("role")).toBe("alert");
    expect(banner.dataset.code).toBe("invalid-state");
    expect(banner.textContent).toContain("Could not start “db-01”");
    expect(banner.textContent).toContain("domain is already running");
    expect(banner.textContent).toContain("changed state meanwhile");
    fireEvent.click(within(banner).getByRole("button", { name: "Dismiss" }));
    expect(screen.queryByTestId("action-error")).toBeNull();
  });

  it("offers Force off 30 s after Shut down, until the VM is off", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const { list, backend, emit } = await setup();
    focus(list, "web-01");
    fireEvent.click(actionButton(list, "shutdown"));
    expect(backend.vmAction).toHaveBeenCalledWith({
      vm: { connection: "system", uuid: "uuid-web-01" },
      action: "shutdown",
    });
    await vi.advanceTimersByTimeAsync(29_000);
    expect(screen.queryByTestId("force-off-offer")).toBeNull();
    await vi.advanceTimersByTimeAsync(1_500);
    const offer = within(row(list, "web-01")).getByTestId("force-off-offer");
    expect(offer.textContent).toBe("Still running — Force off?");

    // The offer's button asks for confirmation, then forces off.
    fireEvent.click(within(offer).getByRole("button", { name: "Force off?" }));
    const dialog = screen.getByTestId("confirm-dialog");
    expect(dialog.textContent).toContain("Force off “web-01”?");
    fireEvent.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(backend.vmAction).toHaveBeenCalledTimes(1);
    expect(screen.getByTestId("force-off-offer")).toBeTruthy();

    emit("inventory", {
      kind: "vm-upserted",
      connection: "system",
      vm: makeVm("web-01", "shut-off"),
    });
    await waitFor(() => expect(screen.queryByTestId("force-off-offer")).toBeNull());
  });

  it("says Shutting down… from the click until the VM is off, and Rebooting… for a moment", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const { list, emit } = await setup();
    focus(list, "web-01");
    const transition = () => within(row(list, "web-01")).queryByTestId("transition");
    expect(transition()).toBeNull();
    fireEvent.click(actionButton(list, "shutdown"));
    await waitFor(() => expect(transition()?.textContent).toBe("Shutting down…"));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(transition()?.textContent).toBe("Shutting down…");
    emit("inventory", {
      kind: "vm-upserted",
      connection: "system",
      vm: makeVm("web-01", "shut-off"),
    });
    await waitFor(() => expect(transition()).toBeNull());
    expect(row(list, "web-01").textContent).toContain("Shut off");

    emit("inventory", {
      kind: "vm-upserted",
      connection: "system",
      vm: makeVm("web-01", "running"),
    });
    await waitFor(() => expect(actionButton(list, "reboot").disabled).toBe(false));
    fireEvent.click(actionButton(list, "reboot"));
    await waitFor(() => expect(transition()?.textContent).toBe("Rebooting…"));
    await vi.advanceTimersByTimeAsync(4_500);
    expect(transition()).toBeNull();
  });

  it("cancels the timer when the VM shuts off in time", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const { list, emit } = await setup();
    focus(list, "web-01");
    fireEvent.click(actionButton(list, "shutdown"));
    await vi.advanceTimersByTimeAsync(10_000);
    emit("inventory", {
      kind: "vm-upserted",
      connection: "system",
      vm: makeVm("web-01", "shut-off"),
    });
    // Started again before the 30 s are over: no offer for the old shutdown.
    emit("inventory", {
      kind: "vm-upserted",
      connection: "system",
      vm: makeVm("web-01", "running"),
    });
    await vi.advanceTimersByTimeAsync(40_000);
    expect(screen.queryByTestId("force-off-offer")).toBeNull();
  });

  it("does not offer Force off when Shut down failed", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const { list, backend } = await setup();
    backend.vmAction.mockRejectedValueOnce({ code: "unavailable", message: "connection lost" });
    focus(list, "web-01");
    fireEvent.click(actionButton(list, "shutdown"));
    await screen.findByTestId("action-error");
    await vi.advanceTimersByTimeAsync(31_000);
    expect(screen.queryByTestId("force-off-offer")).toBeNull();
  });

  it("Force off and Reset ask for confirmation first", async () => {
    const { list, backend } = await setup();
    focus(list, "web-01");
    for (const action of ["force-off", "reset"] as const) {
      fireEvent.click(actionButton(list, action));
      const dialog = screen.getByTestId("confirm-dialog");
      expect(backend.vmAction).not.toHaveBeenCalledWith(expect.objectContaining({ action }));
      // Cancel has the focus: Enter alone does no harm.
      expect(document.activeElement?.textContent).toBe("Cancel");
      const label = action === "reset" ? "Reset" : "Force off";
      const confirm = within(dialog).getByRole("button", { name: label });
      expect(confirm.dataset.confirm).toBe(action);
      fireEvent.click(confirm);
      expect(screen.queryByTestId("confirm-dialog")).toBeNull();
      expect(backend.vmAction).toHaveBeenLastCalledWith({
        vm: { connection: "system", uuid: "uuid-web-01" },
        action,
      });
      await waitFor(() => expect(actionButton(list, action).disabled).toBe(false));
    }
    // Escape cancels.
    fireEvent.click(actionButton(list, "force-off"));
    fireEvent.keyDown(screen.getByTestId("confirm-dialog"), { key: "Escape" });
    expect(screen.queryByTestId("confirm-dialog")).toBeNull();
    expect(backend.vmAction).toHaveBeenCalledTimes(2);
  });
});

describe("Machines: delete", () => {
  const disks: DiskChoice[] = [
    {
      target: "vda",
      device: "disk",
      path: "/var/lib/libvirt/images/db-01.qcow2",
      pool: "default",
      sharedWith: [],
      removeByDefault: true,
      needsConfirmation: false,
    },
    {
      target: "vdb",
      device: "disk",
      path: "/srv/shared/data.img",
      pool: null,
      sharedWith: ["db-02"],
      removeByDefault: false,
      needsConfirmation: true,
    },
    {
      target: "sda",
      device: "cdrom",
      path: null,
      pool: null,
      sharedWith: [],
      removeByDefault: false,
      needsConfirmation: false,
    },
  ];

  async function openDelete() {
    const fake = await setup();
    fake.backend.vmDeletePreview.mockResolvedValue(disks);
    focus(fake.list, "db-01");
    fireEvent.click(actionButton(fake.list, "delete"));
    const dialog = await screen.findByTestId("delete-dialog");
    await waitFor(() => expect(dialog.querySelectorAll("[data-disk-target]")).toHaveLength(3));
    const disk = (target: string) =>
      dialog.querySelector<HTMLInputElement>(
        `[data-disk-target="${target}"] input`,
      ) as HTMLInputElement;
    const confirm = within(dialog).getByTestId("confirm-delete") as HTMLButtonElement;
    return { ...fake, dialog, disk, confirm };
  }

  it("lists the disks with the suggested ones checked, and deletes them", async () => {
    const { backend, dialog, disk, confirm } = await openDelete();
    expect(backend.vmDeletePreview).toHaveBeenCalledWith({
      connection: "system",
      uuid: "uuid-db-01",
    });
    expect(disk("vda").checked).toBe(true);
    expect(disk("vdb").checked).toBe(false);
    expect(disk("sda").disabled).toBe(true);
    const vdb = dialog.querySelector('[data-disk-target="vdb"]') as HTMLElement;
    expect(vdb.textContent).toContain("/srv/shared/data.img");
    expect(vdb.textContent).toContain("Outside any storage pool");
    expect(vdb.textContent).toContain("used by db-02");
    expect(dialog.querySelector('[data-disk-target="vda"]')?.textContent).toContain(
      "In pool default",
    );
    expect(screen.queryByTestId("confirm-risky")).toBeNull();
    expect(confirm.disabled).toBe(false);
    fireEvent.click(confirm);
    expect(backend.vmDelete).toHaveBeenCalledWith({
      vm: { connection: "system", uuid: "uuid-db-01" },
      removeDisks: ["vda"],
      confirmedRisky: false,
    });
    await waitFor(() => expect(screen.queryByTestId("delete-dialog")).toBeNull());
  });

  it("names the snapshots that go with the VM", async () => {
    const fake = await setup();
    fake.backend.vmDeletePreview.mockResolvedValue(disks);
    fake.backend.vmSnapshots.mockResolvedValue({
      support: INTERNAL_SNAPSHOTS,
      snapshots: ["base", "update"].map((name) => ({
        name,
        description: "",
        created: 0,
        parent: null,
        current: false,
        hasMemory: false,
        state: "shutoff",
        mechanism: "internal" as const,
        memorySize: null,
      })),
    });
    focus(fake.list, "db-01");
    fireEvent.click(actionButton(fake.list, "delete"));
    expect((await screen.findByTestId("delete-snapshots")).textContent).toContain(
      "Its 2 snapshots go with it: base, update.",
    );
  });

  it("a disk that needs confirmation needs the extra checkbox", async () => {
    const { backend, disk, confirm } = await openDelete();
    fireEvent.click(disk("vdb"));
    expect(disk("vdb").checked).toBe(true);
    const risky = screen.getByTestId("confirm-risky") as HTMLInputElement;
    expect(risky.closest("label")?.textContent).toContain(
      "I understand these files will be deleted although they are outside a storage pool / used by other VMs",
    );
    expect(confirm.disabled).toBe(true);
    fireEvent.click(confirm);
    expect(backend.vmDelete).not.toHaveBeenCalled();
    fireEvent.click(risky);
    expect(confirm.disabled).toBe(false);
    fireEvent.click(confirm);
    expect(backend.vmDelete).toHaveBeenCalledWith({
      vm: { connection: "system", uuid: "uuid-db-01" },
      removeDisks: ["vda", "vdb"],
      confirmedRisky: true,
    });
  });

  it("keeps the dialog open with the error when deleting fails", async () => {
    const { backend, dialog, confirm } = await openDelete();
    backend.vmDelete.mockRejectedValueOnce({
      code: "permission-denied",
      message: "read-only pool",
    });
    fireEvent.click(confirm);
    const alert = await within(dialog).findByRole("alert");
    expect(alert.textContent).toContain("read-only pool");
    expect(alert.textContent).toContain("group membership");
    expect(screen.getByTestId("delete-dialog")).toBe(dialog);
  });
});

describe("Machines: bulk actions", () => {
  it("starts only the selected VMs that allow it, and reports per-VM failures", async () => {
    const { list, backend } = await setup();
    for (const name of ["db-01", "web-01", "legacy-xp"]) {
      fireEvent.click(row(list, name).querySelector('input[type="checkbox"]') as HTMLElement);
    }
    const bar = screen.getByTestId("bulk-bar");
    expect(bar.textContent).toContain("3 selected");
    const start = within(bar).getByRole("button", { name: "Start (2)" });
    const shutdown = within(bar).getByRole("button", { name: "Shut down (1)" });
    expect(shutdown.hasAttribute("disabled")).toBe(false);

    backend.vmActionMany.mockResolvedValueOnce([
      { vm: { connection: "system", uuid: "uuid-db-01" }, error: null },
      {
        vm: { connection: "vbox", uuid: "uuid-legacy-xp" },
        error: { code: "unavailable", message: "VirtualBox is not installed" },
      },
    ]);
    fireEvent.click(start);
    expect(backend.vmActionMany).toHaveBeenCalledWith({
      action: "start",
      vms: [
        { connection: "system", uuid: "uuid-db-01" },
        { connection: "vbox", uuid: "uuid-legacy-xp" },
      ],
    });
    const banner = await screen.findByTestId("action-error");
    expect(banner.textContent).toContain("Could not start 1 of 2 machines");
    expect(banner.textContent).toContain("legacy-xp: VirtualBox is not installed");
    expect(banner.textContent).not.toContain("db-01");
  });

  it("shuts down only the running selected VMs", async () => {
    const { list, backend } = await setup();
    list.focus();
    fireEvent.keyDown(list, { key: "a", ctrlKey: true });
    fireEvent.click(
      within(screen.getByTestId("bulk-bar")).getByRole("button", { name: "Shut down (1)" }),
    );
    expect(backend.vmActionMany).toHaveBeenCalledWith({
      action: "shutdown",
      vms: [{ connection: "system", uuid: "uuid-web-01" }],
    });
  });
});

describe("Machines: connections", () => {
  it("lists connections with state, error, hint, Retry and the polling note", async () => {
    const { backend } = await setup();
    const panel = screen.getByTestId("connections");
    const item = (id: string) =>
      panel.querySelector<HTMLElement>(`[data-connection-id="${id}"]`) as HTMLElement;
    expect(
      [...panel.querySelectorAll<HTMLElement>("[data-connection-id]")].map(
        (el) => el.dataset.connectionId,
      ),
    ).toEqual(["system", "session", "lab", "vbox"]);
    expect(item("system").dataset.connectionState).toBe("connected");
    expect(item("system").textContent).toContain("3 VMs");
    expect(item("lab").dataset.connectionState).toBe("failed");
    expect(item("lab").textContent).toContain("Could not resolve hostname lab");
    expect(item("lab").textContent).toContain("ssh admin@lab");
    expect(item("vbox").textContent).toContain("polling");
    expect(item("system").textContent).not.toContain("polling");
    expect(within(item("system")).queryByRole("button", { name: /Retry/ })).toBeNull();
    // Built-ins cannot be removed.
    expect(within(item("system")).queryByRole("button", { name: /Remove/ })).toBeNull();

    fireEvent.click(within(item("lab")).getByRole("button", { name: "Retry Lab server" }));
    expect(backend.connectionRetry).toHaveBeenCalledWith("lab");

    // The failed connection's banner does not hide the other connections' VMs.
    const banner = screen.getByTestId("connection-banner");
    expect(banner.dataset.connectionId).toBe("lab");
    expect(screen.getByTestId("vm-list").dataset.rowCount).toBe("5");
  });

  it("follows connection events", async () => {
    const { emit } = await setup();
    emit("inventory", {
      kind: "connection",
      connection: {
        ...sampleSnapshot().connections[2],
        state: "connected",
        error: null,
        hint: null,
      },
    });
    await waitFor(() =>
      expect(
        document.querySelector('[data-connection-id="lab"]')?.getAttribute("data-connection-state"),
      ).toBe("connected"),
    );
    expect(screen.queryByTestId("connection-banner")).toBeNull();
  });

  it("adds a connection, showing the backend's error inline", async () => {
    const { backend } = await setup();
    fireEvent.click(screen.getByTestId("add-connection"));
    const dialog = screen.getByTestId("add-connection-dialog");
    expect(dialog.textContent).toContain("qemu+ssh://user@host/system");
    expect(dialog.textContent).toContain("vbox:///session");
    expect(dialog.textContent).toContain("test:///path/to/node.xml");
    const add = within(dialog).getByRole("button", { name: "Add" }) as HTMLButtonElement;
    expect(add.disabled).toBe(true);

    const uri = within(dialog).getByRole("textbox", { name: "URI" });
    fireEvent.input(uri, { target: { value: "bogus://" } });
    backend.connectionAdd.mockRejectedValueOnce({
      code: "invalid-input",
      message: "no connection driver available for bogus://",
    });
    fireEvent.click(add);
    const alert = await within(dialog).findByRole("alert");
    expect(alert.textContent).toContain("no connection driver available for bogus://");
    expect(screen.getByTestId("add-connection-dialog")).toBe(dialog);

    fireEvent.click(within(dialog).getByRole("button", { name: /test:\/\/\/path/ }));
    expect((uri as HTMLInputElement).value).toBe("test:///path/to/node.xml");
    fireEvent.input(within(dialog).getByRole("textbox", { name: "Name (optional)" }), {
      target: { value: "  Test host " },
    });
    fireEvent.click(add);
    expect(backend.connectionAdd).toHaveBeenLastCalledWith({
      uri: "test:///path/to/node.xml",
      name: "Test host",
    });
    await waitFor(() => expect(screen.queryByTestId("add-connection-dialog")).toBeNull());
    const item = document.querySelector('[data-connection-id="custom-test:///path/to/node.xml"]');
    expect(item?.textContent).toContain("Test host");
    expect(item?.getAttribute("data-connection-state")).toBe("connecting");
  });

  it("renames inline", async () => {
    const { backend } = await setup();
    fireEvent.click(screen.getByRole("button", { name: "Rename VirtualBox" }));
    const input = screen.getByRole("textbox", { name: "New name for VirtualBox" });
    fireEvent.input(input, { target: { value: "VBox" } });
    fireEvent.submit(input.closest("form") as HTMLFormElement);
    expect(backend.connectionUpdate).toHaveBeenCalledWith({ id: "vbox", patch: { name: "VBox" } });
    await waitFor(() =>
      expect(
        document.querySelector('[data-connection-id="vbox"] .connection-name')?.textContent,
      ).toBe("VBox"),
    );
    expect(
      row(screen.getByTestId("vm-list"), "legacy-xp").querySelector(".cell-conn")?.textContent,
    ).toBe("VBox");

    // Escape cancels without a call.
    fireEvent.click(screen.getByRole("button", { name: "Rename VBox" }));
    fireEvent.keyDown(screen.getByRole("textbox", { name: "New name for VBox" }), {
      key: "Escape",
    });
    expect(screen.queryByRole("textbox", { name: "New name for VBox" })).toBeNull();
    expect(backend.connectionUpdate).toHaveBeenCalledTimes(1);
  });

  it("removes a custom connection after confirmation", async () => {
    const { backend, list } = await setup();
    fireEvent.click(screen.getByRole("button", { name: "Remove VirtualBox" }));
    const dialog = screen.getByTestId("confirm-dialog");
    expect(backend.connectionRemove).not.toHaveBeenCalled();
    fireEvent.click(within(dialog).getByRole("button", { name: "Remove" }));
    expect(backend.connectionRemove).toHaveBeenCalledWith("vbox");
    await waitFor(() => expect(document.querySelector('[data-connection-id="vbox"]')).toBeNull());
    expect(list.querySelector('[data-vm-name="legacy-xp"]')).toBeNull();
  });
});

describe("Machines: loading and stats", () => {
  it("shows a load error with a retry", async () => {
    const fake = createFakeBackend({ snapshot: sampleSnapshot() });
    fake.backend.inventorySnapshot.mockRejectedValueOnce({
      code: "unavailable",
      message: "backend down",
    });
    renderWithBackend(() => <Machines />, fake.backend);
    const banner = await screen.findByTestId("load-error");
    expect(banner.textContent).toContain("backend down");
    fireEvent.click(within(banner).getByRole("button", { name: "Try again" }));
    await waitFor(() => expect(screen.getByTestId("vm-list").dataset.rowCount).toBe("5"));
    expect(screen.queryByTestId("load-error")).toBeNull();
    expect(fake.backend.listen).toHaveBeenCalledTimes(1);
  });

  it("turns stats on while visible and off when hidden or inactive", async () => {
    const fake = createFakeBackend({ snapshot: sampleSnapshot() });
    const [active, setActive] = createSignal(true);
    const { unmount } = renderWithBackend(() => <Machines active={active()} />, fake.backend);
    expect(fake.backend.setStatsActive.mock.calls).toEqual([[true]]);
    await waitFor(() => expect(screen.getByTestId("vm-list").dataset.rowCount).toBe("5"));
    expect(fake.listeners("inventory")).toBe(1);

    const visibility = vi.spyOn(document, "visibilityState", "get").mockReturnValue("hidden");
    document.dispatchEvent(new Event("visibilitychange"));
    expect(fake.backend.setStatsActive.mock.calls).toEqual([[true], [false]]);
    visibility.mockReturnValue("visible");
    document.dispatchEvent(new Event("visibilitychange"));
    expect(fake.backend.setStatsActive.mock.calls).toEqual([[true], [false], [true]]);
    visibility.mockRestore();

    setActive(false);
    expect(fake.backend.setStatsActive.mock.calls.at(-1)).toEqual([false]);
    setActive(true);
    expect(fake.backend.setStatsActive.mock.calls.at(-1)).toEqual([true]);
    unmount();
    expect(fake.backend.setStatsActive.mock.calls.at(-1)).toEqual([false]);
    expect(fake.listeners("inventory")).toBe(0);
  });
});

describe("Machines: 1000 VMs", () => {
  it("renders only a window of rows, and moves it when scrolling", async () => {
    const started = performance.now();
    const { list, emit } = await setup(bigSnapshot(1000));
    const elapsed = performance.now() - started;
    expect(list.dataset.rowCount).toBe("1000");
    expect(list.getAttribute("aria-rowcount")).toBe("1001");
    const rendered = list.querySelectorAll("tbody [data-vm-name]").length;
    expect(rendered).toBeGreaterThan(10);
    expect(rendered).toBeLessThan(60);
    expect(renderedNames(list)[0]).toBe("vm-0001");
    // Generous: jsdom is slow, but rendering all 1000 rows would take far longer.
    expect(elapsed).toBeLessThan(3000);

    list.scrollTop = 500 * 48;
    fireEvent.scroll(list);
    await waitFor(() => expect(list.querySelector('[data-vm-name="vm-0501"]')).not.toBeNull());
    expect(list.querySelector('[data-vm-name="vm-0001"]')).toBeNull();
    const vm501 = row(list, "vm-0501");
    expect(vm501.style.top).toBe(`${500 * 48}px`);
    expect(vm501.getAttribute("aria-rowindex")).toBe("502");
    expect(list.querySelectorAll("tbody [data-vm-name]").length).toBeLessThan(60);

    // Stats for every running VM: still a window of rows.
    emit("inventory", {
      kind: "stats",
      connection: "system",
      at: 1,
      stats: bigSnapshot(1000)
        .vms.filter((r) => r.vm.state === "running")
        .map((r) => ({ uuid: r.vm.uuid, cpuPercent: 25, memoryUsed: null })),
    });
    await waitFor(() => expect(list.querySelector(".cpu-value")?.textContent).toBe("25%"));
    expect(row(list, "vm-0501")).toBe(vm501);

    // End jumps to the last row and scrolls it into view.
    list.focus();
    fireEvent.keyDown(list, { key: "End" });
    await waitFor(() => expect(list.querySelector('[data-vm-name="vm-1000"]')).not.toBeNull());
    expect(toolbar(list).getAttribute("aria-label")).toBe("Actions for vm-1000");
  });
});

describe("Machines: a VM's page", () => {
  it("opens with Enter, a double-click or the name, and Back returns to the selected row", async () => {
    const { list, backend } = await setup();
    list.focus();
    fireEvent.keyDown(list, { key: "ArrowDown" });
    fireEvent.keyDown(list, { key: "Enter" });
    const page = await screen.findByTestId("vm-page");
    expect(screen.getByTestId("vm-page-name").textContent).toBe("build");
    expect(backend.vmDetails).toHaveBeenCalledWith({ connection: "system", uuid: "uuid-build" });
    // Under the page the list samples nothing: only the page's own VM is watched.
    expect(backend.setStatsActive.mock.calls.at(-1)).toEqual([false]);
    fireEvent.click(within(page).getByTestId("vm-page-back"));
    expect(screen.queryByTestId("vm-page")).toBeNull();
    expect(row(list, "build").classList.contains("is-current")).toBe(true);
    expect(backend.setStatsActive.mock.calls.at(-1)).toEqual([true]);

    fireEvent.dblClick(row(list, "db-01"));
    expect((await screen.findByTestId("vm-page-name")).textContent).toBe("db-01");
    fireEvent.keyDown(screen.getByTestId("vm-page"), { key: "Escape" });
    expect(screen.queryByTestId("vm-page")).toBeNull();

    fireEvent.click(within(row(list, "web-01")).getByRole("button", { name: "web-01" }));
    expect((await screen.findByTestId("vm-page-name")).textContent).toBe("web-01");
  });

  it("says the VM is gone when it is removed while its page is open", async () => {
    const { list, emit } = await setup();
    fireEvent.dblClick(row(list, "db-01"));
    await screen.findByTestId("vm-page");
    emit("inventory", { kind: "vm-removed", connection: "system", uuid: "uuid-db-01" });
    await screen.findByTestId("vm-page-gone");
  });
});
