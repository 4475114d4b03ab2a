import { cleanup, fireEvent, screen, waitFor } from "@solidjs/testing-library";
import { afterEach, describe, expect, it } from "vitest";
import { App } from "./App";
import { pvmReport } from "./hostcheck/fixtures";
import { sampleSnapshot } from "./inventory/fixtures";
import { createFakeBackend, renderWithBackend } from "./testing";

afterEach(() => {
  cleanup();
  history.replaceState(null, "", "#");
});

function setup(initialView?: "machines" | "host-check") {
  const fake = createFakeBackend({ snapshot: sampleSnapshot(), report: pvmReport });
  renderWithBackend(() => <App initialView={initialView} />, fake.backend);
  return { ...fake, check: fake.backend.checkHost };
}

const viewButton = (name: string) => screen.getByRole("button", { name });

describe("App", () => {
  it("opens on Machines; the host check runs only when its view opens", async () => {
    const { check, backend } = setup();
    const machines = screen.getByTestId("machines");
    await waitFor(() => expect(screen.getByTestId("vm-list").dataset.rowCount).toBe("5"));
    expect(viewButton("Machines").getAttribute("aria-current")).toBe("page");
    expect(viewButton("Host check").getAttribute("aria-current")).toBeNull();
    expect(screen.queryByTestId("host-check")).toBeNull();
    expect(screen.queryByRole("button", { name: "Check again" })).toBeNull();
    expect(check).not.toHaveBeenCalled();
    expect(backend.setStatsActive).toHaveBeenLastCalledWith(true);

    fireEvent.click(viewButton("Host check"));
    const hostCheck = await screen.findByTestId("host-check");
    await screen.findByTestId("verdict");
    expect(check).toHaveBeenCalledTimes(1);
    expect(hostCheck.dataset.checkCount).toBe("1");
    expect(machines.closest(".view")?.hasAttribute("hidden")).toBe(true);
    expect(hostCheck.closest(".view")?.hasAttribute("hidden")).toBe(false);
    // Only the shown view's switcher and "Check again" are accessible.
    expect(viewButton("Host check").getAttribute("aria-current")).toBe("page");
    expect(screen.getByRole("button", { name: "Check again" })).toBeTruthy();
    expect(backend.setStatsActive).toHaveBeenLastCalledWith(false);
    expect(window.location.hash).toBe("#host-check");

    // Back: both stay mounted; the check is not repeated, the inventory not reloaded.
    fireEvent.click(viewButton("Machines"));
    expect(machines.closest(".view")?.hasAttribute("hidden")).toBe(false);
    expect(hostCheck.closest(".view")?.hasAttribute("hidden")).toBe(true);
    expect(screen.queryByRole("button", { name: "Check again" })).toBeNull();
    expect(backend.setStatsActive).toHaveBeenLastCalledWith(true);
    expect(backend.inventorySnapshot).toHaveBeenCalledTimes(1);
    fireEvent.click(viewButton("Host check"));
    expect(check).toHaveBeenCalledTimes(1);
    expect(screen.getByTestId("host-check")).toBe(hostCheck);
  });

  it("opens Preferences from the switcher and keeps the list mounted behind it", async () => {
    const { backend } = setup();
    const machines = screen.getByTestId("machines");
    fireEvent.click(viewButton("Preferences"));
    expect(await screen.findByTestId("preferences")).toBeTruthy();
    expect(machines.closest(".view")?.hasAttribute("hidden")).toBe(true);
    expect(window.location.hash).toBe("#preferences");
    expect(backend.setStatsActive).toHaveBeenLastCalledWith(false);
    fireEvent.click(viewButton("Machines"));
    expect(screen.queryByTestId("preferences")).toBeNull();
    expect(screen.getByTestId("machines")).toBe(machines);
  });

  it("can open on the host check (#host-check)", async () => {
    history.replaceState(null, "", "#host-check");
    const fake = createFakeBackend({ snapshot: sampleSnapshot(), report: pvmReport });
    renderWithBackend(() => <App />, fake.backend);
    await screen.findByTestId("verdict");
    expect(viewButton("Host check").getAttribute("aria-current")).toBe("page");
    expect(fake.backend.setStatsActive).not.toHaveBeenCalledWith(true);
  });
});
