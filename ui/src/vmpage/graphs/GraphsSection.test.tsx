import { cleanup, waitFor } from "@solidjs/testing-library";
import { createSignal } from "solid-js";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { VmDetails } from "../../bindings/VmDetails";
import { createFakeBackend, renderWithBackend } from "../../testing";
import { makeDetails } from "../fixtures";
import { GraphsSection } from "./GraphsSection";

const WEB = { connection: "system", uuid: "uuid-web" };
let strokes = 0;

beforeEach(() => {
  strokes = 0;
  const noop = () => {};
  vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockImplementation(
    () =>
      ({
        setTransform: noop,
        clearRect: noop,
        beginPath: noop,
        moveTo: noop,
        lineTo: noop,
        stroke: () => {
          strokes += 1;
        },
      }) as unknown as CanvasRenderingContext2D,
  );
});
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

function show(initial: VmDetails) {
  const fake = createFakeBackend();
  fake.backend.vmStatsWatch.mockResolvedValue({
    intervalMs: 2000,
    capacity: 450,
    samples: [
      { at: 1000, cpuPercent: 20, memoryUsed: 512 * 2 ** 20, guestMemoryUsed: null, io: null },
    ],
  });
  const [details, setDetails] = createSignal(initial);
  const view = renderWithBackend(
    () => <GraphsSection vm={WEB} details={details()} />,
    fake.backend,
  );
  return { fake, view, setDetails };
}

function sample(at: number, uuid: string, cpu: number, connection = "system") {
  return {
    kind: "stats" as const,
    connection,
    at,
    stats: [
      {
        uuid,
        cpuPercent: cpu,
        memoryUsed: 600 * 2 ** 20,
        guestMemoryUsed: 300 * 2 ** 20,
        io: { diskRead: 2048, diskWrite: 0, netRx: null, netTx: 1536 },
      },
    ],
  };
}

describe("GraphsSection", () => {
  it("watches a running VM, draws its history, then each sample for it", async () => {
    const { fake, view } = show(makeDetails("web", "running"));
    await waitFor(() => expect(fake.backend.vmStatsWatch).toHaveBeenCalledWith(WEB));
    const cpu = await view.findByTestId("vm-graph-cpu-value");
    await waitFor(() => expect(cpu.textContent).toBe("20 %"));
    expect((await view.findByTestId("vm-graph-memory-value")).textContent).toBe("512 MiB of 1 GiB");
    expect(view.queryByTestId("vm-graph-guest-memory-value")).toBeNull();
    const drawn = strokes;
    fake.emit("inventory", sample(3000, "uuid-web", 42.4));
    expect(cpu.textContent).toBe("42 %");
    expect(strokes).toBeGreaterThan(drawn);
    expect((await view.findByTestId("vm-graph-disk-value")).textContent).toBe(
      "read 2 KiB/s · write 0 B/s",
    );
    // The guest's own report, beside the host's figure.
    expect((await view.findByTestId("vm-graph-memory-value")).textContent).toBe(
      "600 MiB of 1 GiB · 300 MiB in use in the guest",
    );
    expect((await view.findByTestId("vm-graph-net-value")).textContent).toBe(
      "in — · out 1.5 KiB/s",
    );
    expect((await view.findByTestId("vm-graph-cpu")).dataset.samples).toBe("2");
    // Another VM's, another connection's, and an older sample change nothing.
    fake.emit("inventory", sample(5000, "uuid-db", 90));
    fake.emit("inventory", sample(5000, "uuid-web", 90, "session"));
    fake.emit("inventory", sample(2000, "uuid-web", 90));
    expect(cpu.textContent).toBe("42 %");
    view.unmount();
    expect(fake.backend.vmStatsUnwatch).toHaveBeenCalledWith(WEB);
  });

  it("samples nothing for a stopped VM, and stops when the VM stops", async () => {
    const { fake, view, setDetails } = show(makeDetails("web", "shut-off"));
    expect((await view.findByTestId("vm-graphs")).textContent).toContain(
      "Usage is shown while the VM runs.",
    );
    expect(fake.backend.vmStatsWatch).not.toHaveBeenCalled();
    setDetails(makeDetails("web", "running"));
    await waitFor(() => expect(fake.backend.vmStatsWatch).toHaveBeenCalledTimes(1));
    setDetails(makeDetails("web", "shut-off"));
    expect(fake.backend.vmStatsUnwatch).toHaveBeenCalledTimes(1);
    view.unmount();
    expect(fake.backend.vmStatsUnwatch).toHaveBeenCalledTimes(1);
  });

  it("stops watching while the window is hidden", async () => {
    const { fake } = show(makeDetails("web", "running"));
    await waitFor(() => expect(fake.backend.vmStatsWatch).toHaveBeenCalledTimes(1));
    const state = vi.spyOn(document, "visibilityState", "get").mockReturnValue("hidden");
    document.dispatchEvent(new Event("visibilitychange"));
    expect(fake.backend.vmStatsUnwatch).toHaveBeenCalledTimes(1);
    state.mockReturnValue("visible");
    document.dispatchEvent(new Event("visibilitychange"));
    await waitFor(() => expect(fake.backend.vmStatsWatch).toHaveBeenCalledTimes(2));
  });

  it("draws nothing while the graphs are scrolled away, and catches up on return", async () => {
    const seen: ((entries: { isIntersecting: boolean }[]) => void)[] = [];
    vi.stubGlobal(
      "IntersectionObserver",
      class {
        constructor(cb: (entries: { isIntersecting: boolean }[]) => void) {
          seen.push(cb);
        }
        observe() {}
        disconnect() {}
      },
    );
    try {
      const { fake, view } = show(makeDetails("web", "running"));
      const cpu = await view.findByTestId("vm-graph-cpu-value");
      await waitFor(() => expect(cpu.textContent).toBe("20 %"));
      expect(seen.length).toBe(4);
      for (const cb of seen) cb([{ isIntersecting: false }]);
      const before = strokes;
      fake.emit("inventory", sample(3000, "uuid-web", 42));
      expect(cpu.textContent).toBe("42 %");
      expect(strokes).toBe(before);
      for (const cb of seen) cb([{ isIntersecting: true }]);
      expect(strokes).toBeGreaterThan(before);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it("shows why the graphs could not start", async () => {
    const fake = createFakeBackend();
    fake.backend.vmStatsWatch.mockRejectedValue({ code: "not-found", message: "no VM uuid-web" });
    const view = renderWithBackend(
      () => <GraphsSection vm={WEB} details={makeDetails("web", "running")} />,
      fake.backend,
    );
    expect((await view.findByTestId("vm-graphs-error")).textContent).toBe("no VM uuid-web");
  });
});
