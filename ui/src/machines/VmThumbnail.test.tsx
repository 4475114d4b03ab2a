import { cleanup, fireEvent, screen, waitFor } from "@solidjs/testing-library";
import { createSignal } from "solid-js";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { InventorySnapshot } from "../bindings/InventorySnapshot";
import { bigSnapshot, makeVm, sampleSnapshot } from "../inventory/fixtures";
import {
  createFakeBackend,
  type FakeBackend,
  fakeObjectUrls,
  ONE_PIXEL_PNG,
  renderWithBackend,
} from "../testing";
import { Machines } from "./Machines";
import { THUMBNAIL_INTERVAL_MS } from "./thumbnails";
import { THUMBNAIL_WIDTH, thumbnailRequestWidth } from "./VmThumbnail";

afterEach(() => {
  cleanup();
  vi.useRealTimers();
  vi.restoreAllMocks();
});

async function setup(snapshot: InventorySnapshot = sampleSnapshot(), active?: () => boolean) {
  const fake = createFakeBackend({ snapshot: snapshot });
  const result = renderWithBackend(() => <Machines active={active?.()} />, fake.backend);
  const list = screen.getByTestId("vm-list");
  await waitFor(() => expect(list.querySelector("[data-vm-name]")).not.toBeNull());
  return { ...fake, ...result, list };
}

function rowOf(list: HTMLElement, name: string): HTMLElement {
  const el = list.querySelector<HTMLElement>(`[data-vm-name="${name}"]`);
  if (!el) throw new Error(`no row ${name}`);
  return el;
}

const requested = (backend: FakeBackend["backend"]) =>
  backend.vmThumbnail.mock.calls.map(([req]) => req.vm.uuid);

describe("VM list thumbnails", () => {
  it("shows a running VM's screen and a placeholder for the others", async () => {
    const { list, backend } = await setup();
    await waitFor(() => expect(rowOf(list, "web-01").querySelector("img")).not.toBeNull());
    const img = rowOf(list, "web-01").querySelector("img") as HTMLImageElement;
    expect(img.getAttribute("src")).toMatch(/^blob:fake\//);
    for (const name of ["db-01", "build", "scratch", "legacy-xp"]) {
      const row = rowOf(list, name);
      expect(row.querySelector("img"), name).toBeNull();
      expect(row.querySelector('[data-testid="thumbnail-placeholder"]'), name).not.toBeNull();
    }
    // Only the running VM was asked for, at the box's width in device pixels.
    expect(backend.vmThumbnail).toHaveBeenCalledTimes(1);
    expect(backend.vmThumbnail).toHaveBeenCalledWith({
      vm: { connection: "system", uuid: "uuid-web-01" },
      maxWidth: thumbnailRequestWidth(window.devicePixelRatio),
    });
  });

  it("keeps the picture when an event changes something else about the VM", async () => {
    const { list, backend, emit } = await setup();
    await waitFor(() => expect(rowOf(list, "web-01").querySelector("img")).not.toBeNull());
    const img = rowOf(list, "web-01").querySelector("img");
    emit("inventory", {
      kind: "vm-upserted",
      connection: "system",
      vm: makeVm("web-01", "running", { autostart: true }),
    });
    await waitFor(() => expect(rowOf(list, "web-01").textContent).toContain("starts at boot"));
    expect(rowOf(list, "web-01").querySelector("img")).toBe(img);
    expect(backend.vmThumbnail).toHaveBeenCalledTimes(1);
  });

  it("asks HiDPI screens for more pixels", () => {
    expect(thumbnailRequestWidth(1)).toBe(THUMBNAIL_WIDTH);
    expect(thumbnailRequestWidth(2)).toBe(2 * THUMBNAIL_WIDTH);
    expect(thumbnailRequestWidth(1.25)).toBe(80);
    expect(thumbnailRequestWidth(Number.NaN)).toBe(THUMBNAIL_WIDTH);
    expect(thumbnailRequestWidth(10)).toBe(4 * THUMBNAIL_WIDTH);
  });

  it("a click on the thumbnail opens the console, like the row's Console button", async () => {
    const { list, backend } = await setup();
    const button = await waitFor(() => {
      const found = rowOf(list, "web-01").querySelector<HTMLButtonElement>(
        '[data-testid="thumbnail"]',
      );
      expect(found).not.toBeNull();
      return found as HTMLButtonElement;
    });
    expect(button.getAttribute("aria-label")).toBe("Open the console of web-01");
    fireEvent.click(button);
    await screen.findByTestId("console");
    expect(backend.consoleOpen).toHaveBeenCalledWith({
      vm: { connection: "system", uuid: "uuid-web-01" },
    });
  });

  it("refreshes every 5 s only while visible, and stops when the VM stops", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const [active, setActive] = createSignal(true);
    const { list, backend, emit } = await setup(sampleSnapshot(), active);
    await waitFor(() => expect(backend.vmThumbnail).toHaveBeenCalledTimes(1));
    await vi.advanceTimersByTimeAsync(THUMBNAIL_INTERVAL_MS);
    expect(backend.vmThumbnail).toHaveBeenCalledTimes(2);

    const visibility = vi.spyOn(document, "visibilityState", "get").mockReturnValue("hidden");
    document.dispatchEvent(new Event("visibilitychange"));
    await vi.advanceTimersByTimeAsync(4 * THUMBNAIL_INTERVAL_MS);
    expect(backend.vmThumbnail).toHaveBeenCalledTimes(2);
    visibility.mockReturnValue("visible");
    document.dispatchEvent(new Event("visibilitychange"));
    await vi.advanceTimersByTimeAsync(0);
    expect(backend.vmThumbnail).toHaveBeenCalledTimes(3);

    // Another view shown instead of Machines: nothing either.
    setActive(false);
    await vi.advanceTimersByTimeAsync(4 * THUMBNAIL_INTERVAL_MS);
    expect(backend.vmThumbnail).toHaveBeenCalledTimes(3);
    setActive(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(backend.vmThumbnail).toHaveBeenCalledTimes(4);
    expect(fakeObjectUrls.live()).toHaveLength(1);

    emit("inventory", {
      kind: "vm-upserted",
      connection: "system",
      vm: makeVm("web-01", "shut-off"),
    });
    await waitFor(() => expect(rowOf(list, "web-01").querySelector("img")).toBeNull());
    expect(fakeObjectUrls.live()).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(4 * THUMBNAIL_INTERVAL_MS);
    expect(backend.vmThumbnail).toHaveBeenCalledTimes(4);

    // Started again: watched again at once.
    emit("inventory", {
      kind: "vm-upserted",
      connection: "system",
      vm: makeVm("web-01", "running"),
    });
    await waitFor(() => expect(backend.vmThumbnail).toHaveBeenCalledTimes(5));
  });

  it("with 1000 VMs: only rendered running rows, one request at a time per connection", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const fake = createFakeBackend({ snapshot: bigSnapshot(1000) });
    // Slow answers: each takes 100 ms; count what overlaps.
    let inFlight = 0;
    let maxInFlight = 0;
    fake.backend.vmThumbnail.mockImplementation(async () => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 100));
      inFlight -= 1;
      return ONE_PIXEL_PNG.slice().buffer;
    });
    renderWithBackend(() => <Machines />, fake.backend);
    const list = screen.getByTestId("vm-list");
    await waitFor(() => expect(list.querySelector("[data-vm-name]")).not.toBeNull());
    await vi.advanceTimersByTimeAsync(3 * THUMBNAIL_INTERVAL_MS);

    const rendered = [...list.querySelectorAll<HTMLElement>("tbody [data-vm-name]")];
    const renderedRunning = rendered
      .filter((row) => row.dataset.vmState === "running")
      .map((row) => row.dataset.vmUuid);
    expect(rendered.length).toBeLessThan(60);
    expect(new Set(requested(fake.backend))).toEqual(new Set(renderedRunning));
    expect(maxInFlight).toBe(1);
    expect(list.querySelectorAll("img").length).toBe(renderedRunning.length);

    // Scrolled away: the old rows' URLs are revoked, the new rows are fetched.
    list.scrollTop = 600 * 48;
    fireEvent.scroll(list);
    await waitFor(() => expect(list.querySelector('[data-vm-name="vm-0601"]')).not.toBeNull());
    await vi.advanceTimersByTimeAsync(THUMBNAIL_INTERVAL_MS);
    expect(requested(fake.backend)).toContain("uuid-vm-0601");
    const shownNow = list.querySelectorAll("tbody [data-vm-state='running']").length;
    expect(fakeObjectUrls.live().length).toBeLessThanOrEqual(shownNow);
    expect(maxInFlight).toBe(1);
  });
});
